"""Term deposits (tiền gửi có kỳ hạn): opening one from a bank account, month-end accrual of its interest,
monthly interest payments, and settlement at maturity with rollover. The arithmetic is in
``ledger/interest.py``; this module books it.

Each deposit is its own sub-account of 121 (named after its contract), holding the principal per owning
fund: the funds' shares are that account's balances, so a deposit shared by several funds splits its
interest by them, the pieces adding up exactly (largest remainder).

| event | debit | credit |
|---|---|---|
| open | 121.<contract> (per fund) | 1121.x, the bank account it came from |
| month-end accrual | 1381 interest receivable | 515 interest income |
| monthly payment (deposits paying monthly) | 1121.x | 515 |
| settlement at maturity | 1121.x (principal + interest) | 121.<contract>, 1381 (what was accrued), 515 (the rest) |
| rollover | 121.<new contract> | 1121.x |

Each accrual, payment and settlement is a ``deposit_events`` row, one of a kind per deposit and day (a
database constraint), so the month-end job run twice — or killed and run again — books each month once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import interest as ir
from . import schema as s
from .clock import now_iso, parse_date
from .errors import Conflict, InsufficientFunds, InvalidInput, NotFound
from .journal import Entry, Line, post, take_turn
from .money import parse_amount, split_by_shares
from .names import clean_name
from .orgs import account_by_code, account_id_by_role, add_account, fund_id_by_code

PAYS = ("maturity", "monthly")
ROLLOVER = ("none", "principal", "principal_interest")


@dataclass
class DepositInput:
    """A deposit as a face hands it over. ``shares``: fund code → principal đồng (they must add up)."""

    contract_no: str
    bank_account: str
    principal: Any
    rate: Any
    start: Any
    shares: dict[str, Any]
    term_months: int | None = None
    term_days: int | None = None
    pays: str = "maturity"
    rollover: str = "none"
    demand_rate: Any = "0.1"

    def payload(self) -> dict:
        return {k: (str(v) if not isinstance(v, dict | int | type(None)) else v) for k, v in self.__dict__.items()}


def _demand_rate(value: Any) -> int:
    if isinstance(value, str) and value.strip().rstrip("%").strip() in ("0", "0.0", "0,0"):
        return 0
    return ir.parse_rate(value, field="demand_rate")


def _account_code(contract: str) -> str:
    return "121." + (re.sub(r"[^0-9A-Za-z._-]+", "-", contract).strip("-") or "HD")[:34]


def _balances(conn: Connection, account_id: int) -> dict[int, int]:
    """The account's cached balance per fund (non-zero ones)."""
    return _balances_of(conn, [account_id]).get(account_id, {})


def _balances_of(conn: Connection, account_ids: list[int]) -> dict[int, dict[int, int]]:
    """Cached balances per fund of several accounts, in one statement: account → fund → amount."""
    b = s.balances
    out: dict[int, dict[int, int]] = {}
    for r in conn.execute(sa.select(b.c.account_id, b.c.fund_id, b.c.amount)
                          .where(b.c.account_id.in_(account_ids), b.c.amount != 0).order_by(b.c.fund_id)):
        out.setdefault(r.account_id, {})[r.fund_id] = r.amount
    return out


def open_deposit(conn: Connection, org_id: int, inp: DepositInput, *, user: str,
                 rolled_from_id: int | None = None) -> dict:
    """Open a deposit from a bank account: check everything, then post bank → the deposit's own 121
    sub-account per fund. Refuses a bank account without that much money for each fund."""
    contract = clean_name(inp.contract_no, field="contract_no")
    principal = parse_amount(inp.principal, field="principal")
    rate = ir.parse_rate(inp.rate)
    demand = _demand_rate(inp.demand_rate)
    start = parse_date(inp.start)
    if inp.pays not in PAYS:
        raise InvalidInput("interest is paid at maturity or monthly", field="pays", reason="unknown_kind")
    if inp.rollover not in ROLLOVER:
        raise InvalidInput("rollover is none, principal or principal_interest", field="rollover",
                           reason="unknown_kind")
    end = ir.maturity(start, months=inp.term_months, days=inp.term_days)
    ir.Deposit(principal, rate, start, end)  # checks the term
    if not inp.shares:
        raise InvalidInput("a deposit belongs to at least one fund", field="shares", reason="empty")
    shares = {fund_id_by_code(conn, org_id, code): parse_amount(v, field=f"shares.{code}")
              for code, v in inp.shares.items()}
    if sum(shares.values()) != principal:
        raise InvalidInput(f"the funds' shares add up to {sum(shares.values())} đ, not the principal {principal} đ",
                           field="shares", reason="shares_mismatch")
    bank = account_by_code(conn, org_id, inp.bank_account)
    if bank.role != "bank" or not bank.parent_id:
        raise InvalidInput(f"account {inp.bank_account} is not a bank account", field="bank_account",
                           reason="not_bank")
    if conn.execute(sa.select(s.deposits.c.id).where(s.deposits.c.org_id == org_id,
                                                     s.deposits.c.contract_no == contract)).first():
        raise Conflict(f"a deposit with contract {contract!r} exists", reason="contract_taken")
    take_turn(conn, org_id)  # the bank's balance decides: no other writer of the organization meanwhile
    have = _balances(conn, bank.id)
    code_of = {fund_id_by_code(conn, org_id, c): c for c in inp.shares}
    for fid, amount in shares.items():
        if have.get(fid, 0) < amount:
            raise InsufficientFunds(f"bank account {bank.code} holds {have.get(fid, 0)} đ of fund {code_of[fid]}, "
                                    f"not {amount} đ", fund=code_of[fid], spendable=have.get(fid, 0),
                                    shortfall=amount - have.get(fid, 0))
    acct = add_account(conn, org_id, code=_account_code(contract), parent_code=_deposit_parent(conn, org_id),
                       name=f"Tiền gửi có kỳ hạn HĐ {contract} - {bank.bank_name or bank.name}")
    lines = tuple(ln for fid, amount in shares.items()
                  for ln in (Line(acct, fid, amount), Line(bank.id, fid, -amount)))
    p = post(conn, org_id, [Entry(start, f"Gửi tiền có kỳ hạn HĐ {contract} ({ir.format_rate(rate)}/năm)", lines,
                                  doc_ref=contract, source="deposit")], user=user)[0]
    did = conn.execute(s.deposits.insert().values(
        org_id=org_id, account_id=acct, bank_account_id=bank.id, contract_no=contract, principal=principal,
        rate_ppm=rate, demand_rate_ppm=demand, start=start, maturity=end, term_months=inp.term_months,
        term_days=inp.term_days, pays=inp.pays, rollover=inp.rollover, rolled_from_id=rolled_from_id,
        created_by=user, created_at=now_iso())).inserted_primary_key[0]
    return {"id": did, "contract_no": contract, "account": _account_code(contract), "maturity": end.isoformat(),
            "interest": ir.Deposit(principal, rate, start, end).interest(), "tx_id": p.tx_id}


def _deposit_parent(conn: Connection, org_id: int) -> str:
    a = s.accounts
    return conn.execute(sa.select(a.c.code).where(a.c.id == account_id_by_role(conn, org_id, "deposit"))).scalar()


@dataclass(frozen=True)
class DepositRow:
    """A deposit as it stands: ``principal`` is what is still on deposit (less early withdrawals),
    ``accrued`` what sits in 1381 for it (accruals less the reversals of withdrawn parts)."""

    id: int
    contract_no: str
    account_id: int
    bank_account_id: int
    principal: int
    rate_ppm: int
    start: date
    maturity: date
    pays: str
    rollover: str
    settled_on: date | None
    accrued: int
    paid: int

    @property
    def terms(self) -> ir.Deposit:
        return ir.Deposit(self.principal, self.rate_ppm, self.start, self.maturity)


def deposits(conn: Connection, org_id: int, *, ids: list[int] | None = None) -> list[DepositRow]:
    """The organization's deposits with what was accrued and paid on them, and when each was settled."""
    d, e = s.deposits, s.deposit_events

    def total(kind: str):
        return (sa.select(sa.func.coalesce(sa.func.sum(e.c.amount), 0))
                .where(e.c.deposit_id == d.c.id, e.c.kind == kind).scalar_subquery())

    settled = sa.select(sa.func.max(e.c.on)).where(e.c.deposit_id == d.c.id, e.c.kind == "settlement")
    q = (sa.select(d.c.id, d.c.contract_no, d.c.account_id, d.c.bank_account_id,
                   (d.c.principal - total("withdrawal")).label("principal"), d.c.rate_ppm,
                   d.c.start, d.c.maturity, d.c.pays, d.c.rollover, settled.scalar_subquery().label("settled_on"),
                   (total("accrual") - total("reversal")).label("accrued"), total("payment").label("paid"))
         .where(d.c.org_id == org_id).order_by(d.c.maturity, d.c.id))
    if ids is not None:
        q = q.where(d.c.id.in_(ids))
    return [DepositRow(r[0], r[1], r[2], r[3], int(r.principal), *r[5:-2], int(r.accrued), int(r.paid))
            for r in conn.execute(q)]  # PostgreSQL's sums are numeric


@dataclass
class AccrualRun:
    """What one month-end run booked."""

    deposits: int = 0
    events: int = 0
    amount: int = 0
    per_fund: dict[int, int] = field(default_factory=dict)


def accrue(conn: Connection, org_id: int, *, through: date, user: str, ids: list[int] | None = None) -> AccrualRun:
    """Book every month-end accrual (deposits paying at maturity) and monthly payment (deposits paying
    monthly) due on or before ``through`` that is not booked yet, for the organization's open deposits (or
    ``ids``). Each deposit's dates are booked in order; a deposit's accrual is what it earned through that
    month's last day less what was accrued before. Posted in bulk, in the caller's unit of work."""
    run = AccrualRun()
    interest_id = account_id_by_role(conn, org_id, "interest_income")
    receivable_id = account_id_by_role(conn, org_id, "interest_receivable")
    e = s.deposit_events
    rows = [r for r in deposits(conn, org_id, ids=ids) if r.settled_on is None and r.start <= through]
    if not rows:
        return run
    booked: dict[int, set] = {}
    for r in conn.execute(sa.select(e.c.deposit_id, e.c.kind, e.c.on).where(
            e.c.deposit_id.in_([x.id for x in rows]))):
        booked.setdefault(r.deposit_id, set()).add((r.kind, r.on))
    entries: list[Entry] = []
    events: list[tuple[int, str, date, int]] = []
    held = _balances_of(conn, [r.account_id for r in rows])
    for dep in rows:
        terms = dep.terms
        shares = held.get(dep.account_id, {})
        if not shares:
            continue
        done = booked.get(dep.id, set())
        funds = sorted(shares)
        weights = [shares[f] for f in funds]
        if dep.pays == "maturity":
            accrued = dep.accrued
            for d in ir.month_ends(dep.start, dep.maturity):
                if d > through:
                    break
                if ("accrual", d) in done:
                    continue
                upto = terms.accrued_through(d)
                events.append((dep.id, "accrual", d, upto - accrued))
                if upto != accrued:
                    entries.append(_interest_entry(d, dep, _pieces(accrued, upto, funds, weights), receivable_id,
                                                   interest_id, "Dự thu lãi tiền gửi"))
                accrued = upto
        else:
            paid = dep.paid
            for to, amount in ir.monthly_payments(terms)[:-1]:  # the last period is paid with the principal
                if to > through:
                    break
                if ("payment", to) in done:
                    continue
                events.append((dep.id, "payment", to, amount))
                if amount:
                    entries.append(_interest_entry(to, dep, _pieces(paid, paid + amount, funds, weights),
                                                   dep.bank_account_id, interest_id, "Lãi tiền gửi trả hằng tháng"))
                paid += amount
        run.deposits += 1
    posted = post(conn, org_id, entries, user=user) if entries else []
    tx_of = iter(p.tx_id for p in posted)
    now = now_iso()
    values = []
    for dep_id, kind, on, amount in events:
        values.append({"deposit_id": dep_id, "kind": kind, "on": on, "amount": amount,
                       "tx_id": next(tx_of) if amount else None, "created_at": now})
        run.events += 1
        run.amount += amount
    if values:
        conn.execute(e.insert(), values)
    for entry in entries:
        for ln in entry.lines:
            if ln.account_id == interest_id:
                run.per_fund[ln.fund_id] = run.per_fund.get(ln.fund_id, 0) - ln.amount
    return run


def _pieces(before: int, after: int, funds: list[int], weights: list[int]) -> dict[int, int]:
    """Each fund's piece of the interest booked between cumulative totals ``before`` and ``after``: the
    difference of the two totals split by the funds' shares. Splitting the running total, not each amount,
    keeps every fund within 1 đ of its exact share however many months are booked (no fund collects
    every rounding đồng)."""
    lo = split_by_shares(before, weights) if before else [0] * len(funds)
    hi = split_by_shares(after, weights)
    return {f: h - low for f, h, low in zip(funds, hi, lo, strict=True)}


def _interest_entry(on: date, dep: DepositRow, pieces: dict[int, int], debit: int, credit: int,
                    what: str) -> Entry:
    lines = tuple(ln for f, piece in sorted(pieces.items()) if piece
                  for ln in (Line(debit, f, piece), Line(credit, f, -piece)))
    return Entry(on, f"{what} HĐ {dep.contract_no} tháng {on.month:02d}/{on.year}", lines, doc_ref=dep.contract_no,
                 source="deposit_interest")


def settle(conn: Connection, org_id: int, deposit_id: int, *, user: str, on: date | None = None,
           new_rate: Any = None, bank_interest: Any = None, reference: str = "") -> dict:
    """Settle a deposit at maturity: the bank pays back the principal and the interest; what was accrued
    leaves 1381 and the rest of the term's interest is income now. When the bank's figure for the whole
    term's interest (``bank_interest``, with its document in ``reference``) differs from Quỹ's, the
    difference is booked to interest income in the same entry and recorded as an adjustment. Then, per its
    rollover policy, the principal (or principal and interest) goes into a new deposit for the same term
    (at ``new_rate``, else the same rate). Accruals still due are booked first, so nothing is counted twice
    or missed."""
    found = deposits(conn, org_id, ids=[deposit_id])
    if not found:
        raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
    dep = found[0]
    if dep.settled_on is not None:
        raise Conflict(f"deposit {dep.contract_no} was settled on {dep.settled_on.isoformat()}",
                       reason="already_settled")
    on = on or dep.maturity
    if on < dep.maturity:
        raise InvalidInput("a deposit is settled at or after its maturity (an early withdrawal is another "
                           "thing)", field="date", reason="before_maturity")
    accrue(conn, org_id, through=dep.maturity, user=user, ids=[deposit_id])
    dep = deposits(conn, org_id, ids=[deposit_id])[0]
    terms = dep.terms
    total = sum(a for _, a in ir.monthly_payments(terms)) if dep.pays == "monthly" else terms.interest()
    rest = total - dep.accrued - dep.paid
    shares = _balances(conn, dep.account_id)
    funds = sorted(shares)
    receivable_id = account_id_by_role(conn, org_id, "interest_receivable")
    interest_id = account_id_by_role(conn, org_id, "interest_income")
    e, p = s.deposit_events, s.postings
    booked_txs = [r[0] for r in conn.execute(sa.select(e.c.tx_id).where(
        e.c.deposit_id == deposit_id, e.c.kind.in_(("accrual", "payment", "reversal")), e.c.tx_id.is_not(None)))]
    accrued_by_fund: dict[int, int] = {}  # still in 1381, per fund
    recognised: dict[int, int] = {}  # interest income booked so far, per fund
    if booked_txs:
        for r in conn.execute(sa.select(p.c.account_id, p.c.fund_id, sa.func.sum(p.c.amount)).where(
                p.c.tx_id.in_(booked_txs), p.c.account_id.in_((receivable_id, interest_id)))
                .group_by(p.c.account_id, p.c.fund_id)):
            if r[0] == receivable_id:
                accrued_by_fund[r[1]] = int(r[2])
            else:
                recognised[r[1]] = -int(r[2])
    diff = 0
    if bank_interest is not None:
        diff = parse_amount(bank_interest, field="bank_interest", allow_zero=True) - total
        if total + diff < dep.accrued + dep.paid:  # the bank cannot take back what was already booked
            raise InvalidInput("the bank's figure is below what was already booked", field="bank_interest",
                               reason="out_of_range")
    # each fund ends with its exact share of the whole term's interest (the bank's figure, when given)
    final = dict(zip(funds, split_by_shares(total + diff, [shares[f] for f in funds]), strict=True))
    stub = {f: final[f] - recognised.get(f, 0) for f in funds}
    lines: list[Line] = []
    for f in funds:
        got = shares[f] + accrued_by_fund.get(f, 0) + stub[f]
        lines.append(Line(dep.bank_account_id, f, got))
        lines.append(Line(dep.account_id, f, -shares[f]))
        if accrued_by_fund.get(f):
            lines.append(Line(receivable_id, f, -accrued_by_fund[f]))
        if stub[f]:
            lines.append(Line(interest_id, f, -stub[f]))
    what = f"Tất toán tiền gửi HĐ {dep.contract_no}" + (f" (điều chỉnh theo ngân hàng {diff:+d} đ)" if diff else "")
    settled = post(conn, org_id, [Entry(on, what, tuple(lines), doc_ref=(reference or dep.contract_no)[:80],
                                        source="deposit_settlement")], user=user)[0]
    conn.execute(e.insert(), [{"deposit_id": deposit_id, "kind": k, "on": on, "amount": a, "tx_id": settled.tx_id,
                               "created_at": now_iso()} for k, a in (("settlement", rest), ("adjustment", diff))
                              if k == "settlement" or a])
    result = {"id": deposit_id, "contract_no": dep.contract_no, "principal": dep.principal,
              "interest": dep.accrued + dep.paid + rest + diff, "at_settlement": rest + diff, "adjustment": diff,
              "tx_id": settled.tx_id, "rolled_into": None}
    if dep.rollover != "none":
        again = {f: shares[f] + (accrued_by_fund.get(f, 0) + stub[f] if dep.rollover == "principal_interest" else 0)
                 for f in funds}
        d = s.deposits
        original = conn.execute(sa.select(d.c.term_months, d.c.term_days, d.c.demand_rate_ppm)
                                .where(d.c.id == deposit_id)).one()
        codes = dict(conn.execute(sa.select(s.funds.c.id, s.funds.c.code).where(s.funds.c.id.in_(funds))).all())
        bank_code = conn.execute(sa.select(s.accounts.c.code).where(s.accounts.c.id == dep.bank_account_id)).scalar()
        k = 1 + conn.execute(sa.select(sa.func.count()).where(s.deposits.c.org_id == org_id,
                                                               s.deposits.c.contract_no.like(f"{dep.contract_no}/TT%"))).scalar()
        nxt = open_deposit(conn, org_id, DepositInput(
            contract_no=f"{dep.contract_no}/TT{k}", bank_account=bank_code, principal=sum(again.values()),
            rate=new_rate if new_rate is not None else ir.format_rate(dep.rate_ppm), start=on,
            shares={codes[f]: v for f, v in again.items()}, term_months=original.term_months,
            term_days=original.term_days, pays=dep.pays, rollover=dep.rollover,
            demand_rate=ir.format_rate(original.demand_rate_ppm) if original.demand_rate_ppm else "0"),
            user=user, rolled_from_id=deposit_id)
        result["rolled_into"] = nxt
    return result


def withdraw(conn: Connection, org_id: int, deposit_id: int, *, on: Any, amount: Any, user: str) -> dict:
    """Withdraw all or part of a deposit before maturity. The withdrawn part earns the demand rate for the
    days it was held; what was accrued on it at the term rate is reversed (1381 back against 515); the
    rest stays on deposit at the term rate. Withdrawing everything closes the deposit."""
    from datetime import timedelta

    found = deposits(conn, org_id, ids=[deposit_id])
    if not found:
        raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
    if found[0].settled_on is not None:
        raise Conflict(f"deposit {found[0].contract_no} is closed", reason="already_settled")
    if found[0].pays == "monthly":
        raise InvalidInput("a deposit paying monthly is withdrawn at maturity (not yet early)", field="pays",
                           reason="monthly_withdrawal")
    on, amount = parse_date(on), parse_amount(amount)
    take_turn(conn, org_id)
    accrue(conn, org_id, through=on - timedelta(days=1), user=user, ids=[deposit_id])  # months before it
    dep = deposits(conn, org_id, ids=[deposit_id])[0]
    demand = conn.execute(sa.select(s.deposits.c.demand_rate_ppm).where(s.deposits.c.id == deposit_id)).scalar()
    w = ir.early_withdrawal(dep.terms, on=on, amount=amount, demand_rate_ppm=demand or 1, accrued=dep.accrued)
    earned = w.interest if demand else 0
    shares = _balances(conn, dep.account_id)
    funds = sorted(shares)
    weights = [shares[f] for f in funds]
    out = dict(zip(funds, split_by_shares(amount, weights), strict=True))
    back = dict(zip(funds, split_by_shares(w.accrued_on_withdrawn, weights), strict=True))
    paid = dict(zip(funds, split_by_shares(earned, weights), strict=True))
    receivable_id = account_id_by_role(conn, org_id, "interest_receivable")
    interest_id = account_id_by_role(conn, org_id, "interest_income")
    entries = []
    if w.accrued_on_withdrawn:
        entries.append(Entry(on, f"Đảo dự thu lãi phần rút trước hạn HĐ {dep.contract_no}", tuple(
            ln for f in funds if back[f] for ln in (Line(interest_id, f, back[f]), Line(receivable_id, f, -back[f]))),
            doc_ref=dep.contract_no, source="deposit_withdrawal"))
    lines = []
    for f in funds:
        lines.append(Line(dep.bank_account_id, f, out[f] + paid[f]))
        if out[f]:
            lines.append(Line(dep.account_id, f, -out[f]))
        if paid[f]:
            lines.append(Line(interest_id, f, -paid[f]))
    entries.append(Entry(on, f"Rút trước hạn {amount} đ HĐ {dep.contract_no} (lãi không kỳ hạn)",
                         tuple(ln for ln in lines if ln.amount), doc_ref=dep.contract_no, source="deposit_withdrawal"))
    posted = post(conn, org_id, entries, user=user)
    now = now_iso()
    rows = []
    if w.accrued_on_withdrawn:
        rows.append({"deposit_id": deposit_id, "kind": "reversal", "on": on, "amount": w.accrued_on_withdrawn,
                     "tx_id": posted[0].tx_id, "created_at": now})
    rows.append({"deposit_id": deposit_id, "kind": "withdrawal", "on": on, "amount": amount,
                 "tx_id": posted[-1].tx_id, "created_at": now})
    if w.remaining == 0:
        rows.append({"deposit_id": deposit_id, "kind": "settlement", "on": on, "amount": 0,
                     "tx_id": posted[-1].tx_id, "created_at": now})
    conn.execute(s.deposit_events.insert(), rows)
    return {"id": deposit_id, "contract_no": dep.contract_no, "withdrawn": amount, "interest": earned,
            "reversed": w.accrued_on_withdrawn, "remaining": w.remaining, "closed": w.remaining == 0}


def deposit_id_by_contract(conn: Connection, org_id: int, contract: str) -> int:
    did = conn.execute(sa.select(s.deposits.c.id).where(s.deposits.c.org_id == org_id,
                                                        s.deposits.c.contract_no == contract.strip())).scalar()
    if did is None:
        raise NotFound(f"deposit {contract!r} not found", entity="deposit", code=contract)
    return did
