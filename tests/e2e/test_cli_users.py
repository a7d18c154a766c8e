"""People from the command line: the first administrator, roles, API tokens and the demo logins."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.db import Database
from web.app import create_app

from .test_cli import run


def test_user_add_creates_the_first_admin_who_can_log_in(tmp_path):
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "init")
    run(url, "org", "add", "HKH-XA", "Hội Khuyến học xã Chiềng Ngần", "--level", "province")
    p = run(url, "user", "add", "lan", "--name", "Đinh Thị Lan", "--role", "admin@HKH-XA")
    password = p.stdout.split("Password: ")[1].strip()
    assert len(password) >= 12
    p = run(url, "user", "add", "bad", "--name", "X", "--role", "admin@NOPE", ok=False)
    assert p.returncode == 2 and "not_found" in p.stderr
    p = run(url, "user", "add", "lan", "--name", "Đinh Thị Lan", ok=False)
    assert p.returncode == 2 and "conflict" in p.stderr
    db = Database(url)
    app = create_app(db, {"SECRET_KEY": "t", "QUY_UPLOADS": str(tmp_path / "u")})
    from .webutil import login

    c = app.test_client()
    assert login(c, "lan", password).status_code == 302
    assert c.get("/o/HKH-XA/lock").status_code == 200  # an admin page
    with db.read() as conn:
        actions = conn.execute(sa.text("SELECT action, via FROM audit_log ORDER BY id")).all()
    assert ("user.create", "cli") in actions and ("role.grant", "cli") in actions


def test_password_from_stdin_and_weak_passwords_refused(tmp_path):
    import os
    import subprocess

    from .test_cli import QUY

    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "init")
    env = {**os.environ, "QUY_DATABASE_URL": url}
    p = subprocess.run([QUY, "user", "add", "an", "--name", "An", "--password-stdin"], input="ngan\n",
                       capture_output=True, text=True, env=env)
    assert p.returncode == 2 and "ít nhất 10 ký tự" in p.stderr


def test_tokens_are_scoped_to_a_role_the_user_holds(tmp_path):
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "demo", "--campaign-only")
    token = run(url, "token", "create", "kiemtra", "auditor@SLA", "--name", "kiểm toán").stdout.strip()
    assert token.startswith("quy_")
    p = run(url, "token", "create", "kiemtra", "treasurer@SLA", ok=False)
    assert p.returncode == 2 and "conflict" in p.stderr
    db = Database(url)
    with db.read() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert token not in stored and len(stored) == 1  # only its digest is kept


def test_demo_prints_its_logins_every_time_and_keeps_them_out_of_the_repository(tmp_path):
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    first = run(url, "demo", "--if-empty", "--campaign-only").stdout
    again = run(url, "demo", "--if-empty", "--campaign-only").stdout
    assert "thuquy" in first and "treasurer@SLA" in first
    logins = (tmp_path / "demo-logins.txt").read_text()
    assert logins in first and logins in again
    assert oct((tmp_path / "demo-logins.txt").stat().st_mode & 0o777) == "0o600"
    line = next(ln for ln in logins.splitlines() if ln.startswith("thuquy"))
    password = line.split()[1]
    app = create_app(Database(url), {"SECRET_KEY": "t", "QUY_UPLOADS": str(tmp_path / "u")})
    from .webutil import login

    assert login(app.test_client(), "thuquy", password).status_code == 302
