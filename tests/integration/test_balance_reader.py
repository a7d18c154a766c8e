"""The one balance reader (``ledger/balances.py``) against the naive sums: random entries on random dates
in a province and a district beneath it, then each reader function must equal what Python sums from the
posting rows themselves — per account, per fund, per organization subtree, as of random dates and over
random periods, spendable and liquid by their definitions. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import balances as bal
from ledger import orgs
from ledger import schema as s
from ledger.errors import LedgerError
from ledger.journal import Entry, Line, post

FIRST = date(2024, 1, 1)
dates = st.integers(min_value=0, max_value=540).map(lambda n: FIRST + timedelta(days=n))
# (debit pick, credit pick, fund pick, amount, date, which organization)
entries = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6),
                             st.integers(min_value=1, max_value=10**9), dates, st.integers(0, 1)),
                   min_size=1, max_size=8)


@pytest.fixture
def two_orgs(db):
    """A province with two funds and a district beneath it with one: ([org ids], {org: ([accounts], [funds])})."""
    with db.begin() as c:
        top = orgs.create_organization(c, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
        orgs.create_fund(c, top, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship", has_principal=True)
        orgs.create_fund(c, top, code="KHT", name="Quỹ Khuyến học tỉnh", kind="general")
        orgs.add_bank_account(c, top, code="1121.BIDV", bank_name="BIDV Sơn La", account_no="62010000123456",
                              bin="970418")
        low = orgs.create_organization(c, code="TCH", name="Hội Khuyến học huyện Thuận Châu", level="district",
                                       parent_code="SLA")
        orgs.create_fund(c, low, code="KHH", name="Quỹ Khuyến học huyện", kind="general")
        chart = {}
        for oid in (top, low):
            accts = list(c.execute(sa.select(s.accounts.c.id).where(s.accounts.c.org_id == oid)
                                   .order_by(s.accounts.c.id)).scalars())
            funds = list(c.execute(sa.select(s.funds.c.id).where(s.funds.c.org_id == oid)
                                   .order_by(s.funds.c.id)).scalars())
            chart[oid] = (accts, funds)
    return db, [top, low], chart


def _rows(c):
    """Every posting as (org, date, account, fund, tx, amount), and every account's (kind, role)."""
    p = s.postings
    rows = [(r.org_id, r.date if isinstance(r.date, date) else date.fromisoformat(str(r.date)), r.account_id,
             r.fund_id, r.tx_id, int(r.amount))
            for r in c.execute(sa.select(p.c.org_id, p.c.date, p.c.account_id, p.c.fund_id, p.c.tx_id, p.c.amount))]
    kinds = {r.id: (r.kind, r.role) for r in c.execute(sa.select(s.accounts.c.id, s.accounts.c.kind,
                                                                 s.accounts.c.role))}
    return rows, kinds


def _naive_pairs(rows, org_ids, as_of=None):
    out = defaultdict(int)
    for o, d, a, f, _tx, v in rows:
        if o in org_ids and (as_of is None or d <= as_of):
            out[(a, f)] += v
    return {k: v for k, v in out.items() if v}


def _naive_fund(pairs, kinds, fund_id):
    """The definition of a fund's figures (``ledger/balances.py``'s docstring), written out again."""
    held = {k: v for k, v in pairs.items() if k[1] == fund_id}
    of = lambda pred: sum(v for (a, _f), v in held.items() if pred(*kinds[a]))  # noqa: E731
    holdings = of(lambda k, r: k == "asset")
    liabilities = -of(lambda k, r: k == "liability" and r != "awards_payable")
    principal = -of(lambda k, r: r == "principal")
    reserved = -of(lambda k, r: r == "awards_payable")
    non_cash = of(lambda k, r: k == "asset" and r in ("pledge_receivable", "goods"))
    locked = of(lambda k, r: k == "asset" and r in ("deposit", "interest_receivable"))
    balance = holdings - liabilities
    not_liquid = max(0, locked - max(principal, 0))
    return balance, principal, reserved, balance - principal - reserved - non_cash - not_liquid


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(batch=entries, as_of=dates, start=dates, length=st.integers(0, 200))
def test_every_reader_equals_the_naive_sum(two_orgs, batch, as_of, start, length):
    db, org_ids, chart = two_orgs
    for d_pick, c_pick, f_pick, amount, on, which in batch:
        oid = org_ids[which]
        accts, funds = chart[oid]
        a, b, f = accts[d_pick % len(accts)], accts[c_pick % len(accts)], funds[f_pick % len(funds)]
        try:
            with db.begin() as c:
                post(c, oid, [Entry(on, "thử", (Line(a, f, amount), Line(b, f, -amount)))], user="test")
        except LedgerError:
            pass  # refused (a fund or a cash account would go below zero): nothing written
    end = start + timedelta(days=length)
    top = org_ids[0]
    with db.read() as c:
        rows, kinds = _rows(c)
        # account × fund: cached now, and as of a date; an organization alone and its subtree
        assert bal.cached(c, org_ids=[top], nonzero=True) == _naive_pairs(rows, {top})
        assert sorted(bal.subtree(c, top)) == sorted(org_ids)
        for ids in ([top], [org_ids[1]], bal.subtree(c, top)):
            assert bal.account_fund_amounts(c, ids, as_of) == _naive_pairs(rows, set(ids), as_of)
            assert bal.account_fund_amounts(c, ids) == _naive_pairs(rows, set(ids))
            # funds: balance, principal, reserved, spendable
            pairs = _naive_pairs(rows, set(ids), as_of)
            for fr in bal.fund_balances(c, ids, as_of):
                fig = fr.figures
                want_fig = _naive_fund(pairs, kinds, fr.fund_id)
                assert (fig.balance, fig.principal, fig.reserved, fig.spendable) == want_fig
            # liquid: cash and bank accounts, all funds together
            liquid = defaultdict(int)
            for (a, _f), v in pairs.items():
                if kinds[a][1] in bal.LIQUID_ROLES:
                    liquid[a] += v
            assert bal.liquid_balances(c, ids, as_of) == {a: v for a, v in liquid.items() if v}
            # over a period: opening, debits, credits, closing
            moves = bal.movements(c, ids, start=start, end=end)
            before, after = _naive_pairs(rows, set(ids), start - timedelta(days=1)), _naive_pairs(rows, set(ids), end)
            debit, credit = defaultdict(int), defaultdict(int)
            for o, d, a, f, _tx, v in rows:
                if o in ids and start <= d <= end:
                    (debit if v > 0 else credit)[(a, f)] += abs(v)
            for k in before.keys() | after.keys() | debit.keys() | credit.keys():
                want = bal.Movement(before.get(k, 0), debit[k], credit[k], after.get(k, 0))
                assert moves.get(k, bal.Movement(0, 0, 0, 0)) == want
            # grouped sums and totals over a period
            got = {(r.account_id, r.fund_id): (r.amount, r.debit, r.credit)
                   for r in bal.sums(c, org_ids=ids, start=start, end=end, signs=True)}
            want_sums = {}
            for o, d, a, f, _tx, v in rows:
                if o in ids and start <= d <= end:
                    am, dr, cr = want_sums.get((a, f), (0, 0, 0))
                    want_sums[(a, f)] = (am + v, dr + max(v, 0), cr + max(-v, 0))
            assert got == want_sums
            by_role = defaultdict(int)
            for o, d, a, _f, _tx, v in rows:
                if o in ids and d.year == as_of.year:
                    by_role[(d.month, *kinds[a])] += v
            got_roles = {(r.month, r.kind, r.role): r.amount
                         for r in bal.sums(c, by=("month", "kind", "role"), org_ids=ids,
                                           start=date(as_of.year, 1, 1), end=date(as_of.year, 12, 31))}
            assert got_roles == dict(by_role)
            for a in {a for _o, _d, a, _f, _tx, _v in rows}:
                assert bal.total(c, account_ids=[a], end=as_of) == sum(
                    v for _o, d, x, _f, _tx, v in rows if x == a and d <= as_of)
        assert bal.cached_matches_postings(c) == []
        # the month and day sums a past balance and a period read are the postings' own (revision 0030)
        assert bal.sums_match_postings(c) == []
        for ids in ([top], bal.subtree(c, top)):
            want_moved = defaultdict(lambda: [0, 0, 0])
            for o, d, a, f, _tx, v in rows:
                if o in ids and start <= d <= end:
                    w = want_moved[(a, f)]
                    w[0] += v
                    w[1 if v > 0 else 2] += abs(v)
            assert bal.moved(c, ids, start=start, end=end) == {k: v for k, v in want_moved.items() if any(v)}


def test_a_date_at_the_end_of_the_calendar_reads_today_s_figures(two_orgs):
    """As of 9999-12-31 (what a form or the API can send) is as of now; a period reaching it ends now — never an
    overflow past the calendar's last day."""
    db, org_ids, chart = two_orgs
    top = org_ids[0]
    _accts, funds = chart[top]
    with db.begin() as c:
        code = {r.code: r.id for r in c.execute(sa.select(s.accounts.c.code, s.accounts.c.id)
                                                .where(s.accounts.c.org_id == top))}
        post(c, top, [Entry(date(2025, 12, 31), "thử", (Line(code["111"], funds[0], 5_000),
                                                        Line(code["711"], funds[0], -5_000)))], user="test")
    with db.read() as c:
        now = bal.account_fund_amounts(c, [top])
        for day in (date(9999, 12, 31), date(9999, 12, 30), date(9999, 1, 1)):
            assert bal.account_fund_amounts(c, [top], day) == now
        moves = bal.movements(c, [top], start=date(2025, 1, 1), end=date(9999, 12, 31))
        assert {k: m.closing for k, m in moves.items() if m.closing} == now
        assert bal.moved(c, [top], start=date(9999, 12, 31)) == {}
