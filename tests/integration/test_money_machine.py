"""Hypothesis drives donations (cash, transfer, earmarked, pledges), pledge payments, batches drawing on
the fund or on earmarked gifts (approved, paid in cash or from the bank), term deposits (opened,
withdrawn), reversals and back-dated entries through the service layer on both engines, and after every
step checks what money can never do, whatever succeeded or was refused:

* no cash or bank account is below zero at the end of any day;
* no earmarked gift has more drawn on it (approved or paid lines) than it holds, and no pledge has
  more collected than it promised;
* no fund's spendable balance is negative today;
* every transaction balances per fund, the cached balances equal the postings, the chain verifies.

``make test`` runs a few hundred steps per engine; ``make test-long`` (``QUY_LONG=1``) runs at least
10,000 per engine (README, "Tests").
"""

from __future__ import annotations

import os
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ledger import disbursements as d
from ledger import orgs, services
from ledger.balances import cached_matches_postings
from ledger.db import Database
from ledger.deposits import DepositInput
from ledger.disbursements import LineInput, RecipientInput
from ledger.donations import DonationInput, DonorInput
from ledger.errors import LedgerError
from ledger.migrate import upgrade
from tests.conftest import PgSchema
from tests.helpers import lowest_cash_by_day

LONG = os.environ.get("QUY_LONG") == "1"
START = date(2025, 1, 1)
FUNDS = ("TOHIEU", "KHT")
days = st.integers(min_value=0, max_value=120)
amounts = st.sampled_from([1, 999, 100_000, 1_000_000, 2_500_000, 10_000_000, 49_999_999])
small = st.sampled_from([1, 999, 100_000, 500_000, 1_000_000])  # a batch line: most fit
_orgs = iter(range(1, 10**9))


class MoneyMachine(RuleBasedStateMachine):
    db: Database
    done: dict[str, int] = {}  # what succeeded over all runs: the test proves it exercised each step

    def _ok(self, what: str) -> None:
        self.done[what] = self.done.get(what, 0) + 1

    @initialize()
    def open_books(self):
        db = self.db
        self.code = f"M{next(_orgs)}"
        with db.begin() as c:
            self.oid = orgs.create_organization(c, code=self.code, name=f"Hội {self.code}", level="unit")
            orgs.create_fund(c, self.oid, code="TOHIEU", name="Quỹ Tô Hiệu", kind="scholarship", has_principal=True)
            orgs.create_fund(c, self.oid, code="KHT", name="Quỹ Khuyến học", kind="general")
            orgs.add_bank_account(c, self.oid, code="1121.BIDV", bank_name="BIDV", account_no="1", bin="970418")
        self.council = [f"{self.code.lower()}hd{i}" for i in (1, 2)]
        for login in self.council:
            services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem",
                              roles=[(self.code, "council")])
        services.add_program(db, self.code, code="HB", name="Học bổng", funds=list(FUNDS))
        with db.begin() as c:
            for f in FUNDS:
                d.set_quorum(c, self.oid, f, 1)
        self.rid = services.add_recipient(db, self.code, RecipientInput(full_name="Lò Văn Minh"), user="tq")["id"]
        self.txs: list[int] = []
        self.gifts: list[int] = []  # earmarked gift donation ids
        self.pledges: list[int] = []
        self.batches: list[int] = []
        self.deposits: list[str] = []
        for fund in FUNDS:  # money to start with, in cash and in the bank, so that spending fits as well as fails
            self.donate(fund, 3_000_000, 0, "cash")
            self.donate(fund, 3_000_000, 0, "transfer")

    def _try(self, what, fn, *a, **kw):
        try:
            out = fn(*a, **kw)
        except LedgerError as e:  # refused: the invariants show nothing was half-written
            key = f"refused {what}: {e.code}/{e.params.get('reason', '')}"
            self.done[key] = self.done.get(key, 0) + 1
            return None
        self._ok(what)
        return out

    @rule(fund=st.sampled_from(FUNDS), amount=amounts, d=days,
          kind=st.sampled_from(["cash", "transfer", "earmark", "pledge", "principal"]))
    def donate(self, fund, amount, d, kind):
        kw = {"cash": {}, "transfer": {"kind": "transfer", "bank_account": "1121.BIDV"},
              "earmark": {"earmark": "Học bổng cho em Lò Văn Minh"}, "pledge": {"kind": "pledge"},
              "principal": {"to_principal": True}}[kind]
        if kind == "principal" and fund != "TOHIEU":
            return
        r = self._try(f"donate_{kind}", services.record_donation, self.db, self.code, DonationInput(
            fund=fund, amount=amount, date=START + timedelta(days=d), donor=DonorInput(name="Nguyễn Thị Hồng"), **kw),
            user="tq")
        if r:
            self.txs.append(r["tx_id"])
            if kind == "earmark":
                self.gifts.append(r["donation_id"])
            if kind == "pledge":
                self.pledges.append(r["donation_id"])

    @precondition(lambda self: self.pledges)
    @rule(data=st.data(), amount=amounts, d=days, bank=st.booleans())
    def pay_pledge(self, data, amount, d, bank):
        pid = data.draw(st.sampled_from(self.pledges))
        r = self._try("pledge_paid", services.pay_pledge, self.db, self.code, pledge_id=pid, amount=amount,
                      on=START + timedelta(days=d), method="transfer" if bank else "cash",
                      bank_account="1121.BIDV" if bank else None, user="tq")
        if r:
            self.txs.append(r["tx_id"])

    @rule(data=st.data(), fund=st.sampled_from(FUNDS), amount=small, n=st.integers(1, 3))
    def draft(self, data, fund, amount, n):
        earmark = data.draw(st.sampled_from([None, *self.gifts])) if self.gifts else None
        lines = [LineInput(self.rid, "HB", fund=fund, amount=amount, earmark=earmark)] * n
        r = self._try("drafted", services.create_batch, self.db, self.code, title="Đợt", lines=lines, user="tq")
        if r:
            self._try("submitted", services.submit_batch, self.db, self.code, r["id"], user="tq")
            self.batches.append(r["id"])

    @rule(data=st.data(), fund=st.sampled_from(FUNDS), amount=small, n=st.integers(1, 3), d=days,
          later=st.integers(0, 30), bank=st.booleans())
    def spend(self, data, fund, amount, n, d, later, bank):
        """A whole batch at once: drafted, approved on day ``d`` and paid ``later`` days after."""
        earmark = data.draw(st.sampled_from([None, *self.gifts])) if self.gifts else None
        r = self._try("drafted", services.create_batch, self.db, self.code, title="Đợt",
                      lines=[LineInput(self.rid, "HB", fund=fund, amount=amount, earmark=earmark)] * n, user="tq")
        if not r:
            return
        self.batches.append(r["id"])
        self._try("submitted", services.submit_batch, self.db, self.code, r["id"], user="tq")
        if self._try("approved", services.vote_batch, self.db, self.code, r["id"], approve=True,
                     on=START + timedelta(days=d), user=self.council[0]):
            self._try("paid", services.pay_batch, self.db, self.code, r["id"], method="transfer" if bank else "cash",
                      bank_account="1121.BIDV" if bank else None, on=START + timedelta(days=d + later), user="tq")

    @precondition(lambda self: self.batches)
    @rule(data=st.data(), d=days)
    def approve(self, data, d):
        bid = data.draw(st.sampled_from(self.batches))
        self._try("approved", services.vote_batch, self.db, self.code, bid, approve=True,
                  on=START + timedelta(days=d), user=data.draw(st.sampled_from(self.council)))

    @precondition(lambda self: self.batches)
    @rule(data=st.data(), d=days, bank=st.booleans())
    def pay(self, data, d, bank):
        bid = data.draw(st.sampled_from(self.batches))
        self._try("paid", services.pay_batch, self.db, self.code, bid, method="transfer" if bank else "cash",
                  bank_account="1121.BIDV" if bank else None, on=START + timedelta(days=d), user="tq")

    @rule(fund=st.sampled_from(FUNDS), amount=amounts, d=days)
    def open_deposit(self, fund, amount, d):
        contract = f"HD{len(self.deposits) + 1}"
        r = self._try("deposit_opened", services.open_deposit, self.db, self.code, DepositInput(
            contract_no=contract, bank_account="1121.BIDV", principal=amount, rate="5.5",
            start=START + timedelta(days=d), shares={fund: amount}, term_months=6), user="tq")
        if r:
            self.deposits.append(contract)
            self.txs.append(r["tx_id"])

    @precondition(lambda self: self.deposits)
    @rule(data=st.data(), d=days)
    def withdraw(self, data, d):
        contract = data.draw(st.sampled_from(self.deposits))
        with self.db.read() as c:
            left = c.execute(sa.text("SELECT principal FROM deposits WHERE org_id = :o AND contract_no = :c"),
                             {"o": self.oid, "c": contract}).scalar()
        self._try("deposit_withdrawn", services.withdraw_deposit, self.db, self.code, contract,
                  on=START + timedelta(days=d), amount=data.draw(st.integers(1, max(1, left))), user="tq")

    @precondition(lambda self: self.txs)
    @rule(data=st.data(), d=days)
    def reverse(self, data, d):
        tx = data.draw(st.sampled_from(self.txs))
        r = self._try("reversed", services.reverse, self.db, self.code, tx, reason="Ghi nhầm",
                      on=START + timedelta(days=d), user="tq")
        if r:
            self.txs.remove(tx)

    # ---------------------------------------------------------------- what money never does

    @invariant()
    def no_cash_or_bank_account_is_negative_on_any_day(self):
        assert lowest_cash_by_day(self.db, self.oid) == []

    @invariant()
    def no_earmark_or_pledge_is_exceeded(self):
        with self.db.read() as c:
            for gift, amount, drawn in c.execute(sa.text(
                    "SELECT d.id, d.amount, (SELECT coalesce(sum(l.amount), 0) FROM batch_lines l "
                    " JOIN batches b ON b.id = l.batch_id WHERE l.earmark_donation_id = d.id "
                    " AND l.state IN ('open', 'paid') AND b.state IN ('approved', 'closed')) "
                    "FROM donations d WHERE d.org_id = :o AND d.earmark IS NOT NULL AND d.earmark <> ''"),
                    {"o": self.oid}).all():
                assert drawn <= amount, f"earmarked gift {gift} of {amount} đ has {drawn} đ drawn on it"
            for pledge, amount, paid in c.execute(sa.text(
                    "SELECT d.id, d.amount, (SELECT coalesce(sum(p.amount), 0) FROM donations p "
                    " WHERE p.pledge_id = d.id"
                    " AND p.tx_id NOT IN (SELECT reverses_id FROM transactions WHERE reverses_id IS NOT NULL)) "
                    "FROM donations d WHERE d.org_id = :o AND d.kind = 'pledge'"), {"o": self.oid}).all():
                assert paid <= amount, f"pledge {pledge} of {amount} đ collected {paid} đ"

    @invariant()
    def no_spendable_balance_is_negative(self):
        for r in services.fund_balances(self.db, self.code):
            assert r.figures.spendable >= 0, (r.code, r.figures)

    @invariant()
    def the_books_hold(self):
        with self.db.read() as c:
            assert c.execute(sa.text(
                "SELECT count(*) FROM (SELECT p.tx_id FROM postings p JOIN transactions t ON t.id = p.tx_id "
                "WHERE t.org_id = :o GROUP BY p.tx_id, p.fund_id HAVING sum(p.amount) <> 0) x"),
                {"o": self.oid}).scalar() == 0
            assert cached_matches_postings(c, self.oid) == []
        assert services.verify(self.db, self.code)[0].ok


def _run(db: Database, examples: int, steps: int) -> dict[str, int]:
    machine = type("Machine", (MoneyMachine,), {"db": db, "done": {}})
    machine.TestCase.settings = settings(max_examples=examples, stateful_step_count=steps, deadline=None,
                                         suppress_health_check=list(HealthCheck), derandomize=not LONG)
    machine.TestCase().runTest()
    return machine.done


def _check_exercised(done: dict[str, int]) -> None:
    print("steps that succeeded or were refused:", dict(sorted(done.items())))
    for what in ("donate_cash", "donate_transfer", "donate_earmark", "pledge_paid", "approved", "paid",
                 "deposit_opened", "reversed"):
        assert done.get(what, 0) > 0, f"no {what} in the whole run: {done}"


def test_money_never_goes_where_it_is_not_on_sqlite(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'machine.sqlite3'}")
    upgrade(db)
    try:
        _check_exercised(_run(db, *((250, 40) if LONG else (12, 30))))
    finally:
        db.dispose()


@pytest.mark.postgres
def test_money_never_goes_where_it_is_not_on_postgresql():
    from tests.conftest import require_pg

    require_pg()
    schema = PgSchema()
    db = schema.database()
    upgrade(db)
    try:
        _check_exercised(_run(db, *((250, 40) if LONG else (8, 30))))
    finally:
        db.dispose()
        schema.drop()
