"""API tokens that expire, are listed and revoked (web, CLI), and die for good with the role they act with;
batch-print jobs whose worker died are marked failed within the minute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ledger import schema as s
from ledger import services
from ledger.clock import now_iso
from ledger.db import Database
from ledger.migrate import upgrade
from receipts import jobs

from .webutil import csrf_token, demo_app, login

API = "/api/v1/organizations/SLA"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app(db, tmp_path, monkeypatch):
    monkeypatch.setenv("QUY_PRINTS", str(tmp_path / "prints"))
    return demo_app(db, tmp_path)


def _api(app, token: str, path: str = API):
    return app.test_client().get(path, headers={"Authorization": f"Bearer {token}"})


def _days_left(expires_at: str) -> float:
    return (datetime.fromisoformat(expires_at.replace("Z", "+00:00")) - datetime.now(UTC)) / timedelta(days=1)


def test_a_token_lives_quy_token_days_unless_made_with_its_own_lifetime(app, db, monkeypatch):
    r = services.create_token(db, "thuquy", "SLA", "treasurer")
    assert 89.9 < _days_left(r["expires_at"]) <= 90
    monkeypatch.setenv("QUY_TOKEN_DAYS", "30")
    assert 29.9 < _days_left(services.create_token(db, "thuquy", "SLA", "treasurer")["expires_at"]) <= 30
    assert 364.9 < _days_left(services.create_token(db, "thuquy", "SLA", "treasurer", days=365)["expires_at"]) <= 365
    for bad in (0, -1, 3651, "x"):
        with pytest.raises(Exception) as e:
            services.create_token(db, "thuquy", "SLA", "treasurer", days=bad)
        assert e.value.params["reason"] == "bad_token_days"


def test_an_expired_token_gets_401_token_expired(app, db):
    r = services.create_token(db, "thuquy", "SLA", "treasurer", days=1)
    assert _api(app, r["token"]).status_code == 200
    past = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with db.begin() as conn:
        conn.execute(s.api_tokens.update().where(s.api_tokens.c.id == r["id"]).values(expires_at=past))
    resp = _api(app, r["token"])
    assert resp.status_code == 401
    body = resp.get_json()
    assert body["code"] == "token_expired" and body["message_vi"] and body["errors"] == {"token": ["expired"]}
    assert _api(app, "quy_not-a-token").get_json()["code"] == "token_unknown"
    assert [t["state"] for t in services.list_tokens(db, login="thuquy") if t["id"] == r["id"]] == ["expired"]


def test_taking_a_role_away_kills_its_tokens_for_good_a_new_grant_does_not_revive_them(app, db):
    council = services.create_token(db, "hoidong", "SLA", "council")["token"]
    services.grant_role(db, "hoidong", "SLA", "auditor")
    auditor = services.create_token(db, "hoidong", "SLA", "auditor")["token"]
    assert _api(app, council).status_code == 200
    services.revoke_role(db, "hoidong", "SLA", "council")
    r = _api(app, council)
    assert r.status_code == 401 and r.get_json()["code"] == "token_revoked"
    assert r.get_json()["errors"] == {"token": ["role_removed"]} and "role" in r.get_json()["message"]
    assert _api(app, auditor).status_code == 200  # a token of another role lives on
    services.grant_role(db, "hoidong", "SLA", "council")
    assert _api(app, council).status_code == 401  # dead for good
    states = {t["role"]: t["state"] for t in services.list_tokens(db, login="hoidong")}
    assert states == {"council": "role_removed", "auditor": "live"}


def test_the_users_page_taking_a_role_away_kills_its_tokens(app, db):
    token = services.create_token(db, "kiemtra", "SLA", "auditor")["token"]
    admin = app.test_client()
    login(admin, "quantri")
    csrf = csrf_token(admin, "/o/SLA/users")
    r = admin.post("/o/SLA/users", data={"csrf_token": csrf, "action": "revoke", "login": "kiemtra",
                                         "role": "auditor"})
    assert r.status_code == 200
    services.grant_role(db, "kiemtra", "SLA", "auditor")
    assert _api(app, token).get_json()["code"] == "token_revoked"


def test_the_tokens_page_lists_ones_own_tokens_and_revokes_them(app, db):
    mine = services.create_token(db, "thuquy", "SLA", "treasurer", name="Kế toán máy")
    other = services.create_token(db, "hoidong", "SLA", "council", name="Hội đồng")
    c = app.test_client()
    login(c, "thuquy")
    page = c.get("/o/SLA/tokens").get_data(as_text=True)
    assert f'id="token-{mine["id"]}"' in page and "Kế toán máy" in page
    assert f'id="token-{other["id"]}"' not in page  # not an admin: only one's own
    assert mine["token"] not in page  # never the text, only its first characters
    # without the form's CSRF token nothing is revoked
    assert c.post(f"/o/SLA/tokens/{mine['id']}/revoke").status_code == 400
    assert _api(app, mine["token"]).status_code == 200
    csrf = csrf_token(c, "/o/SLA/tokens")
    assert c.post(f"/o/SLA/tokens/{other['id']}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert _api(app, other["token"]).status_code == 200
    r = c.post(f"/o/SLA/tokens/{mine['id']}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 302
    assert _api(app, mine["token"]).get_json()["code"] == "token_revoked"
    # a token made on the page, with its own lifetime
    r = c.post("/o/SLA/tokens", data={"csrf_token": csrf, "role": "treasurer", "name": "Tạm", "days": "7"})
    assert r.status_code == 200
    made = services.list_tokens(db, login="thuquy")[0]
    assert made["name"] == "Tạm" and 6.9 < _days_left(made["expires_at"]) <= 7
    r = c.post("/o/SLA/tokens", data={"csrf_token": csrf, "role": "treasurer", "days": "99999"})
    assert r.status_code == 422


def test_an_admin_sees_and_revokes_every_token_of_the_organization(app, db):
    other = services.create_token(db, "hoidong", "SLA", "council")
    district = services.create_token(db, "thuquy.tch", "SLA-TCH", "treasurer")
    c = app.test_client()
    login(c, "quantri")
    page = c.get("/o/SLA/tokens").get_data(as_text=True)
    assert f'id="token-{other["id"]}"' in page and f'id="token-{district["id"]}"' not in page
    csrf = csrf_token(c, "/o/SLA/tokens")
    assert c.post(f"/o/SLA/tokens/{other['id']}/revoke", data={"csrf_token": csrf}).status_code == 302
    assert _api(app, other["token"]).status_code == 401
    # another organization's token is not this admin's to see
    assert c.post(f"/o/SLA/tokens/{district['id']}/revoke", data={"csrf_token": csrf}).status_code == 404
    assert _api(app, district["token"], "/api/v1/organizations/SLA-TCH").status_code == 200


def _quy(url: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "QUY_DATABASE_URL": url, "QUY_USER": "thu.quy",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-m", "web.cli", *args], capture_output=True, text=True, env=env,
                       timeout=300, cwd=ROOT)
    if ok:
        assert p.returncode == 0, p.stderr
    return p


def test_quy_token_create_list_and_revoke_and_user_revoke(tmp_path):
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    _quy(url, "init")
    _quy(url, "org", "add", "SLA", "Hội Khuyến học tỉnh Sơn La", "--level", "province")
    _quy(url, "user", "add", "hoa", "--name", "Lê Thị Hoa", "--role", "admin@SLA", "--role", "treasurer@SLA")
    p = _quy(url, "token", "create", "hoa", "treasurer@SLA", "--name", "máy kế toán", "--days", "7")
    first = p.stdout.strip()
    assert first.startswith("quy_") and "expires" in p.stderr
    second = _quy(url, "token", "create", "hoa", "admin@SLA").stdout.strip()
    listed = _quy(url, "token", "list", "--login", "hoa", "--org", "SLA").stdout
    assert first not in listed and first[:10] in listed and "live" in listed
    import json

    rows = json.loads(_quy(url, "token", "list", "--json").stdout)
    by_role = {r["role"]: r for r in rows}
    assert 6.9 < _days_left(by_role["treasurer"]["expires_at"]) <= 7
    assert 89.9 < _days_left(by_role["admin"]["expires_at"]) <= 90
    assert _quy(url, "token", "revoke", str(by_role["admin"]["id"])).stdout.startswith("Token")
    _quy(url, "user", "revoke", "hoa", "treasurer@SLA")
    _quy(url, "user", "grant", "hoa", "treasurer@SLA")
    states = {r["role"]: r["state"] for r in json.loads(_quy(url, "token", "list", "--json").stdout)}
    assert states == {"treasurer": "role_removed", "admin": "revoked"}
    from web.app import create_app

    app = create_app(Database(url), {"SECRET_KEY": "t", "QUY_UPLOADS": str(tmp_path / "u")})
    for token in (first, second):
        assert _api(app, token).status_code == 401
    assert _quy(url, "token", "revoke", "999", ok=False).returncode != 0


def test_tokens_made_before_0019_get_an_expiry_and_lose_a_role_they_no_longer_hold(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(db, "0017")
    old = (datetime.now(UTC) - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    recent = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with db.begin() as c:
        c.execute(sa.text("INSERT INTO organizations (id, code, name, level, created_at) "
                          "VALUES (1, 'SLA', 'Hội', 'province', :t)"), {"t": old})
        c.execute(sa.text("INSERT INTO users (id, login, name, password_hash, active, created_at) "
                          "VALUES (1, 'hoa', 'Hoa', 'x', 1, :t)"), {"t": old})
        c.execute(sa.text("INSERT INTO memberships (user_id, org_id, role) VALUES (1, 1, 'treasurer')"))
        for tid, role, created in ((1, "treasurer", recent), (2, "treasurer", old), (3, "admin", recent)):
            c.execute(sa.text("INSERT INTO api_tokens (id, token_hash, prefix, user_id, org_id, role, name, "
                              "created_at) VALUES (:id, :h, 'quy_x', 1, 1, :role, '', :t)"),
                      {"id": tid, "h": f"h{tid}", "role": role, "t": created})
    upgrade(db)
    with db.read() as c:
        rows = {r.id: r for r in c.execute(sa.select(s.api_tokens))}
    assert 79.9 < _days_left(rows[1].expires_at) <= 80  # creation + 90 days
    assert 6.9 < _days_left(rows[2].expires_at) <= 7  # past creation + 90: a week's grace from the upgrade
    assert rows[1].revoked_at is None and rows[2].revoked_at is None
    assert rows[3].revoked_reason == "role_removed" and rows[3].revoked_at is not None  # hoa is no admin
    db.dispose()


# ------------------------------------------------------------------ print jobs


def _stale_job(db, *, state: str = "running", beat_ago: timedelta) -> int:
    at = (datetime.now(UTC) - beat_ago).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with db.begin() as conn:
        return conn.execute(s.print_jobs.insert().values(
            org_id=1, kind="receipt", state=state, done=3, total=10, created_by="test", created_at=at,
            heartbeat_at=at)).inserted_primary_key[0]


def test_a_job_whose_heartbeat_stopped_a_minute_ago_is_failed_when_anyone_looks(app, db):
    lost = _stale_job(db, beat_ago=timedelta(seconds=61))
    alive = _stale_job(db, beat_ago=timedelta(seconds=5))
    queued = _stale_job(db, state="queued", beat_ago=timedelta(minutes=5))
    token = services.create_token(db, "thuquy", "SLA", "treasurer")["token"]
    r = _api(app, token, f"{API}/print-jobs/{lost}")
    assert r.status_code == 200
    assert r.get_json()["state"] == "failed" and r.get_json()["error"] == "worker_lost"
    assert _api(app, token, f"{API}/print-jobs/{alive}").get_json()["state"] == "running"
    c = app.test_client()
    login(c, "thuquy")
    page = c.get(f"/o/SLA/print-jobs/{queued}").get_data(as_text=True)
    assert 'data-state="failed"' in page and "worker_lost" not in page  # said in words
    assert jobs.get(db, 1, queued).error == "worker_lost"


def test_a_dead_job_does_not_hold_up_a_new_batch(app, db, monkeypatch):
    from types import SimpleNamespace

    def fake_print(_db, _org, _kind, ids, out, *, progress):  # the pages' layout is not what is tested here
        progress(len(ids), len(ids))
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_bytes(b"%PDF-1.7")
        return SimpleNamespace(pages=len(ids), sha256="0" * 64)

    monkeypatch.setattr(jobs.batch, "print_batch", fake_print)
    _stale_job(db, beat_ago=timedelta(minutes=2))
    job = jobs.start(db, "SLA", "receipt", user="test", wait=True)
    assert jobs.get(db, 1, job).state == "done", jobs.get(db, 1, job).error
    alive = _stale_job(db, beat_ago=timedelta(seconds=1))
    with pytest.raises(Exception) as e:
        jobs.start(db, "SLA", "receipt", user="test")
    assert e.value.params["reason"] == "print_job_running" and e.value.params["id"] == alive


def test_a_running_job_beats_and_is_failed_within_the_minute_after_its_worker_is_killed(tmp_path, monkeypatch):
    """A real worker process: it starts a batch whose page layout never ends, beats its heartbeat, and is
    killed with SIGKILL. (The minute is shortened to two seconds here, the beat to a fifth of one.)"""
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    db = Database(url)
    upgrade(db)
    app = demo_app(db, tmp_path)
    script = tmp_path / "worker.py"
    script.write_text(f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from ledger.db import Database
from receipts import batch, jobs
jobs.HEARTBEAT_EVERY = 0.2
batch.print_batch = lambda *a, **k: time.sleep(600)
job = jobs.start(Database({url!r}), "SLA", "receipt", user="test")
print(job, flush=True)
time.sleep(600)
""")
    monkeypatch.setenv("QUY_PRINTS", str(tmp_path / "prints"))
    worker = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "QUY_PRINTS": str(tmp_path / "prints")})
    try:
        job_id = int(worker.stdout.readline())
        monkeypatch.setattr(jobs, "STALE_AFTER", timedelta(seconds=2))
        beats = set()
        deadline = time.monotonic() + 20
        while len(beats) < 3 and time.monotonic() < deadline:
            j = jobs.get(db, 1, job_id)
            assert j.state in ("queued", "running")  # alive: never taken for dead
            beats.add(j.heartbeat_at)
            time.sleep(0.3)
        assert len(beats) >= 3
        assert jobs.get(db, 1, job_id).state == "running"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed_at = now_iso()
    time.sleep(2.5)
    j = jobs.get(db, 1, job_id)
    assert j.state == "failed" and j.error == "worker_lost" and j.finished_at > killed_at
    c = app.test_client()
    login(c, "thuquy")
    assert 'data-state="failed"' in c.get(f"/o/SLA/print-jobs/{job_id}").get_data(as_text=True)
    db.dispose()
