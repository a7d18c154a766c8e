"""``quy`` commands that keep the books alive: ``backup``, ``restore`` and ``upgrade``."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from ledger import journal
from ledger.db import Database
from ledger.migrate import current_revision, head_revision, upgrade
from ledger.ops import backup as bk

from .cli import Ctx, _out, json_opt, main


def _say(msg: str) -> None:
    click.echo(msg, err=True)


@main.command("backup")
@click.option("--out", "out", default=None,
              help="A file ending in .tar, or a folder for a dated quy-backup-….tar "
                   "(default: QUY_BACKUP_DIR or instance/backups).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Keep only the newest N dated backups in the folder.")
@json_opt
@click.pass_obj
def backup_cmd(c: Ctx, out: str | None, keep: int | None, as_json: bool) -> None:
    """Snapshot the books while the app keeps serving (written under a temporary name, renamed when done)."""
    target = out or (str(bk.default_dir()) + "/")
    r = bk.backup(c.db, target, keep=keep)
    m = r.manifest
    data = {"path": str(r.path), "size": r.size, "engine": m.engine, "schema_revision": m.schema_revision,
            "created_at": m.created_at, "heads": m.heads, "rows": sum(t["rows"] for t in m.tables.values()),
            "removed": [str(p) for p in r.removed]}
    lines = [f"Backup written: {r.path} ({r.size:,} bytes, {m.engine}, schema {m.schema_revision})",
             f"  {data['rows']:,} rows in {len(m.tables)} tables; {len(m.heads)} journals:"]
    lines += [f"  {h['org']:<12} #{h['seq']} {h['hash']}" for h in m.heads]
    lines += [f"  removed (--keep {keep}): {p}" for p in r.removed]
    _out(data, as_json, "\n".join(lines))


@main.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the books in a database that is not empty.")
@click.option("--check", "check_only", is_flag=True, help="Only check the file (checksums, format, revision).")
@json_opt
@click.pass_obj
def restore_cmd(c: Ctx, path: str, force: bool, check_only: bool, as_json: bool) -> None:
    """Restore a backup into an empty database (SQLite or PostgreSQL, either way round), then verify it."""
    if check_only:
        checked = bk.check(path)
        m = checked.manifest
        _out({"ok": True, "engine": m.engine, "schema_revision": m.schema_revision, "created_at": m.created_at,
              "heads": m.heads}, as_json,
             f"OK {path}: {m.engine} backup of {m.created_at}, schema {m.schema_revision}, "
             f"{len(m.heads)} journals; every checksum matches")
        return
    r = bk.restore(c.db, path, force=force, progress=None if as_json else _say)
    lines = [f"Restored {path} ({r.engine_from} → {r.engine_to}): {r.rows:,} rows in {r.tables} tables, "
             f"schema {r.schema_revision}" + (f" → {r.upgraded_to}" if r.upgraded_to != r.schema_revision else ""),
             f"quy verify: OK for {len(r.verified)} journals; every head digest equals the backup's manifest:"]
    lines += [f"  {h['org']:<12} #{h['seq']} {h['hash']}" for h in r.heads]
    _out(asdict(r), as_json, "\n".join(lines))


@main.command("upgrade")
@click.option("--backup-dir", default=None, help="Where the backup taken first goes (default: QUY_BACKUP_DIR).")
@click.option("--no-backup", is_flag=True, help="Skip the backup (not recommended).")
@click.pass_obj
def upgrade_cmd(c: Ctx, backup_dir: str | None, no_backup: bool) -> None:
    """Back up, migrate the schema to the newest revision, and verify every journal."""
    from ledger import services

    db: Database = c.db
    before, head = current_revision(db), head_revision(db)
    if before == head:
        click.echo(f"Schema already at the newest revision ({head}); nothing to do.")
        return
    if before is not None and not no_backup:
        r = bk.backup(db, (backup_dir or str(bk.default_dir())) + "/")
        click.echo(f"Backup first: {r.path}")
    try:
        upgrade(db)
    except journal.ChainDoesNotVerify as e:  # the schema stays where it was; the message says what to do
        click.echo(f"Schema stays at {before}: {e}", err=True)
        sys.exit(1)
    reports = services.verify(db, parallel=True)
    bad = [r for r in reports if not r.ok]
    click.echo(f"Schema {before or '(none)'} → {head}; quy verify: "
               + ("OK for every journal" if not bad else f"BROKEN {bad[0].org_code}: [{bad[0].kind}] {bad[0].problem}"))
    if bad:
        sys.exit(1)


@main.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@json_opt
def cleanup_cmd(dry_run: bool, as_json: bool) -> None:
    """Remove uploads older than QUY_KEEP_UPLOADS_DAYS and batch prints older than QUY_KEEP_PRINTS_DAYS."""
    from ledger import config
    from ledger.ops import housekeeping

    settings = config.load()
    bad = [p for p in settings.errors if p.setting in ("QUY_KEEP_UPLOADS_DAYS", "QUY_KEEP_PRINTS_DAYS")]
    if bad:
        raise click.ClickException(bad[0].message)
    removed = housekeeping.sweep(settings, dry_run=dry_run)
    data = {"dry_run": dry_run, "removed": [{"path": str(r.path), "size": r.size, "kind": r.kind} for r in removed],
            "bytes": sum(r.size for r in removed), "keep_uploads_days": settings.keep_uploads_days,
            "keep_prints_days": settings.keep_prints_days}
    verb = "would remove" if dry_run else "removed"
    lines = [f"{verb}: {r.path} ({r.size:,} bytes)" for r in removed]
    lines.append(f"{len(removed)} files, {data['bytes']:,} bytes {verb} (uploads older than "
                 f"{settings.keep_uploads_days} days in {settings.uploads}, batch prints older than "
                 f"{settings.keep_prints_days} days in {settings.prints})")
    _out(data, as_json, "\n".join(lines))
