"""Under CI=true the PostgreSQL tests must run: a server that does not answer fails the run loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_fails_loudly_when_postgresql_does_not_answer():
    env = {**os.environ, "CI": "true",
           "QUY_TEST_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/test"}
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/integration/test_db_guards.py", "-k", "balanced_raw_transaction_is_accepted"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode != 0
    assert "PostgreSQL tests must run" in p.stdout
    assert "1 passed" in p.stdout  # the SQLite half still ran


def test_outside_ci_an_absent_server_only_skips():
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "QUY_TEST_DATABASE_URL")}
    env["QUY_TEST_DATABASE_URL"] = ""
    p = subprocess.run(
        [sys.executable, "-c",
         "import os, tests.conftest as c; os.environ['QUY_TEST_DATABASE_URL']=''; "
         "c.PG_DEFAULT='postgresql+psycopg://postgres@127.0.0.1:1/test'; c.IN_CI=False; "
         "import pytest\n"
         "try:\n    c.require_pg()\nexcept pytest.skip.Exception:\n    print('skipped')\n"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert "skipped" in p.stdout, p.stderr
