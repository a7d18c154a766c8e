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
| bank's figure differs ("Chênh lệch lãi theo ngân hàng", own entry) | 1381 (1121.x mid-term, monthly) | 515 |
| rollover | 121.<new contract> | 1121.x |

Each accrual, payment and settlement is a ``deposit_events`` row, one of a kind per deposit and day (a
database constraint), so the month-end job run twice — or killed and run again — books each month once.

A deposit already running when the books came into Quỹ is **brought in** by the opening (``ledger/opening.py``,
:func:`bring_in`): the opening entry holds its principal (121.<contract>) and the interest accrued until then
(1381), and ``brought_in_on`` keeps the opening's date. What happened before that day is history carried in,
not booked here: one event without an entry (``tx_id`` NULL) holds the accrued interest (an ``accrual``) or,
for a deposit paying monthly, the interest the bank paid before (a ``payment``), so that the running totals
go on from there; the month-end job books only the dates after it, and the settlement takes the carried
interest out of 1381 and books as income only what Quỹ has not (a deposit handed over by a dissolution
carries its history the same way, ``ledger/reorg.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import balances
from . import interest as ir
from . import schema as s
from .clock import business_date, check_business_date, now_iso
from .clock import today as clock_today
from .described import described
from .errors import Conflict, InsufficientFunds, InvalidInput, NotFound
from .journal import Entry, Line, post, take_turn
from .money import parse_amount, split_by_shares
from .names import clean_name
from .orgs import account_by_code, account_id_by_role, add_account, fund_id_by_code

PAYS = ("maturity", "monthly")
#: how the journal names the difference between the bank's interest figure and Quỹ's (during the term or
#: at settlement): an entry of its own, source ``deposit_adjustment``, reported as "adjusted"
ADJUSTMENT_LABEL = "Chênh lệch lãi theo ngân hàng"
ROLLOVER = ("none", "principal", "principal_interest")


@dataclass
class DepositInput:
    """A deposit as a face hands it over. ``shares``: fund code → principal đồng (they must add up)."""

    contract_no: str = described("the bank's contract number", size=60, min_size=1, example="VTB 2026/01")
    bank_account: str = described("the 1121 sub-account, e.g. 1121.BIDV", size=40, min_size=1, example="1121.BIDV")
    principal: Any = described(money=True)
    rate: Any = described("annual rate in percent, written exactly: \"4,7\" or \"4.7\" (a JSON number is refused: "
                          "it may be inexact)", size=12, min_size=1)
    start: Any = described(day=True)
    shares: dict[str, Any] = described("fund code → its part of the principal (they add up to it)", money=True,
                                       keys=40, items=(1, 50))
    term_months: int | None = described(whole=(1, 1200), default=None)
    term_days: int | None = described(whole=(1, 36500), default=None)
    pays: str = described(choices=PAYS, default="maturity")
    rollover: str = described(choices=ROLLOVER, default="none")
    demand_rate: Any = described("demand rate for early withdrawal, %", size=12, default="0.1")

    def payload(self) -> dict:
        return {k: (str(v) if not isinstance(v, dict | int | type(None)) else v) for k, v in self.__dict__.items()}


def parse_demand_rate(value: Any) -> int:
    """The demand rate for early withdrawal in parts per million (``0`` allowed: no interest at all)."""
    if isinstance(value, ir.Rate) and value.ppm == 0:
        return 0
    if isinstance(value, str) and value.strip().rstrip("%").strip() in ("0", "0.0", "0,0"):
        return 0
    return ir.parse_rate(value, field="demand_rate")


def account_code(contract: str) -> str:
    """The code of a deposit's own sub-account of 121, made from its contract number."""
    return "121." + (re.sub(r"[^0-9A-Za-z._-]+", "-", contract).strip("-") or "HD")[:34]


def add_deposit_account(conn: Connection, org_id: int, contract: str, bank_name: str) -> int:
    """Add a deposit's own sub-account of 121 (named after its contract and bank); return its id."""
    return add_account(conn, org_id, code=account_code(contract), parent_code=_deposit_parent(conn, org_id),
                       name=f"Tiền gửi có kỳ hạn HĐ {contract} - {bank_name}")


def _balances(conn: Connection, account_id: int) -> dict[int, int]:
    """The account's cached balance per fund (non-zero ones)."""
    return _balances_of(conn, [account_id]).get(account_id, {})


def _balances_of(conn: Connection, account_ids: list[int]) -> dict[int, dict[int, int]]:
    """Cached balances per fund of several accounts, in one statement: account → fund → amount."""
    out: dict[int, dict[int, int]] = {}
    for (aid, fid), amount in sorted(balances.cached(conn, account_ids=account_ids, nonzero=True).items(),
                                     key=lambda kv: kv[0][1]):  # by fund, as before
        out.setdefault(aid, {})[fid] = amount
    return out


def open_deposit(conn: Connection, org_id: int, inp: DepositInput, *, user: str,
                 rolled_from_id: int | None = None) -> dict:
    """Open a deposit from a bank account: check everything, then post bank → the deposit's own 121
    sub-account per fund. Refuses a bank account without that much money for each fund."""
    contract = clean_name(inp.contract_no, field="contract_no")
    principal = parse_amount(inp.principal, field="principal")
    rate = ir.parse_rate(inp.rate)
    demand = parse_demand_rate(inp.demand_rate)
    start = business_date(inp.start, field="start")
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
    acct = add_deposit_account(conn, org_id, contract, bank.bank_name or bank.name)
    lines = tuple(ln for fid, amount in shares.items()
                  for ln in (Line(acct, fid, amount), Line(bank.id, fid, -amount)))
    p = post(conn, org_id, [Entry(start, f"Gửi tiền có kỳ hạn HĐ {contract} ({ir.format_rate(rate)}/năm)", lines,
                                  doc_ref=contract, source="deposit")], user=user)[0]
    did = conn.execute(s.deposits.insert().values(
        org_id=org_id, account_id=acct, bank_account_id=bank.id, contract_no=contract, principal=principal,
        rate_ppm=rate, demand_rate_ppm=demand, start=start, maturity=end, term_months=inp.term_months,
        term_days=inp.term_days, pays=inp.pays, rollover=inp.rollover, rolled_from_id=rolled_from_id,
        created_by=user, created_at=now_iso())).inserted_primary_key[0]
    return {"id": did, "contract_no": contract, "account": account_code(contract), "maturity": end.isoformat(),
            "interest": ir.Deposit(principal, rate, start, end).interest(), "tx_id": p.tx_id}


def _deposit_parent(conn: Connection, org_id: int) -> str:
    a = s.accounts
    return conn.execute(sa.select(a.c.code).where(a.c.id == account_id_by_role(conn, org_id, "deposit"))).scalar()


@dataclass(frozen=True)
class DepositRow:
    """A deposit as it stands: ``principal`` is what is still on deposit (less early withdrawals),
    ``accrued`` what Quỹ accrued on it (accruals less the reversals of withdrawn parts), ``paid`` the
    monthly interest the bank paid (less what it took back on withdrawn parts), ``adjusted`` the
    differences booked to the bank's figures."""

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
    adjusted: int = 0
    brought_in_on: date | None = None

    @property
    def terms(self) -> ir.Deposit:
        return ir.Deposit(self.principal, self.rate_ppm, self.start, self.maturity)

    def booked_here(self, day: date) -> bool:
        """Whether Quỹ books this deposit's accrual or monthly payment due on ``day``: not when the deposit was
        brought in by an opening on or after that day (that interest came in with the opening)."""
        return self.brought_in_on is None or day > self.brought_in_on


def deposits(conn: Connection, org_id: int, *, ids: list[int] | None = None) -> list[DepositRow]:
    """The organization's deposits with what was accrued and paid on them, and when each was settled."""
    d, e = s.deposits, s.deposit_events

    def total(kind: str):
        return (sa.select(sa.func.coalesce(sa.func.sum(e.c.amount), 0))
                .where(e.c.deposit_id == d.c.id, e.c.kind == kind).scalar_subquery())

    settled = sa.select(sa.func.max(e.c.on)).where(e.c.deposit_id == d.c.id, e.c.kind == "settlement")
    monthly = d.c.pays == "monthly"
    # a withdrawal's reversal takes back accrued interest (at maturity) or interest paid (monthly)
    q = (sa.select(d.c.id, d.c.contract_no, d.c.account_id, d.c.bank_account_id,
                   (d.c.principal - total("withdrawal")).label("principal"), d.c.rate_ppm,
                   d.c.start, d.c.maturity, d.c.pays, d.c.rollover, settled.scalar_subquery().label("settled_on"),
                   (total("accrual") - sa.case((monthly, 0), else_=total("reversal"))).label("accrued"),
                   (total("payment") - sa.case((monthly, total("reversal")), else_=0)).label("paid"),
                   total("adjustment").label("adjusted"), d.c.brought_in_on)
         .where(d.c.org_id == org_id).order_by(d.c.maturity, d.c.id))
    if ids is not None:
        q = q.where(d.c.id.in_(ids))
    return [DepositRow(r[0], r[1], r[2], r[3], int(r.principal), *r[5:-4], int(r.accrued), int(r.paid),
                       int(r.adjusted), r.brought_in_on) for r in conn.execute(q)]  # PostgreSQL's sums are numeric


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
    take_turn(conn, org_id)  # what is booked already decides what is booked now: read under the lock
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
                if ("accrual", d) in done or not dep.booked_here(d):
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
                if ("payment", to) in done or not dep.booked_here(to):
                    continue
                events.append((dep.id, "payment", to, amount))
                if amount:
                    entries.append(_interest_entry(to, dep, _pieces(paid, paid + amount, funds, weights),
                                                   dep.bank_account_id, interest_id, "Lãi tiền gửi trả hằng tháng",
                                                   "deposit_payment"))
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


def _carried(conn: Connection, dep: DepositRow) -> dict[int, tuple[int, int]]:
    """Per fund, the interest carried into this deposit's history without an entry of its own (brought in
    by an opening, or handed over by a dissolution): (accrued, paid monthly before), each split by what each
    fund put into the deposit — the shares the opening (or the handover) split it by."""
    e = s.deposit_events
    carried = {k: int(v) for k, v in conn.execute(
        sa.select(e.c.kind, sa.func.sum(e.c.amount)).where(
            e.c.deposit_id == dep.id, e.c.kind.in_(("accrual", "payment")), e.c.tx_id.is_(None))
        .group_by(e.c.kind)) if v}
    if not carried:
        return {}
    put_in = {r.fund_id: int(r.debit) for r in balances.sums(conn, by=("fund_id",), account_ids=[dep.account_id],
                                                              signs=True) if r.debit}
    funds = sorted(put_in)
    weights = [put_in[f] for f in funds]
    accrued = split_by_shares(carried.get("accrual", 0), weights)
    paid = split_by_shares(carried.get("payment", 0), weights)
    return {f: (a, p) for f, a, p in zip(funds, accrued, paid, strict=True)}


def bring_in(conn: Connection, org_id: int, *, on: date, account_id: int, bank_account_id: int, contract: str,
             principal: int, rate_ppm: int, demand_rate_ppm: int, start: date, maturity: date,
             term_months: int | None, term_days: int | None, pays: str, rollover: str, accrued: int,
             paid_before: int, user: str) -> int:
    """Record a deposit an opening on ``on`` brought in (its entry, posted by ``ledger/opening.py``, holds the
    principal on ``account_id`` and ``accrued`` in 1381): the deposit with its own start, maturity and terms,
    and the history carried in — the interest accrued until ``on`` (a deposit paying at maturity) or paid
    monthly before it (``paid_before``), one event without an entry. Returns the deposit's id."""
    did = conn.execute(s.deposits.insert().values(
        org_id=org_id, account_id=account_id, bank_account_id=bank_account_id, contract_no=contract,
        principal=principal, rate_ppm=rate_ppm, demand_rate_ppm=demand_rate_ppm, start=start, maturity=maturity,
        term_months=term_months, term_days=term_days, pays=pays, rollover=rollover, brought_in_on=on,
        created_by=user, created_at=now_iso())).inserted_primary_key[0]
    kind, amount = ("payment", paid_before) if pays == "monthly" else ("accrual", accrued)
    conn.execute(s.deposit_events.insert().values(deposit_id=did, kind=kind, on=on, amount=amount, tx_id=None,
                                                  created_at=now_iso()))
    return did


def _pieces(before: int, after: int, funds: list[int], weights: list[int]) -> dict[int, int]:
    """Each fund's piece of the interest booked between cumulative totals ``before`` and ``after``: the
    difference of the two totals split by the funds' shares. Splitting the running total, not each amount,
    keeps every fund within 1 đ of its exact share however many months are booked (no fund collects
    every rounding đồng)."""
    lo = split_by_shares(before, weights) if before else [0] * len(funds)
    hi = split_by_shares(after, weights)
    return {f: h - low for f, h, low in zip(funds, hi, lo, strict=True)}


def _interest_entry(on: date, dep: DepositRow, pieces: dict[int, int], debit: int, credit: int,
                    what: str, source: str = "deposit_interest") -> Entry:
    lines = tuple(ln for f, piece in sorted(pieces.items()) if piece
                  for ln in (Line(debit, f, piece), Line(credit, f, -piece)))
    return Entry(on, f"{what} HĐ {dep.contract_no} tháng {on.month:02d}/{on.year}", lines, doc_ref=dep.contract_no,
                 source=source)


def settle(conn: Connection, org_id: int, deposit_id: int, *, user: str, on: date | None = None,
           new_rate: Any = None, bank_interest: Any = None, reference: str = "") -> dict:
    """Settle a deposit at maturity: the bank pays back the principal and the interest; what was accrued
    leaves 1381 and the rest of the term's interest is income now. When the bank's figure for the whole
    term's interest (``bank_interest``, with its document in ``reference``) differs from Quỹ's, the bank's
    figure wins: the difference is booked as an entry of its own ("Chênh lệch lãi theo ngân hàng", 1381
    against interest income, source ``deposit_adjustment``) just before the settlement, the same day, and
    recorded as an adjustment, so reports list it as adjusted, not as paid by the bank; the settlement
    entry then receives all the bank pays (one bank line, one entry). Then, per its
    rollover policy, the principal (or principal and interest) goes into a new deposit for the same term
    (at ``new_rate``, else the same rate). Accruals still due are booked first, so nothing is counted twice
    or missed."""
    take_turn(conn, org_id)  # two settlements of one deposit cannot both see it open
    found = deposits(conn, org_id, ids=[deposit_id])
    if not found:
        raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
    dep = found[0]
    if dep.settled_on is not None:
        raise Conflict(f"deposit {dep.contract_no} was settled on {dep.settled_on.isoformat()}",
                       reason="already_settled")
    on = check_business_date(on or dep.maturity)
    if on < dep.maturity:
        raise InvalidInput("a deposit is settled at or after its maturity (an early withdrawal is another "
                           "thing)", field="date", reason="before_maturity")
    accrue(conn, org_id, through=dep.maturity, user=user, ids=[deposit_id])
    dep = deposits(conn, org_id, ids=[deposit_id])[0]
    terms = dep.terms
    # Quỹ's figure for the whole term, with the differences already booked to the bank's figures
    total = (sum(a for _, a in ir.monthly_payments(terms)) if dep.pays == "monthly" else terms.interest()) \
        + dep.adjusted
    rest = total - dep.adjusted - dep.accrued - dep.paid
    shares = _balances(conn, dep.account_id)
    funds = sorted(shares)
    receivable_id = account_id_by_role(conn, org_id, "interest_receivable")
    interest_id = account_id_by_role(conn, org_id, "interest_income")
    e = s.deposit_events
    booked_txs = [r[0] for r in conn.execute(sa.select(e.c.tx_id).where(
        e.c.deposit_id == deposit_id, e.c.kind.in_(("accrual", "payment", "reversal", "adjustment")),
        e.c.tx_id.is_not(None)))]
    accrued_by_fund: dict[int, int] = {}  # still in 1381, per fund
    recognised: dict[int, int] = {}  # interest income booked so far, per fund
    if booked_txs:
        for r in balances.sums(conn, by=("account_id", "fund_id"), tx_ids=booked_txs,
                               account_ids=(receivable_id, interest_id)):
            if r[0] == receivable_id:
                accrued_by_fund[r[1]] = int(r[2])
            else:
                recognised[r[1]] = -int(r[2])
    # history carried in (an opening, a handover): accrued interest that sits in 1381 and monthly interest the
    # bank paid before; neither was income here, so the settlement takes the one out of 1381 and books neither
    for f, (accrued_before, paid_before) in _carried(conn, dep).items():
        accrued_by_fund[f] = accrued_by_fund.get(f, 0) + accrued_before
        recognised[f] = recognised.get(f, 0) + accrued_before + paid_before
    diff = 0
    if bank_interest is not None:
        diff = parse_amount(bank_interest, field="bank_interest", allow_zero=True) - total
        if total + diff < dep.accrued + dep.paid + dep.adjusted:  # the bank cannot take back what was booked
            raise InvalidInput("the bank's figure is below what was already booked", field="bank_interest",
                               reason="below_booked")
    # each fund ends with its exact share of the whole term's interest (the bank's figure, when given): Quỹ's
    # figure by the settlement, the bank's difference by an adjustment of its own
    weights = [shares[f] for f in funds]
    final = dict(zip(funds, split_by_shares(total, weights), strict=True))
    stub = {f: final[f] - recognised.get(f, 0) for f in funds}
    at_bank = dict(zip(funds, split_by_shares(total + diff, weights), strict=True)) if diff else final
    extra = {f: at_bank[f] - final[f] for f in funds}
    # The bank's figure wins: the difference is an entry of its own, named as such (never hidden in what the
    # bank paid), making the bank's extra receivable (1381) against interest income; the settlement then
    # receives everything the bank pays in one entry, as the bank statement shows it.
    lines: list[Line] = []
    for f in funds:
        receivable = accrued_by_fund.get(f, 0) + extra[f]
        lines.append(Line(dep.bank_account_id, f, shares[f] + receivable + stub[f]))
        lines.append(Line(dep.account_id, f, -shares[f]))
        if receivable:
            lines.append(Line(receivable_id, f, -receivable))
        if stub[f]:
            lines.append(Line(interest_id, f, -stub[f]))
    doc_ref = (reference or dep.contract_no)[:80]
    entries = [Entry(on, f"{ADJUSTMENT_LABEL} HĐ {dep.contract_no} ({diff:+d} đ)", tuple(
        ln for f in funds if extra[f] for ln in (Line(receivable_id, f, extra[f]), Line(interest_id, f, -extra[f]))),
        doc_ref=doc_ref, source="deposit_adjustment")] if diff else []
    entries.append(Entry(on, f"Tất toán tiền gửi HĐ {dep.contract_no}", tuple(ln for ln in lines if ln.amount),
                         doc_ref=doc_ref, source="deposit_settlement"))
    posted = post(conn, org_id, entries, user=user)
    settled = posted[-1]
    conn.execute(e.insert(), [{"deposit_id": deposit_id, "kind": k, "on": on, "amount": a, "tx_id": p_.tx_id,
                               "created_at": now_iso()}
                              for k, a, p_ in (("settlement", rest, posted[-1]), ("adjustment", diff, posted[0]))
                              if k == "settlement" or a])
    result = {"id": deposit_id, "contract_no": dep.contract_no, "principal": dep.principal,
              "interest": total + diff, "at_settlement": rest + diff, "adjustment": diff,
              "tx_id": settled.tx_id, "rolled_into": None}
    if dep.rollover != "none":
        again = {f: shares[f] + (accrued_by_fund.get(f, 0) + stub[f] + extra[f]
                                 if dep.rollover == "principal_interest" else 0) for f in funds}
        d = s.deposits
        original = conn.execute(sa.select(d.c.term_months, d.c.term_days, d.c.demand_rate_ppm)
                                .where(d.c.id == deposit_id)).one()
        codes = dict(conn.execute(sa.select(s.funds.c.id, s.funds.c.code).where(s.funds.c.id.in_(funds))).all())
        bank_code = conn.execute(sa.select(s.accounts.c.code).where(s.accounts.c.id == dep.bank_account_id)).scalar()
        k = 1 + conn.execute(sa.select(sa.func.count()).where(s.deposits.c.org_id == org_id,
                                                               s.deposits.c.contract_no.like(f"{dep.contract_no}/TT%"))).scalar()
        nxt = open_deposit(conn, org_id, DepositInput(
            contract_no=f"{dep.contract_no}/TT{k}", bank_account=bank_code, principal=sum(again.values()),
            rate=new_rate if new_rate not in (None, "") else ir.Rate(dep.rate_ppm), start=on,
            shares={codes[f]: v for f, v in again.items()}, term_months=original.term_months,
            term_days=original.term_days, pays=dep.pays, rollover=dep.rollover,
            demand_rate=ir.Rate(original.demand_rate_ppm or 0)),
            user=user, rolled_from_id=deposit_id)
        result["rolled_into"] = nxt
    return result


def withdraw(conn: Connection, org_id: int, deposit_id: int, *, on: Any, amount: Any, user: str) -> dict:
    """Withdraw all or part of a deposit before maturity. The withdrawn part earns the demand rate for the
    days it was held. What it earned at the term rate is taken back: for a deposit paying at maturity the
    accrual on it is reversed (1381 back against 515); for one paying monthly the bank deducts the interest
    it already paid on that part from what it pays out. The rest stays on deposit at the term rate.
    Withdrawing everything closes the deposit."""
    on, amount = business_date(on), parse_amount(amount)
    take_turn(conn, org_id)
    found = deposits(conn, org_id, ids=[deposit_id])
    if not found:
        raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
    if found[0].settled_on is not None:
        raise Conflict(f"deposit {found[0].contract_no} is closed", reason="already_settled")
    e = s.deposit_events
    last = conn.execute(sa.select(sa.func.max(e.c.on)).where(e.c.deposit_id == deposit_id,
                                                             e.c.kind == "withdrawal")).scalar()
    if last is not None and on <= (date.fromisoformat(last) if isinstance(last, str) else last):
        raise Conflict(f"deposit {found[0].contract_no} was last withdrawn from on {last}: a withdrawal comes after "
                       "it, one a day", reason="withdrawal_order", last=str(last))
    accrue(conn, org_id, through=on - timedelta(days=1), user=user, ids=[deposit_id])  # months before it
    dep = deposits(conn, org_id, ids=[deposit_id])[0]
    monthly = dep.pays == "monthly"
    demand = conn.execute(sa.select(s.deposits.c.demand_rate_ppm).where(s.deposits.c.id == deposit_id)).scalar()
    w = ir.early_withdrawal(dep.terms, on=on, amount=amount, demand_rate_ppm=demand or 1,
                            accrued=dep.paid if monthly else dep.accrued)
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
    if w.accrued_on_withdrawn:  # the term-rate interest on the withdrawn part, taken back first
        taken_from = dep.bank_account_id if monthly else receivable_id
        what = ("Ngân hàng thu lại lãi đã trả hằng tháng trên phần rút trước hạn" if monthly
                else "Đảo dự thu lãi phần rút trước hạn")
        entries.append(Entry(on, f"{what} HĐ {dep.contract_no}", tuple(
            ln for f in funds if back[f] for ln in (Line(interest_id, f, back[f]), Line(taken_from, f, -back[f]))),
            doc_ref=dep.contract_no, source="deposit_withdrawal" if monthly else "deposit_reversal"))
    lines = []
    for f in funds:
        lines.append(Line(dep.bank_account_id, f, out[f] + paid[f]))
        lines.append(Line(dep.account_id, f, -out[f]))
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


def adjust(conn: Connection, org_id: int, deposit_id: int, *, on: Any, amount: Any, reference: str,
           user: str) -> dict:
    """Book the difference between the bank's figure and Quỹ's during the term, with the bank's document
    (``reference``): ``amount`` đồng more (positive) or less (negative) interest than Quỹ computed. For a
    deposit paying at maturity it changes what is receivable (1381); for one paying monthly, what the bank
    paid (1121). Either way against interest income (515), split by the funds' shares. Settlement counts
    it, so the fund's interest for the term ends equal to the bank's."""
    take_turn(conn, org_id)  # what was booked on it decides: no other writer of the organization meanwhile
    found = deposits(conn, org_id, ids=[deposit_id])
    if not found:
        raise NotFound(f"deposit {deposit_id} not found", entity="deposit", id=deposit_id)
    dep = found[0]
    if dep.settled_on is not None:
        raise Conflict(f"deposit {dep.contract_no} is closed", reason="already_settled")
    on = business_date(on)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise InvalidInput("an adjustment is a whole number of đồng, more (+) or less (−) than Quỹ's figure, "
                           "not zero", field="amount", reason="not_whole_dong")
    if abs(amount) > dep.principal:
        raise InvalidInput("an adjustment cannot exceed the principal", field="amount", reason="adjustment_too_large")
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("an adjustment is booked with the bank's document (its number or date)",
                           field="reference", reason="required")
    if not dep.start < on < dep.maturity:
        raise InvalidInput("a mid-term adjustment falls within the term (at maturity, settle with the bank's "
                           "figure)", field="date", reason="outside_term")
    if conn.execute(sa.select(s.deposit_events.c.id).where(
            s.deposit_events.c.deposit_id == deposit_id, s.deposit_events.c.kind == "adjustment",
            s.deposit_events.c.on == on)).first():
        raise Conflict(f"deposit {dep.contract_no} already has an adjustment on {on.isoformat()}",
                       reason="already_adjusted")
    booked = dep.paid if dep.pays == "monthly" else dep.accrued
    if booked + dep.adjusted + amount < 0:
        raise InvalidInput("the adjustment takes back more interest than was booked", field="amount",
                           reason="below_booked")
    shares = _balances(conn, dep.account_id)
    funds = sorted(shares)
    pieces = dict(zip(funds, split_by_shares(abs(amount), [shares[f] for f in funds]), strict=True))
    sign = 1 if amount > 0 else -1
    debit = dep.bank_account_id if dep.pays == "monthly" else account_id_by_role(conn, org_id, "interest_receivable")
    interest_id = account_id_by_role(conn, org_id, "interest_income")
    lines = tuple(ln for f in funds if pieces[f]
                  for ln in (Line(debit, f, sign * pieces[f]), Line(interest_id, f, -sign * pieces[f])))
    posted = post(conn, org_id, [Entry(on, f"{ADJUSTMENT_LABEL} HĐ {dep.contract_no} ({amount:+d} đ)", lines,
                                       doc_ref=reference[:80], source="deposit_adjustment")], user=user)[0]
    conn.execute(s.deposit_events.insert().values(deposit_id=deposit_id, kind="adjustment", on=on, amount=amount,
                                                  tx_id=posted.tx_id, created_at=now_iso()))
    return {"id": deposit_id, "contract_no": dep.contract_no, "adjustment": amount, "reference": reference,
            "tx_id": posted.tx_id}


def deposit_id_by_contract(conn: Connection, org_id: int, contract: str) -> int:
    did = conn.execute(sa.select(s.deposits.c.id).where(s.deposits.c.org_id == org_id,
                                                        s.deposits.c.contract_no == contract.strip())).scalar()
    if did is None:
        raise NotFound(f"deposit {contract!r} not found", entity="deposit", code=contract)
    return did


# ------------------------------------------------------------------ reports


@dataclass(frozen=True)
class RegisterRow:
    """One line of the deposit register as of a day."""

    id: int
    contract_no: str
    bank: str
    bank_account: str
    # on deposit that day (the opening principal less withdrawals until then)
    principal: int = described("on deposit that day")
    rate_ppm: int = described("the rate in parts per million")
    start: date
    maturity: date
    pays: str
    rollover: str
    state: str = described("open, matured (to settle) or closed")
    # interest earned from the start through that day at the term rate (to maturity at most);
    # once settled, the settled figure (the bank's, when it differed)
    earned: int = described("interest earned through that day")
    # interest booked as receivable for it (1381) through that day
    accrued: int = described("booked as receivable (1381)")
    # the whole term's interest on what is on deposit: at the term rate plus the differences
    # booked to the bank's figures; once settled, the settled figure
    interest: int = described("the whole term's interest; once settled, the settled figure (the bank's)")
    owners: tuple[tuple[str, int], ...]  # fund code → its part of the principal
    rolled_from: str | None = None
    # differences booked to the bank's figures through that day ("Chênh lệch lãi theo ngân hàng")
    adjusted: int = described("differences booked to the bank's figures (Chênh lệch lãi theo ngân hàng)", default=0)

    @property
    def days_left(self) -> int:
        return (self.maturity - clock_today()).days


def register(conn: Connection, org_id: int, as_of: date, *, ids: list[int] | None = None) -> list[RegisterRow]:
    """The deposit register as of the end of ``as_of``: every deposit opened by then (or those of
    ``ids``), with its bank, terms, state, what it had earned and what was accrued for it, and the funds
    that own it."""
    d, e, a, f = s.deposits, s.deposit_events, s.accounts, s.funds
    bank = a.alias("bank")
    rows = conn.execute(
        sa.select(d.c.id, d.c.contract_no, d.c.account_id, bank.c.bank_name, bank.c.name, bank.c.code, d.c.principal,
                  d.c.rate_ppm, d.c.start, d.c.maturity, d.c.pays, d.c.rollover, d.c.rolled_from_id)
        .join(bank, bank.c.id == d.c.bank_account_id)
        .where(d.c.org_id == org_id, d.c.start <= as_of,
               sa.or_(d.c.brought_in_on.is_(None), d.c.brought_in_on <= as_of),  # in these books from then
               *([d.c.id.in_(ids)] if ids is not None else []))
        .order_by(d.c.maturity, d.c.contract_no)).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    sums: dict[tuple[int, str], int] = {}
    closed: set[int] = set()
    for r in conn.execute(sa.select(e.c.deposit_id, e.c.kind, sa.func.sum(e.c.amount))
                          .where(e.c.deposit_id.in_(ids), e.c.on <= as_of).group_by(e.c.deposit_id, e.c.kind)):
        sums[(r[0], r[1])] = int(r[2])
        if r[1] == "settlement":
            closed.add(r[0])
    held: dict[int, dict[str, int]] = {}
    opened: dict[int, dict[str, int]] = {}
    fund_code = dict(conn.execute(sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id)).all())
    for r in balances.sums(conn, by=("account_id", "fund_id"), account_ids=[r.account_id for r in rows], end=as_of,
                           written=True, signs=True):
        if r.amount:
            held.setdefault(r.account_id, {})[fund_code[r.fund_id]] = r.amount
        opened.setdefault(r.account_id, {})[fund_code[r.fund_id]] = r.debit
    contract_of = {r.id: r.contract_no for r in rows}
    out = []
    for r in rows:
        principal = r.principal - sums.get((r.id, "withdrawal"), 0)
        state = "closed" if r.id in closed else ("matured" if r.maturity <= as_of else "open")
        terms = ir.Deposit(principal or r.principal, r.rate_ppm, r.start, r.maturity)
        owners = held.get(r.account_id) or opened.get(r.account_id, {})
        accrued = (sums.get((r.id, "accrual"), 0) - (0 if r.pays == "monthly" else sums.get((r.id, "reversal"), 0))
                   if state != "closed" else 0)
        adjusted = sums.get((r.id, "adjustment"), 0)
        earned = terms.accrued_through(as_of) if principal else 0
        whole = terms.interest() + adjusted if principal else 0
        if state == "closed" and principal:  # settled at maturity: what was booked is the figure, not the formula
            earned = whole = sum(sums.get((r.id, k), 0) for k in ("accrual", "payment", "settlement", "adjustment")) \
                - sums.get((r.id, "reversal"), 0)
        out.append(RegisterRow(
            r.id, r.contract_no, r.bank_name or r.name, r.code, principal, r.rate_ppm, r.start, r.maturity, r.pays,
            r.rollover, state, earned, accrued, whole, tuple(sorted(owners.items())),
            contract_of.get(r.rolled_from_id) if r.rolled_from_id else None, adjusted))
    return out


@dataclass(frozen=True)
class InterestRow:
    fund: str
    fund_name: str
    # month-end accruals (less reversals of withdrawn parts)
    accrued: int = described("month-end accruals less reversals")
    # booked when the bank paid: monthly payments, settlement stubs, demand interest
    received: int = described("paid by the bank (monthly, at maturity, demand interest), less what it took back")
    adjusted: int = described("the bank's figures booked during a term")  # differences booked to the bank's figures
    total: int


def interest_earned(conn: Connection, org_id: int, start: date, end: date) -> list[InterestRow]:
    """Deposit interest recognised per fund from ``start`` to ``end`` (both included): the interest
    income (515) booked by accruals, payments, settlements, withdrawals and adjustments."""
    if end < start:
        raise InvalidInput("the period ends before it starts", field="to", reason="bad_period")
    f = s.funds
    interest_id = account_id_by_role(conn, org_id, "interest_income")
    names = {r.id: (r.code, r.name) for r in conn.execute(sa.select(f.c.id, f.c.code, f.c.name)
                                                          .where(f.c.org_id == org_id))}
    per: dict[str, dict] = {}
    for r in sorted(balances.sums(conn, by=("fund_id", "source"), org_ids=[org_id], account_ids=[interest_id],
                                  start=start, end=end), key=lambda r: names[r.fund_id][0]):
        code, name = names[r.fund_id]
        k = ("accrued" if r.source in ("deposit_interest", "deposit_reversal")
             else "adjusted" if r.source == "deposit_adjustment" else "received")
        row = per.setdefault(code, {"fund": code, "fund_name": name, "accrued": 0, "received": 0, "adjusted": 0})
        row[k] -= r.amount  # income carries credits
    # accrued: month-end accruals less those reversed on early withdrawals; received: what the bank paid
    # (monthly payments, settlements at Quỹ's figure, demand interest, less what it took back); adjusted:
    # the differences to the bank's figures ("Chênh lệch lãi theo ngân hàng"), during a term or at settlement
    return [InterestRow(**r, total=r["accrued"] + r["received"] + r["adjusted"]) for r in per.values()]


def maturing(conn: Connection, org_id: int, today: date, days: int = 30, *,
             rows: list[RegisterRow] | None = None) -> list[RegisterRow]:
    """Deposits still open that mature within ``days`` days of ``today``, and those that matured and
    wait to be settled — what the treasurer's dashboard lists. ``rows``: the register as of ``today``, when
    the caller has it already."""
    horizon = today + timedelta(days=days)
    rows = register(conn, org_id, today) if rows is None else rows
    return [r for r in rows if r.state != "closed" and r.maturity <= horizon]


def totals(rows: list[RegisterRow]) -> dict:
    """The register's totals: on deposit (open and matured-unsettled), per fund, and interest earned."""
    per_fund: dict[str, int] = {}
    for r in rows:
        if r.state != "closed":
            for code, amount in r.owners:
                per_fund[code] = per_fund.get(code, 0) + amount
    live = [r for r in rows if r.state != "closed"]
    return {"count": len(live), "principal": sum(r.principal for r in live), "per_fund": per_fund,
            "earned": sum(r.earned for r in live), "accrued": sum(r.accrued for r in live)}


@dataclass(frozen=True)
class BankAccount:
    """A bank account (a sub-account of 1121) with the funds that own money in it and the deposits
    opened from it that are still running."""

    code: str
    name: str
    bank_name: str | None
    bank_bin: str | None
    account_no: str | None
    balance: int
    funds: tuple[tuple[str, int], ...] = described("who owns the money")
    deposits: int = described("term deposits opened from it, running")
    on_deposit: int


def bank_accounts(conn: Connection, org_id: int, as_of: date | None = None) -> list[BankAccount]:
    """Every bank account of the organization with its balance per fund (as of ``as_of``, default now)."""
    a = s.accounts
    banks = conn.execute(sa.select(a.c.id, a.c.code, a.c.name, a.c.bank_name, a.c.bank_bin, a.c.bank_account_no)
                         .where(a.c.org_id == org_id, a.c.role == "bank", a.c.parent_id.is_not(None))
                         .order_by(a.c.code)).all()
    per: dict[int, list[tuple[str, int]]] = {}
    for r in balances.account_balances(conn, org_id, as_of):
        per.setdefault(r.account_id, []).append((r.fund_code, r.amount))
    running: dict[str, list[int]] = {}
    for r in register(conn, org_id, as_of or clock_today()):
        if r.state != "closed":
            running.setdefault(r.bank_account, []).append(r.principal)
    return [BankAccount(b.code, b.name, b.bank_name, b.bank_bin, b.bank_account_no,
                        sum(v for _, v in per.get(b.id, [])), tuple(per.get(b.id, [])),
                        len(running.get(b.code, [])), sum(running.get(b.code, [])))
            for b in banks]
