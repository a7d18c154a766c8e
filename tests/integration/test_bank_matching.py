"""Booking confirmed matches of bank statement lines (``ledger/reconcile.py``), on SQLite and PostgreSQL:
a pledge paid with its receipt, a recorded entry matched (and no longer proposed), a donor's transfer,
deposit interest, the suspense account and its reassignment — each in one unit of work, a line once."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ledger import services
from ledger.errors import Conflict, InvalidInput
from ledger.reconcile import SUSPENSE_CODE, Choice
from tests.helpers import figures, give

ACCOUNT = "1121.BIDV"


def _statement(books, rows: list[tuple[str, str, int, str]]) -> list[int]:
    """Import (date, ref, signed amount, memo) rows; return the new lines' ids in order."""
    text = "Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n" + "".join(
        f"{d},{ref},{-a if a < 0 else ''},{a if a > 0 else ''},{memo}\n" for d, ref, a, memo in rows)
    services.import_statement(books.db, books.org, ACCOUNT, "s.csv", text.encode(), user="test", opening=0,
                              closing=sum(r[2] for r in rows))
    with books.db.read() as c:
        return list(c.execute(sa.text("SELECT id FROM bank_lines ORDER BY id")).scalars())[-len(rows):]


def _one(db, sql, **kw):
    with db.read() as c:
        return c.execute(sa.text(sql), kw).first()


def test_accepting_a_pledge_proposal_pays_the_pledge_with_a_receipt_and_matches_the_line(books):
    pledge = give(books, 5_000_000, name="Nguyễn Văn Anh", kind="pledge", on=date(2025, 3, 1))["donation_id"]
    (line,) = _statement(books, [("06/03/2025", "R1", 1_000_000, f"NGUYEN VAN ANH CK {pledge}")])
    r = services.confirm_bank_line(books.db, books.org, line, user="thu quy")
    assert (r["kind"], r["amount"], r["outstanding"]) == ("pledge", 1_000_000, 4_000_000)
    assert r["receipt"]
    pay = _one(books.db, "SELECT kind, pledge_id, amount, date FROM donations WHERE id = :i", i=r["donation_id"])
    assert (pay.kind, pay.pledge_id, pay.amount, str(pay.date)) == ("pledge_payment", pledge, 1_000_000, "2025-03-06")
    m = _one(books.db, "SELECT line_id, kind, tx_id, matched_by FROM bank_matches")
    assert (m.line_id, m.kind, m.tx_id, m.matched_by) == (line, "pledge", r["tx_id"], "thu quy")
    assert _one(books.db, "SELECT action FROM audit_log WHERE action = 'bank.match'") is not None
    # a line is matched once
    with pytest.raises(Conflict) as e:
        services.confirm_bank_line(books.db, books.org, line, Choice("suspense"), user="test")
    assert e.value.params["reason"] == "already_matched"
    assert services.statement_proposals(books.db, books.org, ACCOUNT, unmatched=True) == []


def test_a_failing_booking_writes_no_match(books):
    pledge = give(books, 500_000, name="Nguyễn Văn Anh", kind="pledge")["donation_id"]
    (line,) = _statement(books, [("06/03/2025", "R1", 1_000_000, f"CK{pledge}")])
    with pytest.raises(Conflict):  # more than owed
        services.confirm_bank_line(books.db, books.org, line, user="test")
    assert _one(books.db, "SELECT count(*) AS n FROM bank_matches").n == 0


def test_a_recorded_entry_is_matched_without_posting_and_is_no_longer_proposed(books):
    recorded = give(books, 2_000_000, name="Trần Thị Bình", kind="transfer", bank_account=ACCOUNT,
                    on=date(2025, 3, 9))
    a, b = _statement(books, [("10/03/2025", "R3", 2_000_000, "TRAN THI BINH UNG HO"),
                              ("11/03/2025", "R4", 2_000_000, "TRAN THI BINH UNG HO")])
    props = services.statement_proposals(books.db, books.org, ACCOUNT)
    assert [p.kind for _l, p in props] == ["recorded_entry", "recorded_entry"]
    with books.db.read() as c:
        before = c.execute(sa.text("SELECT count(*) FROM transactions")).scalar()
    r = services.confirm_bank_line(books.db, books.org, a, Choice("entry", target=recorded["donation_id"]),
                                   user="test", key="k1")
    assert (r["tx_id"], r["donation_id"]) == (recorded["tx_id"], recorded["donation_id"])
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM transactions")).scalar() == before
    # the same key replays; the entry is matched: no longer proposed for the other line, nor matchable again
    again = services.confirm_bank_line(books.db, books.org, a, Choice("entry", target=recorded["donation_id"]),
                                       user="test", key="k1")
    assert again["replayed"] and again["match_id"] == r["match_id"]
    left = services.statement_proposals(books.db, books.org, ACCOUNT, unmatched=True)
    assert [(ln.id, p.kind) for ln, p in left] == [(b, "donor_suggestion")] or \
        [(ln.id, p.kind) for ln, p in left] == [(b, "unidentified")]
    with pytest.raises(Conflict) as e:
        services.confirm_bank_line(books.db, books.org, b, Choice("entry", target=recorded["donation_id"]),
                                   user="test")
    assert e.value.params["reason"] == "entry_matched"


def test_a_donor_chosen_by_a_person_gets_a_transfer_donation_with_its_receipt(books):
    donor = give(books, 100_000, name="Lê Văn Cường")["donor_id"]
    (line,) = _statement(books, [("11/03/2025", "R4", 300_000, "LE VAN CUONG UNG HO")])
    r = services.confirm_bank_line(books.db, books.org, line, Choice("donor", donor=donor, fund=books.other_fund),
                                   user="test")
    d = _one(books.db, "SELECT kind, donor_id, amount, fund_id, asset_account_id, reference FROM donations "
             "WHERE id = :i", i=r["donation_id"])
    with books.db.read() as c:
        bank = c.execute(sa.text("SELECT id FROM accounts WHERE code = :c"), {"c": ACCOUNT}).scalar()
    assert (d.kind, d.donor_id, d.amount, d.fund_id, d.asset_account_id, d.reference) == (
        "transfer", donor, 300_000, books.other_fund_id, bank, "R4")
    assert r["receipt"] and r["fund"] == books.other_fund
    assert figures(books, books.other_fund).balance == 300_000


def test_an_unidentified_line_goes_to_suspense_then_is_reassigned_to_its_donor_with_a_receipt(books):
    donor = give(books, 100_000, name="Phạm Thị Dung")["donor_id"]
    (line,) = _statement(books, [("12/03/2025", "R5", 700_000, "CK KHONG RO")])
    with pytest.raises(InvalidInput):  # nothing proposed: a person must choose
        services.confirm_bank_line(books.db, books.org, line, user="test")
    r = services.confirm_bank_line(books.db, books.org, line, Choice("suspense", fund=books.fund), user="test")
    acct = _one(books.db, "SELECT kind, role FROM accounts WHERE code = :c AND org_id = :o", c=SUSPENSE_CODE,
                o=books.org_id)
    assert (acct.kind, acct.role) == ("liability", "suspense")
    assert figures(books).balance == 100_000  # held, not the fund's yet
    moved = services.reassign_bank_line(books.db, books.org, r["match_id"], donor=donor, fund=books.other_fund,
                                        on=date(2025, 3, 20), user="test")
    assert moved["receipt"] and moved["reassigns"] == r["match_id"]
    assert figures(books).balance == 100_000 and figures(books, books.other_fund).balance == 700_000
    d = _one(books.db, "SELECT kind, donor_id, amount FROM donations WHERE id = :i", i=moved["donation_id"])
    assert (d.kind, d.donor_id, d.amount) == ("transfer", donor, 700_000)
    with books.db.read() as c:
        suspense = c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "WHERE a.code = :c AND p.org_id = :o"), {"c": SUSPENSE_CODE, "o": books.org_id}).scalar()
    assert suspense == 0
    with pytest.raises(Conflict):
        services.reassign_bank_line(books.db, books.org, r["match_id"], donor=donor, user="test")
    assert services.verify(books.db, books.org)[0].ok


def test_money_out_nobody_recognises_goes_to_suspense_in_the_first_fund(books):
    give(books, 1_000_000, kind="transfer", bank_account=ACCOUNT)
    (line,) = _statement(books, [("12/03/2025", "R6", -11_000, "PHI QUAN LY TK")])
    with pytest.raises(InvalidInput) as e:
        services.confirm_bank_line(books.db, books.org, line, Choice("donor", donor=1), user="test")
    assert e.value.params["reason"] == "not_a_credit"
    r = services.confirm_bank_line(books.db, books.org, line, Choice("suspense"), user="test")
    assert r["fund"] == books.fund


def test_deposit_interest_is_matched_to_its_booked_entry_or_refused_until_booked(books):
    from ledger.deposits import DepositInput
    from ledger.interest import Deposit, parse_rate

    give(books, 900_000_000, name="Công ty TNHH Đức Thành", kind="transfer", bank_account=ACCOUNT,
         on=date(2025, 1, 2))
    services.open_deposit(books.db, books.org, DepositInput(
        contract_no="HD-01", bank_account=ACCOUNT, principal=600_000_000, rate="4,7", start=date(2025, 1, 5),
        shares={books.fund: 600_000_000}, term_months=2))
    interest = Deposit(600_000_000, parse_rate("4,7"), date(2025, 1, 5), date(2025, 3, 5)).interest()
    (line,) = _statement(books, [("05/03/2025", "R1", interest, "TRA LAI TIEN GUI HD-01")])
    with pytest.raises(Conflict) as e:
        services.confirm_bank_line(books.db, books.org, line, user="test")
    assert e.value.params["reason"] == "interest_not_booked"
    assert _one(books.db, "SELECT count(*) AS n FROM bank_matches").n == 0
    services.settle_deposit(books.db, books.org, "HD-01", on=date(2025, 3, 5), user="test")
    settled = _one(books.db, "SELECT id FROM transactions WHERE source = 'deposit_settlement'").id
    r = services.confirm_bank_line(books.db, books.org, line, user="test")  # the proposal, accepted
    assert (r["kind"], r["tx_id"]) == ("interest", settled)


def test_matches_refuse_update_and_delete_in_the_database(books):
    (line,) = _statement(books, [("12/03/2025", "R5", 700_000, "KHONG RO")])
    services.confirm_bank_line(books.db, books.org, line, Choice("suspense"), user="test")
    for sql in ("UPDATE bank_matches SET kind = 'entry'", "DELETE FROM bank_matches"):
        with pytest.raises(DBAPIError) as e:
            with books.db.begin() as c:
                c.execute(sa.text(sql))
        assert "append-only" in str(e.value)


def test_the_bank_reconciliation_at_a_month_end_lists_what_each_side_lacks_until_nothing_is_left(books):
    from books.bankrec import bank_reconciliation

    recorded = give(books, 2_000_000, name="Trần Thị Bình", kind="transfer", bank_account=ACCOUNT,
                    on=date(2025, 3, 9))
    later = give(books, 500_000, name="Lê Văn Cường", kind="transfer", bank_account=ACCOUNT, on=date(2025, 3, 20))
    a, b = _statement(books, [("10/03/2025", "R1", 2_000_000, "TRAN THI BINH"), ("12/03/2025", "R2", 700_000, "X")])
    services.confirm_bank_line(books.db, books.org, a, Choice("entry", target=recorded["donation_id"]), user="t")
    rec = bank_reconciliation(books.db, books.org, ACCOUNT, "2025-03")
    assert (rec.bank_balance, rec.book_balance, rec.difference, rec.unexplained) == (2_700_000, 2_500_000, 200_000, 0)
    assert [(i.ref, i.amount) for i in rec.bank_only] == [(b, 700_000)]
    assert [(i.ref, i.amount) for i in rec.book_only] == [(later["tx_id"], 500_000)] and not rec.reconciled
    services.confirm_bank_line(books.db, books.org, b, Choice("suspense"), user="t")
    text = ("Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n21/03/2025,R3,,\"500,000\",LE VAN CUONG\n")
    services.import_statement(books.db, books.org, ACCOUNT, "s2.csv", text.encode(), user="t", opening=2_700_000,
                              closing=3_200_000)
    (c,) = _statement_ids(books, 1)
    services.confirm_bank_line(books.db, books.org, c, user="t")  # the recorded entry, proposed and accepted
    rec = bank_reconciliation(books.db, books.org, ACCOUNT, "2025-03")
    assert (rec.difference, rec.bank_only, rec.book_only, rec.reconciled) == (0, [], [], True)
    assert bank_reconciliation(books.db, books.org, ACCOUNT, "2025-02").bank_balance is None


def _statement_ids(books, n: int) -> list[int]:
    with books.db.read() as c:
        return list(c.execute(sa.text("SELECT id FROM bank_lines ORDER BY id")).scalars())[-n:]
