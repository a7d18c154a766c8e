"""Backups taken while people keep writing, restored on either engine, and files a restore must refuse.

Each test checks the restored books against the source, never against constants: the head digests and
balances the source had at the snapshot (its chains up to the manifest's heads), the receipts' numbering
going on without a gap, and — for a refused file — a target left exactly as empty as it was.
"""

from __future__ import annotations

import io
import json
import tarfile
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import schema, services
from ledger.db import Database
from ledger.migrate import upgrade
from ledger.ops import backup as bk
from tests.conftest import Books, PgSchema, make_books
from tests.helpers import give

ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Target:
    """An empty database to restore into, on one engine; dropped afterwards."""

    def __init__(self, engine: str, tmp_path: Path, name: str = "target") -> None:
        self.schema = None
        if engine == "sqlite":
            self.db = Database(f"sqlite:///{tmp_path / (name + '.sqlite3')}")
        else:
            self.schema = PgSchema()
            self.db = self.schema.database()

    def close(self) -> None:
        self.db.dispose()
        if self.schema:
            self.schema.drop()


@pytest.fixture
def targets(tmp_path):
    made: list[Target] = []

    def make(engine: str, name: str = "target") -> Target:
        t = Target(engine, tmp_path, f"{name}{len(made)}")
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


def balances_at(db: Database, heads: dict[str, tuple[int, str]]) -> dict:
    """Every (organization, account, fund) balance summed from the postings of the transactions up to each
    chain's head ``heads`` (the snapshot point: a chain's transactions commit in sequence order)."""
    out: dict = {}
    with db.read() as c:
        rows = c.execute(sa.text(
            "SELECT o.code, a.code, f.code, t.seq, p.amount FROM postings p JOIN transactions t ON t.id = p.tx_id "
            "JOIN organizations o ON o.id = t.org_id JOIN accounts a ON a.id = p.account_id "
            "JOIN funds f ON f.id = p.fund_id")).all()
    for org, acct, fund, seq, amount in rows:
        if seq <= heads.get(org, (0, ""))[0]:
            out[(org, acct, fund)] = out.get((org, acct, fund), 0) + amount
    return {k: v for k, v in out.items() if v}


def heads_of(db: Database) -> dict[str, tuple[int, str]]:
    with db.read() as c:
        return {code: (seq, h) for code, seq, h in c.execute(sa.text(
            "SELECT o.code, h.last_seq, h.last_hash FROM chain_heads h JOIN organizations o ON o.id = h.org_id"))}


def receipt_numbers(db: Database, org: str) -> list[int]:
    with db.read() as c:
        return c.execute(sa.text(
            "SELECT d.number FROM documents d JOIN organizations o ON o.id = d.org_id "
            "WHERE o.code = :o AND d.kind = 'receipt' ORDER BY d.number"), {"o": org}).scalars().all()


def table_names(db: Database) -> set[str]:
    names = set(sa.inspect(db.engine).get_table_names())
    db.engine.dispose()
    return names


def some_books(db: Database):
    """Gifts to two funds, a reversal and a locked period."""
    upgrade(db)
    books = make_books(db)
    for i in range(12):
        give(books, 1_000_000 + i * 10_000, name=f"Nguyễn Văn {i}", on=date(2025, 1 + i % 6, 5),
             fund=books.fund if i % 2 else books.other_fund)
    gift = give(books, 777_000, name="Trần Thị Bé", on=date(2025, 2, 10))
    services.reverse(db, books.org, gift["tx_id"], reason="ghi nhầm", on=date(2025, 2, 11), user="test")
    services.lock_period(db, books.org, date(2025, 3, 31), user="test")
    give(books, 2_500_000, name="Công ty Ánh Dương", on=date(2025, 7, 1))
    return books


# --------------------------------------------------------------------------- while ten writers write


@pytest.mark.parametrize("engine", ENGINES)
def test_backup_while_ten_writers_post_restores_the_snapshot_exactly(engine, tmp_path, targets):
    source = targets(engine, "source").db
    books = some_books(source)
    stop, errors, posted = threading.Event(), [], [0]
    lock = threading.Lock()

    def writer(i: int) -> None:
        k = 0
        while not stop.is_set():
            try:
                give(books, 100_000 + i * 1_000 + k, name=f"Nhà hảo tâm {i}", on=date(2025, 8, 1 + i))
                with lock:
                    posted[0] += 1
            except Exception as e:  # noqa: BLE001
                errors.append(e)
                return
            k += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    while posted[0] < 30 and not errors:
        time.sleep(0.01)
    result = bk.backup(source, tmp_path / "backups", keep=3)
    during = posted[0]
    time.sleep(0.3)  # and the writers go on after the snapshot
    stop.set()
    for t in threads:
        t.join(60)
    assert errors == []
    assert posted[0] > during >= 30  # the backup ran while donations were being posted

    manifest = result.manifest
    snapshot = {h["org"]: (h["seq"], h["hash"]) for h in manifest.heads}
    assert heads_of(source)[books.org][0] > snapshot[books.org][0]  # the source moved on past the snapshot

    target = targets(engine).db
    report = bk.restore(target, result.path)
    assert sorted(report.verified) == sorted(snapshot)
    assert heads_of(target) == snapshot
    assert all(r.ok for r in services.verify(target))
    assert balances_at(target, snapshot) == balances_at(source, snapshot)
    assert balances_at(target, heads_of(target)) == balances_at(source, snapshot)

    # receipts go on from the snapshot's last number: no gap, no number used twice
    numbers = receipt_numbers(target, books.org)
    assert len(numbers) > 30 and numbers == list(range(1, len(numbers) + 1))
    new = give(replace(books, db=target), 3_000_000, name="Sau khôi phục", on=date(2025, 9, 1))
    assert receipt_numbers(target, books.org) == list(range(1, len(numbers) + 2))
    assert new["receipt"].endswith(f"{len(numbers) + 1:07d}")
    assert heads_of(target)[books.org][0] == snapshot[books.org][0] + 1
    assert all(r.ok for r in services.verify(target))


# --------------------------------------------------------------------------- across engines


@pytest.mark.postgres
@pytest.mark.parametrize("source_engine,target_engine", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_a_backup_moves_between_sqlite_and_postgresql(source_engine, target_engine, tmp_path, targets):
    from ledger.ops.demo import load_demo

    source = targets(source_engine, "source").db
    upgrade(source)
    with source.begin() as conn:
        load_demo(conn, user="test")
    services.add_user(source, login="thuquy", name="Nguyễn Thị Mai", password="mật khẩu dài đủ 10",
                      roles=[("SLA", "treasurer")], user="test")
    books = some_books_in(source)
    result = bk.backup(source, tmp_path / "b.tar")
    assert result.manifest.engine == source_engine

    target = targets(target_engine).db
    report = bk.restore(target, result.path)
    assert (report.engine_from, report.engine_to) == (source_engine, target_engine)
    assert heads_of(target) == heads_of(source) == result.manifest.head_map()
    assert all(r.ok for r in services.verify(target))
    every = {org: (10**9, "") for org in heads_of(source)}
    assert balances_at(target, every) == balances_at(source, every)
    for org in ("SLA", "SLA-TCH"):
        assert [f.figures for f in services.fund_balances(target, org)] == \
               [f.figures for f in services.fund_balances(source, org)]
    with source.read() as a, target.read() as b:
        for table in ("donors", "documents", "gold_book_entries", "users", "memberships", "audit_log"):
            t = schema.metadata.tables[table]
            q = sa.select(t).order_by(*t.primary_key.columns)  # typed: dates and booleans read alike on both engines
            assert [tuple(r) for r in a.execute(q)] == [tuple(r) for r in b.execute(q)], table
    # the restored books take new work: ids and numbers go on after the restored ones
    give(replace(books, db=target), 1_234_000, name="Người mới",
         on=date(2025, 12, 1))
    assert all(r.ok for r in services.verify(target))


def some_books_in(db: Database):
    with db.read() as c:
        oid = c.execute(sa.text("SELECT id FROM organizations WHERE code = 'SLA'")).scalar()
        funds = dict(c.execute(sa.text("SELECT code, id FROM funds WHERE org_id = :o"), {"o": oid}).all())
    fund, other = sorted(funds)[:2]
    books = Books(db, oid, "SLA", fund, funds[fund], other, funds[other])
    gift = give(books, 5_000_000, name="<script>alert(1)</script> Lê Văn Ơn", on=date(2025, 11, 2))
    services.reverse(db, "SLA", gift["tx_id"], reason="trả lại", on=date(2025, 11, 3), user="test")
    return books


# --------------------------------------------------------------------------- files a restore refuses


def _rewrite(path: Path, out: Path, change) -> None:  # noqa: ANN001
    """Copy the tar at ``path`` to ``out`` with ``change(name, data) -> data`` applied to each member."""
    with tarfile.open(path) as src, tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as dst:
        for m in src.getmembers():
            data = change(m.name, src.extractfile(m).read())
            info = tarfile.TarInfo(m.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


def _resign(body: dict) -> bytes:
    body.pop("manifest_sha256", None)
    body["manifest_sha256"] = __import__("hashlib").sha256(bk._canonical(body)).hexdigest()
    return json.dumps(body).encode()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_damaged_truncated_or_newer_backup_is_refused_and_nothing_is_written(engine, tmp_path, targets):
    source = targets(engine, "source").db
    some_books(source)
    good = bk.backup(source, tmp_path / "good.tar").path
    size = good.stat().st_size

    flipped = tmp_path / "flipped.tar"
    data = bytearray(good.read_bytes())
    data[700] ^= 0x01  # a byte inside the first payload member
    flipped.write_bytes(bytes(data))

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(good.read_bytes()[: size // 2])

    newer = tmp_path / "newer.tar"
    _rewrite(good, newer, lambda name, data: _resign({**json.loads(data), "schema_revision": "9999"})
             if name == bk.MANIFEST else data)

    edited_manifest = tmp_path / "edited.tar"
    _rewrite(good, edited_manifest, lambda name, data: data.replace(b'"seq": 1', b'"seq": 2', 1)
             if name == bk.MANIFEST else data)

    not_quy = tmp_path / "other.tar"
    _rewrite(good, not_quy, lambda name, data: _resign({**json.loads(data), "format": "something-else"})
             if name == bk.MANIFEST else data)

    target = targets(engine)
    before = table_names(target.db)
    expected = {flipped: "checksum", truncated: "truncated", newer: "schema_revision",
                edited_manifest: "checksum", not_quy: "format"}
    for path, reason in expected.items():
        with pytest.raises(bk.BackupError) as err:
            bk.restore(target.db, path)
        assert err.value.params["reason"] == reason, (path.name, err.value.message)
        assert table_names(target.db) == before  # nothing written to the target
    assert "newer than this version" in _message(target.db, newer)

    # the good file still restores into the same, untouched target
    bk.restore(target.db, good)
    assert heads_of(target.db) == heads_of(source)


def _message(db: Database, path: Path) -> str:
    with pytest.raises(bk.BackupError) as err:
        bk.restore(db, path)
    return err.value.message


@pytest.mark.parametrize("engine", ENGINES)
def test_a_target_with_books_is_refused_unless_forced(engine, tmp_path, targets):
    source = targets(engine, "source").db
    some_books(source)
    result = bk.backup(source, tmp_path / "b.tar")
    target = targets(engine).db
    upgrade(target)
    services.create_organization(target, code="XA", name="Hội Khuyến học tỉnh A", level="province")
    with pytest.raises(bk.BackupError) as err:
        bk.restore(target, result.path)
    assert err.value.params["reason"] == "not_empty"
    assert set(heads_of(target)) == {"XA"}
    bk.restore(target, result.path, force=True)
    assert heads_of(target) == heads_of(source)
    # a freshly initialised schema (`quy init`, no books) counts as empty
    fresh = targets(engine).db
    upgrade(fresh)
    bk.restore(fresh, result.path)
    assert heads_of(fresh) == heads_of(source)


def test_keep_leaves_the_newest_dated_backups(tmp_path, targets):
    source = targets("sqlite", "source").db
    some_books(source)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup")
    made = [bk.backup(source, folder, keep=2).path for _ in range(4)]
    assert sorted(p.name for p in folder.iterdir()) == sorted([made[2].name, made[3].name, "notes.txt"])
    assert all(bk.NAME_PATTERN.match(p.name) for p in made)
    bk.check(made[3])


def test_a_restore_that_fails_verification_leaves_the_target_untouched(tmp_path, targets):
    """A payload whose journal was edited (and its checksums recomputed, so only the chain can tell)."""
    import hashlib
    import sqlite3

    source = targets("sqlite", "source").db
    some_books(source)
    good = bk.backup(source, tmp_path / "good.tar").path
    with tarfile.open(good) as tf:
        payload = tf.extractfile(bk.SQLITE_MEMBER).read()
        manifest = json.loads(tf.extractfile(bk.MANIFEST).read())
    edited = tmp_path / "edited.sqlite3"
    edited.write_bytes(payload)
    with sqlite3.connect(edited) as c:
        c.execute("DROP TRIGGER postings_no_update")
        c.execute("UPDATE postings SET amount = amount + 1000 WHERE id = (SELECT min(id) FROM postings WHERE "
                  "amount > 0)")
        c.execute("UPDATE postings SET amount = amount - 1000 WHERE id = (SELECT min(id) FROM postings WHERE "
                  "amount < 0)")
    c.close()
    data = edited.read_bytes()
    manifest["payload"] = [{"name": bk.SQLITE_MEMBER, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}]
    forged = tmp_path / "forged.tar"
    _rewrite(good, forged, lambda name, d: data if name == bk.SQLITE_MEMBER else _resign(manifest))
    target = targets("sqlite")
    with pytest.raises(bk.BackupError) as err:
        bk.restore(target.db, forged)
    assert err.value.params["reason"] == "verify"
    assert table_names(target.db) == set()


def test_a_sqlite_snapshot_is_written_once_block_aligned_and_a_byte_flipped_inside_it_is_refused(tmp_path, targets):
    """Format 2: the snapshot SQLite's backup API wrote is the tar member itself, its data starting on a
    file-system block (the headers in a block inserted in front), checked in segments of sha256."""
    source = targets("sqlite", "source").db
    some_books(source)
    good = bk.backup(source, tmp_path / "good.tar")
    assert good.manifest.format_version == bk.FORMAT_VERSION == 2
    with tarfile.open(good.path) as tf:
        member = tf.getmember(bk.SQLITE_MEMBER)
        assert [m.name for m in tf.getmembers()] == [bk.SQLITE_MEMBER, bk.MANIFEST]
        payload = tf.extractfile(member).read()
    assert payload.startswith(b"SQLite format 3\0")
    (entry,) = good.manifest.payload
    assert entry["size"] == len(payload) and entry["segment_size"] == bk.SEGMENT
    assert entry["sha256_segments"] == [__import__("hashlib").sha256(payload[i:i + bk.SEGMENT]).hexdigest()
                                        for i in range(0, len(payload), bk.SEGMENT)]
    assert member.offset_data % 4096 == 0
    bk.check(good.path)

    data = bytearray(good.path.read_bytes())
    data[member.offset_data + len(payload) // 2] ^= 0x40
    flipped = tmp_path / "flipped.tar"
    flipped.write_bytes(bytes(data))
    target = targets("sqlite")
    for check in (lambda: bk.check(flipped), lambda: bk.restore(target.db, flipped)):
        with pytest.raises(bk.BackupError) as err:
            check()
        assert err.value.params["reason"] == "checksum"
    assert table_names(target.db) == set()


def test_a_format_1_backup_still_restores(tmp_path, targets):
    """A file written before format 2 (the snapshot behind its header, one sha256 of it) restores as before."""
    import hashlib

    source = targets("sqlite", "source").db
    some_books(source)
    good = bk.backup(source, tmp_path / "good.tar").path
    with tarfile.open(good) as tf:
        payload = tf.extractfile(bk.SQLITE_MEMBER).read()
        manifest = json.loads(tf.extractfile(bk.MANIFEST).read())
    manifest["format_version"] = 1
    manifest["payload"] = [{"name": bk.SQLITE_MEMBER, "size": len(payload),
                            "sha256": hashlib.sha256(payload).hexdigest()}]
    old = tmp_path / "old.tar"
    _rewrite(good, old, lambda name, d: d if name == bk.SQLITE_MEMBER else _resign(manifest))
    assert bk.check(old).manifest.format_version == 1
    target = targets("sqlite")
    report = bk.restore(target.db, old)
    assert heads_of(target.db) == heads_of(source) and report.verified
    manifest["format_version"] = 3
    newer = tmp_path / "newer.tar"
    _rewrite(good, newer, lambda name, d: d if name == bk.SQLITE_MEMBER else _resign(manifest))
    with pytest.raises(bk.BackupError) as err:
        bk.check(newer)
    assert err.value.params["reason"] == "format"


def test_where_no_range_can_be_inserted_the_snapshot_is_copied_in_and_restores_alike(tmp_path, targets, monkeypatch):
    """A file system without FALLOC_FL_INSERT_RANGE (tmpfs, NFS …): the snapshot is moved aside and copied in
    behind its header; the file checks and restores the same, and nothing is left beside it."""
    source = targets("sqlite", "source").db
    some_books(source)
    monkeypatch.setattr(bk, "_insert_lead", lambda f, size: None)
    folder = tmp_path / "out"
    made = bk.backup(source, folder / "b.tar")
    assert sorted(p.name for p in folder.iterdir()) == ["b.tar"]
    with tarfile.open(made.path) as tf:
        assert tf.getmember(bk.SQLITE_MEMBER).offset_data == tarfile.BLOCKSIZE
    assert "sha256" in made.manifest.payload[0]
    bk.check(made.path)
    target = targets("sqlite")
    bk.restore(target.db, made.path)
    assert heads_of(target.db) == heads_of(source)


@pytest.mark.parametrize("engine", ENGINES)
def test_another_applications_tables_are_neither_backed_up_nor_dropped(engine, tmp_path, targets):
    """A table that is not Quỹ's beside its own: the manifest leaves it out and the backup still restores
    (a SQLite snapshot is the whole file, so into SQLite the table comes along; into PostgreSQL only Quỹ's
    tables are loaded), and a target holding one is refused — a wrong QUY_DATABASE_URL must not cost
    someone else's data. On PostgreSQL --force replaces Quỹ's tables and keeps the other; a SQLite
    restore replaces the whole file, so never."""
    source = targets(engine, "source").db
    some_books(source)
    with source.begin() as c:
        c.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total BIGINT)"))
        c.execute(sa.text("INSERT INTO invoices VALUES (1, 100), (2, 200)"))
    path = bk.backup(source, tmp_path / "b.tar").path
    assert "invoices" not in bk.check(path).manifest.tables

    for to in ("sqlite", "postgresql") if engine == "sqlite" else ("postgresql", "sqlite"):
        if to == "postgresql" and not _pg_ok():
            continue
        target = targets(to)
        bk.restore(target.db, path)
        assert heads_of(target.db) == heads_of(source)
        assert ("invoices" in table_names(target.db)) == (engine == to == "sqlite")

    other = targets(engine)
    with other.db.begin() as c:
        c.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total BIGINT)"))
        c.execute(sa.text("INSERT INTO invoices VALUES (1, 100)"))
    with pytest.raises(bk.BackupError) as err:
        bk.restore(other.db, path)
    assert err.value.params["reason"] == "foreign_tables" and err.value.params["tables"] == ["invoices"]
    if engine == "postgresql":
        bk.restore(other.db, path, force=True)
        assert heads_of(other.db) == heads_of(source)
    else:
        with pytest.raises(bk.BackupError):
            bk.restore(other.db, path, force=True)
    with other.db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM invoices")).scalar() == 1


def _pg_ok() -> bool:
    try:
        from tests.conftest import require_pg

        require_pg()
        return True
    except BaseException:  # noqa: BLE001 - pytest.skip is not an Exception
        return False


@pytest.mark.postgres
def test_a_server_writing_dates_day_first_still_backs_up_iso_dates(tmp_path, targets):
    """``DateStyle = 'SQL, DMY'`` on the server (or the role) would write 31/03/2025 in COPY text: the backup
    writes ISO dates whatever the session's style, so SQLite and another server read them back alike."""
    schema = PgSchema()
    try:
        url = schema.url.replace("options=-csearch_path%3D", "options=-cdatestyle%3DSQL,DMY%20-csearch_path%3D")
        source = Database(url)
        upgrade(source)
        some_books(source)
        with source.read() as c:
            assert "/" in c.execute(sa.text("SELECT CAST(max(date) AS text) FROM transactions")).scalar()
        path = bk.backup(source, tmp_path / "dmy.tar").path
        for to in ("sqlite", "postgresql"):
            target = targets(to)
            bk.restore(target.db, path)
            assert heads_of(target.db) == heads_of(source)
            with target.db.read() as c:
                assert str(c.execute(sa.text("SELECT max(date) FROM transactions")).scalar())[4] == "-"
        source.dispose()
    finally:
        schema.drop()


def test_a_crafted_manifest_or_segment_size_is_refused_before_it_costs_memory(tmp_path, targets):
    source = targets("sqlite", "source").db
    some_books(source)
    good = bk.backup(source, tmp_path / "good.tar").path

    huge = tmp_path / "huge.tar"
    _rewrite(good, huge, lambda name, data: data + b" " * (bk.MAX_MANIFEST + 1) if name == bk.MANIFEST else data)
    linked = tmp_path / "linked.tar"
    with tarfile.open(good) as src, tarfile.open(linked, "w", format=tarfile.GNU_FORMAT) as dst:
        for m in src.getmembers():
            if m.name == bk.MANIFEST:
                info = tarfile.TarInfo(bk.MANIFEST)
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                dst.addfile(info)
            else:
                dst.addfile(m, src.extractfile(m))
    tiny = tmp_path / "tiny.tar"

    def one_byte_segments(name, data):  # noqa: ANN001, ANN202
        if name != bk.MANIFEST:
            return data
        body = json.loads(data)
        for p in body["payload"]:
            if "sha256_segments" in p:
                p["segment_size"] = 1
        return _resign(body)

    _rewrite(good, tiny, one_byte_segments)
    for path, reason in ((huge, "checksum"), (linked, "checksum"), (tiny, "checksum")):
        with pytest.raises(bk.BackupError) as err:
            bk.check(path)
        assert err.value.params["reason"] == reason, path.name
