"""Money for a named recipient (issue 26: "money earmarked for a programme stays stuck when the programme ends"),
on both engines: what a gift still holds is its amount less the award lines drawing on it and what was released;
the council releases what is left into the fund (3381 → 353, one entry), never more than it holds, and then no
batch line draws on the released money, the gift is not reversed, the release entry is not reversed directly,
the history is append-only in the database, and the books verify."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from books.statements import fund_statement
from ledger import services
from ledger.disbursements import LineInput
from ledger.errors import Conflict, InsufficientFunds, InvalidInput
from tests.helpers import give, snapshot

from .test_disbursements import council, students  # noqa: F401 - fixture

ON = date(2025, 6, 30)


def _row(books, did):
    return next(r for r in services.list_earmarks(books.db, books.org) if r.donation_id == did)


def test_a_release_moves_what_is_left_into_the_fund_and_no_line_draws_on_it_after(council):  # noqa: F811
    books = council
    gift = give(books, 5_000_000, fund="KHT", earmark="Học bổng cho em Học sinh 001", on=date(2025, 3, 1))
    did = gift["donation_id"]
    (rid,) = students(books, 1)
    services.create_batch(books.db, "SLA", title="Học bổng em Mai", user="tq", lines=[
        LineInput(recipient=rid, program="NEKH", fund="KHT", amount=3_000_000, earmark=did)])
    assert (_row(books, did).drawn, _row(books, did).left) == (3_000_000, 2_000_000)
    with books.db.read() as c:
        before = fund_statement(c, books.org_id, "KHT").closing
    before_rows = snapshot(books.db)
    with pytest.raises(InsufficientFunds) as e:  # more than it holds: nothing written
        services.release_earmark(books.db, "SLA", did, on=ON, decision="NQ 05/NQ-HĐQLQ", amount=2_000_001, user="hd1")
    assert e.value.params["spendable"] == 2_000_000 and snapshot(books.db) == before_rows
    with pytest.raises(InvalidInput):
        services.release_earmark(books.db, "SLA", did, on=ON, decision="  ", user="hd1")
    with pytest.raises(InvalidInput):
        services.release_earmark(books.db, "SLA", did, on=date(2025, 2, 1), decision="NQ", user="hd1")
    r = services.release_earmark(books.db, "SLA", did, on=ON, decision="Nghị quyết 05/NQ-HĐQLQ",
                                 reason="Em Mai đã tốt nghiệp; nhà hảo tâm đồng ý", user="hd1")
    assert (r["amount"], r["left"]) == (2_000_000, 0)
    row = _row(books, did)
    assert (row.drawn, row.released, row.left) == (3_000_000, 2_000_000, 0)
    with books.db.read() as c:
        after = fund_statement(c, books.org_id, "KHT").closing
        postings = c.execute(sa.text("SELECT a.code, p.amount FROM postings p JOIN accounts a ON a.id = p.account_id "
                                     "WHERE p.tx_id = :t ORDER BY p.amount"), {"t": r["tx_id"]}).all()
    assert [tuple(p) for p in postings] == [("353", -2_000_000), ("3381", 2_000_000)]
    # the fund's own money now: its balance and spendable grow; the statement counts it as capital, and adds up
    assert after.balance == before.balance + 2_000_000 and after.spendable == before.spendable + 2_000_000
    with books.db.read() as c:
        fs = fund_statement(c, books.org_id, "KHT")
    assert fs.capital == 2_000_000 and fs.opening.balance + fs.receipts - fs.payments == fs.closing.balance
    # nothing left for the recipient: a new line on the gift is refused; the gift and the release stay
    with pytest.raises(InvalidInput) as e:
        services.create_batch(books.db, "SLA", title="Thêm", user="tq", lines=[
            LineInput(recipient=rid, program="NEKH", fund="KHT", amount=1, earmark=did)])
    assert [r["reason"] for r in e.value.params["rows"]] == ["above_earmark"], e.value.params
    with pytest.raises(InsufficientFunds):
        services.release_earmark(books.db, "SLA", did, on=ON, decision="NQ 06", user="hd1")
    with pytest.raises(Conflict) as e:
        services.reverse(books.db, "SLA", r["tx_id"], reason="nhầm", on=ON, user="tq")
    assert e.value.params["reason"] == "workflow_entry"
    for sql in ("UPDATE earmark_releases SET amount = 1", "DELETE FROM earmark_releases"):
        with pytest.raises(DBAPIError), books.db.begin() as c:
            c.execute(sa.text(sql))
    assert all(x.ok for x in services.verify(books.db))


def test_a_gift_with_money_released_is_not_reversed(books):
    gift = give(books, 1_000_000, fund="KHT", earmark="Học bổng cho em Tú", on=date(2025, 3, 1))
    services.release_earmark(books.db, "SLA", gift["donation_id"], on=ON, decision="NQ 07", amount=400_000,
                             user="hd1")
    assert _row(books, gift["donation_id"]).left == 600_000
    with pytest.raises(Conflict) as e:
        services.reverse(books.db, "SLA", gift["tx_id"], reason="nhầm", on=ON, user="tq")
    assert e.value.params["reason"] == "earmark_released"
