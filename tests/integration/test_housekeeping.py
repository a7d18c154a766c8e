"""``quy cleanup`` (``ledger/ops/housekeeping.py``): uploads and batch prints older than their settings keep are
removed — only files Quỹ named, never through a link — by the command, by each new upload and by each new
batch print; a removed batch PDF's download says so on the job's page."""

from __future__ import annotations

import json
import os
import time
from io import BytesIO
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger import config
from ledger.db import Database
from ledger.migrate import upgrade
from ledger.ops import housekeeping
from tests.e2e.webutil import csrf_token, demo_app, login
from web.cli import main

DAY = 86_400
SHA = "ab" * 32


def _file(path: Path, age_days: float, data: bytes = b"x" * 10) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    t = time.time() - age_days * DAY
    os.utime(path, (t, t))
    return path


@pytest.fixture
def folders(tmp_path):
    up, pr = tmp_path / "uploads", tmp_path / "prints"
    old = [_file(up / f"{SHA}.csv", 8), _file(up / "statements" / f"{SHA}.xlsx", 8),
           _file(up / "statements" / f"{'cd' * 32}.sta", 30),
           _file(up / "statements" / "progress" / f"3-{'e' * 32}.json", 8),
           _file(up / "statements" / "progress" / f"3-{'f' * 32}.tmp", 8),
           _file(pr / f"job-12-{'0' * 16}-receipt.pdf", 91)]
    young = [_file(up / f"{'12' * 32}.xlsx", 6), _file(up / "statements" / f"{'34' * 32}.csv", 1),
             _file(pr / f"job-13-{'1' * 16}-thank_you.pdf", 89)]
    strangers = [_file(up / "notes.csv", 400), _file(up / "statements" / "bank-export.csv", 400),
                 _file(pr / "annual-report.pdf", 400), _file(tmp_path / "elsewhere" / f"{'56' * 32}.csv", 400)]
    (up / f"{'56' * 32}.csv").symlink_to(tmp_path / "elsewhere" / f"{'56' * 32}.csv")
    settings = config.load({"QUY_UPLOADS": str(up), "QUY_PRINTS": str(pr)})
    return settings, old, young, strangers


def test_only_quys_own_files_older_than_their_days_are_removed(folders):
    settings, old, young, strangers = folders
    listed = housekeeping.sweep(settings, dry_run=True)
    assert sorted(r.path for r in listed) == sorted(old) and all(p.exists() for p in old)
    assert {r.kind for r in listed if r.path.suffix == ".pdf"} == {"print"}
    removed = housekeeping.sweep(settings)
    assert sorted(r.path for r in removed) == sorted(old) and sum(r.size for r in removed) == 10 * len(old)
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in young + strangers)
    assert (settings.uploads / f"{'56' * 32}.csv").is_symlink()  # a link is never followed nor removed
    assert housekeeping.sweep(settings) == []


def test_the_days_are_settings(folders):
    settings, old, young, _s = folders
    shorter = config.load({"QUY_UPLOADS": str(settings.uploads), "QUY_PRINTS": str(settings.prints),
                           "QUY_KEEP_UPLOADS_DAYS": "2", "QUY_KEEP_PRINTS_DAYS": "100"})
    removed = {r.path for r in housekeeping.sweep(shorter)}
    six_days_old = settings.uploads / f"{'12' * 32}.xlsx"
    assert removed == {p for p in old if "prints" not in p.parts} | {six_days_old}
    assert all(p.exists() for p in old + young if "prints" in p.parts)  # 91 and 89 days: within 100
    assert (settings.uploads / "statements" / f"{'34' * 32}.csv").exists()  # a day old: within 2
    bad = config.load({"QUY_KEEP_UPLOADS_DAYS": "0", "QUY_KEEP_PRINTS_DAYS": "ba"})
    assert {p.setting for p in config.problems(bad)} >= {"QUY_KEEP_UPLOADS_DAYS", "QUY_KEEP_PRINTS_DAYS"}


def test_quy_cleanup_lists_with_dry_run_then_removes(folders, monkeypatch, tmp_path):
    settings, old, young, _s = folders
    monkeypatch.setenv("QUY_UPLOADS", str(settings.uploads))
    monkeypatch.setenv("QUY_PRINTS", str(settings.prints))
    db = f"sqlite:///{tmp_path / 'q.sqlite3'}"
    r = CliRunner().invoke(main, ["--database", db, "cleanup", "--dry-run", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["dry_run"] and sorted(x["path"] for x in out["removed"]) == sorted(map(str, old))
    assert all(p.exists() for p in old)
    r = CliRunner().invoke(main, ["--database", db, "cleanup"])
    assert r.exit_code == 0 and f"{len(old)} files, {10 * len(old)} bytes removed" in r.output
    assert not any(p.exists() for p in old) and all(p.exists() for p in young)
    monkeypatch.setenv("QUY_KEEP_PRINTS_DAYS", "0")
    r = CliRunner().invoke(main, ["--database", db, "cleanup"])
    assert r.exit_code != 0 and "QUY_KEEP_PRINTS_DAYS=0 must be at least 1" in r.output


def test_a_new_upload_sweeps_the_old_ones_and_a_removed_batch_pdf_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("QUY_PRINTS", str(tmp_path / "prints"))
    db = Database(f"sqlite:///{tmp_path / 'quy.sqlite3'}")
    upgrade(db)
    app = demo_app(db, tmp_path)
    app.config["WTF_CSRF_ENABLED"] = True
    c = app.test_client()
    assert login(c, "thuquy").status_code == 302
    stale = _file(tmp_path / "uploads" / "statements" / f"{SHA}.csv", 8)
    fresh = _file(tmp_path / "uploads" / f"{'12' * 32}.csv", 1)
    text = "Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n03/03/2025,W1,,\"1,500,000\",UNG HO\n"
    r = c.post("/o/SLA/bank/upload", data={"csrf_token": csrf_token(c, "/o/SLA/bank"), "account": "1121.BIDV",
                                           "file": (BytesIO(text.encode()), "s.csv")},
               content_type="multipart/form-data")
    assert r.status_code in (200, 422)
    assert not stale.exists() and fresh.exists()
    assert len(list((tmp_path / "uploads" / "statements").glob("*.csv"))) == 1  # the one just uploaded

    from receipts import jobs

    job = jobs.start(db, "SLA", "receipt", user="t", wait=True)
    pdf = Path(jobs.get(db, 1, job).path)
    assert pdf.exists()
    os.utime(pdf, (time.time() - 91 * DAY,) * 2)
    jobs.start(db, "SLA", "receipt", user="t", wait=True)  # the next batch print sweeps the old one
    assert not pdf.exists()
    r = c.get(f"/o/SLA/print-jobs/{job}.pdf")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/o/SLA/print-jobs/{job}")
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "in lại" in page.lower() or "print the batch again" in page.lower()


def test_a_linked_subfolder_is_not_followed_and_a_dead_jobs_part_file_goes(tmp_path):
    up, pr, elsewhere = tmp_path / "uploads", tmp_path / "prints", tmp_path / "elsewhere"
    kept = _file(elsewhere / "progress" / f"3-{'e' * 32}.json", 30)
    up.mkdir()
    (up / "statements").symlink_to(elsewhere)  # uploads/statements/progress reaches elsewhere/progress
    part = _file(pr / f"job-7-{'a' * 16}-receipt.pdf.part", 91)
    settings = config.load({"QUY_UPLOADS": str(up), "QUY_PRINTS": str(pr)})
    assert [r.path for r in housekeeping.sweep(settings)] == [part]
    assert kept.exists() and not part.exists()


def test_a_file_written_again_after_it_was_listed_is_kept(folders, monkeypatch):
    settings, old, _young, _s = folders
    again = old[0]
    real = housekeeping._old_files

    def listed_then_rewritten(*a):
        found = list(real(*a))
        if any(p == again for p, _n in found):
            again.write_bytes(b"the same upload once more")  # fresh again before the sweep removes it
        return iter(found)

    monkeypatch.setattr(housekeeping, "_old_files", listed_then_rewritten)
    removed = {r.path for r in housekeeping.sweep(settings)}
    assert again not in removed and again.exists() and removed == set(old) - {again}
