"""Bank statements (sao kê ngân hàng): reading a bank's CSV or XLSX export through a column-mapping
profile — or its camt.053 or MT940 statement (``ledger/bankformats.py``, told by content) — checking it,
and storing its lines — all or nothing, every bad line reported, no line twice.

A statement is the bank's record of one bank account (a sub-account of 1121), not an entry of the
books: its lines are kept as the bank wrote them (memo and reference as text, never evaluated) and
matched to the books later (``ledger/matching.py``). A line's ``amount`` is signed from the bank
account's side: money in (the bank's "Ghi có") positive, money out ("Ghi nợ") negative — the bank
account's debit, as in ``ledger/money.py``.

A *profile* is data: which header texts name the date, reference, debit, credit (or one signed amount),
running balance and memo columns, the date formats, the thousands separator, and the labels of the
opening and closing balances in the file's header or footer. Built-in profiles read the common
Vietnamese layouts (Vietcombank, BIDV, Agribank, VietinBank, Techcombank…); an administrator adds
another bank's as a JSON file (``quy statement profile add``), stored in ``bank_profiles``.

The rules, in order: every line must read (date a real day, amount whole đồng, one of debit and
credit); the statement's opening balance plus its lines must equal its closing balance; a line already
imported for the account (same bank reference, else same date, amount, memo and running balance) is
skipped and counted, so the same file imported twice imports nothing the second time.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import bankformats
from . import schema as s
from .banklines import StatementLine, _err, _in_range, _line_errors, _LineProblem
from .clock import now_iso
from .described import described
from .errors import Conflict, ImportFailed, InvalidInput, LedgerError, NotFound, StatementUnbalanced
from .importer import cell_text
from .money import format_vnd
from .names import fold

KEYS = ("date", "ref", "debit", "credit", "amount", "balance", "memo")
#: Rows searched for the header row (banks put a title, the account and the period above it).
HEADER_SCAN = 30
#: A row without a date whose text starts with one of these is a subtotal or footer, not a line.
_FOOTER = ("TONG", "CONG", "TOTAL", "SO DU", "BALANCE", "PHAT SINH")


@dataclass(frozen=True)
class Profile:
    """How to read one bank's statement layout: header texts per column key (``KEYS``), compared with
    accents stripped and case ignored; the line needs a date and either debit and credit or an amount."""

    name: str
    columns: dict[str, tuple[str, ...]]
    date_formats: tuple[str, ...] = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")
    thousands: str = "auto"  # ".", ",", " " or "auto" (the last separator with 1–2 digits after it is decimal)
    opening_labels: tuple[str, ...] = ()
    closing_labels: tuple[str, ...] = ()
    builtin: bool = False

    @classmethod
    def from_spec(cls, spec: Any) -> Profile:
        """Build a profile from its JSON form; raise :class:`InvalidInput` (reason ``bad_profile``)."""
        def bad(why: str) -> InvalidInput:
            return InvalidInput(f"bank profile: {why}", field="profile", reason="bad_profile", detail=why)

        if not isinstance(spec, dict):
            raise bad("a profile is a JSON object")
        name = spec.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,60}", name):
            raise bad("name: 1 to 60 letters, digits, '-', '_' or '.'")
        cols = spec.get("columns")
        if not isinstance(cols, dict) or not cols:
            raise bad("columns: an object of column key → list of header texts")
        unknown = set(cols) - set(KEYS)
        if unknown:
            raise bad(f"unknown column keys {sorted(unknown)}; use {list(KEYS)}")
        columns: dict[str, tuple[str, ...]] = {}
        for k, v in cols.items():
            names = [v] if isinstance(v, str) else v
            if not isinstance(names, list) or not names or not all(isinstance(x, str) and x.strip() for x in names):
                raise bad(f"columns.{k}: a header text or a list of them")
            columns[k] = tuple(names)
        if "date" not in columns or not ("amount" in columns or {"debit", "credit"} <= set(columns)):
            raise bad("columns must name the date and either the amount or both debit and credit")
        fmts = spec.get("date_formats", list(cls.date_formats))
        if not isinstance(fmts, list) or not fmts or not all(isinstance(f, str) and "%" in f for f in fmts):
            raise bad("date_formats: a list of strftime formats such as \"%d/%m/%Y\"")
        thousands = spec.get("thousands", "auto")
        if thousands not in ("auto", ".", ",", " "):
            raise bad('thousands: "auto", ".", "," or " "')
        labels = {}
        for k in ("opening_labels", "closing_labels"):
            v = spec.get(k, [])
            if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
                raise bad(f"{k}: a list of texts")
            labels[k] = tuple(v)
        return cls(name, columns, tuple(fmts), thousands, labels["opening_labels"], labels["closing_labels"])

    def spec(self) -> dict:
        d = asdict(self)
        d.pop("builtin")
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()} | {
            "columns": {k: list(v) for k, v in self.columns.items()}}


_VN_OPENING = ("Số dư đầu kỳ", "Số dư đầu", "Số dư đầu ngày", "Opening balance", "Số dư mở đầu")
_VN_CLOSING = ("Số dư cuối kỳ", "Số dư cuối", "Số dư cuối ngày", "Closing balance")

#: The built-in profiles. ``vn``: the headers of Vietnamese banks' exports, separate debit and credit
#: columns or one signed amount; ``en``: their English exports.
BUILTIN: tuple[Profile, ...] = (
    Profile("vn", {
        "date": ("Ngày giao dịch", "Ngày GD", "Ngày", "Ngày hạch toán", "Ngày hiệu lực", "Ngày thực hiện",
                 "Ngày giờ giao dịch"),
        "ref": ("Số tham chiếu", "Số bút toán", "Mã giao dịch", "Số CT", "Số chứng từ", "Mã GD", "Số GD",
                "Số giao dịch"),
        "debit": ("Ghi nợ", "Số tiền ghi nợ", "Nợ", "Phát sinh nợ", "Rút ra", "Tiền ra", "Số tiền rút"),
        "credit": ("Ghi có", "Số tiền ghi có", "Có", "Phát sinh có", "Gửi vào", "Tiền vào", "Số tiền gửi"),
        "amount": ("Số tiền", "Số tiền giao dịch", "Số tiền GD", "Phát sinh"),
        "balance": ("Số dư", "Số dư cuối", "Số dư sau giao dịch", "Số dư tài khoản"),
        "memo": ("Nội dung", "Diễn giải", "Nội dung giao dịch", "Mô tả", "Mô tả giao dịch", "Nội dung chi tiết",
                 "Chi tiết giao dịch"),
    }, opening_labels=_VN_OPENING, closing_labels=_VN_CLOSING, builtin=True),
    Profile("en", {
        "date": ("Transaction date", "Date", "Posting date", "Value date"),
        "ref": ("Reference", "Reference no", "Transaction no", "Ref"),
        "debit": ("Debit", "Withdrawal", "Debit amount"),
        "credit": ("Credit", "Deposit", "Credit amount"),
        "amount": ("Amount",),
        "balance": ("Balance", "Running balance"),
        "memo": ("Description", "Details", "Narrative", "Remarks", "Transaction details"),
    }, opening_labels=_VN_OPENING, closing_labels=_VN_CLOSING, builtin=True),
)


# --------------------------------------------------------------------------- reading a file


@dataclass(frozen=True)
class ParsedStatement:
    """A file that read without a bad line and whose lines add up: ready to store."""

    profile: str
    lines: list[StatementLine]
    keys: list[str]
    opening: int
    closing: int
    period_start: date
    period_end: date
    balances_from: str  # "given", "file" (labels) or "running" (the lines' running balances)
    account_no: str = ""  # the account number a camt.053 or MT940 file states

    @property
    def total(self) -> int:
        return sum(ln.amount for ln in self.lines)


def _header_text(value: Any) -> str:
    t = fold(str(value or "")).strip(" :*")
    t = re.sub(r"\s*\(VND\)$", "", t)  # "Ghi nợ (VND)"
    return t.strip()


#: Bytes decoded at a time when checking that a CSV is UTF-8 (the file is never decoded whole).
_CHUNK = 1 << 20


class _Grid:
    """A statement file's rows, read lazily: ``rows`` yields (values, written) pairs — numbers and dates as
    the spreadsheet computed them, and the cells as written (a formula's text, never evaluated); the same
    row twice for CSV. ``total`` is the number of rows the file has (for a progress bar; 0 if unknown)."""

    def __init__(self, name: str, content: bytes) -> None:
        self.name, self.content = name, content
        self.suffix = Path(name).suffix.lower()
        if self.suffix == ".xlsx":
            self.total = 0
        elif self.suffix in (".csv", ".txt"):
            self.total = content.count(b"\n") + (0 if content.endswith(b"\n") or not content else 1)
        else:
            raise ImportFailed(f"{name}: only .csv and .xlsx statements can be imported",
                               errors=[_err(0, "file", "unsupported_file", "unsupported file type")])

    def rows(self) -> Iterator[tuple[list[Any], list[Any]]]:
        return self._xlsx() if self.suffix == ".xlsx" else self._csv()

    def _csv(self) -> Iterator[tuple[list[Any], list[Any]]]:
        content, view = self.content, memoryview(self.content)
        encoding, errors = "utf-8-sig", "strict"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for i in range(0, len(content), _CHUNK):
                decoder.decode(view[i:i + _CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding, errors = "cp1258", "replace"  # older Windows exports
        sample = content[:16384].decode(encoding, errors="ignore")[:4096]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        text = io.TextIOWrapper(io.BytesIO(content), encoding=encoding, errors=errors, newline="")
        for r in csv.reader(text, delimiter=delimiter):
            yield r, r

    def _xlsx(self) -> Iterator[tuple[list[Any], list[Any]]]:
        """Rows of the workbook's first sheet. A sheet without formulas (what banks export) is read with
        python-calamine, whose Rust reader is ten times openpyxl's speed on 100,000 lines, and a cell's value
        is then what was written. A sheet with formulas is read twice with openpyxl (read-only): the values
        Excel computed, and the formulas' text, which is what is stored (``=HYPERLINK(…)`` stays text)."""
        try:
            formulas = _has_formulas(self.content)
        except Exception:  # noqa: BLE001 - any unreadable workbook is the same refusal
            raise ImportFailed(f"{self.name}: not a readable XLSX file",
                               errors=[_err(0, "file", "unreadable", "the workbook cannot be read")]) from None
        return self._xlsx_openpyxl() if formulas else self._xlsx_calamine()

    def _xlsx_calamine(self) -> Iterator[tuple[list[Any], list[Any]]]:
        from python_calamine import CalamineWorkbook  # lazy: only an XLSX statement needs the reader

        try:
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(self.content)).get_sheet_by_index(0)
            self.total = sheet.total_height
            rows = sheet.iter_rows()  # from the sheet's first row, so row numbers are the spreadsheet's
        except Exception as e:  # noqa: BLE001 - any unreadable workbook is the same refusal
            raise ImportFailed(f"{self.name}: not a readable XLSX file ({type(e).__name__})",
                               errors=[_err(0, "file", "unreadable", "the workbook cannot be read")]) from None
        for r in rows:
            row = [None if c == "" else c for c in r]  # calamine reads an empty cell as ""; openpyxl as None
            yield row, row

    def _xlsx_openpyxl(self) -> Iterator[tuple[list[Any], list[Any]]]:
        from openpyxl import load_workbook  # lazy: only an XLSX with formulas needs openpyxl, slow to import

        books = []
        try:
            try:
                for data_only in (True, False):
                    books.append(load_workbook(io.BytesIO(self.content), read_only=True, data_only=data_only))
                sheets = [wb.worksheets[0] for wb in books]
                self.total = sheets[0].max_row or 0
                pairs = zip(sheets[0].iter_rows(values_only=True), sheets[1].iter_rows(values_only=True),
                            strict=False)
                first = next(pairs, None)
            except Exception as e:  # noqa: BLE001 - any unreadable workbook is the same refusal
                raise ImportFailed(f"{self.name}: not a readable XLSX file ({type(e).__name__})",
                                   errors=[_err(0, "file", "unreadable", "the workbook cannot be read")]) from None
            if first is not None:
                yield list(first[0]), list(first[1])
            for v, w in pairs:
                yield list(v), list(w)
        finally:
            for wb in books:
                wb.close()


#: A formula element in a worksheet's XML (``<f>``, ``<f t="shared" …/>``, ``<x:f>``).
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


def _has_formulas(content: bytes) -> bool:
    """Whether any sheet of the workbook has a formula cell: each sheet's XML searched as it is inflated,
    1 MB at a time."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        names = [n for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not names:
            raise ValueError("no worksheet")
        for name in names:
            tail = b""
            with z.open(name) as f:
                while chunk := f.read(_CHUNK):
                    if _FORMULA.search(tail + chunk):
                        return True
                    tail = chunk[-32:]
    return False


def _read_grid(name: str, content: bytes) -> tuple[list[list[Any]], list[list[Any]]]:
    """The whole file's rows twice: values and the cells as written (see :class:`_Grid`)."""
    pairs = list(_Grid(name, content).rows())
    return [v for v, _w in pairs], [w for _v, w in pairs]


def read_rows(name: str, content: bytes) -> list[tuple[int, list[str]]]:
    """The file's non-empty rows as text, with their row numbers (for a preview; never evaluated); a camt.053
    or MT940 file's entries as (date, reference, amount, memo)."""
    kind = bankformats.detect(content)
    if kind is not None:
        try:
            return bankformats.read(name, content, kind).rows
        except LedgerError:
            return []
    try:
        _values, written = _read_grid(name, content)
    except ImportFailed:
        return []
    return [(i, [cell_text(c) for c in r]) for i, r in enumerate(written, 1) if any(cell_text(c) for c in r)]


def _find_header(grid: list[list[Any]], profiles: list[Profile]) -> tuple[Profile, int, dict[str, int]] | None:
    for i, row in enumerate(grid[:HEADER_SCAN]):
        cells = [_header_text(c) for c in row]
        for p in profiles:
            where: dict[str, int] = {}
            for key, names in p.columns.items():
                wanted = {_header_text(n) for n in names}
                for j, c in enumerate(cells):
                    if c and c in wanted and j not in where.values():
                        where[key] = j
                        break
            has_amount = "amount" in where or {"debit", "credit"} <= set(where)
            if "date" in where and has_amount:
                if {"debit", "credit"} <= set(where):
                    where.pop("amount", None)
                return p, i, where
    return None


_NUMBER = re.compile(r"[0-9.,' ]+")


def parse_bank_amount(value: Any, thousands: str = "auto") -> int | None:
    """Return a statement cell as signed whole đồng, ``None`` if empty; raise on a fraction of a đồng
    or text that is not an amount. ``1.500.000``, ``1,500,000``, ``1.500.000,00``, ``-1.500.000``,
    ``(1.500.000)`` and ``1.500.000 VND`` all read; ``1.500.000,50`` is refused."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _LineProblem("amount", "bad_amount", f"{value!r} is not an amount", value=value)
    if isinstance(value, int):
        return _in_range(value, value)
    if isinstance(value, float | Decimal):
        if isinstance(value, float) and not math.isfinite(value):
            raise _LineProblem("amount", "bad_amount", f"{value!r} is not an amount", value=value)
        if value != int(value):
            raise _LineProblem("amount", "fraction_of_dong", f"{value} has a fraction of a đồng", value=value)
        return _in_range(int(value), value)
    text = str(value).strip().replace("\u00a0", " ")
    if not text:
        return None
    t = text
    for suffix in ("VNĐ", "VND", "vnd", "đồng", "đ", "Đ"):
        if t.endswith(suffix):
            t = t[: -len(suffix)].strip()
    negative = False
    if t.startswith("(") and t.endswith(")"):
        negative, t = True, t[1:-1].strip()
    if t[:1] in "+-":
        negative, t = t[0] == "-", t[1:].strip()
    elif t[-1:] == "-":
        negative, t = True, t[:-1].strip()
    if not t or not _NUMBER.fullmatch(t) or not t[0].isdigit():
        raise _LineProblem("amount", "bad_amount", f"{text!r} is not an amount", value=text)
    t = t.replace("'", "").replace(" ", "" if thousands != " " else " ")
    whole, frac = t, ""
    if thousands == "auto":
        last = max(t.rfind("."), t.rfind(","))
        if last >= 0:
            sep = t[last]
            other = "," if sep == "." else "."
            if other in t or (t.count(sep) == 1 and len(t) - last - 1 != 3):
                whole, frac = t[:last], t[last + 1:]
                tsep = other
            else:
                tsep = sep
        else:
            tsep = ""
    else:
        tsep = thousands
        dsep = "," if thousands in (".", " ") else "."
        if dsep in t:
            whole, _, frac = t.rpartition(dsep)
    if tsep and tsep in whole:
        groups = whole.split(tsep)
        if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
            raise _LineProblem("amount", "bad_amount", f"{text!r} is not an amount", value=text)
        whole = "".join(groups)
    whole = whole.replace(" ", "")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        raise _LineProblem("amount", "bad_amount", f"{text!r} is not an amount", value=text)
    if frac.strip("0"):
        raise _LineProblem("amount", "fraction_of_dong", f"{text!r} has a fraction of a đồng", value=text)
    amount = int(whole)
    return _in_range(-amount if negative else amount, text)


_DMY = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")


@functools.lru_cache(maxsize=4096)
def _date_in(head: str, formats: tuple[str, ...]) -> date | None:
    """``head`` read with the first of ``formats`` that fits, or None (remembered: a statement's lines share
    a few hundred days, and ``strptime`` is slow)."""
    for fmt in formats:
        try:
            return datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    return None


def parse_bank_date(value: Any, formats: tuple[str, ...]) -> date:
    """Return a statement cell as a date (a spreadsheet date, or text in one of ``formats``; a time after
    the date is ignored); raise if it is not a real day."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    head = text.split()[0] if text.split() else ""
    found = _date_in(head, formats)
    if found is not None:
        return found
    if _DMY.fullmatch(head):
        raise _LineProblem("date", "not_real_date", f"{text!r} is not a real day", value=text)
    raise _LineProblem("date", "bad_date", f"{text!r} is not a date (dd/mm/yyyy)", value=text)


def _cell(row: list[Any], j: int | None) -> Any:
    if j is None or j >= len(row):
        return None
    v = row[j]
    return None if isinstance(v, str) and not v.strip() else v


def _label_amount(row: list[Any], labels: tuple[str, ...], thousands: str) -> int | None:
    folded = [fold(x) for x in labels]
    for j, c in enumerate(row):
        if not isinstance(c, str):
            continue
        t = fold(c)
        for lab in folded:
            if t.startswith(lab):
                rest = c.split(":", 1)[1] if ":" in c else ""
                for candidate in [rest, *row[j + 1:]]:
                    if candidate is None or (isinstance(candidate, str) and not candidate.strip()):
                        continue
                    try:
                        return parse_bank_amount(candidate, thousands)
                    except _LineProblem:
                        continue
    return None


class _Scan:
    """A statement file read one row at a time: the header found among its first rows, then ``lines()``
    yields each good line as it is read, keeping every bad line's problems in ``errors`` and the rows that
    are not lines (title block, totals, the balances' labels) in ``label_rows``. ``done``/``total``: rows
    read so far and in all, for a progress bar."""

    def __init__(self, name: str, content: bytes, profiles: list[Profile], profile: str | None = None) -> None:
        if profile is not None:
            chosen = [p for p in profiles if p.name == profile]
            if not chosen:
                raise NotFound(f"bank profile {profile!r} not found", entity="bank_profile", code=profile)
            profiles = chosen
        self.name = name
        self.grid = _Grid(name, content)
        self._rows = self.grid.rows()
        head = list(itertools.islice(self._rows, HEADER_SCAN))
        found = _find_header([v for v, _w in head], profiles)
        if found is None:
            raise ImportFailed(
                f"{name}: no header row naming the date and the amounts in the first {HEADER_SCAN} rows",
                errors=[_err(0, "header", "no_header", "no header row found",
                             profiles=", ".join(p.name for p in profiles))])
        self.profile, self.header_row, self.cols = found
        self._head = head[self.header_row + 1:]
        self.label_rows: list[list[Any]] = [v for v, _w in head[:self.header_row]]
        self.errors: list[dict] = []
        self.done = self.header_row + 1

    @property
    def total(self) -> int:
        return max(self.grid.total, self.done)

    def lines(self) -> Iterator[StatementLine]:
        prof, cols = self.profile, self.cols
        fmts, th = prof.date_formats, prof.thousands
        seen_refs: dict[str, int] = {}
        markers = _FOOTER + tuple(fold(x) for x in (*prof.opening_labels, *prof.closing_labels))
        for row, raw in itertools.chain(self._head, self._rows):
            self.done += 1
            n = self.done
            if all(c is None or (isinstance(c, str) and not c.strip()) for c in row):
                continue
            d = _cell(row, cols["date"])
            money = [_cell(row, cols.get(k)) for k in ("debit", "credit", "amount")]
            dated = isinstance(d, date) or (isinstance(d, str) and any(ch.isdigit() for ch in d))
            footer = any(isinstance(c, str) and fold(c).startswith(markers) for j, c in enumerate(row)
                         if j != cols.get("memo"))
            if footer and dated:
                try:
                    parse_bank_date(d, fmts)
                except _LineProblem:
                    dated = False
            if not dated and (footer or all(m is None for m in money)):
                self.label_rows.append(row)
                continue
            problems: list[_LineProblem] = []
            try:
                on = parse_bank_date(d, fmts)
            except _LineProblem as e:
                problems.append(e)
                on = None
            amount = None
            try:
                if "amount" in cols:
                    amount = parse_bank_amount(money[2], th)
                    if amount is None:
                        raise _LineProblem("amount", "no_amount", "no amount")
                else:
                    debit, credit = (parse_bank_amount(m, th) for m in money[:2])
                    if debit and credit:
                        raise _LineProblem("amount", "debit_and_credit", "both a debit and a credit")
                    if not debit and not credit:
                        raise _LineProblem("amount", "no_amount", "neither a debit nor a credit")
                    amount = credit if credit else -abs(debit)
                if amount == 0:
                    raise _LineProblem("amount", "no_amount", "an amount of zero")
            except _LineProblem as e:
                if e.column == "amount" and "amount" not in cols:
                    e.column = "debit/credit"
                problems.append(e)
            balance = None
            try:
                balance = parse_bank_amount(_cell(row, cols.get("balance")), th)
            except _LineProblem as e:
                e.column = "balance"
                problems.append(e)
            ref = cell_text(_cell(raw, cols.get("ref")))[:120]
            errors = _line_errors(n, ref, "ref", problems, seen_refs)
            self.errors.extend(errors)
            if errors:
                continue
            yield StatementLine(n, on, amount, cell_text(_cell(raw, cols.get("memo"))), ref, balance)

    def check(self, count: int, first: StatementLine | None, last: StatementLine | None, total: int,
              opening: int | None, closing: int | None) -> tuple[int, int, str]:
        """After every line was read: raise for the bad lines, for no line, or for balances that are not
        given or do not add up; return (opening, closing, where the balances came from). ``first`` and
        ``last`` are the file's first and last good lines."""
        name, prof, th = self.name, self.profile, self.profile.thousands
        if self.errors:
            self.errors.sort(key=lambda e: e["row"])
            raise ImportFailed(f"{len(self.errors)} problem(s) in {name}; nothing was imported", errors=self.errors)
        if not count or first is None or last is None:
            raise ImportFailed(f"{name}: the statement has no lines",
                               errors=[_err(self.header_row + 2, "file", "no_lines", "no lines under the header")])
        if first.date > last.date:
            first, last = last, first  # newest line first
        how = "given"
        if opening is None or closing is None:
            from_file = (_first(_label_amount(r, prof.opening_labels, th) for r in self.label_rows),
                         _first(_label_amount(r, prof.closing_labels, th) for r in self.label_rows))
            running: tuple[int | None, int | None] = (None, None)
            if first.balance is not None and last.balance is not None:
                running = (first.balance - first.amount, last.balance)
            used = set()
            if opening is None:
                opening = from_file[0] if from_file[0] is not None else running[0]
                used.add("file" if from_file[0] is not None else "running")
            if closing is None:
                closing = from_file[1] if from_file[1] is not None else running[1]
                used.add("file" if from_file[1] is not None else "running")
            how = used.pop() if len(used) == 1 else "file+running"
            if opening is None or closing is None:
                raise InvalidInput(f"{name}: the statement names no opening and closing balance and its lines "
                                   "have no running balance; give them", field="opening",
                                   reason="no_statement_balances")
        _balanced(opening, total, closing)
        return opening, closing, how

    def again(self) -> _Scan:
        """The same file read afresh, with the profile found (for the writing pass)."""
        return _Scan(self.name, self.grid.content, [self.profile])


def _balanced(opening: int, total: int, closing: int) -> None:
    """Raise :class:`StatementUnbalanced` naming the difference unless opening + lines == closing."""
    if opening + total != closing:
        diff = closing - (opening + total)
        raise StatementUnbalanced(
            f"opening balance {format_vnd(opening)} plus the lines {format_vnd(total)} is "
            f"{format_vnd(opening + total)}, but the closing balance is {format_vnd(closing)}: "
            f"a difference of {format_vnd(diff)}; nothing was imported",
            opening=opening, lines_total=total, expected=opening + total, closing=closing, difference=diff,
            opening_text=format_vnd(opening), lines_text=format_vnd(total),
            expected_text=format_vnd(opening + total), closing_text=format_vnd(closing),
            difference_text=format_vnd(diff))


@dataclass(frozen=True)
class _Format:
    """What a structured statement's ``profile`` is: the format's name (stored as the statement's profile)."""

    name: str


class _StructuredScan:
    """A camt.053 or MT940 file (``ledger/bankformats.py``) with :class:`_Scan`'s face: ``lines()``,
    ``errors``, ``check``, ``done``/``total``, ``again()``; ``account_no`` is the account it states."""

    def __init__(self, name: str, content: bytes, kind: str) -> None:
        self.name = name
        self.read = bankformats.read(name, content, kind)
        self.profile = _Format(kind)
        self.errors = self.read.errors
        self.account_no = self.read.account_no
        self.done = 0

    @property
    def total(self) -> int:
        return max(len(self.read.rows), self.done, 1)

    def lines(self) -> Iterator[StatementLine]:
        for ln in self.read.lines:
            self.done += 1
            yield ln
        self.done = self.total

    def again(self) -> _StructuredScan:
        copy = object.__new__(_StructuredScan)
        copy.__dict__.update(self.__dict__)
        copy.done = 0
        return copy

    def check(self, count: int, first: StatementLine | None, last: StatementLine | None, total: int,
              opening: int | None, closing: int | None) -> tuple[int, int, str]:
        name = self.name
        if self.errors:
            self.errors.sort(key=lambda e: e["row"])
            raise ImportFailed(f"{len(self.errors)} problem(s) in {name}; nothing was imported", errors=self.errors)
        if not count:
            raise ImportFailed(f"{name}: the statement has no lines",
                               errors=[_err(0, "file", "no_lines", "no booked entries")])
        how = "given" if opening is not None and closing is not None else "file"
        opening = self.read.opening if opening is None else opening
        closing = self.read.closing if closing is None else closing
        if opening is None or closing is None:
            raise InvalidInput(f"{name}: the statement names no opening and closing balance; give them",
                               field="opening", reason="no_statement_balances")
        _balanced(opening, total, closing)
        return opening, closing, how


def _open(name: str, content: bytes, profiles: list[Profile], profile: str | None = None) -> _Scan | _StructuredScan:
    """The reader for a statement file, chosen by its content: camt.053 XML and MT940 text whatever the
    file is called (``profile`` is then not used), else the CSV/XLSX reader with the column profiles."""
    kind = bankformats.detect(content)
    if kind is not None:
        return _StructuredScan(name, content, kind)
    return _Scan(name, content, profiles, profile)


def _digits(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def check_account(stated: str, account_no: str | None, code: str) -> None:
    """Refuse a statement of another account: the account number it states (camt ``Acct/Id``, MT940
    ``:25:``) must be the bank account's, when both are known. Spaces, dots and dashes are not compared,
    and an IBAN matches the account number it ends with."""
    a, b = _digits(stated), _digits(account_no or "")
    if not a or not b or a == b:
        return
    if re.fullmatch(r"[A-Z]{2}[0-9]{2}[0-9A-Z]+", a) and a.endswith(b):
        return
    raise InvalidInput(f"the statement is of account {stated}, but bank account {code} is account number "
                       f"{account_no}; nothing was imported", field="account", reason="statement_account_mismatch",
                       statement_account=stated, account_no=account_no, code=code)


class _Keys:
    """The dedupe key of each line in file order (a second identical line of one file counted)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def __call__(self, ln: StatementLine) -> str:
        base = ln.dedupe_key()
        if base.startswith("ref:"):  # a reference twice in one file is a bad line, never a second occurrence
            return base
        n = self._seen[base] = self._seen.get(base, 0) + 1
        return ln.dedupe_key(n)


def parse_statement(name: str, content: bytes, profiles: list[Profile], *, profile: str | None = None,
                    opening: int | None = None, closing: int | None = None) -> ParsedStatement:
    """Read and check a statement file whole (for a preview); return it, or raise :class:`ImportFailed`
    listing every bad line, or :class:`StatementUnbalanced` naming the difference. ``profile`` names the one
    to use (default: the first whose headers are found); ``opening``/``closing`` override what the file
    says. :func:`import_file` reads and stores a file without holding its lines."""
    scan = _open(name, content, profiles, profile)
    lines = list(scan.lines())
    opening, closing, how = scan.check(len(lines), lines[0] if lines else None, lines[-1] if lines else None,
                                       sum(ln.amount for ln in lines), opening, closing)
    key = _Keys()
    return ParsedStatement(scan.profile.name, lines, [key(ln) for ln in lines], opening, closing,
                           min(ln.date for ln in lines), max(ln.date for ln in lines), how,
                           getattr(scan, "account_no", ""))


def _first(values) -> int | None:
    return next((v for v in values if v is not None), None)


# --------------------------------------------------------------------------- profiles in the database


def profiles(conn: Connection) -> list[Profile]:
    """The built-in profiles, then those administrators added (by name)."""
    p = s.bank_profiles
    added = [Profile.from_spec(json.loads(r.spec)) for r in conn.execute(sa.select(p.c.spec).order_by(p.c.name))]
    return [*BUILTIN, *added]


def add_profile(conn: Connection, spec: Any, *, user: str) -> Profile:
    """Check and store a profile; a name already taken (built-in or added) is refused."""
    prof = Profile.from_spec(spec)
    if any(x.name == prof.name for x in profiles(conn)):
        raise Conflict(f"a bank profile named {prof.name!r} exists", reason="profile_exists", name=prof.name)
    conn.execute(s.bank_profiles.insert().values(name=prof.name, spec=json.dumps(prof.spec(), ensure_ascii=False),
                                                 created_by=user, created_at=now_iso()))
    return prof


# --------------------------------------------------------------------------- storing


def bank_account(conn: Connection, org_id: int, code: str):
    """The bank account (a sub-account of 1121) named ``code``; NotFound otherwise."""
    a = s.accounts
    row = conn.execute(sa.select(a.c.id, a.c.code, a.c.name, a.c.bank_account_no).where(
        a.c.org_id == org_id, a.c.code == code, a.c.role == "bank", a.c.parent_id.is_not(None))).first()
    if row is None:
        raise NotFound(f"bank account {code!r} not found", entity="bank_account", code=code)
    return row


@dataclass
class ImportResult:
    """What an import did: ``imported`` new lines (``statement_id`` their statement, ``None`` if every line
    was already there), ``duplicates`` skipped, and the balance check it passed."""

    account: str
    statement_id: int | None
    imported: int
    duplicates: int
    opening: int
    closing: int
    lines_total: int
    period_start: date
    period_end: date
    profile: str
    balances_from: str
    dry_run: bool = False
    duplicate_lines: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def _existing_keys(conn: Connection, account_id: int, keys: list[str]) -> set[str]:
    bl = s.bank_lines
    out: set[str] = set()
    for i in range(0, len(keys), 500):
        out.update(conn.execute(sa.select(bl.c.dedupe_key).where(
            bl.c.bank_account_id == account_id, bl.c.dedupe_key.in_(keys[i:i + 500]))).scalars())
    return out


def store(conn: Connection, org_id: int, account_code: str, st: ParsedStatement, *, source_name: str,
          sha256: str, user: str, dry_run: bool = False) -> ImportResult:
    """Write a checked statement's new lines in the caller's unit of work (nothing when ``dry_run``)."""
    acct = bank_account(conn, org_id, account_code)
    check_account(st.account_no, acct.bank_account_no, account_code)
    old = _existing_keys(conn, acct.id, st.keys)
    fresh = [(ln, k) for ln, k in zip(st.lines, st.keys, strict=True) if k not in old]
    dup_lines = [ln.line_no for ln, k in zip(st.lines, st.keys, strict=True) if k in old]
    bs = s.bank_statements
    same_file = conn.execute(sa.select(bs.c.id).where(bs.c.bank_account_id == acct.id, bs.c.sha256 == sha256)).scalar()
    result = ImportResult(account_code, None, len(fresh), len(dup_lines), st.opening, st.closing, st.total,
                          st.period_start, st.period_end, st.profile, st.balances_from, dry_run, dup_lines)
    if same_file is not None:
        result.statement_id, result.imported = same_file, 0
        result.duplicates, result.duplicate_lines = len(st.lines), [ln.line_no for ln in st.lines]
        return result
    if dry_run or not fresh:
        return result
    sid = conn.execute(bs.insert().values(
        org_id=org_id, bank_account_id=acct.id, period_start=st.period_start, period_end=st.period_end,
        opening_balance=st.opening, closing_balance=st.closing, line_count=len(fresh),
        duplicate_count=len(dup_lines), profile=st.profile, source_name=source_name[:300], sha256=sha256,
        imported_by=user, imported_at=now_iso()).returning(bs.c.id)).scalar_one()
    conn.execute(s.bank_lines.insert(), [
        {"statement_id": sid, "bank_account_id": acct.id, "line_no": ln.line_no, "date": ln.date,
         "bank_ref": ln.bank_ref, "amount": ln.amount, "memo": ln.memo, "balance": ln.balance, "dedupe_key": k}
        for ln, k in fresh])
    result.statement_id = sid
    return result


#: Lines checked against those already imported, and written, at a time.
BATCH = 2000
#: Up to about this many bytes of lines, the first pass keeps them for the second (a 100,000-line statement
#: with short memos takes about 30 MB); a larger file is read a second time instead of held.
HOLD_BYTES = 64 * 1024 * 1024


def import_file(conn: Connection, org_id: int, account_code: str, name: str, content: bytes,
                profiles: list[Profile], *, sha256: str, user: str, profile: str | None = None,
                opening: int | None = None, closing: int | None = None, dry_run: bool = False,
                progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> ImportResult:
    """Read, check and store a statement file in the caller's unit of work.

    Two passes: the first reads the file a row at a time, checks every line, adds them up and looks up
    ``batch`` at a time those already imported; a bad line anywhere, or balances that do not add up, raise
    before anything is written. The second (only when there are new lines and it is not a dry run) writes
    the statement — append-only, so written once with its counts and balances — then its new lines ``batch``
    at a time: the lines the first pass held, up to ``HOLD_BYTES`` of them, else the file read again.
    ``progress(done, total)`` is called after each batch: ``total`` is twice the file's rows (read and
    check, then write), ``done`` ends equal to it.
    """
    acct = bank_account(conn, org_id, account_code)
    scan = _open(name, content, profiles, profile)
    check_account(getattr(scan, "account_no", ""), acct.bank_account_no, account_code)
    bs, bl = s.bank_statements, s.bank_lines
    same_file = conn.execute(sa.select(bs.c.id).where(bs.c.bank_account_id == acct.id, bs.c.sha256 == sha256)).scalar()
    key = _Keys()
    count = total = 0
    first = last = low = high = None
    dup_lines: list[int] = []
    all_lines: list[int] = []
    buf: list[tuple[int, str]] = []
    reported = 0

    def report(done: int, whole: int) -> None:
        nonlocal reported
        if progress is not None and done > reported:
            reported = done
            progress(done, whole)

    def look_up() -> None:
        if buf and not scan.errors:  # once a line is bad nothing more is looked up
            old = _existing_keys(conn, acct.id, [k for _n, k in buf])
            dup_lines.extend(n for n, k in buf if k in old)
        buf.clear()
        report(min(scan.done, scan.total), 2 * scan.total)

    kept: list[StatementLine] | None = []  # the lines, while they take less than HOLD_BYTES
    held = 0
    for ln in scan.lines():
        count += 1
        total += ln.amount
        if kept is not None:
            kept.append(ln)
            held += 200 + len(ln.memo) + len(ln.bank_ref)
            if held > HOLD_BYTES:
                kept = None
        first = first or ln
        last = ln
        low = ln.date if low is None or ln.date < low else low
        high = ln.date if high is None or ln.date > high else high
        if same_file is not None:
            all_lines.append(ln.line_no)
        buf.append((ln.line_no, key(ln)))
        if len(buf) >= batch:
            look_up()
    look_up()
    rows = scan.total
    opening, closing, how = scan.check(count, first, last, total, opening, closing)
    fresh_count = count - len(dup_lines)
    result = ImportResult(account_code, None, fresh_count, len(dup_lines), opening, closing, total, low, high,
                          scan.profile.name, how, dry_run, dup_lines)
    if same_file is not None:
        result.statement_id, result.imported = same_file, 0
        result.duplicates, result.duplicate_lines = count, all_lines
    elif not dry_run and fresh_count:
        result.statement_id = sid = conn.execute(bs.insert().values(
            org_id=org_id, bank_account_id=acct.id, period_start=low, period_end=high, opening_balance=opening,
            closing_balance=closing, line_count=fresh_count, duplicate_count=len(dup_lines),
            profile=scan.profile.name, source_name=name[:300], sha256=sha256, imported_by=user,
            imported_at=now_iso()).returning(bs.c.id)).scalar_one()
        skip, key = set(dup_lines), _Keys()
        if kept is not None:  # the lines of the first pass, held: no second reading
            again, source = None, iter(kept)
        else:
            again = scan.again()
            source = again.lines()
        rows_out: list[dict] = []

        def write(ln: StatementLine | None) -> None:
            if rows_out:
                conn.execute(bl.insert(), rows_out)
                rows_out.clear()
            done = again.done if again is not None else (ln.line_no if ln is not None else rows)
            report(rows + min(done, rows), 2 * rows)

        for ln in source:
            k = key(ln)
            if ln.line_no not in skip:
                rows_out.append({"statement_id": sid, "bank_account_id": acct.id, "line_no": ln.line_no,
                                 "date": ln.date, "bank_ref": ln.bank_ref, "amount": ln.amount, "memo": ln.memo,
                                 "balance": ln.balance, "dedupe_key": k})
                if len(rows_out) >= batch:
                    write(ln)
        write(None)
    report(2 * rows, 2 * rows)
    return result


@dataclass(frozen=True)
class StoredLine:
    id: int
    statement_id: int
    line_no: int
    date: date
    bank_ref: str
    amount: int = described("signed whole đồng (money in positive), ASCII digits with an optional leading minus")
    memo: str
    balance: int | None


def lines_of(conn: Connection, org_id: int, account_code: str, *, statement_id: int | None = None,
             start: date | None = None, end: date | None = None) -> list[StoredLine]:
    """The stored lines of a bank account (or of one statement), by date and file order."""
    acct = bank_account(conn, org_id, account_code)
    bl, bs = s.bank_lines, s.bank_statements
    q = (sa.select(bl.c.id, bl.c.statement_id, bl.c.line_no, bl.c.date, bl.c.bank_ref, bl.c.amount, bl.c.memo,
                   bl.c.balance).join(bs, bs.c.id == bl.c.statement_id)
         .where(bl.c.bank_account_id == acct.id, bs.c.org_id == org_id).order_by(bl.c.date, bl.c.statement_id,
                                                                                  bl.c.line_no))
    if statement_id is not None:
        q = q.where(bl.c.statement_id == statement_id)
    if start is not None:
        q = q.where(bl.c.date >= start)
    if end is not None:
        q = q.where(bl.c.date <= end)
    return [StoredLine(*r) for r in conn.execute(q)]
