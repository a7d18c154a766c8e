"""The disbursement documents: the council's decision with its list attached (A4), the signature list
recipients sign when paid in cash (A4), and the payment voucher (phiếu chi, A5) of each paid line."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.engine import Connection

from ledger import disbursements as d
from ledger import schema as s
from ledger.errors import InvalidInput, NotFound

from .pdf import Pdf, html_to_pdf, render_html
from .receipt import OrgView, org_view, verify_url
from .vietqr import link_svg
from .words import amount_in_words

#: Said instead of a person whose full name Quỹ does not know (a login is never printed).
PREPARER = "người lập danh sách"
MEMBER = "Thành viên Hội đồng"


@dataclass(frozen=True)
class BatchView:
    org: OrgView
    batch: d.BatchState
    lines: list[d.BatchLine]
    words: str
    votes: tuple  # (full name or a neutral label, vote, at, comment) — never a login
    per_program: list[tuple[str, int, int]]  # programme name, awards, amount
    number: str | None = None  # the decision's number as printed: "QĐ/25 0000001"
    preparer: str | None = None  # the full name of who drew up the list, if Quỹ knows it
    programs: dict[str, str] = field(default_factory=dict)  # code → name
    funds: dict[str, str] = field(default_factory=dict)  # code → name
    per_fund: list[tuple[str, int]] = field(default_factory=list)  # fund name, amount

    @property
    def one_program(self) -> str | None:
        """The programme's name when every line shares it (then said once, in the header)."""
        names = {self.programs.get(ln.program, ln.program) for ln in self.lines}
        return names.pop() if len(names) == 1 else None

    @property
    def one_fund(self) -> str | None:
        return self.per_fund[0][0] if len(self.per_fund) == 1 else None


def printed_number(label: str | None) -> str | None:
    """A document number as the paper writes it: the decision series "QD" (kept ASCII in the books and where
    it is typed) is printed "QĐ"."""
    if label and label.startswith("QD/"):
        return "QĐ/" + label[3:]
    return label


def _full_names(conn: Connection, logins: set[str]) -> dict[str, str]:
    """Users' full names by login (exact logins only: ``cli:root`` is a shell account, not a person)."""
    if not logins:
        return {}
    u = s.users
    return {r.login: r.name.strip() for r in conn.execute(sa.select(u.c.login, u.c.name)
                                                          .where(u.c.login.in_(sorted(logins)))) if r.name.strip()}


def batch_view(conn: Connection, org_id: int, batch_id: int, *, drop_cancelled: bool = True) -> BatchView:
    st = d.batch_state(conn, org_id, batch_id)
    lines = [ln for ln in d.lines_of(conn, org_id, batch_id) if not drop_cancelled or ln.state != "cancelled"]
    summary = next(r for r in d.register(conn, org_id) if r.id == batch_id)
    p, f = s.programs, s.funds
    programs = dict(conn.execute(sa.select(p.c.code, p.c.name).where(p.c.org_id == org_id)).all())
    funds = dict(conn.execute(sa.select(f.c.code, f.c.name).where(f.c.org_id == org_id)).all())
    names = _full_names(conn, {st.prepared_by, *(m for m, *_ in summary.votes)})
    votes = tuple((names.get(m) or f"{MEMBER} ({i})", vote, at, c)
                  for i, (m, vote, at, c) in enumerate(summary.votes, 1))
    per: dict[str, list[int]] = {}
    for ln in lines:
        name = programs.get(ln.program, ln.program)
        per.setdefault(name, [0, 0])
        per[name][0] += 1
        per[name][1] += ln.amount
    return BatchView(org_view(conn, org_id), st, lines, amount_in_words(st.total) if st.total else "",
                     votes, [(p_, n, a) for p_, (n, a) in sorted(per.items())], printed_number(st.decision),
                     names.get(st.prepared_by), programs, funds,
                     [(funds.get(code, code), amount) for code, amount in sorted(st.per_fund.items())])


def render_decision(conn: Connection, org_id: int, batch_id: int) -> Pdf:
    """The council's decision approving the batch, with the list of recipients attached."""
    v = batch_view(conn, org_id, batch_id)
    if not v.batch.decision:
        raise InvalidInput("the batch has no decision yet: the council has not approved it", field="batch",
                           reason="not_approved")
    return html_to_pdf(render_html("disbursement.html", title=f"Quyết định {v.number}", v=v,
                                   kind="decision"))


def render_signatures(conn: Connection, org_id: int, batch_id: int) -> Pdf:
    """The list recipients sign when paid in cash."""
    v = batch_view(conn, org_id, batch_id)
    if v.batch.state not in ("approved", "closed"):
        raise InvalidInput("only an approved batch is paid", field="batch", reason="not_approved")
    return html_to_pdf(render_html("disbursement.html", title="Danh sách ký nhận", v=v, kind="signatures"))


def render_voucher(conn: Connection, org_id: int, batch_id: int, line_no: int, *,
                   base_url: str | None = None) -> Pdf:
    """The payment voucher (phiếu chi) of one paid line."""
    v = batch_view(conn, org_id, batch_id)
    line = next((ln for ln in v.lines if ln.line_no == line_no), None)
    if line is None:
        raise NotFound(f"line {line_no} not found", entity="batch_line", id=line_no)
    if not line.voucher:
        raise InvalidInput("the line is not paid yet", field="line", reason="not_paid")
    bl, doc = s.batch_lines, s.documents
    code = conn.execute(sa.select(doc.c.verify_code).join(bl, bl.c.voucher_doc_id == doc.c.id).where(
        bl.c.batch_id == batch_id, bl.c.line_no == line_no)).scalar()
    # the recipient checks, from this code, that the award is counted in what the fund published as paid
    qr = Markup(link_svg(verify_url(code, base_url), scale=2)) if code else None
    return html_to_pdf(render_html("disbursement.html", title=f"Phiếu chi {line.voucher}", v=v, kind="voucher",
                                   line=line, words=amount_in_words(line.amount), today=line.paid_on or date.today(),
                                   qr_svg=qr))
