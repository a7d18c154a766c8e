"""An import killed with SIGKILL mid-file leaves nothing behind; a re-run equals a clean run."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

QUY = str(Path(sys.executable).parent / "quy")
ROWS = 60_000


def _env(url):
    return {**os.environ, "QUY_DATABASE_URL": url, "QUY_USER": "thu.quy"}


def _quy(url, *args):
    p = subprocess.run([QUY, *args], capture_output=True, text=True, env=_env(url), timeout=600)
    assert p.returncode == 0, p.stderr
    return p.stdout


def _state(url):
    bal = json.loads(_quy(url, "balance", "--json"))
    import sqlite3

    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("transactions", "postings", "donations", "donors", "idempotency_keys")}
    rows = con.execute("SELECT d.name, n.amount, n.date, n.kind FROM donations n "
                       "JOIN donors d ON d.id = n.donor_id ORDER BY n.id").fetchall()
    con.close()
    return bal, counts, rows


@pytest.mark.slow
def test_sigkill_mid_import_keeps_nothing_and_rerun_equals_clean_run(tmp_path):
    big = tmp_path / "campaign.csv"
    with big.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["date", "donor", "fund", "kind", "amount", "bank_account"])
        for i in range(ROWS):
            w.writerow(["2025-03-15", f"Nhà hảo tâm số {i % 5000}", "TOHIEU",
                        "transfer" if i % 3 else "cash", 100_000 + i, "1121.AGR" if i % 3 else ""])
    killed = f"sqlite:///{tmp_path / 'killed.sqlite3'}"
    clean = f"sqlite:///{tmp_path / 'clean.sqlite3'}"
    for url in (killed, clean):
        _quy(url, "demo", "--campaign-only")
    before = _state(killed)

    proc = subprocess.Popen([QUY, "import", str(big)], env=_env(killed), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    os.set_blocking(proc.stderr.fileno(), False)
    seen, deadline = b"", time.monotonic() + 120
    while b"Ghi s" not in seen and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        seen += proc.stderr.read() or b""
    assert b"Ghi s" in seen, "the import never started writing"
    time.sleep(0.3)  # well inside the write phase of 60,000 donations
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    assert _state(killed) == before  # nothing of the file was kept
    assert "OK     SLA" in _quy(killed, "verify")

    _quy(killed, "import", str(big))
    _quy(clean, "import", str(big))
    after_rerun, after_clean = _state(killed), _state(clean)
    assert after_rerun == after_clean
    assert after_rerun[1]["donations"] == before[1]["donations"] + ROWS
