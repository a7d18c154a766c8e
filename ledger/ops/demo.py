"""Demo books built from the associations' own reports (``shared/seeds``).

* Sơn La provincial association (seed 001, first half of 2025): the Tô Hiệu scholarship fund opens
  2025 at 16.000.000.000 đ and its 2025 campaign raises 2.224.402.000 đ from many donors, bringing it to
  18.224.402.000 đ; the provincial learning-promotion fund holds the 500.000.000 đ of seed 000.
* The district associations with the fund balances seed 000 reports (Thuận Châu 610.000.000 đ …
  Mai Sơn 0 đ).

Where the seeds are silent the demo says so: how the Tô Hiệu money is split between term deposits and
the bank (the four deposits of ``DEPOSITS``, opened in January 2025 and not yet accrued: run
``quy accrue --through 2025-06-30``), and that 10.000.000.000 đ of it is protected principal, are
assumptions for the demo.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy.engine import Connection

from ..clock import now_iso
from ..deposits import DepositInput, open_deposit
from ..disbursements import LineInput, add_lines, add_program, create_batch, submit
from ..donations import DonationInput, DonorInput, ValidDonation, create_campaign, record_donations, validate_donation
from ..journal import Entry, Line, post
from ..names import match_key
from ..orgs import account_by_code, add_bank_account, create_fund, create_organization, set_document_settings
from ..schema import recipients

PROVINCE = ("SLA", "Hội Khuyến học tỉnh Sơn La", "Tổ 2, phường Chiềng Lề, thành phố Sơn La, tỉnh Sơn La")

#: Seed 000: district fund balances ("Cấp huyện, TP: hiện từng đơn vị có số Quỹ là …").
DISTRICTS = (
    ("TCH", "Thuận Châu", "huyện", 610_000_000),
    ("YCH", "Yên Châu", "huyện", 380_000_000),
    ("SMA", "Sông Mã", "huyện", 331_598_000),
    ("SCO", "Sốp Cộp", "huyện", 153_347_000),
    ("PYE", "Phù Yên", "huyện", 129_000_000),
    ("MCH", "Mộc Châu", "huyện", 112_000_000),
    ("MLA", "Mường La", "huyện", 96_249_000),
    ("BYE", "Bắc Yên", "huyện", 95_000_000),
    ("QNH", "Quỳnh Nhai", "huyện", 51_077_000),
    ("TPS", "Sơn La", "thành phố", 13_600_000),
    ("VHO", "Vân Hồ", "huyện", 12_000_000),
    ("MSO", "Mai Sơn", "huyện", 0),
)

TOHIEU_OPENING = 16_000_000_000
TOHIEU_PRINCIPAL = 10_000_000_000  # demo assumption
TOHIEU_DEPOSITS = 13_000_000_000  # demo assumption (seed 002: most of the money is in term deposits)
CAMPAIGN_TOTAL = 2_224_402_000  # seed 001

#: Demo assumption: the Tô Hiệu money on term deposit as the deposits a treasurer would hold early in 2025
#: (contract, bank account, principal, annual rate, start, months, interest paid, rollover, owners); one is
#: shared with the provincial fund. Rates are of the kind the state banks offered then.
DEPOSITS = (
    ("01/2025/HĐTG-BIDV", "1121.BIDV", 5_800_000_000, "4,7", date(2025, 1, 2), 12, "maturity", "principal",
     {"TOHIEU": 5_800_000_000}),
    ("02/2025/HĐTG-BIDV", "1121.BIDV", 4_000_000_000, "5", date(2025, 1, 2), 24, "maturity", "none",
     {"TOHIEU": 4_000_000_000}),
    ("7900-2025-0015", "1121.AGR", 3_000_000_000, "5,2", date(2025, 1, 3), 36, "monthly", "none",
     {"TOHIEU": 3_000_000_000}),
    ("03/2025/HĐTG-BIDV", "1121.BIDV", 400_000_000, "4", date(2025, 1, 6), 6, "maturity", "principal_interest",
     {"TOHIEU": 200_000_000, "KHT": 200_000_000}),
)
assert sum(d[8].get("TOHIEU", 0) for d in DEPOSITS) == TOHIEU_DEPOSITS
KHT_OPENING = 500_000_000  # seed 000: the spring campaign's gift to the provincial fund

_ORG_DONORS = (
    ("Ngân hàng TMCP Đầu tư và Phát triển Việt Nam - Chi nhánh Sơn La", 200_000_000),
    ("Ngân hàng Nông nghiệp và Phát triển Nông thôn - Chi nhánh tỉnh Sơn La", 150_000_000),
    ("Công ty Điện lực Sơn La", 120_000_000),
    ("Viettel Sơn La", 100_000_000),
    ("Công ty Cổ phần Mía đường Sơn La", 100_000_000),
    ("Ngân hàng TMCP Công Thương Việt Nam - Chi nhánh Sơn La", 100_000_000),
    ("Ngân hàng TMCP Ngoại thương Việt Nam - Chi nhánh Sơn La", 80_000_000),
    ("Công ty Thủy điện Sơn La", 150_000_000),
    ("Sở Giáo dục và Đào tạo tỉnh Sơn La", 50_000_000),
    ("Bảo hiểm Xã hội tỉnh Sơn La", 30_000_000),
    ("Công ty TNHH Một thành viên Xổ số kiến thiết Sơn La", 60_000_000),
    ("Trường Cao đẳng Sơn La", 20_000_000),
    ("Bộ Chỉ huy Bộ đội Biên phòng tỉnh Sơn La", 25_000_000),
    ("Công ty Cổ phần Xi măng Mai Sơn", 70_000_000),
    ("Hội Doanh nhân trẻ tỉnh Sơn La", 45_000_000),
    ("Trường THPT Chuyên Sơn La", 15_000_000),
    ("Công ty Cổ phần Cà phê Phúc Sinh Sơn La", 40_000_000),
    ("Hợp tác xã Nông nghiệp Chiềng Mung", 10_000_000),
)
_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Lò", "Cầm", "Quàng",
           "Lường", "Tòng", "Điêu", "Hà", "Vì", "Sồng", "Giàng", "Mùa")
_MIDDLE = ("Văn", "Thị", "Thị Thu", "Minh", "Đức", "Thị Hồng", "Quang", "Thanh", "Ngọc", "Xuân")
_GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh",
          "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phương", "Quân", "Sơn", "Thảo", "Thắng", "Trang",
          "Tuấn", "Việt", "Xuân", "Yến", "Chiến", "Duyên")
_PLACES = ("phường Chiềng Lề", "phường Tô Hiệu", "phường Quyết Thắng", "xã Chiềng Ngần",
           "thị trấn Hát Lót", "thị trấn Thuận Châu", "thị trấn Mộc Châu", "xã Chiềng Mung")


def campaign_gifts(rng: random.Random, year: int = 2025) -> list[DonationInput]:
    """Return the Tô Hiệu campaign's gifts (seed 001's of 2025, in March of ``year``): organizations, people, goods,
    a pledge; they sum to exactly :data:`CAMPAIGN_TOTAL`."""
    gifts: list[DonationInput] = []
    day = lambda: date(year, 3, rng.randint(1, 28))  # noqa: E731

    def add(name, amount, kind="transfer", donor_kind="organization", **kw):
        if kind == "transfer":
            kw.setdefault("bank_account", "1121.AGR")  # the province has two banks: a transfer names its own
        gifts.append(DonationInput(
            fund="TOHIEU", amount=amount, date=kw.pop("on", None) or day(), kind=kind,
            campaign=f"TOHIEU-{year}",
            donor=DonorInput(name=name, kind=donor_kind, address=kw.pop("address", "tỉnh Sơn La"),
                             anonymous=kw.pop("anonymous", False)),
            **kw))

    for name, amount in _ORG_DONORS:
        add(name, amount)
    add("Công ty Cổ phần Sách và Thiết bị trường học Sơn La", 36_000_000, kind="in_kind",
        item_description="Bộ sách giáo khoa lớp 12", item_quantity=300, item_unit="bộ")
    add("Tổng công ty Điện lực miền Bắc", 100_000_000, kind="pledge")
    add("Quỹ Hỗ trợ Giáo dục Hàn Quốc tại Việt Nam", 25_450_000, fx_amount="1000.00",
        fx_currency="USD", reference="SWIFT 2503-118")
    add("Gia đình cố nhà giáo Lò Văn Pọm", 200_000_000, to_principal=True, donor_kind="person",
        address="phường Tô Hiệu, thành phố Sơn La")
    add("Nhà hảo tâm giấu tên", 10_000_000, kind="cash", donor_kind="person", anonymous=True)
    people = set()
    while len(people) < 90:
        people.add(f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}")
    for name in sorted(people):
        add(name, rng.choice((500_000, 1_000_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000)),
            kind=rng.choice(("cash", "transfer")), donor_kind="person",
            address=f"{rng.choice(_PLACES)}, tỉnh Sơn La")
    rest = CAMPAIGN_TOTAL - sum(g.amount for g in gifts)
    assert rest > 0
    add("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Sơn La (tập hợp ủng hộ của cán bộ, đảng viên)", rest)
    return gifts


def load_demo(conn: Connection, *, user: str = "demo", year: int = 2025, deposits_from: date | None = None,
              districts_opened: date | None = None) -> dict:
    """Create the demo organizations, funds and books in the caller's unit of work; return a summary.

    The books of seed 001's campaign year, ``year`` (2025 as the seeds tell it): the province opens on the last
    day of the year before, its deposits open in January (or all on ``deposits_from``), the campaign runs in
    March, the districts open on ``districts_opened`` (default: with the province). The full demo `quy demo`
    loads, dated relative to today, is :func:`ledger.ops.story.load_story`."""
    rng = random.Random(2025)
    code, name, address = PROVINCE
    sla = create_organization(conn, code=code, name=name, level="province", address=address)
    # demo assumption: gifts of 1.000.000 đ or more enter the gold book; the signatories are invented
    set_document_settings(conn, sla, gold_book_threshold=1_000_000, signatory_title="Chủ tịch Hội",
                          signatory_name="Nguyễn Văn Hải", treasurer_name="Nguyễn Thị Mai")
    tohieu = create_fund(conn, sla, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship",
                         purpose="Học bổng cho học sinh, sinh viên nghèo vượt khó, học giỏi",
                         has_principal=True)
    kht = create_fund(conn, sla, code="KHT", name="Quỹ Khuyến học tỉnh Sơn La", kind="general",
                      purpose="Khuyến học, khuyến tài, xây dựng xã hội học tập",
                      may_pay_management=True)
    bidv = add_bank_account(conn, sla, code="1121.BIDV", bank_name="BIDV Chi nhánh Sơn La",
                            account_no="62010000123456", bin="970418")
    agr = add_bank_account(conn, sla, code="1121.AGR", bank_name="Agribank Chi nhánh tỉnh Sơn La",
                           account_no="7900201003456", bin="970405")
    acct = lambda c: account_by_code(conn, sla, c).id  # noqa: E731
    opening = date(year - 1, 12, 31)
    at_agribank = sum(d[2] for d in DEPOSITS if d[1] == "1121.AGR")
    post(conn, sla, [
        Entry(opening, "Số dư đầu kỳ Quỹ học bổng Tô Hiệu", (
            Line(bidv, tohieu, TOHIEU_OPENING - at_agribank),
            Line(agr, tohieu, at_agribank),
            Line(acct("3531"), tohieu, -TOHIEU_PRINCIPAL),
            Line(acct("353"), tohieu, -(TOHIEU_OPENING - TOHIEU_PRINCIPAL)),
        ), source="opening"),
        Entry(opening, "Số dư đầu kỳ Quỹ Khuyến học tỉnh", (
            Line(bidv, kht, KHT_OPENING), Line(acct("353"), kht, -KHT_OPENING),
        ), source="opening"),
    ], user=user)
    for contract, bank, principal, rate, start, months, pays, rollover, shares in DEPOSITS:
        open_deposit(conn, sla, DepositInput(
            contract_no=contract.replace("2025", str(year)), bank_account=bank, principal=principal, rate=rate,
            start=deposits_from or start.replace(year=year), shares=shares, term_months=months, pays=pays,
            rollover=rollover), user=user)

    create_campaign(conn, sla, code=f"TOHIEU-{year}", name=f"Vận động ủng hộ Quỹ học bổng Tô Hiệu năm {year}",
                    fund_code="TOHIEU", start=date(year, 3, 1), end=date(year, 3, 31))
    gifts = campaign_gifts(rng, year)
    valid: list[ValidDonation] = [validate_donation(g) for g in gifts]
    valid.sort(key=lambda v: v.date)
    record_donations(conn, sla, valid, user=user, source="demo")
    record_donations(conn, sla, [validate_donation(DonationInput(
        fund="KHT", amount=5_000_000, date=date(year, 4, 2), kind="cash",
        donor=DonorInput(name="Đinh Thị Lan", address="xã Chiềng Ngần, thành phố Sơn La"),
        earmark="Học bổng cho em Lò Thị Mai, lớp 11, trường THPT Tô Hiệu"))], user=user, source="demo")
    batch = _disbursements(conn, sla, rng, year, user=user)
    for dcode, dname, dkind, balance in DISTRICTS:
        did = create_organization(conn, code=f"SLA-{dcode}", name=f"Hội Khuyến học {dkind} {dname}",
                                  level="district", parent_code="SLA",
                                  address=f"{dkind} {dname}, tỉnh Sơn La")
        fid = create_fund(conn, did, code="KH", name=f"Quỹ Khuyến học {dkind} {dname}",
                          kind="general", may_pay_management=True)
        if balance:
            post(conn, did, [Entry(districts_opened or opening, f"Số dư đầu kỳ Quỹ Khuyến học {dkind} {dname}", (
                Line(account_by_code(conn, did, "1121").id, fid, balance),
                Line(account_by_code(conn, did, "353").id, fid, -balance),
            ), source="opening")], user=user)
    return {"organizations": 1 + len(DISTRICTS), "campaign_gifts": len(gifts), "year": year, "batch": batch,
            "org_id": sla}


#: Award programmes the seeds name, with the funds they draw from and a default amount (demo assumption).
PROGRAMS = (
    ("TSMT", "Tiếp sức mùa thi", ("TOHIEU",), 500_000, ("vuot_kho",)),
    ("NEKH", "Nuôi em khuyến học", ("TOHIEU", "KHT"), 500_000, ("mo_coi_ca_hai", "mo_coi_mot")),
    ("HKBGC", "Học không bao giờ cùng", ("KHT",), None, ("gia_dinh_hoc_tap",)),
    ("TCE", "Tết cho em", ("KHT",), 300_000, ()),
)
GRADE_12 = 332  # seed 000: "166 triệu đồng cho 332 HS lớp 12 có hoàn cảnh khó khăn, vượt khó"


def _disbursements(conn: Connection, org_id: int, rng: random.Random, year: int, *, user: str) -> int:
    """The programmes, and seed 000's list of 332 grade-12 students × 500.000 đ from the Tô Hiệu fund as a
    batch submitted to the council (the students' names are invented; nothing of it is public)."""
    for code, name, funds, amount, cats in PROGRAMS:
        add_program(conn, org_id, code=code, name=name, funds=list(funds), default_amount=amount, categories=cats)
    names = set()
    while len(names) < GRADE_12:
        names.add(f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE)} {rng.choice(_GIVEN)}")
    schools = ("THPT Tô Hiệu", "THPT Chiềng Sinh", "THPT Mộc Lỵ", "THPT Mai Sơn", "THPT Thuận Châu",
               "THPT Phù Yên", "PT Dân tộc nội trú tỉnh")
    rows = [{"org_id": org_id, "full_name": n, "match_key": match_key(n),
             "birth_date": date(year - 18, 1 + i % 12, 1 + i % 28),
             "gender": ("nam", "nu")[i % 2], "school": schools[i % len(schools)], "grade": "12",
             "commune": rng.choice(_PLACES), "guardian": "", "phone": "", "bank_name": "", "bank_account_no": "",
             "categories": "vuot_kho", "created_by": user, "created_at": now_iso()}
            for i, n in enumerate(sorted(names))]
    conn.execute(recipients.insert(), rows)
    ids = [r for (r,) in conn.execute(recipients.select().with_only_columns(recipients.c.id)
                                      .where(recipients.c.org_id == org_id).order_by(recipients.c.id))]
    bid = create_batch(conn, org_id, user=user,
                       title=f"Tiếp sức mùa thi năm {year}: học sinh lớp 12 có hoàn cảnh khó khăn, vượt khó")
    add_lines(conn, org_id, bid, [LineInput(recipient=r, program="TSMT") for r in ids], user=user)
    submit(conn, org_id, bid, user=user)
    return bid
