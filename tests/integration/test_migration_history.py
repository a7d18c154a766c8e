"""Books kept at the first revision survive every migration to the newest one.

A database is created at revision 0001 and filled the way the code of that revision wrote it (raw SQL
against 0001's tables only: the journal's postings before their transaction row, the hash chain, the
cached balances, the chain heads, donors and donations, then a locked period). Upgraded to head, every
balance is what it was, every chain was re-hashed once under today's rule (revision 0018, recorded in the
audit log with the old and the new head), the books verify, the database still refuses what the journal
never allows, and the current code goes on posting where the chain stopped. A chain that does not verify
under the old rule stops the upgrade untouched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections import defaultdict
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ledger import journal, services
from ledger.db import Database
from ledger.donations import loose_key
from ledger.errors import PeriodLocked
from ledger.migrate import current_revision, head_revision, upgrade
from ledger.names import match_key
from tests import conftest
from tests.conftest import PgSchema
from tests.helpers import give

FIRST = "0001"
GENESIS = "0" * 64
LOCK = date(2025, 3, 31)
FORGED = "f" * 64

#: The chart of accounts revision 0001 seeded for every organization (``ledger/chart.py`` then).
CHART_0001 = (
    ("111", "Tiền mặt", "asset", "cash"),
    ("1121", "Tiền gửi ngân hàng (không kỳ hạn)", "asset", "bank"),
    ("121", "Đầu tư tài chính (tiền gửi có kỳ hạn)", "asset", "deposit"),
    ("1381", "Phải thu tiền lãi", "asset", "interest_receivable"),
    ("1388", "Phải thu khác (cam kết ủng hộ)", "asset", "pledge_receivable"),
    ("152", "Hiện vật nhận ủng hộ", "asset", "goods"),
    ("3381", "Thu hộ, chi hộ (tài trợ theo địa chỉ)", "liability", "earmarked_payable"),
    ("3388", "Phải trả khác (khen thưởng, học bổng đã duyệt)", "liability", "awards_payable"),
    ("353", "Các quỹ đặc thù", "equity", "fund_capital"),
    ("3531", "Vốn gốc quỹ (không được chi)", "equity", "principal"),
    ("515", "Doanh thu tài chính (lãi tiền gửi)", "income", "interest_income"),
    ("711", "Thu nhập khác (ủng hộ, tài trợ)", "income", "donation_income"),
    ("811", "Chi phí khác (học bổng, khen thưởng)", "expense", "award_expense"),
    ("611", "Chi phí hoạt động (chi quản lý)", "expense", "management_expense"),
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bare_db(request, tmp_path):
    """An empty database, not yet migrated (the ``db`` fixture's is already at the newest revision)."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
        yield database
        database.dispose()
    else:
        schema = PgSchema()
        database = schema.database()
        yield database
        database.dispose()
        schema.drop()


# --------------------------------------------------------------------------- the code of revision 0001


def digest_0001(prev_hash: str, *, org: str, seq: int, on: date, doc_ref: str, description: str, source: str,
                created_by: str, created_at: str, reverses_seq: int | None,
                postings: list[tuple[str, str, int]]) -> str:
    """``ledger/journal/chain.py:tx_digest`` as revision 0001 had it, kept here so a change to the hash input
    that old chains would no longer verify under shows in this test."""
    body = json.dumps([org, seq, on.isoformat(), doc_ref, description, source, created_by, created_at,
                       reverses_seq, sorted(postings)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + "\n" + body).encode("utf-8")).hexdigest()


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _holds_0001(c, org_id: int) -> tuple[int, str]:
    """(last seq, head hash) of the organization's chain, every digest recomputed as revision 0001 did."""
    org = c.execute(sa.text("SELECT code FROM organizations WHERE id = :o"), {"o": org_id}).scalar_one()
    prev, n = GENESIS, 0
    for t in c.execute(sa.text("SELECT * FROM transactions WHERE org_id = :o ORDER BY seq"), {"o": org_id}).all():
        lines = [tuple(r) for r in c.execute(sa.text(
            "SELECT a.code, f.code, p.amount FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN funds f ON f.id = p.fund_id WHERE p.tx_id = :t"), {"t": t.id})]
        rev = c.execute(sa.text("SELECT seq FROM transactions WHERE id = :r"), {"r": t.reverses_id}).scalar()
        assert (t.seq, t.prev_hash) == (n + 1, prev)
        assert digest_0001(prev, org=org, seq=t.seq, on=_as_date(t.date), doc_ref=t.doc_ref,
                           description=t.description, source=t.source, created_by=t.created_by,
                           created_at=t.created_at, reverses_seq=rev, postings=lines) == t.hash
        prev, n = t.hash, n + 1
    return n, prev


def _insert(conn, table: str, row: dict, *, returning: bool = True) -> int | None:
    cols = ", ".join(row)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + k for k in row)})"
    if not returning:
        conn.execute(sa.text(sql), row)
        return None
    return conn.execute(sa.text(sql + " RETURNING id"), row).scalar_one()


def _next_id(conn, table: str) -> int:
    """An id allocated as 0001's ``allocate_ids`` did: the serial's next value, on SQLite max + 1."""
    if conn.dialect.name == "postgresql":
        return conn.execute(sa.text("SELECT nextval(pg_get_serial_sequence(:t, 'id'))"), {"t": table}).scalar_one()
    return conn.execute(sa.text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one()


class Books0001:
    """Writes books into a database at revision 0001 the way that revision's code did."""

    def __init__(self, conn) -> None:
        self.c = conn
        self.clock = 0

    def _now(self, on: date) -> str:
        self.clock += 1  # ``now_iso()`` of the posting: after its date, distinct per write
        return f"{on.isoformat()}T02:{self.clock // 60:02d}:{self.clock % 60:02d}.{self.clock:06d}Z"

    def organization(self, code: str, name: str, level: str, parent_id: int | None = None) -> int:
        oid = _insert(self.c, "organizations", {"code": code, "name": name, "level": level, "parent_id": parent_id,
                                                 "address": "", "created_at": "2024-12-01T01:00:00.000000Z"})
        for acode, aname, kind, role in CHART_0001:
            _insert(self.c, "accounts", {"org_id": oid, "code": acode, "name": aname, "kind": kind, "role": role,
                                         "parent_id": None})
        _insert(self.c, "chain_heads", {"org_id": oid, "last_seq": 0, "last_hash": GENESIS}, returning=False)
        return oid

    def fund(self, org_id: int, code: str, name: str, kind: str, **flags: bool) -> int:
        return _insert(self.c, "funds", {"org_id": org_id, "code": code, "name": name, "kind": kind,
                                         "may_pay_management": flags.get("may_pay_management", False),
                                         "has_principal": flags.get("has_principal", False),
                                         "created_at": "2024-12-01T01:00:00.000000Z"})

    def bank_account(self, org_id: int, code: str, bank_name: str, account_no: str, bin: str) -> int:
        parent = self.c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = '1121'"),
                                {"o": org_id}).scalar_one()
        return _insert(self.c, "accounts", {"org_id": org_id, "code": code, "name": f"{bank_name} - {account_no}",
                                            "kind": "asset", "role": "bank", "parent_id": parent,
                                            "bank_name": bank_name, "bank_bin": bin, "bank_account_no": account_no})

    def campaign(self, org_id: int, code: str, name: str, fund_id: int) -> int:
        return _insert(self.c, "campaigns", {"org_id": org_id, "code": code, "name": name, "fund_id": fund_id})

    def donor(self, org_id: int, name: str, *, kind: str = "person", anonymous: bool = False) -> int:
        return _insert(self.c, "donors", {"org_id": org_id, "kind": kind, "name": name, "match_key": match_key(name),
                                          "loose_key": loose_key(name), "anonymous": anonymous, "display_name": "",
                                          "created_at": "2024-12-01T01:00:00.000000Z"})

    def lock(self, org_id: int, through: date) -> None:
        """``orgs.set_lock_date`` of 0001: the organization's lock date moves forward."""
        self.c.execute(sa.text("UPDATE organizations SET lock_date = :d WHERE id = :o"),
                       {"d": through.isoformat(), "o": org_id})

    def post(self, org_id: int, on: date, description: str, lines: list[tuple[str, str, int]], *,
             source: str = "manual", doc_ref: str = "", reverses_id: int | None = None,
             user: str = "thuquy") -> int:
        """0001's ``journal.post`` of one entry (lines: account code, fund code, signed amount): postings,
        then the transaction row (where the database checks them), then cached balances and the head."""
        c = self.c
        org_code, lock_date = c.execute(sa.text("SELECT code, lock_date FROM organizations WHERE id = :o"),
                                        {"o": org_id}).one()
        assert lock_date is None or on > _as_date(lock_date), "0001's post refused a locked period"
        assert sum(a for _, _, a in lines) == 0 and len(lines) >= 2
        last_seq, last_hash = c.execute(sa.text("SELECT last_seq, last_hash FROM chain_heads WHERE org_id = :o"),
                                        {"o": org_id}).one()
        accounts = dict(c.execute(sa.text("SELECT code, id FROM accounts WHERE org_id = :o"), {"o": org_id}).all())
        funds = dict(c.execute(sa.text("SELECT code, id FROM funds WHERE org_id = :o"), {"o": org_id}).all())
        reverses_seq = None if reverses_id is None else c.execute(
            sa.text("SELECT seq FROM transactions WHERE id = :t"), {"t": reverses_id}).scalar_one()
        seq, created_at = last_seq + 1, self._now(on)
        digest = digest_0001(last_hash, org=org_code, seq=seq, on=on, doc_ref=doc_ref, description=description,
                             source=source, created_by=user, created_at=created_at, reverses_seq=reverses_seq,
                             postings=lines)
        tx_id = _next_id(c, "transactions")
        deltas: dict[tuple[int, int], int] = defaultdict(int)
        for acode, fcode, amount in lines:
            _insert(c, "postings", {"tx_id": tx_id, "org_id": org_id, "date": on.isoformat(),
                                    "account_id": accounts[acode], "fund_id": funds[fcode], "amount": amount})
            deltas[(accounts[acode], funds[fcode])] += amount
        _insert(c, "transactions", {"id": tx_id, "org_id": org_id, "seq": seq, "date": on.isoformat(),
                                    "doc_ref": doc_ref, "description": description, "source": source,
                                    "created_by": user, "created_at": created_at, "reverses_id": reverses_id,
                                    "prev_hash": last_hash, "hash": digest}, returning=False)
        for (a, f), d in deltas.items():  # 0001's _apply_balances: update a known pair, insert a new one
            if not d:
                continue
            known = c.execute(sa.text("SELECT 1 FROM balances WHERE account_id = :a AND fund_id = :f"),
                              {"a": a, "f": f}).first()
            if known:
                c.execute(sa.text("UPDATE balances SET amount = amount + :d WHERE account_id = :a AND fund_id = :f"),
                          {"a": a, "f": f, "d": d})
            else:
                _insert(c, "balances", {"account_id": a, "fund_id": f, "org_id": org_id, "amount": d},
                        returning=False)
        c.execute(sa.text("UPDATE chain_heads SET last_seq = :s, last_hash = :h WHERE org_id = :o"),
                  {"s": seq, "h": digest, "o": org_id})
        return tx_id

    def reverse(self, org_id: int, tx_id: int, on: date, reason: str) -> int:
        """0001's ``reversal_entry`` posted: every posting negated, linked to the original."""
        seq, doc_ref = self.c.execute(sa.text("SELECT seq, doc_ref FROM transactions WHERE id = :t"),
                                      {"t": tx_id}).one()
        lines = [(a, f, -amount) for a, f, amount in self.c.execute(sa.text(
            "SELECT a.code, f.code, p.amount FROM postings p JOIN accounts a ON a.id = p.account_id "
            "JOIN funds f ON f.id = p.fund_id WHERE p.tx_id = :t ORDER BY p.id"), {"t": tx_id})]
        return self.post(org_id, on, f"Đảo bút toán #{seq}: {reason}", lines, source="reversal", doc_ref=doc_ref,
                         reverses_id=tx_id)

    def gift(self, org_id: int, donor_id: int, fund: str, kind: str, amount: int, on: date, *, name: str,
             bank: str = "1121", to_principal: bool = False, campaign_id: int | None = None, reference: str = "",
             item: tuple[str, int, str] | None = None, pledge_id: int | None = None) -> tuple[int, int]:
        """0001's ``record_donations`` (and ``pay_pledge``) of one gift: its entry, then its donation row.
        Returns (donation id, transaction id)."""
        debit = {"cash": "111", "transfer": bank, "in_kind": "152", "pledge": "1388", "pledge_payment": "111"}[kind]
        credit = "1388" if kind == "pledge_payment" else "3531" if to_principal else "711"
        if kind == "pledge_payment":
            what, source = "Thu tiền cam kết ủng hộ", "pledge_payment"
        else:
            what = {"cash": "Ủng hộ tiền mặt", "transfer": "Ủng hộ chuyển khoản", "pledge": "Cam kết ủng hộ",
                    "in_kind": f"Ủng hộ hiện vật: {item[0]} ({item[1]} {item[2]})" if item else ""}[kind]
            what += " vào vốn gốc" if to_principal else ""
            source = "donation"
        tx_id = self.post(org_id, on, f"{what} - {name}", [(debit, fund, amount), (credit, fund, -amount)],
                          source=source, doc_ref=reference)
        ids = dict(self.c.execute(sa.text("SELECT code, id FROM accounts WHERE org_id = :o"), {"o": org_id}).all())
        fund_id = self.c.execute(sa.text("SELECT id FROM funds WHERE org_id = :o AND code = :f"),
                                 {"o": org_id, "f": fund}).scalar_one()
        gift_id = _next_id(self.c, "donations")
        _insert(self.c, "donations", {
            "id": gift_id, "org_id": org_id, "tx_id": tx_id, "donor_id": donor_id, "fund_id": fund_id,
            "campaign_id": campaign_id, "kind": kind, "date": on.isoformat(), "amount": amount,
            "asset_account_id": ids[debit], "to_principal": to_principal, "earmark": None,
            "item_description": item[0] if item else None, "item_quantity": item[1] if item else None,
            "item_unit": item[2] if item else None, "fx_amount": None, "fx_currency": None, "pledge_id": pledge_id,
            "reference": reference, "message": "", "created_by": "thuquy", "created_at": self._now(on)},
            returning=False)
        return gift_id, tx_id


def _populate(conn) -> dict:
    """A province with two funds, a bank account, gifts of every kind across two years, a pledge paid in
    part, a manual entry over both funds, a gift reversed after its period was locked; a district with a
    few gifts of its own."""
    b = Books0001(conn)
    sla = b.organization("SLA", "Hội Khuyến học tỉnh Sơn La", "province")
    b.fund(sla, "TOHIEU", "Quỹ học bổng Tô Hiệu", "scholarship", has_principal=True)
    kht = b.fund(sla, "KHT", "Quỹ Khuyến học tỉnh", "general", may_pay_management=True)
    b.bank_account(sla, "1121.BIDV", "BIDV Sơn La", "62010000123456", "970418")
    tet = b.campaign(sla, "TET2025", "Tết vì học sinh nghèo 2025", kht)
    sang = b.donor(sla, "Quàng Văn Sáng")
    company = b.donor(sla, "Công ty CP Thủy điện Sơn La", kind="organization")
    hoa = b.donor(sla, "Cầm Thị Hoa", anonymous=True)
    hai = b.donor(sla, "Lò Văn Hải")
    toi = b.donor(sla, "Điêu Chính Tới")
    nham = b.donor(sla, "Tòng Văn Nhầm")

    b.gift(sla, sang, "TOHIEU", "cash", 700_000, date(2024, 12, 20), name="Quàng Văn Sáng")
    b.gift(sla, company, "TOHIEU", "transfer", 50_000_000, date(2025, 1, 15), name="Công ty CP Thủy điện Sơn La",
           bank="1121.BIDV", to_principal=True, reference="FT25015001")
    b.gift(sla, hoa, "KHT", "transfer", 5_000_000, date(2025, 2, 10), name="Cầm Thị Hoa", bank="1121.BIDV",
           campaign_id=tet, reference="FT25041")
    b.gift(sla, hai, "KHT", "in_kind", 3_000_000, date(2025, 2, 12), name="Lò Văn Hải",
           item=("vở học sinh", 500, "quyển"))
    pledge, _ = b.gift(sla, toi, "KHT", "pledge", 9_000_000, date(2025, 3, 1), name="Điêu Chính Tới")
    b.gift(sla, toi, "KHT", "pledge_payment", 4_000_000, date(2025, 3, 3), name="Điêu Chính Tới", pledge_id=pledge)
    _, mistaken = b.gift(sla, nham, "TOHIEU", "cash", 2_000_000, date(2025, 3, 5), name="Tòng Văn Nhầm")
    b.post(sla, date(2025, 3, 20), "Nộp tiền mặt vào tài khoản BIDV", [
        ("1121.BIDV", "TOHIEU", 700_000), ("111", "TOHIEU", -700_000),
        ("1121.BIDV", "KHT", 1_000_000), ("111", "KHT", -1_000_000)], doc_ref="PC-07")
    b.post(sla, date(2025, 3, 25), "Chi khen thưởng học sinh giỏi", [("811", "KHT", 1_500_000),
                                                                      ("1121.BIDV", "KHT", -1_500_000)])
    b.lock(sla, LOCK)
    b.reverse(sla, mistaken, date(2025, 4, 2), "ghi nhầm người ủng hộ")
    _, late = b.gift(sla, hai, "TOHIEU", "cash", 1_000_000, date(2025, 4, 5), name="Lò Văn Hải")

    mla = b.organization("MLA", "Hội Khuyến học huyện Mường La", "district", parent_id=sla)
    b.fund(mla, "KHMLA", "Quỹ Khuyến học huyện Mường La", "general")
    lan = b.donor(mla, "Vì Thị Lan")
    b.gift(mla, lan, "KHMLA", "cash", 500_000, date(2025, 2, 1), name="Vì Thị Lan")
    b.gift(mla, lan, "KHMLA", "cash", 300_000, date(2025, 2, 3), name="Vì Thị Lan")
    return {"sla": sla, "mla": mla, "late_tx": late}


# --------------------------------------------------------------------------- what must survive


def _state(db: Database) -> dict:
    """Every balance summed from postings and cached, every chain head and every transaction's digest."""
    with db.read() as c:
        return {
            "summed": {(o, a, f): int(v) for o, a, f, v in c.execute(sa.text(
                "SELECT org_id, account_id, fund_id, sum(amount) FROM postings GROUP BY org_id, account_id, fund_id"))},
            "cached": {(o, a, f): int(v) for o, a, f, v in c.execute(sa.text(
                "SELECT org_id, account_id, fund_id, amount FROM balances"))},
            "heads": {o: (s, h) for o, s, h in c.execute(sa.text(
                "SELECT org_id, last_seq, last_hash FROM chain_heads"))},
            "digests": [tuple(r) for r in c.execute(sa.text(
                "SELECT org_id, seq, id, prev_hash, hash FROM transactions ORDER BY org_id, seq"))],
            "postings": c.execute(sa.text("SELECT count(*) FROM postings")).scalar_one(),
        }


def _standing_money_gifts(db: Database) -> dict[int, list[tuple[int, int]]]:
    """Per organization, (year, donation id) of every gift a receipt is for: money or goods, not reversed."""
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    with db.read() as c:
        for org_id, gift_id, on in c.execute(sa.text(
                "SELECT d.org_id, d.id, d.date FROM donations d WHERE d.kind IN "
                "('cash', 'transfer', 'in_kind', 'pledge_payment') AND NOT EXISTS "
                "(SELECT 1 FROM transactions t WHERE t.reverses_id = d.tx_id) ORDER BY d.id")):
            out[org_id].append((_as_date(on).year, gift_id))
    return dict(out)


def _refused(db: Database, sql: str) -> str:
    """Run ``sql`` around the ledger's code and return the database's refusal."""
    with pytest.raises(DBAPIError) as e:
        with db.begin() as c:
            c.exec_driver_sql(sql)
    return str(e.value.orig)


def _raw_entry(c, org_id: int, on: date, seq: int) -> None:
    """A balanced, consistent entry of 1,000 đ written with raw SQL, postings before the transaction."""
    tx_id = _next_id(c, "transactions")
    cash, income = (c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = :a"),
                              {"o": org_id, "a": a}).scalar_one() for a in ("111", "711"))
    fund = c.execute(sa.text("SELECT id FROM funds WHERE org_id = :o AND code = 'TOHIEU'"), {"o": org_id}).scalar_one()
    for account, amount in ((cash, 1000), (income, -1000)):
        _insert(c, "postings", {"tx_id": tx_id, "org_id": org_id, "date": on.isoformat(), "account_id": account,
                                "fund_id": fund, "amount": amount})
    _insert(c, "transactions", {"id": tx_id, "org_id": org_id, "seq": seq, "date": on.isoformat(), "doc_ref": "",
                                "description": "raw", "source": "raw", "created_by": "raw", "created_at": "x",
                                "prev_hash": "x", "hash": "x"}, returning=False)


# --------------------------------------------------------------------------- the test


def test_books_written_at_the_first_revision_survive_the_upgrade_to_head(bare_db):
    db = bare_db
    upgrade(db, FIRST)
    assert current_revision(db) == FIRST
    with db.begin() as c:
        ids = _populate(c)
    sla, mla = ids["sla"], ids["mla"]

    before = _state(db)
    receipts_due = _standing_money_gifts(db)
    # what the first revision wrote is a sound journal: the chain (hashed as 0001 did) verifies under
    # today's code and the cached balances are the postings' sums
    assert before["cached"] == before["summed"] and len(before["heads"]) == 2
    with db.read() as c:
        at_first = {oid: _holds_0001(c, oid) for oid in (sla, mla)}
    assert at_first == before["heads"]

    upgrade(db)
    assert current_revision(db) == head_revision(db) != FIRST

    after = _state(db)
    assert after["summed"] == before["summed"]
    assert after["cached"] == before["cached"]
    # revision 0018 re-hashed every chain under rule 2: the same transactions, new digests, one audit row each
    assert {o: s for o, (s, _h) in after["heads"].items()} == {o: s for o, (s, _h) in before["heads"].items()}
    assert all(after["heads"][o][1] != before["heads"][o][1] for o in (sla, mla))
    assert [d[:3] for d in after["digests"]] == [d[:3] for d in before["digests"]]
    assert not {d[4] for d in after["digests"]} & {d[4] for d in before["digests"]}
    assert after["postings"] == before["postings"]
    with db.read() as c:
        rehashed = {r.org_id: json.loads(r.details) for r in c.execute(sa.text(
            "SELECT org_id, details FROM audit_log WHERE action = 'chain.rehash'"))}
    assert {o: ((d["old_head"]["seq"], d["old_head"]["hash"]), (d["new_head"]["seq"], d["new_head"]["hash"]))
            for o, d in rehashed.items()} == {o: (before["heads"][o], after["heads"][o]) for o in (sla, mla)}
    reports = services.verify(db)
    assert [r.ok for r in reports] == [True, True], [r.problem for r in reports]
    assert {r.org_code: (r.head_seq, r.head_hash) for r in reports} == {
        "SLA": after["heads"][sla], "MLA": after["heads"][mla]}
    with db.read() as c:
        for oid in (sla, mla):
            chain = journal.verify_chain(c, oid)
            assert chain.ok and (chain.count, chain.head_hash) == after["heads"][oid]
        # 0005 gave every standing gift of money or goods a receipt, numbered per organization and year
        receipts = {oid: sorted(c.execute(sa.text(
            "SELECT year, donation_id FROM documents WHERE org_id = :o AND kind = 'receipt'"), {"o": oid}).all())
            for oid in (sla, mla)}
    assert {oid: [tuple(r) for r in rows] for oid, rows in receipts.items()} == {
        oid: sorted(receipts_due[oid]) for oid in (sla, mla)}

    # the database still refuses, around the ledger's code, what the journal never allows
    p_id, t_id = before["digests"][0][2], before["digests"][-1][2]
    with db.read() as c:
        posting = c.execute(sa.text("SELECT min(id) FROM postings WHERE tx_id = :t"), {"t": p_id}).scalar_one()
    refusals = [f"UPDATE postings SET amount = amount + 1 WHERE id = {posting}",
                f"DELETE FROM postings WHERE id = {posting}",
                f"DELETE FROM transactions WHERE id = {t_id}",
                f"UPDATE transactions SET hash = '{FORGED}' WHERE id = {t_id}"]
    if db.dialect == "postgresql":
        refusals.append("TRUNCATE postings")
    for sql in refusals:
        assert "append-only" in _refused(db, sql), sql

    # a posting into the locked period, written with raw SQL, is refused; the day after is not
    next_seq = before["heads"][sla][0] + 1
    with pytest.raises(DBAPIError) as e:
        with db.begin() as c:
            _raw_entry(c, sla, LOCK, next_seq)
    assert "locked" in str(e.value.orig)
    with db.engine.connect() as c:
        trial = c.begin()
        _raw_entry(c, sla, date(2025, 4, 1), next_seq)
        trial.rollback()
    assert _state(db) == after

    # today's code goes on where the old chain stopped: the lock holds, a gift continues the chain and
    # the receipt series, an old gift is reversed, and the books verify
    books = SimpleNamespace(db=db, org="SLA", fund="TOHIEU")
    with pytest.raises(PeriodLocked):
        give(books, 1_000_000, name="Vì Văn Mới", on=LOCK)
    got = give(books, 1_000_000, name="Vì Văn Mới", on=date(2025, 4, 20))
    assert got["seq"] == next_seq
    due_2025 = sum(1 for year, _ in receipts_due[sla] if year == 2025)
    assert got["receipt"] == f"BN/25 {due_2025 + 1:07d}"
    with db.read() as c:
        prev = c.execute(sa.text("SELECT prev_hash FROM transactions WHERE id = :t"), {"t": got["tx_id"]}).scalar_one()
    assert prev == after["heads"][sla][1]
    undone = services.reverse(db, "SLA", ids["late_tx"], reason="trùng với phiếu khác", on=date(2025, 4, 21),
                              user="test")
    assert undone["seq"] == next_seq + 1 and len(undone["voided_documents"]) == 1
    reports = services.verify(db)
    assert [(r.ok, r.head_seq) for r in reports] == [(True, next_seq + 1), (True, before["heads"][mla][0])]
    final = _state(db)
    assert {k: v for k, v in final["summed"].items() if k[0] == mla} == {
        k: v for k, v in before["summed"].items() if k[0] == mla}


def test_bank_matches_that_refer_to_one_another_survive_the_rebuilds_of_0016_and_0017(bare_db):
    """A reassignment row refers to the suspense match it moves: SQLite's rebuild of ``bank_matches`` (0016,
    0017) once left that reference dangling for a moment and the upgrade's commit failed. Books at 0015 with
    a statement, two suspense matches and a reassignment upgrade to head with every row kept, no reference
    broken, and the table still append-only."""
    db = bare_db
    upgrade(db, FIRST)
    with db.begin() as c:
        ids = _populate(c)
    upgrade(db, "0015")
    sla = ids["sla"]
    with db.begin() as c:
        bank = c.execute(sa.text("SELECT id FROM accounts WHERE org_id = :o AND code = '1121.BIDV'"),
                         {"o": sla}).scalar_one()
        st = _insert(c, "bank_statements", {
            "org_id": sla, "bank_account_id": bank, "period_start": date(2025, 3, 1), "period_end": date(2025, 3, 31),
            "opening_balance": 0, "closing_balance": 1_200_000, "line_count": 2, "duplicate_count": 0,
            "profile": "vn-generic", "source_name": "s.csv", "sha256": "a" * 64, "imported_by": "t",
            "imported_at": "2025-04-01T00:00:00+00:00"})
        lines = [_insert(c, "bank_lines", {
            "statement_id": st, "bank_account_id": bank, "line_no": n, "date": date(2025, 3, n), "bank_ref": f"M{n}",
            "amount": amount, "memo": "CHUYEN TIEN", "dedupe_key": f"ref:M{n}"})
            for n, amount in ((2, 500_000), (3, 700_000))]
        row = {"org_id": sla, "kind": "suspense", "note": "", "matched_by": "t", "matched_at": "x"}
        first = _insert(c, "bank_matches", {**row, "line_id": lines[0]})
        second = _insert(c, "bank_matches", {**row, "line_id": lines[1]})
        again = _insert(c, "bank_matches", {**row, "kind": "reassign", "reassigns_id": first})
    upgrade(db)
    assert current_revision(db) == head_revision(db)
    with db.read() as c:
        kept = [tuple(r) for r in c.execute(sa.text(
            "SELECT id, line_id, reassigns_id, kind FROM bank_matches ORDER BY id"))]
        if db.dialect == "sqlite":
            assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert kept == [(first, lines[0], None, "suspense"), (second, lines[1], None, "suspense"),
                    (again, None, first, "reassign")]
    assert "append-only" in _refused(db, f"UPDATE bank_matches SET note = 'x' WHERE id = {first}")
    assert "append-only" in _refused(db, f"DELETE FROM bank_matches WHERE id = {again}")


def test_a_chain_that_does_not_verify_under_the_old_rule_stops_the_upgrade_untouched(bare_db):
    """Revision 0018 re-hashes every chain, but only one that verifies under the rule it was written with: a
    tampered journal is never blessed with fresh digests. The upgrade stops, naming the organization and the
    entry, and nothing is changed."""
    from ledger.journal import guards as dbguards

    db = bare_db
    upgrade(db, FIRST)
    with db.begin() as c:
        _populate(c)
    upgrade(db, "0017")
    with db.begin() as c:
        for stmt in dbguards.drop_statements(db.dialect):
            c.exec_driver_sql(stmt)
        c.exec_driver_sql("UPDATE transactions SET description = 'sửa lén' WHERE seq = 2 AND org_id = "
                          "(SELECT id FROM organizations WHERE code = 'MLA')")
    before = _state(db)
    with pytest.raises(Exception, match=r"journal of MLA does not verify under chain rule 1 .* at #2"):
        upgrade(db)
    assert current_revision(db) == "0017"
    assert _state(db) == before


# --------------------------------------------------------------------------- the fixtures' fast copies


def _pg_schema_dump(schema: PgSchema) -> str:
    """``pg_dump`` of one schema, its name replaced, minus the dump's random restrict keys."""
    pg_dump = shutil.which("pg_dump") or "/usr/lib/postgresql/15/bin/pg_dump"
    url = sa.engine.make_url(conftest.pg_url())
    out = subprocess.run([pg_dump, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U",
                          url.username or "postgres", "-n", schema.name, url.database], capture_output=True,
                         text=True, check=True).stdout
    return "\n".join(ln for ln in out.replace(schema.name, "SCHEMA").splitlines()
                     if not ln.startswith(("\\restrict", "\\unrestrict")))


@pytest.mark.postgres
def test_the_fixtures_replayed_schema_is_the_migrated_schema():
    """The ``db`` fixture replays Alembic's statements instead of migrating: the result must be the
    same schema, object for object (tables, triggers, functions, rows such as alembic_version)."""
    migrated, replayed = PgSchema(), PgSchema()
    try:
        a, b = migrated.database(), replayed.database()
        upgrade(a)
        conftest.replay_migrations(b)
        assert current_revision(b) == head_revision(b)
        a.dispose()
        b.dispose()
        dump_a, dump_b = _pg_schema_dump(migrated), _pg_schema_dump(replayed)
        assert "CREATE TRIGGER" in dump_a and dump_a == dump_b
    finally:
        migrated.drop()
        replayed.drop()


def test_the_fixtures_sqlite_copy_is_the_migrated_database(tmp_path):
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    upgrade(fresh)
    copy = conftest.migrated_sqlite(tmp_path / "copy.sqlite3")
    shape = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"

    def objects(conn):  # a table's constraints in any order: SQLite's batch migrations reorder them
        return [(kind, name, table, sorted(ln.strip().rstrip(",") for ln in (sql or "").splitlines()))
                for kind, name, table, sql in conn.exec_driver_sql(shape)]

    with fresh.read() as f, copy.read() as c:
        assert len(objects(f)) > 100 and objects(f) == objects(c)
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision(copy)
    fresh.dispose()
    copy.dispose()
