"""Opening balances (số dư đầu kỳ): the books an association already keeps, brought in as of a date.

An organization's opening on a date is ONE journal entry (source ``opening``), balanced per fund, posted
through ``ledger/journal/entries.py:post``: per fund and account the balance the treasurer's books show —
cash (111), each bank account (1121.x), pledges receivable (1388), goods (152), named-recipient money held
(3381), protected principal (3531) — and the fund's capital (353), which balances the fund when no line
gives it. Each line's amount is the account's balance on its own side: what an asset holds (a debit), what
is owed, protected or the fund's own (a credit). The fund statement counts the opening as capital, never as
donations or income (``books/statements.py``).

* One opening entry per organization and date (a database index); a fund is opened once: a fund added
  later gets its own opening on a later date, and a second opening of a fund is refused.
* An opening is never edited: a correcting entry (source ``opening_correction``) linked to it
  (``openings.corrects_id``) gives the right figures for the funds it names, and posts the difference.
* Nothing is written unless every line is right: every bad line is reported (its row, column and reason)
  and the entry must balance per fund. ``plan`` gives the trial balance per fund without writing (the
  faces' "check"); a file (CSV, XLSX) is read by :func:`read_file`, all or nothing.

**Running term deposits** come in with the opening, never as lines (a line naming 121.x or 1381 is refused): each
:class:`OpeningDeposit` gives its contract, bank account, start, term, rate, how interest is paid, rollover, the
funds' shares of its principal and the interest accrued from its start through the opening's date (by default
what Quỹ's own arithmetic gives, ``ledger/interest.py``; the treasurer's figure wins). The opening entry holds
them like any other balance — its own sub-account of 121 per fund (the principal) and 1381 per fund (the
accrued interest, split by the shares), balanced by the funds' capital — and never passes through the bank
account. The deposit keeps its own start, maturity and terms (``ledger/deposits.py:bring_in``): the month-end
job books only the months after the opening, and the settlement at maturity takes everything accrued out of
1381 and books the rest as income, so the interest booked in Quỹ and the opening's accrued interest add up to
the term's. A deposit paying interest monthly brings no accrued interest (Quỹ books a month's interest when
the bank pays it); the payments before the opening are history, never paid again. A fund's deposits come in
with its own opening; a correction leaves them as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import deposits as dp
from . import interest as ir
from . import schema as s
from .balances import FundBalance, fund_figures, sums
from .clock import business_date, now_iso
from .described import described
from .errors import Conflict, ImportFailed, InvalidInput, LedgerError, NotFound, UnbalancedTransaction
from .importer import cell_text, read_rows
from .journal import Entry, Line, post, take_turn
from .money import parse_amount_text, split_by_shares
from .names import clean_name

SOURCE = "opening"
CORRECTION = "opening_correction"
#: Accounts an opening may not name in a line, by role, and why (the code a face words): a running deposit
#: comes in as a deposit (:class:`OpeningDeposit`), approved awards as a batch.
REFUSED_ROLES = {"deposit": "deposit_account", "interest_receivable": "deposit_account",
                 "awards_payable": "awards_payable"}
#: The balance kinds: an asset's balance is a debit, the others' a credit.
BALANCE_KINDS = ("asset", "liability", "equity")
#: A file's columns (English or Vietnamese, as written); ``note`` is read and ignored.
COLUMNS = {
    "account": ("account", "tài khoản", "tai khoan", "tk", "số hiệu tk", "mã tài khoản"),
    "fund": ("fund", "quỹ", "quy", "mã quỹ"),
    "amount": ("amount", "số dư", "so du", "số tiền", "so tien"),
    "note": ("note", "ghi chú", "diễn giải", "tên tài khoản"),
}
_ALIASES = {alias.casefold(): key for key, names in COLUMNS.items() for alias in names}


@dataclass
class OpeningDeposit(dp.DepositInput):
    """A term deposit already running on the opening's date, as a face hands it over: its contract, the bank
    account it belongs to, principal, rate, start (before or on the opening's date), term in months or days,
    how interest is paid, rollover and the funds' shares of its principal — and ``accrued``, the interest
    accrued from its start through the opening's date as the treasurer's books show it (None: Quỹ's own
    arithmetic; a deposit paying monthly accrues none)."""

    start: Any = described("when the deposit started: on or before the opening's date", day=True)
    accrued: Any = described("the interest accrued from the start through the opening's date as your books show it, "
                             "whole đồng (JSON integer); null or absent: Quỹ's own arithmetic. A deposit paying "
                             "monthly brings none", money="or_zero", null=True, default=None)


@dataclass(frozen=True)
class BroughtDeposit:
    """A running deposit as the opening brings it in: its terms, what each fund owns of it, and the interest
    it brings (accrued in 1381; for a deposit paying monthly, what the bank paid before, which is history)."""

    contract_no: str
    account: str = described("its own sub-account of 121")
    bank_account: str
    principal: int
    rate_ppm: int = described("the rate in parts per million a year")
    start: date
    maturity: date
    pays: str
    rollover: str
    shares: tuple[tuple[str, int], ...] = described("fund code → its part of the principal")
    accrued: int = described("interest accrued from the start through the opening's date: the opening's 1381")
    accrued_computed: bool = described("true when Quỹ computed the accrued interest (no figure was given)")
    paid_before: int = described("monthly interest the bank paid before the opening's date (history)")
    interest: int = described("the whole term's interest at its rate")
    term_months: int | None = None
    term_days: int | None = None
    demand_rate_ppm: int = 1000


@dataclass(frozen=True)
class OpeningLine:
    """One balance as a face hands it over: an account's code, a fund's code and the balance in đồng
    (an int, or text as a person writes it: ``1.500.000``; the JSON API takes whole đồng only) on the account's
    own side."""

    account: str = described("an account's code: 111, 1121.BIDV, 1388, 3381, 3531, 353…", size=40, min_size=1)
    fund: str = described("the fund's code", size=40, min_size=1)
    amount: Any = described("the account's balance on its own side, whole đồng: what an asset holds, what is owed, "
                            "protected or the fund's own", money=True)


@dataclass(frozen=True)
class TrialLine:
    """A line of the opening's trial balance: ``computed`` when Quỹ filled it (the fund's capital)."""

    fund: str
    account: str
    name: str
    kind: str
    debit: int
    credit: int
    computed: bool = False


@dataclass(frozen=True)
class FundTrial:
    """A fund's total debits and credits in the opening (``difference``: debits − credits, 0 when it
    balances) and the figures it opens with."""

    fund: str
    name: str
    debit: int
    credit: int
    difference: int
    figures: FundBalance


@dataclass
class Plan:
    """An opening checked line by line: its trial balance, the running deposits it brings in, and the
    entry's lines when it balances."""

    on: date
    lines: list[TrialLine]
    funds: list[FundTrial]
    postings: tuple[Line, ...]
    fund_ids: dict[str, int]
    deposits: list[BroughtDeposit] = field(default_factory=list)
    # (account code, fund code) → signed amount: what the plan was made of
    signed: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    @property
    def balanced(self) -> bool:
        return all(f.difference == 0 for f in self.funds)

    def as_dict(self) -> dict:
        return {"date": self.on.isoformat(), "balanced": self.balanced,
                "lines": [asdict(ln) for ln in self.lines],
                "funds": [{**asdict(f), "figures": asdict(f.figures)} for f in self.funds],
                "deposits": [{**asdict(d), "start": d.start.isoformat(), "maturity": d.maturity.isoformat(),
                              "shares": [list(x) for x in d.shares]} for d in self.deposits]}


class _Acct(NamedTuple):
    id: int | None  # None: a deposit's account, made when the opening is posted
    code: str
    name: str
    kind: str
    role: str | None
    parent_id: int | None
    bank_name: str | None


class _Chart(NamedTuple):
    accounts: dict[str, Any]  # code -> _Acct
    funds: dict[str, Any]  # code -> row (id, code, name, has_principal)
    capital_id: int


def _chart(conn: Connection, org_id: int) -> _Chart:
    a, f = s.accounts, s.funds
    accounts = {r.code: _Acct(*r) for r in conn.execute(
        sa.select(a.c.id, a.c.code, a.c.name, a.c.kind, a.c.role, a.c.parent_id, a.c.bank_name)
        .where(a.c.org_id == org_id))}
    funds = {r.code: r for r in conn.execute(
        sa.select(f.c.id, f.c.code, f.c.name, f.c.has_principal).where(f.c.org_id == org_id))}
    capital = [r for r in accounts.values() if r.role == "fund_capital"]
    if not capital:
        raise NotFound("this organization has no account for fund_capital", entity="account", role="fund_capital")
    return _Chart(accounts, funds, min(capital, key=lambda r: (len(r.code), r.code)).id)


def _problem(row: int, column: str, reason: str, code: str = "bad_value", /, **params: Any) -> dict:
    return {"row": row, "column": column, "reason": reason, "code": code, "params": params}


def _amount(value: Any) -> int:
    if isinstance(value, str) and value.strip() in ("0", "-"):
        return 0
    if value == 0 and not isinstance(value, bool) and isinstance(value, int):
        return 0
    return parse_amount_text(value.strip() if isinstance(value, str) else value)


def check(conn: Connection, org_id: int, on: Any, lines: Sequence[OpeningLine],
          rows: Sequence[int] | None = None,
          deposits: Sequence[OpeningDeposit] = ()) -> tuple[Plan | None, list[dict]]:
    """Check every line against the organization's chart, and every running deposit brought in; return the
    plan (None when anything is bad) and every problem found, each with its row (``rows``: a file's row
    numbers; default 1, 2, …; a deposit's problems: its number in ``deposits``, with ``section``
    ``deposits``), column and reason. The plan's capital lines are filled for each fund no line gives it for."""
    on = business_date(on)
    chart = _chart(conn, org_id)
    rows = list(rows) if rows is not None else list(range(1, len(lines) + 1))
    problems: list[dict] = []
    signed: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str], int] = {}
    if not lines and not deposits:
        problems.append(_problem(1, "lines", "an opening has at least one line", "no_opening_lines"))
    for n, ln in zip(rows, lines, strict=True):
        code, fund = cell_text(ln.account), cell_text(ln.fund)
        acct, f = chart.accounts.get(code), chart.funds.get(fund)
        bad = len(problems)
        if acct is None:
            problems.append(_problem(n, "account", f"unknown account {code!r}", "unknown_account", code=code))
        elif acct.kind not in BALANCE_KINDS:
            problems.append(_problem(n, "account", f"account {code} records what comes in or goes out, not a "
                                                   "balance", "not_balance_account", code=code))
        elif acct.role in REFUSED_ROLES:
            problems.append(_problem(n, "account", f"account {code} cannot be opened here",
                                     REFUSED_ROLES[acct.role], code=code))
        if f is None:
            problems.append(_problem(n, "fund", f"unknown fund {fund!r}", "unknown_fund", code=fund))
        elif acct is not None and acct.role == "principal" and not f.has_principal:
            problems.append(_problem(n, "fund", f"fund {fund} keeps no protected principal", "no_principal",
                                     fund=fund))
        try:
            amount = _amount(ln.amount)
        except LedgerError as e:
            problems.append(_problem(n, "amount", e.message, e.code, **{k: str(v) for k, v in e.params.items()}))
            continue
        if len(problems) > bad:
            continue
        if (code, fund) in seen:
            problems.append(_problem(n, "account", f"account {code} of fund {fund} is already on row "
                                                   f"{seen[(code, fund)]}", "duplicate_line", first=seen[(code, fund)]))
            continue
        seen[(code, fund)] = n
        if amount:
            signed[(code, fund)] = amount if acct.kind == "asset" else -amount
    brought, wrong = _check_deposits(conn, org_id, chart, on, deposits)
    problems += wrong
    if problems:
        return None, problems
    receivable = _role_account(chart, "interest_receivable") if brought else None
    for b in brought:
        weights = sorted((chart.funds[f].id, f, v) for f, v in b.shares)
        for (_fid, fund, share), piece in zip(weights, split_by_shares(b.accrued, [w[2] for w in weights])
                                              if b.accrued else [0] * len(weights), strict=True):
            signed[(b.account, fund)] = share
            if piece:
                signed[(receivable, fund)] = signed.get((receivable, fund), 0) + piece
    return _plan(_with_deposit_accounts(chart, brought), on, signed, deposits=brought), []


def _role_account(chart: _Chart, role: str) -> str:
    found = [r for r in chart.accounts.values() if r.role == role and r.id is not None]
    if not found:
        raise NotFound(f"this organization has no account for {role}", entity="account", role=role)
    return min(found, key=lambda r: (len(r.code), r.code)).code


def _with_deposit_accounts(chart: _Chart, brought: Sequence[BroughtDeposit]) -> _Chart:
    """The chart with the sub-accounts of 121 the deposits will get (made when the opening is posted)."""
    if not brought:
        return chart
    parent = _role_account(chart, "deposit")
    accounts = dict(chart.accounts)
    for b in brought:
        if b.account not in accounts:
            bank = chart.accounts[b.bank_account]
            accounts[b.account] = _Acct(None, b.account, f"Tiền gửi có kỳ hạn HĐ {b.contract_no} - "
                                        f"{bank.bank_name or bank.name}", "asset", "deposit",
                                        chart.accounts[parent].id, None)
    return chart._replace(accounts=accounts)


def _deposit_problem(n: int, column: str, reason: str, code: str, /, **params: Any) -> dict:
    return {**_problem(n, column, reason, code, **params), "section": "deposits"}


def _check_deposits(conn: Connection, org_id: int, chart: _Chart, on: date,
                    deposits: Sequence[OpeningDeposit]) -> tuple[list[BroughtDeposit], list[dict]]:
    """Each running deposit checked field by field against the chart and the opening's date: the deposits as
    they come in (none when any is wrong) and every problem (row: the deposit's number)."""
    out: list[BroughtDeposit] = []
    problems: list[dict] = []
    if not deposits:
        return out, problems
    taken = set(conn.execute(sa.select(s.deposits.c.contract_no).where(s.deposits.c.org_id == org_id)).scalars())
    first: dict[str, int] = {}
    for n, dep in enumerate(deposits, 1):
        bad = len(problems)

        def attempt(column: str, parse, value, n=n):
            try:
                return parse(value)
            except LedgerError as e:
                problems.append(_deposit_problem(n, column, e.message, e.code,
                                                 **{k: str(v) for k, v in e.params.items()}))
                return None

        contract = attempt("contract_no", lambda v: clean_name(v, field="contract_no"), dep.contract_no)
        if contract is not None:
            code = dp.account_code(contract)
            if contract in taken or code in chart.accounts:
                problems.append(_deposit_problem(n, "contract_no", f"a deposit with contract {contract!r} exists",
                                                 "contract_taken", contract=contract))
            elif contract in first or code in {dp.account_code(c) for c in first}:
                problems.append(_deposit_problem(n, "contract_no", f"contract {contract} is already deposit "
                                                 f"{first.get(contract, '')}".strip(), "duplicate_deposit",
                                                 contract=contract, first=first.get(contract, "")))
            else:
                first[contract] = n
        bank_code = cell_text(dep.bank_account)
        bank = chart.accounts.get(bank_code)
        if bank is None:
            problems.append(_deposit_problem(n, "bank_account", f"unknown account {bank_code!r}", "unknown_account",
                                             code=bank_code))
        elif bank.role != "bank" or not bank.parent_id:
            problems.append(_deposit_problem(n, "bank_account", f"account {bank_code} is not a bank account",
                                             "not_bank", code=bank_code))
        principal = attempt("principal", lambda v: parse_amount_text(v.strip() if isinstance(v, str) else v,
                                                                     field="principal"), dep.principal)
        rate = attempt("rate", ir.parse_rate, dep.rate)
        demand = attempt("demand_rate", dp.parse_demand_rate, dep.demand_rate)
        start = attempt("start", lambda v: business_date(v, field="start"), dep.start)
        if start is not None and start > on:
            problems.append(_deposit_problem(n, "start", "a deposit brought in started on or before the opening "
                                             "(open a later one as a deposit)", "starts_after_opening",
                                             start=f"{start:%d/%m/%Y}", day=f"{on:%d/%m/%Y}"))
            start = None
        if dep.pays not in dp.PAYS:
            problems.append(_deposit_problem(n, "pays", "interest is paid at maturity or monthly", "unknown_pays",
                                             value=str(dep.pays)))
        if dep.rollover not in dp.ROLLOVER:
            problems.append(_deposit_problem(n, "rollover", "rollover is none, principal or principal_interest",
                                             "unknown_rollover", value=str(dep.rollover)))
        maturity = None
        if start is not None:
            maturity = attempt("term", lambda v, d=dep: ir.maturity(v, months=d.term_months, days=d.term_days),
                               start)
            if maturity is not None and maturity <= on:
                problems.append(_deposit_problem(n, "term", "the deposit matured by the opening's date: bring in "
                                                 "what the bank account holds", "matured_before_opening",
                                                 maturity=f"{maturity:%d/%m/%Y}", day=f"{on:%d/%m/%Y}"))
                maturity = None
        shares: dict[str, int] = {}
        if not dep.shares:
            problems.append(_deposit_problem(n, "shares", "a deposit belongs to at least one fund", "no_shares"))
        for fund, value in (dep.shares or {}).items():
            fund = cell_text(fund)
            if fund not in chart.funds:
                problems.append(_deposit_problem(n, "shares", f"unknown fund {fund!r}", "unknown_fund", code=fund))
                continue
            amount = attempt("shares", lambda v, f=fund: parse_amount_text(v, field=f"shares.{f}"), value)
            if amount is not None:
                shares[fund] = amount
        if principal is not None and len(problems) == bad and sum(shares.values()) != principal:
            problems.append(_deposit_problem(n, "shares", f"the funds' shares add up to {sum(shares.values())} đ, "
                                             f"not the principal {principal} đ", "shares_mismatch",
                                             total=sum(shares.values()), principal=principal))
        if len(problems) > bad:
            continue
        terms = ir.Deposit(principal, rate, start, maturity)
        paid_before, computed = 0, dep.accrued is None or (isinstance(dep.accrued, str) and not dep.accrued.strip())
        if dep.pays == "monthly":
            accrued = 0 if computed else attempt("accrued", _amount, dep.accrued)
            if accrued:
                problems.append(_deposit_problem(
                    n, "accrued", "a deposit paying interest monthly brings no accrued interest: Quỹ books each "
                    "month's interest when the bank pays it", "monthly_accrues_nothing"))
            paid_before = sum(a for to, a in ir.monthly_payments(terms)[:-1] if to <= on)
        else:
            accrued = terms.accrued_through(on) if computed else attempt("accrued", _amount, dep.accrued)
            if accrued is not None and accrued > terms.interest():
                problems.append(_deposit_problem(n, "accrued", f"{accrued} đ is more than the whole term earns "
                                                 f"({terms.interest()} đ)", "accrued_too_large",
                                                 interest=terms.interest()))
        if len(problems) > bad:
            continue
        out.append(BroughtDeposit(
            contract, dp.account_code(contract), bank_code, principal, rate, start, maturity, dep.pays, dep.rollover,
            tuple(sorted(shares.items())), accrued, computed, paid_before,
            sum(a for _, a in ir.monthly_payments(terms)) if dep.pays == "monthly" else terms.interest(),
            dep.term_months, dep.term_days, demand))
    return ([] if problems else out), problems


def _plan(chart: _Chart, on: date, signed: dict[tuple[str, str], int], *, fill: bool = True,
          deposits: Sequence[BroughtDeposit] = ()) -> Plan:
    """The trial balance of ``signed`` ((account code, fund code) → signed amount), each fund without a
    capital line balanced by one when ``fill``."""
    capital = next(r for r in chart.accounts.values() if r.id == chart.capital_id)
    per_fund: dict[str, list[tuple[str, int, bool]]] = defaultdict(list)
    for (code, fund), v in signed.items():
        per_fund[fund].append((code, v, False))
    lines: list[TrialLine] = []
    funds: list[FundTrial] = []
    postings: list[Line] = []
    for fund in sorted(per_fund):
        items = per_fund[fund]
        off = sum(v for _, v, _ in items)
        if fill and off and not any(chart.accounts[c].role == "fund_capital" for c, _, _ in items):
            items.append((capital.code, -off, True))
        f = chart.funds[fund]
        debit = credit = 0
        for code, v, computed in sorted(items, key=lambda i: i[0]):
            a = chart.accounts[code]
            lines.append(TrialLine(fund, code, a.name, a.kind, max(v, 0), max(-v, 0), computed))
            postings.append(Line(a.id, f.id, v))
            debit, credit = debit + max(v, 0), credit + max(-v, 0)
        figures = fund_figures((chart.accounts[c].kind, chart.accounts[c].role, v) for c, v, _ in items)
        funds.append(FundTrial(fund, f.name, debit, credit, debit - credit, figures))
    return Plan(on, lines, funds, tuple(postings), {f: chart.funds[f].id for f in per_fund}, list(deposits),
                dict(signed))


def _refuse(problems: list[dict], file: str | None) -> None:
    if file is not None:
        raise ImportFailed(f"{len(problems)} problem(s) in {file}; nothing was imported", errors=problems)
    raise InvalidInput(f"{len(problems)} line(s) of the opening are wrong; nothing was written", field="lines",
                       reason="bad_lines", errors=problems)


def _unbalanced(plan: Plan) -> None:
    if not plan.balanced:
        off = {f.fund: f.difference for f in plan.funds if f.difference}
        raise UnbalancedTransaction("the opening does not balance for every fund", off_by_fund=off)


@dataclass(frozen=True)
class Opening:
    """An opening entry or a correction of one (``corrects_id``)."""

    id: int
    on: date
    tx_id: int
    seq: int
    corrects_id: int | None
    reason: str
    recorded_by: str
    recorded_at: str
    funds: tuple[str, ...]


def openings(conn: Connection, org_id: int, on: date | None = None) -> list[Opening]:
    """The organization's openings and their corrections (of the opening on ``on`` only, when given),
    oldest first, each with the funds its entry names."""
    o, t = s.openings, s.transactions
    q = (sa.select(o.c.id, o.c.on, o.c.tx_id, t.c.seq, o.c.corrects_id, o.c.reason, o.c.recorded_by,
                   o.c.recorded_at).join(t, t.c.id == o.c.tx_id).where(o.c.org_id == org_id).order_by(o.c.on, o.c.id))
    if on is not None:
        q = q.where(o.c.on == on)
    rows = conn.execute(q).all()
    codes = dict(conn.execute(sa.select(s.funds.c.id, s.funds.c.code).where(s.funds.c.org_id == org_id)).all())
    named: dict[int, set[str]] = defaultdict(set)
    if rows:
        for r in sums(conn, by=("tx_id", "fund_id"), org_ids=[org_id], tx_ids=[r.tx_id for r in rows]):
            named[r.tx_id].add(codes[r.fund_id])
    return [Opening(r.id, _day(r.on), r.tx_id, r.seq, r.corrects_id, r.reason, r.recorded_by, r.recorded_at,
                    tuple(sorted(named[r.tx_id]))) for r in rows]


def _day(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def figures(conn: Connection, org_id: int, on: Any) -> Plan:
    """The opening on ``on`` as it stands (the opening and its corrections): its trial balance per fund, and
    the running deposits it brought in."""
    on = business_date(on)
    found = openings(conn, org_id, on)
    if not found:
        raise NotFound(f"no opening on {on.isoformat()}", entity="opening", date=on.isoformat())
    standing = _standing(conn, org_id, found)
    return _plan(_chart(conn, org_id), on, standing, fill=False, deposits=_brought(conn, org_id, on, standing))


def _brought(conn: Connection, org_id: int, on: date, standing: dict[tuple[str, str], int]) -> list[BroughtDeposit]:
    """The running deposits the opening on ``on`` brought in, as it brought them."""
    d, e, a = s.deposits, s.deposit_events, s.accounts
    rows = conn.execute(sa.select(d, a.c.code.label("bank_code"), e.c.amount.label("carried"))
                        .join(a, a.c.id == d.c.bank_account_id)
                        .join(e, sa.and_(e.c.deposit_id == d.c.id, e.c.on == d.c.brought_in_on, e.c.tx_id.is_(None),
                                         e.c.kind.in_(("accrual", "payment"))))
                        .where(d.c.org_id == org_id, d.c.brought_in_on == on).order_by(d.c.id)).all()
    out = []
    held = {c for c, _f in standing}
    for r in rows:
        terms = ir.Deposit(r.principal, r.rate_ppm, r.start, r.maturity)
        code = dp.account_code(r.contract_no)
        if code not in held:  # handed over by a dissolution, not brought in by this opening
            continue
        monthly = r.pays == "monthly"
        out.append(BroughtDeposit(
            r.contract_no, code, r.bank_code, r.principal, r.rate_ppm, r.start, r.maturity, r.pays, r.rollover,
            tuple(sorted((f, v) for (c, f), v in standing.items() if c == code)), 0 if monthly else int(r.carried),
            False, int(r.carried) if monthly else 0,
            sum(x for _, x in ir.monthly_payments(terms)) if monthly else terms.interest(),
            r.term_months, r.term_days, r.demand_rate_ppm))
    return out


def _standing(conn: Connection, org_id: int, entries: list[Opening]) -> dict[tuple[str, str], int]:
    """(account code, fund code) → what the entries (an opening and its corrections) posted, net."""
    a, f = s.accounts, s.funds
    acode = dict(conn.execute(sa.select(a.c.id, a.c.code).where(a.c.org_id == org_id)).all())
    fcode = dict(conn.execute(sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id)).all())
    return {(acode[r.account_id], fcode[r.fund_id]): int(r.amount)
            for r in sums(conn, org_ids=[org_id], tx_ids=[e.tx_id for e in entries]) if r.amount}


def _opened_before(fund: str, on: date) -> Conflict:
    return Conflict(f"fund {fund} was opened on {on.isoformat()}", reason="fund_opened", fund=fund,
                    date=on.isoformat(), day=f"{on:%d/%m/%Y}")


def _opened_funds(conn: Connection, org_id: int) -> dict[str, date]:
    """Each fund that has an opening (or a correction naming it) → the opening's date."""
    return {fund: e.on for e in openings(conn, org_id) for fund in e.funds}


def record(conn: Connection, org_id: int, on: Any, lines: Sequence[OpeningLine], *, user: str,
           rows: Sequence[int] | None = None, file: str | None = None, dry_run: bool = False,
           deposits: Sequence[OpeningDeposit] = ()) -> dict:
    """Post the opening of ``org_id`` on ``on`` as one entry, with the running ``deposits`` it brings in, or
    (``dry_run``) only check it and give its trial balance. Refuses (nothing written) a bad line or deposit
    (all of them listed; ``file``: lines named as a file's rows), an entry that does not balance per fund, a
    second opening on the same date, and a fund that was opened before."""
    on = business_date(on)
    if not dry_run:
        take_turn(conn, org_id)  # the openings already made decide: no other writer of the organization meanwhile
    plan, problems = check(conn, org_id, on, lines, rows, deposits)
    if problems:
        _refuse(problems, file)
    taken = openings(conn, org_id, on)
    if taken:
        raise Conflict(f"the opening of {on.isoformat()} is already posted (entry #{taken[0].seq}); correct it "
                       "with a correcting entry", reason="opening_exists", date=on.isoformat(), day=f"{on:%d/%m/%Y}")
    opened = _opened_funds(conn, org_id)
    for fund in plan.fund_ids:
        if fund in opened:
            raise _opened_before(fund, opened[fund])
    result = plan.as_dict()
    if dry_run:
        return {**result, "posted": False, "id": None, "tx_id": None, "seq": None}
    _unbalanced(plan)
    if plan.deposits:  # each deposit's own sub-account of 121, then the entry on the real chart
        chart = _chart(conn, org_id)
        for b in plan.deposits:
            bank = chart.accounts[b.bank_account]
            dp.add_deposit_account(conn, org_id, b.contract_no, bank.bank_name or bank.name)
        plan = _plan(_chart(conn, org_id), on, plan.signed, deposits=plan.deposits)
    entry = Entry(on, f"Số dư đầu kỳ ngày {on:%d/%m/%Y}", plan.postings, doc_ref="SDĐK", source=SOURCE)
    written = _write(conn, org_id, entry, user=user, reason="")
    if plan.deposits:
        chart = _chart(conn, org_id)
        for b in plan.deposits:
            dp.bring_in(conn, org_id, on=on, account_id=chart.accounts[b.account].id,
                        bank_account_id=chart.accounts[b.bank_account].id, contract=b.contract_no,
                        principal=b.principal, rate_ppm=b.rate_ppm, demand_rate_ppm=b.demand_rate_ppm,
                        start=b.start, maturity=b.maturity, term_months=b.term_months, term_days=b.term_days,
                        pays=b.pays, rollover=b.rollover, accrued=b.accrued, paid_before=b.paid_before, user=user)
    return {**result, **written}


def _write(conn: Connection, org_id: int, entry: Entry, *, user: str, reason: str,
           corrects: int | None = None) -> dict:
    p = post(conn, org_id, [entry], user=user)[0]
    oid = conn.execute(s.openings.insert().values(
        org_id=org_id, on=entry.date, tx_id=p.tx_id, corrects_id=corrects, reason=reason[:1000],
        recorded_by=user, recorded_at=now_iso())).inserted_primary_key[0]
    return {"posted": True, "id": oid, "tx_id": p.tx_id, "seq": p.seq}


def correct(conn: Connection, org_id: int, on: Any, lines: Sequence[OpeningLine], *, reason: str, user: str,
            rows: Sequence[int] | None = None, file: str | None = None, dry_run: bool = False) -> dict:
    """Correct the opening on ``on``: ``lines`` are the right balances of the funds they name (all of each
    such fund's lines; the capital balances it when no line gives it). The difference from what the
    opening and its corrections posted for those funds is posted as a correcting entry on the opening's
    date, linked to the opening. ``dry_run``: the corrected trial balance, nothing written."""
    on = business_date(on)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a correction states its reason", field="reason", reason="required")
    if not dry_run:
        take_turn(conn, org_id)
    found = openings(conn, org_id, on)
    if not found:
        raise NotFound(f"no opening on {on.isoformat()}", entity="opening", date=on.isoformat())
    plan, problems = check(conn, org_id, on, lines, rows)
    if problems:
        _refuse(problems, file)
    opened = _opened_funds(conn, org_id)
    for fund in plan.fund_ids:
        if opened.get(fund, on) != on:
            raise _opened_before(fund, opened[fund])
    chart = _chart(conn, org_id)
    standing = _standing(conn, org_id, found)
    # the running deposits the opening brought in stay as they are: the fund's other balances are corrected
    kept = {(a, f): v for (a, f), v in standing.items()
            if f in plan.fund_ids and chart.accounts[a].role in ("deposit", "interest_receivable")}
    if kept:
        plan = _plan(chart, on, {**plan.signed, **kept})
    result = plan.as_dict()
    if dry_run:
        return {**result, "posted": False, "id": None, "tx_id": None, "seq": None}
    _unbalanced(plan)
    now = {(a, f): v for (a, f), v in standing.items() if f in plan.fund_ids}
    new = {(ln.account, ln.fund): ln.debit - ln.credit for ln in plan.lines}
    delta = tuple(Line(chart.accounts[a].id, chart.funds[f].id, new.get((a, f), 0) - now.get((a, f), 0))
                  for a, f in sorted(now.keys() | new.keys()) if new.get((a, f), 0) != now.get((a, f), 0))
    if not delta:
        raise InvalidInput("the opening already holds these figures", field="lines", reason="nothing_to_correct")
    entry = Entry(on, f"Điều chỉnh số dư đầu kỳ ngày {on:%d/%m/%Y}: {reason}"[:1000], delta,
                  doc_ref="SDĐK", source=CORRECTION)
    return {**result, **_write(conn, org_id, entry, user=user, reason=reason, corrects=found[0].id)}


def read_file(path: Path) -> tuple[list[OpeningLine], list[int]]:
    """A file's opening lines (CSV or XLSX: columns account, fund, amount, in English or Vietnamese) and
    their row numbers as a spreadsheet shows them."""
    rows = read_rows(Path(path), _ALIASES, required=("account", "fund", "amount"))
    if not rows:
        raise ImportFailed("the file has no data rows",
                           errors=[_problem(2, "file", "no data rows", "no_opening_lines")])
    return ([OpeningLine(r.get("account"), r.get("fund"), r.get("amount")) for _, r in rows],
            [n for n, _ in rows])
