"""The books as beancount, checked by beancount itself: ``bean-check`` finds no error, beanquery's balances
equal Quỹ's trial balance and fund statements to the đồng, Fava's loader opens the file; the same after a
random history; export → import → export gives the same text; a bad file imports nothing and names its lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import beanquery
import pytest
import sqlalchemy as sa
from beancount import loader
from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from books import beancount as bc
from books import beancount_import as bi
from books import service as books
from books import statements
from books.beancount import Period
from ledger import balances, journal, orgs, services
from ledger.db import Database
from ledger.deposits import DepositInput
from ledger.disbursements import LineInput, RecipientInput
from ledger.errors import Conflict, InsufficientFunds, InvalidInput
from ledger.migrate import upgrade
from ledger.ops.demo import load_demo
from tests.conftest import Books, make_books
from tests.helpers import give, snapshot

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def export_text(db: Database, org: str = "SLA", *, subtree: bool = False, period: Period = bc.ALL_TIME) -> str:
    with db.read() as c:
        return "".join(bc.export(c, books.org_ids(c, org, subtree), period))


def bean_check(path: Path) -> None:
    run = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and not run.stdout.strip() and not run.stderr.strip(), run.stdout + run.stderr


def opened(text: str) -> dict[str, tuple[str, str, str]]:
    """beancount account → (organization, Quỹ account code, fund), from the open directives' metadata."""
    entries, errors, _ = loader.load_string(text)
    assert not errors, errors
    return {e.account: (e.meta["org"], e.meta["code"], e.meta["fund"]) for e in entries if isinstance(e, data.Open)}


def query(path: Path, sql: str) -> list[tuple]:
    return beanquery.connect(f"beancount:{path}").execute(sql).fetchall()


def agree(db: Database, path: Path, org: str, *, subtree: bool = False, period: Period = bc.ALL_TIME) -> int:
    """Assert that beanquery's balance of every account equals Quỹ's trial balance, and every fund's net
    assets, principal and reservations equal Quỹ's fund statement; return how many accounts were compared."""
    text = path.read_text(encoding="utf-8")
    names = opened(text)
    where = f"WHERE date <= {period.end.isoformat()}" if period.end else ""
    theirs = {names[a]: int(n) for a, n in query(path, f"SELECT account, sum(number) {where} GROUP BY account")}
    tb = books.trial_balance(db, org, subtree=subtree, period=period)
    ours = {(r.org, r.code, r.fund): r.closing for r in tb.rows}
    assert {k: v for k, v in theirs.items() if v} == {k: v for k, v in ours.items() if v}
    if period.start:  # the period's debits, as beanquery counts them, outside the opening entry
        debits = query(path, f"SELECT sum(number) WHERE number > 0 AND date >= {period.start.isoformat()} "
                             f"AND NOT (narration ~ '^Số dư đầu kỳ') {where.replace('WHERE', 'AND')}")
        assert int(debits[0][0] or 0) == tb.total.debit
    with db.read() as c:
        ids = books.org_ids(c, org, subtree)
        funds = [(o, f) for o, f in c.execute(sa.text("SELECT o.code, f.code FROM funds f JOIN organizations o "
                                                      "ON o.id = f.org_id")).all() if orgs.org_id_by_code(c, o) in ids]
    for o, f in funds:
        fs = books.fund_statement(db, o, f, period=period)
        # a fund's balance is what it holds less what it owes, approved awards aside (reserved, not yet paid)
        held = sum(v for a, v in _sums(theirs, names).items() if names[a][0::2] == (o, f)
                   and a.split(":")[0] in ("Assets", "Liabilities") and names[a][1] != "3388")
        principal = -sum(v for (oo, code, ff), v in theirs.items() if (oo, ff) == (o, f) and code == "3531")
        reserved = -sum(v for (oo, code, ff), v in theirs.items() if (oo, ff) == (o, f) and code == "3388")
        assert (held, principal, reserved) == (fs.closing.balance, fs.closing.principal, fs.closing.reserved), (o, f)
    return len(theirs)


def _sums(theirs: dict, names: dict) -> dict[str, int]:
    back = {v: k for k, v in names.items()}
    return {back[k]: v for k, v in theirs.items()}


def fava_errors(path: Path) -> list:
    from fava.core import FavaLedger

    return list(FavaLedger(str(path)).errors)


# --------------------------------------------------------------------------- the demo books


@pytest.fixture
def demo(db):
    """The demo books with a half-year's interest accrued, the demo batch approved and two lines paid,
    and a donation reversed: every kind of entry Quỹ posts."""
    with db.begin() as c:
        load_demo(c)
    for login, role in (("hoidong", "council"), ("thuquy", "treasurer")):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem", roles=[("SLA", role)])
    services.accrue(db, "SLA", "2025-06-30", user="tq")
    with db.read() as c:
        batch = c.execute(sa.text("SELECT min(id) FROM batches")).scalar()
        gift = c.execute(sa.text("SELECT max(tx_id) FROM donations WHERE kind = 'cash'")).scalar()
    services.vote_batch(db, "SLA", batch, approve=True, on=date(2025, 6, 2), user="hoidong")
    services.pay_batch(db, "SLA", batch, line_nos=[1, 2], on=date(2025, 6, 3), user="thuquy")
    services.reverse(db, "SLA", gift, reason="Ghi trùng", on=date(2025, 6, 4), user="thuquy")
    return db


def test_the_demo_books_pass_bean_check_and_beanquery_agrees_with_the_statements(demo, tmp_path):
    path = tmp_path / "sla.beancount"
    with path.open("w", encoding="utf-8") as f:
        books.export_beancount(demo, "SLA", f, subtree=True)
    bean_check(path)
    assert agree(demo, path, "SLA", subtree=True) > 30
    assert fava_errors(path) == []
    text = path.read_text(encoding="utf-8")
    # the metadata an auditor follows: document numbers, donors, recipients, batches, deposits, hashes
    for key in ("  doc: ", "  donor: ", "  recipient: ", "  batch: ", "  deposit: ", "  reverses: ", "  hash: "):
        assert key in text, key
    assert text.count(" balance ") == text.count(" open ")


def test_a_period_export_opens_with_the_balances_of_the_day_before_and_agrees_at_its_end(demo, tmp_path):
    period = Period.parse("2025-04-01", "2025-06-30")
    path = tmp_path / "q2.beancount"
    path.write_text(export_text(demo, period=period), encoding="utf-8")
    bean_check(path)
    agree(demo, path, "SLA", period=period)
    text = path.read_text(encoding="utf-8")
    assert "2025-04-01 * \"Số dư đầu kỳ SLA\"" in text
    assert "\n2025-03-" not in text and "\n2025-07-01 balance " in text


def test_the_same_books_export_the_same_text(demo):
    assert export_text(demo) == export_text(demo)


# --------------------------------------------------------------------------- import


def fresh(tmp_path, name: str) -> Database:
    d = Database(f"sqlite:///{tmp_path / name}")
    upgrade(d)
    return d


def test_export_import_export_gives_the_same_text_and_the_same_chain(demo, tmp_path):
    text = export_text(demo)
    other = fresh(tmp_path, "other.sqlite3")
    r = books.import_beancount(other, text, user="kiemtoan")
    assert r["org"] == "SLA" and r["transactions"] == text.count("\n  seq: ")
    assert export_text(other) == text
    with demo.read() as a, other.read() as b:
        assert journal.head_digest(a, orgs.org_id_by_code(a, "SLA")) == journal.head_digest(
            b, orgs.org_id_by_code(b, "SLA"))
        assert journal.verify_chain(b, orgs.org_id_by_code(b, "SLA")).ok


def test_an_import_under_a_new_code_keeps_every_balance(demo):
    text = export_text(demo)
    services.create_organization(demo, code="SLA-CU", name="Sổ cũ", level="province")  # the code is taken first
    with pytest.raises(Conflict):
        books.import_beancount(demo, text, code="SLA-CU", name="Sổ cũ", user="admin")
    r = books.import_beancount(demo, text, code="SLA-2", name="Hội Khuyến học tỉnh Sơn La (sổ chuyển)", user="admin")
    old = books.trial_balance(demo, "SLA")
    new = books.trial_balance(demo, "SLA-2")
    assert [(x.code, x.fund, x.opening, x.debit, x.credit, x.closing) for x in old.rows] == [
        (x.code, x.fund, x.opening, x.debit, x.credit, x.closing) for x in new.rows]
    with demo.read() as c:
        assert journal.verify_chain(c, r["org_id"]).ok
        row = c.execute(sa.text("SELECT action, target FROM audit_log ORDER BY id DESC")).first()
    assert tuple(row) == ("books.import", "organization:SLA-2")


HAND_KEPT = """\
option "operating_currency" "VND"
2025-01-01 custom "quy-fund" "XA" "KH" "Quỹ Khuyến học xã"
2025-01-01 custom "quy-fund" "XA" "HB" "Quỹ học bổng xã"
2025-01-01 open Assets:TienMat VND
  code: "111"
  fund: "KH"
2025-01-01 open Assets:TienMatHB VND
  code: "111"
  fund: "HB"
2025-01-01 open Income:UngHo VND
  code: "711"
  fund: "KH"
2025-01-01 open Income:UngHoHB VND
  code: "711"
  fund: "HB"
2025-01-01 open Assets:Kho VND
2025-03-01 * "Ông Lò Văn Pọm" "Ủng hộ quỹ"
  Assets:TienMat        2000000 VND
  Income:UngHo         -2000000 VND
2025-03-02 * "Ủng hộ sai quỹ: cân bằng tổng, lệch từng quỹ"
  Assets:TienMat        1000000 VND
  Income:UngHoHB       -1000000 VND
2025-03-03 * "Lệch cả tổng"
  Assets:TienMat        1000000 VND
  Income:UngHo          -900000 VND
2025-03-04 * "Lẻ đồng"
  Assets:TienMat         1000.5 VND
  Income:UngHo          -1000.5 VND
2025-03-05 * "Ngoại tệ"
  Assets:TienMat            100 USD
  Income:UngHo             -100 USD
2025-03-06 * "Tài khoản chưa khai báo mã"
  Assets:Kho             500000 VND
  Income:UngHo          -500000 VND
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def test_a_bad_file_imports_nothing_and_every_problem_names_its_line(db):
    before = snapshot(db)
    with pytest.raises(InvalidInput) as err:
        books.import_beancount(db, HAND_KEPT, code="XA", name="Hội Khuyến học xã", level="unit", user="admin")
    assert err.value.params["reason"] == "beancount_rejected" and err.value.params["count"] >= 5
    problems = {(p["line"], p["field"]) for p in err.value.params["problems"]}
    assert (_line(HAND_KEPT, "Ủng hộ sai quỹ"), "balance") in problems  # balanced overall, not per fund
    assert any(line == _line(HAND_KEPT, "Lệch cả tổng") for line, _ in problems)  # beancount's own error
    assert (_line(HAND_KEPT, "Lẻ đồng"), "amount") in problems
    assert (_line(HAND_KEPT, '"Ngoại tệ"'), "currency") in problems
    assert (_line(HAND_KEPT, "open Assets:Kho"), "account") in problems
    assert snapshot(db) == before


def test_a_hand_kept_file_with_codes_and_funds_imports(db):
    good = HAND_KEPT.split('2025-03-02 * "Ủng hộ sai quỹ')[0].replace("2025-01-01 open Assets:Kho VND\n", "")
    r = books.import_beancount(db, good, code="XA", name="Hội Khuyến học xã Chiềng Ngần", level="unit", user="admin")
    assert (r["funds"], r["transactions"]) == (2, 1)
    fs = books.fund_statement(db, "XA", "KH")
    assert (fs.donations, fs.closing.balance) == (2_000_000, 2_000_000)
    again = export_text(db, "XA")
    assert '* "Ông Lò Văn Pọm" "Ủng hộ quỹ"' in again  # the payee is kept


def test_an_exported_file_changed_afterwards_is_refused_at_the_changed_transaction(demo):
    text = export_text(demo)
    changed = text.replace("Ủng hộ tiền mặt - Bùi Xuân Tuấn", "Ủng hộ tiền mặt - Bùi Xuân Tuấm", 1)
    plan = bi.check(changed)
    assert [(p["field"], p["line"]) for p in plan.problems] == [("hash", _line(changed, "Bùi Xuân Tuấm"))]


# --------------------------------------------------------------------------- a random history


ON = date(2025, 6, 1)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bean-history")
    path = tmp / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    b = make_books(db)
    for login, role in (("hd1", "council"), ("tq", "treasurer")):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem", roles=[("SLA", role)])
    services.add_program(db, "SLA", code="HB", name="Học bổng", funds=["TOHIEU", "KHT"])
    services.add_recipient(db, "SLA", RecipientInput(full_name="Lò Văn Minh"), user="tq")
    from ledger import disbursements as d

    with db.begin() as c:
        for f in ("TOHIEU", "KHT"):
            d.set_quorum(c, b.org_id, f, 1)
    db.dispose()
    return tmp, path


FUND = st.sampled_from(("TOHIEU", "KHT"))
STEP = st.one_of(
    st.tuples(st.just("give"), FUND, st.integers(1, 5 * 10**9), st.sampled_from(("cash", "transfer", "in_kind"))),
    st.tuples(st.just("reverse"), st.integers(0, 10**6)),
    st.tuples(st.just("deposit"), FUND, st.integers(1, 10**9), st.integers(1, 12)),
    st.tuples(st.just("accrue"), st.integers(1, 12)),
    st.tuples(st.just("batch"), FUND, st.integers(1, 10**8), st.booleans()),
)


def _apply(b: Books, step: tuple, gifts: list[int], n: int, seen: dict[str, int]) -> None:
    kind = step[0]
    try:
        if kind == "give":
            _, fund, amount, how = step
            extra = ({"item_description": "Sách giáo khoa", "item_quantity": 10, "item_unit": "bộ"}
                     if how == "in_kind" else {})
            r = give(b, amount, fund=fund, kind=how, on=date(2025, 1, 2), name=f"Nhà hảo tâm {n}",
                     bank_account="1121.BIDV" if how == "transfer" else None, **extra)
            gifts.append(r["tx_id"])
        elif kind == "reverse" and gifts:
            services.reverse(b.db, "SLA", gifts.pop(step[1] % len(gifts)), reason="Ghi nhầm", on=ON, user="tq")
        elif kind == "deposit":
            _, fund, amount, months = step
            services.open_deposit(b.db, "SLA", DepositInput(
                contract_no=f"HD-{n}", bank_account="1121.BIDV", principal=amount, rate="5,5", start=date(2025, 2, 1),
                shares={fund: amount}, term_months=months), user="tq")
        elif kind == "accrue":
            services.accrue(b.db, "SLA", date(2025, 1 + step[1] % 12, 28), user="tq")
        elif kind == "batch":
            _, fund, amount, pay = step
            bid = services.create_batch(b.db, "SLA", title=f"Đợt {n}", user="tq",
                                        lines=[LineInput(1, "HB", fund=fund, amount=amount)])["id"]
            services.submit_batch(b.db, "SLA", bid, user="tq")
            services.vote_batch(b.db, "SLA", bid, approve=True, on=ON, user="hd1")
            if pay:
                services.pay_batch(b.db, "SLA", bid, on=ON, user="tq")
        else:
            return
        seen[kind] += 1
    except (InsufficientFunds, Conflict):  # more than the fund may spend, or nothing to do: the journal refused
        seen["refused"] += 1


def test_after_a_random_history_beancount_still_agrees_with_quy(template):
    tmp, path = template
    seen: dict[str, int] = defaultdict(int)

    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(steps=st.lists(STEP, min_size=1, max_size=10))
    def history(steps):
        copy = tmp / "work.sqlite3"
        shutil.copy(path, copy)
        db = Database(f"sqlite:///{copy}")
        try:
            with db.read() as c:
                oid = orgs.org_id_by_code(c, "SLA")
                fid = dict(c.execute(sa.text("SELECT code, id FROM funds")).all())
            b = Books(db, oid, "SLA", "TOHIEU", fid["TOHIEU"], "KHT", fid["KHT"])
            gifts: list[int] = []
            give(b, 3 * 10**9, fund="TOHIEU", kind="transfer", bank_account="1121.BIDV", on=date(2025, 1, 1))
            for n, step in enumerate(steps):
                _apply(b, step, gifts, n, seen)
            out = tmp / "work.beancount"
            out.write_text(export_text(db), encoding="utf-8")
            _entries, errors, _ = loader.load_file(str(out))
            assert errors == []
            agree(db, out, "SLA")
            with db.read() as c:
                b_ = balances.s.balances
                cached = {(r.account_id, r.fund_id): r.amount for r in c.execute(
                    sa.select(b_.c.account_id, b_.c.fund_id, b_.c.amount))}
                moves = statements.pair_movements(c, [oid], bc.ALL_TIME)
            assert {k: m.closing for k, m in moves.items() if m.closing} == {k: v for k, v in cached.items() if v}
        finally:
            db.dispose()

    history()
    missing = [k for k in ("give", "reverse", "deposit", "accrue", "batch", "refused") if not seen.get(k)]
    assert not missing, dict(seen)


def test_the_database_refuses_changing_or_removing_what_an_import_kept(db):
    good = HAND_KEPT.split('2025-03-02 * "Ủng hộ sai quỹ')[0].replace("2025-01-01 open Assets:Kho VND\n", "")
    books.import_beancount(db, good, code="XA", name="Hội Khuyến học xã", level="unit", user="admin")
    for sql in ("UPDATE tx_extras SET payee = 'Người khác'", "DELETE FROM tx_extras"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as c:
                c.exec_driver_sql(sql)
    with db.read() as c:
        assert c.execute(sa.text("SELECT payee FROM tx_extras")).scalars().all() == ["Ông Lò Văn Pọm"]


def test_every_fund_statement_reconciles_even_with_awards_approved_and_unpaid(demo):
    from books.consolidation import consolidated

    with demo.read() as c:
        funds = c.execute(sa.text("SELECT o.code, f.code FROM funds f JOIN organizations o ON o.id = f.org_id")).all()
        sla = orgs.org_id_by_code(c, "SLA")
        cons = consolidated(c, sla, Period.parse("2025-01-01", "2025-12-31"))
    checked = 0
    for period in (bc.ALL_TIME, Period.parse("2025-04-01", "2025-06-30"), Period.parse("2025-06-04", "2025-12-31")):
        for o, f in funds:
            fs = books.fund_statement(demo, o, f, period=period)
            moved = (fs.donations + fs.donations_in_kind + fs.interest + fs.other_income + fs.capital - fs.awards
                     - fs.management - fs.other_expense + fs.reserved_change)
            assert fs.opening.balance + moved == fs.closing.balance, (o, f, period)
            checked += 1
    assert checked >= 3 * 13
    assert books.fund_statement(demo, "SLA", "TOHIEU").reserved_change > 0  # the case that once failed is here
    for r in [*cons.rows, cons.total]:
        moved = (r.donations + r.interest + r.other_income + r.capital + r.transfers_in - r.transfers_out - r.awards
                 - r.management - r.other_expense + r.reserved_change)
        assert r.opening + moved == r.closing, r.org


def test_a_file_that_includes_another_or_names_a_plugin_is_refused_unread(tmp_path):
    secret = tmp_path / "secret.beancount"
    secret.write_text("this is not for you\n", encoding="utf-8")
    plan = bi.check(f'include "{secret}"\nplugin "antigravity"\n2025-01-01 open Assets:X VND\n')
    assert [(p["line"], p["field"]) for p in plan.problems] == [(1, "beancount"), (2, "beancount")]
    assert not any("not for you" in p["message"] for p in plan.problems)


def test_a_period_export_imports_with_its_opening_balances(demo, tmp_path):
    period = Period.parse("2025-03-02", None)
    text = export_text(demo, period=period)
    other = fresh(tmp_path, "period.sqlite3")
    r = books.import_beancount(other, text, user="kiemtoan")
    assert r["transactions"] == text.count("\n  seq: ") + 1  # and the opening balances
    before = {(x.code, x.fund): x.closing for x in books.trial_balance(demo, "SLA").rows}
    after = {(x.code, x.fund): x.closing for x in books.trial_balance(other, "SLA").rows}
    assert after == before


def test_dates_beyond_the_calendar_are_refused_not_crashed():
    with pytest.raises(InvalidInput):
        Period.parse("0001-01-01", None)
    with pytest.raises(InvalidInput):
        Period.parse(None, "9999-12-31")


def per_fund_from_postings(text: str) -> dict[str, dict[str, int]]:
    """beancount's loader over the export; the fund balance as the fund statement defines it (what the fund
    holds less what it owes, approved unpaid awards aside), summed per posting ``fund`` and currency."""
    entries, errors, _ = loader.load_string(text)
    assert not errors, errors
    role = {e.account: e.meta.get("role") for e in entries if isinstance(e, data.Open)}
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in entries:
        if not isinstance(e, data.Transaction):
            continue
        for p in e.postings:
            assert "fund" in p.meta, (e.date, e.narration, p.account)  # every posting names its fund
            if p.account.split(":")[0] in ("Assets", "Liabilities") and role[p.account] != "awards_payable":
                out[p.meta["fund"]][p.units.currency] += int(p.units.number)
    return {f: {c: v for c, v in by.items() if v} for f, by in out.items() if any(by.values())}


def test_beancounts_loader_sums_every_posting_per_fund_to_the_fund_statement(demo):
    """A term deposit shared by two funds, and a subtree of twelve districts each with a fund KH: grouped by
    each posting's ``fund``, beancount's own entries give every fund's balance of Quỹ's fund statement."""
    for subtree, period in ((True, bc.ALL_TIME), (False, bc.ALL_TIME), (True, Period.parse("2025-03-02", None))):
        text = export_text(demo, subtree=subtree, period=period)
        theirs = per_fund_from_postings(text)
        with demo.read() as c:
            ids = books.org_ids(c, "SLA", subtree)
            funds = c.execute(sa.select(sa.text("o.code"), sa.text("f.code")).select_from(sa.text(
                "funds f JOIN organizations o ON o.id = f.org_id")).where(sa.text("o.id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)).bindparams(ids=ids))).all()
        ours = {}
        for o, f in funds:
            closing = books.fund_statement(demo, o, f, period=period).closing.balance
            if closing:
                ours[f"{o}:{f}"] = {"VND": closing}
        assert theirs == ours, (subtree, period)
        if subtree:
            assert sum(1 for k in ours if k.endswith(":KH")) == 11  # eleven districts hold money (Mai Sơn 0 đ)
    # the deposit shared by TOHIEU and KHT: its opening and its interest name each fund on its own posting
    entries, _, _ = loader.load_string(export_text(demo))
    shared = [e for e in entries if isinstance(e, data.Transaction) and e.meta.get("deposit") == "03/2025/HĐTG-BIDV"]
    assert shared and all({p.meta["fund"] for p in e.postings} == {"SLA:TOHIEU", "SLA:KHT"} for e in shared)
