"""The council's, the province's and the public pages' charts (issue 10): each from a small known ledger,
its SVG checked for the labels and ``1.500.000 đ`` figures it carries, its table against the ledger's own
figures to the đồng; no data, one month, a negative month; hostile names escaped; no student named."""

from __future__ import annotations

from datetime import date

from books.charts import council, province, public
from books.charts.style import NO_DATA
from books.consolidation import consolidated
from books.disclosure import disclosure
from ledger import disbursements as d
from ledger import orgs, queries, services
from ledger.balances import fund_balances
from ledger.disbursements import LineInput, RecipientInput
from ledger.ops.demo import load_demo
from tests.helpers import give

from .test_charts import EVIL, assert_safe, axis_labels, parse

STUDENT = "Lò Thị Xuân Hoà Độc Nhất"


def setup_programs(books, *, evil=False):
    for login in ("hd1", "hd2", "hd3"):
        services.add_user(books.db, login=login, name=login, password="mat-khau-thu-nghiem",
                          roles=[("SLA", "council")])
    services.add_program(books.db, "SLA", code="TSMT", name="Tiếp sức mùa thi", funds=["TOHIEU", "KHT"],
                         default_amount=500_000)
    services.add_program(books.db, "SLA", code="NEKH", name=EVIL if evil else "Nuôi em khuyến học",
                         funds=["TOHIEU"])


def recipients(books, n, prefix="Học sinh"):
    return [services.add_recipient(books.db, "SLA", RecipientInput(full_name=f"{prefix} {i:03d}", school="THPT",
                                                                   grade="12"), user="tq")["id"]
            for i in range(1, n + 1)]


def batch(books, rids, program="TSMT", fund="TOHIEU", amount=None, **kw) -> int:
    lines = [LineInput(recipient=r, program=program, fund=fund, amount=amount, **kw) for r in rids]
    bid = services.create_batch(books.db, "SLA", title="Danh sách", lines=lines, user="tq")["id"]
    services.submit_batch(books.db, "SLA", bid, user="tq")
    return bid


def approve_and_pay(books, bid, on):
    services.vote_batch(books.db, "SLA", bid, approve=True, on=on, user="hd1")
    services.vote_batch(books.db, "SLA", bid, approve=True, on=on, user="hd2")
    services.pay_batch(books.db, "SLA", bid, on=on, user="tq")


# ----------------------------------------------------------------------------- the council


def test_council_chart_sets_waiting_batches_against_each_funds_spendable_money(books):
    setup_programs(books)
    give(books, 10_000_000, on=date(2026, 1, 5))
    give(books, 1_000_000, on=date(2026, 1, 5), fund="KHT")
    rids = recipients(books, 5)
    batch(books, rids[:3])  # 3 × 500.000 from Tô Hiệu
    batch(books, rids[3:], fund="KHT", amount=1_500_000)  # 2 × 1.500.000 from KHT: more than it may spend
    draft = services.create_batch(books.db, "SLA", title="Nháp", user="tq")["id"]  # a draft does not count
    services.add_batch_lines(books.db, "SLA", draft, [LineInput(recipient=rids[0], program="TSMT", fund="TOHIEU")],
                             user="tq")
    with books.db.read() as c:
        ch = council.chart(council.waiting(c, books.org_id))
        ref = {r.name: r.figures.spendable for r in fund_balances(c, [books.org_id])}
        per_fund = {}
        for b in d.register(c, books.org_id, state="submitted"):
            for code, amount in d.batch_state(c, books.org_id, b.id).per_fund.items():
                per_fund[code] = per_fund.get(code, 0) + amount
    assert ch.headers == ("Quỹ", "Được phép chi", "Chờ duyệt", "Còn được chi sau khi duyệt")
    assert ch.rows == [("Quỹ Khuyến học tỉnh", 1_000_000, 3_000_000, -2_000_000),
                       ("Quỹ học bổng Tô Hiệu", 10_000_000, 1_500_000, 8_500_000)]
    assert {r[0]: r[1] for r in ch.rows} == {k: v for k, v in ref.items()}
    assert sorted(r[2] for r in ch.rows) == sorted(per_fund.values())  # the batches' own totals
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert "Danh sách chờ hội đồng duyệt so với số được phép chi của từng quỹ (đồng)" in text
    for label in ("Được phép chi", "Chờ duyệt", "Còn được chi sau khi duyệt", "Quỹ học bổng Tô Hiệu"):
        assert label in text
    assert "1.500.000 đ" in text and "8.500.000 đ" in text and "-2.000.000 đ" in text
    assert any(x.startswith("-") for x in axis_labels(root))  # asking more than it may spend: below zero


def test_council_chart_with_nothing_waiting_is_the_no_data_chart_and_ignores_approved_batches(books):
    with books.db.read() as c:
        ch = council.chart(council.waiting(c, books.org_id))
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert ch.empty and NO_DATA in text and ch.rows == [] and axis_labels(root) == []
    setup_programs(books)
    give(books, 10_000_000, on=date(2026, 1, 5))
    approve_and_pay(books, batch(books, recipients(books, 2)), date(2026, 1, 20))
    with books.db.read() as c:
        assert council.chart(council.waiting(c, books.org_id)).empty  # approved and paid: nothing waits


# ----------------------------------------------------------------------------- the province


def test_province_chart_is_the_consolidated_reports_closing_balances(db):
    with db.begin() as c:
        load_demo(c)
    with db.read() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        cons = consolidated(c, sla)
        ch = province.chart(cons)
    assert ch.rows == [(r.name, r.closing, r.spendable) for r in cons.rows]
    assert ch.total == ("Hợp nhất toàn hệ thống", cons.total.closing, cons.total.spendable)
    assert sum(r[1] for r in ch.rows) == cons.total.closing  # nothing moved inside: nothing eliminated
    names = {r[0]: r[1] for r in ch.rows}
    assert names["Hội Khuyến học huyện Thuận Châu"] == 610_000_000 and names["Hội Khuyến học huyện Mai Sơn"] == 0
    assert len(ch.rows) == 13  # the province's own books and its 12 districts
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert "Số dư quỹ của từng đơn vị cuối kỳ (đồng)" in text
    assert "Thuận Châu" in text and "Mai Sơn" in text
    assert "610.000.000 đ" in text and "331.598.000 đ" in text
    assert "Hội Khuyến học huyện Thuận Châu 610.000.000 đ" in text and "Hội Khuyến học huyện Mai Sơn 0 đ" in text
    assert f"Hợp nhất toàn hệ thống: {cons.total.closing:,} đ".replace(",", ".") in text


def test_province_chart_with_no_money_anywhere_is_the_no_data_chart(books):
    with books.db.read() as c:
        ch = province.chart(consolidated(c, books.org_id))
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert ch.empty and NO_DATA in text and ch.total[1:] == (0, 0)


# ----------------------------------------------------------------------------- the public pages


def test_public_in_out_per_month_equals_the_disclosure_months_with_a_negative_month(books):
    give(books, 1_500_000, on=date(2026, 1, 5))
    r = give(books, 2_000_000, on=date(2025, 12, 5))
    services.reverse(books.db, books.org, r["tx_id"], reason="Ghi nhầm", on=date(2026, 2, 3), user="test")
    setup_programs(books)
    approve_and_pay(books, batch(books, recipients(books, 2)), date(2026, 1, 20))
    with books.db.read() as c:
        months = queries.disclosure(c, books.org_id, books.fund_id, 2026)
        ch = public.in_out(months, 2026)
    assert ch.rows == [(f"{m.month:02d}/2026", m.receipts, m.spending) for m in months]
    assert ch.rows[0] == ("01/2026", 1_500_000, 1_000_000) and ch.rows[1] == ("02/2026", -2_000_000, 0)
    assert ch.total == ("Cả năm", -500_000, 1_000_000)
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert "Thu, chi của quỹ theo tháng (đồng)" in text and "Thu" in text and "Chi" in text
    assert "1.500.000 đ" in text and "-2.000.000 đ" in text and "01/2026" in text
    assert any(x.startswith("-") for x in axis_labels(root))
    give(books, 700_000, on=date(2026, 5, 9), fund="KHT")
    with books.db.read() as c:  # one month only; and a year with nothing
        one = public.in_out(queries.disclosure(c, books.org_id, books.other_fund_id, 2026), 2026)
        none = public.in_out(queries.disclosure(c, books.org_id, books.fund_id, 2019), 2019)
    assert [r for r in one.rows if r[1] or r[2]] == [("05/2026", 700_000, 0)] and not one.empty
    root, text = parse(one.svg)
    assert "700.000 đ" in text and NO_DATA not in text and not any(x.startswith("-") for x in axis_labels(root))
    assert none.empty and NO_DATA in parse(none.svg)[1] and all(r[1:] == (0, 0) for r in none.rows)


def test_public_awards_by_program_equal_the_disclosure_awards_and_name_no_student(books):
    setup_programs(books, evil=True)
    give(books, 20_000_000, on=date(2026, 1, 5))
    rids = recipients(books, 3, prefix=STUDENT)
    approve_and_pay(books, batch(books, rids), date(2026, 1, 20))
    approve_and_pay(books, batch(books, rids[:2], program="NEKH", amount=1_500_000), date(2026, 3, 2))
    open_ = batch(books, rids[2:], program="NEKH", amount=700_000)  # submitted, not paid: not an award yet
    assert open_
    with books.db.read() as c:
        data = public.awards_by_program(c, books.org_id, books.fund_id, date(2026, 1, 1), date(2026, 12, 31))
        ch = public.awards(data, 2026)
        ref = disclosure(c, books.org_id, 2026)
        other = public.awards_by_program(c, books.org_id, books.other_fund_id, date(2026, 1, 1),
                                         date(2026, 12, 31))
    assert [(r[0], r[1], r[2]) for r in ch.rows] == [(a.program_name, a.count, a.amount) for a in ref.awards]
    assert ch.rows == [(EVIL, 2, 3_000_000), ("Tiếp sức mùa thi", 3, 1_500_000)]
    assert ch.total == ("Cộng", 5, 4_500_000) and ch.counts == (1,)
    assert other == [] and public.awards(other, 2026).empty
    root, text = parse(ch.svg)
    assert_safe(root, ch.svg)
    assert "<script" not in ch.svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in ch.svg
    assert "Khen thưởng, học bổng theo chương trình (đồng)" in text
    assert "Tiếp sức mùa thi (3 lượt)" in text and "1.500.000 đ" in text and "3.000.000 đ" in text
    assert STUDENT not in ch.svg and "Lò Thị" not in ch.svg
