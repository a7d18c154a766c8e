"""The demo `quy demo` loads matches the seeds and is dated relative to today (issue 26, item 7), on both
engines and on any day of the year: the whole province holds 25.224.402.000 đ on the campaign's last day with
the Tô Hiệu fund at 18.224.402.000 đ; the 332 grade-12 awards are approved and paid (166.000.000 đ); the Đắk Lắk
deposit settled at the bank's 69.762.000 đ; the stipends commit 546.000.000 đ, 36.000.000 đ paid and
510.000.000 đ remaining, one handed over; last year's dissolution with the successor's fund renamed; every
month-end booked and no deposit left matured; this year has gifts, awards and interest; the books verify."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from books.beancount import Period
from books.consolidation import consolidated
from books.statements import fund_statement
from ledger import clock, closing, deposits, disbursements, orgs, services, stipends
from ledger import schema as s
from ledger.ops.story import DLK_INTEREST, PROVINCE_TOTAL, TOHIEU_AFTER_CAMPAIGN, load_story, story_year


def _story(db, day: date) -> int:
    with clock.frozen(day), db.begin() as c:
        return load_story(c, user="demo")["story_year"]


@pytest.mark.parametrize("day", [None, date(2027, 1, 3), date(2026, 9, 30), date(2026, 10, 1)],
                         ids=["today", "3-january", "30-september", "1-october"])
def test_the_story_tells_the_seeds_figures_on_any_day(db, day):
    day = day or clock.today()
    year = _story(db, day)
    assert year == story_year(day) and date(year, 7, 1) <= day
    last_month_end = day.replace(day=1) - timedelta(days=1)
    with clock.frozen(day), db.read() as c:
        sla, dlk = orgs.org_id_by_code(c, "SLA"), orgs.org_id_by_code(c, "DLK")
        march = Period.parse(date(year, 1, 1), date(year, 3, 31))
        cons = consolidated(c, sla, march)
        assert cons.total.closing == PROVINCE_TOTAL and [r.org for r in cons.reported] == ["SLA-MLA-ICH"]
        assert fund_statement(c, sla, "TOHIEU", march).closing.balance == TOHIEU_AFTER_CAMPAIGN
        june = {a.program: a for a in disbursements.awards(c, sla, date(year, 6, 1), date(year, 6, 30))}
        assert (june["TSMT"].count, june["TSMT"].amount) == (332, 166_000_000)
        settled = [r for r in deposits.register(c, dlk, date(year, 12, 31)) if r.contract_no == f"01/{year}/HĐTG-VTB"]
        assert settled and settled[0].interest == DLK_INTEREST
        report = stipends.report(c, sla)
        assert (sum(r.committed for r in report), sum(r.paid for r in report),
                sum(r.remaining for r in report)) == (546_000_000, 36_000_000, 510_000_000)
        assert [r.state for r in report].count("ended") == 1 and sum(r.handed_from is not None for r in report) == 1
        assert orgs.fund_name_on(c, sla, "KH", day) == "Quỹ Khuyến học (tiếp nhận từ huyện Thuận Châu)"
        assert orgs.fund_name_on(c, sla, "KH", date(year - 1, 6, 30)) == "Quỹ Khuyến học huyện Thuận Châu"
        tch = c.execute(sa.select(s.organizations.c.dissolved_on).where(s.organizations.c.code == "SLA-TCH")).scalar()
        assert tch == date(year - 1, 7, 1)
        for oid in (sla, dlk):  # every month-end booked, no deposit waiting to be settled
            assert all(ch.ok for ch in closing.check(c, oid, last_month_end)), closing.check(c, oid, last_month_end)
            assert all(r.settled_on is not None for r in deposits.deposits(c, oid) if r.maturity <= day)
        this_year = Period.parse(date(day.year, 1, 1), day)
        assert fund_statement(c, sla, "KHT", this_year).donations > 0  # a gift today, at least
        tohieu = fund_statement(c, sla, "TOHIEU", this_year)
        assert tohieu.awards >= 6_000_000  # this month's stipends, paid on its first day
    assert all(r.ok for r in services.verify(db))
