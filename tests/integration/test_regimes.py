"""The legal regimes are dated settings (issue 26, "Regime by date"): revision 0021 seeds Decree 93/2019/NĐ-CP
as amended by Decree 136/2024/NĐ-CP until 28/02/2026 and Decree 03/2026/NĐ-CP from 01/03/2026, one row per
legal form; ``regime_for`` chooses by the day and the organization's legal form; a regime added later takes
over from its first day; the management-cost cap takes its default and maximum from the regime in force, the
council's own choice staying within it; the disclosure cites the regime of its period and adds up."""

from __future__ import annotations

from datetime import date

import pytest

from books.disclosure import disclosure
from ledger import regimes, services
from ledger.errors import Conflict, InvalidInput, NotAllowed
from tests.helpers import give

LATER = dict(code="ND99-2027", name="Nghị định 99/2027/NĐ-CP", citation="Nghị định số 99/2027/NĐ-CP (thử)",
             effective_from=date(2027, 1, 1), cap_default_pct=7, cap_max_pct=12, deadline="02-28",
             forbidden=["Cho vay tiền của quỹ"])


def _for(books, on: date) -> regimes.Regime | None:
    with books.db.read() as c:
        return regimes.regime_for(c, books.org_id, on)


def test_the_seeded_regimes_are_chosen_by_the_day(books):
    with books.db.read() as c:
        rows = regimes.regimes(c)
    assert sorted((r.code, r.legal_form) for r in rows) == [
        ("ND03-2026", "association_fund"), ("ND03-2026", "social_fund"),
        ("ND93-2019", "association_fund"), ("ND93-2019", "social_fund")]
    old, new = _for(books, date(2026, 2, 28)), _for(books, date(2026, 3, 1))
    assert old.code == "ND93-2019" and old.legal_form == "association_fund"
    assert old.name == "Nghị định 93/2019/NĐ-CP (sửa đổi bởi Nghị định 136/2024/NĐ-CP)"
    assert old.effective_to == date(2026, 2, 28) and old.deadline(2025) is None
    assert new.code == "ND03-2026" and new.name == "Nghị định 03/2026/NĐ-CP" and new.effective_to is None
    assert new.deadline(2026) == date(2027, 3, 31)  # the year's receipts and use, before 31 March
    assert "kết quả sử dụng" in new.yearly_disclosure
    for r in (old, new):
        assert (r.cap_default_pct, r.cap_max_pct) == (5, 10)
        assert any("Cho vay" in f for f in r.forbidden)  # lending the fund's money is never allowed
    assert _for(books, date(2019, 12, 31)) is None  # before any regime Quỹ knows


def test_an_organization_set_as_a_social_fund_gets_its_own_regime_row(books):
    assert _for(books, date(2026, 6, 1)).legal_form == "association_fund"  # the default
    services.set_legal_form(books.db, books.org, "social_fund", user="admin")
    for on, code in ((date(2025, 6, 1), "ND93-2019"), (date(2026, 6, 1), "ND03-2026")):
        r = _for(books, on)
        assert (r.code, r.legal_form) == (code, "social_fund")
    with pytest.raises(InvalidInput) as e:
        services.set_legal_form(books.db, books.org, "company", user="admin")
    assert e.value.params["reason"] == "unknown_legal_form"


def test_a_regime_added_later_takes_over_from_its_first_day(books):
    r = services.add_regime(books.db, books.org, legal_form="association_fund", **LATER, user="admin")
    assert r == {"code": "ND99-2027", "legal_form": "association_fund"}
    assert _for(books, date(2026, 12, 31)).code == "ND03-2026"
    later = _for(books, date(2027, 1, 1))
    assert later.code == "ND99-2027" and later.deadline(2027) == date(2028, 2, 28)
    assert later.forbidden == ("Cho vay tiền của quỹ",)
    services.set_legal_form(books.db, books.org, "social_fund", user="admin")
    assert _for(books, date(2027, 6, 1)).code == "ND03-2026"  # added for associations' funds only
    with pytest.raises(Conflict):
        services.add_regime(books.db, books.org, legal_form="association_fund", **LATER, user="admin")
    bad = [dict(cap_default_pct=11, cap_max_pct=10), dict(effective_to=date(2026, 12, 31)), dict(deadline="02-29"),
           dict(legal_form="company"), dict(code="")]
    for change in bad:
        with pytest.raises(InvalidInput):
            services.add_regime(books.db, books.org, **{"legal_form": "social_fund", **LATER, **change}, user="admin")


def test_a_regime_is_added_for_a_top_organization_only(books):
    services.create_organization(books.db, code="SLA-TCH", name="Hội Khuyến học huyện Thuận Châu", level="district",
                                 parent="SLA", user="admin")
    with pytest.raises(NotAllowed):
        services.add_regime(books.db, "SLA-TCH", legal_form="association_fund", **LATER, user="admin")


def test_the_cap_default_and_maximum_follow_the_regime(books):
    services.add_regime(books.db, books.org, legal_form="association_fund", **LATER, user="admin")
    with books.db.read() as c:
        caps = {on: regimes.management_cap(c, books.org_id, on) for on in (date(2026, 6, 1), date(2027, 6, 1))}
    assert (caps[date(2026, 6, 1)].pct, caps[date(2027, 6, 1)].pct) == (5, 7)  # nobody chose: the default
    assert not caps[date(2027, 6, 1)].own
    # the council's choice, within the regime in force today (Decree 03/2026: 5 by right, up to 10)
    with pytest.raises(InvalidInput) as e:
        services.set_management_cap(books.db, books.org, 8, user="admin")
    assert e.value.params["reason"] == "cap_needs_decision"
    with pytest.raises(InvalidInput) as e:
        services.set_management_cap(books.db, books.org, 11, "QĐ 9", user="admin")
    assert e.value.params["reason"] == "cap_above_max" and e.value.params["max"] == 10
    services.set_management_cap(books.db, books.org, 8, "Quyết định 12/QĐ-HĐQLQ", user="admin")
    with books.db.read() as c:
        now, later = regimes.management_cap(c, books.org_id, date(2026, 6, 1)), \
            regimes.management_cap(c, books.org_id, date(2027, 6, 1))
    assert (now.pct, now.decision, now.own) == (8, "Quyết định 12/QĐ-HĐQLQ", True)
    assert later.pct == 8  # the council's 8 % stays within the later regime's 12 %
    # a council's lower cap by right stays; the regime's default no longer applies to it
    services.set_management_cap(books.db, books.org, 3, user="admin")
    with books.db.read() as c:
        assert regimes.management_cap(c, books.org_id, date(2027, 6, 1)).pct == 3


def test_the_disclosure_cites_the_regime_of_its_period_and_adds_up(books):
    give(books, 3_000_000, on=date(2025, 5, 2))
    give(books, 2_000_000, on=date(2026, 4, 2), name="Lò Văn Bình")
    with books.db.read() as c:
        y25, y26, q1 = (disclosure(c, books.org_id, 2025), disclosure(c, books.org_id, 2026),
                        disclosure(c, books.org_id, 2026, 1))
    assert y25.regime == "Nghị định 93/2019/NĐ-CP (sửa đổi bởi Nghị định 136/2024/NĐ-CP)" and y25.deadline is None
    assert y26.regime == "Nghị định 03/2026/NĐ-CP" and y26.deadline == date(2027, 3, 31)
    assert q1.regime_code == "ND03-2026"  # the quarter ends on 31/03/2026, under Decree 03/2026
    assert "kết quả sử dụng" in y26.duty and y26.cap_pct == y26.cap_default_pct == 5 and y26.cap_max_pct == 10
    for d, received in ((y25, 3_000_000), (y26, 2_000_000)):
        assert d.receipts == d.donations == received
        assert d.opening + d.receipts - d.spending == d.closing == sum(f.closing for f in d.funds)
    assert y26.opening == y25.closing == 3_000_000 and y26.closing == 5_000_000
