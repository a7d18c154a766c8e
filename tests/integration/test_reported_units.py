"""Units that report totals: a commune that keeps no books in Quỹ enters its period totals, the province's
consolidation and half-year figures add them beside the books, labelled as reported with their source, and
they stop counting from the day the commune keeps books — no đồng counted twice across that day. A transfer
from the province to a commune changes neither the province-wide raised nor spent figures, whether the commune
keeps books (the pair of entries is eliminated) or reports totals (the province's entry against what the
commune reports as received from above). Bad input is refused with its code and nothing written; the rows
are append-only in the database itself."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from books import service as books
from books import tables
from books.beancount import Period
from books.figures import REPORTED_AWARDS, figures
from ledger import orgs, reported, services
from ledger.errors import Conflict, InvalidAmount, InvalidInput, NotFound, ReportsTotals
from ledger.opening import OpeningLine

H1 = Period.parse("2025-01-01", "2025-06-30")
YEAR = Period.parse("2025-01-01", "2025-12-31")
SOURCE_H2_24 = "Báo cáo số 08/BC-HKH ngày 06/01/2025 của Hội Khuyến học xã Chiềng Cơi"
SOURCE_H1 = "Báo cáo số 12/BC-HKH ngày 05/07/2025 của Hội Khuyến học xã Chiềng Cơi"
FUND = "Quỹ Khuyến học xã Chiềng Cơi"


class _B:
    def __init__(self, db, org, fund):
        self.db, self.org, self.fund = db, org, fund


def gift(db, org, fund, amount, on, name="Nhà hảo tâm"):
    from tests.helpers import give

    return give(_B(db, org, fund), amount, fund=fund, on=on, name=name)


def totals(db, unit="SLA-XCC", *, start, end, raised, awarded, awards, balance, source, from_parent=0,
           corrects=None, fund=FUND, user="thuquy"):
    inp = reported.TotalsInput(fund=fund, start=start, end=end, raised=raised, from_parent=from_parent,
                               awarded=awarded, awards=awards, balance=balance, source=source, corrects=corrects)
    return services.add_reported_totals(db, unit, inp, user=user)


@pytest.fixture
def province(db):
    """SLA with its fund, a district that keeps books (seed 000's Thuận Châu balance) with a commune that keeps
    books, and the commune of Chiềng Cơi, which reports totals: its second half of 2024 and first half of 2025."""
    services.create_organization(db, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
    services.create_fund(db, "SLA", code="KHT", name="Quỹ Khuyến học tỉnh", may_pay_management=True)
    gift(db, "SLA", "KHT", 500_000_000, date(2025, 2, 1))
    services.create_organization(db, code="SLA-TCH", name="Hội Khuyến học huyện Thuận Châu", level="district",
                                 parent="SLA")
    services.create_fund(db, "SLA-TCH", code="KH", name="Quỹ Khuyến học huyện Thuận Châu")
    gift(db, "SLA-TCH", "KH", 610_000_000, date(2025, 3, 1))
    services.create_organization(db, code="SLA-TCH-X1", name="Hội Khuyến học xã Phổng Lái", level="commune",
                                 parent="SLA-TCH")
    services.create_fund(db, "SLA-TCH-X1", code="KH", name="Quỹ Khuyến học xã Phổng Lái")
    gift(db, "SLA-TCH-X1", "KH", 12_000_000, date(2025, 4, 1))
    services.create_organization(db, code="SLA-XCC", name="Hội Khuyến học xã Chiềng Cơi", level="commune",
                                 parent="SLA")
    services.set_reporting(db, "SLA-XCC", reports_totals=True, user="quantri")
    totals(db, start="2024-07-01", end="2024-12-31", raised=30_000_000, awarded=22_500_000, awards=45,
           balance=47_500_000, source=SOURCE_H2_24)
    return db


def identity(t) -> int:
    """opening + receipts − spending − closing of a consolidated row: 0 when it adds up."""
    return (t.opening + t.donations + t.interest + t.other_income + t.capital + t.transfers_in - t.transfers_out
            - t.awards_paid - t.management - t.other_expense - t.closing)


def test_a_reported_unit_s_totals_appear_in_the_province_consolidation_labelled(province):
    db = province
    totals(db, start="2025-01-01", end="2025-06-30", raised=45_000_000, awarded=32_500_000, awards=65,
           balance=60_000_000, source=SOURCE_H1)
    c = books.consolidated(db, "SLA", period=H1)
    assert [r.org for r in c.rows] == ["SLA", "SLA-TCH", "SLA-TCH-X1"]  # no booked row for a unit without books
    (xcc,) = c.reported
    assert (xcc.org, xcc.opening, xcc.opening_as_of, xcc.raised, xcc.awarded, xcc.awards, xcc.closing,
            xcc.closing_as_of, xcc.unexplained) == ("SLA-XCC", 47_500_000, "2024-12-31", 45_000_000, 32_500_000, 65,
                                                    60_000_000, "2025-06-30", 0)
    assert xcc.sources == [SOURCE_H1]
    booked = 500_000_000 + 610_000_000 + 12_000_000
    assert c.booked.closing == booked and c.booked.donations == booked
    assert c.total.closing == booked + 60_000_000  # the whole province: the books and the reported balance
    assert c.total.donations == booked + 45_000_000 and c.total.awards_paid == 32_500_000
    assert c.total.opening == 47_500_000 and identity(c.total) == 0
    t = tables.consolidated_table(c)
    assert ["SLA-XCC", "Hội Khuyến học xã Chiềng Cơi (số báo cáo)"] == t.rows[-1][:2]
    notes = " ".join(t.notes)
    assert SOURCE_H1 in notes and "số báo cáo của 1 đơn vị" in notes and "1.122.000.000" in notes

    with db.read() as conn:
        sla = orgs.org_id_by_code(conn, "SLA")
        f = figures(conn, sla, 2025, 1)
    assert f.raised == booked + 45_000_000 and f.reported_raised == 45_000_000
    assert f.funds_held == booked + 60_000_000 and f.reported_held == 60_000_000
    assert [(a.name, a.count, a.amount) for a in f.awards] == [(REPORTED_AWARDS, 65, 32_500_000)]
    said = " ".join(f.sentences())
    assert "1.182.000.000 đồng (sổ sách: 1.122.000.000 đồng; số báo cáo của 1 đơn vị: 60.000.000 đồng)" in said
    assert "trong đó số báo cáo của 1 đơn vị chưa ghi sổ trên Quỹ: 45.000.000 đồng" in said


def test_a_unit_that_starts_keeping_books_counts_its_books_from_that_day_and_its_totals_before_it(province):
    db = province
    totals(db, start="2025-01-01", end="2025-06-30", raised=45_000_000, awarded=32_500_000, awards=65,
           balance=60_000_000, source=SOURCE_H1)
    with pytest.raises(Conflict) as err:  # its totals reach 30/06: books start after them
        services.set_reporting(db, "SLA-XCC", books_from=date(2025, 6, 30), user="quantri")
    assert err.value.params["reason"] == "totals_overlap_books"
    services.set_reporting(db, "SLA-XCC", books_from=date(2025, 7, 1), user="quantri")
    services.create_fund(db, "SLA-XCC", code="KH", name=FUND)
    with pytest.raises(ReportsTotals):  # a day before its books start is its reports'
        gift(db, "SLA-XCC", "KH", 1_000_000, date(2025, 6, 30))
    services.add_opening(db, "SLA-XCC", date(2025, 7, 1), [OpeningLine("111", "KH", 60_000_000)], user="thuquy")
    gift(db, "SLA-XCC", "KH", 10_000_000, date(2025, 8, 1))
    with pytest.raises(Conflict) as err:  # and totals that reach its books are refused
        totals(db, start="2025-07-01", end="2025-09-30", raised=10_000_000, awarded=0, awards=0,
               balance=70_000_000, source="Báo cáo quý III")
    assert err.value.params["reason"] == "totals_overlap_books"

    booked_before = 500_000_000 + 610_000_000 + 12_000_000
    year = books.consolidated(db, "SLA", period=YEAR)
    rows = {r.org: r for r in year.rows}
    assert rows["SLA-XCC"].closing == 70_000_000 and rows["SLA-XCC"].capital == 60_000_000
    (xcc,) = year.reported
    assert (xcc.raised, xcc.awarded, xcc.to_books, xcc.closing) == (45_000_000, 32_500_000, 60_000_000, 0)
    # no double counting across 01/07: its money is in its books once, its totals before it once
    assert year.total.closing == booked_before + 70_000_000
    assert year.total.donations == booked_before + 45_000_000 + 10_000_000
    assert year.total.capital == 0 and identity(year.total) == 0

    h2 = books.consolidated(db, "SLA", period=Period.parse("2025-07-01", "2025-12-31"))
    (xcc,) = h2.reported  # its last reported balance opens the half, handed to the books on its first day
    assert (xcc.opening, xcc.raised, xcc.to_books, xcc.closing) == (60_000_000, 0, 60_000_000, 0)
    assert h2.total.opening == booked_before + 60_000_000 and h2.total.closing == booked_before + 70_000_000
    assert h2.total.donations == 10_000_000 and h2.total.capital == 0 and identity(h2.total) == 0
    h1 = books.consolidated(db, "SLA", period=H1)  # before its books: only its reports
    assert "SLA-XCC" not in {r.org for r in h1.rows} and h1.reported[0].closing == 60_000_000
    later = books.consolidated(db, "SLA", period=Period.parse("2026-01-01", "2026-06-30"))
    assert later.reported == [] and later.total.opening == booked_before + 70_000_000

    with db.read() as conn:
        sla = orgs.org_id_by_code(conn, "SLA")
        f = figures(conn, sla, 2025)
        f2 = figures(conn, sla, 2025, 2)
    assert f.raised == booked_before + 55_000_000 and f.funds_held == booked_before + 70_000_000
    assert f.reported_held == 0 and f.reported_raised == 45_000_000
    assert f2.raised == 10_000_000 and f2.reported_units == ["SLA-XCC"] and f2.reported_raised == 0


def test_a_transfer_from_the_province_to_a_commune_changes_neither_raised_nor_spent_province_wide(province):
    db = province

    def spent(t):
        return t.awards_paid + t.management + t.other_expense

    with db.read() as conn:
        before = figures(conn, orgs.org_id_by_code(conn, "SLA"), 2025)
    cons_before = books.consolidated(db, "SLA", period=YEAR)
    services.transfer_between(db, "SLA", "SLA-TCH-X1", from_fund="KHT", to_fund="KH", amount=20_000_000,
                              on=date(2025, 5, 1), from_account="111", to_account="111", reason="Hỗ trợ xã khó khăn")
    with db.read() as conn:
        after = figures(conn, orgs.org_id_by_code(conn, "SLA"), 2025)
    cons = books.consolidated(db, "SLA", period=YEAR)
    assert (after.raised, after.award_count, after.award_total, after.funds_held) == (
        before.raised, before.award_count, before.award_total, before.funds_held)
    t, b = cons.total, cons_before.total
    assert (t.donations, spent(t), t.transfers_in, t.transfers_out, t.closing) == (
        b.donations, spent(b), 0, 0, b.closing)
    assert cons.eliminated == 20_000_000
    rows = {r.org: r for r in cons.rows}  # each side still shows it in its own books
    assert rows["SLA"].transfers_out == rows["SLA-TCH-X1"].transfers_in == 20_000_000


def test_a_transfer_to_a_reported_commune_is_eliminated_against_what_it_reports_from_above(province):
    db = province
    r = services.transfer_between(db, "SLA", "SLA-XCC", from_fund="KHT", to_fund=FUND, amount=20_000_000,
                                  on=date(2025, 3, 15), from_account="111", to_account="111",
                                  reason="Cấp kinh phí khen thưởng học sinh xã Chiềng Cơi")
    assert r["to_tx_id"] is None and r["from_tx_id"]  # the province's entry only: the commune keeps no books
    with db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM transactions t JOIN organizations o ON o.id = t.org_id "
                                    "WHERE o.code = 'SLA-XCC'")).scalar() == 0
    totals(db, start="2025-01-01", end="2025-06-30", raised=45_000_000, from_parent=20_000_000, awarded=32_500_000,
           awards=65, balance=60_000_000, source=SOURCE_H1)
    c = books.consolidated(db, "SLA", period=H1)
    assert c.to_reported == c.from_parent == 20_000_000
    assert next(r for r in c.rows if r.org == "SLA").transfers_out == 20_000_000  # the province's books show it
    assert c.total.transfers_out == c.total.transfers_in == 0
    booked = 500_000_000 - 20_000_000 + 610_000_000 + 12_000_000
    assert c.total.donations == 500_000_000 + 610_000_000 + 12_000_000 + 25_000_000  # raised outside the province
    assert c.total.closing == booked + 60_000_000 and identity(c.total) == 0
    with db.read() as conn:
        f = figures(conn, orgs.org_id_by_code(conn, "SLA"), 2025, 1)
    assert f.raised == 500_000_000 + 610_000_000 + 12_000_000 + 25_000_000
    notes = " ".join(tables.consolidated_table(c).notes)
    assert "Đã loại trừ 20.000.000 đồng cấp trên chuyển cho các đơn vị báo cáo số liệu" in notes
    only = books.consolidated(db, "SLA-XCC", period=H1)  # the commune alone: the province's money came from outside
    assert only.total.transfers_in == 20_000_000 and only.total.donations == 25_000_000


def test_corrections_replace_a_row_and_keep_its_history(province):
    db = province
    first = totals(db, start="2025-01-01", end="2025-06-30", raised=45_000_000, awarded=32_500_000, awards=65,
                   balance=61_000_000, source=SOURCE_H1)
    with pytest.raises(Conflict) as err:  # the same period again: a correction names the row it replaces
        totals(db, start="2025-01-01", end="2025-06-30", raised=45_000_000, awarded=32_500_000, awards=65,
               balance=60_000_000, source=SOURCE_H1)
    assert (err.value.params["reason"], err.value.params["id"]) == ("totals_exist", first["id"])
    fixed = totals(db, start="2025-01-01", end="2025-06-30", raised=45_000_000, awarded=32_500_000, awards=65,
                   balance=60_000_000, source=SOURCE_H1 + " (điều chỉnh)", corrects=first["id"])
    with pytest.raises(Conflict) as err:
        totals(db, start="2025-01-01", end="2025-06-30", raised=1, awarded=0, awards=0, balance=0, source="x",
               corrects=first["id"])
    assert err.value.params["reason"] == "already_corrected"
    (unit,) = services.reported_units(db, "SLA")
    rows = {r.id: r for r in unit.rows}
    assert rows[first["id"]].corrected_by == fixed["id"] and not rows[first["id"]].counts
    assert rows[fixed["id"]].corrects_id == first["id"] and rows[fixed["id"]].counts and len(rows) == 3
    (xcc,) = books.consolidated(db, "SLA", period=H1).reported
    assert xcc.closing == 60_000_000 and [x.id for x in xcc.lines] == [fixed["id"]]
    with pytest.raises(Conflict) as err:  # an overlapping period of the same fund (its name matched as names are)
        totals(db, start="2025-06-01", end="2025-09-30", raised=1, awarded=0, awards=0, balance=0, source="x",
               fund="quỹ khuyến học  xã chiềng cơi")
    assert err.value.params["reason"] == "period_overlaps"
    with pytest.raises(NotFound):
        totals(db, start="2025-07-01", end="2025-09-30", raised=1, awarded=0, awards=0, balance=0, source="x",
               corrects=999)


@pytest.mark.parametrize("change, error, reason", [
    ({"raised": 1.5}, InvalidAmount, "not_integer"),
    ({"raised": "45000000"}, InvalidAmount, "not_integer"),
    ({"balance": -1}, InvalidAmount, "negative"),
    ({"awards": -1}, InvalidInput, "bad_count"),
    ({"awards": 2.0}, InvalidInput, "bad_count"),
    ({"start": "2025-06-30", "end": "2025-01-01"}, InvalidInput, "period_reversed"),
    ({"end": "2999-12-31"}, InvalidInput, "date_in_future"),
    ({"start": "1999-12-31"}, InvalidInput, "date_too_early"),
    ({"from_parent": 50_000_000}, InvalidInput, "from_parent_above_raised"),
    ({"awards": 0}, InvalidInput, "awards_missing"),
    ({"awarded": 0}, InvalidInput, "awarded_missing"),
    ({"source": "  "}, InvalidInput, "empty"),
    ({"fund": ""}, InvalidInput, "empty"),
])
def test_bad_totals_are_refused_with_their_code_and_nothing_written(province, change, error, reason):
    db = province
    with db.read() as c:
        before = c.execute(sa.text("SELECT count(*) FROM reported_totals")).scalar()
    args = {**dict(start="2025-01-01", end="2025-06-30", raised=45_000_000, awarded=32_500_000, awards=65,
                   balance=60_000_000, source=SOURCE_H1), **change}
    with pytest.raises(error) as err:
        totals(db, **args)
    assert err.value.params["reason"] == reason and err.value.status == 422
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM reported_totals")).scalar() == before


def test_a_unit_reports_totals_or_keeps_books_never_both(province):
    db = province
    services.create_fund(db, "SLA-XCC", code="KH", name=FUND)
    with pytest.raises(ReportsTotals) as err:  # no books at all while it reports totals
        gift(db, "SLA-XCC", "KH", 1_000_000, date(2025, 3, 1))
    assert err.value.code == "reports_totals" and err.value.status == 409
    with pytest.raises(Conflict) as err:  # a unit that keeps books does not report totals
        totals(db, "SLA-TCH", start="2025-01-01", end="2025-06-30", raised=1, awarded=0, awards=0, balance=1,
               source="x")
    assert err.value.params["reason"] == "keeps_books"
    with pytest.raises(Conflict) as err:  # nor is it marked while its journal holds entries
        services.set_reporting(db, "SLA-TCH", user="quantri")
    assert err.value.params["reason"] == "has_entries"
    with pytest.raises(Conflict) as err:  # unmarked, its reported totals would stop counting
        services.set_reporting(db, "SLA-XCC", reports_totals=False, user="quantri")
    assert err.value.params["reason"] == "has_totals"
    with pytest.raises(Conflict) as err:  # dissolved, its reported balance would be counted twice
        services.dissolve_organization(db, "SLA-XCC", "SLA", on=date(2025, 7, 1), reason="Sáp nhập", user="quantri")
    assert err.value.params["reason"] == "reports_totals_dissolve"
    services.set_reporting(db, "SLA-XCC", books_from=date(2025, 1, 1), user="quantri")
    gift(db, "SLA-XCC", "KH", 1_000_000, date(2025, 3, 1))
    with pytest.raises(Conflict) as err:  # its books now start 01/01: they may not start later
        services.set_reporting(db, "SLA-XCC", books_from=date(2025, 6, 1), user="quantri")
    assert err.value.params["reason"] == "entries_before"


@pytest.mark.parametrize("sql", ["UPDATE reported_totals SET balance = 1", "DELETE FROM reported_totals",
                                 "UPDATE reported_transfers SET amount = 1", "DELETE FROM reported_transfers"])
def test_the_database_refuses_changing_a_reported_row(province, sql):
    db = province
    services.transfer_between(db, "SLA", "SLA-XCC", from_fund="KHT", to_fund=FUND, amount=1_000_000,
                              on=date(2025, 3, 15), from_account="111", to_account="111", reason="Cấp")
    with pytest.raises(sa.exc.DBAPIError):
        with db.engine.begin() as c:
            c.exec_driver_sql(sql)
