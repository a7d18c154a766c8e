"""Disbursements in the JSON API: recipients, programs, batches, stipends and awards."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import sqlalchemy as sa
from flask import current_app, g

from ledger import clock, disbursements, services, stipends
from ledger import schema as s
from ledger.disbursements import LineInput, RecipientInput, search_recipients
from ledger.errors import InvalidInput, NotFound
from receipts import service as docs

from .. import auth
from .common import DISBURSE, ID, _created, _key, _paged_read, read_view, write_view
from .schemas import common as cs
from .schemas import disbursements as sc

# ------------------------------------------------------------------ disbursements


def _line_input(x: dict):
    return LineInput(**x)


@read_view("/organizations/<org>/recipients", "recipients", DISBURSE, sc.RecipientPage, query=sc.RecipientArgs())
def recipients(args: dict, org: str):
    """Recipients (personal data: for the organization's people only, never public)

    ``q``: recipients whose name, school or commune have a word beginning with each of its words, in name order."""
    r = s.recipients
    q = sa.select(r).where(r.c.org_id == g.org_id)

    def fetch(conn, limit: int, offset: int):
        if args.get("q"):
            total, rows = search_recipients(conn, g.org_id, args["q"], limit=limit, offset=offset)
            return rows, total
        total = conn.execute(sa.select(sa.func.count()).select_from(q.subquery())).scalar()
        return conn.execute(q.order_by(r.c.id).limit(limit).offset(offset)).all(), total

    return _paged_read(args, fetch, lambda x: {**x._mapping, "categories": [c for c in x.categories.split(",") if c]})


@write_view("/organizations/<org>/recipients", "recipient_add", DISBURSE, "batch.prepare", sc.RecipientCreated,
            body=sc.RecipientIn(), example={"full_name": "Lò Văn Minh", "birth_date": "2007-03-15",
                                            "school": "THPT Tô Hiệu", "grade": "12A1", "categories": ["vuot_kho"]})
def recipient_add(body: dict, org: str):
    """Add a recipient; possible duplicates (same name, or same name without diacritics and birth date) are
    listed, not refused"""
    return _created(services.add_recipient(auth.db(), org, RecipientInput(**body), user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/programs", "programs", DISBURSE, sc.ProgramList)
def programs(org: str):
    """Award programmes with the funds they draw from"""
    with auth.db().read() as conn:
        return {"items": disbursements.programs_list(conn, g.org_id)}


@write_view("/organizations/<org>/programs", "program_add", DISBURSE, "program.manage", cs.Created, body=sc.ProgramIn(),
            example={"code": "TSMT", "name": "Tiếp sức mùa thi", "funds": ["TOHIEU"], "default_amount": 500_000})
def program_add(body: dict, org: str):
    """Add an award programme"""
    r = services.add_program(auth.db(), org, user=auth.actor(), key=_key(), **body)
    return _created({"id": r["id"], "code": r["code"], "replayed": r.get("replayed", False)})


@read_view("/organizations/<org>/batches", "batches", DISBURSE, sc.BatchList)
def batches(org: str):
    """The batch register, newest first: state, decision, totals and the votes of the last round"""
    with auth.db().read() as conn:
        rows = disbursements.register(conn, g.org_id)
    return {"items": [_batch_summary(r) for r in rows]}


def _batch_summary(r) -> dict:
    return {**asdict(r), "votes": [{"member": m, "vote": v, "at": at, "comment": c} for m, v, at, c in r.votes]}


@write_view("/organizations/<org>/batches", "batch_create", DISBURSE, "batch.prepare", sc.BatchCreated,
            body=sc.BatchIn(), example={"title": "Khen thưởng học sinh lớp 12", "lines": [
                {"recipient": 1, "program": "TSMT", "amount": 500_000}]})
def batch_create(body: dict, org: str):
    """Draft a batch with its lines (all or none: every bad line is reported in ``errors``)"""
    return _created(services.create_batch(auth.db(), org, title=body["title"],
                                          lines=[_line_input(x) for x in body["lines"]], user=auth.actor(),
                                          key=_key()))


@read_view(f"/organizations/<org>/batches/<{ID}:batch_id>", "batch", DISBURSE, sc.BatchDetail)
def batch(org: str, batch_id: int):
    """One batch with its lines"""
    with auth.db().read() as conn:
        lines = disbursements.lines_of(conn, g.org_id, batch_id)
        summary = next(r for r in disbursements.register(conn, g.org_id) if r.id == batch_id)
        st = disbursements.batch_state(conn, g.org_id, batch_id)
    return {**_batch_summary(summary), "round": st.round, "reject_reason": st.reject_reason,
            "items": [asdict(x) for x in lines]}


@write_view(f"/organizations/<org>/batches/<{ID}:batch_id>/lines", "batch_lines", DISBURSE, "batch.prepare",
            sc.LinesAdded, body=sc.LinesIn(), example={"lines": [{"recipient": 1, "program": "TSMT"}]})
def batch_lines(body: dict, org: str, batch_id: int):
    """Add lines to a draft (all or none)"""
    return _created(services.add_batch_lines(auth.db(), org, batch_id, [_line_input(x) for x in body["lines"]],
                                             user=auth.actor(), key=_key()))


@write_view(f"/organizations/<org>/batches/<{ID}:batch_id>/submission", "batch_submit", DISBURSE, "batch.prepare",
            sc.BatchStep)
def batch_submit(org: str, batch_id: int):
    """Send a draft to the fund council"""
    return _created(services.submit_batch(auth.db(), org, batch_id, user=auth.actor(), key=_key()))


@write_view(f"/organizations/<org>/batches/<{ID}:batch_id>/votes", "batch_vote", DISBURSE, "batch.vote", sc.VoteResult,
            body=sc.VoteIn(), example={"approve": True, "comment": "Đồng ý"})
def batch_vote(body: dict, org: str, batch_id: int):
    """A council member's vote (never on a batch they prepared; once per round). The approval that
    reaches the quorum numbers the decision and reserves the money — or fails, changing nothing"""
    return _created(services.vote_batch(auth.db(), org, batch_id, approve=body["approve"],
                                        comment=body.get("comment", ""), on=body.get("date"), user=auth.actor(),
                                        key=_key()))


@write_view(f"/organizations/<org>/batches/<{ID}:batch_id>/payments", "batch_pay", DISBURSE, "batch.pay", sc.PayResult,
            body=sc.PayIn(), example={"method": "transfer", "bank_account": "1121.BIDV"})
def batch_pay(body: dict, org: str, batch_id: int):
    """Pay an approved batch's open lines (or some of them), each with its voucher (PC)"""
    return _created(services.pay_batch(auth.db(), org, batch_id, line_nos=body.get("lines"), method=body["method"],
                                       bank_account=body.get("bank_account"), on=body.get("date"),
                                       user=auth.actor(), key=_key()))


@write_view(f"/organizations/<org>/batches/<{ID}:batch_id>/lines/<int(min=1, max=1000000):line_no>/cancellation",
            "batch_cancel", DISBURSE, "batch.pay", sc.CancelResult, body=sc.CancelIn(),
            example={"reason": "Học sinh đã chuyển trường"})
def batch_cancel(body: dict, org: str, batch_id: int, line_no: int):
    """Cancel an unpaid line of an approved batch, releasing its reservation"""
    return _created(services.cancel_batch_line(auth.db(), org, batch_id, line_no, reason=body["reason"],
                                               on=body.get("date"), user=auth.actor(), key=_key()))


@read_view(f"/organizations/<org>/batches/<{ID}:batch_id>/<any(decision, signatures):kind>.pdf", "batch_pdf", DISBURSE,
           action="export", content_type="application/pdf",
           description="The decision with its list, or the signature list")
def batch_pdf(org: str, batch_id: int, kind: str):
    """A batch's decision with the list attached, or its signature list for cash payment, as PDF"""
    pdf = docs.disbursement_pdf(auth.db(), org, batch_id, kind)
    return current_app.response_class(pdf.data, mimetype="application/pdf")


@read_view(f"/organizations/<org>/batches/<{ID}:batch_id>/lines/<int(min=1, max=1000000):line_no>/voucher.pdf",
           "voucher_pdf", DISBURSE, action="export", content_type="application/pdf",
           description="The payment voucher (phiếu chi), A5")
def voucher_pdf(org: str, batch_id: int, line_no: int):
    """A paid line's payment voucher as PDF"""
    pdf = docs.disbursement_pdf(auth.db(), org, batch_id, "voucher", line_no)
    return current_app.response_class(pdf.data, mimetype="application/pdf")


@write_view("/organizations/<org>/funds/<fund>/quorum", "fund_quorum", DISBURSE, "org.setup", sc.QuorumOut,
            body=sc.QuorumIn(), example={"approvals": 2})
def fund_quorum(body: dict, org: str, fund: str):
    """Set how many council approvals a batch drawing on this fund needs (null: a majority of the council)

    The default majority counts the members who may vote on the batch: all but its preparer, at least one."""
    if "\x00" in fund or len(fund) > 40:
        raise NotFound(f"fund {fund!r} not found", entity="fund", code=fund)
    return _created(services.set_quorum(auth.db(), org, fund, body["approvals"], user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/commitments", "commitments", DISBURSE, sc.CommitmentList)
def commitments(org: str):
    """Stipend commitments with what was committed, paid, pending in batches and remaining; and the totals"""
    with auth.db().read() as conn:
        rows = stipends.report(conn, g.org_id)
    return {"items": [asdict(r) for r in rows],
            "total": {k: sum(getattr(r, k) for r in rows)
                      for k in ("committed", "paid", "pending", "remaining", "paid_before")}}


@write_view("/organizations/<org>/commitments", "commitment_add", DISBURSE, "batch.prepare", sc.StipendStep,
            body=sc.CommitmentIn(), example={"recipient": 1, "program": "NEKH", "fund": "TOHIEU",
                                             "monthly_amount": 500_000, "first": "2023-09", "last": "2031-03"})
def commitment_add(body: dict, org: str):
    """Promise an amount a month to a recipient, from a first month through a last"""
    return _created(services.stipend(auth.db(), org, "commit", user=auth.actor(), key=_key(), **body))


@write_view(f"/organizations/<org>/commitments/<{ID}:cid>/changes", "commitment_change", DISBURSE, "batch.prepare",
            sc.StipendStep, body=sc.CommitmentChangeIn(),
            example={"action": "suspend", "month": "2025-03", "note": "Nghỉ học ốm"})
def commitment_change(body: dict, org: str, cid: int):
    """Suspend, resume, end early or hand a commitment over to another recipient"""
    action, month = body["action"], body["month"]
    kw: dict = {"cid": cid}
    if action == "end":
        kw |= {"last": month, "note": body["note"]}
    elif action == "hand_over":
        if not body.get("to_recipient"):
            raise InvalidInput("a handover names who takes it over", field="to_recipient", reason="required")
        kw |= {"month": month, "to_recipient": body["to_recipient"], "note": body["note"]}
    else:
        kw |= {"month": month} | ({"note": body["note"]} if action == "suspend" else {})
    return _created(services.stipend(auth.db(), org, action, user=auth.actor(), key=_key(), **kw))


@write_view("/organizations/<org>/stipend-batches", "stipend_generate", DISBURSE, "batch.prepare", sc.StipendStep,
            body=sc.MonthIn(), example={"month": "2025-09"})
def stipend_generate(body: dict, org: str):
    """Draft a month's batch from the active commitments (once per month; batch_id null when none is owed)"""
    return _created(services.stipend(auth.db(), org, "generate", month=body["month"], user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/reports/awards", "awards_report", DISBURSE, sc.AwardsReport, query=cs.PeriodArgs())
def awards_report(args: dict, org: str):
    """Awards paid per program in a period: lượt and amount, money and in kind"""
    end = args.get("end") or clock.today()
    start = args.get("start") or date(end.year, 1, 1)
    with auth.db().read() as conn:
        rows = disbursements.awards(conn, g.org_id, start, end)
    return {"start": start, "end": end, "items": [asdict(r) for r in rows], "count": sum(r.count for r in rows),
            "amount": sum(r.amount for r in rows)}


@read_view("/organizations/<org>/reports/reservations", "reservations_report", DISBURSE, sc.ReservationList)
def reservations_report(org: str):
    """What approved, unpaid awards hold per fund"""
    with auth.db().read() as conn:
        return {"items": [asdict(r) for r in disbursements.reservations(conn, g.org_id)]}
