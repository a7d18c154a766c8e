"""Opening balances: post an organization's opening on a date (from lines or a CSV/XLSX file, with the running
term deposits it brings in), check one without writing (its trial balance per fund), and correct one by a linked
entry (``ledger/opening.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import importer, opening
from ..db import Database
from .unit import Unit, reading, use_case


def _lines(lines: Sequence[opening.OpeningLine]) -> list[list[str]]:
    return [[str(ln.account), str(ln.fund), str(ln.amount)] for ln in lines]


def _deposits(deposits: Sequence[opening.OpeningDeposit]) -> list[dict]:
    return [d.payload() for d in deposits]


def _payload(a) -> dict:
    out = {"date": str(a.on), "lines": _lines(a.lines)}
    return {**out, "deposits": _deposits(a.deposits)} if a.deposits else out


@use_case("opening.post", "opening", target="opening:{r[id]}", lock=True, payload=_payload)
def add_opening(u: Unit, org_code: str, on: Any, lines: Sequence[opening.OpeningLine],
                deposits: Sequence[opening.OpeningDeposit] = ()) -> dict:
    """Post the organization's opening balances on ``on`` as one entry, balanced per fund, with the running
    term deposits it brings in."""
    return opening.record(u.conn, u.org_id, on, lines, user=u.user, deposits=deposits)


def _file_payload(a) -> dict:
    out = {"date": str(a.on), "file": a.digest}
    return {**out, "deposits": _deposits(a.deposits)} if a.deposits else out


@use_case("opening.post", "opening", target="opening:{r[id]}", lock=True, payload=_file_payload,
          details=lambda a, r: {**_file_payload(a), "name": a.path.name})
def _import_opening(u: Unit, org_code: str, path: Path, digest: str, on: Any,
                    deposits: Sequence[opening.OpeningDeposit] = ()) -> dict:
    lines, rows = opening.read_file(path)
    return opening.record(u.conn, u.org_id, on, lines, user=u.user, rows=rows, file=path.name, deposits=deposits)


def import_opening(db: Database, org_code: str, path: Path, on: Any, *, user: Any = "cli", dry_run: bool = False,
                   key: str | None = None, deposits: Sequence[opening.OpeningDeposit] = ()) -> dict:
    """Post (or with ``dry_run`` only check) the opening a CSV or XLSX file gives, with the running ``deposits``
    it brings in, all or nothing: every bad row is reported and nothing written. The key defaults to the
    file's sha256 and the date."""
    path = Path(path)
    if dry_run:
        with reading(db, org_code) as u:
            lines, rows = opening.read_file(path)
            return opening.record(u.conn, u.org_id, on, lines, user="", rows=rows, file=path.name, dry_run=True,
                                  deposits=deposits)
    digest = importer.file_digest(path)
    return _import_opening(db, org_code, path, digest, on, deposits, user=user, key=key or f"file:{digest}:{on}")


def check_opening(db: Database, org_code: str, on: Any, lines: Sequence[opening.OpeningLine],
                  deposits: Sequence[opening.OpeningDeposit] = ()) -> dict:
    """The opening's trial balance per fund, checked as posting would check it, nothing written."""
    with reading(db, org_code) as u:
        return opening.record(u.conn, u.org_id, on, lines, user="", dry_run=True, deposits=deposits)


@use_case("opening.correct", "opening_correction", target="opening:{r[id]}", lock=True,
          payload=lambda a: {"date": str(a.on), "lines": _lines(a.lines), "reason": a.reason})
def correct_opening(u: Unit, org_code: str, on: Any, lines: Sequence[opening.OpeningLine], *, reason: str) -> dict:
    """Correct the opening on ``on`` by a linked entry: ``lines`` are the right balances of the funds they name."""
    return opening.correct(u.conn, u.org_id, on, lines, reason=reason, user=u.user)


def check_correction(db: Database, org_code: str, on: Any, lines: Sequence[opening.OpeningLine], *,
                     reason: str) -> dict:
    """The corrected opening's trial balance, nothing written."""
    with reading(db, org_code) as u:
        return opening.correct(u.conn, u.org_id, on, lines, reason=reason, user="", dry_run=True)
