"""Backups that a restore can trust, and restores that never half-happen.

A backup is one uncompressed tar file (``tar tf`` lists it) holding the payload first and
``manifest.json`` last:

* SQLite: ``payload/quy.sqlite3``, a snapshot taken with SQLite's online backup API (never a file copy of
  a live database) while the app keeps writing — since format 2 written straight into the backup file,
  once, with its sha256 per segment (:func:`_backup_sqlite`);
* PostgreSQL: ``payload/<table>.copy`` per table of Quỹ's schema, ``COPY … TO STDOUT`` text, all read in one
  ``REPEATABLE READ`` snapshot (what ``pg_dump`` does) while the app keeps writing.

The manifest names the format and its version, the schema revision, each table's columns and rows, every
organization's journal head digest (last sequence number and hash), and each payload member's size and
sha256; it carries a sha256 of itself. The file is written under a temporary name beside the final one,
flushed to disk, and renamed only when complete: a backup killed half-way leaves no file under the final
name, and whatever was there before stays.

A restore reads the whole file first and refuses it — before touching the target — if the format is not
one it knows, a checksum or size does not match (a flipped byte, a truncated file), or the schema revision
is newer than this version of Quỹ knows. It then loads into an empty database of either engine (a commune's
SQLite file can move to the province's PostgreSQL and back), brings the schema to the newest revision,
checks every table's row count, verifies every hash chain, cached balance and document series, and compares
every head digest with the manifest; only then is the target changed, all at once: on PostgreSQL one
transaction, on SQLite a finished file copied in with the online backup API.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from .. import orgs
from .. import schema as s
from ..config import load
from ..db import Database
from ..errors import LedgerError
from ..migrate import MIGRATIONS, alembic_config, current_revision, head_revision, upgrade
from ..services import verify_on

FORMAT = "quy-backup"
#: Version 2: a SQLite snapshot is written once, by SQLite's backup API straight into the backup file,
#: its member's data aligned to a file-system block behind a pax padding header (see :func:`_backup_sqlite`).
#: The container is the same tar, so version 1 files are read exactly as before.
FORMAT_VERSION = 2
READS_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
SQLITE_MEMBER = "payload/quy.sqlite3"
CHUNK = 1 << 20
HASH_CHUNK = 4 << 20  # sha256 over big chunks: fewer calls, each releasing the GIL
#: Since format version 2 a SQLite snapshot carries one sha256 per segment of this size, so that writing
#: and checking it hash in parallel.
SEGMENT = 32 << 20
#: The smallest segment a manifest may give (a file written with another size is checked segment by
#: segment; a tiny size would have it hashed byte by byte), and the largest manifest read.
MIN_SEGMENT = 1 << 20
MAX_MANIFEST = 16 << 20
#: The name ``quy backup --out DIR`` gives each file, and the pattern ``--keep`` prunes by.
NAME_PATTERN = re.compile(r"^quy-backup-\d{8}T\d{6}(\d{6})?Z\.tar$")


class BackupError(LedgerError, code="backup_refused", status=422):
    """A backup that cannot be made, or a file a restore refuses."""


def _refuse(reason: str, message: str, **params) -> BackupError:
    return BackupError(message, reason=reason, **params)


@dataclass
class Manifest:
    engine: str
    schema_revision: str
    created_at: str
    tables: dict[str, dict]
    heads: list[dict]
    payload: list[dict] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION
    quy_version: str = ""

    def as_json(self) -> bytes:
        body = {"format": self.format, "format_version": self.format_version, "quy_version": self.quy_version,
                "created_at": self.created_at, "engine": self.engine, "schema_revision": self.schema_revision,
                "payload": self.payload, "tables": self.tables, "heads": self.heads}
        body["manifest_sha256"] = hashlib.sha256(_canonical(body)).hexdigest()
        return json.dumps(body, ensure_ascii=False, indent=1).encode()

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _refuse("manifest", "the backup's manifest is damaged (not valid JSON)") from None
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise _refuse("format", "this file is not a Quỹ backup")
        if body.get("format_version") not in READS_VERSIONS:
            raise _refuse("format", f"backup format version {body.get('format_version')!r} is not one this "
                                    f"version of Quỹ reads (it reads {', '.join(map(str, READS_VERSIONS))})")
        claimed = body.pop("manifest_sha256", None)
        if claimed != hashlib.sha256(_canonical(body)).hexdigest():
            raise _refuse("checksum", "the backup's manifest does not match its checksum: the file is damaged")
        for p in body.get("payload") or []:
            if not (isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("size"), int)
                    and (isinstance(p.get("sha256"), str) or isinstance(p.get("sha256_segments"), list))):
                raise _refuse("manifest", "the backup's manifest describes a payload member without its checksum")
        try:
            return cls(engine=body["engine"], schema_revision=body["schema_revision"],
                       created_at=body["created_at"], tables=body["tables"], heads=body["heads"],
                       payload=body["payload"], quy_version=body.get("quy_version", ""),
                       format_version=body["format_version"])
        except KeyError as e:
            raise _refuse("manifest", f"the backup's manifest lacks {e.args[0]}") from None

    def head_map(self) -> dict[str, tuple[int, str]]:
        return {h["org"]: (h["seq"], h["hash"]) for h in self.heads}


def _canonical(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _quy_version() -> str:
    try:
        return version("quy")
    except PackageNotFoundError:
        return ""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- writing the tar file


class _TarOut:
    """A GNU tar written straight to a file: every header is one 512-byte block (GNU encodes large sizes
    in place), so a member of unknown length is written behind a placeholder header that is filled in
    once its size is known — the payload is written once, hashed as it goes."""

    def __init__(self, f) -> None:  # noqa: ANN001
        self.f = f

    def _header(self, name: str, size: int) -> bytes:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, 0
        buf = info.tobuf(format=tarfile.GNU_FORMAT)
        assert len(buf) == tarfile.BLOCKSIZE
        return buf

    def add(self, name: str, chunks: Iterable[bytes]) -> dict:
        start = self.f.tell()
        self.f.write(b"\0" * tarfile.BLOCKSIZE)
        digest, size = hashlib.sha256(), 0
        for chunk in chunks:
            digest.update(chunk)
            self.f.write(chunk)
            size += len(chunk)
        pad = -size % tarfile.BLOCKSIZE
        self.f.write(b"\0" * pad)
        end = self.f.tell()
        self.f.seek(start)
        self.f.write(self._header(name, size))
        self.f.seek(end)
        return {"name": name, "size": size, "sha256": digest.hexdigest()}

    def close(self) -> None:
        self.f.write(b"\0" * (2 * tarfile.BLOCKSIZE))


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


def _partial_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.partial")


def _sweep_partials(folder: Path) -> None:
    """Remove what a killed backup or restore left behind (its process is gone); a running one's stays."""
    for p in [*folder.glob(".*.partial"), *folder.glob(".*.partial-*"), *folder.glob(".quy-backup-*"),
              *folder.glob(".quy-restore-*")]:
        m = (re.search(r"\.(\d+)\.partial(?:-journal|-wal|-shm)?$", p.name)
             or re.match(r"^\.quy-(?:backup|restore)-(\d+)-", p.name))
        if not m:
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            with suppress(OSError):
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        except OSError:
            continue


@dataclass
class BackupResult:
    path: Path
    manifest: Manifest
    size: int
    removed: list[Path] = field(default_factory=list)


def default_dir() -> Path:
    """Where backups go unless told: ``QUY_BACKUP_DIR``, else ``backups`` in the instance folder."""
    return load().backup_dir


def default_name(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"quy-backup-{now.strftime('%Y%m%dT%H%M%S%f')}Z.tar"


def backup(db: Database, out: str | os.PathLike, *, keep: int | None = None) -> BackupResult:
    """Snapshot ``db`` into ``out`` (a file named ``….tar``; any other path is a folder to get a dated
    ``quy-backup-…Z.tar`` in) and return the result.

    With ``keep``, only the newest ``keep`` dated backups in the folder are kept afterwards.
    """
    as_folder = str(out).endswith(os.sep) or not str(out).endswith(".tar")
    out = Path(out)
    if as_folder or out.is_dir():
        out.mkdir(parents=True, exist_ok=True)
        final = out / default_name()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        final = out
    _sweep_partials(final.parent)
    partial = _partial_name(final)
    try:
        if db.dialect == "sqlite":
            manifest = _backup_sqlite(db, partial)
        elif db.dialect == "postgresql":
            with open(partial, "wb") as f:
                tar = _TarOut(f)
                manifest = _backup_postgresql(db, tar)
                _finish_tar(f, tar, manifest)
        else:
            raise _refuse("engine", f"cannot back up a {db.dialect} database")
        os.replace(partial, final)
        _fsync_dir(final.parent)
    except BaseException:
        for leftover in (partial, *(partial.with_name(partial.name + x) for x in ("-journal", "-wal", "-shm"))):
            with suppress(OSError):
                leftover.unlink()
        raise
    removed = prune(final.parent, keep) if keep else []
    return BackupResult(final, manifest, final.stat().st_size, removed)


def _finish_tar(f, tar: _TarOut, manifest: Manifest) -> None:  # noqa: ANN001
    """The manifest last, the end-of-archive blocks, and every byte on disk."""
    tar.add(MANIFEST, [manifest.as_json()])
    tar.close()
    f.flush()
    os.fsync(f.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` dated backups (``quy-backup-…Z.tar``) in ``folder``."""
    if keep < 1:
        raise _refuse("keep", "--keep must be at least 1")
    dated = sorted(p for p in folder.iterdir() if NAME_PATTERN.match(p.name))
    gone = dated[:-keep]
    for p in gone:
        p.unlink()
    return gone


def _sqlite_path(db: Database) -> Path:
    path = db.engine.url.database
    if not path or path == ":memory:":
        raise _refuse("engine", "an in-memory database has nothing to back up")
    return Path(path)


def _backup_sqlite(db: Database, partial: Path) -> Manifest:
    """Snapshot the database with SQLite's online backup API straight into ``partial``, then make that file
    the tar: room for the headers is inserted in front of the snapshot (``FALLOC_FL_INSERT_RANGE``, one
    file-system block: a pax header whose comment pads it, then the member's own header) — the snapshot
    hashed just before, while it is in the page cache — and the manifest appended. The snapshot is written
    once. Where the file system cannot insert a range, the snapshot is moved aside and copied in behind its
    header (version 1's way)."""
    src_path = _sqlite_path(db)
    if not src_path.exists():
        raise _refuse("missing", f"there is no database at {src_path}")
    with closing(sqlite3.connect(src_path, timeout=30)) as src, closing(sqlite3.connect(partial)) as dst:
        src.execute("PRAGMA busy_timeout=30000")
        dst.execute("PRAGMA synchronous=OFF")  # the finished backup file is fsync'd once, whole
        src.backup(dst)  # one step: a consistent snapshot; writers in WAL mode carry on meanwhile
        dst.execute("PRAGMA journal_mode=DELETE")  # the payload is one self-contained file
        manifest = _describe_sqlite(dst)
    with open(partial, "r+b") as f:
        size = os.fstat(f.fileno()).st_size
        # hashed while the snapshot is still in the page cache: inserting the lead block drops the file's
        # cached pages (the kernel writes them back and shifts the extents), and reading it again after
        # would go to the disk; what moves is the same bytes, and a restore hashes them where they end up
        digests = _segment_digests(f.fileno(), 0, size)
        lead = _insert_lead(f, size)
        if lead is None:
            f.close()
            aside = partial.with_name(f".quy-backup-{os.getpid()}-snapshot")
            os.replace(partial, aside)
            try:
                with open(partial, "wb") as out:
                    tar = _TarOut(out)
                    manifest.payload.append(tar.add(SQLITE_MEMBER, _file_chunks(aside)))
                    _finish_tar(out, tar, manifest)
            finally:
                aside.unlink(missing_ok=True)
            return manifest
        manifest.payload.append({"name": SQLITE_MEMBER, "size": size, "segment_size": SEGMENT,
                                 "sha256_segments": digests})
        f.seek(0, os.SEEK_END)
        _finish_tar(f, _TarOut(f), manifest)
    return manifest


_FALLOC_FL_INSERT_RANGE = 0x20


def _insert_lead(f, size: int) -> int | None:  # noqa: ANN001
    """Insert one file-system block at the start of ``f`` (its ``size`` bytes of snapshot move up by it)
    and write there the tar headers of the snapshot's member; return the block's length, or None (nothing
    changed) where the file system or platform cannot insert a range."""
    if not sys.platform.startswith("linux") or size % tarfile.BLOCKSIZE:
        return None
    lead = os.fstatvfs(f.fileno()).f_bsize
    if lead < 4 * tarfile.BLOCKSIZE or lead % tarfile.BLOCKSIZE:
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fallocate = libc.fallocate
    except (OSError, AttributeError):
        return None
    fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fallocate.restype = ctypes.c_int
    if fallocate(f.fileno(), _FALLOC_FL_INSERT_RANGE, 0, lead) != 0:
        return None
    f.seek(0)
    f.write(_lead_headers(lead, size))
    f.flush()
    return lead


def _lead_headers(lead: int, size: int) -> bytes:
    """``lead`` bytes of tar: a pax extended header whose only record is a comment padding it out, then the
    header of the snapshot's member (``size`` bytes, starting right after)."""
    room = lead - 3 * tarfile.BLOCKSIZE  # the pax header block, its data, the member's header block
    room += tarfile.BLOCKSIZE  # the pax data fills exactly the blocks between the two headers
    body = "comment="
    filler = room - len(body) - 2  # space and newline
    record = f"{room} {body}{'.' * (filler - len(str(room)))}\n".encode()
    assert len(record) == room
    pax = tarfile.TarInfo("././@PaxHeader")
    pax.type, pax.size, pax.mode, pax.mtime = tarfile.XHDTYPE, room, 0o600, 0
    out = pax.tobuf(format=tarfile.USTAR_FORMAT) + record + _TarOut(None)._header(SQLITE_MEMBER, size)
    assert len(out) == lead
    return out


def _is_padding(pax: dict) -> bool:
    """The only pax header a Quỹ backup has: the comment of dots :func:`_lead_headers` pads with."""
    return set(pax) == {"comment"} and not pax["comment"].strip(".")


def _segment_digests(fd: int, start: int, size: int, *, copy_to: int | None = None) -> list[str]:
    """The sha256 of each ``SEGMENT`` bytes of the ``size`` bytes at ``start`` in file ``fd``, computed in
    parallel threads (hashlib and the reads let go of the GIL). With ``copy_to``, each segment is first
    copied there (to offset 0 onwards, in the kernel) and the copy is what gets hashed."""
    count = max(1, -(-size // SEGMENT))

    def one(i: int) -> str:
        at, n = i * SEGMENT, min(SEGMENT, size - i * SEGMENT)
        if copy_to is not None:
            _copy_range(fd, start + at, copy_to, at, n)
            return _hash_span(copy_to, at, n)
        return _hash_span(fd, start + at, n)

    with ThreadPoolExecutor(min(count, os.cpu_count() or 1)) as pool:
        return list(pool.map(one, range(count)))


def _hash_span(fd: int, at: int, n: int, digest=None):  # noqa: ANN001
    """sha256 of ``n`` bytes of ``fd`` from ``at`` (read in big chunks into one buffer); the hex digest, or
    the updated ``digest`` object when one is given."""
    own = digest is None
    digest = hashlib.sha256() if own else digest
    view = memoryview(bytearray(min(HASH_CHUNK, max(n, 1))))
    while n:
        k = os.preadv(fd, [view[:min(n, len(view))]], at)
        if k <= 0:
            raise _refuse("truncated", "the backup ended before its member did: the file is truncated")
        digest.update(view[:k])
        at, n = at + k, n - k
    return digest.hexdigest() if own else digest


def _copy_range(src: int, at: int, dst: int, to: int, n: int) -> None:
    """Copy ``n`` bytes of ``src`` from ``at`` to ``dst`` at ``to``: in the kernel where it can, else read
    and written through a buffer."""
    while n:
        try:
            k = os.copy_file_range(src, dst, n, at, to)
        except (OSError, AttributeError):
            k = -1
        if k < 0:  # not across these file systems (or not on this platform): by hand
            view = memoryview(bytearray(min(HASH_CHUNK, n)))
            k = os.preadv(src, [view[:min(n, len(view))]], at)
            if k > 0:
                os.pwrite(dst, view[:k], to)
        if k <= 0:
            raise _refuse("truncated", "the backup ended before its member did: the file is truncated")
        at, to, n = at + k, to + k, n - k


def _member_matches(fd: int, offset: int, want: dict, *, copy_to: int | None = None) -> bool:
    """Whether the member at ``offset`` of ``fd`` has the size and checksum(s) ``want`` (a manifest's
    payload entry: one sha256 of the whole, or since version 2 one per segment). With ``copy_to`` it is
    copied there first and the copy is checked."""
    size = want["size"]
    if "sha256_segments" in want:
        if want.get("segment_size") != SEGMENT:
            return _segment_digests_sized(fd, offset, size, want, copy_to)
        return _segment_digests(fd, offset, size, copy_to=copy_to) == want["sha256_segments"]
    if copy_to is not None:
        _copy_range(fd, offset, copy_to, 0, size)
        fd, offset = copy_to, 0
    return _hash_span(fd, offset, size) == want["sha256"]


def _segment_digests_sized(fd: int, offset: int, size: int, want: dict, copy_to: int | None) -> bool:
    """A file written with another segment size: checked one segment after another."""
    seg = want.get("segment_size")
    segments = want.get("sha256_segments")
    # a manifest's word is checked before it is acted on: a tiny segment size would hash byte by byte
    if (not isinstance(seg, int) or isinstance(seg, bool) or seg < MIN_SEGMENT or not isinstance(segments, list)
            or len(segments) != max(1, -(-size // seg))):
        return False
    if copy_to is not None:
        _copy_range(fd, offset, copy_to, 0, size)
        fd, offset = copy_to, 0
    return all(_hash_span(fd, offset + at, min(seg, size - at)) == segments[i]
               for i, at in enumerate(range(0, max(size, 1), seg)))


def quy_tables() -> frozenset[str]:
    """The names of Quỹ's tables (its schema's, and Alembic's revision table): a backup holds these, a
    restore replaces these, and any other table in the target is someone else's."""
    return frozenset(s.metadata.tables) | {"alembic_version"}


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if r[0] in quy_tables()]


def _describe_sqlite(conn: sqlite3.Connection) -> Manifest:
    tables = {}
    names = _sqlite_tables(conn)
    if "alembic_version" not in names or "chain_heads" not in names:
        raise _refuse("empty", "the database has no Quỹ schema (run quy init)")
    for t in names:
        if t == "alembic_version":
            continue
        cols = [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')]
        rows = conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        tables[t] = {"rows": rows, "columns": cols}
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    heads = [{"org": code, "seq": seq, "hash": h} for code, seq, h in conn.execute(
        "SELECT o.code, h.last_seq, h.last_hash FROM chain_heads h JOIN organizations o ON o.id = h.org_id "
        "ORDER BY o.code")]
    return Manifest(engine="sqlite", schema_revision=revision[0] if revision else "", created_at=_now(),
                    tables=tables, heads=heads, quy_version=_quy_version())


def _pg_tables(cur) -> list[str]:  # noqa: ANN001
    """Quỹ's tables in the current schema (another application's beside them are neither backed up nor
    dropped)."""
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [r[0] for r in cur.fetchall() if r[0] in quy_tables()]


def foreign_tables(db: Database) -> list[str]:
    """Tables in ``db`` (its current schema) that are not Quỹ's."""
    return sorted(set(sa.inspect(db.engine).get_table_names()) - quy_tables())


def _pg_columns(cur, table: str) -> list[str]:  # noqa: ANN001
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position", (table,))
    return [r[0] for r in cur.fetchall()]


def _copy_settings(cur) -> None:  # noqa: ANN001
    """COPY text as ``pg_dump`` writes it whatever the server's, database's or role's settings: ISO dates
    (``DateStyle = 'SQL, DMY'`` would write 31/03/2025, which neither SQLite nor another server reads
    back alike), UTF-8, every digit of a float. For this transaction only."""
    cur.execute("SELECT set_config('datestyle', 'ISO, YMD', true), set_config('intervalstyle', 'postgres', true), "
                "set_config('client_encoding', 'UTF8', true), set_config('extra_float_digits', '3', true)")


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise _refuse("manifest", f"unexpected table or column name {name!r}")
    return f'"{name}"'


def _backup_postgresql(db: Database, tar: _TarOut) -> Manifest:
    with db.read() as conn:  # REPEATABLE READ READ ONLY: every table as of one moment
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            _copy_settings(cur)
            names = _pg_tables(cur)
            if "alembic_version" not in names or "chain_heads" not in names:
                raise _refuse("empty", "the database has no Quỹ schema (run quy init)")
            cur.execute("SELECT version_num FROM alembic_version")
            revision = (cur.fetchone() or [""])[0]
            cur.execute("SELECT o.code, h.last_seq, h.last_hash FROM chain_heads h "
                        "JOIN organizations o ON o.id = h.org_id ORDER BY o.code")
            heads = [{"org": code, "seq": seq, "hash": h} for code, seq, h in cur.fetchall()]
            tables, payload = {}, []
            for t in names:
                if t == "alembic_version":
                    continue
                cols = _pg_columns(cur, t)
                counter = {"rows": 0}

                def chunks(t=t, cols=cols, counter=counter) -> Iterator[bytes]:
                    with cur.copy(f"COPY {_ident(t)} ({', '.join(map(_ident, cols))}) TO STDOUT") as copy:
                        for block in copy:
                            block = bytes(block)
                            counter["rows"] += block.count(b"\n")  # COPY escapes newlines inside values
                            yield block

                payload.append(tar.add(f"payload/{t}.copy", chunks()))
                tables[t] = {"rows": counter["rows"], "columns": cols}
    return Manifest(engine="postgresql", schema_revision=revision, created_at=_now(), tables=tables,
                    heads=heads, payload=payload, quy_version=_quy_version())


# --------------------------------------------------------------------------- reading and checking a file


@dataclass
class Checked:
    """A backup file whose every byte has been checked against its manifest."""

    path: Path
    manifest: Manifest
    members: dict[str, tarfile.TarInfo]


def check(path: str | os.PathLike, *, hashes: bool = True) -> Checked:
    """Read the whole file and refuse it unless every payload member has the size and sha256 the manifest
    (itself checksummed) gives, and the schema revision is one this version of Quỹ knows.

    With ``hashes=False`` only the manifest, the members' sizes and the file's length are checked here: a
    restore hashes each member as it loads it (one pass over the file, not two) and refuses it there,
    before anything is committed to the target."""
    path = Path(path)
    if not path.is_file():
        raise _refuse("missing", f"no backup file at {path}")
    try:
        with tarfile.open(path, "r:") as tf:
            members = {m.name: m for m in tf.getmembers()}
            if MANIFEST not in members:
                raise _refuse("truncated", "the backup has no manifest: the file is truncated or not a Quỹ backup")
            head = members[MANIFEST]
            if (not head.isreg() or head.issparse() or head.size > MAX_MANIFEST
                    or head.offset_data + head.size > path.stat().st_size):
                raise _refuse("checksum", "the backup's manifest is not a plain file of its stated size: the file is "
                                          "damaged or not a Quỹ backup", member=MANIFEST)
            manifest = Manifest.parse(tf.extractfile(head).read(MAX_MANIFEST))
            for m in members.values():
                if m.pax_headers and not _is_padding(m.pax_headers):
                    raise _refuse("checksum", f"the header of {m.name} in the backup is damaged", member=m.name)
            expected = {p["name"]: p for p in manifest.payload}
            if set(expected) != set(members) - {MANIFEST}:
                raise _refuse("checksum", "the backup's contents do not match its manifest")
            length = path.stat().st_size
            for name, want in expected.items():
                m = members[name]
                if not m.isreg() or m.issparse():
                    raise _refuse("checksum", f"{name} in the backup is not a plain file", member=name)
                if m.size != want["size"] or m.offset_data + m.size > length:
                    raise _refuse("truncated" if m.offset_data + m.size > length else "checksum",
                                  f"{name} in the backup is not the size its manifest gives: the file is truncated "
                                  "or damaged", member=name)
                if not hashes:
                    continue
                with open(path, "rb") as raw:
                    ok = _member_matches(raw.fileno(), m.offset_data, want)
                if not ok:
                    raise _refuse("checksum", f"{name} in the backup does not match its checksum: the file is "
                                              "damaged", member=name)
    except (tarfile.TarError, EOFError, OSError) as e:
        raise _refuse("truncated", f"the backup cannot be read ({e}): the file is truncated or damaged") from None
    _check_revision(manifest.schema_revision)
    return Checked(path, manifest, members)


def _check_revision(revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(cfg)
    try:
        known = script.get_revision(revision) is not None
    except (CommandError, KeyError, ValueError):
        known = False
    if not known:
        raise _refuse("schema_revision", f"the backup's schema revision {revision!r} is newer than this version "
                                         f"of Quỹ knows (newest: {script.get_current_head()}); upgrade Quỹ "
                                         "first", revision=revision)


# --------------------------------------------------------------------------- restoring


@dataclass
class RestoreReport:
    engine_from: str
    engine_to: str
    schema_revision: str
    upgraded_to: str
    tables: int
    rows: int
    heads: list[dict]
    verified: list[str]
    seconds: dict[str, float] = field(default_factory=dict)


class _Ticker:
    """Seconds spent in each phase of a restore (checking, loading, verifying …), for the report."""

    def __init__(self) -> None:
        self._clock = time.perf_counter
        self.last = self._clock()
        self.seconds: dict[str, float] = {}

    def __call__(self, phase: str) -> None:
        now = self._clock()
        self.seconds[phase] = round(self.seconds.get(phase, 0.0) + now - self.last, 3)
        self.last = now


def is_empty(db: Database) -> bool:
    """No Quỹ tables at all, or a schema with no organization and no user in it (just ``quy init``)."""
    if db.dialect == "sqlite" and _sqlite_absent(_sqlite_path(db)):
        return True  # nothing there: not even an empty file made by looking
    names = set(sa.inspect(db.engine).get_table_names())
    if not names:
        return True
    with db.engine.connect() as conn:
        for t in ("organizations", "users", "transactions"):
            if t in names and conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar():
                return False
    return True


def restore(db: Database, path: str | os.PathLike, *, force: bool = False,
            progress: Callable[[str], None] | None = None) -> RestoreReport:
    """Restore the backup at ``path`` into ``db``, which must be empty unless ``force`` (then replaced).

    Nothing in ``db`` changes unless the file checks out, every table has the rows the manifest counts,
    every chain verifies and every head digest equals the manifest's.
    """
    say = progress or (lambda _msg: None)
    tick = _Ticker()
    checked = check(path, hashes=False)  # each member's sha256 is checked as it is loaded
    tick("check")
    say(f"checked: {checked.manifest.engine} backup at schema revision {checked.manifest.schema_revision}, "
        f"{len(checked.manifest.heads)} journals")
    if db.dialect == "sqlite" and not _sqlite_absent(_sqlite_path(db)) or db.dialect == "postgresql":
        others = foreign_tables(db)
        if others and (db.dialect == "sqlite" or not force):
            # a SQLite restore replaces the whole file; on PostgreSQL --force replaces Quỹ's tables only
            named = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            how = "" if db.dialect == "sqlite" else " (or keep them and replace Quỹ's with --force)"
            raise _refuse("foreign_tables", f"the target database has tables that are not Quỹ's ({named}): is it the "
                                            f"right database? Restore into an empty one{how}", tables=others[:20])
    if not force and not is_empty(db):
        raise _refuse("not_empty", "the target database already has books; restore into an empty one "
                                   "(or replace it with --force)")
    if db.dialect not in ("sqlite", "postgresql"):
        raise _refuse("engine", f"cannot restore into a {db.dialect} database")
    try:
        if db.dialect == "sqlite":
            report = _restore_into_sqlite(db, checked, say, tick)
        else:
            report = _restore_into_postgresql(db, checked, say, tick)
    except BackupError:
        raise
    except Exception:
        check(path)  # a damaged member fails the load somewhere: name the damage rather than its symptom
        raise
    tick("commit")
    report.seconds = tick.seconds
    return report


def _sqlite_absent(path: Path) -> bool:
    """No database file, or an empty one (a connection opened on a path that did not exist) without a
    write-ahead log holding anything (in WAL mode a new database's first pages may sit only there)."""
    wal = path.with_name(path.name + "-wal")
    return ((not path.exists() or path.stat().st_size == 0)
            and (not wal.exists() or wal.stat().st_size == 0))


def _types_sqlite(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    return {r[1]: (r[2] or "").upper() for r in conn.execute(f'PRAGMA table_info("{table}")')}


_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))")


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value

    def one(m: re.Match) -> str:
        if m.group(1):
            return chr(int(m.group(1), 8))
        if m.group(2):
            return chr(int(m.group(2), 16))
        return _COPY_ESCAPES.get(m.group(3), m.group(3))

    return _ESCAPE_RE.sub(one, value)


def _copy_rows(stream, types: list[str]) -> Iterator[tuple]:  # noqa: ANN001
    """Rows of PostgreSQL ``COPY`` text, as the Python values SQLite stores for those column types."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="\n")
    for line in text:
        fields = line[:-1].split("\t") if line.endswith("\n") else line.split("\t")
        row = []
        for value, kind in zip(fields, types, strict=True):
            if value == "\\N":
                row.append(None)
            elif "BOOL" in kind:
                row.append(1 if value == "t" else 0)
            elif "INT" in kind:
                row.append(int(value))
            else:
                row.append(_unescape(value))
        yield tuple(row)


def _scratch_near(backup_file: Path) -> Path:
    """Where a SQLite snapshot is unpacked to be loaded into PostgreSQL: beside the backup (a disk that held
    it has room for it) when that folder may be written, else a folder of Quỹ's own under the temporary
    folder (never the temporary folder itself, whose other files are not Quỹ's to sweep)."""
    folder = backup_file.resolve().parent
    if not os.access(folder, os.W_OK):
        folder = Path(tempfile.gettempdir()) / f"quy-restore-{os.getuid()}"
        folder.mkdir(mode=0o700, exist_ok=True)
    return folder / "x"


@contextmanager
def _scratch_sqlite(near: Path) -> Iterator[Path]:
    near.parent.mkdir(parents=True, exist_ok=True)
    _sweep_partials(near.parent)
    with tempfile.TemporaryDirectory(dir=near.parent, prefix=f".quy-restore-{os.getpid()}-") as tmp:
        yield Path(tmp) / "restore.sqlite3"


def _restore_into_sqlite(db: Database, checked: Checked, say, tick: _Ticker) -> RestoreReport:  # noqa: ANN001
    target = _sqlite_path(db)
    m = checked.manifest
    with _scratch_sqlite(target) as scratch:
        with tarfile.open(checked.path, "r:") as tf:
            if m.engine == "sqlite":
                _extract(tf, checked, SQLITE_MEMBER, scratch)
            else:
                scratch_db = Database(f"sqlite:///{scratch}")
                try:
                    upgrade(scratch_db, m.schema_revision)
                finally:
                    scratch_db.dispose()
                with closing(sqlite3.connect(scratch, isolation_level=None)) as conn:
                    _load_copy_into_sqlite(conn, tf, checked, say)
        tick("load")
        scratch_db = Database(f"sqlite:///{scratch}")
        try:
            report = _finish(scratch_db, m, say, engine_to="sqlite", tick=tick)
        finally:
            scratch_db.dispose()
        db.engine.dispose()
        if _sqlite_absent(target):
            for extra in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
                extra.unlink(missing_ok=True)  # an empty file's leftovers, never a live journal of books
            os.replace(scratch, target)  # a new file: the verified books take its name in one step
            _fsync_dir(target.parent)
        else:
            with closing(sqlite3.connect(scratch)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
                src.backup(dst)  # the target changes here, in one step, and only with verified books
    db.engine.dispose()
    return report


class _Hashed(io.RawIOBase):
    """A payload member read through sha256: :meth:`verify` (at its end) refuses it if it is not the
    member the manifest describes."""

    def __init__(self, raw, name: str, want: str) -> None:  # noqa: ANN001
        self.raw, self.name, self.want, self.digest = raw, name, want, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001
        n = self.raw.readinto(b)
        if n:
            self.digest.update(memoryview(b)[:n])
        return n

    def verify(self) -> None:
        if self.digest.hexdigest() != self.want:
            raise _refuse("checksum", f"{self.name} in the backup does not match its checksum: the file is damaged",
                          member=self.name)


def _member(tf: tarfile.TarFile, checked: Checked, name: str) -> _Hashed:
    want = next(p for p in checked.manifest.payload if p["name"] == name)
    return _Hashed(tf.extractfile(checked.members[name]), name, want["sha256"])


def _extract(tf: tarfile.TarFile, checked: Checked, name: str, out_path: Path) -> None:
    """Write member ``name`` to ``out_path`` (copied in the kernel, segments in parallel) and check the
    sha256 of what was written (the backup could have changed since it was checked)."""
    want = next(p for p in checked.manifest.payload if p["name"] == name)
    with open(checked.path, "rb") as src, open(out_path, "w+b") as out:
        ok = _member_matches(src.fileno(), checked.members[name].offset_data, want, copy_to=out.fileno())
    if not ok:
        raise _refuse("checksum", f"{name} in the backup changed while it was being restored", member=name)


def _load_copy_into_sqlite(conn: sqlite3.Connection, tf: tarfile.TarFile, checked: Checked, say) -> None:  # noqa: ANN001
    """Load PostgreSQL COPY members into the scratch SQLite file at the backup's revision. The guards'
    triggers are set aside while loading (the rows come in table order, not the order the triggers expect
    of new postings) and put back in the same transaction; the chains are verified afterwards."""
    conn.execute("PRAGMA foreign_keys=OFF")
    conn.execute("BEGIN")
    triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    present = set(_sqlite_tables(conn))
    for t, info in checked.manifest.tables.items():
        if t not in present:
            raise _refuse("schema", f"table {t} of the backup is not in the schema at its revision")
        types = _types_sqlite(conn, t)
        cols = info["columns"]
        missing = [c for c in cols if c not in types]
        if missing:
            raise _refuse("schema", f"columns {missing} of {t} are not in the schema at its revision")
        conn.execute(f'DELETE FROM "{t}"')  # what a migration seeded (the legal regimes): the backup's rows replace it
        sql = f'INSERT INTO "{t}" ({", ".join(map(_ident, cols))}) VALUES ({", ".join("?" * len(cols))})'
        src = _member(tf, checked, f"payload/{t}.copy")
        rows = _copy_rows(io.BufferedReader(src, CHUNK), [types[c] for c in cols])
        while batch := _take(rows, 5000):
            conn.executemany(sql, batch)
        src.verify()
        say(f"loaded {t}: {info['rows']} rows")
    for _name, sql in triggers:
        conn.execute(sql)
    conn.execute("COMMIT")
    conn.execute("PRAGMA foreign_keys=ON")
    bad = conn.execute("PRAGMA foreign_key_check").fetchall()
    if bad:
        raise _refuse("foreign_keys", f"the backup's rows break {len(bad)} references, e.g. {bad[0]}")


def _take(rows: Iterator[tuple], n: int) -> list[tuple]:
    out = []
    for row in rows:
        out.append(row)
        if len(out) == n:
            break
    return out


def _finish(db: Database, m: Manifest, say, *, engine_to: str, tick: _Ticker,  # noqa: ANN001
            conn: sa.Connection | None = None) -> RestoreReport:
    """Check row counts at the backup's revision, migrate to the newest, verify, compare heads."""
    def counts(c: sa.Connection) -> int:
        total = 0
        for t, info in m.tables.items():
            n = c.exec_driver_sql(f"SELECT count(*) FROM {_ident(t)}").scalar()
            if n != info["rows"]:
                raise _refuse("rows", f"table {t} has {n} rows after loading, the backup counted {info['rows']}",
                              table=t)
            total += n
        return total

    if conn is None:
        with db.engine.connect() as c:
            rows = counts(c)
        tick("count")
        if current_revision(db) != head_revision(db):
            say(f"migrating from {m.schema_revision} to {head_revision(db)}")
            upgrade(db)
            tick("migrate")
        with db.read() as c:
            verified = _verify(c, m)
        head = head_revision(db)
    else:
        rows = counts(conn)
        tick("count")
        head = head_revision(db)
        if m.schema_revision != head:
            say(f"migrating from {m.schema_revision} to {head}")
            _upgrade_on(conn, db)
            tick("migrate")
        conn.exec_driver_sql("ANALYZE")  # statistics of the rows just loaded, for verifying's plans
        verified = _verify(conn, m)
    tick("verify")
    say(f"verified {len(verified)} journals; every head digest equals the manifest's")
    return RestoreReport(m.engine, engine_to, m.schema_revision, head, len(m.tables), rows, m.heads, verified)


def _verify(conn: sa.Connection, m: Manifest) -> list[str]:
    want = m.head_map()
    reports = verify_on(conn, [o.id for o in orgs.list_organizations(conn)], parallel=True)
    bad = [r for r in reports if not r.ok]
    if bad:
        r = bad[0]
        raise _refuse("verify", f"the restored books of {r.org_code} do not verify: {r.problem}", org=r.org_code)
    got = {r.org_code: (r.head_seq, r.head_hash) for r in reports}
    if got != want:
        diff = sorted(set(got.items()) ^ set(want.items()))
        raise _refuse("heads", f"the restored head digests differ from the manifest's: {diff[:3]}")
    return sorted(got)


def _upgrade_on(conn: sa.Connection, db: Database, revision: str = "head") -> None:
    cfg = alembic_config(db)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, revision)


def _restore_into_postgresql(db: Database, checked: Checked, say, tick: _Ticker) -> RestoreReport:  # noqa: ANN001
    m = checked.manifest
    with db.engine.connect() as conn, conn.begin():
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            _copy_settings(cur)
            _drop_quy_schema(cur)
            _upgrade_on(conn, db, m.schema_revision)
            present = set(_pg_tables(cur))
            order = _pg_load_order(cur, [t for t in m.tables])
            for t in order:
                if t not in present:
                    raise _refuse("schema", f"table {t} of the backup is not in the schema at its revision")
                cur.execute(f"ALTER TABLE {_ident(t)} DISABLE TRIGGER USER")
                cur.execute(f"DELETE FROM {_ident(t)}")  # what a migration seeded (the regimes): the backup's rows
            rebuild = _set_aside_indexes(cur)  # as pg_restore does: load first, index and check after
            tick("schema")
            with tarfile.open(checked.path, "r:") as tf:
                if m.engine == "postgresql":
                    for t in order:
                        cols = ", ".join(map(_ident, m.tables[t]["columns"]))
                        src = _member(tf, checked, f"payload/{t}.copy")
                        with cur.copy(f"COPY {_ident(t)} ({cols}) FROM STDIN") as copy:
                            buf = bytearray(CHUNK)
                            while n := src.readinto(buf):
                                copy.write(bytes(buf[:n]))
                        src.verify()
                        say(f"loaded {t}: {m.tables[t]['rows']} rows")
                else:
                    with _scratch_sqlite(_scratch_near(checked.path)) as scratch:
                        _extract(tf, checked, SQLITE_MEMBER, scratch)
                        with closing(sqlite3.connect(scratch)) as lite:
                            for t in order:
                                _copy_sqlite_table(lite, cur, t, m.tables[t]["columns"])
                                say(f"loaded {t}: {m.tables[t]['rows']} rows")
            tick("load")
            # index builds and foreign-key checks: in memory, and with parallel workers where the server has them
            cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cur.execute("SET LOCAL max_parallel_maintenance_workers = 4")
            for statement in rebuild:
                cur.execute(statement)
            tick("indexes")
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred references, checked now
            for t in order:
                cur.execute(f"ALTER TABLE {_ident(t)} ENABLE TRIGGER USER")
            _reset_sequences(cur, [t for t in order if "id" in m.tables[t]["columns"]])
        report = _finish(db, m, say, engine_to="postgresql", tick=tick, conn=conn)
    return report


def _pg_load_order(cur, tables: list[str]) -> list[str]:  # noqa: ANN001
    """Tables ordered so that each comes after those its foreign keys name (self-references aside)."""
    cur.execute("""SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
                   JOIN pg_namespace n ON n.oid = c.connamespace
                   WHERE c.contype = 'f' AND n.nspname = current_schema()""")
    deps: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in cur.fetchall():
        child, parent = child.split(".")[-1].strip('"'), parent.split(".")[-1].strip('"')
        if child in deps and parent in deps and child != parent:
            deps[child].add(parent)
    order, done = [], set()
    while len(order) < len(tables):
        ready = sorted(t for t in tables if t not in done and deps[t] <= done)
        if not ready:  # a cycle: its foreign keys are deferrable, so any order loads
            ready = sorted(t for t in tables if t not in done)[:1]
        order.extend(ready)
        done.update(ready)
    return order


def _copy_sqlite_table(lite: sqlite3.Connection, cur, table: str, cols: list[str]) -> None:  # noqa: ANN001
    cur.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                "current_schema() AND table_name = %s", (table,))
    kinds = dict(cur.fetchall())
    missing = [c for c in cols if c not in kinds]
    if missing:
        raise _refuse("schema", f"columns {missing} of {table} are not in the schema at its revision")
    booleans = [i for i, c in enumerate(cols) if kinds[c] == "boolean"]
    select = f'SELECT {", ".join(map(_ident, cols))} FROM "{table}"'
    with cur.copy(f"COPY {_ident(table)} ({', '.join(map(_ident, cols))}) FROM STDIN") as copy:
        for row in lite.execute(select):
            if booleans:
                row = list(row)
                for i in booleans:
                    if row[i] is not None:
                        row[i] = bool(row[i])
            copy.write_row(row)


def _reset_sequences(cur, tables: list[str]) -> None:  # noqa: ANN001
    """Each ``id`` sequence goes on after the largest id restored (never handing out one again)."""
    for t in tables:
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (t,))
        seq = (cur.fetchone() or [None])[0]
        if seq:
            cur.execute(f"SELECT setval(%s, coalesce((SELECT max(id) FROM {_ident(t)}), 0) + 1, false)", (seq,))


def _set_aside_indexes(cur) -> list[str]:  # noqa: ANN001
    """Drop the current schema's secondary indexes and foreign keys; return the statements that put them
    back (indexes, then foreign keys, validated in one pass each instead of row by row). Primary keys and
    unique constraints stay: a duplicate row is refused as it is loaded."""
    cur.execute("""SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
                   JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = current_schema() AND NOT i.indisprimary
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)""")
    indexes = cur.fetchall()
    cur.execute("""SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
                   JOIN pg_namespace n ON n.oid = k.connamespace
                   WHERE n.nspname = current_schema() AND k.contype = 'f'""")
    fkeys = cur.fetchall()
    for table, name, _definition in fkeys:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        cur.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in fkeys]


def _drop_quy_schema(cur) -> None:  # noqa: ANN001
    """Remove Quỹ's tables and trigger functions from the current schema (inside the restore's transaction:
    a failed restore puts them back)."""
    names = _pg_tables(cur)
    if names:
        cur.execute("DROP TABLE " + ", ".join(map(_ident, names)) + " CASCADE")
    cur.execute("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = current_schema() AND p.proname LIKE 'quy\\_%'")
    for (name,) in cur.fetchall():
        cur.execute(f"DROP FUNCTION IF EXISTS {_ident(name)}() CASCADE")
