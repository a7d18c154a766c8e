"""The books as beancount: a streamed export of one organization or a subtree, for a period or all time.

The file opens with the organizations and funds (``custom`` directives), then an ``open`` directive for
every account used — one beancount account per (organization, fund, account), named as
``books/names.py`` explains, with the exact Quỹ codes in its metadata — then, per organization in
journal order, one transaction per journal transaction with its metadata (sequence number, source,
document number, who and when, the transaction it reverses, donor / recipient / batch / deposit /
decision references and the chain hash) and every posting with its fund qualified by its organization
(posting metadata ``fund: "SLA:TOHIEU"``: a deposit shared by two funds, or a subtree whose units all
have a fund ``KH``, keeps each fund apart, so beancount's own tools can sum a fund's postings), and ends
with a ``balance`` assertion for every opened
account the day after the period. A period export starts each organization with one opening
transaction carrying every balance of the day before the period; it balances per fund, because every
journal transaction does.

The journal is read a chunk of transactions at a time, so memory depends on the number of accounts,
not on the number of postings. Nothing here depends on the time of export: the same books give the
same text, which is what makes export → import → export comparable.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import schema as s
from ledger.balances import account_fund_amounts
from ledger.clock import parse_date
from ledger.errors import InvalidInput, NotFound

from .names import Namer, code_path

CURRENCY = "VND"
CHUNK = 5000
#: metadata a transaction's own row provides, in the order it is written
TX_KEYS = ("seq", "source", "doc", "user", "at", "reverses", "hash")


def quote(text: str) -> str:
    """Return ``text`` as a beancount string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _meta(key: str, value) -> str:
    if isinstance(value, bool):
        return f"  {key}: {'TRUE' if value else 'FALSE'}\n"
    if isinstance(value, int):
        return f"  {key}: {value}\n"
    return f"  {key}: {quote(str(value))}\n"


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, start=None, end=None) -> Period:
        p = cls(parse_date(start, field="from") if start else None, parse_date(end, field="to") if end else None)
        for d, fld in ((p.start, "from"), (p.end, "to")):
            if d is not None and not date(1900, 1, 1) <= d <= date(9998, 12, 31):
                raise InvalidInput("a period lies between 1900 and 9998", field=fld, reason="out_of_range")
        if p.start and p.end and p.end < p.start:
            raise InvalidInput("the period ends before it starts", field="to", reason="period_reversed")
        return p

    def bounds(self, column) -> list:
        """The conditions that keep ``column`` (a date column) within the period; none for an open end."""
        return [*([column >= self.start] if self.start else []), *([column <= self.end] if self.end else [])]


ALL_TIME = Period()


@dataclass
class _Org:
    id: int
    code: str
    name: str
    level: str
    address: str
    parent: str | None


def _orgs(conn: Connection, org_ids: Iterable[int]) -> list[_Org]:
    o, par = s.organizations, s.organizations.alias("parent")
    rows = conn.execute(
        sa.select(o.c.id, o.c.code, o.c.name, o.c.level, o.c.address, par.c.code.label("parent"))
        .outerjoin(par, par.c.id == o.c.parent_id).where(o.c.id.in_(list(org_ids))).order_by(o.c.code)
    ).all()
    return [_Org(*r) for r in rows]


class _Chart:
    """Accounts and funds of the exported organizations, with their beancount names."""

    def __init__(self, conn: Connection, orgs: list[_Org]) -> None:
        ids = [o.id for o in orgs]
        self.org_code = {o.id: o.code for o in orgs}
        a, f = s.accounts, s.funds
        self.accounts = {r.id: r for r in conn.execute(sa.select(a).where(a.c.org_id.in_(ids)).order_by(a.c.code))}
        self.funds = {r.id: r for r in conn.execute(sa.select(f).where(f.c.org_id.in_(ids))
                                                    .order_by(f.c.org_id, f.c.code))}
        self._paths: dict[int, tuple[str, ...]] = {}
        self.namer = Namer()

    def path(self, account_id: int) -> tuple[str, ...]:
        if account_id not in self._paths:
            acct = self.accounts[account_id]
            parent = self.accounts.get(acct.parent_id) if acct.parent_id else None
            self._paths[account_id] = code_path(
                acct.code, self.path(parent.id) if parent else None, parent.code if parent else None)
        return self._paths[account_id]

    def fund_of(self, fund_id: int) -> str:
        fund = self.funds[fund_id]
        return qualified_fund(self.org_code[fund.org_id], fund.code)

    def name(self, account_id: int, fund_id: int) -> str:
        acct, fund = self.accounts[account_id], self.funds[fund_id]
        return self.namer.name((account_id, fund_id), acct.kind, self.org_code[acct.org_id], fund.code,
                               self.path(account_id))


def _used_pairs(conn: Connection, org_id: int, period: Period) -> list[tuple[int, int]]:
    p = s.postings
    q = sa.select(p.c.account_id, p.c.fund_id).where(p.c.org_id == org_id).distinct()
    if period.end:
        q = q.where(p.c.date <= period.end)
    return [(r.account_id, r.fund_id) for r in conn.execute(q)]


def _first_date(conn: Connection, org_ids: list[int], period: Period) -> date:
    if period.start:
        return period.start
    t = s.transactions
    q = sa.select(sa.func.min(t.c.date)).where(t.c.org_id.in_(org_ids))
    if period.end:
        q = q.where(t.c.date <= period.end)
    first = conn.execute(q).scalar()
    if isinstance(first, str):
        first = date.fromisoformat(first)
    return first or period.end or date.today()


def _last_date(conn: Connection, org_ids: list[int], period: Period) -> date:
    if period.end:
        return period.end
    t = s.transactions
    last = conn.execute(sa.select(sa.func.max(t.c.date)).where(t.c.org_id.in_(org_ids))).scalar()
    if isinstance(last, str):
        last = date.fromisoformat(last)
    return last or _first_date(conn, org_ids, period)


def _extras(conn: Connection, chunk: sa.Select, wanted: set[int]) -> tuple[dict[int, str], dict[int, dict]]:
    """Return the payee and the reference metadata of the transactions ``wanted`` (of the ``chunk``: a select of
    the ids of one organization's transactions from one sequence number to another).

    The chunk is a select, not a list of ids (a statement with 5,000 parameters costs more to build than to run)
    nor a range of ids (in books many organizations write at once, one organization's ids are spread over
    everyone's: a range reads every organization's rows): the index on (organization, sequence number) finds the
    chunk's transactions, and each table's index on the transaction id finds their rows."""
    payee: dict[int, str] = {}
    meta: dict[int, dict] = defaultdict(dict)
    d, dn = s.donations, s.donors
    for r in conn.execute(sa.select(d.c.tx_id, d.c.donor_id, dn.c.name).join(dn, dn.c.id == d.c.donor_id)
                          .where(d.c.tx_id.in_(chunk))):
        payee[r.tx_id] = r.name
        meta[r.tx_id]["donor"] = str(r.donor_id)
    b = s.batches
    for r in conn.execute(sa.select(b.c.id, b.c.approved_tx_id).where(b.c.approved_tx_id.in_(chunk))):
        meta[r.approved_tx_id]["batch"] = str(r.id)
    bl, rc = s.batch_lines, s.recipients
    for col in (bl.c.paid_tx_id, bl.c.cancel_tx_id):
        for r in conn.execute(sa.select(col.label("tx_id"), bl.c.batch_id, bl.c.recipient_id, rc.c.full_name)
                              .join(rc, rc.c.id == bl.c.recipient_id).where(col.in_(chunk))):
            payee[r.tx_id] = r.full_name
            meta[r.tx_id].update(batch=str(r.batch_id), recipient=str(r.recipient_id))
    de, dp = s.deposit_events, s.deposits
    for r in conn.execute(sa.select(de.c.tx_id, dp.c.contract_no).join(dp, dp.c.id == de.c.deposit_id)
                          .where(de.c.tx_id.in_(chunk))):
        meta[r.tx_id]["deposit"] = r.contract_no
    pd = s.principal_decisions
    for r in conn.execute(sa.select(pd.c.tx_id, pd.c.number).where(pd.c.tx_id.in_(chunk))):
        meta[r.tx_id]["decision"] = r.number
    x = s.tx_extras
    for r in conn.execute(sa.select(x.c.tx_id, x.c.payee, x.c.meta).where(x.c.tx_id.in_(chunk))):
        if r.payee:
            payee.setdefault(r.tx_id, r.payee)
        for k, v in json.loads(r.meta or "{}").items():
            meta[r.tx_id].setdefault(k, v)
    return ({k: v for k, v in payee.items() if k in wanted}, {k: v for k, v in meta.items() if k in wanted})


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _transactions(conn: Connection, org_id: int, period: Period) -> Iterator[tuple]:
    """Yield (transaction row, its postings, reversed seq, payee, extra metadata) in journal order."""
    t, p = s.transactions, s.postings
    cols = (t.c.id, t.c.seq, t.c.date, t.c.doc_ref, t.c.description, t.c.source, t.c.created_by, t.c.created_at,
            t.c.reverses_id, t.c.hash)
    last = 0
    while True:
        txs = conn.execute(sa.select(*cols).where(t.c.org_id == org_id, t.c.seq > last)
                           .order_by(t.c.seq).limit(CHUNK)).all()
        if not txs:
            return
        first, last = txs[0].seq, txs[-1].seq
        chunk = sa.select(t.c.id).where(t.c.org_id == org_id, t.c.seq.between(first, last))
        if period.start or period.end:
            txs = [r for r in txs if (not period.start or _as_date(r.date) >= period.start)
                   and (not period.end or _as_date(r.date) <= period.end)]
            if not txs:
                continue
        ids = {r.id for r in txs}
        lines: dict[int, list] = defaultdict(list)
        for tx_id, a, f, amount in conn.execute(
                sa.select(p.c.tx_id, p.c.account_id, p.c.fund_id, p.c.amount)
                .where(p.c.tx_id.in_(chunk), p.c.org_id == org_id).order_by(p.c.id)):
            lines[tx_id].append((a, f, amount))
        rev_ids = [r.reverses_id for r in txs if r.reverses_id]
        rev_seq = dict(conn.execute(sa.select(t.c.id, t.c.seq).where(t.c.id.in_(rev_ids))).all()) if rev_ids else {}
        payee, meta = _extras(conn, chunk, ids)
        for r in txs:
            yield r, lines[r.id], rev_seq.get(r.reverses_id), payee.get(r.id), meta.get(r.id, {})


def _posting(name: str, amount: int, fund: str) -> str:
    return f"  {name:<60} {amount:>20} {CURRENCY}\n    fund: {quote(fund)}\n"


def qualified_fund(org: str, fund: str) -> str:
    """The fund as every posting names it: ``"SLA:TOHIEU"``, so that a subtree's funds of one code stay apart."""
    return f"{org}:{fund}"


def export(conn: Connection, org_ids: list[int], period: Period = ALL_TIME) -> Iterator[str]:
    """Yield the beancount text of the organizations' books for the period, a piece at a time."""
    orgs = _orgs(conn, org_ids)
    if not orgs:
        raise NotFound("organization not found", entity="organization")
    ids = [o.id for o in orgs]
    chart = _Chart(conn, orgs)
    first, last = _first_date(conn, ids, period), _last_date(conn, ids, period)
    title = orgs[0].name if len(orgs) == 1 else f"{orgs[0].name} và các đơn vị trực thuộc"
    span = (f"{period.start.isoformat() if period.start else '…'} – {period.end.isoformat() if period.end else '…'}")
    yield f"; Quỹ — sổ kế toán / books of {', '.join(o.code for o in orgs)} ({span})\n"
    yield f'option "title" {quote(title)}\noption "operating_currency" "{CURRENCY}"\n\n'
    yield f"{first.isoformat()} commodity {CURRENCY}\n\n"
    for o in orgs:
        yield f'{first.isoformat()} custom "quy-organization" {quote(o.code)} {quote(o.name)}\n'
        yield _meta("level", o.level)
        if o.address:
            yield _meta("address", o.address)
        if o.parent:
            yield _meta("parent", o.parent)
    yield "\n"
    for f in chart.funds.values():
        yield (f'{first.isoformat()} custom "quy-fund" {quote(chart.org_code[f.org_id])} {quote(f.code)} '
               f'{quote(f.name)}\n')
        yield _meta("kind", f.kind)
        if f.purpose:
            yield _meta("purpose", f.purpose)
        yield _meta("may-pay-management", bool(f.may_pay_management))
        yield _meta("has-principal", bool(f.has_principal))
    yield "\n"

    pairs: dict[int, list[tuple[int, int]]] = {o.id: _used_pairs(conn, o.id, period) for o in orgs}
    opened: list[tuple[str, int, int]] = sorted(
        (chart.name(a, f), a, f) for o in orgs for a, f in pairs[o.id])
    for name, a, f in opened:
        acct = chart.accounts[a]
        parent = chart.accounts.get(acct.parent_id) if acct.parent_id else None
        yield f"{first.isoformat()} open {name} {CURRENCY}\n"
        yield _meta("org", chart.org_code[acct.org_id])
        yield _meta("fund", chart.funds[f].code)
        yield _meta("code", acct.code)
        yield _meta("name", acct.name)
        if acct.role:
            yield _meta("role", acct.role)
        if parent is not None:
            yield _meta("parent", parent.code)
        for key in ("bank_name", "bank_bin", "bank_account_no"):
            if getattr(acct, key):
                yield _meta(key.replace("_", "-"), getattr(acct, key))
    yield "\n"

    for o in orgs:
        if period.start:
            opening = account_fund_amounts(conn, [o.id], period.start - timedelta(days=1))
            if opening:
                yield (f'{period.start.isoformat()} * "Số dư đầu kỳ {o.code}"\n'
                       + _meta("source", "opening")
                       + "".join(_posting(chart.name(a, f), v, chart.fund_of(f)) for (a, f), v in sorted(
                           opening.items(), key=lambda kv: chart.name(*kv[0]))) + "\n")
        buf: list[str] = []
        names: dict[tuple[int, int], str] = {}
        funds_meta: dict[tuple[int, int], str] = {}
        for r, lines, rev_seq, payee, extra in _transactions(conn, o.id, period):
            day = r.date.isoformat() if isinstance(r.date, date) else r.date
            out = [f"{day} * {quote(payee)} {quote(r.description)}\n" if payee else f"{day} * {quote(r.description)}\n",
                   f"  seq: {r.seq}\n  source: {quote(r.source)}\n"]
            if r.doc_ref:
                out.append(f"  doc: {quote(r.doc_ref)}\n")
            out.append(f"  user: {quote(r.created_by)}\n  at: {quote(r.created_at)}\n")
            if rev_seq is not None:
                out.append(f"  reverses: {rev_seq}\n")
            out.append(f"  hash: \"{r.hash}\"\n")
            for k in sorted(extra):
                out.append(_meta(k, extra[k]))
            for a, f, amount in lines:
                name = names.get((a, f))
                if name is None:  # the account's name, padded, and the posting's fund (see module doc)
                    name = names[(a, f)] = f"  {chart.name(a, f):<60} "
                    funds_meta[(a, f)] = f" {CURRENCY}\n    fund: {quote(chart.fund_of(f))}\n"
                out.append(f"{name}{amount:>20}{funds_meta[(a, f)]}")
            out.append("\n")
            buf.append("".join(out))
            if len(buf) > 2000:
                yield "".join(buf)
                buf.clear()
        yield "".join(buf)

    # the balances the lines above add up to, from the one balance reader; an assertion on a parent
    # account counts its sub-accounts, as beancount does
    totals = account_fund_amounts(conn, [o.id for o in orgs], last)
    by_name = {name: totals.get((a, f), 0) for name, a, f in opened}
    with_children = dict(by_name)
    for name, amount in by_name.items():  # add each account's amount to every opened ancestor
        parts = name.split(":")
        for i in range(len(parts) - 1, 1, -1):
            ancestor = ":".join(parts[:i])
            if ancestor in with_children:
                with_children[ancestor] += amount
    check = (last + timedelta(days=1)).isoformat()
    for name in sorted(by_name):
        yield f"{check} balance {name:<60} {with_children[name]:>20} {CURRENCY}\n"


def write(conn: Connection, out: TextIO, org_ids: list[int], period: Period = ALL_TIME) -> int:
    """Write the export to ``out``; return the number of characters written."""
    n = 0
    for piece in export(conn, org_ids, period):
        out.write(piece)
        n += len(piece)
    return n
