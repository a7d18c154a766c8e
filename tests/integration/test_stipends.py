"""Stipend commitments (``ledger/stipends.py``) on SQLite and PostgreSQL: seed 002's 12 students × 500.000 đ
a month = 546.000.000 đ committed; monthly drafts generated once per month; suspend, resume, end early,
hand over; the report's committed, paid, pending and remaining."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import services, stipends
from ledger.errors import Conflict, InvalidInput
from tests.helpers import give, snapshot
from tests.integration.test_disbursements import council, students  # noqa: F401 - fixture


def rows(books):
    with books.db.read() as c:
        return {r.id: r for r in stipends.report(c, books.org_id)}


def approve_and_pay(books, bid, on=date(2023, 9, 30)):
    services.submit_batch(books.db, "SLA", bid, user="tq")
    for m in ("hd1", "hd2"):
        services.vote_batch(books.db, "SLA", bid, approve=True, on=on, user=m)
    services.pay_batch(books.db, "SLA", bid, on=on, user="tq")


def test_seed_002_twelve_students_at_500_000_a_month_commit_546_million(council):  # noqa: F811
    books = council
    give(books, 100_000_000, name="Hội Khuyến học tỉnh", on=date(2023, 8, 1))
    ids = [services.stipend(books.db, "SLA", "commit", recipient=r, program="NEKH", fund="TOHIEU",
                            monthly_amount=500_000, first="2023-09", last="2031-03", user="tq")["id"]
           for r in students(books, 12)]
    report = rows(books)
    assert sum(r.committed for r in report.values()) == 546_000_000  # 12 × 91 months × 500.000 đ
    first = services.stipend(books.db, "SLA", "generate", month="09/2023", user="tq")
    assert first["added"] == 12 and first["amount"] == 6_000_000
    assert services.stipend(books.db, "SLA", "generate", month="2023-09", user="tq")["batch_id"] is None  # once
    approve_and_pay(books, first["batch_id"])
    report = rows(books)
    assert all(r.paid == 500_000 and r.remaining == r.committed - 500_000 for r in report.values())
    october = services.stipend(books.db, "SLA", "generate", month="2023-10", user="tq")
    assert rows(books)[ids[0]].pending == 500_000
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM batch_lines WHERE month = '2023-10-01'")).scalar() == 12
    assert october["added"] == 12


def test_suspend_resume_end_early_and_hand_over(council):  # noqa: F811
    books = council
    a, b, c = students(books, 3)
    cid = services.stipend(books.db, "SLA", "commit", recipient=a, program="NEKH", fund="TOHIEU",
                           monthly_amount=500_000, first="2025-01", last="2025-12", user="tq")["id"]
    services.stipend(books.db, "SLA", "suspend", cid=cid, month="2025-03", note="Nghỉ học ốm", user="tq")
    assert services.stipend(books.db, "SLA", "generate", month="2025-04", user="tq")["batch_id"] is None
    with pytest.raises(InvalidInput):
        services.stipend(books.db, "SLA", "resume", cid=cid, month="2025-02", user="tq")
    services.stipend(books.db, "SLA", "resume", cid=cid, month="2025-05", user="tq")
    assert rows(books)[cid].months == 10  # March and April not owed
    assert services.stipend(books.db, "SLA", "generate", month="2025-05", user="tq")["added"] == 1
    new = services.stipend(books.db, "SLA", "hand_over", cid=cid, to_recipient=b, month="2025-09", user="tq")["id"]
    r = rows(books)
    assert (r[cid].last_month, r[cid].state, r[cid].months) == (date(2025, 8, 1), "ended", 6)
    assert (r[new].first_month, r[new].last_month, r[new].committed, r[new].handed_from) == (
        date(2025, 9, 1), date(2025, 12, 1), 2_000_000, cid)
    batch_sep = services.stipend(books.db, "SLA", "generate", month="2025-09", user="tq")
    with books.db.read() as conn:
        who = conn.execute(sa.text("SELECT recipient_id FROM batch_lines WHERE batch_id = :b"),
                           {"b": batch_sep["batch_id"]}).scalars().all()
    assert who == [b]
    with pytest.raises(Conflict):  # September is in a batch already
        services.stipend(books.db, "SLA", "end", cid=new, last="2025-08", user="tq")
    other = services.stipend(books.db, "SLA", "commit", recipient=c, program="NEKH", fund="TOHIEU",
                             monthly_amount=300_000, first="2025-09", last="2026-05", user="tq")["id"]
    services.stipend(books.db, "SLA", "end", cid=other, last="2025-12", note="Chuyển trường", user="tq")
    assert rows(books)[other].committed == 4 * 300_000


@pytest.mark.parametrize("change", [
    {"monthly_amount": 0}, {"monthly_amount": 1.5}, {"first": "2025-09", "last": "2025-08"}, {"program": "KHONG"},
    {"recipient": 999_999}, {"fund": "KH-KHAC"},
])
def test_bad_commitments_are_refused_with_nothing_written(council, change):  # noqa: F811
    books = council
    (rid,) = students(books, 1)
    before = snapshot(books.db)
    args = {"recipient": rid, "program": "NEKH", "fund": "TOHIEU", "monthly_amount": 500_000, "first": "2025-09",
            "last": "2026-05"} | change
    with pytest.raises(Exception) as err:
        services.stipend(books.db, "SLA", "commit", user="tq", **args)
    assert err.value.__class__.__name__ in ("InvalidInput", "InvalidAmount", "NotFound")
    assert snapshot(books.db) == before


def test_a_month_is_paid_once_in_the_database(council):  # noqa: F811
    books = council
    (rid,) = students(books, 1)
    services.stipend(books.db, "SLA", "commit", recipient=rid, program="NEKH", fund="TOHIEU", monthly_amount=500_000,
                     first="2025-09", last="2025-10", user="tq")
    services.stipend(books.db, "SLA", "generate", month="2025-09", user="tq")
    with pytest.raises(sa.exc.DBAPIError):
        with books.db.begin() as c:
            c.exec_driver_sql("INSERT INTO batch_lines (batch_id, line_no, recipient_id, program_id, fund_id, amount, "
                              "reason, state, cancel_reason, commitment_id, month) SELECT batch_id, line_no + 1, "
                              "recipient_id, program_id, fund_id, amount, reason, state, cancel_reason, commitment_id, "
                              "month FROM batch_lines")
    with pytest.raises(sa.exc.DBAPIError):
        with books.db.begin() as c:
            c.exec_driver_sql("DELETE FROM commitment_events")


def test_seed_002_six_months_paid_before_quy_are_never_batched_and_leave_510_million(council):  # noqa: F811
    """Seed 002's twelve students on 500.000 đ a month from 09/2023 through 03/2031, brought into Quỹ with
    September 2023 to February 2024 paid from the association's earlier books."""
    books = council
    give(books, 100_000_000, name="Hội Khuyến học tỉnh", on=date(2024, 2, 1))
    ids = [services.stipend(books.db, "SLA", "commit", recipient=r, program="NEKH", fund="TOHIEU",
                            monthly_amount=500_000, first="09/2023", last="03/2031", paid_through="02/2024",
                            user="tq")["id"] for r in students(books, 12)]
    report = rows(books)
    total = {k: sum(getattr(r, k) for r in report.values())
             for k in ("committed", "paid", "paid_before", "pending", "remaining")}
    assert total == {"committed": 546_000_000, "paid": 36_000_000, "paid_before": 36_000_000, "pending": 0,
                     "remaining": 510_000_000}
    assert {r.paid_through for r in report.values()} == {date(2024, 2, 1)}
    for month in ("2023-09", "2024-02"):  # the months paid before Quỹ are never put in a batch
        assert services.stipend(books.db, "SLA", "generate", month=month, user="tq")["batch_id"] is None
    march = services.stipend(books.db, "SLA", "generate", month="2024-03", user="tq")
    assert march["added"] == 12 and march["amount"] == 6_000_000
    approve_and_pay(books, march["batch_id"], on=date(2024, 3, 20))
    report = rows(books)
    assert sum(r.paid for r in report.values()) == 42_000_000
    assert sum(r.paid_before for r in report.values()) == 36_000_000
    assert sum(r.remaining for r in report.values()) == 504_000_000
    for action, kw in (("end", {"last": "2024-01"}), ("suspend", {"month": "2024-02"}),  # paid months are history
                       ("hand_over", {"to_recipient": students(books, 1, "Người khác")[0], "month": "2024-01"})):
        with pytest.raises(InvalidInput) as err:
            services.stipend(books.db, "SLA", action, cid=ids[0], user="tq", **kw)
        assert err.value.params["reason"] == "paid_before"
    (rid,) = students(books, 1, "Học sinh mới")
    with pytest.raises(InvalidInput) as err:  # within the commitment
        services.stipend(books.db, "SLA", "commit", recipient=rid, program="NEKH", fund="TOHIEU",
                         monthly_amount=500_000, first="2024-09", last="2025-05", paid_through="2024-08", user="tq")
    assert (err.value.params["field"], err.value.params["reason"]) == ("paid_through", "paid_through_outside")
