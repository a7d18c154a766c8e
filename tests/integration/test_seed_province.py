"""The province built from the associations' own reports through the public use cases only — opening balances
(with a running term deposit and stipends paid before Quỹ), units that report totals, gifts, a council's batch,
the month-end job — on both engines (issue 26, "What it must show"): each seed figure comes out of the books.

* seed 001: the Tô Hiệu campaign raises 2.224.402.000 đ, bringing the fund to 18.224.402.000 đ; with the
  provincial fund, the districts (seed 000's balances), communes that keep books and one that reports totals,
  the whole province holds 25.224.402.000 đ;
* seed 000: 332 grade-12 students × 500.000 đ = 166.000.000 đ, approved by the council and paid;
* seed 004: Đắk Lắk's 2.833.587.000 đ deposit, brought in mid-term, earns 69.762.000 đ in six months;
* seed 002: 12 students × 500.000 đ a month, 546.000.000 đ committed, six months paid before Quỹ: 510.000.000 đ
  remain.
"""

from __future__ import annotations

import random
from datetime import date

from books.beancount import Period
from books.consolidation import consolidated
from books.figures import figures
from books.statements import fund_statement
from ledger import deposits, disbursements, orgs, services, stipends
from ledger.disbursements import LineInput, RecipientInput
from ledger.opening import OpeningDeposit, OpeningLine
from ledger.ops.demo import DISTRICTS, campaign_gifts
from ledger.reported import TotalsInput

OPENING = date(2024, 12, 31)
MARCH = Period.parse("2025-01-01", "2025-03-31")
#: Commune funds that keep books and one commune that reports totals: with the provincial fund (500.000.000 đ) and
#: the districts (seed 000) they make seed 001's 7.000.000.000 đ beside the Tô Hiệu fund.
COMMUNES = (("SLA-YCH", "SLA-YCH-CSA", "xã Chiềng Sàng", 1_200_000_000),
            ("SLA-SMA", "SLA-SMA-CKH", "xã Chiềng Khương", 950_000_000),
            ("SLA-MCH", "SLA-MCH-MSA", "xã Mường Sang", 880_000_000),
            ("SLA-PYE", "SLA-PYE-GPH", "xã Gia Phù", 486_129_000))
REPORTED = ("SLA-MLA", "SLA-MLA-ION", "xã Ít Ong", 1_000_000_000)


def _opening(db, org: str, lines, deposits_=()) -> dict:
    return services.add_opening(db, org, OPENING if org != "DLK" else date(2025, 3, 31),
                                [OpeningLine(*x) for x in lines], list(deposits_), user="tq")


def _province(db) -> None:
    services.create_organization(db, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
    services.create_fund(db, "SLA", code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship",
                         has_principal=True)
    services.create_fund(db, "SLA", code="KHT", name="Quỹ Khuyến học tỉnh Sơn La", may_pay_management=True)
    for code, bank, no in (("1121.BIDV", "BIDV Sơn La", "62010000123456"), ("1121.AGR", "Agribank Sơn La",
                                                                             "7900201003456")):
        services.add_bank_account(db, "SLA", code=code, bank_name=bank, account_no=no)
    _opening(db, "SLA", [("1121.BIDV", "TOHIEU", 13_000_000_000), ("1121.AGR", "TOHIEU", 3_000_000_000),
                         ("3531", "TOHIEU", 10_000_000_000), ("1121.BIDV", "KHT", 500_000_000)])
    for code, name, kind, balance in DISTRICTS:
        services.create_organization(db, code=f"SLA-{code}", name=f"Hội Khuyến học {kind} {name}", level="district",
                                     parent="SLA")
        services.create_fund(db, f"SLA-{code}", code="KH", name=f"Quỹ Khuyến học {kind} {name}")
        if balance:
            _opening(db, f"SLA-{code}", [("1121", "KH", balance)])
    for district, code, name, balance in COMMUNES:
        services.create_organization(db, code=code, name=f"Hội Khuyến học {name}", level="commune", parent=district)
        services.create_fund(db, code, code="KH", name=f"Quỹ Khuyến học {name}")
        _opening(db, code, [("111", "KH", balance)])
    district, code, name, balance = REPORTED
    services.create_organization(db, code=code, name=f"Hội Khuyến học {name}", level="commune", parent=district)
    services.set_reporting(db, code, reports_totals=True, user="admin")
    services.add_reported_totals(db, code, TotalsInput(
        fund=f"Quỹ Khuyến học {name}", start=date(2024, 1, 1), end=date(2024, 12, 31), raised=300_000_000,
        awarded=120_000_000, awards=240, balance=balance, source="Báo cáo số 03/BC-HKH ngày 10/01/2025"), user="tq")


def _campaign(db) -> None:
    services.create_campaign(db, "SLA", code="TOHIEU-2025", name="Vận động Quỹ Tô Hiệu năm 2025",
                             fund_code="TOHIEU", start=date(2025, 3, 1), end=date(2025, 3, 31))
    for gift in sorted(campaign_gifts(random.Random(2025)), key=lambda g: g.date):
        services.record_donation(db, "SLA", gift, user="tq")


def _awards(db) -> None:
    for login in ("hd1", "hd2"):
        services.add_user(db, login=login, name=login, password="mat-khau-hoi-dong", roles=[("SLA", "council")])
    services.add_program(db, "SLA", code="TSMT", name="Tiếp sức mùa thi", funds=["TOHIEU"], default_amount=500_000)
    services.add_program(db, "SLA", code="NEKH", name="Nuôi em khuyến học", funds=["TOHIEU"])
    rids = [services.add_recipient(db, "SLA", RecipientInput(full_name=f"Học sinh lớp 12 số {i:03d}",
                                                             birth_date=date(2007, 1 + i % 12, 1 + i % 28),
                                                             school="THPT Tô Hiệu", grade="12"), user="tq")["id"]
            for i in range(1, 333)]
    bid = services.create_batch(db, "SLA", title="Tiếp sức mùa thi 2025", user="tq",
                                lines=[LineInput(recipient=r, program="TSMT") for r in rids])["id"]
    services.submit_batch(db, "SLA", bid, user="tq")
    for login in ("hd1", "hd2"):
        services.vote_batch(db, "SLA", bid, approve=True, on=date(2025, 6, 5), user=login)
    services.pay_batch(db, "SLA", bid, method="transfer", bank_account="1121.BIDV", on=date(2025, 6, 10), user="tq")
    kids = [services.add_recipient(db, "SLA", RecipientInput(full_name=f"Em nuôi số {i:02d}", grade="5"),
                                   user="tq")["id"] for i in range(1, 13)]
    for k in kids:  # seed 002: until they finish grade 12, six months paid from the association's earlier books
        services.stipend(db, "SLA", "commit", recipient=k, program="NEKH", fund="TOHIEU", monthly_amount=500_000,
                         first="2024-07", last="2032-01", paid_through="2024-12", user="tq")


def _dak_lak(db) -> dict:
    services.create_organization(db, code="DLK", name="Hội Khuyến học tỉnh Đắk Lắk", level="province")
    services.create_fund(db, "DLK", code="KHT", name="Quỹ Khuyến học tỉnh Đắk Lắk")
    services.add_bank_account(db, "DLK", code="1121.VTB", bank_name="VietinBank Đắk Lắk", account_no="106000123456")
    _opening(db, "DLK", [("1121.VTB", "KHT", 50_000_000)], [OpeningDeposit(
        contract_no="VTB 2025/01", bank_account="1121.VTB", principal=2_833_587_000, rate="4,9647",
        start=date(2025, 1, 1), term_months=6, shares={"KHT": 2_833_587_000})])
    services.accrue(db, "DLK", date(2025, 6, 30))
    return services.settle_deposit(db, "DLK", "VTB 2025/01", on=date(2025, 7, 1), bank_interest=69_762_000,
                                   reference="Sổ phụ Vietinbank 01/07/2025", user="tq")


def test_the_province_from_the_seed_reports_through_opening_balances(db):
    _province(db)
    _campaign(db)
    _awards(db)
    settled = _dak_lak(db)
    with db.read() as c:
        sla, dlk = orgs.org_id_by_code(c, "SLA"), orgs.org_id_by_code(c, "DLK")
        assert fund_statement(c, sla, "TOHIEU", MARCH).closing.balance == 18_224_402_000
        cons = consolidated(c, sla, MARCH)
        assert cons.total.closing == 25_224_402_000
        assert [r.org for r in cons.reported] == ["SLA-MLA-ION"]  # labelled as reported, beside the books
        raised = figures(c, sla, start=date(2025, 1, 1), end=date(2025, 3, 31), with_subtree=False, compare=False)
        assert raised.raised == 2_224_402_000
        june = {a.program: a for a in disbursements.awards(c, sla, date(2025, 6, 1), date(2025, 6, 30))}
        assert (june["TSMT"].count, june["TSMT"].amount) == (332, 166_000_000)
        earned = sum(x.total for x in deposits.interest_earned(c, dlk, date(2025, 1, 1), date(2025, 12, 31)))
        (deposit,) = deposits.register(c, dlk, date(2025, 12, 31))
        report = stipends.report(c, sla)
    # the term's interest is the bank's: what the opening brought (January–March) and what Quỹ booked after
    assert settled["interest"] == deposit.earned == 69_762_000 and 0 < earned < 69_762_000
    assert sum(r.committed for r in report) == 546_000_000 and sum(r.remaining for r in report) == 510_000_000
    assert all(r.ok for r in services.verify(db))
