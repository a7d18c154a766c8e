"""Quỹ's configuration in one place: every environment variable it reads, its default and meaning.

``load()`` reads them (from ``os.environ`` or a given mapping) into a :class:`Settings`; the web app, the
CLI and the database layer take their settings from here. ``SETTINGS`` is the table of them all, which
``quy config settings`` (or ``python -m ledger.config``) prints and the README repeats. What is wrong
with a configuration (a production start without a secret key, a proxy count that is not a number …)
is found by :func:`problems`; ``quy config check`` adds the database and the backup folder to it.

Nothing here imports Flask: the CLI and ``ledger.db`` use it too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENVS = ("development", "production")
#: The shortest secret key accepted in production (characters).
MIN_SECRET_LENGTH = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(RuntimeError):
    """A configuration Quỹ refuses to start with; the message says which setting and what to do."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


#: Every environment variable Quỹ reads: name, default, meaning.
SETTINGS: tuple[Setting, ...] = (
    Setting("QUY_ENV", "development",
            "`development` or `production`. Production refuses to start without a secret key of at least "
            "32 characters (no generated key), sends cookies only over HTTPS and logs every request"),
    Setting("QUY_DATABASE_URL", "sqlite:///instance/quy.sqlite3",
            "the database: `sqlite:///path/file.sqlite3` (embedded, WAL) or `postgresql://user@host/db` "
            "(production)"),
    Setting("QUY_DB_POOL_SIZE", "10",
            "PostgreSQL: connections each process keeps open (plus up to 20 more under load); keep "
            "workers × (pool + 20) under the server's max_connections"),
    Setting("QUY_SECRET_KEY", "unset",
            "the key that signs session cookies; every worker must share it. Prefer QUY_SECRET_KEY_FILE"),
    Setting("QUY_SECRET_KEY_FILE", "unset",
            "a file holding the secret key (first line), e.g. one only the service user may read; "
            "used when QUY_SECRET_KEY is unset"),
    Setting("QUY_INSTANCE", "instance",
            "the folder for the development secret key, uploads, prints and backups"),
    Setting("QUY_UPLOADS", "<instance>/uploads",
            "where uploaded campaign files wait between preview and confirm"),
    Setting("QUY_PRINTS", "<instance>/prints", "where batch prints started from the web are kept"),
    Setting("QUY_KEEP_UPLOADS_DAYS", "7",
            "`quy cleanup` (and each new upload) removes uploaded campaign files and bank statements, and "
            "the progress files of imports, older than this many days: they hold donors' names and the "
            "books already hold what was imported"),
    Setting("QUY_KEEP_PRINTS_DAYS", "90",
            "`quy cleanup` (and each new batch print) removes batch-print PDFs older than this many days; "
            "the job stays listed and is printed again on demand"),
    Setting("QUY_TOKEN_DAYS", "90",
            "how many days a new API token lives unless it is made with another lifetime (`quy token create "
            "--days N`, or the Tokens page); an expired token gets 401 `token_expired`"),
    Setting("QUY_BACKUP_DIR", "<instance>/backups", "where `quy backup` writes backups by default"),
    Setting("QUY_FUTURE_DAYS", "0",
            "how many days after today a gift, payment, voucher, reversal, deposit booking, bank booking or lock "
            "may be dated (0: today at the latest); dates before 2000-01-01 are always refused"),
    Setting("QUY_PASSWORD_PROFILE", "RFC_9106_LOW_MEMORY",
            "the argon2id cost of password hashes, by the name of an argon2-cffi profile: RFC_9106_LOW_MEMORY "
            "(64 MiB, the library's default), RFC_9106_HIGH_MEMORY (2 GiB) or CHEAPEST (tests only: refused "
            "in production). Stored hashes keep verifying and are rehashed at the next login"),
    Setting("QUY_SECURE_COOKIES", "0 (1 in production)",
            "`1`: cookies only over HTTPS (always on in production)"),
    Setting("QUY_PUBLIC_URL", "http://127.0.0.1:5000",
            "the site's address as people reach it; receipts' QR codes point to `<url>/p/v/<code>`"),
    Setting("QUY_PROXY_FIX", "0",
            "how many reverse proxies (nginx: `1`) stand in front and are trusted for X-Forwarded-For, "
            "-Proto and -Host; 0 trusts no such header (the client's own address is used)"),
    Setting("QUY_LOG_LEVEL", "INFO", "the level of Quỹ's logs: DEBUG, INFO, WARNING, ERROR"),
    Setting("QUY_REQUEST_LOG", "off (`-` in production)",
            "where the request log goes, one JSON line per request (and errors with their traceback): "
            "`-` for standard error (the journal under systemd), a file path, or `off`"),
    Setting("QUY_BIND", "unix:/run/quy/gunicorn.sock",
            "gunicorn with web/deploy/gunicorn.conf.py: the socket or `host:port` to listen on"),
    Setting("QUY_WORKERS", "2 × cores + 1", "gunicorn with web/deploy/gunicorn.conf.py: worker processes"),
    Setting("QUY_USER", "cli:<login name>", "who the CLI records as acting"),
    Setting("QUY_ORG", "SLA", "the default organization code of CLI commands"),
    Setting("QUY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test",
            "the PostgreSQL server the tests use (tests only)"),
)


@dataclass
class Problem:
    level: str  # "error" or "warning"
    setting: str
    message: str


@dataclass
class Settings:
    """The effective configuration. ``raw`` keeps the variables as given, for problems and display."""

    env: str = "development"
    database_url: str | None = None
    db_pool_size: int | None = None
    secret_key: str | None = None
    secret_source: str | None = None  # "QUY_SECRET_KEY", "QUY_SECRET_KEY_FILE (<path>)" or None
    instance: Path = Path("instance")
    uploads: Path = Path("instance/uploads")
    prints: Path = Path("instance/prints")
    backup_dir: Path = Path("instance/backups")
    keep_uploads_days: int = 7
    keep_prints_days: int = 90
    token_days: int = 90
    future_days: int = 0
    password_profile: str = "RFC_9106_LOW_MEMORY"
    secure_cookies: bool = False
    public_url: str = "http://127.0.0.1:5000"
    proxy_fix: int = 0
    log_level: str = "INFO"
    request_log: str | None = None  # None: off; "-": standard error; else a file path
    user: str | None = None
    org: str = "SLA"
    raw: dict[str, str] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def instance_secret_file(self) -> Path:
        """Where development keeps its generated key (never used in production)."""
        return self.instance / "secret_key"


def _int(raw: Mapping[str, str], name: str, default: int | None, errors: list[Problem], *, minimum: int):
    value = (raw.get(name) or "").strip()
    if not value:
        return default
    try:
        n = int(value)
    except ValueError:
        errors.append(Problem("error", name, f"{name}={value!r} is not a whole number"))
        return default
    if n < minimum:
        errors.append(Problem("error", name, f"{name}={n} must be at least {minimum}"))
        return default
    return n


PASSWORD_PROFILES = ("RFC_9106_LOW_MEMORY", "RFC_9106_HIGH_MEMORY", "CHEAPEST")


def _password_profile(raw: Mapping[str, str], errors: list[Problem]) -> str:
    name = (raw.get("QUY_PASSWORD_PROFILE") or PASSWORD_PROFILES[0]).strip().upper()
    if name not in PASSWORD_PROFILES:
        errors.append(Problem("error", "QUY_PASSWORD_PROFILE", f"QUY_PASSWORD_PROFILE={name!r}: write one of "
                                                                f"{', '.join(PASSWORD_PROFILES)}"))
        return PASSWORD_PROFILES[0]
    return name


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (default ``os.environ``). Values that cannot be read are
    replaced by their default and recorded in ``Settings.errors``; ``problems()`` reports them."""
    env_map = os.environ if environ is None else environ
    raw = {s.name: env_map[s.name] for s in SETTINGS if env_map.get(s.name) not in (None, "")}
    errors: list[Problem] = []
    env = raw.get("QUY_ENV", "development").strip().lower()
    if env not in ENVS:
        errors.append(Problem("error", "QUY_ENV", f"QUY_ENV={raw['QUY_ENV']!r}: write development or production"))
        env = "development"
    production = env == "production"
    instance = Path(raw.get("QUY_INSTANCE", "instance"))
    secret, source = raw.get("QUY_SECRET_KEY"), "QUY_SECRET_KEY" if raw.get("QUY_SECRET_KEY") else None
    key_file = raw.get("QUY_SECRET_KEY_FILE")
    if not secret and key_file:
        try:
            lines = Path(key_file).read_text(encoding="utf-8").splitlines()
            secret = lines[0].strip() if lines else ""
            source = f"QUY_SECRET_KEY_FILE ({key_file})"
            if not secret:
                errors.append(Problem("error", "QUY_SECRET_KEY_FILE", f"{key_file} is empty"))
                secret, source = None, None
        except OSError as err:
            errors.append(Problem("error", "QUY_SECRET_KEY_FILE",
                                  f"cannot read {key_file}: {err.strerror or type(err).__name__}"))
    level = raw.get("QUY_LOG_LEVEL", "INFO").strip().upper()
    if level not in LOG_LEVELS:
        errors.append(Problem("error", "QUY_LOG_LEVEL", f"QUY_LOG_LEVEL={raw['QUY_LOG_LEVEL']!r}: write one of "
                                                        + ", ".join(LOG_LEVELS)))
        level = "INFO"
    request_log = raw.get("QUY_REQUEST_LOG", "-" if production else "off").strip()
    return Settings(
        env=env,
        database_url=raw.get("QUY_DATABASE_URL"),
        db_pool_size=_int(raw, "QUY_DB_POOL_SIZE", None, errors, minimum=1),
        secret_key=secret or None,
        secret_source=source if secret else None,
        instance=instance,
        uploads=Path(raw.get("QUY_UPLOADS", instance / "uploads")),
        prints=Path(raw.get("QUY_PRINTS", instance / "prints")),
        backup_dir=Path(raw.get("QUY_BACKUP_DIR", instance / "backups")),
        keep_uploads_days=_int(raw, "QUY_KEEP_UPLOADS_DAYS", 7, errors, minimum=1),
        keep_prints_days=_int(raw, "QUY_KEEP_PRINTS_DAYS", 90, errors, minimum=1),
        token_days=_int(raw, "QUY_TOKEN_DAYS", 90, errors, minimum=1),
        future_days=_int(raw, "QUY_FUTURE_DAYS", 0, errors, minimum=0),
        password_profile=_password_profile(raw, errors),
        secure_cookies=production or raw.get("QUY_SECURE_COOKIES", "") == "1",
        public_url=raw.get("QUY_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        proxy_fix=_int(raw, "QUY_PROXY_FIX", 0, errors, minimum=0),
        log_level=level,
        request_log=None if request_log.lower() in ("off", "none", "0") else request_log,
        user=raw.get("QUY_USER"),
        org=raw.get("QUY_ORG", "SLA"),
        raw=raw,
        errors=errors,
    )


def problems(settings: Settings) -> list[Problem]:
    """What is wrong with the settings themselves (no database or disk checks): errors and warnings."""
    out = list(settings.errors)
    raw = settings.raw
    if settings.production:
        if not settings.secret_key:
            if not any(p.setting == "QUY_SECRET_KEY_FILE" for p in out):
                out.append(Problem("error", "QUY_SECRET_KEY",
                                   "production needs a secret key: set QUY_SECRET_KEY_FILE (or QUY_SECRET_KEY)"))
        elif len(settings.secret_key) < MIN_SECRET_LENGTH:
            out.append(Problem("error", settings.secret_source.split()[0],
                               f"the secret key has {len(settings.secret_key)} characters; production needs "
                               f"at least {MIN_SECRET_LENGTH} (e.g. python3 -c 'import secrets; "
                               f"print(secrets.token_hex(32))')"))
        if settings.password_profile == "CHEAPEST":
            out.append(Problem("error", "QUY_PASSWORD_PROFILE",
                               "CHEAPEST makes password hashes quick to guess: it is for tests only"))
        if (settings.database_url or "sqlite").startswith("sqlite"):
            out.append(Problem("warning", "QUY_DATABASE_URL",
                               "production on SQLite: fine for one small office, but PostgreSQL is recommended"))
        if not raw.get("QUY_PUBLIC_URL"):
            out.append(Problem("warning", "QUY_PUBLIC_URL",
                               "unset: receipts' QR codes will point to http://127.0.0.1:5000"))
        elif settings.public_url.startswith("http://"):
            out.append(Problem("warning", "QUY_PUBLIC_URL", "not https: receipts' QR codes open an insecure page"))
    if raw.get("QUY_SECRET_KEY") and raw.get("QUY_SECRET_KEY_FILE"):
        out.append(Problem("warning", "QUY_SECRET_KEY_FILE", "both QUY_SECRET_KEY and QUY_SECRET_KEY_FILE are "
                                                             "set: QUY_SECRET_KEY is used"))
    if settings.proxy_fix > 3:
        out.append(Problem("warning", "QUY_PROXY_FIX", f"{settings.proxy_fix} proxies in front is unusual; "
                                                       "nginx alone is 1"))
    return out


def check_startup(settings: Settings) -> None:
    """Raise :class:`ConfigError` listing every error that forbids starting the web app."""
    errors = [p for p in problems(settings) if p.level == "error"]
    if errors:
        lines = "\n".join(f"  - {p.setting}: {p.message}" for p in errors)
        raise ConfigError(f"Quỹ refuses to start (QUY_ENV={settings.env}):\n{lines}")


def db_pool_size() -> int | None:
    """``QUY_DB_POOL_SIZE`` if set (for ``ledger.db.make_engine``); a bad value is refused."""
    settings = load()
    bad = [p for p in settings.errors if p.setting == "QUY_DB_POOL_SIZE"]
    if bad:
        raise ConfigError(bad[0].message)
    return settings.db_pool_size


def writable_dir(path: Path) -> str | None:
    """``None`` if ``path`` is (or could be created as) a folder this process may write in, else why not."""
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            return "no existing parent folder"
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable by this user"
    return None


def log_level_number(settings: Settings) -> int:
    return logging.getLevelName(settings.log_level)


def settings_table(markdown: bool = True) -> str:
    """The table of every setting: name, default, meaning (Markdown, or plain columns)."""
    if markdown:
        rows = ["| setting | default | meaning |", "|---|---|---|"]
        rows += [f"| `{s.name}` | {s.default} | {s.meaning} |" for s in SETTINGS]
        return "\n".join(rows)
    width = max(len(s.name) for s in SETTINGS)
    return "\n".join(f"{s.name:<{width}}  {s.default:<28}  {s.meaning}" for s in SETTINGS)


if __name__ == "__main__":
    print(settings_table())
