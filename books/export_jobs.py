"""Long exports (a register of tens of thousands of rows as XLSX or CSV) as background jobs with progress,
for the web: the page that asks for one gets a progress bar instead of a request that runs for a minute.

Like a batch print (``receipts/jobs.py``) the work runs on a thread of the process that accepted it; like a
bank statement import (``web/bank.py``) its progress is a small JSON file that any worker process can read
(``<QUY_PRINTS>/exports/<org id>-<token>.json``: state, rows written, rows in all), so no table is needed.
The file is written beside it as ``….part`` and renamed when complete. A job whose progress file has not
changed for :data:`STALE_AFTER` while it says it runs lost its process (``worker_lost``). Files are swept
with the batch prints after ``QUY_KEEP_PRINTS_DAYS`` (``ledger/ops/housekeeping.py``); they hold donors' names,
so they are readable by this user only and named by an unguessable token.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Connection

from ledger import config
from ledger.db import Database
from ledger.ops import housekeeping

from . import tables

#: A running job whose progress file is older than this is taken for one whose process died.
STALE_AFTER = 60.0
#: How often (at most) a running job writes its progress.
REPORT_EVERY = 0.5
#: How often a running job says it is alive while it writes no row (counting, sorting, saving the file).
HEARTBEAT = 10.0
#: Exports written at once by one process; more wait their turn (a database connection and a core each).
AT_ONCE = 2
WORKER_LOST = "worker_lost"
#: What a failed job says: a code, never the exception's text (it may name tables or paths); that is logged.
EXPORT_FAILED = "export_failed"
_TURNS = threading.BoundedSemaphore(AT_ONCE)
log = logging.getLogger("quy.exports")
_TOKEN = re.compile(r"[0-9a-f]{32}")
_THREADS: list[threading.Thread] = []


def exports_dir() -> Path:
    return config.load().prints / "exports"


def _paths(org_id: int, token: str) -> tuple[Path, Path] | None:
    if not _TOKEN.fullmatch(token or ""):
        return None
    base = exports_dir().resolve() / f"{org_id}-{token}"
    return base.with_suffix(".json"), base


def _write(path: Path, state: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def start(db: Database, org_id: int, build: Callable[[Connection], tables.Table], fmt: str, name: str, *,
          wait: bool = False) -> str:
    """Start writing the table ``build(conn)`` makes as ``fmt`` (xlsx or csv) on a thread; return the job's
    token. ``name`` is the file's download name. ``wait``: run it to the end first (tests)."""
    if fmt not in ("xlsx", "csv"):
        raise ValueError(fmt)
    folder = exports_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    housekeeping.sweep(config.load(), uploads=False)  # exports and prints past QUY_KEEP_PRINTS_DAYS
    token = secrets.token_hex(16)
    progress_path, base = _paths(org_id, token)
    _write(progress_path, {"state": "running", "done": 0, "total": 0, "fmt": fmt, "name": name, "error": None})
    t = threading.Thread(target=_run, args=(db, build, fmt, name, progress_path, base.with_suffix(f".{fmt}")),
                         name=f"quy-export-{token[:8]}", daemon=True)
    _THREADS[:] = [x for x in _THREADS if x.is_alive()]
    _THREADS.append(t)
    t.start()
    if wait:
        t.join()
    return token


def _run(db: Database, build, fmt: str, name: str, progress_path: Path, out: Path) -> None:
    part = out.with_suffix(".part")
    state = {"state": "running", "done": 0, "total": 0, "fmt": fmt, "name": name, "error": None}
    last = [0.0]
    lock, stop = threading.Lock(), threading.Event()

    def progress(done: int) -> None:
        if time.monotonic() - last[0] > REPORT_EVERY:
            last[0] = time.monotonic()
            with lock:
                state["done"] = done
                _write(progress_path, state)

    def beat() -> None:  # alive while no row is written: waiting its turn, counting, saving the file
        while not stop.wait(HEARTBEAT):
            with lock:
                if not stop.is_set():
                    _write(progress_path, state)

    threading.Thread(target=beat, name="quy-export-beat", daemon=True).start()
    try:
        with _TURNS, db.read() as conn:
            table = build(conn)
            state["total"] = table.count() if table.count else len(table.rows)  # type: ignore[arg-type]
            _write(progress_path, state)
            if fmt == "xlsx":
                n = tables.write_xlsx(table, str(part), progress=progress)
            else:
                n = 0
                with open(part, "w", encoding="utf-8", newline="") as f:
                    for chunk in tables.csv_chunks(table):
                        f.write(chunk)
                        n += chunk.count("\n")
                        progress(min(n, state["total"]))
        os.chmod(part, 0o600)
        os.replace(part, out)
        with lock:
            stop.set()
            _write(progress_path, {**state, "state": "done", "done": state["total"] or n})
    except BaseException:  # noqa: BLE001 - a job must never stay "running" after its thread ends
        log.exception("export %s failed", progress_path.stem)
        part.unlink(missing_ok=True)
        with lock:
            stop.set()
            _write(progress_path, {**state, "state": "failed", "error": EXPORT_FAILED})
    finally:
        stop.set()


def status(org_id: int, token: str) -> dict | None:
    """The job's state (``running``, ``done``, ``failed``), rows done and in all, percent, file name and
    error; None when there is no such job for this organization."""
    paths = _paths(org_id, token)
    if paths is None or not paths[0].exists():
        return None
    try:
        state = json.loads(paths[0].read_text(encoding="utf-8"))
        age = time.time() - paths[0].stat().st_mtime
    except (OSError, ValueError):
        return None
    if state["state"] == "running" and age > STALE_AFTER:
        state = {**state, "state": "failed", "error": WORKER_LOST}
    total = state.get("total") or 0
    state["percent"] = 100 if state["state"] == "done" else (min(99, 100 * state["done"] // total) if total else 0)
    return state


def result(org_id: int, token: str) -> tuple[Path, dict] | None:
    """The finished file and the job's state, or None (not finished, failed, swept)."""
    state = status(org_id, token)
    if state is None or state["state"] != "done":
        return None
    path = _paths(org_id, token)[1].with_suffix(f".{state['fmt']}")
    return (path, state) if path.exists() else None


def wait_all(timeout: float | None = None) -> None:
    """Wait for the export jobs this process started (tests)."""
    for t in list(_THREADS):
        t.join(timeout)
        if not t.is_alive():
            _THREADS.remove(t)
