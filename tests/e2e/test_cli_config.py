"""``quy config check``: the effective settings (secrets never shown) and what is wrong with them; exit 1 on
an error, 0 with warnings only. ``quy config settings``: the table of every setting."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ledger import config
from tests.conftest import PgSchema

QUY = str(Path(sys.executable).parent / "quy")
SECRET = "s3cret-" + "x" * 40


def check(tmp_path, *args, **env):
    """``quy config check --json`` in ``tmp_path`` with only the given QUY_ variables set."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("QUY_")}
    p = subprocess.run([QUY, "config", "check", "--json", *args], capture_output=True, text=True, cwd=tmp_path,
                       env={**base, **env}, timeout=120)
    assert p.returncode in (0, 1), p.stderr
    return p.returncode, json.loads(p.stdout), p.stdout


def problems(out, level="error") -> dict[str, str]:
    return {p["setting"]: p["message"] for p in out["problems"] if p["level"] == level}


def quy(tmp_path, *args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith("QUY_")}
    p = subprocess.run([QUY, *args], capture_output=True, text=True, cwd=tmp_path, env={**base, **env}, timeout=300)
    assert p.returncode == 0, p.stderr
    return p


def test_development_defaults_are_fine_once_the_database_exists(tmp_path):
    rc, out, _ = check(tmp_path)
    assert rc == 1 and "quy init" in problems(out)["QUY_DATABASE_URL"]
    assert not (tmp_path / "instance" / "quy.sqlite3").exists()  # the check creates nothing
    quy(tmp_path, "init")
    rc, out, _ = check(tmp_path)
    assert rc == 0 and out["ok"] and out["problems"] == [] and out["env"] == "development"
    values = {s["name"]: s["value"] for s in out["settings"]}
    assert values["QUY_BACKUP_DIR"] == "instance/backups" and values["QUY_PROXY_FIX"] == "0"


def test_production_without_a_secret_or_with_bad_values_is_an_error(tmp_path):
    quy(tmp_path, "init")
    (tmp_path / "a-file").write_text("")
    rc, out, text = check(tmp_path, QUY_ENV="production", QUY_PROXY_FIX="one", QUY_DB_POOL_SIZE="0",
                          QUY_BACKUP_DIR=str(tmp_path / "a-file" / "backups"))
    errors = problems(out)
    assert rc == 1 and not out["ok"]
    assert set(errors) >= {"QUY_SECRET_KEY", "QUY_PROXY_FIX", "QUY_DB_POOL_SIZE", "QUY_BACKUP_DIR"}
    assert "not a folder" in errors["QUY_BACKUP_DIR"]
    assert "production on SQLite" in problems(out, "warning")["QUY_DATABASE_URL"]
    rc, out, _ = check(tmp_path, QUY_ENV="production", QUY_SECRET_KEY="too-short")
    assert rc == 1 and "at least 32" in problems(out)["QUY_SECRET_KEY"]
    assert "too-short" not in json.dumps(out)


def test_warnings_alone_exit_zero_and_the_secret_is_never_printed(tmp_path):
    quy(tmp_path, "init")
    key = tmp_path / "secret_key"
    key.write_text(SECRET + "\n")
    rc, out, text = check(tmp_path, QUY_ENV="production", QUY_SECRET_KEY_FILE=str(key))
    assert rc == 0 and out["ok"] and problems(out) == {}
    assert set(problems(out, "warning")) == {"QUY_DATABASE_URL", "QUY_PUBLIC_URL"}
    secret = next(s for s in out["settings"] if s["name"] == "secret key")
    assert secret["value"].startswith("set") and str(key) in secret["source"]
    assert SECRET not in text


def test_text_output_and_an_unreachable_database(tmp_path):
    base = {k: v for k, v in os.environ.items() if not k.startswith("QUY_")}
    p = subprocess.run([QUY, "--database", "postgresql://quy:hunter2@127.0.0.1:1/quy", "config", "check"],
                       capture_output=True, text=True, cwd=tmp_path, env=base, timeout=120)
    assert p.returncode == 1
    assert "does not answer" in p.stdout and "hunter2" not in p.stdout and "quy:***@127.0.0.1:1/quy" in p.stdout
    assert "QUY_ENV" in p.stdout and "error(s)" in p.stdout


@pytest.mark.postgres
def test_postgresql_behind_then_at_the_newest_migration(tmp_path):
    schema = PgSchema()
    try:
        url = schema.url.replace("postgres@", "postgres:hunter2@", 1)  # trust: the password is not checked
        rc, out, text = check(tmp_path, QUY_DATABASE_URL=url)
        assert rc == 1 and "quy init" in problems(out)["QUY_DATABASE_URL"] and "hunter2" not in text
        quy(tmp_path, "init", QUY_DATABASE_URL=url)
        rc, out, text = check(tmp_path, QUY_DATABASE_URL=url, QUY_DB_POOL_SIZE="5")
        assert rc == 0 and out["problems"] == [] and "hunter2" not in text
        assert {s["name"]: s["value"] for s in out["settings"]}["QUY_DB_POOL_SIZE"] == "5"
    finally:
        schema.drop()


def test_every_setting_is_documented_in_the_table_and_the_readme():
    table = subprocess.run([QUY, "config", "settings", "--markdown"], capture_output=True, text=True,
                           timeout=60).stdout
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    code = "\n".join(p.read_text(encoding="utf-8") for d in ("ledger", "books", "receipts", "web")
                     for p in (Path(__file__).resolve().parents[2] / d).rglob("*.py"))
    used = set(re.findall(r"\bQUY_[A-Z_]+\b", code)) - {"QUY_DB", "QUY_SETTINGS"}  # Flask config keys
    named = {s.name for s in config.SETTINGS}
    assert used <= named, used - named
    for name in named:
        assert f"`{name}`" in table and f"`{name}`" in readme, name


def test_the_pool_size_setting_reaches_the_engine(monkeypatch):
    from ledger.db import make_engine

    monkeypatch.setenv("QUY_DB_POOL_SIZE", "3")
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    assert engine.pool.size() == 3
    monkeypatch.setenv("QUY_DB_POOL_SIZE", "lots")
    with pytest.raises(config.ConfigError):
        make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
