"""Bank statements: import (or preview) a statement, column-mapping profiles, what each line is proposed
to match, and booking a line (confirm, reassign from suspense, undo), a bank account's default fund."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from .. import bankstatements as bst
from .. import matching, reconcile
from ..db import Database
from .unit import Unit, Who, reading, use_case


@use_case(None, "bank_import", user_required=True,
          payload=lambda a: {"account": a.account, "sha256": a.digest, "profile": a.profile, "opening": a.opening,
                             "closing": a.closing, "dry_run": a.dry_run})
def _import_statement(u: Unit, org_code: str, account: str, name: str, content: bytes, digest: str, *,
                      profile: str | None, opening: int | None, closing: int | None, dry_run: bool, progress):
    bst.bank_account(u.conn, u.org_id, account)
    result = bst.import_file(u.conn, u.org_id, account, name, content, bst.profiles(u.conn), sha256=digest,
                             user=u.user, profile=profile, opening=opening, closing=closing, dry_run=dry_run,
                             progress=progress)
    if not dry_run and result.imported:
        u.audit("bank.import", target=f"bank_statement:{result.statement_id}",
                details={"account": account, "file": name, "sha256": digest, "imported": result.imported,
                         "duplicates": result.duplicates})
    if not u.keyed:
        return result
    out = result.as_dict()
    out.pop("duplicate_lines", None)
    return out


def import_statement(db: Database, org_code: str, account: str, name: str, content: bytes, *, user: Who,
                     profile: str | None = None, opening: int | None = None, closing: int | None = None,
                     dry_run: bool = False, progress=None, key: str | None = None):
    """Import a bank statement file (CSV or XLSX; camt.053 or MT940, told by content — their account number
    must be the bank account's) for a bank account, all or nothing: every bad line is
    reported (ImportFailed), a statement that does not add up is refused (StatementUnbalanced), lines
    already imported are skipped and counted. The file is read and written in batches, never held whole
    as lines; ``progress(done, total)`` hears of the rows read. Returns
    :class:`ledger.bankstatements.ImportResult`; with a client ``key``, its :meth:`as_dict` (without the
    duplicate lines) and ``replayed`` — the first result again for the same key and the same file and
    balances, a 409 for the same key with another."""
    return _import_statement(db, org_code, account, name, content, hashlib.sha256(content).hexdigest(),
                             profile=profile, opening=opening, closing=closing, dry_run=dry_run, progress=progress,
                             user=user, key=key)


def preview_statement(db: Database, org_code: str, account: str, name: str, content: bytes, *,
                      profile: str | None = None, opening: int | None = None, closing: int | None = None):
    """Read and check a statement without writing: (its lines, what an import would do). Raises as
    :func:`import_statement` does."""
    with reading(db, org_code) as u:
        bst.bank_account(u.conn, u.org_id, account)
        parsed = bst.parse_statement(name, content, bst.profiles(u.conn), profile=profile, opening=opening,
                                     closing=closing)
        result = bst.store(u.conn, u.org_id, account, parsed, source_name=name,
                           sha256=hashlib.sha256(content).hexdigest(), user="preview", dry_run=True)
    return parsed, result


@use_case("bank.profile_add", org=None, keyed=False, target="bank_profile:{r.name}", details=lambda a, r: r.spec())
def add_bank_profile(u: Unit, spec: Any):
    """Add a bank statement column-mapping profile (its JSON form); return it."""
    return bst.add_profile(u.conn, spec, user=u.user)


def bank_profiles(db: Database) -> list:
    with reading(db) as u:
        return bst.profiles(u.conn)


def statement_proposals(db: Database, org_code: str, account: str, *, statement_id: int | None = None,
                        start: date | None = None, end: date | None = None, unmatched: bool = False) -> list:
    """What each stored line of a bank account (or of one statement) is proposed to match, with why
    (``ledger/matching.py``). Nothing is booked."""
    return statement_queue(db, org_code, account, statement_id=statement_id, start=start, end=end,
                           unmatched=unmatched)[0]


def statement_queue(db: Database, org_code: str, account: str, *, statement_id: int | None = None,
                    start: date | None = None, end: date | None = None, unmatched: bool = False,
                    limit: int | None = None, offset: int = 0) -> tuple[list, int]:
    """One page (``limit`` lines from ``offset``) of :func:`statement_proposals`, and how many lines there are."""
    with reading(db, org_code) as u:
        return matching.proposals_page(u.conn, u.org_id, account, statement_id=statement_id, start=start, end=end,
                                       unmatched=unmatched, limit=limit, offset=offset)


def _choice_payload(a) -> dict:
    return {"line": a.line_id, **(a.choice or reconcile.Choice()).payload()}


@use_case("bank.match", "bank_match", payload=_choice_payload, target="bank_line:{a.line_id}", user_required=True,
          lock=True)
def confirm_bank_line(u: Unit, org_code: str, line_id: int, choice=None) -> dict:
    """Book what a statement line is — its proposal accepted, or a person's choice
    (:class:`ledger.reconcile.Choice`) — and record the match, in one unit of work (``ledger/reconcile.py``)."""
    return reconcile.confirm(u.conn, u.org_id, line_id, choice or reconcile.Choice(), user=u.user)


@use_case("bank.reassign", "bank_reassign", target="bank_match:{a.match_id}", user_required=True, lock=True,
          payload=lambda a: {"match": a.match_id, "donor": a.donor, "fund": a.fund,
                             "on": None if a.on is None else str(a.on)})
def reassign_bank_line(u: Unit, org_code: str, match_id: int, *, donor: int, fund: str | None = None,
                       on: Any = None) -> dict:
    """Move a line booked to the suspense account to donation income for its donor, with a receipt."""
    return reconcile.reassign(u.conn, u.org_id, match_id, donor=donor, fund=fund, on=on, user=u.user)


@use_case("bank.undo", "bank_undo", target="bank_match:{a.match_id}", user_required=True, lock=True,
          payload=lambda a: {"match": a.match_id, "reason": a.reason, "on": None if a.on is None else str(a.on)})
def undo_bank_match(u: Unit, org_code: str, match_id: int, *, reason: str, on: Any = None) -> dict:
    """Undo a match made by mistake: what it booked reversed (receipts voided), the line unmatched again."""
    return reconcile.undo(u.conn, u.org_id, match_id, reason=reason, on=on, user=u.user)


@use_case("bank.default_fund", "bank_default_fund", target="account:{a.account}", user_required=True,
          payload=lambda a: {"account": a.account, "fund": a.fund})
def set_bank_default_fund(u: Unit, org_code: str, account: str, fund: str | None) -> dict:
    """Set (``fund`` None: clear) the fund a bank account's lines go to when none is chosen."""
    return reconcile.set_default_fund(u.conn, u.org_id, account, fund)


def bank_default_funds(db: Database, org_code: str) -> dict:
    with reading(db, org_code) as u:
        return reconcile.default_funds(u.conn, u.org_id)


def recent_bank_matches(db: Database, org_code: str, account: str, *, limit: int = 30) -> list[dict]:
    with reading(db, org_code) as u:
        return reconcile.recent_matches(u.conn, u.org_id, account, limit=limit)
