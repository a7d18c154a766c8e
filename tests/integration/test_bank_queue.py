"""The matching queue's actions on SQLite and PostgreSQL (``ledger/reconcile.py``): a transfer split across
funds (a donation, entry and receipt per part, one match), a match undone (reversed, receipts voided, the
line back in the queue — or only the link dropped for an entry already recorded), and a bank account's
default fund for lines booked without one."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ledger import services
from ledger.errors import Conflict, InvalidInput, LedgerError, NotFound
from ledger.reconcile import Choice
from tests.helpers import figures, give
from tests.integration.test_bank_matching import ACCOUNT, _one, _statement


def _donor(books, name="Phạm Thị Dung") -> int:
    return give(books, 10_000, name=name)["donor_id"]


def _queue(books) -> list[int]:
    return [ln.id for ln, _p in services.statement_proposals(books.db, books.org, ACCOUNT, unmatched=True)]


def _receipts(books, donation_ids) -> list[tuple[int, bool]]:
    with books.db.read() as c:
        return [tuple(r) for r in c.execute(sa.text(
            "SELECT d.donation_id, EXISTS (SELECT 1 FROM document_voids v WHERE v.document_id = d.id) "
            "FROM documents d WHERE d.donation_id IN :ids ORDER BY d.donation_id")
            .bindparams(sa.bindparam("ids", expanding=True)), {"ids": list(donation_ids)})]


def test_a_transfer_split_across_two_funds_gives_a_donation_entry_and_receipt_per_fund(books):
    donor = _donor(books)
    (line,) = _statement(books, [("06/03/2025", "R1", 1_000_000, "PHAM THI DUNG UNG HO")])
    before_t, before_k = figures(books).balance, figures(books, books.other_fund).balance
    r = services.confirm_bank_line(books.db, books.org, line, Choice(
        "split", donor=donor, parts=((books.fund, 600_000), (books.other_fund, 400_000))), user="thu quy", key="s1")
    assert r["kind"] == "split" and len(r["parts"]) == 2
    assert [(p["fund"], p["amount"]) for p in r["parts"]] == [(books.fund, 600_000), (books.other_fund, 400_000)]
    assert figures(books).balance == before_t + 600_000
    assert figures(books, books.other_fund).balance == before_k + 400_000
    with books.db.read() as c:
        gifts = c.execute(sa.text("SELECT d.id, d.kind, d.amount, d.donor_id, f.code, d.tx_id FROM donations d "
                                  "JOIN funds f ON f.id = d.fund_id WHERE d.id IN :ids ORDER BY d.id")
                          .bindparams(sa.bindparam("ids", expanding=True)),
                          {"ids": [p["donation_id"] for p in r["parts"]]}).all()
        # each entry balances in its one fund and debits the line's bank account
        for g in gifts:
            funds = c.execute(sa.text("SELECT fund_id, sum(amount) FROM postings WHERE tx_id = :t GROUP BY fund_id"),
                              {"t": g.tx_id}).all()
            assert len(funds) == 1 and funds[0][1] == 0
        parts = c.execute(sa.text("SELECT tx_id, amount FROM bank_match_parts ORDER BY id")).all()
        matches = c.execute(sa.text("SELECT line_id, kind, tx_id FROM bank_matches")).all()
    assert [(g.kind, g.amount, g.donor_id, g.code) for g in gifts] == [
        ("transfer", 600_000, donor, books.fund), ("transfer", 400_000, donor, books.other_fund)]
    assert [tuple(p) for p in parts] == [(g.tx_id, g.amount) for g in gifts]
    assert [tuple(m) for m in matches] == [(line, "split", gifts[0].tx_id)]
    assert r["receipt"].split(", ") == [p["receipt"] for p in r["parts"]] and all(
        p["receipt"] for p in r["parts"])
    assert _receipts(books, [g.id for g in gifts]) == [(gifts[0].id, False), (gifts[1].id, False)]
    assert _queue(books) == []
    again = services.confirm_bank_line(books.db, books.org, line, Choice(
        "split", donor=donor, parts=((books.fund, 600_000), (books.other_fund, 400_000))), user="thu quy", key="s1")
    assert again["replayed"] and again["match_id"] == r["match_id"]
    # the reconciliation counts every part as matched: nothing on the books' side only
    from books.bankrec import bank_reconciliation

    rec = bank_reconciliation(books.db, books.org, ACCOUNT, "2025-03")
    assert rec.book_only == [] and rec.bank_only == [] and rec.reconciled


@pytest.mark.parametrize(("parts", "reason"), [
    (((("TOHIEU", 600_000),)), "split_too_few"),
    ((("TOHIEU", 600_000), ("KHT", 300_000)), "split_sum_differs"),
    ((("TOHIEU", 600_000), ("KHT", 400_000.0)), "not_integer"),
    ((("TOHIEU", 600_000), ("KHT", "400000")), "not_integer"),
    ((("TOHIEU", 1_000_000), ("KHT", 0)), "not_positive"),
    ((("TOHIEU", 1_200_000), ("KHT", -200_000)), "not_positive"),
    ((("TOHIEU", 500_000), ("TOHIEU", 500_000)), "split_fund_repeated"),
])
def test_a_split_whose_parts_do_not_add_up_to_the_line_is_refused_and_writes_nothing(books, parts, reason):
    donor = _donor(books)
    (line,) = _statement(books, [("06/03/2025", "R1", 1_000_000, "X")])
    with pytest.raises(InvalidInput) as e:
        services.confirm_bank_line(books.db, books.org, line, Choice("split", donor=donor, parts=parts), user="t")
    assert e.value.params["reason"] == reason and e.value.status == 422
    assert _one(books.db, "SELECT count(*) AS n FROM bank_matches").n == 0
    assert _one(books.db, "SELECT count(*) AS n FROM donations").n == 1


def test_undoing_a_donor_match_reverses_it_voids_its_receipt_and_puts_the_line_back(books):
    donor = _donor(books)
    (line,) = _statement(books, [("06/03/2025", "R1", 500_000, "UNG HO")])
    base = figures(books).balance
    r = services.confirm_bank_line(books.db, books.org, line, Choice("donor", donor=donor, fund=books.fund),
                                   user="t")
    assert figures(books).balance == base + 500_000 and _queue(books) == []
    with pytest.raises(InvalidInput) as e:
        services.undo_bank_match(books.db, books.org, r["match_id"], reason="  ", user="t")
    assert e.value.params["reason"] == "empty"
    u = services.undo_bank_match(books.db, books.org, r["match_id"], reason="nhầm nhà hảo tâm", user="thu quy")
    assert figures(books).balance == base and _queue(books) == [line]
    assert u["undoes"] == r["match_id"] and len(u["reversals"]) == 1 and u["line_id"] == line
    rev = _one(books.db, "SELECT reverses_id, date FROM transactions WHERE id = :i", i=u["reversals"][0])
    assert (rev.reverses_id, str(rev.date)) == (r["tx_id"], "2025-03-06")
    assert _receipts(books, [r["donation_id"]]) == [(r["donation_id"], True)]
    undo_row = _one(books.db, "SELECT kind, undoes_id, note, tx_id FROM bank_matches WHERE id = :i", i=u["match_id"])
    assert tuple(undo_row) == ("undo", r["match_id"], "nhầm nhà hảo tâm", u["reversals"][0])
    assert _one(books.db, "SELECT action FROM audit_log WHERE action = 'bank.undo'") is not None
    # the reconciliation: the line is the bank's again; the entry and its reversal cancel out
    from books.bankrec import bank_reconciliation

    rec = bank_reconciliation(books.db, books.org, ACCOUNT, "2025-03")
    assert [i.ref for i in rec.bank_only] == [line] and rec.book_only == [] and rec.unexplained == 0
    with pytest.raises(Conflict) as e:
        services.undo_bank_match(books.db, books.org, r["match_id"], reason="again", user="t")
    assert e.value.params["reason"] == "already_undone"
    # the line is matched again, rightly this time; history keeps all three rows
    r2 = services.confirm_bank_line(books.db, books.org, line, Choice("suspense", fund=books.other_fund), user="t")
    assert _one(books.db, "SELECT count(*) AS n FROM bank_matches").n == 3 and r2["match_id"] != r["match_id"]
    assert _queue(books) == []
    # the database still refuses a second live match of the line
    with pytest.raises(DBAPIError):
        with books.db.begin() as c:
            c.execute(sa.text("INSERT INTO bank_matches (org_id, line_id, kind, matched_by, matched_at, attempt) "
                              "VALUES (:o, :l, 'suspense', 'x', 'now', 1)"), {"o": books.org_id, "l": line})


def test_undoing_a_split_reverses_every_part_and_voids_every_receipt(books):
    donor = _donor(books)
    (line,) = _statement(books, [("06/03/2025", "R1", 1_000_000, "X")])
    base_t, base_k = figures(books).balance, figures(books, books.other_fund).balance
    r = services.confirm_bank_line(books.db, books.org, line, Choice(
        "split", donor=donor, parts=((books.fund, 700_000), (books.other_fund, 300_000))), user="t")
    u = services.undo_bank_match(books.db, books.org, r["match_id"], reason="sai quỹ", user="t")
    assert len(u["reversals"]) == 2 and len(u["voided_documents"]) == 2
    assert (figures(books).balance, figures(books, books.other_fund).balance) == (base_t, base_k)
    assert _receipts(books, [p["donation_id"] for p in r["parts"]]) == [(p["donation_id"], True) for p in r["parts"]]
    assert _queue(books) == [line]


def test_undoing_a_recorded_entry_match_drops_only_the_link(books):
    recorded = give(books, 2_000_000, name="Trần Thị Bình", kind="transfer", bank_account=ACCOUNT,
                    on=date(2025, 3, 9))
    (line,) = _statement(books, [("10/03/2025", "R3", 2_000_000, "TRAN THI BINH UNG HO")])
    r = services.confirm_bank_line(books.db, books.org, line, user="t")
    assert r["kind"] == "entry"
    with books.db.read() as c:
        before = c.execute(sa.text("SELECT count(*) FROM transactions")).scalar()
    u = services.undo_bank_match(books.db, books.org, r["match_id"], reason="khớp nhầm dòng", user="t")
    assert u["reversals"] == [] and u["voided_documents"] == []
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM transactions")).scalar() == before
    assert _receipts(books, [recorded["donation_id"]]) == [(recorded["donation_id"], False)]
    # the entry is proposed again, and can be matched again
    (_ln, p), = services.statement_proposals(books.db, books.org, ACCOUNT, unmatched=True)
    assert p.kind == "recorded_entry"
    again = services.confirm_bank_line(books.db, books.org, line, user="t")
    assert again["tx_id"] == recorded["tx_id"]


def test_a_reassigned_suspense_match_is_undone_after_its_reassignment(books):
    donor = _donor(books)
    (line,) = _statement(books, [("06/03/2025", "R1", 300_000, "KHONG RO")])
    base = figures(books).balance
    s = services.confirm_bank_line(books.db, books.org, line, Choice("suspense", fund=books.fund), user="t")
    re = services.reassign_bank_line(books.db, books.org, s["match_id"], donor=donor, on=date(2025, 3, 20), user="t")
    assert figures(books).balance == base + 300_000
    with pytest.raises(Conflict) as e:
        services.undo_bank_match(books.db, books.org, s["match_id"], reason="x", user="t")
    assert e.value.params["reason"] == "reassigned"
    u = services.undo_bank_match(books.db, books.org, re["match_id"], reason="không phải bà Dung", user="t")
    assert u["line_id"] == line and u["reassigns"] == s["match_id"]
    assert _receipts(books, [re["donation_id"]]) == [(re["donation_id"], True)]
    # the money is back in suspense: reassignable again, or undone itself
    re2 = services.reassign_bank_line(books.db, books.org, s["match_id"], donor=donor, on=date(2025, 3, 21),
                                      user="t")
    services.undo_bank_match(books.db, books.org, re2["match_id"], reason="lại nhầm", user="t")
    services.undo_bank_match(books.db, books.org, s["match_id"], reason="không phải tiền ủng hộ", user="t")
    assert figures(books).balance == base and _queue(books) == [line]
    with books.db.read() as c:
        susp = c.execute(sa.text("SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a "
                                 "ON a.id = p.account_id WHERE a.role = 'suspense'")).scalar()
    assert susp == 0


def test_an_undo_in_a_locked_period_is_refused(books):
    donor = _donor(books)
    (line,) = _statement(books, [("06/03/2025", "R1", 500_000, "UNG HO")])
    r = services.confirm_bank_line(books.db, books.org, line, Choice("donor", donor=donor), user="t")
    services.lock_period(books.db, books.org, date(2025, 3, 31))
    with pytest.raises(LedgerError) as e:
        services.undo_bank_match(books.db, books.org, r["match_id"], reason="nhầm", user="t")
    assert e.value.code == "period_locked"
    assert _one(books.db, "SELECT count(*) AS n FROM bank_matches WHERE kind = 'undo'").n == 0
    # dated after the lock, the reversal goes through
    u = services.undo_bank_match(books.db, books.org, r["match_id"], reason="nhầm", on=date(2025, 4, 2), user="t")
    assert str(_one(books.db, "SELECT date FROM transactions WHERE id = :i", i=u["reversals"][0]).date) == "2025-04-02"
    with pytest.raises(NotFound):
        services.undo_bank_match(books.db, books.org, u["match_id"], reason="undo the undo", user="t")


def test_a_bank_accounts_default_fund_takes_lines_booked_without_a_fund(books):
    donor = _donor(books)
    a, b, c = _statement(books, [("06/03/2025", "R1", 100_000, "X"), ("07/03/2025", "R2", 200_000, "Y"),
                                 ("08/03/2025", "R3", 300_000, "Z")])
    assert services.bank_default_funds(books.db, books.org) == {ACCOUNT: None}
    r = services.confirm_bank_line(books.db, books.org, a, Choice("suspense"), user="t")
    assert r["fund"] == books.fund  # the organization's first fund
    services.set_bank_default_fund(books.db, books.org, ACCOUNT, books.other_fund, user="admin")
    assert services.bank_default_funds(books.db, books.org) == {ACCOUNT: books.other_fund}
    assert services.confirm_bank_line(books.db, books.org, b, Choice("suspense"), user="t")["fund"] == books.other_fund
    k = figures(books, books.other_fund).balance
    r = services.confirm_bank_line(books.db, books.org, c, Choice("donor", donor=donor), user="t")
    assert r["fund"] == books.other_fund and figures(books, books.other_fund).balance == k + 300_000
    assert _one(books.db, "SELECT action FROM audit_log WHERE action = 'bank.default_fund'") is not None
    with pytest.raises(NotFound):
        services.set_bank_default_fund(books.db, books.org, ACCOUNT, "NOPE", user="admin")
    with pytest.raises(NotFound):
        services.set_bank_default_fund(books.db, books.org, "111", books.fund, user="admin")
    services.set_bank_default_fund(books.db, books.org, ACCOUNT, None, user="admin")
    assert services.bank_default_funds(books.db, books.org) == {ACCOUNT: None}


def test_parts_and_undo_rows_refuse_update_and_delete(books):
    donor = _donor(books)
    (line,) = _statement(books, [("06/03/2025", "R1", 1_000_000, "X")])
    r = services.confirm_bank_line(books.db, books.org, line, Choice(
        "split", donor=donor, parts=((books.fund, 500_000), (books.other_fund, 500_000))), user="t")
    services.undo_bank_match(books.db, books.org, r["match_id"], reason="nhầm", user="t")
    for sql in ("UPDATE bank_match_parts SET amount = 1", "DELETE FROM bank_match_parts",
                "DELETE FROM bank_matches WHERE kind = 'undo'"):
        with pytest.raises(DBAPIError) as e:
            with books.db.begin() as c:
                c.execute(sa.text(sql))
        assert "append-only" in str(e.value)


#: The bank-charges expense account the tests add to the chart (the default chart has none of its own).
FEES = "6427"


def _fees_account(books) -> None:
    services.add_account(books.db, books.org, code=FEES, name="Chi phí dịch vụ ngân hàng", kind="expense")


def _account_balance(books, code: str, fund: str) -> int:
    return int(_one(books.db, "SELECT coalesce(sum(p.amount), 0) AS n FROM postings p "
                              "JOIN accounts a ON a.id = p.account_id JOIN funds f ON f.id = p.fund_id "
                              "WHERE a.code = :a AND f.code = :f AND a.org_id = :o",
                    a=code, f=fund, o=books.org_id).n)


def test_a_bank_fee_debit_is_booked_to_the_bank_charges_account_and_undone_like_suspense(books):
    _fees_account(books)
    # the fee is taken from money in the bank (a bank account never goes below zero on any day)
    give(books, 1_000_000, name="Lê Văn Bình", on=date(2025, 3, 1), kind="transfer", bank_account=ACCOUNT)
    (line,) = _statement(books, [("06/03/2025", "F1", -11_000, "PHI QUAN LY TAI KHOAN T02")])
    bank0, fees0 = _account_balance(books, ACCOUNT, books.fund), _account_balance(books, FEES, books.fund)
    balance0 = figures(books).balance
    r = services.confirm_bank_line(books.db, books.org, line, Choice("account", account=FEES, fund=books.fund),
                                   user="thu quy", key="a1")
    assert (r["kind"], r["amount"], r["fund"], r["account"], r["receipt"]) == ("account", -11_000, books.fund,
                                                                                FEES, None)
    assert _account_balance(books, ACCOUNT, books.fund) == bank0 - 11_000
    assert _account_balance(books, FEES, books.fund) == fees0 + 11_000
    assert figures(books).balance == balance0 - 11_000  # an expense spends the fund
    tx = _one(books.db, "SELECT description, doc_ref, source FROM transactions WHERE id = :i", i=r["tx_id"])
    assert (tx.doc_ref, tx.source) == ("F1", "bank_match") and "PHI QUAN LY TAI KHOAN T02" in tx.description
    with books.db.read() as c:
        sums = c.execute(sa.text("SELECT fund_id, sum(amount) FROM postings WHERE tx_id = :t GROUP BY fund_id"),
                         {"t": r["tx_id"]}).all()
        matches = c.execute(sa.text("SELECT line_id, kind, tx_id FROM bank_matches")).all()
    assert len(sums) == 1 and sums[0][1] == 0
    assert [tuple(m) for m in matches] == [(line, "account", r["tx_id"])]
    assert _queue(books) == []
    from books.bankrec import bank_reconciliation

    rec = bank_reconciliation(books.db, books.org, ACCOUNT, "2025-03")
    assert rec.bank_only == [] and r["tx_id"] not in [i.ref for i in rec.book_only]
    u = services.undo_bank_match(books.db, books.org, r["match_id"], reason="nhầm tài khoản", user="thu quy")
    assert u["kind"] == "account" and len(u["reversals"]) == 1
    assert _one(books.db, "SELECT reverses_id FROM transactions WHERE id = :i", i=u["reversals"][0]).reverses_id \
        == r["tx_id"]
    assert _account_balance(books, ACCOUNT, books.fund) == bank0
    assert _account_balance(books, FEES, books.fund) == fees0
    assert _queue(books) == [line]


def test_a_credit_that_is_not_a_donation_goes_to_the_bank_accounts_default_fund(books):
    services.add_account(books.db, books.org, code="7118", name="Thu nhập khác (không phải ủng hộ)", kind="income")
    services.set_bank_default_fund(books.db, books.org, ACCOUNT, books.other_fund, user="t")
    (line,) = _statement(books, [("07/03/2025", "H1", 250_000, "HOAN TIEN PHI")])
    r = services.confirm_bank_line(books.db, books.org, line, Choice("account", account="7118"), user="t")
    assert r["fund"] == books.other_fund
    assert _account_balance(books, ACCOUNT, books.other_fund) == 250_000
    assert _account_balance(books, "7118", books.other_fund) == -250_000
    assert _one(books.db, "SELECT count(*) AS n FROM donations").n == 0


@pytest.mark.parametrize(("code", "reason"), [
    (None, "empty"), ("  ", "empty"), ("9999", "unknown_account"), (ACCOUNT, "account_is_bank"),
    ("1121", "account_is_bank"), ("3389", "account_is_suspense"), ("711", "account_is_donation_income")])
def test_a_line_is_not_booked_to_a_missing_bank_suspense_or_donation_income_account(books, code, reason):
    (other,) = _statement(books, [("05/03/2025", "S0", 5_000, "KHONG RO")])
    services.confirm_bank_line(books.db, books.org, other, Choice("suspense"), user="t")  # makes 3389
    (line,) = _statement(books, [("06/03/2025", "F1", -11_000, "PHI QUAN LY TAI KHOAN")])
    with books.db.read() as c:
        before = (c.execute(sa.text("SELECT count(*) FROM transactions")).scalar(),
                  c.execute(sa.text("SELECT count(*) FROM bank_matches")).scalar())
    with pytest.raises(InvalidInput) as e:
        services.confirm_bank_line(books.db, books.org, line, Choice("account", account=code), user="t")
    assert e.value.params["reason"] == reason and e.value.status == 422
    with books.db.read() as c:
        after = (c.execute(sa.text("SELECT count(*) FROM transactions")).scalar(),
                 c.execute(sa.text("SELECT count(*) FROM bank_matches")).scalar())
    assert after == before and line in _queue(books)
    from web.messages import vietnamese

    told = vietnamese(e.value)
    assert told != e.value.message and (code is None or not code.strip() or code in told)  # said in Vietnamese


def test_an_entry_matched_to_a_bank_line_is_not_reversed_by_hand_but_through_its_match(books):
    """Reversing a matched entry alone would leave its bank line matched to nothing, out of the queue, so
    the money the bank did receive would never be booked again: the reversal is refused, naming the match;
    undoing the match puts the line back (and, for an entry recorded by hand, lets it be reversed)."""
    donor = _donor(books)
    line, split_line, entry_line = _statement(books, [("06/03/2025", "R1", 500_000, "UNG HO"),
                                                      ("07/03/2025", "R2", 900_000, "UNG HO 2 QUY"),
                                                      ("10/03/2025", "R3", 2_000_000, "TRAN THI BINH UNG HO")])
    r = services.confirm_bank_line(books.db, books.org, line, Choice("donor", donor=donor, fund=books.fund), user="t")
    sp = services.confirm_bank_line(books.db, books.org, split_line, Choice(
        "split", donor=donor, parts=((books.fund, 600_000), (books.other_fund, 300_000))), user="t")
    recorded = give(books, 2_000_000, name="Trần Thị Bình", kind="transfer", bank_account=ACCOUNT,
                    on=date(2025, 3, 9))
    e = services.confirm_bank_line(books.db, books.org, entry_line, user="t")
    assert e["kind"] == "entry"
    with books.db.read() as c:
        before = c.execute(sa.text("SELECT count(*) FROM transactions")).scalar()
    for tx, match, ln in ((r["tx_id"], r["match_id"], line), (sp["parts"][1]["tx_id"], sp["match_id"], split_line),
                          (recorded["tx_id"], e["match_id"], entry_line)):
        with pytest.raises(Conflict) as err:
            services.reverse(books.db, books.org, tx, reason="ghi nhầm", on="2025-03-31", user="t")
        assert err.value.params == {"reason": "bank_matched", "match_id": match, "line_id": ln}
    with books.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM transactions")).scalar() == before
    assert _queue(books) == []
    # another organization learns nothing of this one's bank lines: the transaction is simply not its own
    services.create_organization(books.db, code="SLA-MC", name="Hội Khuyến học huyện Mộc Châu", level="district",
                                 parent=books.org)
    with pytest.raises(NotFound):
        services.reverse(books.db, "SLA-MC", r["tx_id"], reason="x", on="2025-03-31", user="t")
    # the entry recorded by hand: undoing the match drops the link, and then the entry can be reversed
    services.undo_bank_match(books.db, books.org, e["match_id"], reason="khớp nhầm", user="t")
    services.reverse(books.db, books.org, recorded["tx_id"], reason="ghi trùng", on="2025-03-31", user="t")
    assert _queue(books) == [entry_line]
