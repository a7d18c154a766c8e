"""Organizations change: a province with three districts and their communes, money granted from the province
to a commune, and one district dissolved into the province mid-year. The consolidated figures of the
province are the same before and after, to the đồng, and no đồng is counted twice; the dissolved district's
books stay readable, balance, verify and are closed for good; its communes move under the province."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from beancount import loader
from click.testing import CliRunner

from books import beancount as bc
from books import service as books
from books.beancount import Period
from ledger import journal, orgs, services
from ledger.errors import Conflict, PeriodLocked
from receipts import service as docs
from tests.helpers import snapshot
from web.cli.books import report_national
from web.cli.common import Ctx

from .test_beancount import export_text

YEAR = Period.parse("2025-01-01", "2025-12-31")


class _B:
    def __init__(self, db, org, fund):
        self.db, self.org, self.fund = db, org, fund


def gift(db, org, fund, amount, on, name="Nhà hảo tâm"):
    from tests.helpers import give

    return give(_B(db, org, fund), amount, fund=fund, on=on, name=name)


@pytest.fixture
def province(db):
    """SLA with its fund, three districts each with a fund and two communes, gifts everywhere, and a
    grant from the province to a commune (eliminated in the consolidation)."""
    services.create_organization(db, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
    services.create_fund(db, "SLA", code="KHT", name="Quỹ Khuyến học tỉnh")
    gift(db, "SLA", "KHT", 900_000_000, date(2025, 2, 1))
    for i, d in enumerate(("MSO", "TCH", "YCH"), 1):
        code = f"SLA-{d}"
        services.create_organization(db, code=code, name=f"Hội Khuyến học huyện {d}", level="district", parent="SLA")
        services.create_fund(db, code, code="KH", name=f"Quỹ Khuyến học huyện {d}")
        gift(db, code, "KH", 10_000_000 * i, date(2025, 3, i))
        for c in (1, 2):
            cc = f"{code}-X{c}"
            services.create_organization(db, code=cc, name=f"Hội Khuyến học xã {d}{c}", level="commune", parent=code)
            services.create_fund(db, cc, code="KH", name=f"Quỹ Khuyến học xã {d}{c}")
            gift(db, cc, "KH", 1_000_000 * (i + c), date(2025, 4, c))
    services.transfer_between(db, "SLA", "SLA-TCH-X1", from_fund="KHT", to_fund="KH", amount=5_000_000,
                              on=date(2025, 5, 1), from_account="111", to_account="111", reason="Hỗ trợ xã khó khăn")
    return db


def totals(db):
    c = books.consolidated(db, "SLA", period=YEAR)
    return c, {k: v for k, v in c.total.__dict__.items() if k not in ("dissolved_on",)}


def test_a_district_dissolved_into_the_province_mid_year_changes_no_consolidated_figure(province):
    db = province
    before, t_before = totals(db)
    raised = 900_000_000 + sum(10_000_000 * i + sum(1_000_000 * (i + c) for c in (1, 2)) for i in (1, 2, 3))
    assert t_before["donations"] == raised and t_before["closing"] == raised
    assert t_before["transfers_in"] == t_before["transfers_out"] == 0  # the grant inside the province: eliminated
    assert before.eliminated == 5_000_000
    tch = next(r for r in before.rows if r.org == "SLA-TCH")

    r = services.dissolve_organization(db, "SLA-TCH", "SLA", on=date(2025, 7, 1), fund_map={"KH": "KHT"},
                                       reason="Nghị quyết 01/NQ-HKH giải thể cấp huyện", user="admin")
    assert r["amount"] == tch.closing == 20_000_000 and r["children_moved"] == 2

    after, t_after = totals(db)
    assert t_after == t_before  # the consolidated total: every figure, to the đồng
    assert after.eliminated == before.eliminated + 20_000_000
    rows = {x.org: x for x in after.rows}
    assert rows["SLA-TCH"].closing == 0 and rows["SLA-TCH"].dissolved_on == "2025-07-01"
    assert rows["SLA"].closing == next(x for x in before.rows if x.org == "SLA").closing + 20_000_000
    assert sum(x.closing for x in after.rows) == t_after["closing"]  # each đồng in exactly one organization
    assert rows["SLA-TCH"].donations == tch.donations  # its history stays readable
    with db.read() as c:
        sla, tch_id = orgs.org_id_by_code(c, "SLA"), orgs.org_id_by_code(c, "SLA-TCH")
        parents = dict(c.execute(sa.text("SELECT code, parent_id FROM organizations")).all())
        assert journal.verify_chain(c, tch_id).ok and journal.verify_chain(c, sla).ok
    assert parents["SLA-TCH-X1"] == parents["SLA-TCH-X2"] == sla
    tb = books.trial_balance(db, "SLA-TCH")
    assert tb.total.debit == tb.total.credit and all(r.closing == 0 for r in tb.rows if r.kind == "asset")


def test_the_dissolved_books_are_closed_for_good_and_beancount_still_agrees(province, tmp_path):
    db = province
    services.dissolve_organization(db, "SLA-MSO", "SLA", on=date(2025, 7, 1), reason="Giải thể", user="admin")
    with pytest.raises(PeriodLocked):
        gift(db, "SLA-MSO", "KH", 1_000_000, date(2026, 1, 1))
    with pytest.raises(Conflict):
        services.dissolve_organization(db, "SLA-MSO", "SLA-YCH", on=date(2025, 8, 1), reason="Lần nữa", user="admin")
    with db.read() as c:  # the database itself refuses a posting to the closed books
        tch = orgs.org_id_by_code(c, "SLA-MSO")
    with pytest.raises(sa.exc.DBAPIError):
        with db.engine.begin() as c:
            c.exec_driver_sql(f"INSERT INTO transactions (org_id, seq, date, doc_ref, description, source, created_by,"
                              f" created_at, prev_hash, hash) VALUES ({tch}, 999, '2026-01-02', '', 'x', 'x', 'x',"
                              f" 'x', 'x', 'x')")
    path = tmp_path / "sla.beancount"
    path.write_text(export_text(db, "SLA", subtree=True, period=bc.ALL_TIME), encoding="utf-8")
    _entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    from .test_beancount import agree

    agree(db, path, "SLA", subtree=True)
    fs = books.fund_statement(db, "SLA", "KH")  # the district's fund, new in the province
    assert fs.closing.balance == 10_000_000


def test_a_dissolution_is_refused_with_nothing_written_while_work_is_open_or_entries_come_later(province):
    db = province
    before = snapshot(db)
    with pytest.raises(Conflict) as err:
        services.dissolve_organization(db, "SLA-YCH", "SLA", on=date(2025, 3, 1), reason="Giải thể", user="admin")
    assert err.value.params["reason"] == "entries_after"
    with pytest.raises(Exception) as err:
        services.dissolve_organization(db, "SLA", "SLA-YCH", on=date(2025, 12, 1), reason="Ngược", user="admin")
    assert err.value.params["reason"] == "successor_below"
    assert snapshot(db) == before


def test_the_consolidated_trial_balance_eliminates_money_moved_inside(province):
    db = province
    services.dissolve_organization(db, "SLA-TCH", "SLA", on=date(2025, 7, 1), reason="Giải thể", user="admin")
    tb = books.trial_balance(db, "SLA", consolidate=True, period=YEAR)
    rows = {r.code: r for r in tb.rows}
    assert "7118" not in rows and "8118" not in rows  # every transfer was inside the province: nothing left
    assert tb.total.debit == tb.total.credit
    per_org = books.trial_balance(db, "SLA", subtree=True, period=YEAR)
    assert {r.code for r in per_org.rows} >= {"7118", "8118"}
    cash = sum(r.closing for r in per_org.rows if r.code == "111")
    assert rows["111"].closing == cash == books.consolidated(db, "SLA", period=YEAR).total.closing


def test_a_running_term_deposit_follows_its_district_and_earns_each_month_once(province):
    from ledger.deposits import DepositInput
    from ledger.interest import Deposit, parse_rate

    db = province
    services.add_bank_account(db, "SLA-YCH", code="1121.AGR", bank_name="Agribank Yên Châu", account_no="790011")
    from tests.helpers import give

    give(_B(db, "SLA-YCH", "KH"), 600_000_000, fund="KH", on=date(2025, 1, 2), kind="transfer",
         bank_account="1121.AGR", name="Công ty Chè Yên Châu")
    services.open_deposit(db, "SLA-YCH", DepositInput(contract_no="AGR-12/2025", bank_account="1121.AGR",
                                                      principal=500_000_000, rate="5,2", start=date(2025, 1, 15),
                                                      term_months=12, shares={"KH": 500_000_000}), user="tq")
    services.accrue(db, "SLA-YCH", "2025-06-30", user="tq")
    before, t_before = totals(db)
    r = services.dissolve_organization(db, "SLA-YCH", "SLA", on=date(2025, 7, 1), reason="Giải thể",
                                       fund_map={"KH": "KHT"}, user="admin")
    assert r["deposits"] == ["AGR-12/2025"]
    after, t_after = totals(db)
    assert t_after == t_before
    services.accrue(db, "SLA", "2025-12-31", user="tq")
    again = services.accrue(db, "SLA", "2025-12-31", user="tq")
    assert again["events"] == 0
    terms = Deposit(500_000_000, parse_rate("5,2"), date(2025, 1, 15), date(2026, 1, 15))
    with db.read() as c:
        accrued = c.execute(sa.text(
            "SELECT coalesce(sum(p.amount), 0) FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN organizations o ON o.id = a.org_id WHERE a.code = '515' AND o.code IN ('SLA', 'SLA-YCH')")).scalar()
        states = dict(c.execute(sa.text(
            "SELECT o.code, count(*) FROM deposits d JOIN organizations o ON o.id = d.org_id GROUP BY o.code")).all())
    assert -accrued == terms.accrued_through(date(2025, 12, 31))  # each month once, across the handover
    assert states == {"SLA-YCH": 1, "SLA": 1}
    settled = services.settle_deposit(db, "SLA", "AGR-12/2025", on=date(2026, 1, 15), user="tq")
    assert settled["interest"] == terms.interest()
    with db.read() as c:  # what the district accrued left 1381 at the settlement; none of it was income twice
        left, earned = c.execute(sa.text(
            "SELECT coalesce(sum(CASE WHEN a.code = '1381' THEN p.amount ELSE 0 END), 0), "
            "coalesce(sum(CASE WHEN a.code = '515' THEN p.amount ELSE 0 END), 0) FROM postings p "
            "JOIN accounts a ON a.id = p.account_id JOIN organizations o ON o.id = a.org_id "
            "WHERE o.code IN ('SLA', 'SLA-YCH')")).one()
    assert left == 0 and -earned == terms.interest()


def test_a_stipend_commitment_follows_with_the_months_not_yet_paid(province):
    from ledger.disbursements import RecipientInput

    db = province
    for login, role in (("hd.ych", "council"), ("tq.ych", "treasurer"), ("tq.sla", "treasurer")):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem",
                          roles=[("SLA-YCH" if login.endswith("ych") else "SLA", role)])
    services.add_program(db, "SLA-YCH", code="NEKH", name="Nâng bước em đến trường", funds=["KH"])
    rid = services.add_recipient(db, "SLA-YCH", RecipientInput(full_name="Sồng A Páo"), user="tq.ych")["id"]
    services.stipend(db, "SLA-YCH", "commit", recipient=rid, program="NEKH", fund="KH", monthly_amount=500_000,
                     first="2025-05", last="2025-12", user="tq.ych")
    other = services.add_recipient(db, "SLA-YCH", RecipientInput(full_name="Lò Thị Mai"), user="tq.ych")["id"]
    services.stipend(db, "SLA-YCH", "commit", recipient=other, program="NEKH", fund="KH", monthly_amount=500_000,
                     first="2025-01", last="2025-12", paid_through="2025-06", user="tq.ych")  # paid before Quỹ
    services.set_quorum(db, "SLA-YCH", "KH", 1)
    batch = services.stipend(db, "SLA-YCH", "generate", month="2025-05", user="tq.ych")["batch_id"]
    with pytest.raises(Conflict) as err:  # a batch in preparation cannot follow
        services.dissolve_organization(db, "SLA-YCH", "SLA", on=date(2025, 7, 1), reason="Giải thể", user="admin")
    assert err.value.params["open"] == ["open_batches"]
    services.submit_batch(db, "SLA-YCH", batch, user="tq.ych")
    services.vote_batch(db, "SLA-YCH", batch, approve=True, on=date(2025, 5, 5), user="hd.ych")
    services.pay_batch(db, "SLA-YCH", batch, on=date(2025, 5, 6), user="tq.ych")
    r = services.dissolve_organization(db, "SLA-YCH", "SLA", on=date(2025, 7, 1), reason="Giải thể",
                                       fund_map={"KH": "KHT"}, user="admin")
    assert [(m["first"], m["last"]) for m in r["commitments"]] == [("2025-06-01", "2025-12-01"),
                                                                  ("2025-07-01", "2025-12-01")]
    gen = services.stipend(db, "SLA", "generate", month="2025-06", user="tq.sla")
    with db.read() as c:
        names = c.execute(sa.text("SELECT r.full_name, l.amount, o.code FROM batch_lines l JOIN recipients r "
                                  "ON r.id = l.recipient_id JOIN batches b ON b.id = l.batch_id "
                                  "JOIN organizations o ON o.id = b.org_id WHERE b.id = :b"),
                          {"b": gen["batch_id"]}).all()
        old = c.execute(sa.text("SELECT state, last_month FROM commitments WHERE id = 1")).one()
    assert [tuple(x) for x in names] == [("Sồng A Páo", 500_000, "SLA")]
    assert old[0] == "ended" and str(old[1]).startswith("2025-05")


def test_one_side_of_a_transfer_cannot_be_reversed_alone(province):
    db = province
    with db.read() as c:
        tx = c.execute(sa.text("SELECT to_tx_id FROM org_transfers")).scalar()
    with pytest.raises(Conflict) as err:
        services.reverse(db, "SLA-TCH-X1", tx, reason="Nhầm", on=date(2025, 5, 2), user="tq")
    assert err.value.params["reason"] == "workflow_entry"


def test_a_successor_takes_over_only_what_is_beneath_it_or_beside_it(province):
    db = province
    assert books.may_absorb(db, "SLA", "SLA-TCH-X1")  # beneath
    assert books.may_absorb(db, "SLA-TCH", "SLA-YCH")  # beside
    assert not books.may_absorb(db, "SLA-TCH", "SLA-YCH-X1")  # a nephew: its own district decides
    assert not books.may_absorb(db, "SLA-TCH", "SLA") and not books.may_absorb(db, "SLA", "SLA")


def test_pledges_and_money_held_for_named_recipients_are_settled_before_a_dissolution(province):
    from tests.helpers import give

    db = province
    give(_B(db, "SLA-MSO", "KH"), 3_000_000, fund="KH", on=date(2025, 6, 1), kind="pledge", name="Ông Cầm Văn Ơn")
    with pytest.raises(Conflict) as err:
        services.dissolve_organization(db, "SLA-MSO", "SLA", on=date(2025, 7, 1), reason="Giải thể", user="admin")
    assert err.value.params["open"] == ["pledges"]


def test_the_auditor_package_of_a_dissolved_organization(province):
    db = province
    services.dissolve_organization(db, "SLA-YCH", "SLA", on=date(2025, 7, 1), reason="Giải thể", user="admin")
    import io
    import zipfile

    data = docs.auditor_package(db, "SLA-YCH", period=Period(), with_pdf=False)
    manifest = zipfile.ZipFile(io.BytesIO(data)).read("SLA-YCH/MANIFEST.txt").decode()
    assert "books locked through: 2025-07-01" in manifest


def test_approved_unpaid_awards_follow_and_are_paid_by_the_successor(province):
    from ledger.disbursements import LineInput, RecipientInput

    db = province
    for login, role in (("hd.tch", "council"), ("tq.tch", "treasurer")):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem", roles=[("SLA-TCH", role)])
    services.add_user(db, login="tq.sla", name="tq.sla", password="mat-khau-thu-nghiem", roles=[("SLA", "treasurer")])
    services.add_program(db, "SLA-TCH", code="HBVK", name="Học bổng vượt khó", funds=["KH"])
    ids = [services.add_recipient(db, "SLA-TCH", RecipientInput(full_name=n), user="tq.tch")["id"]
           for n in ("Quàng Văn Minh", "Lò Thị Ngọc")]
    services.set_quorum(db, "SLA-TCH", "KH", 1)
    bid = services.create_batch(db, "SLA-TCH", title="Học bổng học kỳ I", user="tq.tch",
                                lines=[LineInput(r, "HBVK", fund="KH", amount=3_000_000) for r in ids])["id"]
    services.submit_batch(db, "SLA-TCH", bid, user="tq.tch")
    services.vote_batch(db, "SLA-TCH", bid, approve=True, on=date(2025, 6, 1), user="hd.tch")
    services.pay_batch(db, "SLA-TCH", bid, line_nos=[1], on=date(2025, 6, 2), user="tq.tch")
    _before, t_before = totals(db)
    r = services.dissolve_organization(db, "SLA-TCH", "SLA", on=date(2025, 7, 1), reason="Giải thể",
                                       fund_map={"KH": "KHT"}, user="admin")
    assert [(a["lines"], a["amount"]) for a in r["awards"]] == [(1, 3_000_000)]
    _after, t_after = totals(db)
    assert t_after == t_before
    new_batch = r["awards"][0]["to"]
    assert next(x for x in services.fund_balances(db, "SLA") if x.code == "KHT").figures.reserved == 3_000_000
    paid = services.pay_batch(db, "SLA", new_batch, on=date(2025, 7, 2), user="tq.sla")
    assert paid["paid"] == 1 and paid["closed"] is True
    assert next(x for x in services.fund_balances(db, "SLA") if x.code == "KHT").figures.reserved == 0
    with db.read() as c:
        old_state = c.execute(sa.text("SELECT state FROM batches WHERE id = :b"), {"b": bid}).scalar()
        students = c.execute(sa.text("SELECT count(*) FROM recipients r JOIN organizations o ON o.id = r.org_id "
                                     "WHERE o.code = 'SLA' AND r.full_name = 'Lò Thị Ngọc'")).scalar()
    assert old_state == "closed" and students == 1


def _national_fixture(db):
    services.create_organization(db, code="HBI", name="Hội Khuyến học tỉnh Hòa Bình", level="province")
    services.create_fund(db, "HBI", code="KHT", name="Quỹ Khuyến học tỉnh")
    services.create_organization(db, code="HBI-X1", name="Hội Khuyến học xã Mường Chiềng", level="commune",
                                 parent="HBI")
    services.create_fund(db, "HBI-X1", code="KH", name="Quỹ Khuyến học xã")
    gift(db, "HBI", "KHT", 70_000_000, date(2025, 6, 1))
    gift(db, "HBI-X1", "KH", 3_000_000, date(2025, 7, 1))


@pytest.mark.parametrize("workers", [1, 2])
def test_the_national_consolidation_is_each_province_consolidated_and_summed(province, workers, tmp_path):
    """``quy report national``: a row per top organization — its own consolidation — and the nation's total, the
    money a province granted to its commune eliminated as in the province's own consolidation."""
    db = province
    _national_fixture(db)
    n = books.national(db, period=YEAR, workers=workers)
    each = [books.consolidated(db, code, period=YEAR) for code in ("HBI", "SLA")]
    assert [r.org for r in n.rows] == ["HBI", "SLA"]
    assert n.rows == [c.total for c in each]
    assert each[1].eliminated == 5_000_000 and n.eliminated == 0  # inside SLA; nothing between the provinces
    for k in ("opening", "donations", "transfers_in", "transfers_out", "awards", "closing", "spendable"):
        assert getattr(n.total, k) == sum(getattr(c.total, k) for c in each), k
    assert n.total.closing == 900_000_000 + 60_000_000 + 21_000_000 + 73_000_000  # every gift, counted once
    out = tmp_path / "national.json"
    ctx = Ctx(None, "cli:test")
    ctx._db = db  # the CLI face of the same report, on this test's books
    r = CliRunner().invoke(report_national, ["--from", "2025-01-01", "--to", "2025-12-31", "--format", "json",
                                             "--out", str(out), "--workers", str(workers)], obj=ctx)
    assert r.exit_code == 0, r.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["total"]["closing"] == n.total.closing and [row["org"] for row in data["rows"]] == ["HBI", "SLA"]


@pytest.mark.postgres
def test_the_provinces_consolidated_side_by_side_read_one_snapshot(pg_db, monkeypatch):
    """A gift committed while the national consolidation runs is in every figure or in none: the workers read
    the snapshot the first connection exported, not the books as they are when each begins."""
    from books import consolidation

    db = pg_db
    services.create_organization(db, code="SLA", name="Hội Khuyến học tỉnh Sơn La", level="province")
    services.create_fund(db, "SLA", code="KHT", name="Quỹ Khuyến học tỉnh")
    gift(db, "SLA", "KHT", 900_000_000, date(2025, 2, 1))
    _national_fixture(db)
    real, first, given = consolidation.consolidated, threading.Lock(), threading.Event()

    def late_gift_first(conn, org_id, period=YEAR):
        if first.acquire(blocking=False):  # before the first province is read, a treasurer records a gift in the
            gift(db, "SLA" if org_id != orgs_id(db, "SLA") else "HBI", "KHT", 1_000_000, date(2025, 8, 1))
            given.set()  # other one, which the other worker reads only once the gift is committed
        else:
            given.wait(30)
        return real(conn, org_id, period)

    monkeypatch.setattr(consolidation, "consolidated", late_gift_first)
    n = books.national(db, period=YEAR, workers=2)
    assert n.total.closing == 900_000_000 + 73_000_000  # the late gift is in no figure
    assert books.national(db, period=YEAR, workers=2).total.closing == 900_000_000 + 73_000_000 + 1_000_000


def orgs_id(db, code):
    with db.read() as c:
        return orgs.org_id_by_code(c, code)
