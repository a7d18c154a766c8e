"""Small things the pages share: the organization shown in the header, paging, error text."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import current_app, request

from ledger import orgs
from ledger.errors import LedgerError


def org_info(conn, code: str) -> orgs.OrgInfo:
    """The organization a page is about (raises NotFound for an unknown code)."""
    oid = orgs.org_id_by_code(conn, code)
    return next(o for o in orgs.list_organizations(conn) if o.id == oid)


def error_text(err: LedgerError) -> str:
    from .app import error_message

    return error_message(err)


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


def sweep_uploads() -> None:
    """Remove the uploads older than ``QUY_KEEP_UPLOADS_DAYS`` (``ledger/ops/housekeeping.py``): each new upload
    sweeps, so a busy office needs no timer."""
    from pathlib import Path

    from ledger.ops import housekeeping

    settings = replace(current_app.config["QUY_SETTINGS"], uploads=Path(current_app.config["QUY_UPLOADS"]))
    housekeeping.sweep(settings, prints=False)
