"""Organizations change: money moved between two organizations, and an organization dissolved into a
successor (in 2025 the district level was dissolved and its assets handed on).

A **transfer** is a pair of entries, one in each journal: out of the sender's fund (8118, "chuyển cho
đơn vị trong hệ thống") and into the receiver's (7118, "nhận từ đơn vị trong hệ thống"), recorded
together in ``org_transfers`` so that a consolidation over both eliminates the pair and counts the money
once. To a unit that reports totals and keeps no books on that day (``ledger/reported.py``) only the sender's
entry is posted, recorded in ``reported_transfers``. A **dissolution** is a transfer of everything: a closing
entry takes every asset, liability and protected principal of the old organization to zero, an opening entry
puts each on the successor's books (account by account, into the fund the caller maps it to), the old
organization is locked for good and its children move under the successor. Both histories stay readable; the
consolidated figures of any organization above both are the same before and after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import documents, stipends
from . import schema as s
from .balances import account_fund_amounts, subtree
from .chart import AccountSpec
from .clock import business_date, now_iso
from .disbursements import add_program
from .errors import Conflict, InvalidInput, NotFound
from .journal import Entry, Line, post, take_turn
from .money import parse_amount
from .names import clean_name
from .orgs import account_by_code, account_for, add_account, create_fund, fund_id_by_code
from .reported import reporting

INTERORG = {
    "interorg_income": AccountSpec("7118", "Thu nhận từ đơn vị trong hệ thống Hội", "income", "interorg_income"),
    "interorg_expense": AccountSpec("8118", "Chi chuyển cho đơn vị trong hệ thống Hội", "expense", "interorg_expense"),
}
SEALED = date(9999, 12, 31)  # a dissolved organization's lock date: nothing is ever posted again


def interorg_account(conn: Connection, org_id: int, role: str) -> int:
    """The organization's 7118 / 8118 account, added to its chart the first time it is needed."""
    return account_for(conn, org_id, INTERORG[role])


def _org(conn: Connection, org_id: int):
    o = s.organizations
    row = conn.execute(sa.select(o).where(o.c.id == org_id)).first()
    if row is None:
        raise NotFound(f"organization {org_id} not found", entity="organization", id=org_id)
    if row.dissolved_on is not None:
        raise Conflict(f"organization {row.code} was dissolved on {row.dissolved_on}", reason="dissolved",
                       org=row.code)
    return row


def _record(conn: Connection, kind: str, a: int, b: int, out_tx: int, in_tx: int, on: date, amount: int,
            reason: str, user: str) -> int:
    return conn.execute(s.org_transfers.insert().values(
        kind=kind, from_org_id=a, to_org_id=b, from_tx_id=out_tx, to_tx_id=in_tx, date=on, amount=amount,
        reason=reason, created_by=user, created_at=now_iso())).inserted_primary_key[0]


def _locked_in_order(conn: Connection, *org_ids: int) -> None:
    for oid in sorted(org_ids):  # both journals, always in the same order: no deadlock between opposite moves
        take_turn(conn, oid)


def transfer(conn: Connection, from_org_id: int, to_org_id: int, *, from_fund: str, to_fund: str, amount: Any,
             on: Any, from_account: str, to_account: str, reason: str, user: str) -> dict:
    """Move money from one organization's fund to another's: an entry in each journal, one record."""
    amount = parse_amount(amount)
    on = business_date(on)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a transfer gives its reason", field="reason", reason="required")
    if from_org_id == to_org_id:
        raise InvalidInput("a transfer goes to another organization", field="to", reason="same_org")
    a, b = _org(conn, from_org_id), _org(conn, to_org_id)
    _locked_in_order(conn, a.id, b.id)
    if not reporting(conn, b.id).keeps_books_on(on):
        return _to_reported_unit(conn, a, b, from_fund=from_fund, to_fund=to_fund, amount=amount, on=on,
                                 from_account=from_account, reason=reason, user=user)
    src, dst = account_by_code(conn, a.id, from_account), account_by_code(conn, b.id, to_account)
    for acct, fld in ((src, "from_account"), (dst, "to_account")):
        if acct.role not in ("cash", "bank"):
            raise InvalidInput("money moves from and to cash or a bank account", field=fld, reason="not_bank")
    ff, tf = fund_id_by_code(conn, a.id, from_fund), fund_id_by_code(conn, b.id, to_fund)
    out = post(conn, a.id, [Entry(on, f"Chuyển cho {b.name}: {reason}", (
        Line(interorg_account(conn, a.id, "interorg_expense"), ff, amount), Line(src.id, ff, -amount)),
        source="org_transfer")], user=user)[0]
    into = post(conn, b.id, [Entry(on, f"Nhận từ {a.name}: {reason}", (
        Line(dst.id, tf, amount), Line(interorg_account(conn, b.id, "interorg_income"), tf, -amount)),
        source="org_transfer")], user=user)[0]
    tid = _record(conn, "transfer", a.id, b.id, out.tx_id, into.tx_id, on, amount, reason, user)
    return {"id": tid, "from": a.code, "to": b.code, "amount": amount, "from_tx_id": out.tx_id,
            "to_tx_id": into.tx_id}


def _to_reported_unit(conn: Connection, a, b, *, from_fund: str, to_fund: str, amount: int, on: date,
                      from_account: str, reason: str, user: str) -> dict:
    """Money sent to a unit that reports totals (``ledger/reported.py``): it keeps no books on that day, so the
    sender's entry (8118) is the only one, recorded in ``reported_transfers`` with the unit's fund as it reports
    it; the unit's reported ``from_parent`` says what it received, and the consolidation eliminates both."""
    src = account_by_code(conn, a.id, from_account)
    if src.role not in ("cash", "bank"):
        raise InvalidInput("money moves from cash or a bank account", field="from_account", reason="not_bank")
    fund_label = clean_name(to_fund, field="to_fund")
    ff = fund_id_by_code(conn, a.id, from_fund)
    out = post(conn, a.id, [Entry(on, f"Chuyển cho {b.name} (đơn vị báo cáo số liệu): {reason}", (
        Line(interorg_account(conn, a.id, "interorg_expense"), ff, amount), Line(src.id, ff, -amount)),
        source="org_transfer")], user=user)[0]
    tid = conn.execute(s.reported_transfers.insert().values(
        from_org_id=a.id, to_org_id=b.id, from_tx_id=out.tx_id, fund=fund_label, date=on, amount=amount,
        reason=reason, created_by=user, created_at=now_iso())).inserted_primary_key[0]
    return {"id": tid, "from": a.code, "to": b.code, "amount": amount, "from_tx_id": out.tx_id, "to_tx_id": None}


# --------------------------------------------------------------------------- dissolution


@dataclass(frozen=True)
class _Acct:
    id: int
    code: str
    name: str
    kind: str
    role: str | None
    parent_code: str | None
    bank_name: str | None
    bank_bin: str | None
    bank_account_no: str | None


def _chart(conn: Connection, org_id: int) -> dict[int, _Acct]:
    a, p = s.accounts, s.accounts.alias("p")
    rows = conn.execute(sa.select(a.c.id, a.c.code, a.c.name, a.c.kind, a.c.role, p.c.code.label("parent_code"),
                                  a.c.bank_name, a.c.bank_bin, a.c.bank_account_no)
                        .outerjoin(p, p.c.id == a.c.parent_id).where(a.c.org_id == org_id))
    return {r.id: _Acct(*r) for r in rows}


def _open_work(conn: Connection, org_id: int, amounts: dict[tuple[int, int], int], chart: dict[int, _Acct]) -> list:
    """What must be finished before the books can be handed on (its records cannot follow the money).

    Running term deposits follow (see :func:`_move_deposits`) unless part was withdrawn early or the bank's
    figure was booked during the term: those are settled first."""
    left = []
    roles = defaultdict(int)
    for (aid, _f), v in amounts.items():
        roles[chart[aid].role] += abs(v)
    d, e = s.deposits, s.deposit_events
    unsettled = ~sa.exists().where(e.c.deposit_id == d.c.id, e.c.kind == "settlement")
    changed = sa.exists().where(e.c.deposit_id == d.c.id, e.c.kind.in_(("withdrawal", "adjustment", "reversal")))
    if conn.execute(sa.select(sa.func.count()).where(d.c.org_id == org_id, unsettled, changed)).scalar():
        left.append("term_deposits")
    bl, b = s.batch_lines, s.batches
    odd = conn.execute(sa.select(sa.func.count()).select_from(bl.join(b, b.c.id == bl.c.batch_id)).where(
        b.c.org_id == org_id, bl.c.state == "open",
        sa.or_(bl.c.item_description.is_not(None), bl.c.earmark_donation_id.is_not(None)))).scalar()
    if odd:  # awards in kind or from a named gift stay with the goods and gifts they are tied to
        left.append("approved_awards")
    if roles["pledge_receivable"]:  # its pledges are collected by the organization that recorded them
        left.append("pledges")
    if roles["earmarked_payable"]:  # money held for named recipients is paid by the one that received it
        left.append("earmarked_gifts")
    b = s.batches
    if conn.execute(sa.select(sa.func.count()).where(b.c.org_id == org_id, b.c.state.in_(("draft", "submitted")))
                    ).scalar():
        left.append("open_batches")
    return left


def _successor_account(conn: Connection, org_id: int, src: _Acct, theirs: dict[str, _Acct]) -> int:
    """The successor's account for ``src``: the same code, or that code added to its chart (a bank account
    that is another one under the same code gets the old organization's code appended)."""
    same = theirs.get(src.code)
    if same is not None and (same.bank_account_no or "") == (src.bank_account_no or "") and same.kind == src.kind:
        return same.id
    code = src.code if same is None else f"{src.code}-{org_code_suffix(conn, src)}"
    if code in theirs:
        return theirs[code].id
    parent = src.parent_code if src.parent_code in theirs else None
    aid = add_account(conn, org_id, code=code, name=src.name, kind=src.kind, role=src.role, parent_code=parent,
                      bank_name=src.bank_name, bank_bin=src.bank_bin, bank_account_no=src.bank_account_no)
    theirs[code] = _Acct(aid, code, src.name, src.kind, src.role, parent, src.bank_name, src.bank_bin,
                         src.bank_account_no)
    return aid


def org_code_suffix(conn: Connection, src: _Acct) -> str:
    a, o = s.accounts, s.organizations
    return conn.execute(sa.select(o.c.code).join(a, a.c.org_id == o.c.id).where(a.c.id == src.id)).scalar()


def dissolve(conn: Connection, org_id: int, successor_id: int, *, on: Any, reason: str, user: str,
             fund_map: dict[str, str] | None = None) -> dict:
    """Hand ``org_id``'s books to ``successor_id`` on ``on`` and close them for good; return what moved.

    Each fund's money goes to the successor's fund ``fund_map`` names, else to its fund of the same code,
    else to a new fund of that code and name. Refused while term deposits, approved unpaid awards or
    stipend commitments are open (settle, pay or end them first), or when entries are dated after ``on``.
    """
    on = business_date(on)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("a dissolution gives its reason (the decision)", field="reason", reason="required")
    old, new = _org(conn, org_id), _org(conn, successor_id)
    if successor_id in subtree(conn, org_id):
        raise InvalidInput("the successor cannot be the organization or one beneath it", field="successor",
                           reason="successor_below")
    _locked_in_order(conn, old.id, new.id)
    if not reporting(conn, old.id).keeps_books_on(on):
        # its money is in its reported balance, not in books: handed over, it would be counted twice
        raise Conflict(f"{old.code} reports totals and keeps no books on {on}: it starts keeping books (its opening "
                       "balances) before it is dissolved", reason="reports_totals_dissolve", org=old.code)
    t = s.transactions
    later = conn.execute(sa.select(sa.func.max(t.c.date)).where(t.c.org_id == old.id)).scalar()
    later = date.fromisoformat(later) if isinstance(later, str) else later
    if later and later > on:
        raise Conflict(f"{old.code} has entries dated {later}, after {on}", reason="entries_after", date=str(later))
    chart = _chart(conn, old.id)
    amounts = account_fund_amounts(conn, [old.id])
    left = _open_work(conn, old.id, amounts, chart)
    if left:
        raise Conflict(f"{old.code} still has open {', '.join(left)}", reason="open_work", open=left)
    moving = {k: v for k, v in amounts.items()
              if chart[k[0]].kind in ("asset", "liability") or chart[k[0]].role == "principal"}
    f = s.funds
    old_funds = {r.id: r for r in conn.execute(sa.select(f).where(f.c.org_id == old.id))}
    theirs = {a.code: a for a in _chart(conn, new.id).values()}
    target: dict[int, int] = {}
    for fid in sorted({fid for _a, fid in moving}):
        src = old_funds[fid]
        code = (fund_map or {}).get(src.code, src.code)
        found = conn.execute(sa.select(f.c.id).where(f.c.org_id == new.id, f.c.code == code)).scalar()
        target[fid] = found or create_fund(conn, new.id, code=code, name=src.name, kind=src.kind, purpose=src.purpose,
                                           may_pay_management=src.may_pay_management, has_principal=src.has_principal)
    for aid, _fid in moving:  # a running deposit's account is its own: the successor must not have it already
        if chart[aid].role == "deposit" and chart[aid].code in theirs:
            raise Conflict(f"{new.code} already has account {chart[aid].code}", reason="contract_taken",
                           code=chart[aid].code)
    out_lines, in_lines, total = [], [], 0
    per_fund: dict[int, int] = defaultdict(int)
    for (aid, fid), v in sorted(moving.items()):
        out_lines.append(Line(aid, fid, -v))
        in_lines.append(Line(_successor_account(conn, new.id, chart[aid], theirs), target[fid], v))
        per_fund[fid] += v
    result = {"org": old.code, "successor": new.code, "date": on.isoformat(), "amount": 0, "funds": {}}
    if out_lines:
        expense, income = interorg_account(conn, old.id, "interorg_expense"), interorg_account(conn, new.id,
                                                                                               "interorg_income")
        for fid, v in per_fund.items():
            if v:
                out_lines.append(Line(expense, fid, v))
                in_lines.append(Line(income, target[fid], -v))
            total += v
        what = f"Bàn giao sổ sách cho {new.name} khi giải thể: {reason}"
        out = post(conn, old.id, [Entry(on, what, tuple(out_lines), source="succession")], user=user)[0]
        into = post(conn, new.id, [Entry(on, f"Nhận bàn giao sổ sách của {old.name}: {reason}", tuple(in_lines),
                                         source="succession")], user=user)[0]
        result["id"] = _record(conn, "succession", old.id, new.id, out.tx_id, into.tx_id, on, total, reason, user)
        result.update(amount=total, from_tx_id=out.tx_id, to_tx_id=into.tx_id,
                      funds={old_funds[k].code: v for k, v in per_fund.items()})
    result["deposits"] = _move_deposits(conn, old.id, new.id, on, chart, theirs, user,
                                        result.get("from_tx_id"))
    copied: dict[int, int] = {}  # a student handed over once, whatever follows them
    result["commitments"] = _move_commitments(conn, old, new, on, fund_map or {}, user, copied)
    result["awards"] = _move_awards(conn, old, new, on, fund_map or {}, user, result.get("from_tx_id"),
                                    result.get("to_tx_id"), copied)
    o = s.organizations
    conn.execute(o.update().where(o.c.id == old.id).values(dissolved_on=on, successor_id=new.id, lock_date=SEALED))
    moved = conn.execute(o.update().where(o.c.parent_id == old.id).values(parent_id=new.id)).rowcount
    result["children_moved"] = moved
    return result


def _move_deposits(conn: Connection, old_id: int, new_id: int, on: date, chart: dict[int, _Acct],
                   theirs: dict[str, _Acct], user: str, tx_id: int | None) -> list[str]:
    """Give each running deposit of the old organization to its successor: the same contract, terms and
    history of accruals and monthly payments (so the month-end job books nothing twice; carried without entries,
    so the settlement takes them out of 1381 instead of booking them as income again) and the day an opening
    brought it in, on the account and bank account the opening entry carried over; the old record ends with a
    settlement on the handover day."""
    d, e = s.deposits, s.deposit_events
    unsettled = ~sa.exists().where(e.c.deposit_id == d.c.id, e.c.kind == "settlement")
    rows = conn.execute(sa.select(d).where(d.c.org_id == old_id, unsettled)).all()
    moved, now = [], now_iso()
    for dep in rows:
        acct, bank = chart[dep.account_id], chart[dep.bank_account_id]
        if acct.code not in theirs:  # nothing left on it: nothing to carry
            continue
        bank_id = _successor_account(conn, new_id, bank, theirs)
        new_dep = conn.execute(d.insert().values(
            org_id=new_id, account_id=theirs[acct.code].id, bank_account_id=bank_id, contract_no=dep.contract_no,
            principal=dep.principal, rate_ppm=dep.rate_ppm, demand_rate_ppm=dep.demand_rate_ppm, start=dep.start,
            maturity=dep.maturity, term_months=dep.term_months, term_days=dep.term_days, pays=dep.pays,
            rollover=dep.rollover, brought_in_on=dep.brought_in_on, created_by=user,
            created_at=now)).inserted_primary_key[0]
        history = conn.execute(sa.select(e.c.kind, e.c.on, e.c.amount).where(
            e.c.deposit_id == dep.id, e.c.kind.in_(("accrual", "payment")))).all()
        if history:
            conn.execute(e.insert(), [{"deposit_id": new_dep, "kind": k, "on": day, "amount": a, "tx_id": None,
                                       "created_at": now} for k, day, a in history])
        conn.execute(e.insert().values(deposit_id=dep.id, kind="settlement", on=on, amount=0, tx_id=tx_id,
                                       created_at=now))
        moved.append(dep.contract_no)
    return moved


def _fund_for(conn: Connection, old_fund, new_id: int, fund_map: dict[str, str]) -> str:
    """The successor's fund code for one of the old organization's funds (made if missing)."""
    f = s.funds
    code = fund_map.get(old_fund.code, old_fund.code)
    if not conn.execute(sa.select(f.c.id).where(f.c.org_id == new_id, f.c.code == code)).first():
        create_fund(conn, new_id, code=code, name=old_fund.name, kind=old_fund.kind, purpose=old_fund.purpose,
                    may_pay_management=old_fund.may_pay_management, has_principal=old_fund.has_principal)
    return code


def _move_commitments(conn: Connection, old, new, on: date, fund_map: dict[str, str], user: str,
                      copied: dict[int, int]) -> list[dict]:
    """Hand each stipend commitment still owed to the successor: the student (copied to its recipients), the
    programme (made there if missing, drawing from the mapped fund), and the months not yet in a batch nor paid
    before Quỹ; the old commitment ends with the last month it put in a batch (or paid before Quỹ)."""
    c, bl, p, f = s.commitments, s.batch_lines, s.programs, s.funds
    moved = []
    for com in conn.execute(sa.select(c).where(c.c.org_id == old.id, c.c.state != "ended").order_by(c.c.id)).all():
        batched = conn.execute(sa.select(sa.func.max(bl.c.month)).where(bl.c.commitment_id == com.id,
                                                                       bl.c.state != "cancelled")).scalar()
        batched = date.fromisoformat(batched) if isinstance(batched, str) else batched
        first = stipends._next(batched) if batched else com.first_month
        paid = date.fromisoformat(com.paid_through) if isinstance(com.paid_through, str) else com.paid_through
        if paid is not None and paid >= first:  # the months paid before Quỹ stay with the old commitment
            first = stipends._next(paid)
        if first > com.last_month:  # everything owed is already in its batches
            stipends.end(conn, old.id, com.id, last=com.last_month, user=user, note=f"giải thể, chuyển {new.code}")
            continue
        rid = _copy_recipient(conn, com.recipient_id, new.id, copied)
        fund_code = _fund_for(conn, conn.execute(sa.select(f).where(f.c.id == com.fund_id)).one(), new.id, fund_map)
        prog = conn.execute(sa.select(p).where(p.c.id == com.program_id)).one()
        _program_for(conn, prog.id, new.id, fund_code)
        cid = stipends.commit(conn, new.id, recipient=rid, program=prog.code, fund=fund_code,
                              monthly_amount=com.monthly_amount, first=first, last=com.last_month, user=user)
        if com.state == "suspended":
            stipends.suspend(conn, new.id, cid, month=first, note="tạm dừng từ trước khi bàn giao", user=user)
        stipends.end(conn, old.id, com.id, last=stipends._next(first, -1), user=user, kind="handover",
                     note=f"giải thể, chuyển cho {new.code} (cam kết {cid})")
        moved.append({"from": com.id, "to": cid, "first": first.isoformat(), "last": com.last_month.isoformat()})
    return moved


def _copy_recipient(conn: Connection, rid: int, new_id: int, copied: dict[int, int]) -> int:
    if rid not in copied:
        r = s.recipients
        student = conn.execute(sa.select(r).where(r.c.id == rid)).one()._mapping
        copied[rid] = conn.execute(r.insert().values(**{k: v for k, v in student.items() if k not in ("id", "org_id")},
                                                     org_id=new_id)).inserted_primary_key[0]
    return copied[rid]


def _program_for(conn: Connection, program_id: int, new_id: int, fund_code: str) -> int:
    """The successor's programme of the same code (made if missing), drawing from ``fund_code``."""
    p, f, pf = s.programs, s.funds, s.program_funds
    prog = conn.execute(sa.select(p).where(p.c.id == program_id)).one()
    pid = conn.execute(sa.select(p.c.id).where(p.c.org_id == new_id, p.c.code == prog.code)).scalar()
    if pid is None:
        return add_program(conn, new_id, code=prog.code, name=prog.name, funds=[fund_code],
                           default_amount=prog.default_amount,
                           categories=[x for x in (prog.categories or "").split(",") if x])
    fid = conn.execute(sa.select(f.c.id).where(f.c.org_id == new_id, f.c.code == fund_code)).scalar()
    if not conn.execute(sa.select(pf.c.program_id).where(pf.c.program_id == pid, pf.c.fund_id == fid)).first():
        conn.execute(pf.insert().values(program_id=pid, fund_id=fid))
    return pid


def _move_awards(conn: Connection, old, new, on: date, fund_map: dict[str, str], user: str, out_tx: int | None,
                 in_tx: int | None, copied: dict[int, int]) -> list[dict]:
    """Hand the approved, unpaid awards to the successor: for each approved batch with open lines, a batch
    there with those lines (students copied, programmes made if missing) under a decision numbered in its
    series, approved by the handover whose opening entry carried the reservation (3388); the old lines are
    cancelled by the closing entry and their batch closes."""
    b, bl, f = s.batches, s.batch_lines, s.funds
    moved = []
    for batch in conn.execute(sa.select(b).where(b.c.org_id == old.id, b.c.state == "approved").order_by(b.c.id)).all():
        lines = conn.execute(sa.select(bl).where(bl.c.batch_id == batch.id, bl.c.state == "open")
                             .order_by(bl.c.line_no)).all()
        if not lines:
            continue
        decision = documents.issue(conn, new.id, "decision", [(on, None, None)], user=user)[0]
        bid = conn.execute(b.insert().values(
            org_id=new.id, title=f"Tiếp nhận từ {old.code}: {batch.title}"[:300], state="approved", round=batch.round,
            prepared_by=batch.prepared_by, created_at=now_iso(), submitted_at=batch.submitted_at,
            decision_doc_id=decision.id, approved_on=on, approved_tx_id=in_tx)).inserted_primary_key[0]
        rows = []
        for n, ln in enumerate(lines, 1):
            fund_code = _fund_for(conn, conn.execute(sa.select(f).where(f.c.id == ln.fund_id)).one(), new.id, fund_map)
            fid = conn.execute(sa.select(f.c.id).where(f.c.org_id == new.id, f.c.code == fund_code)).scalar()
            rows.append({"batch_id": bid, "line_no": n, "recipient_id": _copy_recipient(conn, ln.recipient_id, new.id,
                                                                                        copied),
                         "program_id": _program_for(conn, ln.program_id, new.id, fund_code), "fund_id": fid,
                         "amount": ln.amount, "reason": ln.reason, "state": "open"})
        conn.execute(bl.insert(), rows)
        conn.execute(bl.update().where(bl.c.batch_id == batch.id, bl.c.state == "open").values(
            state="cancelled", cancel_reason=f"Chuyển cho {new.code} khi giải thể"[:500], cancel_tx_id=out_tx))
        conn.execute(b.update().where(b.c.id == batch.id).values(state="closed"))
        moved.append({"from": batch.id, "to": bid, "lines": len(rows), "amount": sum(r["amount"] for r in rows),
                      "decision": decision.label})
    return moved
