"""The disbursement documents: the council's decision with its list attached (A4), the signature list
recipients sign when paid in cash (A4), and the payment voucher (phiếu chi, A5) of each paid line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection

from ledger import disbursements as d
from ledger.errors import InvalidInput, NotFound

from .pdf import Pdf, html_to_pdf, render_html
from .receipt import OrgView, org_view
from .words import amount_in_words


@dataclass(frozen=True)
class BatchView:
    org: OrgView
    batch: d.BatchState
    lines: list[d.BatchLine]
    words: str
    votes: tuple
    per_program: list[tuple[str, int, int]]  # program, awards, amount


def batch_view(conn: Connection, org_id: int, batch_id: int, *, drop_cancelled: bool = True) -> BatchView:
    st = d.batch_state(conn, org_id, batch_id)
    lines = [ln for ln in d.lines_of(conn, org_id, batch_id) if not drop_cancelled or ln.state != "cancelled"]
    summary = next(r for r in d.register(conn, org_id) if r.id == batch_id)
    per: dict[str, list[int]] = {}
    for ln in lines:
        per.setdefault(ln.program, [0, 0])
        per[ln.program][0] += 1
        per[ln.program][1] += ln.amount
    return BatchView(org_view(conn, org_id), st, lines, amount_in_words(st.total) if st.total else "",
                     summary.votes, [(p, n, a) for p, (n, a) in sorted(per.items())])


def render_decision(conn: Connection, org_id: int, batch_id: int) -> Pdf:
    """The council's decision approving the batch, with the list of recipients attached."""
    v = batch_view(conn, org_id, batch_id)
    if not v.batch.decision:
        raise InvalidInput("the batch has no decision yet: the council has not approved it", field="batch",
                           reason="not_approved")
    return html_to_pdf(render_html("disbursement.html", title=f"Quyết định {v.batch.decision}", v=v,
                                   kind="decision"))


def render_signatures(conn: Connection, org_id: int, batch_id: int) -> Pdf:
    """The list recipients sign when paid in cash."""
    v = batch_view(conn, org_id, batch_id)
    if v.batch.state not in ("approved", "closed"):
        raise InvalidInput("only an approved batch is paid", field="batch", reason="not_approved")
    return html_to_pdf(render_html("disbursement.html", title="Danh sách ký nhận", v=v, kind="signatures"))


def render_voucher(conn: Connection, org_id: int, batch_id: int, line_no: int) -> Pdf:
    """The payment voucher (phiếu chi) of one paid line."""
    v = batch_view(conn, org_id, batch_id)
    line = next((ln for ln in v.lines if ln.line_no == line_no), None)
    if line is None:
        raise NotFound(f"line {line_no} not found", entity="batch_line", id=line_no)
    if not line.voucher:
        raise InvalidInput("the line is not paid yet", field="line", reason="not_paid")
    return html_to_pdf(render_html("disbursement.html", title=f"Phiếu chi {line.voucher}", v=v, kind="voucher",
                                   line=line, words=amount_in_words(line.amount), today=line.paid_on or date.today()))
