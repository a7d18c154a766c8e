"""Disbursements (``ledger/disbursements.py``) on SQLite and PostgreSQL: seed 000's batch of 332 grade-12
students from drafting to payment, the council's quorum and the segregation of duties, reservations
against spendable money (protected principal included), cancelling, items in kind, earmarked gifts, and
bad input refused with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from ledger import disbursements as d
from ledger import services
from ledger.disbursements import LineInput, RecipientInput
from ledger.errors import Conflict, InsufficientFunds, InvalidInput, NotAllowed
from tests.helpers import figures, give, snapshot

PW = "mat-khau-thu-nghiem"


@pytest.fixture
def council(books):
    """Three council members (hd1–hd3), an auditor and a treasurer (tq) in SLA; a program on each fund."""
    for login, role in (("hd1", "council"), ("hd2", "council"), ("hd3", "council"), ("kt", "auditor"),
                        ("tq", "treasurer")):
        services.add_user(books.db, login=login, name=login, password=PW, roles=[("SLA", role)])
    services.add_program(books.db, "SLA", code="TSMT", name="Tiếp sức mùa thi", funds=["TOHIEU"],
                         default_amount=500_000, categories=["vuot_kho"])
    services.add_program(books.db, "SLA", code="NEKH", name="Nuôi em khuyến học", funds=["TOHIEU", "KHT"])
    return books


def students(books, n: int, prefix: str = "Học sinh") -> list[int]:
    return [services.add_recipient(books.db, "SLA", RecipientInput(
        full_name=f"{prefix} {i:03d}", birth_date=date(2007, 1 + i % 12, 1 + i % 28), school="THPT Tô Hiệu",
        grade="12", categories=["vuot_kho"]), user="tq")["id"] for i in range(1, n + 1)]


def draft(books, rids, amount=None, program="TSMT", fund=None, **kw) -> int:
    lines = [LineInput(recipient=r, program=program, fund=fund, amount=amount, **kw) for r in rids]
    return services.create_batch(books.db, "SLA", title="Khen thưởng học sinh lớp 12", lines=lines, user="tq")["id"]


def state(books, bid):
    with books.db.read() as c:
        return d.batch_state(c, books.org_id, bid)


def test_seed_000_grade_12_batch_approved_by_two_of_three_and_paid(council):
    books = council
    give(books, 200_000_000, name="Công ty Điện lực Sơn La")
    rids = students(books, 332)
    bid = draft(books, rids)  # the program's default: 500.000 đ each
    assert state(books, bid).total == 166_000_000
    services.submit_batch(books.db, "SLA", bid, user="tq")
    before = figures(books)
    first = services.vote_batch(books.db, "SLA", bid, approve=True, comment="Đồng ý", user="hd1")
    assert first["state"] == "submitted" and (first["approvals"], first["quorum"]) == (1, 2)
    second = services.vote_batch(books.db, "SLA", bid, approve=True, on=date(2025, 6, 5), user="hd2")
    assert second["state"] == "approved" and second["decision"].startswith("QD/25 ")
    reserved = figures(books)
    assert (reserved.balance, reserved.reserved) == (before.balance, 166_000_000)
    assert reserved.spendable == before.spendable - 166_000_000
    paid = services.pay_batch(books.db, "SLA", bid, on=date(2025, 6, 10), user="tq")
    assert paid["paid"] == 332 and paid["amount"] == 166_000_000 and paid["closed"]
    assert paid["vouchers"][0] == "PC/25 0000001" and paid["vouchers"][-1] == "PC/25 0000332"
    after = figures(books)
    assert after.balance == before.balance - 166_000_000 and after.reserved == 0
    assert after.spendable == before.spendable - 166_000_000
    assert state(books, bid).state == "closed"
    with books.db.read() as c:
        awards = c.execute(sa.text(
            "SELECT count(*), sum(p.amount) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN transactions t ON t.id = p.tx_id WHERE a.code = '811'")).one()
    assert tuple(awards) == (1, 166_000_000)  # one approval entry for the whole decision
    with books.db.read() as c:
        (tsmt,) = d.awards(c, books.org_id, date(2025, 1, 1), date(2025, 12, 31))
    assert (tsmt.program_name, tsmt.count, tsmt.amount) == ("Tiếp sức mùa thi", 332, 166_000_000)  # "332 lượt"
    assert all(r.ok for r in services.verify(books.db))


def test_segregation_of_duties(council):
    books = council
    give(books, 10_000_000)
    rid = students(books, 1)[0]
    bid = services.create_batch(books.db, "SLA", title="Đợt 1", lines=[LineInput(rid, "TSMT")], user="hd1")["id"]
    with pytest.raises(Conflict):
        services.pay_batch(books.db, "SLA", bid, user="tq")  # a draft is never paid
    services.submit_batch(books.db, "SLA", bid, user="hd1")
    with pytest.raises(Conflict):
        services.pay_batch(books.db, "SLA", bid, user="tq")  # nor a submitted one
    before = snapshot(books.db)
    with pytest.raises(NotAllowed) as err:
        services.vote_batch(books.db, "SLA", bid, approve=True, user="hd1")  # its preparer
    assert err.value.params["reason"] == "preparer_cannot_approve"
    for outsider in ("kt", "tq"):
        with pytest.raises(NotAllowed):
            services.vote_batch(books.db, "SLA", bid, approve=True, user=outsider)
    assert snapshot(books.db) == before
    services.vote_batch(books.db, "SLA", bid, approve=True, user="hd2")
    again = services.vote_batch(books.db, "SLA", bid, approve=True, user="hd2")  # twice counts once
    assert again["counted"] is False and again["approvals"] == 1 and again["state"] == "submitted"
    assert services.vote_batch(books.db, "SLA", bid, approve=True, user="hd3")["state"] == "approved"


def test_a_rejection_returns_the_batch_to_draft_with_its_reason(council):
    books = council
    give(books, 10_000_000)
    bid = draft(books, students(books, 2))
    services.submit_batch(books.db, "SLA", bid, user="tq")
    with pytest.raises(InvalidInput):
        services.vote_batch(books.db, "SLA", bid, approve=False, user="hd1")  # a rejection says why
    r = services.vote_batch(books.db, "SLA", bid, approve=False, comment="Thiếu xác nhận của nhà trường", user="hd1")
    assert r["state"] == "draft" and state(books, bid).reject_reason == "Thiếu xác nhận của nhà trường"
    services.submit_batch(books.db, "SLA", bid, user="tq")  # round 2: earlier votes do not count
    assert services.vote_batch(books.db, "SLA", bid, approve=True, user="hd1")["approvals"] == 1
    assert services.vote_batch(books.db, "SLA", bid, approve=True, user="hd2")["state"] == "approved"


def test_a_batch_spends_interest_but_not_protected_principal(council):
    books = council
    give(books, 1_000_000_000, name="Tập đoàn Viettel", to_principal=True)
    give(books, 50_000_000, name="Lãi tiền gửi (thay)")
    assert figures(books).spendable == 50_000_000
    services.add_user(books.db, login="hd4", name="hd4", password=PW, roles=[("SLA", "council")])
    too_much = draft(books, students(books, 1), amount=50_000_001)
    services.submit_batch(books.db, "SLA", too_much, user="tq")
    services.vote_batch(books.db, "SLA", too_much, approve=True, user="hd1")
    services.vote_batch(books.db, "SLA", too_much, approve=True, user="hd2")
    before = snapshot(books.db)
    with pytest.raises(InsufficientFunds):
        services.vote_batch(books.db, "SLA", too_much, approve=True, user="hd3")  # the quorum of 4 is 3
    assert snapshot(books.db) == before and state(books, too_much).state == "submitted"
    ok = draft(books, students(books, 1, "Sinh viên"), amount=50_000_000)
    services.submit_batch(books.db, "SLA", ok, user="tq")
    for m in ("hd1", "hd2", "hd3"):
        services.vote_batch(books.db, "SLA", ok, approve=True, user=m)
    assert state(books, ok).state == "approved" and figures(books).spendable == 0
    assert figures(books).principal == 1_000_000_000


def test_cancelling_an_unpaid_line_releases_its_reservation(council):
    books = council
    give(books, 5_000_000)
    give(books, 5_000_000, kind="transfer", bank_account="1121.BIDV")  # line 1 is paid from the bank
    bid = draft(books, students(books, 3), amount=1_000_000)
    services.submit_batch(books.db, "SLA", bid, user="tq")
    for m in ("hd1", "hd2"):
        services.vote_batch(books.db, "SLA", bid, approve=True, user=m)
    services.pay_batch(books.db, "SLA", bid, line_nos=[1], method="transfer", bank_account="1121.BIDV", user="tq")
    assert figures(books).reserved == 2_000_000
    with pytest.raises(InvalidInput):
        services.cancel_batch_line(books.db, "SLA", bid, 2, reason=" ", user="tq")
    r = services.cancel_batch_line(books.db, "SLA", bid, 2, reason="Học sinh đã chuyển trường", user="tq")
    assert r["released"] == 1_000_000 and not r["closed"] and figures(books).reserved == 1_000_000
    with pytest.raises(Conflict):
        services.pay_batch(books.db, "SLA", bid, line_nos=[1], user="tq")  # already paid
    assert services.pay_batch(books.db, "SLA", bid, user="tq")["closed"]
    f = figures(books)
    assert (f.balance, f.reserved, f.spendable) == (8_000_000, 0, 8_000_000)


def test_items_in_kind_come_from_the_funds_goods(council):
    books = council
    give(books, 30_000_000, name="Công ty Xe đạp Thống Nhất", kind="in_kind", item_description="Xe đạp",
         item_quantity=10, item_unit="chiếc")
    bid = draft(books, students(books, 12), amount=3_000_000, item_description="Xe đạp", item_quantity=1)
    services.submit_batch(books.db, "SLA", bid, user="tq")
    services.vote_batch(books.db, "SLA", bid, approve=True, user="hd1")
    with pytest.raises(InsufficientFunds):  # 12 bicycles, 10 in store
        services.vote_batch(books.db, "SLA", bid, approve=True, user="hd2")
    services.vote_batch(books.db, "SLA", bid, approve=False, comment="Chỉ có 10 xe", user="hd3")
    with books.db.begin() as c:
        for n in (11, 12):
            d.remove_line(c, books.org_id, bid, n)
    services.submit_batch(books.db, "SLA", bid, user="tq")
    for m in ("hd1", "hd2"):
        services.vote_batch(books.db, "SLA", bid, approve=True, user=m)
    again = draft(books, students(books, 1, "Sinh viên"), amount=3_000_000, item_description="Xe đạp",
                  item_quantity=1)
    services.submit_batch(books.db, "SLA", again, user="tq")
    for m in ("hd1", "hd2"):  # approved while the 10 bicycles are still in store
        services.vote_batch(books.db, "SLA", again, approve=True, user=m)
    assert services.pay_batch(books.db, "SLA", bid, user="tq")["closed"]
    f = figures(books)
    assert f.non_cash == 0 and f.balance == 0
    with pytest.raises(InsufficientFunds):  # the same goods are not handed over twice
        services.pay_batch(books.db, "SLA", again, user="tq")


def test_an_earmarked_gift_goes_only_to_the_recipient_it_names(council):
    books = council
    (lan,) = students(books, 1, "Lò Thị")  # "Lò Thị 001"
    (other,) = students(books, 1, "Cầm Văn")
    gift = give(books, 5_000_000, name="Đinh Thị Lan", fund="KHT", earmark="Học bổng cho em Lò Thị 001")
    before = snapshot(books.db)
    with pytest.raises(InvalidInput) as err:
        draft(books, [other], amount=5_000_000, program="NEKH", fund="KHT", earmark=gift["donation_id"])
    assert err.value.params["rows"][0]["reason"] == "other_recipient"
    with pytest.raises(InvalidInput) as err:
        draft(books, [lan], amount=5_000_001, program="NEKH", fund="KHT", earmark=gift["donation_id"])
    assert err.value.params["rows"][0]["reason"] == "above_earmark"
    assert snapshot(books.db) == before
    bid = draft(books, [lan], amount=5_000_000, program="NEKH", fund="KHT", earmark=gift["donation_id"])
    services.submit_batch(books.db, "SLA", bid, user="tq")
    for m in ("hd1", "hd2"):
        services.vote_batch(books.db, "SLA", bid, approve=True, user=m)
    services.pay_batch(books.db, "SLA", bid, user="tq")
    f = figures(books, "KHT")
    assert f.balance == 0 and f.liabilities == 0


def test_an_earmarked_line_approved_in_one_year_and_paid_in_the_next_is_never_the_funds_money(council):
    """Issue 24 (from a review): a named recipient's gift approved in December and paid in January was the
    fund's balance in between and negative spending in one year, spending in the next. It never passes
    through 3388 now: each year opens + receipts − payments = closes, no payment and no balance of the fund
    holds it, and it is passed on (3381 debited) in the year it is paid."""
    from books.beancount import Period
    from books.service import fund_statement

    books = council
    (lan,) = students(books, 1, "Lò Thị")
    gift = give(books, 5_000_000, name="Đinh Thị Lan", fund="KHT", earmark="Học bổng cho em Lò Thị 001",
                on=date(2025, 12, 1))
    bid = draft(books, [lan], amount=5_000_000, program="NEKH", fund="KHT", earmark=gift["donation_id"])
    services.submit_batch(books.db, "SLA", bid, user="tq")
    for m in ("hd1", "hd2"):
        services.vote_batch(books.db, "SLA", bid, approve=True, on=date(2025, 12, 20), user=m)
    year = {y: Period(date(y, 1, 1), date(y, 12, 31)) for y in (2025, 2026)}
    approved = fund_statement(books.db, "SLA", "KHT", period=year[2025])
    assert figures(books, "KHT").balance == 0 and figures(books, "KHT").reserved == 0
    services.pay_batch(books.db, "SLA", bid, on=date(2026, 1, 10), user="tq")
    paid = fund_statement(books.db, "SLA", "KHT", period=year[2026])
    for st in (approved, paid):
        assert st.opening.balance + st.receipts - st.payments == st.closing.balance, st
        assert (st.receipts, st.payments, st.opening.balance, st.closing.balance) == (0, 0, 0, 0), st
    assert (approved.earmarked_received, approved.earmarked_paid) == (5_000_000, 0)
    assert (paid.earmarked_received, paid.earmarked_paid) == (0, 5_000_000)
    f = figures(books, "KHT")
    assert f.balance == 0 and f.liabilities == 0 and f.reserved == 0


def test_bad_lines_are_all_reported_and_nothing_is_written(council, db):
    books = council
    rid = students(books, 1)[0]
    with books.db.begin() as c:  # another organization with its own fund and program
        from ledger import orgs
        oid = orgs.create_organization(c, code="SLA-TCH", name="Hội Khuyến học huyện Thuận Châu", level="district",
                                       parent_code="SLA")
        orgs.create_fund(c, oid, code="KH", name="Quỹ Khuyến học huyện", kind="general")
        d.add_program(c, oid, code="TCH", name="Học bổng huyện", funds=["KH"])
    before = snapshot(books.db)
    lines = [LineInput(rid, "TSMT", amount=0), LineInput(rid, "TSMT", amount=-5), LineInput(rid, "TSMT", amount=1.5),
             LineInput(999_999, "TSMT"), LineInput(rid, "KHONGCO"), LineInput(rid, "TCH"),
             LineInput(rid, "NEKH", fund="KH", amount=1), LineInput(rid, "TSMT", fund="KHT", amount=1)]
    with pytest.raises(InvalidInput) as err:
        services.create_batch(books.db, "SLA", title="Sai", lines=lines, user="tq")
    got = [(p["line"], p["field"], p["reason"]) for p in err.value.params["rows"]]
    assert got == [(1, "amount", "not_positive"), (2, "amount", "not_positive"), (3, "amount", "not_integer"),
                   (4, "recipient", "not_found"), (5, "program", "not_found"), (6, "program", "not_found"),
                   (7, "fund", "not_found"), (8, "fund", "not_in_program")]
    assert snapshot(books.db) == before


def test_the_database_keeps_votes_and_refuses_an_approved_batch_without_a_decision(council):
    books = council
    give(books, 10_000_000)
    bid = draft(books, students(books, 1))
    services.submit_batch(books.db, "SLA", bid, user="tq")
    services.vote_batch(books.db, "SLA", bid, approve=True, user="hd1")
    for q in ("UPDATE batch_votes SET vote = 'reject'", "DELETE FROM batch_votes",
              f"UPDATE batches SET state = 'approved' WHERE id = {bid}"):
        with pytest.raises(sa.exc.DBAPIError):
            with books.db.begin() as c:
                c.exec_driver_sql(q)


def test_a_list_is_imported_all_or_nothing_and_a_recipient_twice_is_flagged(council, tmp_path):
    books = council
    give(books, 10_000_000)
    bid = services.create_batch(books.db, "SLA", title="Tiếp sức mùa thi 2025", user="tq")["id"]
    bad = tmp_path / "bad.csv"
    bad.write_text("Họ và tên,Ngày sinh,Trường,Chương trình,Số tiền\n"
                   "Lò Văn Minh,15/03/2007,THPT Tô Hiệu,TSMT,500.000\n"
                   ",01/01/2007,THPT Chiềng Sinh,TSMT,500.000\n"
                   "Cầm Thị Hoa,31/02/2007,THPT Mai Sơn,TSMT,500.000\n"
                   "Quàng Văn Tú,01/09/2007,THPT Mộc Lỵ,KHONGCO,500.000\n"
                   "Lường Thị Mai,02/09/2007,THPT Mộc Lỵ,TSMT,\"1,5\"\n", encoding="utf-8")
    before = snapshot(books.db)
    with pytest.raises(Exception) as err:
        services.import_batch_lines(books.db, "SLA", bid, bad, user="tq")
    rows = [(e["row"], e["column"]) for e in err.value.params["errors"]]
    assert rows == [(3, "full_name"), (4, "birth_date"), (5, "program"), (6, "amount")]
    assert snapshot(books.db) == before
    good = tmp_path / "good.csv"
    good.write_text("Họ và tên,Ngày sinh,Trường,Lớp,Chương trình,Số tiền\n"
                    "Lò Văn Minh,15/03/2007,THPT Tô Hiệu,12A1,TSMT,\n"
                    "Cầm Thị Hoa,28/02/2007,THPT Mai Sơn,12A2,TSMT,700.000\n"
                    "lò văn  minh,15/03/2007,THPT Tô Hiệu,12A1,TSMT,\n", encoding="utf-8")
    r = services.import_batch_lines(books.db, "SLA", bid, good, user="tq")
    assert (r["added"], r["recipients_created"], r["recipients_twice"]) == (3, 2, [2, 4])
    assert state(books, bid).total == 500_000 + 700_000 + 500_000


def test_reports_awards_by_program_register_with_votes_and_reservations(council):
    books = council
    give(books, 400_000_000)
    give(books, 40_000_000, name="Công ty Xe đạp", kind="in_kind", item_description="Xe đạp", item_quantity=20,
         item_unit="chiếc")
    rids = students(books, 332)
    bid = draft(books, rids)
    services.submit_batch(books.db, "SLA", bid, user="tq")
    for m in ("hd1", "hd2"):
        services.vote_batch(books.db, "SLA", bid, approve=True, comment=f"{m} đồng ý", on=date(2025, 6, 5), user=m)
    bikes = draft(books, rids[:10], amount=2_000_000, program="NEKH", fund="TOHIEU", item_description="Xe đạp",
                  item_quantity=1)
    services.submit_batch(books.db, "SLA", bikes, user="tq")
    for m in ("hd1", "hd3"):
        services.vote_batch(books.db, "SLA", bikes, approve=True, on=date(2025, 6, 5), user=m)
    with books.db.read() as c:
        (res,) = [r for r in d.reservations(c, books.org_id) if r.fund == "TOHIEU"]
    assert (res.reserved, res.lines, res.batches) == (166_000_000, 332, 1) and res.reserved == figures(books).reserved
    services.pay_batch(books.db, "SLA", bid, on=date(2025, 6, 10), user="tq")
    services.pay_batch(books.db, "SLA", bikes, on=date(2025, 7, 1), user="tq")
    with books.db.read() as c:
        h1 = {a.program: a for a in d.awards(c, books.org_id, date(2025, 1, 1), date(2025, 6, 30))}
        year = {a.program: a for a in d.awards(c, books.org_id, date(2025, 1, 1), date(2025, 12, 31))}
        reg = d.register(c, books.org_id)
    assert (h1["TSMT"].count, h1["TSMT"].amount) == (332, 166_000_000) and "NEKH" not in h1  # "332 lượt"
    assert (year["NEKH"].in_kind_count, year["NEKH"].in_kind_amount, year["NEKH"].cash_count) == (10, 20_000_000, 0)
    first = next(r for r in reg if r.id == bid)
    assert first.state == "closed" and first.paid == 166_000_000 and first.decision == "QD/25 0000001"
    assert [(m, v, c) for m, v, _at, c in first.votes] == [("hd1", "approve", "hd1 đồng ý"),
                                                         ("hd2", "approve", "hd2 đồng ý")]


def test_a_council_of_two_approves_a_batch_one_of_them_prepared(books):
    """Issue 24: the default quorum counts only those who may vote — a council of two, one of whom
    prepared the batch, needs the other's approval (1/1), not a majority of two that can never come."""
    for login in ("hd1", "hd2"):
        services.add_user(books.db, login=login, name=login, password=PW, roles=[("SLA", "council")])
    services.add_user(books.db, login="tq", name="tq", password=PW, roles=[("SLA", "treasurer")])
    services.add_program(books.db, "SLA", code="TSMT", name="Tiếp sức mùa thi", funds=["TOHIEU"],
                         default_amount=500_000)
    give(books, 10_000_000)
    rid = students(books, 1)[0]
    bid = services.create_batch(books.db, "SLA", title="Đợt 1", lines=[LineInput(rid, "TSMT")], user="hd1")["id"]
    services.submit_batch(books.db, "SLA", bid, user="hd1")
    with books.db.read() as c:
        assert d.tally(c, books.org_id, bid, 1) == {"approvals": 0, "quorum": 1}
    with pytest.raises(NotAllowed):
        services.vote_batch(books.db, "SLA", bid, approve=True, user="hd1")  # its preparer never votes
    r = services.vote_batch(books.db, "SLA", bid, approve=True, user="hd2")
    assert r["state"] == "approved" and (r["approvals"], r["quorum"]) == (1, 1)
    paid = services.pay_batch(books.db, "SLA", bid, user="tq")
    assert paid["paid"] == 1 and paid["closed"]
    # prepared by the treasurer, who is not on the council: both members may vote, a majority of two is two
    other = services.create_batch(books.db, "SLA", title="Đợt 2", lines=[LineInput(rid, "TSMT")], user="tq")["id"]
    services.submit_batch(books.db, "SLA", other, user="tq")
    first = services.vote_batch(books.db, "SLA", other, approve=True, user="hd1")
    assert first["state"] == "submitted" and (first["approvals"], first["quorum"]) == (1, 2)
    assert services.vote_batch(books.db, "SLA", other, approve=True, user="hd2")["state"] == "approved"


def test_recipients_are_found_by_part_of_the_name_school_or_commune_and_a_line_takes_a_name(council):
    """Issue 24: a batch line needs its recipient; a person finds them by what they know of them and names
    them; a name two recipients share is refused with both listed, never guessed."""
    books = council
    give(books, 10_000_000)

    def add(name, school, commune, born=None):
        return services.add_recipient(books.db, "SLA", RecipientInput(
            full_name=name, school=school, commune=commune, birth_date=born), user="tq")["id"]

    minh = add("Lò Văn Minh", "THPT Tô Hiệu", "Chiềng Lề")
    mai = add("Cầm Thị Mai", "THPT Chiềng Sinh", "Chiềng Sinh")
    an1 = add("Nguyễn Văn An", "THCS Quyết Thắng", "Quyết Thắng", date(2010, 1, 2))
    an2 = add("Nguyễn Văn An", "THPT Tô Hiệu", "Hua La", date(2009, 5, 6))

    def found(q):
        with books.db.read() as c:
            total, rows = d.search_recipients(c, books.org_id, q)
        assert total == len(rows)
        return {x.id for x in rows}

    assert found("MIN") == {minh}  # the beginning of a word of the name, any case
    assert found("Tô Hiệu") == {minh, an2}  # the school
    assert found("chiềng") == {minh, mai}  # the commune (and Mai's school)
    assert found("chieng le") == {minh}  # typed without diacritics
    assert found("an tô hiệu") == {an2}  # every word, wherever it is
    assert found("Hà Nội") == set()

    bid = services.create_batch(books.db, "SLA", title="Đợt 1", lines=[
        LineInput("lò văn  minh", "TSMT"), LineInput(f"#{mai} Cầm Thị Mai — THPT Chiềng Sinh", "TSMT")],
        user="tq")["id"]
    with books.db.read() as c:
        assert [(ln.recipient_id, ln.recipient) for ln in d.lines_of(c, books.org_id, bid)] == [
            (minh, "Lò Văn Minh"), (mai, "Cầm Thị Mai")]
    with pytest.raises(InvalidInput) as err:
        services.add_batch_lines(books.db, "SLA", bid, [LineInput("Nguyễn Văn An", "TSMT"),
                                                        LineInput("Không Có Ai", "TSMT")], user="tq")
    first, second = err.value.params["rows"]
    assert (first["line"], first["field"], first["reason"], first["ids"]) == (
        1, "recipient", "ambiguous_recipient", [an1, an2])
    assert "THCS Quyết Thắng" in first["candidates"] and "THPT Tô Hiệu" in first["candidates"]
    assert (second["line"], second["field"], second["reason"]) == (2, "recipient", "not_found")
    assert state(books, bid).lines == 2  # all or nothing
    services.add_batch_lines(books.db, "SLA", bid, [LineInput(an2, "TSMT")], user="tq")  # picked by its id
    assert state(books, bid).lines == 3
