"""The use cases, one plain function each: take plain values and the database, run one unit of work
(with an optional client idempotency key), return a plain result. The CLI and the web call these and
do nothing else but parse input and render output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import audit, balances, documents, donations, importer, journal, orgs, users
from . import schema as s
from .audit import Actor, as_actor
from .clock import business_date, now_iso, parse_date
from .db import Database
from .errors import Conflict, IdempotencyMismatch, NotFound
from .idempotency import run_idempotent
from .journal import digests

Who = Actor | str  # who acts: an Actor (web, API) or a plain user name (CLI, tests)


def _audited(who: Who, action: str, org_code: str | None, payload: Any,
             work: Callable[[Any], dict], target: Callable[[dict], Any] = lambda r: "") -> Callable:
    """Wrap ``work`` so that its audit row is written in the same unit of work as its change."""

    def run(conn):
        result = work(conn)
        oid = orgs.org_id_by_code(conn, org_code) if org_code else None
        audit.record(conn, who, action, org_id=oid, target=target(result), details=payload)
        return result

    return run


def record_donation(db: Database, org_code: str, inp: donations.DonationInput, *, user: Who,
                    key: str | None = None) -> dict:
    """Record one donation (and its transaction); return ids, chain position and possible duplicates."""

    def work(conn):
        return donations.record_donation(conn, orgs.org_id_by_code(conn, org_code), inp,
                                         user=as_actor(user).user)

    payload = inp.payload()
    return run_idempotent(db, f"{org_code}:donation", key, payload, _audited(
        user, "donation.record", org_code, payload, work, lambda r: f"donation:{r['donation_id']}"))


def pay_pledge(db: Database, org_code: str, *, pledge_id: int, amount: Any, on: Any,
               method: str = "cash", bank_account: str | None = None, reference: str = "",
               user: Who, key: str | None = None) -> dict:
    payload = {"pledge": pledge_id, "amount": amount, "on": str(on), "method": method,
               "bank": bank_account, "ref": reference}

    def work(conn):
        return donations.pay_pledge(conn, orgs.org_id_by_code(conn, org_code), pledge_id=pledge_id,
                                    amount=amount, date=on, method=method,
                                    bank_account=bank_account, reference=reference,
                                    user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:pledge_payment", key, payload, _audited(
        user, "pledge.pay", org_code, payload, work, lambda r: f"donation:{r['donation_id']}"))


def reverse(db: Database, org_code: str, tx_id: int, *, reason: str, on: Any, user: Who,
            key: str | None = None) -> dict:
    payload = {"tx": tx_id, "reason": reason, "on": str(on)}

    def work(conn):
        return donations.reverse_transaction(conn, orgs.org_id_by_code(conn, org_code), tx_id,
                                             reason=reason, on=on, user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:reversal", key, payload, _audited(
        user, "transaction.reverse", org_code, payload, work, lambda r: f"tx:{tx_id}"))


def import_donations(db: Database, org_code: str, path: Path, *, user: Who, fund: str | None = None,
                     campaign: str | None = None, default_date: Any = None, key: str | None = None,
                     progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Import a campaign file all-or-nothing; the key defaults to the file's sha256, so importing the
    same file twice replays the first result instead of recording every gift twice."""
    digest = importer.file_digest(path)
    payload = {"file": digest, "fund": fund, "campaign": campaign, "date": str(default_date)}

    def work(conn):
        org_id = orgs.org_id_by_code(conn, org_code)
        plan = importer.check_file(conn, org_id, path, fund=fund, campaign=campaign,
                                   default_date=default_date)
        if progress:
            progress("start", 0, len(plan.items))
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            if progress:
                progress("step", done[0], len(plan.items))

        return importer.write_plan(conn, org_id, plan, user=as_actor(user).user,
                                   source=f"import:{path.name}", progress=tick)

    scope, file_key = f"{org_code}:import", key or f"file:{digest}"
    with importer.gc_paused():
        try:
            result = run_idempotent(db, scope, file_key, payload, _audited(
                user, "donations.import", org_code, {**payload, "name": path.name}, work,
                lambda r: f"tx:{r['first_tx']}-{r['last_tx']}"))
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
    with db.read() as conn:
        return importer.check_file(conn, orgs.org_id_by_code(conn, org_code), path, fund=fund,
                                   campaign=campaign, default_date=default_date)


def lock_period(db: Database, org_code: str, through: Any, *, user: Who = "cli") -> dict:
    """Lock the books through a day, once the closing check passes (``ledger/closing.py``)."""
    from . import closing

    on = business_date(through, field="lock_date")
    with db.begin() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        failed = [c for c in closing.check(conn, oid, on) if not c.ok]
        if failed:
            raise Conflict(f"the closing check fails: {'; '.join(f'{c.code}: {c.detail}' for c in failed)}",
                           reason="closing_check", failed=[c.code for c in failed],
                           details={c.code: c.detail for c in failed})
        prev = orgs.set_lock_date(conn, oid, on)
        result = {"lock_date": on.isoformat(), "previous": prev.isoformat() if prev else None}
        audit.record(conn, user, "period.lock", org_id=oid, target=org_code, details=result)
    return result


def closing_check(db: Database, org_code: str, through: Any) -> list:
    """The closing check's results for locking through ``through`` (nothing is locked)."""
    from . import closing

    with db.read() as conn:
        return closing.check(conn, orgs.org_id_by_code(conn, org_code), parse_date(through))


def verify(db: Database, org_code: str | None = None, *, parallel: bool = False) -> list[journal.ChainReport]:
    """Verify the hash chain of one organization or of all; also that cached balances match and that
    every document series is numbered 1..N without a gap. With ``parallel`` (``quy verify``) a long
    journal in a SQLite file is checked by one worker process per processor."""
    with db.read() as conn:
        ids = ([orgs.org_id_by_code(conn, org_code)] if org_code else
               [o.id for o in orgs.list_organizations(conn)])
        return verify_on(conn, ids, parallel=parallel)


def verify_on(conn: Connection, ids: list[int], *, parallel: bool = False) -> list[journal.ChainReport]:
    """:func:`verify` for the organizations ``ids``, on an open connection (a restore checks its books
    this way before it commits them). Rows too damaged to read (a NULL, a dangling id, a value of the
    wrong type) are a broken journal of kind ``unreadable``, never an exception."""
    reports = []
    for oid in ids:
        savepoint = conn.dialect.name == "postgresql"  # a failed statement must not end the others' checks
        if savepoint:
            conn.exec_driver_sql("SAVEPOINT quy_verify")
        try:
            rep = _verify_one(conn, oid, parallel)
            if savepoint:
                conn.exec_driver_sql("RELEASE SAVEPOINT quy_verify")
        except Exception as e:  # noqa: BLE001 - whatever the damage, the answer is "broken", not a traceback
            if savepoint:
                conn.exec_driver_sql("ROLLBACK TO SAVEPOINT quy_verify")
            code = conn.execute(sa.select(s.organizations.c.code).where(s.organizations.c.id == oid)).scalar()
            why = (str(getattr(e, "orig", None) or e).strip().splitlines() or [""])[0][:300]
            rep = journal.ChainReport(code or f"#{oid}", False, 0, 0, "",
                                      f"the journal could not be read: {type(e).__name__}: {why}", None,
                                      "unreadable")
        reports.append(rep)
    return reports


def head_digests(db: Database, org_code: str | None = None) -> list[digests.Digest]:
    """The head digest (``ORG SEQ HASH``) of one organization or of each, to keep and check later."""
    with db.read() as conn:
        ids = ([orgs.org_id_by_code(conn, org_code)] if org_code else
               [o.id for o in orgs.list_organizations(conn)])
        return [digests.head(conn, oid) for oid in ids]


def check_digest(db: Database, digest: digests.Digest, *, org_code: str | None = None,
                 reports: list[journal.ChainReport] | tuple = ()) -> digests.DigestCheck:
    """Check a head digest taken earlier against the books (``ledger/digests.py``): the named
    organization (``org_code`` when given) at that sequence number has that hash and its books verify
    to the head. ``reports``: what :func:`verify` found already, so the chain is not walked twice."""
    with db.read() as conn:
        known = next((r for r in reports if r.org_code == digest.org_code), None)
        return digests.check(conn, digest, org_code=org_code, report=known)


def _verify_one(conn: Connection, oid: int, parallel: bool) -> journal.ChainReport:
    rep = journal.verify_chain(conn, oid, parallel=parallel)
    if rep.ok:
        bad = balances.cached_matches_postings(conn, oid)
        if bad:
            a, f, cached, summed = bad[0]
            rep = journal.ChainReport(rep.org_code, False, rep.count, rep.head_seq, rep.head_hash,
                                      f"cached balance of account {a} fund {f} is {cached}, "
                                      f"its postings sum to {summed}", None, "balance_cache")
    if rep.ok:
        gaps = documents.check_gapless(conn, oid)
        if gaps:
            rep = journal.ChainReport(rep.org_code, False, rep.count, rep.head_seq, rep.head_hash,
                                      "document numbering: " + "; ".join(gaps), None, "numbering")
    return rep


def fund_balances(db: Database, org_code: str, *, as_of: date | None = None,
                  consolidated: bool = False) -> list[balances.FundRow]:
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        ids = balances.subtree(conn, oid) if consolidated else [oid]
        return balances.fund_balances(conn, ids, as_of)


# ------------------------------------------------------------------ set-up (each accepts a client key)


def create_organization(db: Database, *, code: str, name: str, level: str, parent: str | None = None,
                        address: str = "", key: str | None = None, user: Who = "cli") -> dict:
    payload = {"code": code, "name": name, "level": level, "parent": parent, "address": address}

    def work(conn):
        return {"id": orgs.create_organization(conn, code=code, name=name, level=level,
                                               parent_code=parent, address=address), "code": code}

    return run_idempotent(db, "organization", key, payload,
                          _audited(user, "organization.create", None, payload, work, lambda r: code))


def _setup(db: Database, org_code: str, what: str, create: Callable, key: str | None, user: Who,
           fields: dict) -> dict:
    def work(conn):
        return {"id": create(conn, orgs.org_id_by_code(conn, org_code), **fields), "code": fields["code"]}

    scope = f"{org_code}:{'account' if what == 'bank_account' else what}"
    return run_idempotent(db, scope, key, fields, _audited(user, f"{what}.create", org_code, fields, work,
                                                           lambda r: r["code"]))


def create_fund(db: Database, org_code: str, *, key: str | None = None, user: Who = "cli",
                **fields) -> dict:
    return _setup(db, org_code, "fund", orgs.create_fund, key, user, fields)


def add_account(db: Database, org_code: str, *, key: str | None = None, user: Who = "cli",
                **fields) -> dict:
    return _setup(db, org_code, "account", orgs.add_account, key, user, fields)


def add_bank_account(db: Database, org_code: str, *, key: str | None = None, user: Who = "cli",
                     **fields) -> dict:
    return _setup(db, org_code, "bank_account", orgs.add_bank_account, key, user, fields)


def create_campaign(db: Database, org_code: str, *, key: str | None = None, user: Who = "cli",
                    **fields) -> dict:
    return _setup(db, org_code, "campaign", donations.create_campaign, key, user, fields)


def rename_account(db: Database, org_code: str, code: str, name: str, *, user: Who = "cli") -> None:
    with db.begin() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        orgs.rename_account(conn, oid, code, name)
        audit.record(conn, user, "account.rename", org_id=oid, target=code, details={"name": name})


# ------------------------------------------------------------------ people


def add_user(db: Database, *, login: str, name: str, password: str, roles: list[tuple[str, str]] = (),
             user: Who = "cli") -> dict:
    """Create a user holding (organization code, role) pairs; return its id."""
    with db.begin() as conn:
        pairs = [(orgs.org_id_by_code(conn, o), r) for o, r in roles]
        uid = users.create_user(conn, login=login, name=name, password=password, actor=user, roles=pairs)
    return {"id": uid, "login": users.normal_login(login)}


def grant_role(db: Database, login: str, org_code: str, role: str, *, user: Who = "cli") -> None:
    with db.begin() as conn:
        users.grant(conn, users.user_id_by_login(conn, login), orgs.org_id_by_code(conn, org_code), role,
                    actor=user)


def revoke_role(db: Database, login: str, org_code: str, role: str, *, user: Who = "cli") -> None:
    with db.begin() as conn:
        users.revoke(conn, users.user_id_by_login(conn, login), orgs.org_id_by_code(conn, org_code),
                     role, actor=user)


def create_token(db: Database, login: str, org_code: str, role: str, *, name: str = "",
                 days: int | None = None, user: Who = "cli") -> dict:
    """Create an API token for ``login`` scoped to one organization and role, living ``days`` (default
    ``QUY_TOKEN_DAYS``); the token is shown once."""
    with db.begin() as conn:
        tid, token = users.create_token(conn, users.user_id_by_login(conn, login),
                                        orgs.org_id_by_code(conn, org_code), role, name=name, days=days,
                                        actor=user)
        expires = conn.execute(sa.select(s.api_tokens.c.expires_at).where(s.api_tokens.c.id == tid)).scalar()
    return {"id": tid, "token": token, "org": org_code, "role": role, "expires_at": expires}


def list_tokens(db: Database, *, login: str | None = None, org_code: str | None = None) -> list[dict]:
    """Return API tokens (of one user, one organization, or all) with their state, newest first."""
    with db.read() as conn:
        uid = users.user_id_by_login(conn, login) if login else None
        oid = orgs.org_id_by_code(conn, org_code) if org_code else None
        rows = users.list_tokens(conn, org_id=oid, user_id=uid)
    now = now_iso()
    return [{**asdict(r), "state": r.state(now)} for r in rows]


def revoke_token(db: Database, token_id: int, *, org_code: str | None = None, login: str | None = None,
                 user: Who = "cli") -> bool:
    """Revoke an API token for good; return False when it was dead already. With ``org_code`` (and
    ``login``), a token of another organization (or another user) is not found: a web page never
    reaches beyond what its requester may see."""
    with db.begin() as conn:
        owner, oid = users.token_owner(conn, token_id)
        if (org_code is not None and oid != orgs.org_id_by_code(conn, org_code)) or (
                login is not None and owner != users.user_id_by_login(conn, login)):
            raise NotFound(f"token {token_id} not found", entity="token", id=token_id)
        return users.revoke_token(conn, token_id, actor=user)


# ------------------------------------------------------------------ numbered documents and the gold book


def _doc_id(conn, oid: int, ref: int | str) -> int:
    """A document named by its id (an int: the web and the API) or its number (text: ``BN/25 0000123``;
    digits alone are refused, never taken for an id)."""
    if isinstance(ref, int) and not isinstance(ref, bool):
        return ref
    return documents.document_id_by_number(conn, oid, str(ref))


def void_document(db: Database, org_code: str, ref: int | str, *, reason: str, user: Who = "cli",
                  key: str | None = None) -> dict:
    """Void a receipt (or other numbered document) with a reason; it keeps its number."""
    payload = {"document": str(ref), "reason": reason}

    def work(conn):
        oid = orgs.org_id_by_code(conn, org_code)
        return documents.void(conn, oid, _doc_id(conn, oid, ref), reason=reason, user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:document_void", key, payload, _audited(
        user, "document.void", org_code, payload, work, lambda r: f"document:{r['id']}"))


def reissue_document(db: Database, org_code: str, ref: int | str, *, reason: str, on: Any = None,
                     user: Who = "cli", key: str | None = None) -> dict:
    """Void a document (unless it already is) and issue its replacement with a new number."""
    payload = {"document": str(ref), "reason": reason, "on": str(on)}

    def work(conn):
        oid = orgs.org_id_by_code(conn, org_code)
        return documents.reissue(conn, oid, _doc_id(conn, oid, ref), reason=reason, user=as_actor(user).user,
                                 on=business_date(on) if on else None)

    return run_idempotent(db, f"{org_code}:document_reissue", key, payload, _audited(
        user, "document.reissue", org_code, payload, work, lambda r: f"document:{r['replaces_id']}"))


def document_settings(db: Database, org_code: str, *, user: Who = "cli", key: str | None = None,
                      **changes) -> dict:
    """Read (no arguments) or change the organization's document settings (gold-book threshold,
    signatories); a change is audited."""
    if not changes:
        with db.read() as conn:
            return orgs.document_settings(conn, orgs.org_id_by_code(conn, org_code))

    def work(conn):
        return orgs.set_document_settings(conn, orgs.org_id_by_code(conn, org_code), **changes)

    out = run_idempotent(db, f"{org_code}:document_settings", key, changes,
                         _audited(user, "org.documents", org_code, changes, work, lambda r: org_code))
    out.pop("replayed", None)
    return out


def gold_book_request(db: Database, org_code: str, donation_id: int, *, user: Who = "cli",
                      key: str | None = None) -> dict:
    """Enter a recorded gift into the gold book at the donor's request."""

    def work(conn):
        oid = orgs.org_id_by_code(conn, org_code)
        return {"id": documents.request_gold_book(conn, oid, donation_id), "donation_id": donation_id}

    return run_idempotent(db, f"{org_code}:gold_book", key, {"donation": donation_id}, _audited(
        user, "gold_book.enter", org_code, {"donation": donation_id}, work, lambda r: f"donation:{donation_id}"))


# ------------------------------------------------------------------ term deposits


def open_deposit(db: Database, org_code: str, inp, *, user: Who = "cli", key: str | None = None) -> dict:
    """Open a term deposit from a bank account (``ledger.deposits.DepositInput``)."""
    from . import deposits

    def work(conn):
        return deposits.open_deposit(conn, orgs.org_id_by_code(conn, org_code), inp, user=as_actor(user).user)

    payload = inp.payload()
    return run_idempotent(db, f"{org_code}:deposit", key, payload, _audited(
        user, "deposit.open", org_code, payload, work, lambda r: f"deposit:{r['id']}"))


def accrue(db: Database, org_code: str, through: Any, *, user: Who = "cli", chunk: int = 500,
           key: str | None = None) -> dict:
    """The month-end job: book every accrual and monthly payment due through ``through`` that is not booked
    yet, a chunk of deposits per unit of work (a run killed halfway loses nothing: the next one books what
    is left, and nothing twice). With an idempotency ``key`` (the API's), the whole run is one unit of
    work whose result the same key gives back."""
    from . import deposits

    on = business_date(through, field="through")
    if key is not None:
        def work(conn):
            oid = orgs.org_id_by_code(conn, org_code)
            run = deposits.accrue(conn, oid, through=on, user=as_actor(user).user)
            if run.events:
                audit.record(conn, user, "deposits.accrue", org_id=oid, target=f"through:{on.isoformat()}",
                             details={"events": run.events, "amount": run.amount})
            return {"through": on.isoformat(), "deposits": run.deposits, "events": run.events, "amount": run.amount}

        return run_idempotent(db, f"{org_code}:accrual", key, {"through": on.isoformat()}, work)
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        ids = [d.id for d in deposits.deposits(conn, oid) if d.settled_on is None and d.start <= on]
    total = deposits.AccrualRun()
    for i in range(0, len(ids), chunk):
        with db.begin() as conn:
            run = deposits.accrue(conn, oid, through=on, user=as_actor(user).user, ids=ids[i:i + chunk])
            if run.events:
                audit.record(conn, user, "deposits.accrue", org_id=oid, target=f"through:{on.isoformat()}",
                             details={"events": run.events, "amount": run.amount})
        total.deposits += run.deposits
        total.events += run.events
        total.amount += run.amount
        for f, v in run.per_fund.items():
            total.per_fund[f] = total.per_fund.get(f, 0) + v
    return {"through": on.isoformat(), "deposits": total.deposits, "events": total.events, "amount": total.amount}


def settle_deposit(db: Database, org_code: str, contract: str, *, on: Any = None, new_rate: Any = None,
                   bank_interest: Any = None, reference: str = "", user: Who = "cli", key: str | None = None) -> dict:
    """Settle a deposit at maturity (and roll it over as its policy says); ``bank_interest``: the bank's
    figure for the term's interest, any difference booked as an adjustment with the bank's ``reference``."""
    from . import deposits

    payload = {"contract": contract, "on": str(on), "new_rate": str(new_rate), "bank_interest": str(bank_interest),
               "reference": reference}

    def work(conn):
        oid = orgs.org_id_by_code(conn, org_code)
        return deposits.settle(conn, oid, deposits.deposit_id_by_contract(conn, oid, contract),
                               user=as_actor(user).user, on=business_date(on) if on else None, new_rate=new_rate,
                               bank_interest=bank_interest, reference=reference)

    return run_idempotent(db, f"{org_code}:deposit_settlement", key, payload, _audited(
        user, "deposit.settle", org_code, payload, work, lambda r: f"deposit:{r['id']}"))


def withdraw_deposit(db: Database, org_code: str, contract: str, *, on: Any, amount: Any, user: Who = "cli",
                     key: str | None = None) -> dict:
    """Withdraw all or part of a deposit before maturity (demand-rate interest on the withdrawn part)."""
    from . import deposits

    payload = {"contract": contract, "on": str(on), "amount": amount}

    def work(conn):
        oid = orgs.org_id_by_code(conn, org_code)
        return deposits.withdraw(conn, oid, deposits.deposit_id_by_contract(conn, oid, contract), on=on,
                                 amount=amount, user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:deposit_withdrawal", key, payload, _audited(
        user, "deposit.withdraw", org_code, payload, work, lambda r: f"deposit:{r['id']}"))


def adjust_deposit(db: Database, org_code: str, contract: str, *, on: Any, amount: Any, reference: str,
                   user: Who = "cli", key: str | None = None) -> dict:
    """Book the bank's figure during a deposit's term (``amount``: đồng more or less), with its document."""
    from . import deposits

    payload = {"contract": contract, "on": str(on), "amount": amount, "reference": reference}

    def work(conn):
        oid = orgs.org_id_by_code(conn, org_code)
        return deposits.adjust(conn, oid, deposits.deposit_id_by_contract(conn, oid, contract), on=on,
                               amount=amount, reference=reference, user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:deposit_adjustment", key, payload, _audited(
        user, "deposit.adjust", org_code, payload, work, lambda r: f"deposit:{r['id']}"))


def move_principal(db: Database, org_code: str, *, fund: str, amount: Any, direction: str, number: str,
                   decided_on: Any, reason: str, user: Who = "cli", key: str | None = None) -> dict:
    """Record a council decision releasing or raising a fund's protected principal, and book it."""
    from . import principal

    payload = {"fund": fund, "amount": amount, "direction": direction, "number": number,
               "decided_on": str(decided_on), "reason": reason}

    def work(conn):
        return principal.move(conn, orgs.org_id_by_code(conn, org_code), fund=fund, amount=amount,
                              direction=direction, number=number, decided_on=decided_on, reason=reason,
                              user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:principal", key, payload, _audited(
        user, "principal.move", org_code, payload, work, lambda r: f"principal_decision:{r['id']}"))


# ------------------------------------------------------------------ disbursements


def _disb(db: Database, org_code: str, action: str, scope: str, key: str | None, payload: dict, user: Who,
          run: Callable, target: Callable[[dict], Any]) -> dict:
    def work(conn):
        return run(conn, orgs.org_id_by_code(conn, org_code), as_actor(user).user)

    return run_idempotent(db, f"{org_code}:{scope}", key, payload, _audited(user, action, org_code, payload, work,
                                                                           target))


def add_recipient(db: Database, org_code: str, inp, *, user: Who = "cli", key: str | None = None) -> dict:
    from . import disbursements as d

    payload = {k: (str(v) if isinstance(v, date) else list(v) if isinstance(v, tuple) else v)
               for k, v in inp.__dict__.items()}
    return _disb(db, org_code, "recipient.add", "recipient", key, payload, user,
                 lambda c, oid, u: d.add_recipient(c, oid, inp, user=u), lambda r: f"recipient:{r['id']}")


def add_program(db: Database, org_code: str, *, code: str, name: str, funds: list[str], default_amount: Any = None,
                categories: Any = (), user: Who = "cli", key: str | None = None) -> dict:
    from . import disbursements as d

    payload = {"code": code, "name": name, "funds": list(funds), "default_amount": default_amount,
               "categories": list(categories) if not isinstance(categories, str) else categories}
    return _disb(db, org_code, "program.add", "program", key, payload, user,
                 lambda c, oid, u: {"id": d.add_program(c, oid, code=code, name=name, funds=funds,
                                                        default_amount=default_amount, categories=categories),
                                    "code": code}, lambda r: f"program:{r['code']}")


def create_batch(db: Database, org_code: str, *, title: str, lines: list | None = None, user: Who = "cli",
                 key: str | None = None) -> dict:
    """Draft a batch, with its first lines if given (all or none)."""
    from . import disbursements as d

    payload = {"title": title, "lines": [ln.__dict__ for ln in lines or []]}

    def run(c, oid, u):
        bid = d.create_batch(c, oid, title=title, user=u)
        added = d.add_lines(c, oid, bid, lines, user=u) if lines else {"added": 0, "recipients_twice": []}
        return {"id": bid, "added": added["added"], "recipients_twice": added["recipients_twice"]}

    return _disb(db, org_code, "batch.create", "batch", key, payload, user, run, lambda r: f"batch:{r['id']}")


def add_batch_lines(db: Database, org_code: str, batch_id: int, lines: list, *, user: Who = "cli",
                    key: str | None = None) -> dict:
    from . import disbursements as d

    payload = {"batch": batch_id, "lines": [ln.__dict__ for ln in lines]}
    return _disb(db, org_code, "batch.lines", "batch_lines", key, payload, user,
                 lambda c, oid, u: d.add_lines(c, oid, batch_id, lines, user=u), lambda r: f"batch:{batch_id}")


def submit_batch(db: Database, org_code: str, batch_id: int, *, user: Who = "cli", key: str | None = None) -> dict:
    from . import disbursements as d

    return _disb(db, org_code, "batch.submit", "batch_submit", key, {"batch": batch_id}, user,
                 lambda c, oid, u: d.submit(c, oid, batch_id, user=u), lambda r: f"batch:{batch_id}")


def vote_batch(db: Database, org_code: str, batch_id: int, *, approve: bool, comment: str = "", on: Any = None,
               user: Who = "cli", key: str | None = None) -> dict:
    from . import disbursements as d

    payload = {"batch": batch_id, "approve": approve, "comment": comment, "on": str(on)}
    return _disb(db, org_code, "batch.approve" if approve else "batch.reject", "batch_vote", key, payload, user,
                 lambda c, oid, u: d.vote(c, oid, batch_id, member=u, approve=approve, comment=comment, on=on),
                 lambda r: f"batch:{batch_id}")


def pay_batch(db: Database, org_code: str, batch_id: int, *, line_nos: list[int] | None = None, method: str = "cash",
              bank_account: str | None = None, on: Any = None, user: Who = "cli", key: str | None = None) -> dict:
    from . import disbursements as d

    payload = {"batch": batch_id, "lines": line_nos, "method": method, "bank": bank_account, "on": str(on)}
    return _disb(db, org_code, "batch.pay", "batch_pay", key, payload, user,
                 lambda c, oid, u: d.pay(c, oid, batch_id, line_nos=line_nos, method=method,
                                         bank_account=bank_account, on=on, user=u), lambda r: f"batch:{batch_id}")


def cancel_batch_line(db: Database, org_code: str, batch_id: int, line_no: int, *, reason: str, on: Any = None,
                      user: Who = "cli", key: str | None = None) -> dict:
    from . import disbursements as d

    payload = {"batch": batch_id, "line": line_no, "reason": reason, "on": str(on)}
    return _disb(db, org_code, "batch.cancel_line", "batch_cancel", key, payload, user,
                 lambda c, oid, u: d.cancel(c, oid, batch_id, line_no, reason=reason, on=on, user=u),
                 lambda r: f"batch:{batch_id}")


def import_batch_lines(db: Database, org_code: str, batch_id: int, path: Path, *, user: Who = "cli") -> dict:
    """Add a list file's lines to a draft batch (all or nothing; new recipients created)."""
    from . import disbursements as d
    from .importer import file_digest

    return _disb(db, org_code, "batch.import", "batch_import", None, {"batch": batch_id, "file": file_digest(path)},
                 user, lambda c, oid, u: d.import_lines(c, oid, batch_id, path, user=u), lambda r: f"batch:{batch_id}")


def stipend(db: Database, org_code: str, action: str, *, user: Who = "cli", key: str | None = None, **kw) -> dict:
    """Stipend commitments: ``action`` is commit, suspend, resume, end, hand_over or generate (see
    ``ledger/stipends.py``); ``kw`` its arguments."""
    from . import stipends

    fn = {"commit": stipends.commit, "suspend": stipends.suspend, "resume": stipends.resume, "end": stipends.end,
          "hand_over": stipends.hand_over, "generate": stipends.generate}[action]
    payload = {"action": action, **{k: str(v) for k, v in kw.items()}}

    def run(c, oid, u):
        r = fn(c, oid, user=u, **kw)
        if isinstance(r, dict):
            return r
        return {"id": r if isinstance(r, int) else kw.get("cid"), "action": action}

    return _disb(db, org_code, f"stipend.{action}", f"stipend_{action}", key, payload, user, run,
                 lambda r: f"commitment:{r.get('id') or kw.get('cid') or r.get('batch_id')}")


def set_quorum(db: Database, org_code: str, fund: str, approvals: int | None, *, user: Who = "cli",
               key: str | None = None) -> dict:
    """How many council approvals a batch drawing on ``fund`` needs (None: a majority of the council)."""
    from . import disbursements as d

    def run(c, oid, u):
        d.set_quorum(c, oid, fund, approvals)
        return {"fund": fund, "quorum": approvals}

    return _disb(db, org_code, "fund.quorum", "quorum", key, {"fund": fund, "quorum": approvals}, user, run,
                 lambda r: f"fund:{fund}")


def transfer_between(db: Database, from_org: str, to_org: str, *, from_fund: str, to_fund: str, amount: Any,
                     on: Any, from_account: str, to_account: str, reason: str, user: Who = "cli",
                     key: str | None = None) -> dict:
    """Move money from one organization's fund to another's (an entry in each journal)."""
    from . import reorg

    payload = {"to": to_org, "from_fund": from_fund, "to_fund": to_fund, "amount": amount, "on": str(on),
               "from_account": from_account, "to_account": to_account, "reason": reason}

    def work(conn):
        return reorg.transfer(conn, orgs.org_id_by_code(conn, from_org), orgs.org_id_by_code(conn, to_org),
                              from_fund=from_fund, to_fund=to_fund, amount=amount, on=on, from_account=from_account,
                              to_account=to_account, reason=reason, user=as_actor(user).user)

    return run_idempotent(db, f"{from_org}:org_transfer", key, payload, _audited(
        user, "org.transfer", from_org, payload, work, lambda r: f"org_transfer:{r['id']}"))


def dissolve_organization(db: Database, org_code: str, successor: str, *, on: Any, reason: str,
                          fund_map: dict[str, str] | None = None, user: Who = "cli", key: str | None = None) -> dict:
    """Hand an organization's books to its successor and close them for good."""
    from . import reorg

    payload = {"successor": successor, "on": str(on), "reason": reason, "fund_map": fund_map or {}}

    def work(conn):
        return reorg.dissolve(conn, orgs.org_id_by_code(conn, org_code), orgs.org_id_by_code(conn, successor), on=on,
                              reason=reason, fund_map=fund_map, user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:dissolution", key, payload, _audited(
        user, "org.dissolve", successor, {**payload, "org": org_code}, work, lambda r: f"organization:{org_code}"))


# --------------------------------------------------------------------------- bank statements


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
    import hashlib

    from . import bankstatements as bst

    digest = hashlib.sha256(content).hexdigest()

    def work(conn):
        oid = orgs.org_id_by_code(conn, org_code)
        bst.bank_account(conn, oid, account)
        result = bst.import_file(conn, oid, account, name, content, bst.profiles(conn), sha256=digest,
                                 user=as_actor(user).user, profile=profile, opening=opening, closing=closing,
                                 dry_run=dry_run, progress=progress)
        if not dry_run and result.imported:
            audit.record(conn, user, "bank.import", org_id=oid, target=f"bank_statement:{result.statement_id}",
                         details={"account": account, "file": name, "sha256": digest, "imported": result.imported,
                                  "duplicates": result.duplicates})
        return result

    if key is None:
        with db.begin() as conn:
            return work(conn)
    payload = {"account": account, "sha256": digest, "profile": profile, "opening": opening, "closing": closing,
               "dry_run": dry_run}

    def keyed(conn) -> dict:
        out = work(conn).as_dict()
        out.pop("duplicate_lines", None)
        return out

    return run_idempotent(db, f"{org_code}:bank_import", key, payload, keyed)


def preview_statement(db: Database, org_code: str, account: str, name: str, content: bytes, *,
                      profile: str | None = None, opening: int | None = None, closing: int | None = None):
    """Read and check a statement without writing: (its lines, what an import would do). Raises as
    :func:`import_statement` does."""
    import hashlib

    from . import bankstatements as bst

    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        bst.bank_account(conn, oid, account)
        parsed = bst.parse_statement(name, content, bst.profiles(conn), profile=profile, opening=opening,
                                     closing=closing)
        result = bst.store(conn, oid, account, parsed, source_name=name,
                           sha256=hashlib.sha256(content).hexdigest(), user="preview", dry_run=True)
    return parsed, result


def add_bank_profile(db: Database, spec: Any, *, user: Who = "cli"):
    """Add a bank statement column-mapping profile (its JSON form); return it."""
    from . import bankstatements as bst

    with db.begin() as conn:
        prof = bst.add_profile(conn, spec, user=as_actor(user).user)
        audit.record(conn, user, "bank.profile_add", target=f"bank_profile:{prof.name}", details=prof.spec())
    return prof


def bank_profiles(db: Database) -> list:
    from . import bankstatements as bst

    with db.read() as conn:
        return bst.profiles(conn)


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
    from . import matching

    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        return matching.proposals_page(conn, oid, account, statement_id=statement_id, start=start, end=end,
                                       unmatched=unmatched, limit=limit, offset=offset)


def confirm_bank_line(db: Database, org_code: str, line_id: int, choice=None, *, user: Who,
                      key: str | None = None) -> dict:
    """Book what a statement line is — its proposal accepted, or a person's choice
    (:class:`ledger.reconcile.Choice`) — and record the match, in one unit of work (``ledger/reconcile.py``)."""
    from . import reconcile

    choice = choice or reconcile.Choice()
    payload = {"line": line_id, **choice.payload()}

    def work(conn):
        return reconcile.confirm(conn, orgs.org_id_by_code(conn, org_code), line_id, choice,
                                 user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:bank_match", key, payload, _audited(
        user, "bank.match", org_code, payload, work, lambda r: f"bank_line:{line_id}"))


def reassign_bank_line(db: Database, org_code: str, match_id: int, *, donor: int, fund: str | None = None,
                       on: Any = None, user: Who, key: str | None = None) -> dict:
    """Move a line booked to the suspense account to donation income for its donor, with a receipt."""
    from . import reconcile

    payload = {"match": match_id, "donor": donor, "fund": fund, "on": None if on is None else str(on)}

    def work(conn):
        return reconcile.reassign(conn, orgs.org_id_by_code(conn, org_code), match_id, donor=donor, fund=fund,
                                  on=on, user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:bank_reassign", key, payload, _audited(
        user, "bank.reassign", org_code, payload, work, lambda r: f"bank_match:{match_id}"))


def undo_bank_match(db: Database, org_code: str, match_id: int, *, reason: str, on: Any = None, user: Who,
                    key: str | None = None) -> dict:
    """Undo a match made by mistake: what it booked reversed (receipts voided), the line unmatched again."""
    from . import reconcile

    payload = {"match": match_id, "reason": reason, "on": None if on is None else str(on)}

    def work(conn):
        return reconcile.undo(conn, orgs.org_id_by_code(conn, org_code), match_id, reason=reason, on=on,
                              user=as_actor(user).user)

    return run_idempotent(db, f"{org_code}:bank_undo", key, payload, _audited(
        user, "bank.undo", org_code, payload, work, lambda r: f"bank_match:{match_id}"))


def set_bank_default_fund(db: Database, org_code: str, account: str, fund: str | None, *, user: Who,
                          key: str | None = None) -> dict:
    """Set (``fund`` None: clear) the fund a bank account's lines go to when none is chosen."""
    from . import reconcile

    payload = {"account": account, "fund": fund}

    def work(conn):
        return reconcile.set_default_fund(conn, orgs.org_id_by_code(conn, org_code), account, fund)

    return run_idempotent(db, f"{org_code}:bank_default_fund", key, payload, _audited(
        user, "bank.default_fund", org_code, payload, work, lambda r: f"account:{account}"))


def bank_default_funds(db: Database, org_code: str) -> dict:
    from . import reconcile

    with db.read() as conn:
        return reconcile.default_funds(conn, orgs.org_id_by_code(conn, org_code))


def recent_bank_matches(db: Database, org_code: str, account: str, *, limit: int = 30) -> list[dict]:
    from . import reconcile

    with db.read() as conn:
        return reconcile.recent_matches(conn, orgs.org_id_by_code(conn, org_code), account, limit=limit)
