"""Small things the pages share: the organization shown in the header (and the read of the books it comes
with), paging (and a list page's read), a 404 for what is not there, error text, a form's call answered by a
flash and a redirect, the uploads folder, and answering with a PDF or a table as a CSV, XLSX or PDF file."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from flask import Response, abort, current_app, flash, g, redirect, request
from flask_babel import get_locale
from sqlalchemy import Connection

from books import tables
from ledger import orgs
from ledger.errors import LedgerError
from ledger.ops import housekeeping
from receipts.statement import render_statement

from ..auth import db
from ..messages import vietnamese


def org_info(conn, code: str) -> orgs.OrgInfo:
    """The organization a page is about (raises NotFound for an unknown code)."""
    return orgs.org_info(conn, code)


@contextmanager
def reading(org: str) -> Iterator[tuple[Connection, orgs.OrgInfo]]:
    """A page's read of the books: the connection, and the organization ``org`` (its code) the page is about."""
    with db().read() as conn:
        yield conn, org_info(conn, org)


def org_of(org: str) -> orgs.OrgInfo:
    """The organization a page is about, for a page that reads nothing else."""
    with reading(org) as (_conn, info):
        return info


T = TypeVar("T")


def found(value: T | None) -> T:
    """``value``, or a 404 when there is none."""
    if value is None:
        abort(404)
    return value


def error_text(err: LedgerError) -> str:
    """The message a person reads: Vietnamese by default, the ledger's English text in English."""
    return vietnamese(err) if str(get_locale() or "vi") == "vi" else err.message


def form_step(back: str, run: Callable[[], Any], ok: str | Callable[[Any], str] | None, *, category: str = "message",
              warnings: Callable[[Any], Iterable[str]] | None = None, then: Callable[[Any], str | None] | None = None,
              code: int = 303) -> Response:
    """Run a form's ledger call ``run``: flash its refusal and go ``back`` (a URL); or flash ``ok`` (a message, a
    function of the call's result giving it, or None for none; flashed as ``category``) and then each of
    ``warnings(result)`` as an error, and go to ``then(result)`` (the page of what it made; ``back`` without it, or
    when it gives None) — with ``code``."""
    try:
        r = run()
    except LedgerError as err:
        flash(error_text(err), "error")
        return redirect(back, code)
    if ok is not None:
        flash(ok if isinstance(ok, str) else ok(r), category)
    for warning in warnings(r) if warnings else ():
        flash(warning, "error")
    return redirect((then(r) if then else None) or back, code)


@dataclass(frozen=True)
class Page:
    """A page of a list: ``?page=N`` (from 1), ``size`` rows a page, and the total once known."""

    number: int
    size: int
    total: int = 0

    @classmethod
    def from_request(cls, size: int) -> Page:
        n = request.args.get("page", 1, type=int) or 1
        return cls(max(1, min(n, 10**6)), size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def with_total(self, total: int) -> Page:
        return replace(self, total=total)

    def fetch(self, query, *args, **kw) -> tuple[list, Page]:
        """This page's rows of ``query(*args, limit=…, offset=…, **kw)`` (which answers the rows and their total),
        and the page with that total."""
        rows, total = query(*args, limit=self.size, offset=self.offset, **kw)
        return rows, self.with_total(total)


@contextmanager
def reading_page(org: str, size: int) -> Iterator[tuple[Connection, orgs.OrgInfo, Page]]:
    """A list page's read of the books: ``reading(org)``, and the page of ``size`` rows the request asks for
    (``?page=N``) to ``fetch`` in it."""
    page = Page.from_request(size)
    with reading(org) as (conn, info):
        yield conn, info, page


def sweep_uploads() -> None:
    """Remove the uploads older than ``QUY_KEEP_UPLOADS_DAYS`` (``ledger/ops/housekeeping.py``): each new upload
    sweeps, so a busy office needs no timer."""
    settings = replace(current_app.config["QUY_SETTINGS"], uploads=Path(current_app.config["QUY_UPLOADS"]))
    housekeeping.sweep(settings, prints=False)


def _upload_dir() -> Path:
    path = Path(current_app.config["QUY_UPLOADS"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pdf(data: bytes, name: str, *, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'{disposition}; filename="{name}"', "Cache-Control": "no-store"})


#: The formats a table is downloaded in, and their content types.
MIME = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _file(org: str, table: tables.Table, fmt: str) -> Response:
    if fmt == "csv":
        body: bytes | str = tables.to_csv(table)
    elif fmt == "xlsx":
        body = tables.to_xlsx(table)
    else:
        with db().read() as conn:
            body = render_statement(conn, g.org_id, table).data
    return Response(body, mimetype=MIME[fmt], headers={"Content-Disposition": _attachment(table.slug, org, fmt)})


def _attachment(slug: str, org: str, fmt: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{slug}-{org}")
    return f"attachment; filename={name}.{fmt}"
