"""Disbursements: recipients, award programmes, batches (draft, lines, submit, the council's vote, pay,
cancel a line) and a fund's approval quorum."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from .. import disbursements as d
from ..importer import file_digest
from .unit import Unit, use_case


def _recipient_payload(a) -> dict:
    return {k: (str(v) if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
            for k, v in a.inp.__dict__.items()}


@use_case("recipient.add", "recipient", payload=_recipient_payload, target="recipient:{r[id]}")
def add_recipient(u: Unit, org_code: str, inp) -> dict:
    return d.add_recipient(u.conn, u.org_id, inp, user=u.user)


@use_case("program.add", "program", target="program:{r[code]}",
          payload=lambda a: {"code": a.code, "name": a.name, "funds": list(a.funds), "default_amount": a.default_amount,
                             "categories": list(a.categories) if not isinstance(a.categories, str) else a.categories})
def add_program(u: Unit, org_code: str, *, code: str, name: str, funds: list[str], default_amount: Any = None,
                categories: Any = ()) -> dict:
    return {"id": d.add_program(u.conn, u.org_id, code=code, name=name, funds=funds, default_amount=default_amount,
                                categories=categories), "code": code}


@use_case("batch.create", "batch", target="batch:{r[id]}",
          payload=lambda a: {"title": a.title, "lines": [ln.__dict__ for ln in a.lines or []]})
def create_batch(u: Unit, org_code: str, *, title: str, lines: list | None = None) -> dict:
    """Draft a batch, with its first lines if given (all or none)."""
    bid = d.create_batch(u.conn, u.org_id, title=title, user=u.user)
    added = d.add_lines(u.conn, u.org_id, bid, lines, user=u.user) if lines else {"added": 0, "recipients_twice": []}
    return {"id": bid, "added": added["added"], "recipients_twice": added["recipients_twice"]}


@use_case("batch.lines", "batch_lines", target="batch:{a.batch_id}", lock=True,
          payload=lambda a: {"batch": a.batch_id, "lines": [ln.__dict__ for ln in a.lines]})
def add_batch_lines(u: Unit, org_code: str, batch_id: int, lines: list) -> dict:
    return d.add_lines(u.conn, u.org_id, batch_id, lines, user=u.user)


@use_case("batch.submit", "batch_submit", target="batch:{a.batch_id}", payload=lambda a: {"batch": a.batch_id})
def submit_batch(u: Unit, org_code: str, batch_id: int) -> dict:
    return d.submit(u.conn, u.org_id, batch_id, user=u.user)


@use_case(lambda a, r: "batch.approve" if a.approve else "batch.reject", "batch_vote", target="batch:{a.batch_id}",
          lock=True, payload=lambda a: {"batch": a.batch_id, "approve": a.approve, "comment": a.comment,
                                        "on": str(a.on)})
def vote_batch(u: Unit, org_code: str, batch_id: int, *, approve: bool, comment: str = "", on: Any = None) -> dict:
    return d.vote(u.conn, u.org_id, batch_id, member=u.user, approve=approve, comment=comment, on=on)


@use_case("batch.pay", "batch_pay", target="batch:{a.batch_id}",
          payload=lambda a: {"batch": a.batch_id, "lines": a.line_nos, "method": a.method, "bank": a.bank_account,
                             "on": str(a.on)})
def pay_batch(u: Unit, org_code: str, batch_id: int, *, line_nos: list[int] | None = None, method: str = "cash",
              bank_account: str | None = None, on: Any = None) -> dict:
    return d.pay(u.conn, u.org_id, batch_id, line_nos=line_nos, method=method, bank_account=bank_account, on=on,
                 user=u.user)


@use_case("batch.cancel_line", "batch_cancel", target="batch:{a.batch_id}",
          payload=lambda a: {"batch": a.batch_id, "line": a.line_no, "reason": a.reason, "on": str(a.on)})
def cancel_batch_line(u: Unit, org_code: str, batch_id: int, line_no: int, *, reason: str, on: Any = None) -> dict:
    return d.cancel(u.conn, u.org_id, batch_id, line_no, reason=reason, on=on, user=u.user)


@use_case("batch.import", "batch_import", keyed=False, target="batch:{a.batch_id}",
          payload=lambda a: {"batch": a.batch_id, "file": file_digest(a.path)})
def import_batch_lines(u: Unit, org_code: str, batch_id: int, path: Path) -> dict:
    """Add a list file's lines to a draft batch (all or nothing; new recipients created)."""
    return d.import_lines(u.conn, u.org_id, batch_id, path, user=u.user)


@use_case("fund.quorum", "quorum", target="fund:{a.fund}", payload=lambda a: {"fund": a.fund, "quorum": a.approvals})
def set_quorum(u: Unit, org_code: str, fund: str, approvals: int | None) -> dict:
    """How many council approvals a batch drawing on ``fund`` needs (None: a majority of the council)."""
    d.set_quorum(u.conn, u.org_id, fund, approvals)
    return {"fund": fund, "quorum": approvals}
