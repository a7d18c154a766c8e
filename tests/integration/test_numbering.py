"""Gapless document numbering and the gold book (SPEC rule 6).

Receipts are numbered 1..N per organization, series and year with no gap, even when writers race and
some of them roll back after taking a number: a rolled-back unit of work takes its number back with it.
The database refuses a gap, a duplicate and any change to a document for a writer that goes around
Quỹ; a wrong receipt is voided (it keeps its number) and replaced by a new one; the gold book honours
the gifts that earn a place, as the donor agreed to appear.
"""

from __future__ import annotations

import multiprocessing
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger import documents, queries, services
from ledger.db import Database
from ledger.donations import DonationInput, DonorInput, record_donation, record_donations, validate_donation
from ledger.errors import Conflict, InvalidInput
from ledger.journal import guards as dbguards
from ledger.migrate import upgrade
from tests.conftest import make_books
from tests.helpers import give


class ForcedRollback(Exception):
    """Raised inside a unit of work to roll it back after it took a receipt number."""


def _gift(i: int, on: date = date(2025, 3, 1)) -> DonationInput:
    return DonationInput(fund="TOHIEU", amount=100_000 + i, date=on, donor=DonorInput(name=f"Nhà hảo tâm số {i}"))


def _receipt_numbers(db, org_id: int, year: int = 2025) -> list[int]:
    with db.read() as c:
        return c.execute(sa.text("SELECT number FROM documents WHERE org_id = :o AND series = 'BN' AND year = :y "
                                 "ORDER BY number"), {"o": org_id, "y": year}).scalars().all()


def _counter(db, org_id: int, year: int = 2025) -> int | None:
    with db.read() as c:
        return c.execute(sa.text("SELECT last_number FROM doc_counters WHERE org_id = :o AND series = 'BN' "
                                 "AND year = :y"), {"o": org_id, "y": year}).scalar()


def _gapless(db, org_id: int) -> list[str]:
    with db.read() as c:
        return documents.check_gapless(c, org_id)


def _register(db, org_id: int, year: int = 2025) -> dict[str, documents.RegisterRow]:
    with db.read() as c:
        rows, total = documents.register(c, org_id, year=year)
    assert total == len(rows)
    return {r.label: r for r in rows}


def _take_number_then_maybe_roll_back(db, org_id: int, i: int, *, roll_back: bool, user: str) -> str | None:
    """Record one donation in its own unit of work; with ``roll_back``, abandon it after the receipt's row
    is in the database (read back in the same unit of work), and return None."""
    try:
        with db.begin() as conn:
            result = record_donation(conn, org_id, _gift(i), user=user)
            assert result["receipt"] is not None
            # a statement flushes queued writes: the receipt's row exists inside this unit of work
            number = conn.execute(sa.text("SELECT number FROM documents WHERE id = :i"),
                                  {"i": result["receipt_id"]}).scalar_one()
            assert documents.format_number("BN", 2025, number) == result["receipt"]
            if roll_back:
                raise ForcedRollback(result["receipt"])
        return result["receipt"]
    except ForcedRollback:
        return None


def number_in_other_process(url: str, org_id: int, worker: int, per_worker: int, barrier, out) -> None:
    """A separate process recording ``per_worker`` donations on the same SQLite file, every third one
    rolled back after taking its number; puts (worker, committed receipts, rolled-back count, error)."""
    committed, rolled_back, error = [], 0, None
    db = Database(url)
    try:
        barrier.wait(60)
        for k in range(per_worker):
            i = worker * per_worker + k
            r = _take_number_then_maybe_roll_back(db, org_id, i, roll_back=(i % 3 == 2), user=f"p{worker}")
            if r is None:
                rolled_back += 1
            else:
                committed.append(r)
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        error = repr(e)
    finally:
        db.dispose()
    out.put((worker, committed, rolled_back, error))


# --------------------------------------------------------------------------- concurrency


@pytest.mark.postgres
def test_fifty_racing_donations_with_every_fifth_rolled_back_number_receipts_one_to_n_without_a_gap(pg_db):
    books = make_books(pg_db)
    n = 50
    barrier = threading.Barrier(n)
    results: list[str | None] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(60)
            results[i] = _take_number_then_maybe_roll_back(pg_db, books.org_id, i, roll_back=(i % 5 == 4),
                                                           user=f"t{i}")
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    committed = [r for r in results if r is not None]
    assert len(committed) == 40 and sum(1 for i in range(n) if results[i] is None) == 10
    assert len(set(committed)) == 40
    assert sorted(committed) == [documents.format_number("BN", 2025, k) for k in range(1, 41)]
    assert _receipt_numbers(pg_db, books.org_id) == list(range(1, 41))
    assert _counter(pg_db, books.org_id) == 40
    assert _gapless(pg_db, books.org_id) == []
    with pg_db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM donations")).scalar() == 40
        # each committed receipt names the donation it was taken for
        assert c.execute(sa.text("SELECT count(*) FROM documents d JOIN donations dn ON dn.id = d.donation_id "
                                 "WHERE d.number BETWEEN 1 AND 40")).scalar() == 40
    assert all(r.ok for r in services.verify(pg_db))


def test_processes_racing_on_one_sqlite_file_number_receipts_one_to_n_without_a_gap(tmp_path):
    url = f"sqlite:///{tmp_path / 'numbers.sqlite3'}"
    db = Database(url)
    upgrade(db)
    books = make_books(db)
    workers, per_worker = 4, 10
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=number_in_other_process, args=(url, books.org_id, w, per_worker, barrier, out))
             for w in range(workers)]
    for p in procs:
        p.start()
    reports = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * workers
    assert [r[3] for r in reports] == [None] * workers

    committed = [label for r in reports for label in r[1]]
    rolled_back = sum(r[2] for r in reports)
    expected_rollbacks = sum(1 for i in range(workers * per_worker) if i % 3 == 2)
    assert rolled_back == expected_rollbacks and rolled_back > 0
    n = workers * per_worker - rolled_back
    assert len(committed) == n and len(set(committed)) == n
    assert sorted(committed) == [documents.format_number("BN", 2025, k) for k in range(1, n + 1)]
    assert _receipt_numbers(db, books.org_id) == list(range(1, n + 1))
    assert _counter(db, books.org_id) == n
    assert _gapless(db, books.org_id) == []
    assert all(r.ok for r in services.verify(db))
    db.dispose()


# --------------------------------------------------------------------------- numbering per year and kind


def test_each_year_numbers_its_receipts_from_one(books):
    late = give(books, 1_000_000, on=date(2024, 12, 31))
    early = give(books, 1_000_000, on=date(2025, 1, 1))
    assert late["receipt"] == "BN/24 0000001"
    assert early["receipt"] == "BN/25 0000001"
    assert _counter(books.db, books.org_id, 2024) == 1 and _counter(books.db, books.org_id, 2025) == 1
    assert _gapless(books.db, books.org_id) == []


def test_a_pledge_gets_no_receipt_and_its_payment_gets_the_next_number(books):
    first = give(books, 500_000, on=date(2025, 2, 1))
    pledge = give(books, 3_000_000, on=date(2025, 2, 2), kind="pledge")
    assert first["receipt"] == "BN/25 0000001"
    assert pledge["receipt"] is None and pledge["receipt_id"] is None
    paid = services.pay_pledge(books.db, books.org, pledge_id=pledge["donation_id"], amount=1_000_000,
                               on=date(2025, 2, 3), user="test")
    assert paid["receipt"] == "BN/25 0000002"
    reg = _register(books.db, books.org_id)
    assert list(reg) == ["BN/25 0000001", "BN/25 0000002"]
    assert reg["BN/25 0000002"].donation_id == paid["donation_id"]
    assert reg["BN/25 0000002"].amount == 1_000_000
    assert _gapless(books.db, books.org_id) == []


def test_goods_and_transfers_get_receipts_in_the_order_recorded(books):
    goods = give(books, 2_000_000, kind="in_kind", item_description="Sách giáo khoa", item_quantity=100,
                 item_unit="cuốn")
    transfer = give(books, 3_000_000, kind="transfer", bank_account="1121.BIDV")
    assert (goods["receipt"], transfer["receipt"]) == ("BN/25 0000001", "BN/25 0000002")


# --------------------------------------------------------------------------- database guards (raw SQL)

_INSERT_DOC = ("INSERT INTO documents (org_id, kind, series, year, number, date, donation_id, replaces_id, "
               "verify_code, created_by, created_at) VALUES (:o, 'receipt', 'BN', 2025, :n, '2025-03-01', "
               "NULL, NULL, :code, 'raw', 'x')")


def _raw(db, sql: str, **params) -> None:
    with db.begin() as c:
        c.execute(sa.text(sql), params)


def _refused(db, sql: str, exc=DBAPIError, **params) -> str:
    with pytest.raises(exc) as e:
        _raw(db, sql, **params)
    return str(e.value.orig)


@pytest.fixture
def receipted(books):
    """Books with one receipt (BN/25 0000001), voided, and its gift in the gold book."""
    r = give(books, 1_000_000, gold_book=True)
    services.void_document(books.db, books.org, r["receipt"], reason="Ghi sai tên")
    return books, r


def test_database_accepts_the_next_number_and_refuses_one_that_leaves_a_gap(receipted):
    books, _ = receipted
    msg = _refused(books.db, _INSERT_DOC, o=books.org_id, n=3, code="gap-3")
    assert "gap" in msg
    assert _receipt_numbers(books.db, books.org_id) == [1]
    _raw(books.db, _INSERT_DOC, o=books.org_id, n=2, code="next-2")
    assert _receipt_numbers(books.db, books.org_id) == [1, 2]


def test_database_refuses_a_first_number_other_than_one_in_a_new_year(books):
    msg = _refused(books.db, _INSERT_DOC.replace("2025", "2026", 1), o=books.org_id, n=2, code="y26-2")
    assert "gap" in msg


def test_database_refuses_a_duplicate_number(receipted):
    books, _ = receipted
    _refused(books.db, _INSERT_DOC, exc=IntegrityError, o=books.org_id, n=1, code="dup-1")
    assert _receipt_numbers(books.db, books.org_id) == [1]


@pytest.mark.parametrize("sql", [
    "UPDATE documents SET number = 7",
    "UPDATE documents SET date = '2025-01-01'",
    "DELETE FROM documents WHERE number = 1",
    "UPDATE document_voids SET reason = 'khác'",
    "DELETE FROM document_voids",
    "UPDATE gold_book_entries SET name = 'Người khác'",
    "UPDATE gold_book_entries SET amount = NULL",
    "DELETE FROM gold_book_entries",
])
def test_database_refuses_changing_or_removing_documents_voids_and_gold_book_entries(receipted, sql):
    books, _ = receipted
    msg = _refused(books.db, sql)
    assert "append-only" in msg
    with books.db.read() as c:
        doc = c.execute(sa.text("SELECT number, date FROM documents")).one()
        assert doc.number == 1 and str(doc.date) == "2025-03-01"
        assert c.execute(sa.text("SELECT reason FROM document_voids")).scalar_one() == "Ghi sai tên"
        entry = c.execute(sa.text("SELECT name, amount FROM gold_book_entries")).one()
        assert (entry.name, entry.amount) == ("Nguyễn Văn An", 1_000_000)


def test_database_refuses_changing_a_printed_documents_fingerprint(receipted):
    books, r = receipted
    _raw(books.db, "INSERT INTO document_prints (org_id, subject, variant, sha256, pages, printed_at) "
                   "VALUES (:o, :s, 'receipt', :h, 1, 'x')", o=books.org_id, s=f"receipt:{r['receipt_id']}",
         h="a" * 64)
    assert "append-only" in _refused(books.db, "UPDATE document_prints SET sha256 = 'b'")
    assert "append-only" in _refused(books.db, "DELETE FROM document_prints")


def test_database_refuses_a_second_void_of_one_document(receipted):
    books, r = receipted
    _refused(books.db, "INSERT INTO document_voids (document_id, reason, voided_by, voided_at) "
                       "VALUES (:d, 'lần hai', 'raw', 'x')", exc=IntegrityError, d=r["receipt_id"])
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT reason FROM document_voids")).scalars().all() == ["Ghi sai tên"]


# --------------------------------------------------------------------------- void, reissue, reversal


def test_a_voided_receipt_keeps_its_number_and_shows_void_in_the_register(books):
    r = give(books, 1_000_000)
    give(books, 2_000_000, name="Trần Thị Bình")
    out = services.void_document(books.db, books.org, r["receipt"], reason="Ghi sai số tiền")
    assert out == {"id": r["receipt_id"], "number": "BN/25 0000001", "void": True, "reason": "Ghi sai số tiền"}
    reg = _register(books.db, books.org_id)
    assert list(reg) == ["BN/25 0000001", "BN/25 0000002"]
    assert reg["BN/25 0000001"].state == "void" and reg["BN/25 0000001"].void_reason == "Ghi sai số tiền"
    assert reg["BN/25 0000002"].state == "issued"
    assert _counter(books.db, books.org_id) == 2 and _gapless(books.db, books.org_id) == []
    with pytest.raises(Conflict):
        services.void_document(books.db, books.org, r["receipt_id"], reason="lần nữa")


def test_voiding_needs_a_reason(books):
    r = give(books, 1_000_000)
    for reason in ("", "   "):
        with pytest.raises(InvalidInput):
            services.void_document(books.db, books.org, r["receipt"], reason=reason)
        with pytest.raises(InvalidInput):
            services.reissue_document(books.db, books.org, r["receipt"], reason=reason)
    assert _register(books.db, books.org_id)["BN/25 0000001"].state == "issued"
    assert _counter(books.db, books.org_id) == 1


def test_a_reissued_receipt_gets_the_next_number_and_the_two_name_each_other(books):
    r = give(books, 1_000_000)
    give(books, 2_000_000, name="Trần Thị Bình")
    new = services.reissue_document(books.db, books.org, r["receipt"], reason="Sai tên người ủng hộ")
    assert new["number"] == "BN/25 0000003" and new["replaces"] == "BN/25 0000001"
    assert new["replaces_id"] == r["receipt_id"]
    reg = _register(books.db, books.org_id)
    old, repl = reg["BN/25 0000001"], reg["BN/25 0000003"]
    assert old.state == "void" and old.void_reason == "Sai tên người ủng hộ"
    assert old.replaced_by == "BN/25 0000003" and old.replaces is None
    assert repl.state == "issued" and repl.replaces == "BN/25 0000001" and repl.replaced_by is None
    assert repl.donation_id == old.donation_id == r["donation_id"] and repl.date == date(2025, 3, 1)
    assert reg["BN/25 0000002"].replaces is None and reg["BN/25 0000002"].replaced_by is None
    with pytest.raises(Conflict):
        services.reissue_document(books.db, books.org, r["receipt"], reason="lần nữa")
    assert _receipt_numbers(books.db, books.org_id) == [1, 2, 3]
    assert all(x.ok for x in services.verify(books.db))


@pytest.mark.postgres
@pytest.mark.parametrize("voided_first", [True, False], ids=["voided", "live"])
def test_racing_reissues_of_one_receipt_replace_it_once(pg_db, voided_first):
    books = make_books(pg_db)
    r = give(books, 1_000_000)
    if voided_first:
        services.void_document(pg_db, books.org, r["receipt"], reason="Sai tên")
    n = 8
    barrier = threading.Barrier(n)
    outcomes: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait(60)
        try:
            outcomes[i] = services.reissue_document(pg_db, books.org, r["receipt_id"], reason="In lại")["number"]
        except Exception as e:  # noqa: BLE001
            outcomes[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert sorted(o for o in outcomes if isinstance(o, str)) == ["BN/25 0000002"]
    assert all(isinstance(o, Conflict) for o in outcomes if not isinstance(o, str))
    reg = _register(pg_db, books.org_id)
    assert list(reg) == ["BN/25 0000001", "BN/25 0000002"]
    assert reg["BN/25 0000001"].replaced_by == "BN/25 0000002" and reg["BN/25 0000001"].state == "void"
    assert _counter(pg_db, books.org_id) == 2 and _gapless(pg_db, books.org_id) == []


def test_reissuing_an_already_voided_receipt_keeps_the_first_reason(books):
    r = give(books, 1_000_000)
    services.void_document(books.db, books.org, r["receipt"], reason="Lý do đầu")
    new = services.reissue_document(books.db, books.org, r["receipt"], reason="Lý do sau", on=date(2025, 4, 2))
    reg = _register(books.db, books.org_id)
    assert reg["BN/25 0000001"].void_reason == "Lý do đầu"
    assert reg[new["number"]].date == date(2025, 4, 2) and new["number"] == "BN/25 0000002"


def test_reversing_a_donation_voids_its_receipt_which_is_then_never_reissued(books):
    r = give(books, 1_000_000)
    services.reverse(books.db, books.org, r["tx_id"], reason="Ghi trùng", on=date(2025, 3, 2), user="test")
    row = _register(books.db, books.org_id)["BN/25 0000001"]
    assert row.state == "void" and row.void_reason.startswith("Đảo bút toán") and "Ghi trùng" in row.void_reason
    with pytest.raises(Conflict):
        services.reissue_document(books.db, books.org, r["receipt"], reason="In lại")
    assert _receipt_numbers(books.db, books.org_id) == [1] and _counter(books.db, books.org_id) == 1
    assert all(x.ok for x in services.verify(books.db))


def test_reversing_a_donation_voids_the_replacement_of_its_receipt(books):
    r = give(books, 1_000_000)
    new = services.reissue_document(books.db, books.org, r["receipt"], reason="Sai tên")
    services.reverse(books.db, books.org, r["tx_id"], reason="Ghi trùng", on=date(2025, 3, 2), user="test")
    reg = _register(books.db, books.org_id)
    assert reg[new["number"]].state == "void" and reg[new["number"]].void_reason.startswith("Đảo bút toán")
    assert reg["BN/25 0000001"].void_reason == "Sai tên"


# --------------------------------------------------------------------------- the gold book


def _record(books, amount, name, *, gold_book=None, **donor) -> dict:
    inp = DonationInput(fund=books.fund, amount=amount, date=date(2025, 3, 1), gold_book=gold_book,
                        donor=DonorInput(name=name, **donor))
    return services.record_donation(books.db, books.org, inp, user="test")


def _gold(books) -> dict[int, queries.GoldBookRow]:
    with books.db.read() as c:
        rows, total = queries.gold_book(c, books.org_id, limit=None, newest_first=False)
    assert total == len(rows)
    return {r.donation_id: r for r in rows}


def test_gold_book_takes_gifts_at_the_threshold_or_on_request_as_the_donor_agreed(books):
    settings = services.document_settings(books.db, books.org, gold_book_threshold=5_000_000)
    assert settings["gold_book_threshold"] == 5_000_000
    at = _record(books, 5_000_000, "Ngân hàng BIDV Sơn La", kind="organization")
    below = _record(books, 4_999_999, "Trần Văn Bốn")
    asked = _record(books, 1_000, "Lò Thị Nhỏ", gold_book=True)
    declined = _record(books, 9_000_000, "Hoàng Văn Chín", gold_book=False)
    anonymous = _record(books, 6_000_000, "Đinh Văn Giấu", anonymous=True)
    hidden = _record(books, 7_000_000, "Phạm Thị Kín", hide_amount=True)
    unlisted = _record(books, 8_000_000, "Vì Văn Không", listed=False)

    gold = _gold(books)
    assert set(gold) == {at["donation_id"], asked["donation_id"], anonymous["donation_id"],
                         hidden["donation_id"]}
    for left_out in (below, declined, unlisted):
        assert left_out["donation_id"] not in gold
    assert gold[at["donation_id"]].name == "Ngân hàng BIDV Sơn La"
    assert gold[at["donation_id"]].amount == 5_000_000
    assert (gold[asked["donation_id"]].name, gold[asked["donation_id"]].amount) == ("Lò Thị Nhỏ", 1_000)
    assert gold[anonymous["donation_id"]].name == "Nhà hảo tâm"
    assert gold[anonymous["donation_id"]].amount == 6_000_000
    assert gold[hidden["donation_id"]].name == "Phạm Thị Kín" and gold[hidden["donation_id"]].amount is None
    with books.db.read() as c:
        requested = dict(c.execute(sa.text("SELECT donation_id, requested FROM gold_book_entries")).all())
    assert bool(requested[asked["donation_id"]]) and not bool(requested[at["donation_id"]])
    # entries are numbered 1..n in the order they were made
    order = [at, asked, anonymous, hidden]
    assert [gold[r["donation_id"]].entry_no for r in order] == [1, 2, 3, 4]


def test_without_a_threshold_only_requested_gifts_enter_the_gold_book(books):
    assert services.document_settings(books.db, books.org)["gold_book_threshold"] is None
    big = _record(books, 900_000_000, "Công ty Lớn", kind="organization")
    asked = _record(books, 10_000, "Lò Thị Nhỏ", gold_book=True)
    assert set(_gold(books)) == {asked["donation_id"]} and big["donation_id"] not in _gold(books)


def test_a_reversed_gift_leaves_the_gold_book_and_the_others_keep_their_numbers(books):
    services.document_settings(books.db, books.org, gold_book_threshold=5_000_000)
    first = _record(books, 5_000_000, "Người Thứ Nhất")
    second = _record(books, 6_000_000, "Người Thứ Hai")
    third = _record(books, 7_000_000, "Người Thứ Ba")
    services.reverse(books.db, books.org, second["tx_id"], reason="Ghi nhầm", on=date(2025, 3, 2), user="test")
    gold = _gold(books)
    assert set(gold) == {first["donation_id"], third["donation_id"]}
    assert gold[first["donation_id"]].entry_no == 1 and gold[third["donation_id"]].entry_no == 3


def test_a_recorded_gift_enters_the_gold_book_on_request_once(books):
    services.document_settings(books.db, books.org, gold_book_threshold=5_000_000)
    entered = _record(books, 5_000_000, "Người Đầu Tiên")
    later = _record(books, 4_999_999, "Trần Văn Bốn", hide_amount=True)
    assert later["donation_id"] not in _gold(books)
    out = services.gold_book_request(books.db, books.org, later["donation_id"])
    assert out["donation_id"] == later["donation_id"]
    gold = _gold(books)
    row = gold[later["donation_id"]]
    assert row.id == out["id"] and row.name == "Trần Văn Bốn" and row.amount is None and row.entry_no == 2
    assert gold[entered["donation_id"]].entry_no == 1
    with pytest.raises(Conflict):
        services.gold_book_request(books.db, books.org, later["donation_id"])
    with pytest.raises(Conflict):
        services.gold_book_request(books.db, books.org, entered["donation_id"])
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM gold_book_entries")).scalar() == 2


@pytest.mark.parametrize("size", [6, 250])
def test_a_batch_numbers_its_receipts_and_gold_book_entries_in_the_order_of_its_gifts(books, size):
    services.document_settings(books.db, books.org, gold_book_threshold=1_000_000)
    # every third gift is below the threshold, every seventh a pledge (no receipt, but honoured)
    items = [validate_donation(DonationInput(
        fund=books.fund, amount=1_000_000 + i if i % 3 else 999_999, date=date(2025, 3, 1),
        kind="pledge" if i % 7 == 0 else "cash", donor=DonorInput(name=f"Nhà tài trợ {i}")))
        for i in range(size)]
    with books.db.begin() as conn:
        results = record_donations(conn, books.org_id, items, user="test")
    receipted = [r for r, v in zip(results, items, strict=True) if v.kind != "pledge"]
    assert [r["receipt"] for r in receipted] == [documents.format_number("BN", 2025, k)
                                                 for k in range(1, len(receipted) + 1)]
    assert all(r["receipt"] is None for r, v in zip(results, items, strict=True) if v.kind == "pledge")
    honoured = [r["donation_id"] for r, v in zip(results, items, strict=True) if v.amount >= 1_000_000]
    gold = _gold(books)
    assert set(gold) == set(honoured)
    assert [gold[d].entry_no for d in honoured] == list(range(1, len(honoured) + 1))
    assert _gapless(books.db, books.org_id) == []


# --------------------------------------------------------------------------- tampering


def test_verify_reports_a_receipt_deleted_behind_quys_back(books):
    for i in range(3):
        give(books, 1_000_000 * (i + 1), name=f"Nhà hảo tâm {i}")
    assert all(r.ok for r in services.verify(books.db, books.org))
    with books.db.begin() as c:
        for stmt in dbguards.document_drop_statements(books.db.dialect):
            c.exec_driver_sql(stmt)
        c.exec_driver_sql("DELETE FROM documents WHERE number = 2")
    report = services.verify(books.db, books.org)[0]
    assert not report.ok
    assert "numbering" in report.problem and "BN/25" in report.problem
