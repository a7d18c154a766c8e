"""Money that cannot be spent twice: real concurrent connections, released together by a barrier, race
for one earmarked gift, one pledge and the last spendable đồng of a fund; whatever the interleaving,
no more is paid than there is. Each race runs ``QUY_RACE_ROUNDS`` rounds (20 by default) on PostgreSQL
and on a SQLite file, a fresh organization each round.

The rule they check (README, "One rule for money"): every check that consumes money or a limit runs
after the organization's lock, in the unit of work that writes what consumes it, and again at each
later step that moves the same money.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
import sqlalchemy as sa

from ledger import disbursements as d
from ledger import orgs, services
from ledger.balances import cached_matches_postings
from ledger.db import Database
from ledger.disbursements import LineInput, RecipientInput
from ledger.donations import DonationInput, DonorInput
from ledger.errors import Conflict, InsufficientFunds, InvalidInput
from ledger.migrate import upgrade
from tests.conftest import Books, PgSchema
from tests.helpers import lowest_cash_by_day, race

ROUNDS = int(os.environ.get("QUY_RACE_ROUNDS", "20"))
ON = date(2025, 6, 2)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def race_db(request, tmp_path_factory):
    """One migrated database per engine for the module; every round works in an organization of its own."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path_factory.mktemp('race') / 'race.sqlite3'}")
        upgrade(db)
        yield db
        db.dispose()
    else:
        schema = PgSchema()
        db = schema.database(pool_size=25, max_overflow=10)
        upgrade(db)
        yield db
        db.dispose()
        schema.drop()


_made = iter(range(1, 10**6))


def _books(db: Database, council: int = 0) -> Books:
    """A fresh organization with the two funds, a bank account and ``council`` council members hd1…"""
    code = f"R{next(_made)}"
    with db.begin() as c:
        oid = orgs.create_organization(c, code=code, name=f"Hội Khuyến học {code}", level="unit")
        fid = orgs.create_fund(c, oid, code="TOHIEU", name="Quỹ học bổng Tô Hiệu", kind="scholarship")
        kid = orgs.create_fund(c, oid, code="KHT", name="Quỹ Khuyến học", kind="general")
        orgs.add_bank_account(c, oid, code="1121.BIDV", bank_name="BIDV", account_no="62010000123456",
                              bin="970418")
    for i in range(1, council + 1):
        services.add_user(db, login=f"{code.lower()}hd{i}", name=f"Ủy viên {i}", password="mat-khau-thu-nghiem",
                          roles=[(code, "council")])
    if council:
        services.add_program(db, code, code="HB", name="Học bổng", funds=["TOHIEU"])
        with db.begin() as c:
            d.set_quorum(c, oid, "TOHIEU", 1)
    return Books(db, oid, code, "TOHIEU", fid, "KHT", kid)


def _gift(books: Books, amount: int, **kw) -> dict:
    inp = DonationInput(fund=kw.pop("fund", books.fund), amount=amount, date=kw.pop("on", ON),
                        donor=DonorInput(name=kw.pop("name", "Nguyễn Văn An")), **kw)
    return services.record_donation(books.db, books.org, inp, user="tq")


def _never_negative(books: Books) -> None:
    """No cash or bank account of the organization below zero at the end of any day; the books hold."""
    assert lowest_cash_by_day(books.db, books.org_id) == []
    with books.db.read() as c:
        assert cached_matches_postings(c, books.org_id) == []
    assert all(r.ok for r in services.verify(books.db, books.org))


def _earmark_round(db: Database) -> None:
    books = _books(db, council=8)
    rid = services.add_recipient(db, books.org, RecipientInput(full_name="Lò Văn Minh"), user="tq")["id"]
    gift = _gift(books, 5_000_000, earmark="Học bổng cho em Lò Văn Minh", name="Công ty Thủy điện")
    _gift(books, 100_000_000, name="Ngân hàng BIDV")  # the fund has money beside the gift: only the gift limits
    batches: list[int | None] = [None] * 8

    def prepare(i):
        bid = services.create_batch(db, books.org, title=f"Đợt {i}", user="tq")["id"]
        batches[i] = bid
        services.add_batch_lines(db, books.org, bid, [LineInput(rid, "HB", amount=2_000_000,
                                                                 earmark=gift["donation_id"])], user="tq")
        return services.submit_batch(db, books.org, bid, user="tq")

    submitted, refused = race(8, prepare)
    assert all(isinstance(e, InvalidInput) and e.params.get("reason") == "bad_lines" for e in refused), refused
    ready = [batches[i] for i, r in enumerate(submitted) if r]
    assert len(ready) == 2  # 2 × 2,000,000 fit in 5,000,000; a third would not
    approved, refused = race(len(ready), lambda i: services.vote_batch(
        db, books.org, ready[i], approve=True, user=f"{books.org.lower()}hd{i + 1}"))
    assert refused == [] and all(r["state"] == "approved" for r in approved)
    paid, refused = race(len(ready), lambda i: services.pay_batch(db, books.org, ready[i], user="tq"))
    assert refused == []
    with db.read() as c:
        total = c.execute(sa.text("SELECT coalesce(sum(amount), 0) FROM batch_lines WHERE earmark_donation_id = :g "
                                  "AND state = 'paid'"), {"g": gift["donation_id"]}).scalar()
    assert total == 4_000_000 <= 5_000_000
    _never_negative(books)


def test_eight_batches_against_one_earmarked_gift_pay_no_more_than_the_gift(race_db):
    for _ in range(ROUNDS):
        _earmark_round(race_db)


def test_an_approval_and_a_payment_recheck_the_earmarked_gift(race_db):
    """Lines written past the check (an older version, a hand edit) are still refused at approval and
    at payment: the gift is consumed only as far as it goes."""
    books = _books(race_db, council=3)
    rid = services.add_recipient(race_db, books.org, RecipientInput(full_name="Lò Văn Minh"), user="tq")["id"]
    gift = _gift(books, 5_000_000, earmark="Học bổng cho em Lò Văn Minh")
    _gift(books, 100_000_000)
    bids = []
    for i in range(2):
        bid = services.create_batch(race_db, books.org, title=f"Đợt {i}", user="tq")["id"]
        services.add_batch_lines(race_db, books.org, bid, [LineInput(rid, "HB", amount=4_000_000,
                                                                      earmark=gift["donation_id"])], user="tq")
        bids.append(bid)
        if i == 0:
            with race_db.begin() as c:  # hide the first line from the second batch's check, as a race once did
                c.execute(sa.text("UPDATE batch_lines SET state = 'cancelled' WHERE batch_id = :b"), {"b": bid})
    with race_db.begin() as c:
        c.execute(sa.text("UPDATE batch_lines SET state = 'open' WHERE batch_id = :b"), {"b": bids[0]})
    for bid in bids:
        services.submit_batch(race_db, books.org, bid, user="tq")
    services.vote_batch(race_db, books.org, bids[0], approve=True, user=f"{books.org.lower()}hd1")
    with pytest.raises(InsufficientFunds) as refused:
        services.vote_batch(race_db, books.org, bids[1], approve=True, user=f"{books.org.lower()}hd2")
    assert refused.value.params["reason"] == "above_earmark" and refused.value.params["shortfall"] == 3_000_000
    with race_db.read() as c:
        assert c.execute(sa.text("SELECT state FROM batches WHERE id = :b"), {"b": bids[1]}).scalar() == "submitted"
        assert c.execute(sa.text("SELECT count(*) FROM batch_votes WHERE batch_id = :b"), {"b": bids[1]}).scalar() == 0
    # a payment checks the gift once more: an approved line made to ask for more than the gift holds
    with race_db.begin() as c:
        c.execute(sa.text("UPDATE batch_lines SET amount = 6000000 WHERE batch_id = :b"), {"b": bids[0]})
    with pytest.raises(InsufficientFunds) as refused:
        services.pay_batch(race_db, books.org, bids[0], user="tq")
    assert refused.value.params["reason"] == "above_earmark"
    with race_db.begin() as c:
        c.execute(sa.text("UPDATE batch_lines SET amount = 4000000 WHERE batch_id = :b"), {"b": bids[0]})
    assert services.pay_batch(race_db, books.org, bids[0], user="tq")["closed"]
    _never_negative(books)


def _pledge_round(db: Database) -> None:
    books = _books(db)
    pledge = _gift(books, 1_000_000, kind="pledge", name="Công ty Cao su")
    paid, refused = race(10, lambda i: services.pay_pledge(db, books.org, pledge_id=pledge["donation_id"],
                                                            amount=300_000, on=ON, user="tq"))
    assert len([p for p in paid if p]) == 3  # 900,000 of 1,000,000; a fourth 300,000 does not fit
    assert len(refused) == 7 and all(isinstance(e, Conflict) and e.params["reason"] == "overpaid" for e in refused)
    with db.read() as c:
        total = c.execute(sa.text("SELECT sum(amount) FROM donations WHERE pledge_id = :p"),
                          {"p": pledge["donation_id"]}).scalar()
    assert total == 900_000 <= 1_000_000
    _never_negative(books)


def test_ten_payments_against_one_pledge_collect_no_more_than_it(race_db):
    for _ in range(ROUNDS):
        _pledge_round(race_db)


def _reversal_round(db: Database) -> None:
    books = _books(db)
    pledge = _gift(books, 1_000_000, kind="pledge", name="Công ty Cao su")

    def work(i):
        if i == 0:
            return services.pay_pledge(db, books.org, pledge_id=pledge["donation_id"], amount=1_000_000, on=ON,
                                       user="tq")
        return services.reverse(db, books.org, pledge["tx_id"], reason="Nhà tài trợ rút cam kết", on=ON, user="tq")

    done, refused = race(2, work)
    assert len([r for r in done if r]) == 1 and len(refused) == 1
    assert isinstance(refused[0], Conflict)
    assert refused[0].params["reason"] in ("overpaid", "pledge_has_payments")
    with db.read() as c:
        paid = c.execute(sa.text("SELECT coalesce(sum(amount), 0) FROM donations WHERE pledge_id = :p"),
                         {"p": pledge["donation_id"]}).scalar()
        reversed_ = c.execute(sa.text("SELECT count(*) FROM transactions WHERE reverses_id = :t"),
                              {"t": pledge["tx_id"]}).scalar()
    assert (paid, reversed_) in ((1_000_000, 0), (0, 1))
    _never_negative(books)


def test_a_pledge_reversal_and_its_full_payment_end_in_exactly_one(race_db):
    for _ in range(ROUNDS):
        _reversal_round(race_db)


def _last_dong_round(db: Database) -> None:
    books = _books(db, council=2)
    rid = services.add_recipient(db, books.org, RecipientInput(full_name="Lò Văn Minh"), user="tq")["id"]
    _gift(books, 7_000_001)
    bids = []
    for i in range(2):
        bid = services.create_batch(db, books.org, title=f"Đợt {i}", lines=[LineInput(rid, "HB", amount=7_000_001)],
                                    user="tq")["id"]
        services.submit_batch(db, books.org, bid, user="tq")
        bids.append(bid)
    approved, refused = race(2, lambda i: services.vote_batch(db, books.org, bids[i], approve=True,
                                                               user=f"{books.org.lower()}hd{i + 1}"))
    assert len([a for a in approved if a]) == 1
    assert len(refused) == 1 and isinstance(refused[0], InsufficientFunds)
    winner = bids[0] if approved[0] else bids[1]
    paid, refused = race(2, lambda i: services.pay_batch(db, books.org, winner, user="tq"))
    assert len([p for p in paid if p]) == 1 and len(refused) == 1 and isinstance(refused[0], Conflict)
    with db.read() as c:
        out = c.execute(sa.text("SELECT coalesce(sum(amount), 0) FROM batch_lines WHERE state = 'paid' AND batch_id IN "
                                "(SELECT id FROM batches WHERE org_id = :o)"), {"o": books.org_id}).scalar()
    assert out == 7_000_001
    _never_negative(books)


def test_two_approvals_racing_for_the_last_spendable_dong_pay_once(race_db):
    for _ in range(ROUNDS):
        _last_dong_round(race_db)


# ------------------------------------------------------------------ found by review: the edges of the rule


def test_an_organization_adds_up_its_funds_each_figured_alone(race_db):
    """One fund's principal does not cover another fund's term deposit: fund TOHIEU keeps 100,000,000 đ of
    principal in cash, fund KHT has put its 100,000,000 đ in a term deposit. Neither can pay anything now,
    and the consolidated figures say so (not 100,000,000 đ, as one pooled fund_figures would)."""
    from books.consolidation import consolidated
    from ledger.deposits import DepositInput

    books = _books(race_db)
    _gift(books, 100_000_000, to_principal=True)
    _gift(books, 100_000_000, fund="KHT", kind="transfer", bank_account="1121.BIDV")
    services.open_deposit(race_db, books.org, DepositInput(
        contract_no="HD-01", bank_account="1121.BIDV", principal=100_000_000, rate="5", start=ON,
        shares={"KHT": 100_000_000}, term_months=6), user="tq")
    each = {r.code: r.figures.spendable for r in services.fund_balances(race_db, books.org)}
    assert each == {"TOHIEU": 0, "KHT": 0}
    with race_db.read() as c:
        report = consolidated(c, books.org_id)
    assert [r.spendable for r in report.rows] == [0] and report.funds.spendable == 0
    assert report.funds.not_liquid == 100_000_000 and report.funds.principal == 100_000_000


def test_no_reversal_or_cancellation_is_dated_before_what_it_undoes(race_db):
    books = _books(race_db, council=1)
    rid = services.add_recipient(race_db, books.org, RecipientInput(full_name="Lò Văn Minh"), user="tq")["id"]
    gift = _gift(books, 5_000_000)
    with pytest.raises(InvalidInput) as early:
        services.reverse(race_db, books.org, gift["tx_id"], reason="Ghi nhầm", on=date(2025, 6, 1), user="tq")
    assert early.value.params["reason"] == "before_original"
    bid = services.create_batch(race_db, books.org, title="Đợt", lines=[LineInput(rid, "HB", amount=1_000_000)],
                                user="tq")["id"]
    services.submit_batch(race_db, books.org, bid, user="tq")
    services.vote_batch(race_db, books.org, bid, approve=True, on=date(2025, 6, 5), user=f"{books.org.lower()}hd1")
    with pytest.raises(InvalidInput) as early:
        services.cancel_batch_line(race_db, books.org, bid, 1, reason="Chuyển trường", on=date(2025, 6, 4), user="tq")
    assert early.value.params["reason"] == "before_approval"
    assert services.cancel_batch_line(race_db, books.org, bid, 1, reason="Chuyển trường", on=date(2025, 6, 5),
                                      user="tq")["released"] == 1_000_000
    _never_negative(books)


def test_a_deposits_withdrawals_come_one_a_day_in_date_order(race_db):
    """Found by the long run of the money machine on PostgreSQL: a second early withdrawal on the same day
    (or before the last one) broke on a unique index with a 500; it is refused as a conflict, and nothing
    is written."""
    from ledger.deposits import DepositInput
    from tests.helpers import snapshot

    books = _books(race_db)
    _gift(books, 50_000_000, kind="transfer", bank_account="1121.BIDV", on=date(2025, 1, 2))
    services.open_deposit(race_db, books.org, DepositInput(
        contract_no="HD-02", bank_account="1121.BIDV", principal=40_000_000, rate="6", start=date(2025, 1, 2),
        shares={"TOHIEU": 40_000_000}, term_months=12), user="tq")
    services.accrue(race_db, books.org, date(2025, 4, 30), user="tq")
    services.withdraw_deposit(race_db, books.org, "HD-02", on=date(2025, 5, 1), amount=1_000_000, user="tq")
    before = snapshot(race_db)
    for day in (date(2025, 5, 1), date(2025, 4, 20)):
        with pytest.raises(Conflict) as refused:
            services.withdraw_deposit(race_db, books.org, "HD-02", on=day, amount=1_000_000, user="tq")
        assert refused.value.params["reason"] == "withdrawal_order"
    assert snapshot(race_db) == before
    services.withdraw_deposit(race_db, books.org, "HD-02", on=date(2025, 5, 2), amount=1_000_000, user="tq")
    _never_negative(books)


def _release_round(db: Database) -> None:
    """Releases into the fund and batch lines race for one earmarked gift: together never more than it."""
    books = _books(db, council=1)
    rid = services.add_recipient(db, books.org, RecipientInput(full_name="Lò Văn Minh"), user="tq")["id"]
    gift = _gift(books, 5_000_000, earmark="Học bổng cho em Lò Văn Minh", name="Công ty Thủy điện")
    _gift(books, 100_000_000, name="Ngân hàng BIDV")

    def take(i):
        if i % 2:
            return services.release_earmark(db, books.org, gift["donation_id"], on=ON, decision=f"NQ {i}",
                                            amount=2_000_000, user=f"{books.org.lower()}hd1")
        return services.create_batch(db, books.org, title=f"Đợt {i}", user="tq", lines=[
            LineInput(rid, "HB", amount=2_000_000, earmark=gift["donation_id"])])

    done, refused = race(8, take)
    assert len([r for r in done if r]) == 2  # 2 × 2,000,000 fit in 5,000,000
    assert all(isinstance(e, (InsufficientFunds, InvalidInput)) for e in refused), refused
    (row,) = services.list_earmarks(db, books.org)
    assert row.drawn + row.released == 4_000_000 and row.left == 1_000_000
    _never_negative(books)


def test_releases_and_batch_lines_racing_for_one_earmarked_gift_take_no_more_than_it(race_db):
    for _ in range(ROUNDS):
        _release_round(race_db)
