"""``quy`` commands that set up and keep the books alive: ``init``, ``demo``, ``serve``, ``backup``,
``restore``, ``upgrade`` and ``cleanup``."""

from __future__ import annotations

import secrets
import sys
from dataclasses import asdict
from pathlib import Path

import click
import sqlalchemy as sa

from ledger import config, journal, services
from ledger import schema as s
from ledger.db import Database
from ledger.migrate import current_revision, head_revision, upgrade
from ledger.ops import backup as bk
from ledger.ops import housekeeping
from ledger.ops.demo import load_demo
from ledger.ops.story import load_story

from .common import Ctx, _out, json_opt, json_out


def _say(msg: str) -> None:
    click.echo(msg, err=True)


@click.command()
@click.pass_obj
def init(c: Ctx) -> None:
    """Create or upgrade the database schema (Alembic)."""
    upgrade(c.db)
    click.echo(f"Database ready: {c.db.engine.url.render_as_string(hide_password=True)}")


def _is_empty(db: Database) -> bool:
    with db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(s.organizations)).scalar() == 0


@click.command()
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has books.")
@click.option("--campaign-only", is_flag=True,
              help="Only the books of the campaign year (the province, its districts, the Tô Hiệu campaign and "
                   "a batch waiting for the council), not the story that ends today.")
@click.option("--year", type=click.IntRange(2001, 9998), default=None,
              help="With --campaign-only: the campaign's year (default 2025, as the seeds tell it).")
@click.pass_obj
def demo(c: Ctx, if_empty: bool, campaign_only: bool, year: int | None) -> None:
    """Load the demo books built from the seeds: Sơn La, its districts and communes, Đắk Lắk — a story that ends
    today (last year's hand-over, this year's campaign, awards, monthly support, deposits settled)."""
    upgrade(c.db)
    if not _is_empty(c.db):
        if if_empty:
            click.echo("Database already has books; demo not loaded.")
            _print_demo_logins(_demo_logins_file(c.db))
            return
        raise click.ClickException("the database is not empty; the demo loads into an empty one")
    with c.db.begin() as conn:
        summary = (load_demo(conn, user=c.user, year=year or 2025) if campaign_only
                   else load_story(conn, user=c.user))
    click.echo(f"Demo loaded: {summary['organizations']} organizations, "
               f"{summary['campaign_gifts']} gifts to the Tô Hiệu {summary['year']} campaign.")
    logins = _demo_logins_file(c.db)
    lines = []
    for login, name, roles in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        services.add_user(c.db, login=login, name=name, password=password, roles=roles, user=c.user)
        lines.append(f"{login:<9} {password:<18} {', '.join(f'{r}@{o}' for o, r in roles)}")
    logins.parent.mkdir(parents=True, exist_ok=True)
    logins.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logins.chmod(0o600)
    _print_demo_logins(logins)


#: The demo's people: login, name, (organization, role) pairs. Passwords are made at random when the
#: demo is loaded and written to demo-logins.txt beside the database file (never to the repository).
DEMO_USERS = [
    ("admin", "Lê Thị Hoa", [("SLA", "admin"), ("SLA-TCH", "admin")]),
    ("thuquy", "Nguyễn Thị Mai", [("SLA", "treasurer"), ("SLA-TCH", "treasurer")]),
    ("hoidong", "Trần Văn Bình", [("SLA", "council")]),
    ("kiemtra", "Phạm Minh Đức", [("SLA", "auditor")]),
]


def _demo_logins_file(db: Database) -> Path:
    path = db.engine.url.database if db.dialect == "sqlite" else None
    return (Path(path).parent if path and path != ":memory:" else Path("instance")) / "demo-logins.txt"


def _print_demo_logins(path: Path) -> None:
    if path.exists():
        click.echo(f"Demo logins ({path}):\n" + path.read_text(encoding="utf-8"))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_obj
def serve(c: Ctx, host: str, port: int) -> None:
    """Serve the web app."""
    from ..app import create_app  # lazy: Flask and the whole web app load only for `quy serve`

    upgrade(c.db)
    app = create_app(c.db)
    click.echo(f"Quỹ on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False)


@click.command("backup")
@click.option("--out", "out", default=None,
              help="A file ending in .tar, or a folder for a dated quy-backup-….tar "
                   "(default: QUY_BACKUP_DIR or instance/backups).")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Keep only the newest N dated backups in the folder.")
@json_out
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


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the books in a database that is not empty.")
@click.option("--check", "check_only", is_flag=True, help="Only check the file (checksums, format, revision).")
@json_out
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


@click.command("upgrade")
@click.option("--backup-dir", default=None, help="Where the backup taken first goes (default: QUY_BACKUP_DIR).")
@click.option("--no-backup", is_flag=True, help="Skip the backup (not recommended).")
@click.pass_obj
def upgrade_cmd(c: Ctx, backup_dir: str | None, no_backup: bool) -> None:
    """Back up, migrate the schema to the newest revision, and verify every journal."""
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


@click.command("cleanup")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
@json_opt
def cleanup_cmd(dry_run: bool, as_json: bool) -> None:
    """Remove uploads older than QUY_KEEP_UPLOADS_DAYS and batch prints older than QUY_KEEP_PRINTS_DAYS."""
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


COMMANDS = [init, demo, serve, backup_cmd, restore_cmd, upgrade_cmd, cleanup_cmd]
