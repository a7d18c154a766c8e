"""Bank reconciliation (đối chiếu số dư tiền gửi ngân hàng) of one bank account at a month end.

The bank's balance at the end of the month (the first imported statement's opening balance plus every
imported line up to that day — statements follow each other and no line is imported twice) against the
books' balance of the bank account (its sub-account of 1121) on the same day. The reconciling items,
from the first statement's first day to the month end:

- **in the bank, not in the books**: statement lines not matched yet, or matched to an entry dated
  after the month end;
- **in the books, not in the bank**: entries on the bank account not matched to a line of that period
  (a transfer recorded but not yet through the bank).

``difference`` = bank − books; ``unexplained`` = difference − (bank-only items − book-only items).
Reconciled: a zero difference. A non-zero ``unexplained`` points at something neither side lists (a
statement missing, books before the first statement that do not agree with its opening balance).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import balances, orgs
from ledger import schema as s
from ledger.bankmatches import line_matched_txs, live
from ledger.bankstatements import bank_account
from ledger.db import Database
from ledger.errors import InvalidInput

from .tables import Table


class _Moved(NamedTuple):
    """A transaction and what it moved on the bank account."""

    id: int
    date: Any
    description: str
    reverses_id: int | None
    amount: int


@dataclass(frozen=True)
class Item:
    side: str  # "bank" (in the bank, not in the books) or "books" (in the books, not in the bank)
    date: date
    amount: int
    text: str
    ref: int  # the line's id (bank) or the transaction's id (books)


@dataclass
class Reconciliation:
    account: str
    end: date
    start: date | None
    bank_balance: int | None
    book_balance: int
    bank_only: list[Item] = field(default_factory=list)
    book_only: list[Item] = field(default_factory=list)

    @property
    def difference(self) -> int | None:
        return None if self.bank_balance is None else self.bank_balance - self.book_balance

    @property
    def unexplained(self) -> int | None:
        if self.difference is None:
            return None
        return self.difference - (sum(i.amount for i in self.bank_only) - sum(i.amount for i in self.book_only))

    @property
    def reconciled(self) -> bool:
        return self.difference == 0

    def as_dict(self) -> dict:
        item = lambda i: {"side": i.side, "date": i.date.isoformat(), "amount": i.amount, "text": i.text,  # noqa: E731
                          "ref": i.ref}
        return {"account": self.account, "end": self.end.isoformat(),
                "start": self.start.isoformat() if self.start else None, "bank_balance": self.bank_balance,
                "book_balance": self.book_balance, "difference": self.difference, "unexplained": self.unexplained,
                "reconciled": self.reconciled, "bank_only": [item(i) for i in self.bank_only],
                "book_only": [item(i) for i in self.book_only]}


def month_end(month: str | None, default: date) -> date:
    """``YYYY-MM`` → its last day (``default`` when not given)."""
    if not month:
        return default
    try:
        y, m = (int(x) for x in month.split("-", 1))
        return date(y, m, calendar.monthrange(y, m)[1])
    except (ValueError, TypeError):
        raise InvalidInput("month is YYYY-MM, e.g. 2025-03", field="month", reason="bad_month") from None


def _as_date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def reconcile(conn: Connection, org_id: int, account_code: str, end: date) -> Reconciliation:
    acct = bank_account(conn, org_id, account_code)
    bs, bl, m, t = s.bank_statements, s.bank_lines, s.bank_matches, s.transactions
    first = conn.execute(sa.select(bs.c.period_start, bs.c.opening_balance).where(
        bs.c.bank_account_id == acct.id, bs.c.org_id == org_id).order_by(bs.c.period_start, bs.c.id)).first()
    book = balances.total(conn, account_ids=[acct.id], end=end)
    if first is None or _as_date(first.period_start) > end:
        return Reconciliation(account_code, end, None, None, book)
    start = _as_date(first.period_start)
    live_m = sa.select(m).where(live()).subquery()
    lines = conn.execute(
        sa.select(bl.c.id, bl.c.date, bl.c.amount, bl.c.memo, t.c.date.label("booked"), live_m.c.tx_id)
        .outerjoin(live_m, live_m.c.line_id == bl.c.id).outerjoin(t, t.c.id == live_m.c.tx_id)
        .where(bl.c.bank_account_id == acct.id, bl.c.date <= end).order_by(bl.c.date, bl.c.id)).all()
    bank = int(first.opening_balance) + sum(int(r.amount) for r in lines)
    rec = Reconciliation(account_code, end, start, bank, book)
    rec.bank_only = [Item("bank", _as_date(r.date), int(r.amount), r.memo, r.id) for r in lines
                     if r.tx_id is None or _as_date(r.booked) > end]
    in_period = {tx for txs in line_matched_txs(conn, [r.id for r in lines if r.tx_id is not None]).values()
                 for tx in txs}  # a split line's every part
    moved = {r.tx_id: r.amount for r in balances.sums(conn, by=("tx_id",), account_ids=[acct.id], start=start,
                                                       end=end)}
    rows = [_Moved(r.id, r.date, r.description, r.reverses_id, moved[r.id]) for r in conn.execute(
        sa.select(t.c.id, t.c.date, t.c.description, t.c.reverses_id).where(t.c.id.in_(sorted(moved)))
        .order_by(t.c.date, t.c.id))]
    # an entry reversed within the period (a match undone, a gift recorded by mistake) and its reversal
    # cancel out: the bank never saw either
    unmatched = {r.id for r in rows if r.id not in in_period}
    cancelled = {x for r in rows if r.reverses_id in unmatched and r.id in unmatched for x in (r.id, r.reverses_id)}
    for r in rows:
        if r.id in unmatched and r.id not in cancelled and int(r.amount):
            rec.book_only.append(Item("books", _as_date(r.date), int(r.amount), r.description, r.id))
    return rec


def bank_reconciliation(db: Database, org_code: str, account: str, month: str | None = None) -> Reconciliation:
    """The reconciliation of ``account`` at the end of ``month`` (YYYY-MM; default: the month of the last
    imported line, else this month)."""
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        acct = bank_account(conn, oid, account)
        last = conn.execute(sa.select(sa.func.max(s.bank_lines.c.date)).where(
            s.bank_lines.c.bank_account_id == acct.id)).scalar()
        default = _as_date(last) if last else date.today()
        end = month_end(month, date(default.year, default.month, calendar.monthrange(default.year,
                                                                                     default.month)[1]))
        return reconcile(conn, oid, account, end)


def reconciliation_table(rec: Reconciliation, account_name: str = ""):
    """The reconciliation as a :class:`books.tables.Table` — the page's PDF, XLSX and CSV downloads, the
    ``quy statement reconcile --format`` output and the auditor package's file: the account and month end,
    the bank's and the books' balances, each reconciling item (date, description, amount), the difference
    and whether it is reconciled."""

    end = rec.end.strftime("%d/%m/%Y")
    t = Table("BẢNG ĐỐI CHIẾU SỐ DƯ TIỀN GỬI NGÂN HÀNG",
              f"Tài khoản {rec.account}" + (f" — {account_name}" if account_name else "") + f" · ngày {end}",
              ["Ngày", "Nội dung", "Số tiền (đồng)"], [False, False, True],
              slug=f"bank-reconciliation-{rec.account}-{rec.end:%Y-%m}")
    t.rows = [["", "Tài khoản", rec.account + (f" {account_name}" if account_name else "")],
              [end, "Ngày cuối tháng đối chiếu", ""]]
    if rec.bank_balance is None:
        t.rows.append(["", "Chưa có sao kê của tài khoản đến ngày này", ""])
        t.notes = ["Chưa khớp: chưa có sao kê ngân hàng để đối chiếu."]
        return t
    t.rows += [[end, "Số dư theo sao kê ngân hàng", rec.bank_balance],
               [end, "Số dư theo sổ sách", rec.book_balance]]
    for title, items in (("I. Ngân hàng đã ghi, sổ sách chưa ghi", rec.bank_only),
                         ("II. Sổ sách đã ghi, ngân hàng chưa ghi", rec.book_only)):
        t.rows.append(["", title, ""])
        t.rows += [[i.date.strftime("%d/%m/%Y"), f"   {i.text}", i.amount] for i in items]
        t.rows.append(["", "   Cộng", sum(i.amount for i in items)])
    if rec.unexplained:
        t.rows.append(["", "Chênh lệch chưa giải thích được", rec.unexplained])
    t.total = ["", "Chênh lệch (ngân hàng − sổ sách)", rec.difference]
    t.notes = ["Đã đối chiếu khớp." if rec.reconciled else "Chưa khớp.",
               "Số tiền dương là tiền vào tài khoản, âm là tiền ra."]
    return t


def statement_month_ends(conn: Connection, org_id: int, account_code: str, start: date | None,
                         end: date) -> list[date]:
    """The month ends from ``start`` (default: the first statement's first day) to ``end`` whose month a
    statement of the account covers."""
    acct = bank_account(conn, org_id, account_code)
    bs = s.bank_statements
    spans = [(_as_date(a), _as_date(b)) for a, b in conn.execute(sa.select(bs.c.period_start, bs.c.period_end).where(
        bs.c.bank_account_id == acct.id, bs.c.org_id == org_id))]
    if not spans:
        return []
    y, m = (start or min(a for a, _b in spans)).year, (start or min(a for a, _b in spans)).month
    out = []
    while True:
        last = date(y, m, calendar.monthrange(y, m)[1])
        if last > end:
            return out
        if any(a <= last and b >= date(y, m, 1) for a, b in spans):
            out.append(last)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
