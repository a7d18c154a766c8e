"""Batch printing as a background job for the web: the job's row (``print_jobs``) holds its progress,
so any worker process can show it; the work runs on a thread of the process that accepted it and lays
out pages on every core (``receipts/batch.py``). While the work runs, the job's ``heartbeat_at`` is written every
few seconds; a queued or running job whose heartbeat is older than :data:`STALE_AFTER` (its process was killed,
or the machine restarted) is marked failed with the error ``worker_lost`` as soon as anyone looks at the
organization's jobs or starts a new one — and a worker that finds its job so marked stops. Finished PDFs are
kept under the instance folder's ``prints/`` for ``QUY_KEEP_PRINTS_DAYS`` (``ledger/ops/housekeeping.py``); the job
stays listed, and the batch can be printed again."""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ledger import config, orgs
from ledger import schema as s
from ledger.audit import record
from ledger.clock import now_iso
from ledger.db import Database
from ledger.donations import campaign_id_by_code
from ledger.errors import Conflict, InvalidInput, LedgerError, NotFound
from ledger.idempotency import run_idempotent
from ledger.ops import housekeeping

from . import batch


@dataclass(frozen=True)
class Job:
    id: int
    org_id: int
    kind: str
    campaign_id: int | None
    year: int | None
    state: str
    done: int
    total: int
    pages: int | None
    path: str | None
    sha256: str | None
    error: str | None
    created_by: str
    created_at: str
    finished_at: str | None
    heartbeat_at: str | None = None

    @property
    def percent(self) -> int:
        return 100 if self.state == "done" else (100 * self.done // self.total if self.total else 0)


def prints_dir() -> Path:
    return config.load().prints  # QUY_PRINTS, else <QUY_INSTANCE>/prints


def _iso_ago(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def reap(conn, org_id: int) -> list[int]:
    """Mark failed (``worker_lost``) the organization's queued or running jobs whose heartbeat (or creation,
    before the first) is older than STALE_AFTER: their worker is gone. Return their ids."""
    j = s.print_jobs
    since = _iso_ago(STALE_AFTER)
    lost = list(conn.execute(sa.select(j.c.id).where(
        j.c.org_id == org_id, j.c.state.in_(("queued", "running")),
        sa.func.coalesce(j.c.heartbeat_at, j.c.created_at) < since)).scalars())
    if lost:
        conn.execute(j.update().where(j.c.id.in_(lost), j.c.state.in_(("queued", "running")))
                     .values(state="failed", error=WORKER_LOST, finished_at=now_iso()))
    return lost


def _reap(db: Database, org_id: int) -> None:
    j = s.print_jobs
    since = _iso_ago(STALE_AFTER)
    with db.read() as conn:  # most looks find nothing to do: no write transaction for them
        stale = conn.execute(sa.select(j.c.id).where(
            j.c.org_id == org_id, j.c.state.in_(("queued", "running")),
            sa.func.coalesce(j.c.heartbeat_at, j.c.created_at) < since).limit(1)).first()
    if stale:
        with db.begin() as conn:
            reap(conn, org_id)


def get(db: Database, org_id: int, job_id: int) -> Job:
    j = s.print_jobs
    _reap(db, org_id)
    with db.read() as conn:
        row = conn.execute(sa.select(j).where(j.c.id == job_id, j.c.org_id == org_id)).one_or_none()
    if row is None:
        raise NotFound(f"print job {job_id} not found", entity="print_job", id=job_id)
    return Job(**row._mapping)


def recent(db: Database, org_id: int, limit: int = 10) -> list[Job]:
    j = s.print_jobs
    _reap(db, org_id)
    with db.read() as conn:
        return [Job(**r._mapping) for r in conn.execute(
            sa.select(j).where(j.c.org_id == org_id).order_by(j.c.id.desc()).limit(limit))]


def _update(db: Database, job_id: int, **values) -> bool:
    """Write the job's progress with a heartbeat; return False (writing nothing) when the job is no longer
    queued or running — it was marked failed as lost, and its worker must stop."""
    j = s.print_jobs
    with db.begin() as conn:
        return bool(conn.execute(j.update().where(j.c.id == job_id, j.c.state.in_(("queued", "running")))
                                 .values(heartbeat_at=now_iso(), **values)).rowcount)


class JobLost(RuntimeError):
    """The job was marked failed while this worker still ran (its heartbeat had stopped for a minute)."""


def start(db: Database, org_code: str, kind: str, *, user: str, campaign: str | None = None,
          year: int | None = None, wait: bool = False, key: str | None = None) -> int:
    """Queue a batch print of ``kind`` for a campaign (or year, or everything) and start it on a thread;
    return the job's id (``wait``: run it to the end first, for the CLI and tests). With ``key``, the
    same key and input give the first job again instead of starting another."""
    if kind not in batch.KINDS:
        raise InvalidInput(f"batch kind must be one of {', '.join(batch.KINDS)}", field="kind", reason="unknown_kind")
    payload = {"kind": kind, "campaign": campaign, "year": year}
    r = run_idempotent(db, f"{org_code}:print_job", key, payload,
                       lambda conn: _create(conn, org_code, kind, user=user, campaign=campaign, year=year))
    if not r.get("replayed"):
        housekeeping.sweep(config.load(), uploads=False)  # batch PDFs older than QUY_KEEP_PRINTS_DAYS
        t = threading.Thread(target=_run, args=(db, r["org_id"], r["id"], kind, r["ids"]), name=f"quy-print-{r['id']}",
                             daemon=True)
        _THREADS.append(t)
        t.start()
        if wait:
            t.join()
    return r["id"]


_THREADS: list[threading.Thread] = []
#: A job still "queued" or "running" whose heartbeat is older than this is taken for one whose process died.
STALE_AFTER = timedelta(minutes=1)
#: How often a running job's worker writes its heartbeat (well inside STALE_AFTER).
HEARTBEAT_EVERY = 10.0
#: The error of a job whose worker stopped beating.
WORKER_LOST = "worker_lost"


def wait_all(timeout: float | None = None) -> None:
    """Wait for the jobs this process started (tests, and a clean shutdown)."""
    for t in list(_THREADS):
        t.join(timeout)
        if not t.is_alive():
            _THREADS.remove(t)


def _create(conn, org_code: str, kind: str, *, user: str, campaign: str | None, year: int | None) -> dict:
    oid = orgs.org_id_by_code(conn, org_code)
    j = s.print_jobs
    reap(conn, oid)  # a job whose worker died holds nothing up
    busy = conn.execute(sa.select(j.c.id).where(j.c.org_id == oid, j.c.state.in_(("queued", "running")))).first()
    if busy:  # one batch at a time per organization: each one already uses every core
        raise Conflict(f"print job {busy.id} is still running", reason="print_job_running", id=busy.id)
    cid = campaign_id_by_code(conn, oid, campaign) if campaign else None
    ids = batch.select_ids(conn, oid, kind, campaign_id=cid, year=year)
    if not ids:
        raise InvalidInput("there is nothing to print", field="kind", reason="nothing_to_print")
    now = now_iso()
    job_id = conn.execute(s.print_jobs.insert().values(
        org_id=oid, kind=kind, campaign_id=cid, year=year, state="queued", done=0, total=len(ids),
        created_by=user, created_at=now, heartbeat_at=now)).inserted_primary_key[0]
    record(conn, user, "documents.batch", org_id=oid, target=f"print_job:{job_id}",
           details={"kind": kind, "campaign": campaign, "year": year, "count": len(ids)})
    return {"id": job_id, "org_id": oid, "ids": ids}


def _run(db: Database, org_id: int, job_id: int, kind: str, ids: list[int]) -> None:
    # an unguessable name, absolute, readable by this user only: the file holds donors' names
    out = prints_dir().resolve() / f"job-{job_id}-{secrets.token_hex(8)}-{kind}.pdf"
    last = [0.0]
    stop = threading.Event()

    def beat() -> None:  # the heartbeat, between progress reports too (a long page layout reports nothing)
        while not stop.wait(HEARTBEAT_EVERY):
            try:
                if not _update(db, job_id):
                    return
            except Exception:  # noqa: BLE001 - a missed beat is retried; the job itself reports its errors
                continue

    def progress(done: int, total: int) -> None:
        if done == total or time.monotonic() - last[0] > 0.5:
            last[0] = time.monotonic()
            if not _update(db, job_id, done=done, total=total):
                raise JobLost(f"print job {job_id} was marked failed ({WORKER_LOST})")

    heart = threading.Thread(target=beat, name=f"quy-print-{job_id}-heartbeat", daemon=True)
    try:
        if not _update(db, job_id, state="running"):
            return
        heart.start()
        r = batch.print_batch(db, org_id, kind, ids, out, progress=progress)
        os.chmod(out, 0o600)
        if not _update(db, job_id, state="done", done=len(ids), pages=r.pages, path=str(out), sha256=r.sha256,
                       finished_at=now_iso()):
            out.unlink(missing_ok=True)  # marked lost meanwhile: its page already says failed
    except JobLost:
        out.unlink(missing_ok=True)
    except (LedgerError, OSError, ValueError, RuntimeError) as e:
        _update(db, job_id, state="failed", error=str(e)[:1000], finished_at=now_iso())
    except BaseException as e:  # noqa: BLE001 - a job must never stay "running" after its thread ends
        _update(db, job_id, state="failed", error=f"{type(e).__name__}: {e}"[:1000], finished_at=now_iso())
    finally:
        stop.set()
