"""Registers for auditors as tables: the donations register for a period (with each gift's receipt
number and whether it was reversed), ready for the page, CSV, XLSX and PDF like the statements."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import deposits, disbursements, documents
from ledger import schema as s
from ledger.documents import format_number, series_label
from ledger.errors import InvalidInput
from ledger.interest import format_rate

from .beancount import Period
from .tables import Table, period_text
from .tabular import Day

KINDS_VI = {"cash": "Tiền mặt", "transfer": "Chuyển khoản", "in_kind": "Hiện vật", "pledge": "Cam kết"}


#: Rows read from the database at a time by a streamed register (a server-side cursor on PostgreSQL).
CHUNK = 2000


def _stream(conn: Connection, q):
    """The rows of ``q`` read :data:`CHUNK` at a time, never all at once."""
    for part in conn.execution_options(stream_results=True, yield_per=CHUNK).execute(q).partitions():
        yield from part


def _count(conn: Connection, q) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(q.order_by(None).subquery())).scalar()


def donations_register(conn: Connection, org_id: int, period: Period, *, lazy: bool = False) -> Table:
    """Every donation of the period, oldest first: who gave what to which fund, its receipt, its reversal.
    ``lazy``: the rows are a generator over ``conn`` (read them before it closes) and the total is summed
    as they pass — an export of any length in constant memory."""
    q = donations_query(org_id, period)
    org = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)).scalar()
    t_ = Table("SỔ THEO DÕI NHẬN ỦNG HỘ", f"{org} · {period_text(period)}",
               ["Số", "Ngày", "Nhà hảo tâm", "Quỹ", "Đợt vận động", "Hình thức", "Số tiền", "Hiện vật",
                "Theo địa chỉ", "Tham chiếu", "Biên nhận", "Đã đảo"],
               [False] * 6 + [True] + [False] * 5, slug="donations")
    kept = [0]

    def rows():
        for r in _stream(conn, q):
            item = f"{r.item_description} × {r.item_quantity} {r.item_unit or ''}".strip() if r.item_description else ""
            if not r.reversed:
                kept[0] += r.amount
            yield [r.id, Day.of(r.date), r.name, r.fund, r.campaign or "", KINDS_VI.get(r.kind, r.kind), r.amount,
                   item, r.earmark or "", r.reference,
                   format_number(r.doc_series, r.doc_year, r.doc_number) if r.doc_number else "",
                   "có" if r.reversed else ""]

    t_.rows = rows()
    t_.total = lambda: ["", "", "Cộng (trừ các khoản đã đảo)", "", "", "", kept[0], "", "", "", "", ""]
    t_.count = lambda: _count(conn, q)
    return t_ if lazy else t_.materialized()


def donations_query(org_id: int, period: Period):
    """The donations register's query: one row per donation with its latest receipt's number."""
    d, dn, f, c, t = s.donations, s.donors, s.funds, s.campaigns, s.transactions
    doc, inner = s.documents.alias("doc"), s.documents.alias("inner_doc")
    first_doc = sa.select(sa.func.max(inner.c.id)).where(inner.c.donation_id == d.c.id).scalar_subquery()
    rev = sa.exists().where(t.c.reverses_id == d.c.tx_id)
    q = (sa.select(d.c.id, d.c.date, dn.c.name, f.c.code.label("fund"), c.c.code.label("campaign"), d.c.kind,
                   d.c.amount, d.c.item_description, d.c.item_quantity, d.c.item_unit, d.c.earmark, d.c.reference,
                   rev.label("reversed"), doc.c.series.label("doc_series"), doc.c.year.label("doc_year"),
                   doc.c.number.label("doc_number"))
         .join(dn, dn.c.id == d.c.donor_id).join(f, f.c.id == d.c.fund_id).outerjoin(c, c.c.id == d.c.campaign_id)
         .outerjoin(doc, doc.c.id == first_doc)
         .where(d.c.org_id == org_id, *period.bounds(d.c.date)).order_by(d.c.date, d.c.id))
    return q


def _dmy(d) -> str:
    return d.strftime("%d/%m/%Y") if hasattr(d, "strftime") else (str(d) if d else "")


def receipts_register(conn: Connection, org_id: int, year: int, series: str = "BN", *, lazy: bool = False) -> Table:
    """Every number of a series in a year, voided ones with their reason and their replacement (``lazy``: as
    :func:`donations_register`, the rows read from the database a chunk at a time as they are written)."""

    org = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)).scalar()
    t = Table(f"SỔ ĐĂNG KÝ BIÊN NHẬN {series_label(series, year)}", f"{org} · năm {year}",
              ["Số", "Ngày", "Nhà hảo tâm", "Quỹ", "Số tiền", "Tình trạng", "Lý do hủy", "Thay cho", "Được thay bằng"],
              [False] * 4 + [True] + [False] * 4, slug=f"receipts-{series}-{year}")
    seen = {"n": 0, "void": 0, "valid": 0}

    def rows():
        for r in documents.iter_register(conn, org_id, series=series, year=year, chunk=CHUNK):
            seen["n"] += 1
            if r.state == "void":
                seen["void"] += 1
            else:
                seen["valid"] += r.amount or 0
            yield [r.label, Day.of(r.date), r.donor or "", r.fund or "", r.amount if r.amount is not None else "",
                   "đã hủy" if r.state == "void" else "còn hiệu lực", r.void_reason or "", r.replaces or "",
                   r.replaced_by or ""]

    t.rows = rows()
    t.total = lambda: ["", "", f"{seen['n']} số, {seen['void']} đã hủy", "", seen["valid"], "", "", "", ""]
    d = s.documents
    t.count = lambda: conn.execute(sa.select(sa.func.count()).select_from(d).where(
        d.c.org_id == org_id, d.c.series == series, d.c.year == year)).scalar()
    return t if lazy else t.materialized()


def disbursement_register(conn: Connection, org_id: int) -> Table:
    """Every batch with its decision, approval date, the council's votes, and what was paid and cancelled."""

    org = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)).scalar()
    t = Table("SỔ THEO DÕI CHI KHEN THƯỞNG, HỌC BỔNG", org,
              ["Đợt", "Tên", "Trạng thái", "Người lập", "Quyết định", "Ngày duyệt", "Biểu quyết", "Số lượt",
               "Tổng duyệt", "Đã chi", "Đã hủy"], [False] * 8 + [True] * 3, slug="disbursements")
    vote = {"approve": "đồng ý", "reject": "không đồng ý"}
    state = {"draft": "đang lập", "submitted": "chờ Hội đồng duyệt", "approved": "đã duyệt, chờ chi",
             "closed": "đã đóng"}
    for b in reversed(disbursements.register(conn, org_id)):
        votes = "; ".join(f"{m}: {vote.get(v, v)}" + (f" ({c})" if c else "") for m, v, _at, c in b.votes)
        t.rows.append([b.id, b.title, state.get(b.state, b.state), b.prepared_by, b.decision or "",
                       _dmy(b.approved_on), votes, b.lines, b.total, b.paid, b.cancelled])
    return t


def deposit_register(conn: Connection, org_id: int, as_of) -> Table:
    """The term deposits as of a day, with what each earned and what was accrued for it."""

    org = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)).scalar()
    rows = deposits.register(conn, org_id, as_of)
    t = Table("SỔ THEO DÕI TIỀN GỬI CÓ KỲ HẠN", f"{org} · đến ngày {_dmy(as_of)}",
              ["Hợp đồng", "Ngân hàng", "Tiền gốc", "Lãi suất", "Ngày gửi", "Đáo hạn", "Tình trạng", "Lãi đến ngày",
               "Đã dự thu", "Quỹ sở hữu"], [False, False, True, False, False, False, False, True, True, False],
              slug="deposits")
    state = {"open": "đang gửi", "matured": "đến hạn, chưa tất toán", "closed": "đã tất toán"}
    for r in rows:
        t.rows.append([r.contract_no, r.bank, r.principal, format_rate(r.rate_ppm), _dmy(r.start), _dmy(r.maturity),
                       state.get(r.state, r.state), r.earned, r.accrued, ", ".join(f"{f}: {a:,}".replace(",", ".")
                                                                                   for f, a in r.owners)])
    t.total = ["Cộng", "", sum(r.principal for r in rows if r.state != "closed"), "", "", "", "",
               sum(r.earned for r in rows), sum(r.accrued for r in rows), ""]
    return t


MAX_JOURNAL_ROWS = 50_000  # a journal on paper or in a sheet beyond this is no use: take the CSV or beancount


def journal_register(conn: Connection, org_id: int, period: Period, *, lazy: bool = False) -> Table:
    """The journal of a period: each posting with its transaction's number, date, document and description
    (``lazy``: as :func:`donations_register`)."""
    t_, p, a, f = s.transactions, s.postings, s.accounts, s.funds
    cond = [t_.c.org_id == org_id, *period.bounds(t_.c.date)]
    n = conn.execute(sa.select(sa.func.count()).select_from(p.join(t_, t_.c.id == p.c.tx_id)).where(*cond)).scalar()
    if n > MAX_JOURNAL_ROWS:

        raise InvalidInput(f"{n} postings: choose a shorter period (at most {MAX_JOURNAL_ROWS})", field="to",
                           reason="too_long")
    org = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == org_id)).scalar()
    table = Table("SỔ NHẬT KÝ CHUNG", f"{org} · {period_text(period)}",
                  ["Số", "Ngày", "Chứng từ", "Diễn giải", "Tài khoản", "Quỹ", "Nợ", "Có"],
                  [False] * 6 + [True, True], slug="journal")
    sums = [0, 0]
    q = (sa.select(t_.c.seq, t_.c.date, t_.c.doc_ref, t_.c.description, a.c.code, f.c.code.label("fund"),
                   p.c.amount)
         .join(p, p.c.tx_id == t_.c.id).join(a, a.c.id == p.c.account_id)
         .join(f, f.c.id == p.c.fund_id).where(*cond).order_by(t_.c.seq, p.c.id))

    def rows():
        for r in _stream(conn, q):
            dr, cr = (r.amount, "") if r.amount > 0 else ("", -r.amount)
            sums[0] += r.amount if r.amount > 0 else 0
            sums[1] += -r.amount if r.amount < 0 else 0
            yield [r.seq, Day.of(r.date), r.doc_ref, r.description, r.code, r.fund, dr, cr]

    table.rows = rows()
    table.total = lambda: ["", "", "", "Cộng", "", "", sums[0], sums[1]]
    table.count = lambda: n
    return table if lazy else table.materialized()
