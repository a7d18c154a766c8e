"""Donations, pledges, reversals, a campaign file's import, and the receipts they issue (void, reissue,
the gold book)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .. import documents, donations, earmarks, importer
from .. import schema as s
from ..clock import business_date
from ..db import Database
from ..errors import Conflict, IdempotencyMismatch
from ..gcpause import gc_paused
from .unit import Unit, Who, reading, use_case


@use_case("donation.record", "donation", payload=lambda a: a.inp.payload(), target="donation:{r[donation_id]}",
          user_required=True)
def record_donation(u: Unit, org_code: str, inp: donations.DonationInput) -> dict:
    """Record one donation (and its transaction); return ids, chain position and possible duplicates."""
    return donations.record_donation(u.conn, u.org_id, inp, user=u.user)


@use_case("pledge.pay", "pledge_payment", target="donation:{r[donation_id]}", user_required=True, lock=True,
          payload=lambda a: {"pledge": a.pledge_id, "amount": a.amount, "on": str(a.on), "method": a.method,
                             "bank": a.bank_account, "ref": a.reference})
def pay_pledge(u: Unit, org_code: str, *, pledge_id: int, amount: Any, on: Any, method: str = "cash",
               bank_account: str | None = None, reference: str = "") -> dict:
    return donations.pay_pledge(u.conn, u.org_id, pledge_id=pledge_id, amount=amount, date=on, method=method,
                                bank_account=bank_account, reference=reference, user=u.user)


@use_case("transaction.reverse", "reversal", target="tx:{a.tx_id}", user_required=True, lock=True,
          payload=lambda a: {"tx": a.tx_id, "reason": a.reason, "on": str(a.on)})
def reverse(u: Unit, org_code: str, tx_id: int, *, reason: str, on: Any) -> dict:
    return donations.reverse_transaction(u.conn, u.org_id, tx_id, reason=reason, on=on, user=u.user)


def _import_payload(a) -> dict:
    return {"file": a.digest, "fund": a.fund, "campaign": a.campaign, "date": str(a.default_date)}


@use_case("donations.import", "import", payload=_import_payload, user_required=True,
          details=lambda a, r: {**_import_payload(a), "name": a.path.name}, target="tx:{r[first_tx]}-{r[last_tx]}")
def _write_import(u: Unit, org_code: str, path: Path, digest: str, *, fund: str | None, campaign: str | None,
                  default_date: Any, progress: Callable[[str, int, int], None] | None) -> dict:
    plan = importer.check_file(u.conn, u.org_id, path, fund=fund, campaign=campaign, default_date=default_date)
    if progress:
        progress("start", 0, len(plan.items))
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress:
            progress("step", done[0], len(plan.items))

    return importer.write_plan(u.conn, u.org_id, plan, user=u.user, source=f"import:{path.name}", progress=tick)


def import_donations(db: Database, org_code: str, path: Path, *, user: Who, fund: str | None = None,
                     campaign: str | None = None, default_date: Any = None, key: str | None = None,
                     progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Import a campaign file all-or-nothing; the key defaults to the file's sha256, so importing the
    same file twice replays the first result instead of recording every gift twice."""
    digest = importer.file_digest(path)
    scope, file_key = f"{org_code}:import", key or f"file:{digest}"
    with gc_paused():
        try:
            result = _write_import(db, org_code, path, digest, fund=fund, campaign=campaign,
                                   default_date=default_date, progress=progress, user=user, key=file_key)
        except IdempotencyMismatch:
            if key:
                raise
            # the same file with other defaults (fund, campaign, date): still the same gifts, never twice
            raise Conflict(f"{path.name} was already imported on {_imported_at(db, scope, file_key)}; "
                           "nothing was written", reason="already_imported",
                           imported_at=_imported_at(db, scope, file_key)) from None
    if result.get("replayed"):
        # nothing was written now: say so, and when the file was imported (the counts are that import's)
        return {**result, "already_imported": True, "written": 0,
                "imported_at": _imported_at(db, scope, file_key)}
    db.refresh_statistics(importer.GROWN_TABLES)
    return {**result, "already_imported": False, "written": result["donations"]}


def _imported_at(db: Database, scope: str, key: str) -> str | None:
    """When the import stored under ``key`` was written (UTC, ISO), from its idempotency row."""
    k = s.idempotency_keys
    with db.read() as conn:
        return conn.execute(sa.select(k.c.created_at).where(k.c.scope == scope, k.c.key == key)).scalar()


def check_import(db: Database, org_code: str, path: Path, *, fund: str | None = None,
                 campaign: str | None = None, default_date: Any = None) -> importer.ImportPlan:
    """Check a campaign file without writing anything: the plan, or ImportFailed listing every bad row."""
    with reading(db, org_code) as u:
        return importer.check_file(u.conn, u.org_id, path, fund=fund, campaign=campaign, default_date=default_date)


# ------------------------------------------------------------------ numbered documents and the gold book


def _doc_id(u: Unit, ref: int | str) -> int:
    """A document named by its id (an int: the web and the API) or its number (text: ``BN/25 0000123``;
    digits alone are refused, never taken for an id)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    return documents.document_id_by_number(u.conn, u.org_id, str(ref))


@use_case("document.void", "document_void", target="document:{r[id]}", lock=True,
          payload=lambda a: {"document": str(a.ref), "reason": a.reason})
def void_document(u: Unit, org_code: str, ref: int | str, *, reason: str) -> dict:
    """Void a receipt (or other numbered document) with a reason; it keeps its number."""
    return documents.void(u.conn, u.org_id, _doc_id(u, ref), reason=reason, user=u.user)


@use_case("document.reissue", "document_reissue", target="document:{r[replaces_id]}", lock=True,
          payload=lambda a: {"document": str(a.ref), "reason": a.reason, "on": str(a.on)})
def reissue_document(u: Unit, org_code: str, ref: int | str, *, reason: str, on: Any = None) -> dict:
    """Void a document (unless it already is) and issue its replacement with a new number."""
    return documents.reissue(u.conn, u.org_id, _doc_id(u, ref), reason=reason, user=u.user,
                             on=business_date(on) if on else None)


@use_case("gold_book.enter", "gold_book", target="donation:{a.donation_id}",
          payload=lambda a: {"donation": a.donation_id})
def gold_book_request(u: Unit, org_code: str, donation_id: int) -> dict:
    """Enter a recorded gift into the gold book at the donor's request."""
    return {"id": documents.request_gold_book(u.conn, u.org_id, donation_id), "donation_id": donation_id}


def donor_choice(db: Database, org_code: str, name: str, *, phone: str = "") -> tuple[int | None, list[int]]:
    """Whom a gift entered by name alone is from (``ledger.donations.donor_choice``): one donor's id, or
    the candidates to ask about, or neither (a new donor)."""
    with reading(db, org_code) as u:
        return donations.donor_choice(u.conn, u.org_id, name, phone=phone)


@use_case("earmark.release", "earmark_release", target="donation:{a.donation_id}", lock=True,
          payload=lambda a: {"donation": a.donation_id, "on": str(a.on), "decision": a.decision, "reason": a.reason,
                             "amount": a.amount})
def release_earmark(u: Unit, org_code: str, donation_id: int, *, on: Any, decision: str, reason: str = "",
                    amount: Any = None) -> dict:
    """Release what an earmarked gift still holds (or part of it) into its fund by the council's decision."""
    return earmarks.release(u.conn, u.org_id, donation_id, on=on, decision=decision, reason=reason, amount=amount,
                            user=u.user)


def list_earmarks(db: Database, org_code: str) -> list[earmarks.EarmarkRow]:
    """Every earmarked gift with what it still holds."""
    with reading(db, org_code) as u:
        return earmarks.earmarks(u.conn, u.org_id)
