"""The demo `quy demo` loads: the seeds' books told as a story that ends today, so that a fresh start shows this
year's figures on every page and chart.

The story's campaign year ``C`` is this year from October on, else last year: everything it tells has happened by
today, and nothing but the campaign moves money in the province between the new year and 31 March of ``C``.
On the books of :func:`ledger.ops.demo.load_demo` for ``C``:

* **last year's hand-over** (seed 001: "district associations being dissolved and their assets handed to
  successors"): Thuận Châu's association is dissolved into the province on 1 July of ``C − 1``; its fund, which
  comes over with the district's name, is renamed by the province's decision;
* **communes** under the districts — one of them keeping no books in Quỹ and reporting its totals for last year —
  hold the rest of seed 001's 7.000.000.000 đ of district and commune funds, so
  that on 31 March of ``C`` — the Tô Hiệu fund at 18.224.402.000 đ after the campaign — the whole province holds
  25.224.402.000 đ (:data:`PROVINCE_TOTAL`); the Tô Hiệu deposits open on 1 April, after the campaign;
* **the 332 grade-12 awards** of seed 000 (166.000.000 đ) approved by two council members in June of ``C`` and
  paid by bank transfer;
* **"Nuôi em khuyến học"** (seed 002): 12 students × 500.000 đ a month for 91 months (546.000.000 đ committed),
  for the six months through this one — each month's batch approved and paid on its first day, 36.000.000 đ,
  so 510.000.000 đ remain — with one student's support handed over to another from the fourth month;
* **the Đắk Lắk fund** (seed 004): 2.833.587.000 đ on a six-month deposit at Vietinbank from 1 January of ``C``,
  settled on 1 July at the bank's 69.762.000 đ of interest;
* the month-end accruals booked through the last month-end, every matured deposit settled (rolled over as its
  contract says), and a few gifts of this year (one dated today).

The people who vote (two council members) get random passwords no one is told: they exist to have voted.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import deposits, disbursements, proofs, reorg, reported, stipends, users
from .. import schema as s
from ..clock import today as clock_today
from ..deposits import DepositInput
from ..disbursements import RecipientInput
from ..donations import DonationInput, DonorInput, record_donations, validate_donation
from ..journal import Entry, Line, post
from ..orgs import (
    account_by_code,
    add_bank_account,
    create_fund,
    create_organization,
    org_id_by_code,
    rename_fund,
    set_lock_date,
)
from .demo import load_demo

#: Seed 001: "Tổng số Quỹ của toàn tỉnh" on the campaign's last day.
PROVINCE_TOTAL = 25_224_402_000
TOHIEU_AFTER_CAMPAIGN = 18_224_402_000
#: Demo assumption: the commune funds that, with the districts' (seed 000) and the provincial fund, make seed
#: 001's 7.000.000.000 đ beside the Tô Hiệu fund — (district, code, name, balance).
COMMUNES = (
    ("SLA-YCH", "SLA-YCH-CSI", "xã Chiềng Sàng", 1_200_000_000),
    ("SLA-SMA", "SLA-SMA-CKH", "xã Chiềng Khương", 950_000_000),
    ("SLA-MCH", "SLA-MCH-MSA", "xã Mường Sang", 880_000_000),
    ("SLA-PYE", "SLA-PYE-GPH", "xã Gia Phù", 736_129_000),
)
#: Demo assumption: a commune that keeps no books in Quỹ and reports its totals for last year.
REPORTED = ("SLA-MLA", "SLA-MLA-ICH", "xã Ít Ong", 750_000_000)
STIPEND_STUDENTS = 12  # seed 002: "12 em × 500.000 đồng/tháng"
STIPEND_MONTHS = 91  # 546.000.000 đ committed = 12 × 91 × 500.000 đ
STIPEND_AMOUNT = 500_000
STIPEND_PAID_MONTHS = 6
#: Seed 004: the provincial fund of Đắk Lắk at Vietinbank and the interest the bank paid on it for six months.
DLK_PRINCIPAL = 2_833_587_000
DLK_INTEREST = 69_762_000
COUNCIL = (("hd.lan", "Hoàng Thị Lan"), ("hd.son", "Lò Văn Sơn"))


def story_year(today: date) -> int:
    """The campaign year: this year from October on, else last year (the six months of stipends before today then
    start after the campaign's March, and the story's last fixed day, 1 July, has passed)."""
    return today.year if today >= date(today.year, 10, 1) else today.year - 1


def _month(d: date, k: int) -> date:
    y, m = divmod(d.month - 1 + k, 12)
    return date(d.year + y, m + 1, 1)


def load_story(conn: Connection, *, user: str = "demo", today: date | None = None) -> dict:
    """The whole demo in the caller's unit of work; return a summary."""
    t = today or clock_today()
    c = story_year(t)
    summary = load_demo(conn, user=user, year=c, deposits_from=date(c, 4, 1), districts_opened=date(c - 2, 12, 31))
    sla = summary["org_id"]
    for login, name in COUNCIL:
        users.create_user(conn, login=login, name=name, password=secrets.token_urlsafe(24), actor=user,
                          roles=[(sla, "council")])
    _communes(conn, user, c)
    _hand_over(conn, user, c)
    _approve_and_pay(conn, sla, summary["batch"], date(c, 6, 5), date(c, 6, 10), user)
    stipend = _stipends(conn, sla, t, user)
    dlk = _dak_lak(conn, c, user)
    _month_end(conn, sla, t, user)
    _this_year(conn, sla, t, user)
    published = _lock_campaign_half(conn, sla, c, user)
    return {**summary, "organizations": summary["organizations"] + len(COMMUNES) + 2, "story_year": c,
            "stipend_batches": stipend, "dak_lak": dlk, "published": published}


def _opening(conn: Connection, org_id: int, fund_id: int, account: str, amount: int, on: date, what: str,
             user: str) -> None:
    post(conn, org_id, [Entry(on, f"Số dư đầu kỳ {what}", (
        Line(account_by_code(conn, org_id, account).id, fund_id, amount),
        Line(account_by_code(conn, org_id, "353").id, fund_id, -amount)), source="opening")], user=user)


def _communes(conn: Connection, user: str, c: int) -> None:
    for district, code, name, balance in COMMUNES:
        oid = create_organization(conn, code=code, name=f"Hội Khuyến học {name}", level="commune",
                                  parent_code=district, address=f"{name}, tỉnh Sơn La")
        fid = create_fund(conn, oid, code="KH", name=f"Quỹ Khuyến học {name}", kind="general", may_pay_management=True)
        _opening(conn, oid, fid, "1121", balance, date(c - 2, 12, 31), f"Quỹ Khuyến học {name}", user)
    district, code, name, balance = REPORTED
    oid = create_organization(conn, code=code, name=f"Hội Khuyến học {name}", level="commune", parent_code=district,
                              address=f"{name}, tỉnh Sơn La")
    reported.set_reporting(conn, oid, reports_totals=True)
    reported.add_totals(conn, oid, reported.TotalsInput(
        fund=f"Quỹ Khuyến học {name}", start=date(c - 1, 1, 1), end=date(c - 1, 12, 31), raised=210_000_000,
        awarded=96_500_000, awards=193, balance=balance, source=f"Báo cáo số 02/BC-HKH ngày 08/01/{c}"), user=user)


def _hand_over(conn: Connection, user: str, c: int) -> None:
    """Thuận Châu's association dissolved into the province on 1 July of last year; its fund renamed."""
    tch, sla = org_id_by_code(conn, "SLA-TCH"), org_id_by_code(conn, "SLA")
    on = date(c - 1, 7, 1)
    reorg.dissolve(conn, tch, sla, on=on, user=user,
                   reason="Nghị quyết của Tỉnh hội về sắp xếp tổ chức Hội khi kết thúc hoạt động cấp huyện")
    rename_fund(conn, sla, "KH", "Quỹ Khuyến học (tiếp nhận từ huyện Thuận Châu)", on=on, user=user,
                decision="Quyết định số 18/QĐ-HKH của Hội Khuyến học tỉnh Sơn La")


def _approve_and_pay(conn: Connection, org_id: int, batch_id: int, voted: date, paid: date, user: str) -> None:
    for login, _name in COUNCIL:
        disbursements.vote(conn, org_id, batch_id, member=login, approve=True, on=voted)
    disbursements.pay(conn, org_id, batch_id, method="transfer", bank_account="1121.BIDV", on=paid, user=user)


def _stipends(conn: Connection, org_id: int, t: date, user: str) -> int:
    """Seed 002's students, their months from six months ago paid, one student's support handed over."""
    first = _month(t.replace(day=1), 1 - STIPEND_PAID_MONTHS)  # this month is the sixth, paid on its first day
    last = _month(first, STIPEND_MONTHS - 1)
    names = ("Lò Thị Mai", "Quàng Văn Tú", "Cầm Thị Hoa", "Lường Văn Minh", "Tòng Thị Nga", "Vì Văn Sơn",
             "Giàng A Dũng", "Mùa Thị Lan", "Điêu Văn Hải", "Hà Thị Yến", "Sồng A Long", "Lò Văn Khánh",
             "Cầm Văn Quân")
    rids = [disbursements.add_recipient(conn, org_id, RecipientInput(
        full_name=n, birth_date=date(t.year - 10, 1 + i % 12, 1 + i), school="Trường PTDTBT THCS Chiềng Sơn",
        grade="5", commune="xã Chiềng Sơn", categories=["mo_coi_ca_hai" if i % 3 == 0 else "mo_coi_mot"]),
        user=user)["id"] for i, n in enumerate(names)]
    cids = [stipends.commit(conn, org_id, recipient=r, program="NEKH", fund="TOHIEU", monthly_amount=STIPEND_AMOUNT,
                            first=first, last=last, user=user) for r in rids[:STIPEND_STUDENTS]]
    batches = 0
    for k in range(STIPEND_PAID_MONTHS):
        m = _month(first, k)
        if k == 3:  # the family of the last student moved away: a classmate takes over from this month
            stipends.hand_over(conn, org_id, cids[-1], to_recipient=rids[STIPEND_STUDENTS], month=m, user=user,
                               note="Gia đình chuyển đi nơi khác")
        r = stipends.generate(conn, org_id, month=m, user=user)
        disbursements.submit(conn, org_id, r["batch_id"], user=user)
        _approve_and_pay(conn, org_id, r["batch_id"], m, m, user)
        batches += 1
    return batches


def _dak_lak(conn: Connection, c: int, user: str) -> dict:
    """Seed 004: the fund on a six-month deposit from 1 January, settled on 1 July at the bank's interest."""
    oid = create_organization(conn, code="DLK", name="Hội Khuyến học tỉnh Đắk Lắk", level="province",
                              address="Số 6 Lê Duẩn, phường Buôn Ma Thuột, tỉnh Đắk Lắk")
    fid = create_fund(conn, oid, code="KHT", name="Quỹ Khuyến học tỉnh Đắk Lắk", kind="general",
                      may_pay_management=True)
    add_bank_account(conn, oid, code="1121.VTB", bank_name="VietinBank Chi nhánh Đắk Lắk",
                     account_no="106000123456", bin="970415")
    _opening(conn, oid, fid, "1121.VTB", DLK_PRINCIPAL, date(c - 1, 12, 31), "Quỹ Khuyến học tỉnh Đắk Lắk", user)
    contract = f"01/{c}/HĐTG-VTB"
    opened = deposits.open_deposit(conn, oid, DepositInput(
        contract_no=contract, bank_account="1121.VTB", principal=DLK_PRINCIPAL, rate="4,9647",
        start=date(c, 1, 1), term_months=6, shares={"KHT": DLK_PRINCIPAL}), user=user)
    deposits.accrue(conn, oid, through=date(c, 6, 30), user=user)
    settled = deposits.settle(conn, oid, opened["id"], user=user, on=date(c, 7, 1), bank_interest=DLK_INTEREST,
                              reference=f"Sổ phụ Vietinbank ngày 01/07/{c}")
    return {"deposit": contract, "interest": settled["interest"]}


def _month_end(conn: Connection, org_id: int, t: date, user: str) -> None:
    """Every month-end accrual and monthly payment through the last month-end; each matured deposit settled."""
    through = t.replace(day=1) - timedelta(days=1)
    while True:
        deposits.accrue(conn, org_id, through=through, user=user)
        d = s.deposits
        due = conn.execute(sa.select(d.c.id, d.c.maturity).where(
            d.c.org_id == org_id, d.c.maturity <= t,
            ~sa.exists().where(s.deposit_events.c.deposit_id == d.c.id,
                               s.deposit_events.c.kind == "settlement")).order_by(d.c.maturity, d.c.id)).all()
        if not due:
            return
        for dep in due:
            deposits.settle(conn, org_id, dep.id, user=user, on=dep.maturity)


def _lock_campaign_half(conn: Connection, org_id: int, c: int, user: str) -> int:
    """The province's books locked through the campaign's half-year: its months and quarters are published (signed
    roots of the gifts and of the awards paid, ``ledger/proofs.py``), so each campaign receipt's QR code proves its
    gift counted, and each June award's voucher its payment."""
    through = date(c, 6, 30)
    set_lock_date(conn, org_id, through)
    return len(proofs.publish(conn, org_id, through, user=user))


def _this_year(conn: Connection, org_id: int, t: date, user: str) -> None:
    """A few gifts of this year to the provincial fund, the last one today."""
    days = sorted({max(date(t.year, 1, 1), t - timedelta(days=k)) for k in (40, 12, 0)})
    gifts = [DonationInput(fund="KHT", amount=amount, date=day, kind="cash", donor=DonorInput(name=name))
             for day, (name, amount) in zip(days, (("Bùi Thị Thanh Hương", 2_000_000), ("Đỗ Văn Chiến", 1_000_000),
                                                   ("Vũ Ngọc Trang", 500_000)), strict=False)]
    record_donations(conn, org_id, [validate_donation(g) for g in gifts], user=user, source="demo")
