"""Units that report totals (đơn vị báo cáo số liệu): communes and schools that keep no books in Quỹ. Their
treasurer, or the parent's, enters period totals per fund — raised, awarded with the count of awards, the
balance at the period's end, and the report they come from — which the consolidation adds beside the units
that keep books, labelled as reported (``books/consolidation.py``).

**Books or totals, never both for one day.** ``organizations.reports_totals`` marks the unit;
``organizations.books_from`` is the first day it keeps books in Quỹ (none: it keeps none). Its reported totals
must end before that day and its journal starts on it: :func:`set_reporting` refuses a day that leaves a
reported period on or after it or an entry before it, :func:`add_totals` refuses a period that reaches it, and
``ledger/journal/entries.py:post`` refuses an entry dated before it (``reports_totals``, 409) — so a unit that
starts keeping books posts its opening balances (``quy opening add``) dated that first day. A unit that keeps
books cannot go back to reporting totals; it can be marked only while its journal is empty.

**Append-only with corrections.** A row is never changed: a correction is a new row naming the row it
replaces (``corrects_id``, at most once — the database's unique index says so too); the rows no other row
corrects are the ones that count, and the replaced ones stay readable. Among the rows that count, one unit
and fund (its name or code, compared as names are: ``match_key``) has at most one row for any day: periods
never overlap, so adding them up counts each day once.

**A period of the report** (:func:`period_figures`, pure): the flows (raised, awarded, awards) of the rows
lying wholly inside it — a row straddling its first or last day is left out and named (it cannot be split
honestly); the opening is each fund's last reported balance before the period, the closing each fund's last
at its end (each with the day it is as of). When the unit starts keeping books inside the period (its first
day included), the closing is its books' and the last reported balance is handed to them (``to_books``: the
consolidation eliminates it against the opening balances its books post that day); when it kept books from
before the period, nothing reported counts.

``from_parent`` is the part of what a unit raised that came from the organizations above it (a province's
allocation): the consolidation counts it as a transfer, eliminated inside the province against the sender's
entry (``reported_transfers``), never as money raised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .clock import EARLIEST, business_date, now_iso, parse_date
from .db import ids_in
from .described import described
from .errors import Conflict, InvalidAmount, InvalidInput, NotFound
from .journal import take_turn
from .money import parse_amount
from .names import clean_name, match_key, single_line

#: At most this many awards in one reported row.
MAX_AWARDS = 10**9
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Reporting:
    """Whether an organization reports totals, and from which day it keeps books in Quỹ."""

    org_id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    reports_totals: bool
    books_from: date | None  # None: it keeps no books in Quỹ (when it reports totals)

    def keeps_books_on(self, day: date) -> bool:
        """Its books, not its reported totals, say what it held and did on ``day``."""
        return not self.reports_totals or (self.books_from is not None and day >= self.books_from)


def _reporting(r) -> Reporting:
    b = r.books_from
    return Reporting(r.id, r.code, r.name, r.level, r.parent_id, bool(r.reports_totals),
                     date.fromisoformat(b) if isinstance(b, str) else b)


def _orgs_query():
    o = s.organizations
    return sa.select(o.c.id, o.c.code, o.c.name, o.c.level, o.c.parent_id, o.c.reports_totals, o.c.books_from)


def reporting(conn: Connection, org_id: int) -> Reporting:
    row = conn.execute(_orgs_query().where(s.organizations.c.id == org_id)).first()
    if row is None:
        raise NotFound(f"organization {org_id} not found", entity="organization", id=org_id)
    return _reporting(row)


def reporting_units(conn: Connection, org_ids: Iterable[int]) -> dict[int, Reporting]:
    """The organizations of ``org_ids`` that report totals, by id."""
    o = s.organizations
    return {r.id: _reporting(r) for r in conn.execute(
        _orgs_query().where(ids_in(o.c.id, org_ids, conn), o.c.reports_totals.is_(True)))}


def _first_entry(conn: Connection, org_id: int, before: date | None = None) -> date | None:
    t = s.transactions
    q = sa.select(sa.func.min(t.c.date)).where(t.c.org_id == org_id)
    if before is not None:
        q = q.where(t.c.date < before)
    got = conn.execute(q).scalar()
    return date.fromisoformat(got) if isinstance(got, str) else got


def set_reporting(conn: Connection, org_id: int, *, reports_totals: bool, books_from: Any = None) -> Reporting:
    """Mark the organization as reporting totals (``books_from`` None: it keeps no books in Quỹ), set the first
    day it keeps books (``books_from``), or unmark it (``reports_totals`` False: it keeps books all along).

    Under the organization's lock (``post`` reads the same setting under it): refused while the change would
    let a reported period and the journal cover one day — an entry before ``books_from`` (or any entry, for a
    unit that keeps none), a reported period reaching ``books_from`` (or any reported row, to unmark)."""
    take_turn(conn, org_id)
    now = reporting(conn, org_id)
    o = s.organizations
    if conn.execute(sa.select(o.c.dissolved_on).where(o.c.id == org_id)).scalar() is not None:
        raise Conflict(f"organization {now.code} was dissolved", reason="dissolved", org=now.code)
    if books_from is not None:
        books_from = parse_date(books_from, field="books_from")
        if books_from < EARLIEST:
            raise InvalidInput(f"books_from: {books_from} is before {EARLIEST}", field="books_from",
                               reason="date_too_early", date=books_from.strftime("%d/%m/%Y"),
                               earliest=EARLIEST.strftime("%d/%m/%Y"))
        if not reports_totals:
            raise InvalidInput("only a unit that reports totals starts keeping books from a day",
                               field="books_from", reason="not_reporting")
    live = [r for r in totals(conn, [org_id]) if r.corrected_by is None]
    if not reports_totals:
        if live:
            raise Conflict(f"{now.code} has reported totals: they would no longer count", reason="has_totals",
                           org=now.code, rows=len(live))
    else:
        first = _first_entry(conn, org_id, books_from) if books_from is not None else _first_entry(conn, org_id)
        if first is not None:
            raise Conflict(f"{now.code} has journal entries from {first}" + (
                f", before {books_from}" if books_from else "") + ": its books count for those days",
                reason="entries_before" if books_from else "has_entries", org=now.code,
                first=first.strftime("%d/%m/%Y"), books_from=books_from and books_from.strftime("%d/%m/%Y"))
        late = [r for r in live if books_from is not None and r.end >= books_from]
        if late:
            r = late[0]
            raise Conflict(f"reported totals of {r.start}–{r.end} reach {books_from}: a day is counted by "
                           "totals or by books, never both", reason="totals_overlap_books", org=now.code,
                           id=r.id, period=_period_text(r.start, r.end), books_from=books_from.strftime("%d/%m/%Y"))
    conn.execute(o.update().where(o.c.id == org_id).values(reports_totals=reports_totals,
                                                          books_from=books_from if reports_totals else None))
    return reporting(conn, org_id)


def _period_text(start: date, end: date) -> str:
    return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


# ------------------------------------------------------------------ the reported rows


@dataclass(frozen=True)
class ReportedRow:
    """One reported row: a unit's totals of one fund for one period, as its report gives them."""

    id: int
    org: str
    fund: str = described("the fund as the report names it (a code or a name)")
    start: date = described("the period's first day")
    end: date = described("the period's last day")
    raised: int = described("raised in the period, including what came from the organizations above")
    from_parent: int = described("of it, from the organizations above (a transfer, not money raised)")
    awarded: int = described("awards paid or handed over in the period")
    awards: int = described("the count of awards (lượt)")
    balance: int = described("the fund's balance at the period's end")
    source: str = described("the report it comes from: Báo cáo số 12/BC-HKH ngày …")
    corrects_id: int | None = described("the row this one replaces")
    corrected_by: int | None = described("the row that replaces this one (then it no longer counts)")
    recorded_by: str
    recorded_at: str

    @property
    def counts(self) -> bool:
        """No later row replaces it."""
        return self.corrected_by is None


def totals(conn: Connection, org_ids: Iterable[int], *, start: date | None = None,
           end: date | None = None) -> list[ReportedRow]:
    """Every reported row of ``org_ids`` (the replaced ones too, with what replaced them), by unit, fund,
    period; ``start``/``end``: only rows whose period touches the days from ``start`` to ``end``."""
    t, o = s.reported_totals, s.organizations
    later = t.alias("later")
    q = (sa.select(t, o.c.code, later.c.id.label("corrected_by"))
         .join(o, o.c.id == t.c.org_id).outerjoin(later, later.c.corrects_id == t.c.id)
         .where(ids_in(t.c.org_id, org_ids)).order_by(o.c.code, t.c.fund_key, t.c.period_from, t.c.id))
    if start is not None:
        q = q.where(t.c.period_to >= start)
    if end is not None:
        q = q.where(t.c.period_from <= end)
    return [_row(r) for r in conn.execute(q)]


def _day(v) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v


def _row(r) -> ReportedRow:
    return ReportedRow(r.id, r.code, r.fund, _day(r.period_from), _day(r.period_to), int(r.raised),
                       int(r.from_parent), int(r.awarded), int(r.awards), int(r.balance), r.source, r.corrects_id,
                       r.corrected_by, r.recorded_by, r.recorded_at)


def _amount(value: Any, field: str) -> int:
    """A reported amount: whole đồng, zero allowed, never negative, never a float or a string."""
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise InvalidAmount(f"{field} must not be negative, got {value}", field=field, reason="negative")
    return parse_amount(value, field=field, allow_zero=True)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AWARDS:
        raise InvalidInput(f"awards is a whole number from 0 to {MAX_AWARDS}", field="awards", reason="bad_count")
    return value


@dataclass(frozen=True)
class TotalsInput:
    """What a face gives for one reported row, checked by :func:`check_input`."""

    fund: Any = described("the fund as the report names it", size=300, min_size=1)
    start: Any = described("the period's first day", day=True, key="from")
    end: Any = described("the period's last day (not before from; before the unit keeps books)", day=True, key="to")
    raised: Any = described("raised in the period, what came from above included", money="or_zero")
    awarded: Any = described("awards paid or handed over", money="or_zero")
    awards: Any = described("the count of awards (lượt)", whole=(0, MAX_AWARDS))
    balance: Any = described("the fund's balance at the period's end", money="or_zero")
    source: Any = described("the report: Báo cáo số 12/BC-HKH ngày 05/07/2025", size=500, min_size=1)
    from_parent: Any = described("of it, from the organizations above", money="or_zero", default=0)
    corrects: Any = described("the id of the row this one replaces (409 totals_exist names it when the period is "
                              "already reported)", id=True, default=None)


def check_input(inp: TotalsInput) -> dict:
    """The row's values, checked: dates in the window (a period that has ended), the end not before the start,
    amounts whole đồng and not negative, what came from above within what was raised, money awarded with a
    count of awards and a count with money, a fund and a source named."""
    fund = clean_name(inp.fund, field="fund")
    start = business_date(inp.start, field="from")
    end = business_date(inp.end, field="to")
    if end < start:
        raise InvalidInput(f"the period ends ({end}) before it starts ({start})", field="to", reason="period_reversed")
    raised, from_parent = _amount(inp.raised, "raised"), _amount(inp.from_parent, "from_parent")
    awarded, awards, balance = _amount(inp.awarded, "awarded"), _count(inp.awards), _amount(inp.balance, "balance")
    if from_parent > raised:
        raise InvalidInput("what came from above is part of what was raised", field="from_parent",
                           reason="from_parent_above_raised", from_parent=from_parent, raised=raised)
    if awarded and not awards:
        raise InvalidInput("money awarded needs the count of awards", field="awards", reason="awards_missing")
    if awards and not awarded:
        raise InvalidInput("awards need the money awarded", field="awarded", reason="awarded_missing")
    source = single_line(inp.source, field="source", size=500)
    if not source:
        raise InvalidInput("the report the figures come from is named", field="source", reason="empty")
    corrects = inp.corrects
    if corrects is not None and (isinstance(corrects, bool) or not isinstance(corrects, int) or corrects < 1):
        raise InvalidInput("corrects is the id of a reported row", field="corrects", reason="not_integer")
    return dict(fund=fund, fund_key=match_key(fund), period_from=start, period_to=end, raised=raised,
                from_parent=from_parent, awarded=awarded, awards=awards, balance=balance, source=source,
                corrects_id=corrects)


def add_totals(conn: Connection, org_id: int, inp: TotalsInput, *, user: str) -> ReportedRow:
    """Record a unit's totals of one fund for one period (or, with ``corrects``, the row replacing one), under
    the unit's lock: refused for a unit that keeps books on those days, over a period another counting row of
    the fund already covers, and for a row already replaced."""
    row = check_input(inp)
    take_turn(conn, org_id)
    unit = reporting(conn, org_id)
    if not unit.reports_totals:
        raise Conflict(f"{unit.code} keeps books in Quỹ: its figures come from its books", reason="keeps_books",
                       org=unit.code)
    if unit.books_from is not None and row["period_to"] >= unit.books_from:
        raise Conflict(f"{unit.code} keeps books from {unit.books_from}: totals end before it",
                       reason="totals_overlap_books", org=unit.code,
                       period=_period_text(row["period_from"], row["period_to"]),
                       books_from=unit.books_from.strftime("%d/%m/%Y"))
    rows = totals(conn, [org_id])
    replaced = None
    if row["corrects_id"] is not None:
        replaced = next((r for r in rows if r.id == row["corrects_id"]), None)
        if replaced is None:
            raise NotFound(f"reported row {row['corrects_id']} of {unit.code} not found", entity="reported_row",
                           id=row["corrects_id"])
        if not replaced.counts:
            raise Conflict(f"reported row {replaced.id} was already replaced by {replaced.corrected_by}",
                           reason="already_corrected", id=replaced.id, by=replaced.corrected_by)
    for r in rows:
        if not r.counts or r is replaced or match_key(r.fund) != row["fund_key"]:
            continue
        if r.start <= row["period_to"] and row["period_from"] <= r.end:
            same = (r.start, r.end) == (row["period_from"], row["period_to"])
            raise Conflict(f"{unit.code} already reported {r.fund} for {r.start}–{r.end} (row {r.id})"
                           + ("; correct that row" if same else ": periods of a fund never overlap"),
                           reason="totals_exist" if same else "period_overlaps", id=r.id, fund=r.fund,
                           period=_period_text(r.start, r.end))
    t = s.reported_totals
    new_id = conn.execute(t.insert().values(org_id=org_id, **row, recorded_by=user, recorded_at=now_iso())
                          ).inserted_primary_key[0]
    return next(r for r in totals(conn, [org_id]) if r.id == new_id)


# ------------------------------------------------------------------ a period of the report


@dataclass
class UnitPeriod:
    """What a unit's counting rows say of one period (see the module): flows of the rows inside it, balances
    at its edges."""

    opening: int = 0
    opening_as_of: date | None = None
    raised: int = 0
    from_parent: int = 0
    awarded: int = 0
    awards: int = 0
    to_books: int = 0  # the last reported balance, handed to the books that start inside the period
    closing: int = 0
    closing_as_of: date | None = None
    counted: list[ReportedRow] = field(default_factory=list)
    left_out: list[ReportedRow] = field(default_factory=list)  # straddling the period's first or last day

    @property
    def unexplained(self) -> int:
        """The change in the reported balances that the reported flows do not explain (interest, costs, a
        balance whose opening was never reported): closing + to_books − opening − raised + awarded."""
        return self.closing + self.to_books - self.opening - self.raised + self.awarded

    @property
    def empty(self) -> bool:
        return not (self.counted or self.left_out or self.opening or self.closing or self.to_books)


def _last_balances(rows: list[ReportedRow], through: date) -> tuple[int, date | None]:
    """Each fund's balance in its last row ending on or before ``through``, summed, and the latest such day."""
    last: dict[str, ReportedRow] = {}
    for r in rows:
        k = match_key(r.fund)
        if r.end <= through and (k not in last or r.end > last[k].end):
            last[k] = r
    return sum(r.balance for r in last.values()), max((r.end for r in last.values()), default=None)


def period_figures(rows: list[ReportedRow], books_from: date | None, start: date | None,
                   end: date | None) -> UnitPeriod:
    """One unit's reported figures for the days ``start``..``end`` (None: unbounded), from its rows (those that
    count are used) and the first day it keeps books (None: none)."""
    s_day, e_day = start or date.min, end or date.max
    out = UnitPeriod()
    if books_from is not None and books_from < s_day:
        return out  # its books say everything about the period, its opening too
    live = [r for r in rows if r.counts]
    for r in live:
        if s_day <= r.start and r.end <= e_day:
            out.counted.append(r)
            out.raised += r.raised
            out.from_parent += r.from_parent
            out.awarded += r.awarded
            out.awards += r.awards
        elif r.start <= e_day and s_day <= r.end:
            out.left_out.append(r)
    if start is not None:
        out.opening, out.opening_as_of = _last_balances(live, s_day - ONE_DAY)
    if books_from is not None and books_from <= e_day:
        out.to_books, _ = _last_balances(live, books_from - ONE_DAY)
    else:
        out.closing, out.closing_as_of = _last_balances(live, e_day)
    return out


def sent_to_units(conn: Connection, from_ids: Iterable[int], to_ids: Iterable[int], start: date | None,
                  end: date | None) -> dict[int, int]:
    """Money booked as sent from ``from_ids`` to units of ``to_ids`` that report totals, in the period: by unit."""
    rt = s.reported_transfers
    q = (sa.select(rt.c.to_org_id, sa.func.coalesce(sa.func.sum(rt.c.amount), 0))
         .where(ids_in(rt.c.from_org_id, from_ids), ids_in(rt.c.to_org_id, to_ids))
         .group_by(rt.c.to_org_id))
    if start is not None:
        q = q.where(rt.c.date >= start)
    if end is not None:
        q = q.where(rt.c.date <= end)
    out: dict[int, int] = defaultdict(int)
    for oid, amount in conn.execute(q):
        out[oid] += int(amount)
    return dict(out)
