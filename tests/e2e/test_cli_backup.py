"""``quy backup``, ``quy restore`` and ``quy upgrade`` as an administrator runs them — and ``kill -9`` in the
middle of a backup."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.db import Database
from ledger.migrate import current_revision, head_revision, upgrade

QUY = str(Path(sys.executable).parent / "quy")


def run(url, *args, ok=True, env=None):
    env = {**os.environ, "QUY_DATABASE_URL": url, "QUY_USER": "admin", **(env or {})}
    p = subprocess.run([QUY, *args], capture_output=True, text=True, env=env, timeout=600)
    if ok:
        assert p.returncode == 0, p.stderr
    return p


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def demo(tmp_path):
    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "demo", "--campaign-only")
    return url


def test_backup_check_restore_and_keep_from_the_command_line(demo, tmp_path):
    folder = tmp_path / "backups"
    made = []
    for _ in range(3):
        out = json.loads(run(demo, "backup", "--out", str(folder), "--keep", "2", "--json").stdout)
        made.append(Path(out["path"]))
    assert out["engine"] == "sqlite" and out["removed"] == [str(made[0])]
    assert sorted(folder.iterdir()) == made[1:]
    digests = run(demo, "digest").stdout.split("\n")
    text = run(demo, "restore", "--check", str(made[-1])).stdout
    assert text.startswith("OK ") and "every checksum matches" in text

    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    p = run(target, "restore", str(made[-1]))
    assert "quy verify: OK for 13 journals" in p.stdout
    assert run(target, "digest").stdout.split("\n") == digests
    assert json.loads(run(target, "balance", "--org", "SLA", "--json").stdout) == \
        json.loads(run(demo, "balance", "--org", "SLA", "--json").stdout)

    again = run(target, "restore", str(made[-1]), ok=False)
    assert again.returncode == 2
    assert "backup_refused" in again.stderr and "cơ sở dữ liệu trống" in again.stderr
    assert run(target, "restore", "--force", str(made[-1])).returncode == 0


def test_a_damaged_file_is_refused_in_vietnamese_and_the_target_stays_empty(demo, tmp_path):
    good = Path(json.loads(run(demo, "backup", "--out", str(tmp_path / "b.tar"), "--json").stdout)["path"])
    bad = tmp_path / "bad.tar"
    data = bytearray(good.read_bytes())
    data[4096] ^= 0xFF
    bad.write_bytes(bytes(data))
    target = tmp_path / "restored.sqlite3"
    p = run(f"sqlite:///{target}", "restore", str(bad), ok=False)
    assert p.returncode == 2
    assert "không khớp mã kiểm tra" in p.stderr
    assert not target.exists() or sqlite3.connect(target).execute(
        "SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


@pytest.mark.parametrize("final_name", [False, True])
def test_kill_9_during_a_backup_leaves_no_file_under_the_final_name_and_the_previous_intact(
        demo, tmp_path, final_name):
    path = Path(demo.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as con:  # big enough that the backup takes a while
        con.execute("CREATE TABLE ballast (data BLOB)")
        con.executemany("INSERT INTO ballast VALUES (randomblob(1000000))", [()] * 120)
    con.close()
    folder = tmp_path / "backups"
    out = folder / "nightly.tar" if final_name else folder
    previous = Path(json.loads(run(demo, "backup", "--out", str(out), "--json").stdout)["path"])
    before = sha(previous)

    env = {**os.environ, "QUY_DATABASE_URL": demo, "QUY_USER": "admin"}
    proc = subprocess.Popen([QUY, "backup", "--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        partial = [p for p in folder.iterdir() if p.name.startswith(".")]
        if partial and any(p.is_file() and p.stat().st_size > 10_000_000 for p in partial) or \
                any(p.is_dir() for p in partial):
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the backup finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)

    finals = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    assert finals == [previous]  # no file under a final name but the previous backup's
    assert sha(previous) == before
    assert run(demo, "restore", "--check", str(previous)).returncode == 0
    # the next backup sweeps what the killed one left and completes
    nxt = Path(json.loads(run(demo, "backup", "--out", str(out), "--json").stdout)["path"])
    assert [p for p in folder.iterdir() if p.name.startswith(".")] == []
    assert run(demo, "restore", "--check", str(nxt)).returncode == 0


def test_upgrade_backs_up_then_migrates_then_verifies(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    upgrade(db, "0011")
    db.dispose()
    folder = tmp_path / "before-upgrade"
    p = run(url, "upgrade", "--backup-dir", str(folder))
    assert "Backup first:" in p.stdout and "0011 → " in p.stdout and "quy verify: OK" in p.stdout
    backups = list(folder.iterdir())
    assert len(backups) == 1
    assert "schema 0011" in run(url, "restore", "--check", str(backups[0])).stdout
    db = Database(url)
    assert current_revision(db) == head_revision(db)
    db.dispose()
    assert "nothing to do" in run(url, "upgrade").stdout
