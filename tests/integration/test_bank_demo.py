"""Issue 11, what it must show, on the demo books (SQLite and PostgreSQL): a statement of 500 lines for the
demo's BIDV account in September 2025 — pledges paid by transfers carrying their VietQR reference in memos
in capitals without diacritics, transfers recorded by hand that the statement repeats, known donors with
misspelt accent-less names, monthly deposit interest, award payouts, and 20 lines nobody can identify —
matched against a ground truth: every reference exact, the automatic part books nothing wrong, the counts
reported; then the month-end reconciliation is zero, and a payout missing from the bank is a reconciling
item of exactly its amount."""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from books.bankrec import bank_reconciliation
from ledger import matching, services
from ledger.deposits import DepositInput
from ledger.donations import (
    DonationInput,
    DonorInput,
    ValidDonation,
    pledge_outstanding,
    record_donations,
    validate_donation,
)
from ledger.names import fold
from ledger.ops.demo import load_demo
from ledger.reconcile import Choice

ORG, ACCOUNT, FUND = "SLA", "1121.BIDV", "TOHIEU"
START, END = date(2025, 9, 1), date(2025, 9, 30)
N_PLEDGES, N_SECOND, N_RECORDED, N_SUGGEST, N_PAYOUTS, N_UNKNOWN = 60, 20, 333, 60, 4, 20
DEPOSITS = (("HD-DEMO-M1", 1_200_000_000, "4,5"), ("HD-DEMO-M2", 700_000_000, "4,8"),
            ("HD-DEMO-M3", 350_000_000, "5,1"))


def _day(rng: random.Random) -> date:
    return date(2025, 9, rng.randint(2, 29))


def _misspell(rng: random.Random, name: str) -> str:
    """The name as a bank prints it (capitals, no diacritics) with one slip: two letters swapped or one dropped."""
    text = fold(name).upper()
    spots = [i for i in range(1, len(text) - 1) if text[i].isalpha() and text[i + 1].isalpha()]
    i = rng.choice(spots)
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i + 1:]


def _nonsense(rng: random.Random) -> str:
    return " ".join("".join(rng.choice("BCDFGJKLMPQRSTVXZ") for _ in range(rng.randint(3, 6)))
                    for _ in range(rng.randint(2, 4)))


def _bank_balance(db, on: date) -> int:
    with db.read() as c:
        return int(c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN organizations o ON o.id = a.org_id WHERE a.code = :a AND o.code = :o AND p.date <= :d"),
            {"a": ACCOUNT, "o": ORG, "d": on}).scalar())


def _build(db):
    """The demo books plus September's own entries, and the statement's rows (date, ref, amount, memo) with,
    for each, what it truly is: (proposal kind, target kind, target id, automatic?)."""
    rng = random.Random(11)
    with db.begin() as c:
        load_demo(c)
    with db.read() as c:
        people = [tuple(r) for r in c.execute(sa.text(
            "SELECT d.id, d.name FROM donors d JOIN organizations o ON o.id = d.org_id "
            "WHERE o.code = :o AND d.kind = 'person' AND d.anonymous = :f ORDER BY d.id"), {"o": ORG, "f": False})]
    assert len(people) >= 90
    rows: list[tuple[date, int, str]] = []
    truth: list[tuple[str, str | None, int | None, bool]] = []

    # pledges paid by transfers carrying their VietQR reference; 20 of them in two instalments
    for j in range(N_PLEDGES):
        donor_id, name = people[j % len(people)]
        total = 3_020_000 + j * 100_000  # never a multiple of 50.000: no recorded entry shares its amount
        pid = services.record_donation(db, ORG, DonationInput(
            fund=FUND, amount=total, date=date(2025, 8, 20), kind="pledge", donor=DonorInput(name=name)),
            user="test")["donation_id"]
        ref = f"CK{pid}"
        memo = lambda r=ref, n=name: f"UNG HO QUY HOC BONG TO HIEU {r} {fold(n).upper()}"  # noqa: E731
        if j < N_SECOND:
            rows.append((date(2025, 9, 3 + j), total - 1_010_000, memo()))
            truth.append(("pledge", "pledge", pid, True))
            rows.append((date(2025, 9, 5 + j), 1_010_000, memo()))
        else:
            rows.append((_day(rng), total, memo()))
        truth.append(("pledge", "pledge", pid, True))

    # transfers recorded by hand beforehand, each repeated by the bank within a day
    valid: list[ValidDonation] = []
    dates = []
    for i in range(N_RECORDED):
        _donor_id, name = people[rng.randrange(len(people))]
        on = _day(rng)
        dates.append(on)
        valid.append(validate_donation(DonationInput(
            fund=FUND, amount=2_000_000 + i * 50_000, date=on, kind="transfer", bank_account=ACCOUNT,
            donor=DonorInput(name=name), message="Ủng hộ quỹ học bổng")))
    with db.begin() as c:
        oid = c.execute(sa.text("SELECT id FROM organizations WHERE code = :o"), {"o": ORG}).scalar()
        record_donations(c, oid, valid, user="test", source="test")
        recorded = c.execute(sa.text(
            "SELECT d.id, d.amount, d.date, n.name FROM donations d JOIN donors n ON n.id = d.donor_id "
            "WHERE d.org_id = :o AND d.kind = 'transfer' AND d.date >= :s ORDER BY d.id"), {"o": oid, "s": START}).all()
    assert len(recorded) == N_RECORDED
    for r in recorded:
        on = date.fromisoformat(str(r.date)) + timedelta(days=rng.choice((-1, 0, 1)))
        rows.append((on, int(r.amount), f"{fold(r.name).upper()} CHUYEN TIEN UNG HO QUY"))
        truth.append(("recorded_entry", "donation", r.id, True))

    # known donors, names misspelt by the bank, amounts nothing recorded shares: suggestions only
    for i in range(N_SUGGEST):
        donor_id, name = people[(7 * i) % len(people)]
        rows.append((_day(rng), 303_000 + i * 10_000, f"{_misspell(rng, name)} UNG HO"))
        truth.append(("donor_suggestion", "donor", donor_id, False))

    # monthly interest of three deposits opened from the account, booked by the month-end job
    dep_ids = []
    for contract, principal, rate in DEPOSITS:
        dep_ids.append(services.open_deposit(db, ORG, DepositInput(
            contract_no=contract, bank_account=ACCOUNT, principal=principal, rate=rate, start=date(2025, 6, 10),
            shares={FUND: principal}, term_months=12, pays="monthly"), user="test")["id"])
    services.accrue(db, ORG, END, user="test")
    with db.read() as c:
        for contract, dep_id in zip((d[0] for d in DEPOSITS), dep_ids, strict=True):
            paid = c.execute(sa.text(
                "SELECT sum(p.amount) FROM postings p JOIN accounts a ON a.id = p.account_id "
                "JOIN transactions t ON t.id = p.tx_id WHERE a.code = :a AND t.doc_ref = :k AND t.date = :d"),
                {"a": ACCOUNT, "k": contract, "d": date(2025, 9, 10)}).scalar()
            assert paid, f"no interest of {contract} booked on 10/09/2025"
            rows.append((date(2025, 9, 10), int(paid), f"TRA LAI TIEN GUI HD {contract}"))
            truth.append(("deposit_interest", "deposit", dep_id, True))

    # payouts: the demo's batch of grade-12 awards approved, four lines paid by transfer a week apart
    for login in ("hd1", "hd2", "hd3"):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem", roles=[(ORG, "council")])
    with db.read() as c:
        bid = c.execute(sa.text("SELECT b.id FROM batches b JOIN organizations o ON o.id = b.org_id "
                                "WHERE o.code = :o"), {"o": ORG}).scalar()
    for login in ("hd1", "hd2", "hd3"):
        if services.vote_batch(db, ORG, bid, approve=True, on=START, user=login)["state"] == "approved":
            break
    for k in range(N_PAYOUTS + 1):  # the last one is kept back: it is the bank's missing payout
        services.pay_batch(db, ORG, bid, line_nos=[k + 1], method="transfer", bank_account=ACCOUNT,
                           on=date(2025, 9, 2 + 7 * k) if k < N_PAYOUTS else date(2025, 10, 3), user="test")
    with db.read() as c:
        paid = c.execute(sa.text(
            "SELECT l.id, l.amount, l.paid_on, r.full_name FROM batch_lines l JOIN recipients r "
            "ON r.id = l.recipient_id WHERE l.batch_id = :b AND l.state = 'paid' ORDER BY l.line_no"), {"b": bid}).all()
    for r in paid[:N_PAYOUTS]:
        rows.append((date.fromisoformat(str(r.paid_on)), -int(r.amount),
                     f"HKH SON LA CHI HOC BONG TSMT {fold(r.full_name).upper()}"))
        truth.append(("recorded_entry", "payout", r.id, True))

    # twenty lines nobody can identify: nonsense memos, amounts nothing in the books has
    for i in range(N_UNKNOWN):
        amount = 111_111 + i * 1_001
        rows.append((_day(rng), amount if i % 4 else -amount, _nonsense(rng)))
        truth.append(("unidentified", None, None, False))

    assert len(rows) == len(truth) == 500
    order = sorted(range(len(rows)), key=lambda i: (rows[i][0], i))
    return [rows[i] for i in order], [truth[i] for i in order], bid, paid[N_PAYOUTS]


def _csv(rows) -> bytes:
    return ("Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n" + "".join(
        f"{d:%d/%m/%Y},FT25{n:06d},{-a if a < 0 else ''},{a if a > 0 else ''},{m}\n"
        for n, (d, a, m) in enumerate(rows, 1))).encode()


def test_a_500_line_statement_of_the_demo_books_matches_exactly_and_reconciles_to_zero(db):
    rows, truth, _bid, kept_back = _build(db)
    opening = _bank_balance(db, START - timedelta(days=1))
    closing = opening + sum(a for _d, a, _m in rows)
    r = services.import_statement(db, ORG, ACCOUNT, "bidv-2025-09.csv", _csv(rows), user="test", opening=opening,
                                  closing=closing)
    assert r.imported == 500

    props = services.statement_proposals(db, ORG, ACCOUNT)
    lines = sorted(props, key=lambda x: x[0].id)  # imported in the file's order
    assert [ln.memo for ln, _p in lines] == [m for _d, _a, m in rows]

    # every line proposed as what it is; every reference matches exactly its pledge; suggestions never automatic
    kinds = [(p.kind, want[0]) for (_ln, p), want in zip(lines, truth, strict=True) if p.kind != want[0]]
    assert kinds == []
    for (ln, p), (kind, tkind, tid, _auto) in zip(lines, truth, strict=True):
        if kind == "pledge":
            assert [(t.kind, t.id) for t in p.targets] == [(tkind, tid)] and p.automatic, ln.memo
        if kind == "donor_suggestion":
            assert not p.automatic and tid in [t.id for t in p.targets], (ln.memo, p.targets)
        if kind == "unidentified":
            assert not p.automatic and p.targets == ()

    # the automatic part books nothing wrong: each automatic proposal's first target is the truth
    wrong = [(ln.line_no, ln.memo, p.targets[0], want) for (ln, p), want in zip(lines, truth, strict=True)
             if p.automatic and (p.targets[0].kind, p.targets[0].id) != (want[1], want[2])]
    assert wrong == []
    assert [p.automatic for _ln, p in lines] == [w[3] for w in truth]

    # the report: how many matched automatically, were suggested, are left
    counts = matching.summary(props)
    assert counts == {"lines": 500, "automatic": 2 * N_SECOND + (N_PLEDGES - N_SECOND) + N_RECORDED + len(DEPOSITS)
                      + N_PAYOUTS, "suggested": N_SUGGEST, "unidentified": N_UNKNOWN}

    # confirm the automatic part as proposed, the rest as a person would: suggested donors, suspense
    for (ln, p), (kind, _tkind, tid, _auto) in zip(lines, truth, strict=True):
        if p.automatic:
            done = services.confirm_bank_line(db, ORG, ln.id, user="test")
            if kind == "pledge":
                assert done["kind"] == "pledge"
        elif kind == "donor_suggestion":
            services.confirm_bank_line(db, ORG, ln.id, Choice("donor", donor=tid, fund=FUND), user="test")
        else:
            services.confirm_bank_line(db, ORG, ln.id, Choice("suspense", fund=FUND), user="test")
    assert services.statement_proposals(db, ORG, ACCOUNT, unmatched=True) == []
    with db.read() as c:  # every pledge got exactly what its lines paid: all paid up
        assert {pledge_outstanding(c, w[2]) for w in truth if w[0] == "pledge"} == {0}
    with db.read() as c:
        booked = c.execute(sa.text("SELECT kind, count(*) FROM bank_matches GROUP BY kind ORDER BY kind")).all()
    assert dict((k, n) for k, n in booked) == {"pledge": N_PLEDGES + N_SECOND, "entry": N_RECORDED + N_PAYOUTS,
                                               "interest": len(DEPOSITS), "donor": N_SUGGEST, "suspense": N_UNKNOWN}

    # the month end reconciles to zero
    rec = bank_reconciliation(db, ORG, ACCOUNT, "2025-09")
    assert (rec.bank_balance, rec.book_balance, rec.difference, rec.unexplained) == (closing, closing, 0, 0)
    assert (rec.bank_only, rec.book_only, rec.reconciled) == ([], [], True)

    # a payout the books have and the bank does not is a reconciling item of exactly its amount
    rec = bank_reconciliation(db, ORG, ACCOUNT, "2025-10")
    assert [(i.side, i.amount, i.date) for i in rec.book_only] == [
        ("books", -int(kept_back.amount), date(2025, 10, 3))]
    assert rec.bank_only == [] and rec.difference == int(kept_back.amount) and rec.unexplained == 0
    assert not rec.reconciled
    assert services.verify(db, ORG)[0].ok
