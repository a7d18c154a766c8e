"""A fund's name through time (issue 26, item 4): a rename from a day by a decision keeps the name before it,
a past period's statement and disclosure keep the name of their days, the code (what the journal names)
never changes, and the history is append-only in the database itself. The fund a successor gets at a
dissolution, named after the district, can be renamed."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from books.beancount import Period
from books.disclosure import disclosure
from books.statements import fund_statement
from ledger import clock, orgs, services
from ledger import schema as s
from ledger.errors import Conflict, InvalidInput, NotFound
from tests.helpers import give, snapshot

from .test_reorganization import province  # noqa: F401 — the fixture


def _names(books, code=None):
    return services.fund_names(books.db, books.org, code or books.other_fund)


def test_a_rename_keeps_the_name_before_and_past_statements_keep_theirs(books):
    give(books, 5_000_000, fund=books.other_fund, on=date(2025, 3, 1))
    r = services.rename_fund(books.db, books.org, "KHT", "Quỹ Khuyến học - Khuyến tài tỉnh Sơn La",
                             on=date(2025, 7, 1), decision="Quyết định 15/QĐ-HKH", user="admin")
    assert r == {"code": "KHT", "name": "Quỹ Khuyến học - Khuyến tài tỉnh Sơn La", "from": "2025-07-01",
                 "before": "Quỹ Khuyến học tỉnh"}
    names = _names(books)
    assert names["name"] == "Quỹ Khuyến học - Khuyến tài tỉnh Sơn La"
    assert [(x.name, x.valid_from, x.decision) for x in names["items"]] == [
        ("Quỹ Khuyến học tỉnh", None, ""),
        ("Quỹ Khuyến học - Khuyến tài tỉnh Sơn La", date(2025, 7, 1), "Quyết định 15/QĐ-HKH")]
    with books.db.read() as c:
        first_half = fund_statement(c, books.org_id, "KHT", Period.parse("2025-01-01", "2025-06-30"))
        second_half = fund_statement(c, books.org_id, "KHT", Period.parse("2025-07-01", "2025-12-31"))
        whole = fund_statement(c, books.org_id, "KHT")
        d1 = disclosure(c, books.org_id, 2025, 2)
        d3 = disclosure(c, books.org_id, 2025, 3)
        code = c.execute(sa.select(s.funds.c.code).where(s.funds.c.id == books.other_fund_id)).scalar()
    assert first_half.name == "Quỹ Khuyến học tỉnh" and second_half.name == whole.name == names["name"]
    assert first_half.donations == 5_000_000  # the same money: only the heading changes
    assert {f.code: f.name for f in d1.funds}["KHT"] == "Quỹ Khuyến học tỉnh"
    assert {f.code: f.name for f in d3.funds}["KHT"] == names["name"]
    assert code == "KHT"
    assert all(r.ok for r in services.verify(books.db))


def test_a_second_rename_adds_one_row_and_the_day_of_each_name_answers(books):
    services.rename_fund(books.db, books.org, "KHT", "Tên hai", on=date(2025, 7, 1), decision="QĐ 1", user="a")
    services.rename_fund(books.db, books.org, "KHT", "Tên ba", on=date(2026, 1, 1), decision="QĐ 2", user="a")
    assert [x.name for x in _names(books)["items"]] == ["Quỹ Khuyến học tỉnh", "Tên hai", "Tên ba"]
    with books.db.read() as c:
        on = {d: orgs.fund_name_on(c, books.org_id, "KHT", d)
              for d in (date(1990, 1, 1), date(2025, 6, 30), date(2025, 7, 1), date(2025, 12, 31), date(2026, 1, 1))}
    assert list(on.values()) == ["Quỹ Khuyến học tỉnh", "Quỹ Khuyến học tỉnh", "Tên hai", "Tên hai", "Tên ba"]


@pytest.mark.parametrize("kwargs, kind, reason", [
    ({"name": "Tên mới", "on": date(2099, 1, 1), "decision": "QĐ"}, InvalidInput, "date_in_future"),
    ({"name": "Tên mới", "on": date(2025, 1, 1), "decision": "   "}, InvalidInput, "required"),
    ({"name": "Quỹ Khuyến học tỉnh", "on": date(2025, 1, 1), "decision": "QĐ"}, Conflict, "same_name"),
    ({"name": "   ", "on": date(2025, 1, 1), "decision": "QĐ"}, InvalidInput, None),
])
def test_a_bad_rename_is_refused_and_writes_nothing(books, kwargs, kind, reason):
    before = snapshot(books.db)
    with pytest.raises(kind) as err:
        services.rename_fund(books.db, books.org, "KHT", user="a", **kwargs)
    if reason:
        assert err.value.params.get("reason") == reason
    assert snapshot(books.db) == before
    with books.db.read() as c:
        assert c.execute(sa.select(s.funds.c.name).where(s.funds.c.code == "KHT")).scalar() == "Quỹ Khuyến học tỉnh"


def test_a_rename_never_takes_effect_before_the_last_one_and_an_unknown_fund_is_not_found(books):
    services.rename_fund(books.db, books.org, "KHT", "Tên hai", on=date(2025, 7, 1), decision="QĐ 1", user="a")
    with pytest.raises(InvalidInput) as err:
        services.rename_fund(books.db, books.org, "KHT", "Tên ba", on=date(2025, 6, 30), decision="QĐ 2", user="a")
    assert err.value.params["reason"] == "before_last_rename" and err.value.params["date"] == "01/07/2025"
    with pytest.raises(NotFound):
        services.rename_fund(books.db, books.org, "KHONG", "Tên", decision="QĐ", user="a")


def test_the_names_history_is_append_only_in_the_database(books):
    services.rename_fund(books.db, books.org, "KHT", "Tên hai", on=date(2025, 7, 1), decision="QĐ 1", user="a")
    for sql in ("UPDATE fund_names SET name = 'Giả mạo'", "DELETE FROM fund_names"):
        with pytest.raises(DBAPIError), books.db.begin() as c:
            c.execute(sa.text(sql))
    assert [x.name for x in _names(books)["items"]] == ["Quỹ Khuyến học tỉnh", "Tên hai"]


def test_the_fund_a_successor_gets_at_a_dissolution_can_be_renamed(province, db):  # noqa: F811
    services.dissolve_organization(db, "SLA-MSO", "SLA", on=date(2025, 7, 1), reason="Giải thể", user="admin")
    with db.read() as c:
        oid = orgs.org_id_by_code(c, "SLA")
        taken = c.execute(sa.select(s.funds.c.name).where(s.funds.c.org_id == oid, s.funds.c.code == "KH")).scalar()
    assert taken == "Quỹ Khuyến học huyện MSO"  # the district's name, as it came
    with clock.frozen(date(2025, 8, 1)):
        services.rename_fund(db, "SLA", "KH", "Quỹ Khuyến học tỉnh (tiếp nhận từ huyện MSO)",
                             decision="Quyết định 20/QĐ-HKH", user="admin")
    names = services.fund_names(db, "SLA", "KH")
    assert names["name"] == "Quỹ Khuyến học tỉnh (tiếp nhận từ huyện MSO)"
    assert names["items"][-1].valid_from == date(2025, 8, 1)  # today, when no day is given
    assert services.fund_names(db, "SLA-MSO", "KH")["items"] == []  # the old books keep theirs
