"""A bank statement's line and the problems of reading one: what both statement readers share.

``ledger/bankstatements.py`` (CSV and XLSX through a column profile) and ``ledger/bankformats.py``
(camt.053 and MT940) both build :class:`StatementLine` values and report a bad line as a
:class:`_LineProblem`, turned into the error dict :func:`_err` makes. Kept here so the two readers import
this module and bankstatements imports bankformats, never the other way round.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from .money import MAX_AMOUNT


@dataclass(frozen=True)
class StatementLine:
    """One line as the bank wrote it; ``line_no`` is the file's row number as a spreadsheet shows it."""

    line_no: int
    date: date
    amount: int
    memo: str
    bank_ref: str = ""
    balance: int | None = None

    def dedupe_key(self, occurrence: int = 1) -> str:
        """The bank's reference; else a hash of date, amount, memo and running balance (and, for the
        second identical line of one file, its occurrence)."""
        if self.bank_ref:
            return f"ref:{self.bank_ref}"
        body = f"{self.date.isoformat()}|{self.amount}|{self.memo}|{'' if self.balance is None else self.balance}"
        if occurrence > 1:
            body += f"|#{occurrence}"
        return "h:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


class _LineProblem(Exception):
    def __init__(self, column: str, code: str, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.column, self.code, self.reason, self.params = column, code, reason, params


def _err(row: int, column: str, code: str, reason: str, **params: Any) -> dict:
    return {"row": row, "column": column, "reason": reason, "code": code,
            "params": {k: str(v) for k, v in params.items()}}


def _line_errors(line_no: int, ref: str, column: str, problems: list[_LineProblem],
                 seen_refs: dict[str, int]) -> list[dict]:
    """The errors of a line read (none: the line is kept): its ``problems``, and a bank reference an earlier
    line of the file has (``column``: where the reference stands); a new reference is noted in ``seen_refs``."""
    if ref and ref in seen_refs:
        problems.append(_LineProblem(column, "duplicate_ref", f"same bank reference as line {seen_refs[ref]}",
                                     ref=ref, line=seen_refs[ref]))
    elif ref:
        seen_refs[ref] = line_no
    return [_err(line_no, p.column, p.code, p.reason, **p.params) for p in problems]


def _in_range(amount: int, shown: Any) -> int:
    if abs(amount) > MAX_AMOUNT:
        raise _LineProblem("amount", "bad_amount", f"{shown!r} is too large", value=shown)
    return amount
