"""``quy config``: the settings Quỹ runs with (``settings``) and what is wrong with them (``check``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
import sqlalchemy as sa

from ledger import config as quy_config
from ledger.config import Problem, Settings
from ledger.db import Database, database_url, make_engine
from ledger.migrate import current_revision, head_revision

from .common import Ctx, _out, json_out


@click.group("config")
def config_group() -> None:
    """Configuration: every setting (environment variable) and a check of the effective ones."""


@config_group.command("settings")
@click.option("--markdown", is_flag=True, help="A Markdown table (as in the README).")
def config_settings(markdown: bool) -> None:
    """Print every setting Quỹ reads: name, default, meaning."""
    click.echo(quy_config.settings_table(markdown=markdown))


def hide_password(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot read is shown as unreadable, not echoed
        return "(unreadable URL)"


def effective(settings: Settings, url: str) -> list[dict]:
    """The settings as they take effect: name, value (secrets never shown), where the value came from."""

    def src(name: str) -> str:
        return "environment" if name in settings.raw else "default"

    if settings.secret_key:
        secret = f"set ({len(settings.secret_key)} characters)"
        secret_src = settings.secret_source or "environment"
    elif settings.production:
        secret, secret_src = "unset", "none"
    else:
        secret = "unset: development uses a generated key"
        secret_src = str(settings.instance_secret_file)
    rows = [
        ("QUY_ENV", settings.env, src("QUY_ENV")),
        ("QUY_DATABASE_URL", hide_password(url), "environment or --database" if settings.database_url
         else "default"),
        ("QUY_DB_POOL_SIZE", str(settings.db_pool_size or 10) + ("" if url.startswith("postgresql") else
                                                                   " (PostgreSQL only)"), src("QUY_DB_POOL_SIZE")),
        ("secret key", secret, secret_src),
        ("QUY_INSTANCE", str(settings.instance), src("QUY_INSTANCE")),
        ("QUY_UPLOADS", str(settings.uploads), src("QUY_UPLOADS")),
        ("QUY_PRINTS", str(settings.prints), src("QUY_PRINTS")),
        ("QUY_KEEP_UPLOADS_DAYS", f"{settings.keep_uploads_days} days", src("QUY_KEEP_UPLOADS_DAYS")),
        ("QUY_KEEP_PRINTS_DAYS", f"{settings.keep_prints_days} days", src("QUY_KEEP_PRINTS_DAYS")),
        ("QUY_BACKUP_DIR", str(settings.backup_dir), src("QUY_BACKUP_DIR")),
        ("QUY_SECURE_COOKIES", "on" if settings.secure_cookies else "off",
         "production" if settings.production else src("QUY_SECURE_COOKIES")),
        ("QUY_PUBLIC_URL", settings.public_url, src("QUY_PUBLIC_URL")),
        ("QUY_PROXY_FIX", str(settings.proxy_fix), src("QUY_PROXY_FIX")),
        ("QUY_LOG_LEVEL", settings.log_level, src("QUY_LOG_LEVEL")),
        ("QUY_REQUEST_LOG", {None: "off", "-": "standard error"}.get(settings.request_log, settings.request_log),
         src("QUY_REQUEST_LOG")),
    ]
    bad = {p.setting for p in settings.errors}
    return [{"name": n, "value": f"{settings.raw[n]!r} (invalid)" if n in bad and n in settings.raw else v,
             "source": s} for n, v, s in rows]


def _folder_problems(settings: Settings) -> list[Problem]:
    out = []
    for name, path in (("QUY_BACKUP_DIR", settings.backup_dir), ("QUY_UPLOADS", settings.uploads),
                       ("QUY_PRINTS", settings.prints)):
        why = quy_config.writable_dir(path)
        if why:
            out.append(Problem("error", name, f"{path} cannot be written: {why}"))
    log = settings.request_log
    if log and log != "-":
        path = Path(log)
        why = (None if os.access(path, os.W_OK) else "not writable by this user") if path.exists() \
            else quy_config.writable_dir(path.parent)
        if why:
            out.append(Problem("error", "QUY_REQUEST_LOG", f"{log} cannot be written: {why}"))
    return out


def _database_problems(url: str) -> list[Problem]:
    """Whether the database answers at the newest migration; never creates anything."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:" and not Path(path).exists():
            return [Problem("error", "QUY_DATABASE_URL", f"the SQLite file {path} does not exist yet: run quy init")]
        engine = make_engine(url, poolclass=sa.pool.NullPool)
    else:
        engine = make_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 5})
    db = Database(engine=engine)
    try:
        revision, head = current_revision(db), head_revision(db)
    except Exception as err:  # noqa: BLE001 - any failure to reach the database is the finding
        first = (str(err).splitlines() or [type(err).__name__])[0]
        return [Problem("error", "QUY_DATABASE_URL", f"the database does not answer: {first}")]
    finally:
        db.dispose()
    if revision is None:
        return [Problem("error", "QUY_DATABASE_URL", "the database has no Quỹ schema yet: run quy init")]
    if revision != head:
        return [Problem("error", "QUY_DATABASE_URL", f"the database is at migration {revision}, this version "
                                                     f"needs {head}: run quy init (after a backup)")]
    return []


@config_group.command("check")
@click.option("--no-database", is_flag=True, help="Do not connect to the database.")
@json_out
def config_check(c: Ctx, no_database: bool, as_json: bool) -> None:
    """Print the effective settings and what is wrong with them; exit 1 on an error (0 with warnings)."""
    settings = quy_config.load()
    url = database_url(c.url or settings.database_url)
    settings.database_url = c.url or settings.database_url  # --database wins, as for every command
    problems = quy_config.problems(settings) + _folder_problems(settings)
    if not no_database:
        problems += _database_problems(url)
    errors = [p for p in problems if p.level == "error"]
    rows = effective(settings, url)
    data = {"ok": not errors, "env": settings.env, "settings": rows,
            "problems": [p.__dict__ for p in problems]}
    width = max(len(r["name"]) for r in rows)
    lines = [f"Quỹ configuration (QUY_ENV={settings.env})"]
    lines += [f"  {r['name']:<{width}}  {r['value']}  [{r['source']}]" for r in rows]
    if problems:
        lines.append("Problems:")
        lines += [f"  {p.level.upper():<7} {p.setting}: {p.message}" for p in problems]
    warnings = len(problems) - len(errors)
    lines.append(f"{len(errors)} error(s), {warnings} warning(s)" if problems else "OK: no problems found")
    _out(data, as_json, "\n".join(lines))
    if errors:
        sys.exit(1)


COMMANDS = [config_group]
