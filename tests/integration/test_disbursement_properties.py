"""Hypothesis drives random gifts, drafts, submissions, approvals, rejections, payments, cancellations and
reversals of gifts through the disbursement workflow, and after every step checks SPEC rule 5 (no fund's
spendable balance below zero) and the reservation arithmetic against a model: reserved = the open money
lines of approved batches; balance = gifts kept − lines paid; the cached balances = the postings."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ledger import disbursements as d
from ledger import services
from ledger.balances import cached_matches_postings
from ledger.db import Database
from ledger.disbursements import LineInput, RecipientInput
from ledger.errors import Conflict, InsufficientFunds
from ledger.migrate import upgrade
from tests.conftest import Books, make_books
from tests.helpers import figures, give

FUNDS = ("TOHIEU", "KHT")
ON = date(2025, 6, 1)


class DisbursementMachine(RuleBasedStateMachine):
    template: str = ""
    tmpdir: str = ""
    seen: dict[str, int] = {}  # steps that did something, over all runs: the test proves it exercised them

    def _saw(self, what: str) -> None:
        self.seen[what] = self.seen.get(what, 0) + 1

    @initialize()
    def open_books(self):
        path = f"{self.tmpdir}/m{id(self)}.sqlite3"
        shutil.copy(self.template, path)
        self.db = Database(f"sqlite:///{path}")
        with self.db.read() as c:
            oid = c.execute(sa.text("SELECT id FROM organizations WHERE code='SLA'")).scalar()
            f = dict(c.execute(sa.text("SELECT code, id FROM funds")).all())
            self.rid = c.execute(sa.text("SELECT min(id) FROM recipients")).scalar()
        self.books = Books(self.db, oid, "SLA", "TOHIEU", f["TOHIEU"], "KHT", f["KHT"])
        self.gifts: dict[int, tuple[str, int]] = {}  # live gift tx -> (fund, amount)
        self.lines: dict[tuple[int, int], tuple[str, int, str]] = {}  # (batch, line) -> (fund, amount, state)
        self.state: dict[int, str] = {}  # batch -> state
        self.paid = dict.fromkeys(FUNDS, 0)
        for fund in FUNDS:  # money to start with, so that approvals fit as well as fail
            self.donate(fund, 200_000_000)

    def teardown(self):
        self.db.dispose()

    @rule(fund=st.sampled_from(FUNDS), amount=st.integers(1, 10**9))
    def donate(self, fund, amount):
        r = give(self.books, amount, fund=fund, on=date(2025, 3, 1), name="Nguyễn Thị Hồng")
        self.gifts[r["tx_id"]] = (fund, amount)

    @rule(data=st.data(), now=st.integers(0, 4).map(lambda n: n == 0))  # rarer than the rest
    def reverse_a_gift(self, data, now):
        if not self.gifts or not now:
            return
        tx = data.draw(st.sampled_from(sorted(self.gifts)))
        fund, amount = self.gifts[tx]
        try:
            services.reverse(self.db, "SLA", tx, reason="Ghi nhầm", on=ON, user="tq")
        except InsufficientFunds:  # the money is reserved or spent: the journal refuses
            assert amount > figures(self.books, fund).spendable
            self._saw("reversal_refused")
            return
        del self.gifts[tx]
        self._saw("reversed")

    def _pick(self, data, *states):
        """A batch in one of ``states`` (a state named more often is picked more often), or None."""
        wanted = data.draw(st.sampled_from(states))
        ids = sorted(b for b, s_ in self.state.items() if s_ == wanted)
        return data.draw(st.sampled_from(ids)) if ids else None

    @rule(lines=st.lists(st.tuples(st.sampled_from(FUNDS), st.integers(1, 10**8)), min_size=1, max_size=4))
    def draft(self, lines):
        bid = services.create_batch(self.db, "SLA", title="Đợt chi", user="tq", lines=[
            LineInput(self.rid, "HB", fund=f, amount=a) for f, a in lines])["id"]
        for n, (f, a) in enumerate(lines, 1):
            self.lines[(bid, n)] = (f, a, "open")
        self.state[bid] = "draft"

    @rule(lines=st.lists(st.tuples(st.sampled_from(FUNDS), st.integers(1, 10**8)), min_size=1, max_size=4),
          reject=st.integers(0, 4).map(lambda n: n == 0))
    def propose_and_vote(self, lines, reject):
        """A draft, submitted and voted on in one step (the common path, so approvals are frequent)."""
        self.draft(lines)
        bid = max(self.state)
        self.submit_this(bid)
        self.vote_on(bid, reject=reject)

    @rule(fund=st.sampled_from(FUNDS), over=st.integers(1, 10**6))
    def propose_more_than_is_spendable(self, fund, over):
        """An approval the money does not cover fails and changes nothing, its vote included."""
        need = max(figures(self.books, fund).spendable, 0) + over
        self.draft([(fund, need)])
        bid = max(self.state)
        self.submit_this(bid)
        with self.db.read() as c:
            votes = c.execute(sa.text("SELECT count(*) FROM batch_votes")).scalar()
        with pytest.raises(InsufficientFunds):
            services.vote_batch(self.db, "SLA", bid, approve=True, on=ON, user="hd1")
        with self.db.read() as c:
            assert c.execute(sa.text("SELECT count(*) FROM batch_votes")).scalar() == votes
        self._saw("refused")

    @rule(data=st.data())
    def submit(self, data):
        bid = self._pick(data, "draft", "draft", "submitted", "approved")
        if bid is not None:
            self.submit_this(bid)

    def submit_this(self, bid):
        try:
            services.submit_batch(self.db, "SLA", bid, user="tq")
        except Conflict:
            assert self.state[bid] != "draft"
            return
        self.state[bid] = "submitted"

    @rule(data=st.data(), reject=st.integers(0, 3).map(lambda n: n == 0))  # one vote in four rejects
    def vote(self, data, reject):
        bid = self._pick(data, "submitted", "submitted", "submitted", "draft")
        if bid is not None:
            self.vote_on(bid, reject)

    def vote_on(self, bid, reject):
        try:
            r = services.vote_batch(self.db, "SLA", bid, approve=not reject, comment="Chưa đủ hồ sơ" if reject else "",
                                    on=ON, user="hd1")
        except Conflict:
            assert self.state[bid] != "submitted"
            return
        except InsufficientFunds as err:
            self._saw("refused")
            need = {f: sum(a for (b, _), (ff, a, _s) in self.lines.items() if b == bid and ff == f) for f in FUNDS}
            assert any(need[f] > figures(self.books, f).spendable for f in FUNDS), err
            return
        self.state[bid] = r["state"]
        self._saw(r["state"])

    @rule(data=st.data(), one=st.booleans())
    def pay(self, data, one):
        bid = self._pick(data, "approved", "approved", "approved", "submitted", "closed")
        if bid is None:
            return
        open_lines = sorted(n for (b, n), (_f, _a, st_) in self.lines.items() if b == bid and st_ == "open")
        try:
            r = services.pay_batch(self.db, "SLA", bid, line_nos=open_lines[:1] if one else None, on=ON, user="tq")
        except Conflict:
            assert self.state[bid] != "approved" or not open_lines
            return
        self._saw("paid")
        for n in (open_lines[:1] if one else open_lines):
            f, a, _ = self.lines[(bid, n)]
            self.lines[(bid, n)] = (f, a, "paid")
            self.paid[f] += a
        if r["closed"]:
            self.state[bid] = "closed"

    @rule(data=st.data())
    def reverse_a_payment(self, data):
        """A batch's entries are undone through the batch (cancel a line), never by a journal reversal."""
        with self.db.read() as c:
            txs = [t for (t,) in c.execute(sa.text(
                "SELECT id FROM transactions WHERE source LIKE 'batch_%' ORDER BY id"))]
        if not txs:
            return
        with pytest.raises(Conflict):
            services.reverse(self.db, "SLA", data.draw(st.sampled_from(txs)), reason="Nhầm", on=ON, user="tq")
        self._saw("payment_reversal_refused")

    @rule(data=st.data())
    def cancel_first_open(self, data):
        bid = self._pick(data, "approved")
        if bid is None:
            return
        open_lines = sorted(n for (b, n), (_f, _a, st_) in self.lines.items() if b == bid and st_ == "open")
        if self.state[bid] != "approved" or not open_lines:
            return
        r = services.cancel_batch_line(self.db, "SLA", bid, open_lines[0], reason="Chuyển trường", on=ON, user="tq")
        f, a, _ = self.lines[(bid, open_lines[0])]
        self.lines[(bid, open_lines[0])] = (f, a, "cancelled")
        self._saw("cancelled")
        if r["closed"]:
            self.state[bid] = "closed"

    @invariant()
    def rules_hold(self):
        if not hasattr(self, "db"):
            return
        for f in FUNDS:
            fig = figures(self.books, f)
            assert fig.spendable >= 0  # rule 5
            reserved = sum(a for (b, _), (ff, a, st_) in self.lines.items()
                           if ff == f and st_ == "open" and self.state[b] == "approved")
            assert fig.reserved == reserved
            assert fig.balance == sum(a for ff, a in self.gifts.values() if ff == f) - self.paid[f]
        with self.db.read() as c:
            assert cached_matches_postings(c) == []
            states = dict(c.execute(sa.text("SELECT id, state FROM batches")).all())
        assert states == self.state


@pytest.fixture
def template(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("disb-machine")
    path = tmp / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    books = make_books(db)
    for login in ("hd1", "tq"):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem",
                          roles=[("SLA", "council" if login == "hd1" else "treasurer")])
    services.add_program(db, "SLA", code="HB", name="Học bổng", funds=list(FUNDS))
    services.add_recipient(db, "SLA", RecipientInput(full_name="Lò Văn Minh"), user="tq")
    with db.begin() as c:
        for f in FUNDS:
            d.set_quorum(c, books.org_id, f, 1)
    db.dispose()
    return tmp, path


def test_reservations_and_rule_5_hold_under_random_disbursement_steps(template):
    tmp, path = template
    machine = type("Machine", (DisbursementMachine,), {"template": str(path), "tmpdir": str(tmp), "seen": {}})
    machine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None, derandomize=True,
                                         suppress_health_check=list(HealthCheck))
    machine.TestCase().runTest()
    missing = [k for k in ("approved", "draft", "refused", "paid", "cancelled", "reversed", "payment_reversal_refused")
               if not machine.seen.get(k)]
    assert not missing, (missing, machine.seen)
