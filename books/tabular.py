"""Writing tables for spreadsheets (CSV, XLSX) without letting a cell run as a formula, in constant memory.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe, so a spreadsheet shows it as text instead of evaluating it (CSV/formula injection).
Numbers stay numbers: integers are written as they are; a day is ``dd/mm/yyyy`` in CSV and a date cell
in XLSX. Both writers take rows from any iterable (a database cursor read in chunks) and keep none of
them: CSV comes out a chunk of text at a time, XLSX through openpyxl's write-only mode into a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

#: Whole đồng with the thousands grouped, in the Vietnamese locale (1.500.000 where the reader's spreadsheet
#: follows the locale tag, as LibreOffice does; the locale's own separator elsewhere).
MONEY_FORMAT = "[$-42A]#,##0"
#: A day as Vietnam writes it.
DATE_FORMAT = "dd/mm/yyyy"


class Day(date):
    """A date that prints as ``dd/mm/yyyy`` (on a page, in a PDF, in CSV) and stays a date in XLSX."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self.day:02d}/{self.month:02d}/{self.year:04d}"

    @classmethod
    def of(cls, value: Any) -> Day | None:
        """``value`` (a date, a datetime or ISO text from SQLite) as a Day; None stays None."""
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return cls(value.year, value.month, value.day)


def safe_cell(value: Any) -> Any:
    """Return ``value`` fit for a spreadsheet cell: integers unchanged, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return str(Day.of(value))
    text = str(value)
    return "'" + text if text.startswith(_TRIGGERS) else text


def csv_chunks(header: list[str], rows: Iterable[Iterable[Any]], *, every: int = 2000) -> Iterator[str]:
    """The CSV document (with a UTF-8 BOM, so spreadsheet programs read Vietnamese right) a piece of
    ``every`` rows at a time: a streamed response or a file never holds more than one piece."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for i, r in enumerate(rows, 1):
        w.writerow([safe_cell(v) for v in r])
        if i % every == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """Return a CSV document (with a UTF-8 BOM, so spreadsheet programs read Vietnamese right)."""
    return "".join(csv_chunks(header, rows))


def write_xlsx(out: str | IO[bytes], sheet: str, *, head: Sequence[Sequence[Any]], bold: Sequence[bool],
               columns: Sequence[str], money: Sequence[bool], rows: Iterable[Sequence[Any]],
               tail: Callable[[], Sequence[Sequence[Any]]] = lambda: (),
               progress: Callable[[int], None] | None = None, every: int = 2000) -> int:
    """Write one sheet to ``out`` (a path or a binary file) with openpyxl's write-only mode: the lines of
    ``head`` (bold where ``bold`` says), the bold column names, every row of ``rows`` as it comes, then the
    lines ``tail()`` returns once the rows are done (a total summed on the way). Whole đồng in ``money``
    columns are numbers in :data:`MONEY_FORMAT`, days are date cells; text is neutralised. ``progress(n)``
    hears every ``every`` rows. Returns how many rows were written (without head and tail)."""
    # lazy: openpyxl is slow to import and only XLSX needs it
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31] or "Sheet")
    heavy = Font(bold=True)

    def cell(value: Any, *, font: Font | None = None, fmt: str | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if font is not None:
            c.font = font
        if fmt is not None:
            c.number_format = fmt
        return c

    # one styled cell per format, copied by value: a style set once, not looked up again on every row
    money_proto, date_proto = cell(0, fmt=MONEY_FORMAT), cell(date(2000, 1, 1), fmt=DATE_FORMAT)

    def styled(proto: WriteOnlyCell, value: Any) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        c._style = proto._style
        return c

    def line(values: Sequence[Any]) -> list[Any]:
        out_row = []
        for i, v in enumerate(values):
            if type(v) is int and i < len(money) and money[i]:
                out_row.append(styled(money_proto, v))
            elif isinstance(v, date) and not isinstance(v, datetime):
                out_row.append(styled(date_proto, v))
            elif v is None or v == "":
                out_row.append(None)  # an empty cell, not an empty string: nothing written for it
            else:
                out_row.append(safe_cell(v))
        return out_row

    for values, is_bold in zip(head, bold, strict=True):
        ws.append([cell(safe_cell(v), font=heavy) if is_bold else safe_cell(v) for v in values])
    ws.append([cell(safe_cell(c), font=heavy) for c in columns])
    n = 0
    for n, values in enumerate(rows, 1):  # noqa: B007 - n is the count afterwards
        ws.append(line(values))
        if progress is not None and n % every == 0:
            progress(n)
    for values in tail():
        ws.append(line(values))
    wb.save(out)
    if progress is not None:
        progress(n)
    return n
