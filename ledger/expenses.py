"""Ordinary expenses and other income (issue 26, item 2): what a treasurer books from the cash book and the bank
book besides gifts and awards, each as one balanced journal entry and one numbered voucher.

* A **cost** paid from cash (111) or a bank account (1121.x): management costs (chi quản lý, 611), allowances
  (phụ cấp, 6112 — management costs too, as the decrees count them), bank fees (phí ngân hàng, 8112) or another
  cost (8113). A phiếu chi (``PC``), numbered with the organization's other payment vouchers.
* **Other income** received in cash or a bank account: membership dues (hội phí, 7112), state-budget money
  (ngân sách nhà nước, 7113) or other income (7114). A phiếu thu (``PT``).
* A **move** between cash and a bank account: a withdrawal into cash (rút tiền mặt, a phiếu thu), cash paid
  into the bank (a phiếu chi), or one bank account to another (a phiếu chi).

The accounts are added to the organization's chart the first time they are needed (``orgs.account_for``).

Money never goes below zero: :func:`ledger.journal.post` refuses what would take a fund's spendable balance or
the paying cash or bank account below zero, on the day and every day after. A **management cost** (a management
cost or an allowance) is also refused when the fund may not pay management costs (``funds.may_pay_management``),
and when the year's management costs with it would exceed the cap: the percent in force on its day
(``ledger.regimes.management_cap``: the regime's, or the council's decision within the regime's maximum) of the
year's base income (:func:`year_base`: the year's income less gifts in kind, named-recipient money — never
income — and money moved between organizations of the association, 7118: a hand-over never moves the cap). The
disclosure report reads the same figures (``books/disclosure.py``). Every check runs after the organization's
lock, in the unit of work that posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import documents, regimes
from . import schema as s
from .balances import sums, total
from .chart import MANAGEMENT_ROLES, AccountSpec
from .clock import business_date, now_iso
from .described import described
from .errors import Conflict, InvalidInput, OverManagementCap
from .journal import Entry, Line, post, take_turn
from .money import format_vnd, parse_amount
from .names import single_line
from .orgs import account_for, fund_id_by_code

#: What a cost may be, the account it is booked to, and how the voucher names it.
EXPENSE_CATEGORIES: dict[str, tuple[AccountSpec, str]] = {
    "management": (AccountSpec("611", "Chi phí hoạt động (chi quản lý)", "expense", "management_expense"),
                   "Chi quản lý"),
    "allowance": (AccountSpec("6112", "Chi phụ cấp (thuộc chi quản lý)", "expense", "allowance_expense"),
                  "Chi phụ cấp"),
    "bank_fee": (AccountSpec("8112", "Chi phí ngân hàng", "expense", "bank_fee_expense"), "Phí ngân hàng"),
    "other": (AccountSpec("8113", "Chi phí khác (chi thường xuyên)", "expense", "other_expense"), "Chi khác"),
}
#: What other income may be (a gift is a donation, with its donor and receipt: not here).
INCOME_CATEGORIES: dict[str, tuple[AccountSpec, str]] = {
    "dues": (AccountSpec("7112", "Thu hội phí", "income", "dues_income"), "Thu hội phí"),
    "state_budget": (AccountSpec("7113", "Thu từ ngân sách nhà nước", "income", "state_budget_income"),
                     "Thu ngân sách nhà nước"),
    "other": (AccountSpec("7114", "Thu nhập khác", "income", "other_income"), "Thu khác"),
}
#: A move between cash and a bank account, by where it goes: into cash, into a bank account from cash, bank to bank.
TRANSFER_CATEGORIES = {"withdrawal": "Rút tiền gửi ngân hàng nhập quỹ tiền mặt",
                       "deposit": "Nộp tiền mặt vào ngân hàng", "bank": "Chuyển tiền giữa các tài khoản ngân hàng"}
#: The journal's source of each kind of voucher.
SOURCES = {"expense": "expense", "income": "other_income", "transfer": "cash_transfer"}
#: Roles money is paid from and received into.
MONEY_ROLES = ("cash", "bank")


# --------------------------------------------------------------------------- the year's base and the cap


def in_kind(conn: Connection, org_id: int, start: date | None, end: date | None,
            fund_ids: list[int] | None = None) -> int:
    """Goods received as gifts from ``start`` to ``end`` (of ``fund_ids``, or every fund): postings to goods in
    transactions that credit donation income."""
    a, p = s.accounts, s.postings

    def ids(role: str) -> list[int]:
        return list(conn.execute(sa.select(a.c.id).where(a.c.org_id == org_id, a.c.role == role)).scalars())

    gifts = sa.select(p.c.tx_id).where(p.c.account_id.in_(ids("donation_income")),
                                       *([p.c.fund_id.in_(fund_ids)] if fund_ids is not None else []))
    return total(conn, account_ids=ids("goods"), fund_ids=fund_ids, tx_ids=gifts, start=start, end=end)


def year_base(conn: Connection, org_id: int, year: int, end: date | None = None) -> int:
    """The base of the management-cost cap: the organization's income of ``year`` (to ``end``, default the
    year's last day), net of reversals, less gifts in kind and money moved between organizations of the
    association (7118: a transfer or a hand-over). Named-recipient money is held (3381), never income."""
    start, end = date(year, 1, 1), end or date(year, 12, 31)
    income = -sum(int(r.amount) for r in sums(conn, by=("role",), org_ids=[org_id], start=start, end=end,
                                              account_kinds=("income",)) if r.role != "interorg_income")
    return income - in_kind(conn, org_id, start, end)


def management_spent(conn: Connection, org_id: int, year: int, end: date | None = None) -> int:
    """The organization's management costs (management and allowances) of ``year`` to ``end``, net of reversals."""
    a = s.accounts
    ids = list(conn.execute(sa.select(a.c.id).where(a.c.org_id == org_id, a.c.kind == "expense",
                                                    a.c.role.in_(MANAGEMENT_ROLES))).scalars())
    return total(conn, org_ids=[org_id], account_ids=ids, start=date(year, 1, 1), end=end or date(year, 12, 31))


@dataclass(frozen=True)
class CapStatus:
    """The management-cost cap of a day's year and how much of it is used."""

    year: int
    pct: int = described("percent of the year's base income: the regime's, or the council's within its maximum")
    decision: str = described("the council's decision above the regime's default (empty: none)")
    regime: str = described("the regime in force that day, as cited (empty: none known)")
    base: int = described("the year's income less gifts in kind and money moved between organizations")
    cap: int = described("base × pct / 100, whole đồng")
    spent: int = described("management costs and allowances of the year, net of reversals")
    left: int = described("cap − spent (negative: over the cap)")


def cap_status(conn: Connection, org_id: int, on: date) -> CapStatus:
    """The cap in force on ``on`` over the whole of its year, and what the year's management costs use of it."""
    cap = regimes.management_cap(conn, org_id, on)
    base = year_base(conn, org_id, on.year)
    spent = management_spent(conn, org_id, on.year)
    limit = base * cap.pct // 100
    return CapStatus(on.year, cap.pct, cap.decision, cap.regime.name if cap.regime else "", base, limit, spent,
                     limit - spent)


def _check_cap(conn: Connection, org_id: int, on: date, amount: int) -> None:
    st = cap_status(conn, org_id, on)
    if st.spent + amount > st.cap:
        over = st.spent + amount - st.cap
        raise OverManagementCap(
            f"management costs of {st.year} would be {st.spent + amount} đ, above the cap of {st.cap} đ "
            f"({st.pct} % of the year's base income {st.base} đ); {st.spent} đ already spent, {over} đ too much",
            year=st.year, cap_pct=st.pct, cap=st.cap, base=st.base, spent=st.spent, amount=amount, shortfall=over,
            decision=st.decision, regime=st.regime, cap_text=format_vnd(st.cap), base_text=format_vnd(st.base),
            spent_text=format_vnd(st.spent), amount_text=format_vnd(amount), shortfall_text=format_vnd(over),
            left_text=format_vnd(max(st.left, 0)))


# --------------------------------------------------------------------------- booking


def _money_account(conn: Connection, org_id: int, code: Any, field: str):
    """The cash or bank account ``code`` money is paid from or received into (not a parent of bank accounts)."""
    code = (code or "").strip() if isinstance(code, str) else code
    if not code or not isinstance(code, str):
        raise InvalidInput("which cash or bank account?", field=field, reason="required")
    a = s.accounts
    child = a.alias("child")
    has_child = sa.exists().where(child.c.org_id == a.c.org_id, child.c.parent_id == a.c.id).label("parent")
    row = conn.execute(sa.select(a.c.id, a.c.code, a.c.role, has_child)
                       .where(a.c.org_id == org_id, a.c.code == code)).first()
    if row is None:
        raise InvalidInput(f"account {code!r} is not in the chart", field=field, reason="unknown_account", code=code)
    if row.role not in MONEY_ROLES:
        raise InvalidInput(f"account {code} is not cash or a bank account", field=field, reason="not_money_account",
                           code=code)
    if row.parent:
        raise InvalidInput(f"account {code} holds bank accounts: name one of them", field=field,
                           reason="parent_account", code=code)
    return row


def _category(value: Any, table: dict, field: str = "category") -> str:
    if value not in table:
        raise InvalidInput(f"{field} is one of {', '.join(table)}", field=field, reason="unknown_category",
                           allowed=", ".join(table))
    return value


@dataclass(frozen=True)
class _Plan:
    kind: str
    category: str
    on: date
    fund_id: int
    account_id: int  # cash or bank: the money's side
    counter_id: int
    amount: int  # what ``account_id`` receives (negative: pays)
    description: str


def _write(conn: Connection, org_id: int, plan: _Plan, memo: str, *, user: str, series: str | None,
           person: str = "") -> dict:
    """Post the plan's entry, number its voucher and record both; the organization's lock is held."""
    lines = (Line(plan.account_id, plan.fund_id, plan.amount), Line(plan.counter_id, plan.fund_id, -plan.amount))
    p = post(conn, org_id, [Entry(plan.on, plan.description, lines, source=SOURCES[plan.kind])], user=user)[0]
    doc = documents.issue(conn, org_id, "voucher", [(plan.on, None, None)], user=user, series=series)[0]
    v = s.vouchers
    vid = conn.execute(v.insert().values(
        org_id=org_id, kind=plan.kind, category=plan.category, date=plan.on, fund_id=plan.fund_id,
        account_id=plan.account_id, counter_account_id=plan.counter_id, amount=abs(plan.amount), memo=memo,
        person=person, tx_id=p.tx_id, document_id=doc.id, created_by=user,
        created_at=now_iso())).inserted_primary_key[0]
    return {"id": vid, "kind": plan.kind, "category": plan.category, "date": plan.on.isoformat(),
            "amount": abs(plan.amount), "number": doc.label, "document_id": doc.id, "tx_id": p.tx_id, "seq": p.seq}


def _person(value: Any) -> str:
    """Who received or paid the money, as the voucher prints it ("" when not given: written by hand)."""
    return single_line(value or "", field="person", size=200)


def _common(conn: Connection, org_id: int, on: Any, fund: Any, amount: Any, memo: Any) -> tuple[date, int, int, str]:
    """The day, the amount and the memo, checked; then the organization's lock (what decides is read under it)."""
    on = business_date(on)
    amount = parse_amount(amount)
    memo = single_line(memo, field="memo", size=500)
    take_turn(conn, org_id)
    if not isinstance(fund, str) or not fund.strip():
        raise InvalidInput("which fund?", field="fund", reason="required")
    return on, amount, fund_id_by_code(conn, org_id, fund.strip()), memo


def _label(text: str, memo: str) -> str:
    return f"{text}: {memo}" if memo else text


def check_management_cost(conn: Connection, org_id: int, fund_id: int, on: date, amount: int) -> None:
    """Refuse a management cost of ``amount`` on ``on`` from a fund that may not pay management costs, or over the
    year's cap. Every way a management cost is booked calls it (a voucher, a bank-statement line booked to 611 or
    6112), under the organization's lock, in the unit of work that posts."""
    f = s.funds
    row = conn.execute(sa.select(f.c.code, f.c.may_pay_management).where(f.c.id == fund_id)).one()
    if not row.may_pay_management:
        raise Conflict(f"fund {row.code} may not pay management costs", field="fund", reason="no_management_costs",
                       fund=row.code)
    _check_cap(conn, org_id, on, amount)


def record_expense(conn: Connection, org_id: int, *, on: Any, fund: Any, paid_from: Any, category: Any, amount: Any,
                   memo: Any = "", person: Any = "", user: str) -> dict:
    """Book a cost paid from cash or a bank account, with its phiếu chi (to ``person``); a management cost within
    the cap only, and from a fund that may pay management costs."""
    category = _category(category, EXPENSE_CATEGORIES)
    person = _person(person)
    on, amount, fund_id, memo = _common(conn, org_id, on, fund, amount, memo)
    src = _money_account(conn, org_id, paid_from, "from")
    spec, text = EXPENSE_CATEGORIES[category]
    if spec.role in MANAGEMENT_ROLES:
        check_management_cost(conn, org_id, fund_id, on, amount)
    plan = _Plan("expense", category, on, fund_id, src.id, account_for(conn, org_id, spec), -amount,
                 _label(text, memo))
    return _write(conn, org_id, plan, memo, user=user, series=None, person=person)


def record_income(conn: Connection, org_id: int, *, on: Any, fund: Any, received_into: Any, category: Any,
                  amount: Any, memo: Any = "", person: Any = "", user: str) -> dict:
    """Book income other than a gift (dues, state-budget money, other) received into cash or a bank account,
    with its phiếu thu (from ``person``)."""
    category = _category(category, INCOME_CATEGORIES)
    person = _person(person)
    on, amount, fund_id, memo = _common(conn, org_id, on, fund, amount, memo)
    dst = _money_account(conn, org_id, received_into, "to")
    spec, text = INCOME_CATEGORIES[category]
    plan = _Plan("income", category, on, fund_id, dst.id, account_for(conn, org_id, spec), amount, _label(text, memo))
    return _write(conn, org_id, plan, memo, user=user, series=documents.RECEIPT_VOUCHER_SERIES, person=person)


def record_transfer(conn: Connection, org_id: int, *, on: Any, fund: Any, from_account: Any, to_account: Any,
                    amount: Any, memo: Any = "", person: Any = "", user: str) -> dict:
    """Move a fund's money between cash and a bank account (or two bank accounts): a withdrawal into cash has a
    phiếu thu, money leaving cash or moving between banks a phiếu chi."""
    person = _person(person)
    on, amount, fund_id, memo = _common(conn, org_id, on, fund, amount, memo)
    src = _money_account(conn, org_id, from_account, "from")
    dst = _money_account(conn, org_id, to_account, "to")
    if src.id == dst.id:
        raise InvalidInput("money moves to another account", field="to", reason="same_account")
    if src.role == dst.role == "cash":
        raise InvalidInput("money moves between cash and a bank account", field="to", reason="cash_to_cash")
    category = "withdrawal" if dst.role == "cash" else "deposit" if src.role == "cash" else "bank"
    plan = _Plan("transfer", category, on, fund_id, src.id, dst.id, -amount,
                 _label(f"{TRANSFER_CATEGORIES[category]} ({src.code} → {dst.code})", memo))
    series = documents.RECEIPT_VOUCHER_SERIES if category == "withdrawal" else None
    return _write(conn, org_id, plan, memo, user=user, series=series, person=person)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class VoucherRow:
    id: int
    number: str = described("the voucher's number: PC/26 0000001 (phiếu chi) or PT/26 0000001 (phiếu thu)")
    kind: str = described("expense, income or transfer")
    category: str
    date: date
    fund: str
    account: str = described("the cash or bank account paid from (income: received into)")
    counter_account: str = described("the cost or income account, or the account a move goes to")
    amount: int
    memo: str
    void: bool = described("the voucher was voided (its entry reversed)")
    tx_id: int
    created_by: str
    person: str = described("who received the money (phiếu chi) or paid it (phiếu thu); empty: not given")


def vouchers(conn: Connection, org_id: int, year: int | None = None, limit: int = 500) -> list[VoucherRow]:
    """The organization's vouchers (of ``year``), newest first."""
    v, d, f, a, dv = s.vouchers, s.documents, s.funds, s.accounts, s.document_voids
    c = a.alias("counter")
    q = (sa.select(v.c.id, d.c.series, d.c.year, d.c.number, v.c.kind, v.c.category, v.c.date, f.c.code.label("fund"),
                   a.c.code.label("account"), c.c.code.label("counter"), v.c.amount, v.c.memo,
                   dv.c.document_id.label("voided"), v.c.tx_id, v.c.created_by, v.c.person)
         .join(d, d.c.id == v.c.document_id).join(f, f.c.id == v.c.fund_id).join(a, a.c.id == v.c.account_id)
         .join(c, c.c.id == v.c.counter_account_id).outerjoin(dv, dv.c.document_id == d.c.id)
         .where(v.c.org_id == org_id).order_by(v.c.date.desc(), v.c.id.desc()).limit(limit))
    if year is not None:
        q = q.where(v.c.date >= date(year, 1, 1), v.c.date <= date(year, 12, 31))
    return [VoucherRow(r.id, documents.format_number(r.series, r.year, r.number), r.kind, r.category, r.date, r.fund,
                       r.account, r.counter, r.amount, r.memo, r.voided is not None, r.tx_id, r.created_by,
                       r.person) for r in conn.execute(q)]
