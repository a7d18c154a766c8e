"""Batch printing: every receipt (or thank-you letter, or honour certificate) of a campaign or a year in
one PDF, laid out on every core.

The documents are cut into chunks; worker processes (one per core by default) each read and lay out
their chunks and write them to temporary PDFs; the parent joins them in order with pypdf as they come
back and reports progress after each chunk. Nothing is written to ``out``
until the whole batch is laid out (written to a temporary name, then renamed); the batch file's
sha256 is returned so the copy handed out can be checked later.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import queries
from ledger import schema as s
from ledger.db import Database

from .gold_book import render_certificates
from .letter import render_letters
from .receipt import render_receipts

KINDS = ("receipt", "letter", "certificate")
CHUNK = 50


def select_ids(conn: Connection, org_id: int, kind: str, *, campaign_id: int | None = None,
               year: int | None = None, include_void: bool = False) -> list[int]:
    """The subjects a batch prints, in order: receipt ids by number, donation ids by date (letters),
    gold-book entry ids oldest first (certificates)."""
    if kind == "receipt":
        d, dn, v = s.documents, s.donations, s.document_voids
        q = (sa.select(d.c.id).join(dn, dn.c.id == d.c.donation_id)
             .where(d.c.org_id == org_id, d.c.kind == "receipt").order_by(d.c.year, d.c.number))
        if not include_void:
            q = q.where(~sa.exists().where(v.c.document_id == d.c.id))
        if campaign_id is not None:
            q = q.where(dn.c.campaign_id == campaign_id)
        if year is not None:
            q = q.where(d.c.year == year)
        return [r[0] for r in conn.execute(q)]
    if kind == "letter":
        dn, t = s.donations, s.transactions
        rev = sa.select(t.c.reverses_id).where(t.c.reverses_id.is_not(None)).scalar_subquery()
        q = (sa.select(dn.c.id).where(dn.c.org_id == org_id, dn.c.kind != "pledge_payment", dn.c.tx_id.not_in(rev))
             .order_by(dn.c.date, dn.c.id))
        if campaign_id is not None:
            q = q.where(dn.c.campaign_id == campaign_id)
        if year is not None:
            q = q.where(dn.c.date.between(date(year, 1, 1), date(year, 12, 31)))
        return [r[0] for r in conn.execute(q)]
    if kind == "certificate":
        rows = queries.gold_book(conn, org_id, limit=None, newest_first=False, campaign_id=campaign_id)[0]
        return [r.id for r in rows if year is None or r.date.year == year]
    raise ValueError(f"unknown batch kind {kind!r}")


def _render_chunk(url: str, org_id: int, kind: str, ids: list[int], workdir: str, index: int,
                  base_url: str | None) -> tuple[int, str, int]:
    """In a worker process: lay out one chunk; return (index, its PDF's path, its pages)."""

    db = _worker_db(url)
    with db.read() as conn:
        if kind == "receipt":
            pdf = render_receipts(conn, org_id, ids, base_url=base_url)
        elif kind == "letter":
            pdf = render_letters(conn, org_id, ids)
        else:
            pdf = render_certificates(conn, org_id, ids)
    path = os.path.join(workdir, f"chunk-{index:06d}.pdf")
    with open(path, "wb") as f:
        f.write(pdf.data)
    return index, path, pdf.pages


_DBS: dict[str, Database] = {}


def _worker_db(url: str) -> Database:
    if url not in _DBS:
        _DBS[url] = Database(url)
    return _DBS[url]


@dataclass(frozen=True)
class BatchResult:
    path: Path
    documents: int
    pages: int
    sha256: str
    jobs: int


def print_batch(db: Database, org_id: int, kind: str, ids: Sequence[int], out: Path, *, jobs: int | None = None,
                chunk: int = CHUNK, base_url: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> BatchResult:
    """Lay out the documents ``ids`` of ``kind`` into one PDF at ``out``, on ``jobs`` processes (default:
    every core); call ``progress(done, total)`` after each chunk. Returns what was written."""
    # lazy: pypdf only when batches are merged
    from pypdf import PdfWriter

    if kind not in KINDS:
        raise ValueError(f"unknown batch kind {kind!r}")
    ids = list(ids)
    jobs = max(1, jobs or os.cpu_count() or 1)
    chunks = [ids[i:i + chunk] for i in range(0, len(ids), chunk)]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    url = db.engine.url.render_as_string(hide_password=False)
    done = 0
    if progress:
        progress(0, len(ids))
    with tempfile.TemporaryDirectory(prefix="quy-batch-") as work:
        results: dict[int, tuple[str, int]] = {}
        if jobs == 1 or len(chunks) <= 1:
            for i, c in enumerate(chunks):
                _, path, pages = _render_chunk(url, org_id, kind, c, work, i, base_url)
                results[i] = (path, pages)
                done += len(c)
                if progress:
                    progress(done, len(ids))
        else:

            ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
            with ProcessPoolExecutor(max_workers=min(jobs, len(chunks)), mp_context=ctx) as pool:
                futures = [pool.submit(_render_chunk, url, org_id, kind, c, work, i, base_url)
                           for i, c in enumerate(chunks)]
                for fut, c in zip(futures, chunks, strict=True):
                    i, path, pages = fut.result()
                    results[i] = (path, pages)
                    done += len(c)
                    if progress:
                        progress(done, len(ids))
        writer = PdfWriter()
        pages = 0
        for i in range(len(chunks)):
            path, n = results[i]
            writer.append(path)
            pages += n
        tmp = out.with_name(out.name + ".part")
        with open(tmp, "wb") as f:
            if chunks:
                writer.write(f)
        os.replace(tmp, out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    return BatchResult(out, len(ids), pages, digest, jobs)
