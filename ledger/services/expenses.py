"""Ordinary expenses, other income and moves between cash and a bank account (``ledger/expenses.py``): each one
journal entry and one numbered voucher, under the organization's lock (money is consumed, and a management cost
uses the year's cap)."""

from __future__ import annotations

from datetime import date
from typing import Any

from .. import expenses
from ..clock import today
from ..db import Database
from .unit import Unit, reading, use_case


def _payload(*names: str):
    def payload(a) -> dict:
        return {n: str(getattr(a, n)) if isinstance(getattr(a, n), date) else getattr(a, n) for n in names}
    return payload


@use_case("expense.add", "expense", target="voucher:{r[id]}", lock=True,
          payload=_payload("on", "fund", "paid_from", "category", "amount", "memo", "person"))
def add_expense(u: Unit, org_code: str, *, on: Any, fund: str, paid_from: str, category: str, amount: Any,
                memo: str = "", person: str = "") -> dict:
    """Book a cost paid from cash or a bank account, with its phiếu chi (a management cost within the cap)."""
    return expenses.record_expense(u.conn, u.org_id, on=on, fund=fund, paid_from=paid_from, category=category,
                                   amount=amount, memo=memo, person=person, user=u.user)


@use_case("income.add", "income", target="voucher:{r[id]}", lock=True,
          payload=_payload("on", "fund", "received_into", "category", "amount", "memo", "person"))
def add_income(u: Unit, org_code: str, *, on: Any, fund: str, received_into: str, category: str, amount: Any,
               memo: str = "", person: str = "") -> dict:
    """Book dues, state-budget money or other income received into cash or a bank account, with its phiếu thu."""
    return expenses.record_income(u.conn, u.org_id, on=on, fund=fund, received_into=received_into,
                                  category=category, amount=amount, memo=memo, person=person, user=u.user)


@use_case("cash.transfer", "cash_transfer", target="voucher:{r[id]}", lock=True,
          payload=_payload("on", "fund", "from_account", "to_account", "amount", "memo", "person"))
def transfer_cash(u: Unit, org_code: str, *, on: Any, fund: str, from_account: str, to_account: str, amount: Any,
                  memo: str = "", person: str = "") -> dict:
    """Move a fund's money between cash and a bank account, with its voucher."""
    return expenses.record_transfer(u.conn, u.org_id, on=on, fund=fund, from_account=from_account,
                                    to_account=to_account, amount=amount, memo=memo, person=person, user=u.user)


def list_vouchers(db: Database, org_code: str, year: int | None = None) -> dict:
    """The organization's vouchers (of ``year``), newest first, and the management-cost cap of the year (as on
    its last day, or today for the year in course)."""
    with reading(db, org_code) as u:
        now = today()
        day = now if year is None or year == now.year else date(year, 12, 31) if year < now.year else date(year, 1, 1)
        return {"items": expenses.vouchers(u.conn, u.org_id, year), "cap": expenses.cap_status(u.conn, u.org_id, day)}
