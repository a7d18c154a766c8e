"""Writing tables for spreadsheets (CSV) without letting a cell run as a formula.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe, so a spreadsheet shows it as text instead of evaluating it (CSV/formula injection).
Numbers stay numbers: integers are written as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Return ``value`` fit for a spreadsheet cell: integers unchanged, risky text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(_TRIGGERS) else text


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """Return a CSV document (with a UTF-8 BOM, so spreadsheet programs read Vietnamese right)."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for r in rows:
        w.writerow([safe_cell(v) for v in r])
    return buf.getvalue()
