"""Stipend commitments (hỗ trợ hằng tháng): a fixed amount a month to a student from a first month through
a last one (seed 002: 12 students × 500.000 đ a month until they finish high school = 546.000.000 đ).

Each month a draft batch is generated from the commitments that are active in it — one line per
commitment and month, never two (a database index; a cancelled line frees its month) — and goes to the
council like any other batch. A commitment can be suspended from a month and resumed later (the months
between are not owed), ended early, or handed over to another student from a month (it ends the month
before, and a new commitment for the rest starts with the other student). The report shows per
commitment and in total what was committed, paid, pending in batches, and remaining.

A commitment older than the books in Quỹ (its first months paid from the association's earlier books) says
so with ``paid_through``: the last month paid before Quỹ. Those months are never put in a batch, cannot be
suspended, ended or handed over, and the report counts them as paid, shown apart (``paid_before``) — seed
002's twelve students with six months paid before: 546.000.000 đ committed, 510.000.000 đ remaining.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import disbursements as d
from . import schema as s
from .clock import now_iso, parse_date
from .described import described
from .errors import Conflict, InvalidInput, NotFound
from .money import parse_amount


def month_of(value: Any, *, field: str = "month") -> date:
    """The first day of a month from ``2025-09``, ``09/2025`` or any date in it."""
    if isinstance(value, str):
        v = value.strip()
        if len(v) == 7 and v[4] == "-":
            v += "-01"
        elif len(v) == 7 and v[2] == "/":
            v = f"{v[3:]}-{v[:2]}-01"
        value = v
    return parse_date(value, field=field).replace(day=1)


def _next(m: date, k: int = 1) -> date:
    y, mo = divmod(m.month - 1 + k, 12)
    return date(m.year + y, mo + 1, 1)


def months_between(first: date, last: date) -> int:
    """Months from ``first`` through ``last``, both counted."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _event(conn: Connection, cid: int, kind: str, month: date, user: str, note: str = "") -> None:
    conn.execute(s.commitment_events.insert().values(commitment_id=cid, kind=kind, month=month, note=note[:500],
                                                     by=user, at=now_iso()))


def commit(conn: Connection, org_id: int, *, recipient: int, program: str, monthly_amount: Any, first: Any,
           last: Any, fund: str | None = None, user: str, handed_from: int | None = None,
           paid_through: Any = None) -> int:
    """Promise ``monthly_amount`` a month to ``recipient`` from ``first`` through ``last`` (months);
    ``paid_through``: the last month already paid before Quỹ (from the association's earlier books), never
    put in a batch."""
    rid = d.resolve_recipient(conn, org_id, recipient)
    amount = parse_amount(monthly_amount, field="monthly_amount")
    first_m, last_m = month_of(first, field="first"), month_of(last, field="last")
    if last_m < first_m:
        raise InvalidInput("the last month is before the first", field="last", reason="before_start")
    paid_m = None
    if paid_through is not None and not (isinstance(paid_through, str) and not paid_through.strip()):
        paid_m = month_of(paid_through, field="paid_through")
        if not first_m <= paid_m <= last_m:
            raise InvalidInput("the months paid before Quỹ fall within the commitment", field="paid_through",
                               reason="paid_through_outside")
    rows, problems = d.check_lines(conn, org_id, [d.LineInput(rid, program, fund=fund, amount=amount)], None)
    if problems:
        p = problems[0]
        raise InvalidInput(p["message"], field=p["field"], reason=p["reason"])
    cid = conn.execute(s.commitments.insert().values(
        org_id=org_id, recipient_id=rid, program_id=rows[0]["program_id"], fund_id=rows[0]["fund_id"],
        monthly_amount=amount, first_month=first_m, last_month=last_m, state="active", handed_from_id=handed_from,
        paid_through=paid_m, created_by=user, created_at=now_iso())).inserted_primary_key[0]
    _event(conn, cid, "start", first_m, user)
    return cid


def _get(conn: Connection, org_id: int, cid: int):
    c = s.commitments
    q = sa.select(c).where(c.c.id == cid, c.c.org_id == org_id)
    if conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"commitment {cid} not found", entity="commitment", id=cid)
    return row


def _not_paid_before(c, month: date, field: str = "month") -> None:
    """Refuse a change from a month paid before Quỹ: that money was paid, the months are history."""
    paid = c.paid_through
    paid = date.fromisoformat(paid) if isinstance(paid, str) else paid
    if paid is not None and month <= paid:
        raise InvalidInput(f"the months through {paid:%m/%Y} were paid before Quỹ", field=field,
                           reason="paid_before", month=f"{paid:%m/%Y}")


def suspend(conn: Connection, org_id: int, cid: int, *, month: Any, note: str = "", user: str) -> None:
    """From ``month`` on, nothing is generated for it until it is resumed."""
    c = _get(conn, org_id, cid)
    if c.state != "active":
        raise Conflict(f"commitment {cid} is {c.state}", reason="not_active")
    m = month_of(month)
    _not_paid_before(c, m)
    conn.execute(s.commitments.update().where(s.commitments.c.id == cid).values(state="suspended"))
    _event(conn, cid, "suspend", m, user, note)


def resume(conn: Connection, org_id: int, cid: int, *, month: Any, user: str) -> None:
    c = _get(conn, org_id, cid)
    if c.state != "suspended":
        raise Conflict(f"commitment {cid} is {c.state}", reason="not_suspended")
    m = month_of(month)
    since = _last_event(conn, cid, "suspend")
    if m <= since:
        raise InvalidInput("resumed on or before the month it was suspended", field="month", reason="before_start")
    conn.execute(s.commitments.update().where(s.commitments.c.id == cid).values(state="active"))
    _event(conn, cid, "resume", m, user)


def _last_event(conn: Connection, cid: int, kind: str) -> date:
    e = s.commitment_events
    return conn.execute(sa.select(sa.func.max(e.c.month)).where(e.c.commitment_id == cid, e.c.kind == kind)).scalar()


def end(conn: Connection, org_id: int, cid: int, *, last: Any, note: str = "", user: str, kind: str = "end") -> None:
    """End early: ``last`` is the last month owed (a month already in a batch cannot be dropped)."""
    c = _get(conn, org_id, cid)
    if c.state == "ended":
        raise Conflict(f"commitment {cid} has ended", reason="ended")
    m = month_of(last, field="last")
    if m < _next(c.first_month, -1) or m > c.last_month:
        raise InvalidInput("the new last month is outside the commitment", field="last", reason="outside_term")
    if m < c.last_month:
        _not_paid_before(c, _next(m), field="last")
    bl = s.batch_lines
    later = conn.execute(sa.select(sa.func.max(bl.c.month)).where(bl.c.commitment_id == cid,
                                                                 bl.c.state != "cancelled")).scalar()
    if later and later > m:
        raise Conflict("a later month is already in a batch: cancel or remove its line first", reason="month_in_batch")
    values = {"state": "ended"}
    if m >= c.first_month:
        values["last_month"] = m
    conn.execute(s.commitments.update().where(s.commitments.c.id == cid).values(**values))
    _event(conn, cid, kind, m, user, note)


def hand_over(conn: Connection, org_id: int, cid: int, *, to_recipient: int, month: Any, note: str = "",
              user: str) -> int:
    """From ``month`` on, the rest of the commitment goes to another student: this one ends the month
    before and a new one starts for them through the same last month."""
    c = _get(conn, org_id, cid)
    m = month_of(month)
    if not c.first_month < m <= c.last_month:
        raise InvalidInput("a handover falls within the commitment, after its first month", field="month",
                           reason="outside_term")
    _not_paid_before(c, m)
    program = conn.execute(sa.select(s.programs.c.code).where(s.programs.c.id == c.program_id)).scalar()
    fund = conn.execute(sa.select(s.funds.c.code).where(s.funds.c.id == c.fund_id)).scalar()
    new = commit(conn, org_id, recipient=to_recipient, program=program, fund=fund, monthly_amount=c.monthly_amount,
                 first=m, last=c.last_month, user=user, handed_from=cid)
    end(conn, org_id, cid, last=_next(m, -1), note=note or f"chuyển cho cam kết {new}", user=user, kind="handover")
    return new


def _suspended(events: list[tuple[str, date]], month: date) -> bool:
    state = False
    for kind, m in events:
        if m > month:
            break
        if kind == "suspend":
            state = True
        elif kind == "resume":
            state = False
    return state


def _events(conn: Connection, ids: list[int]) -> dict[int, list[tuple[str, date]]]:
    """The events (kind, month) of the commitments ``ids``, in the order they were recorded, by commitment."""
    e = s.commitment_events
    events: dict[int, list[tuple[str, date]]] = {}
    for cid, kind, em in conn.execute(sa.select(e.c.commitment_id, e.c.kind, e.c.month)
                                      .where(e.c.commitment_id.in_(ids)).order_by(e.c.id)):
        events.setdefault(cid, []).append((kind, em))
    return events


def generate(conn: Connection, org_id: int, *, month: Any, user: str, title: str | None = None) -> dict:
    """Draft the batch of ``month`` from every commitment owed in it and not in a batch yet (all in one
    draft); nothing when there is none."""
    m = month_of(month)
    c, bl = s.commitments, s.batch_lines
    live = conn.execute(sa.select(c.c.id, c.c.recipient_id, c.c.program_id, c.c.fund_id, c.c.monthly_amount)
                        .where(c.c.org_id == org_id, c.c.first_month <= m, c.c.last_month >= m,
                               sa.or_(c.c.paid_through.is_(None), c.c.paid_through < m))  # paid before Quỹ
                        .order_by(c.c.id)).all()
    if not live:
        return {"batch_id": None, "added": 0}
    ids = [x.id for x in live]
    events = _events(conn, ids)
    taken = {cid for (cid,) in conn.execute(sa.select(bl.c.commitment_id).where(
        bl.c.commitment_id.in_(ids), bl.c.month == m, bl.c.state != "cancelled"))}
    todo = [x for x in live if x.id not in taken and not _suspended(events.get(x.id, []), m)
            and not any(k in ("end", "handover") and em < m for k, em in events.get(x.id, []))]
    if not todo:
        return {"batch_id": None, "added": 0}
    bid = d.create_batch(conn, org_id, title=title or f"Hỗ trợ hằng tháng tháng {m:%m/%Y}", user=user)
    conn.execute(bl.insert(), [{"batch_id": bid, "line_no": i, "recipient_id": x.recipient_id,
                                "program_id": x.program_id, "fund_id": x.fund_id, "amount": x.monthly_amount,
                                "reason": f"Hỗ trợ tháng {m:%m/%Y}", "state": "open", "commitment_id": x.id,
                                "month": m} for i, x in enumerate(todo, 1)])
    return {"batch_id": bid, "added": len(todo), "amount": sum(x.monthly_amount for x in todo)}


@dataclass(frozen=True)
class CommitmentRow:
    id: int
    recipient: str
    program: str
    fund: str
    monthly_amount: int
    first_month: date
    last_month: date
    state: str
    months: int  # months owed: first through last, less those suspended
    committed: int
    paid: int = described("paid: through Quỹ's batches and, apart in paid_before, before Quỹ")
    pending: int = described("in batches not paid yet")
    remaining: int = described("committed − paid − pending")
    handed_from: int | None
    paid_before: int = described("the months paid before Quỹ (part of paid)", default=0)
    paid_through: date | None = described("the last month paid before Quỹ", default=None)


def report(conn: Connection, org_id: int) -> list[CommitmentRow]:
    """Every commitment with what was committed, paid, pending in batches and remaining."""
    c, bl, r, p, f = s.commitments, s.batch_lines, s.recipients, s.programs, s.funds
    rows = conn.execute(sa.select(c.c.id, r.c.full_name, p.c.code, f.c.code, c.c.monthly_amount, c.c.first_month,
                                  c.c.last_month, c.c.state, c.c.handed_from_id, c.c.paid_through)
                        .join(r, r.c.id == c.c.recipient_id).join(p, p.c.id == c.c.program_id)
                        .join(f, f.c.id == c.c.fund_id).where(c.c.org_id == org_id).order_by(c.c.id)).all()
    if not rows:
        return []
    ids = [x.id for x in rows]
    events = _events(conn, ids)
    sums: dict[tuple[int, str], int] = {}
    for cid, st, amount in conn.execute(sa.select(bl.c.commitment_id, bl.c.state, sa.func.sum(bl.c.amount))
                                        .where(bl.c.commitment_id.in_(ids)).group_by(bl.c.commitment_id, bl.c.state)):
        sums[(cid, st)] = int(amount)
    out = []
    for x in rows:
        owed = [] if x.state == "ended" and x.last_month < x.first_month else [
            m for m in (_next(x.first_month, k) for k in range(months_between(x.first_month, x.last_month)))
            if not _suspended(events.get(x.id, []), m)]
        ended_before_start = any(k == "end" and m < x.first_month for k, m in events.get(x.id, []))
        owed = [] if ended_before_start else owed
        committed = len(owed) * x.monthly_amount
        through = date.fromisoformat(x.paid_through) if isinstance(x.paid_through, str) else x.paid_through
        before = sum(1 for m in owed if through is not None and m <= through) * x.monthly_amount
        paid, pending = sums.get((x.id, "paid"), 0) + before, sums.get((x.id, "open"), 0)
        out.append(CommitmentRow(x.id, x[1], x[2], x[3], x.monthly_amount, x.first_month, x.last_month, x.state,
                                 len(owed), committed, paid, pending, committed - paid - pending, x.handed_from_id,
                                 before, through))
    return out
