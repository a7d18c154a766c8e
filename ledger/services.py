"""The use cases, one plain function each: take plain values and the database, run one unit of work
(with an optional client idempotency key), return a plain result. The CLI and the web call these and
do nothing else but parse input and render output.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from . import balances, donations, importer, journal, orgs
from .clock import parse_date
from .db import Database
from .idempotency import run_idempotent


def record_donation(db: Database, org_code: str, inp: donations.DonationInput, *, user: str,
                    key: str | None = None) -> dict:
    """Record one donation (and its transaction); return ids, chain position and possible duplicates."""

    def work(conn):
        return donations.record_donation(conn, orgs.org_id_by_code(conn, org_code), inp, user=user)

    return run_idempotent(db, f"{org_code}:donation", key, inp.payload(), work)


def pay_pledge(db: Database, org_code: str, *, pledge_id: int, amount: Any, on: Any,
               method: str = "cash", bank_account: str | None = None, reference: str = "",
               user: str, key: str | None = None) -> dict:
    payload = {"pledge": pledge_id, "amount": amount, "on": str(on), "method": method,
               "bank": bank_account, "ref": reference}

    def work(conn):
        return donations.pay_pledge(conn, orgs.org_id_by_code(conn, org_code), pledge_id=pledge_id,
                                    amount=amount, date=on, method=method,
                                    bank_account=bank_account, reference=reference, user=user)

    return run_idempotent(db, f"{org_code}:pledge_payment", key, payload, work)


def reverse(db: Database, org_code: str, tx_id: int, *, reason: str, on: Any, user: str,
            key: str | None = None) -> dict:
    payload = {"tx": tx_id, "reason": reason, "on": str(on)}

    def work(conn):
        return donations.reverse_transaction(conn, orgs.org_id_by_code(conn, org_code), tx_id,
                                             reason=reason, on=on, user=user)

    return run_idempotent(db, f"{org_code}:reversal", key, payload, work)


def import_donations(db: Database, org_code: str, path: Path, *, user: str, fund: str | None = None,
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

        return importer.write_plan(conn, org_id, plan, user=user, source=f"import:{path.name}",
                                   progress=tick)

    with importer.gc_paused():
        return run_idempotent(db, f"{org_code}:import", key or f"file:{digest}", payload, work)


def lock_period(db: Database, org_code: str, through: Any) -> dict:
    on = parse_date(through)
    with db.begin() as conn:
        prev = orgs.set_lock_date(conn, orgs.org_id_by_code(conn, org_code), on)
    return {"lock_date": on.isoformat(), "previous": prev.isoformat() if prev else None}


def verify(db: Database, org_code: str | None = None) -> list[journal.ChainReport]:
    """Verify the hash chain of one organization or of all; also that cached balances match."""
    with db.read() as conn:
        ids = ([orgs.org_id_by_code(conn, org_code)] if org_code else
               [o.id for o in orgs.list_organizations(conn)])
        reports = []
        for oid in ids:
            rep = journal.verify_chain(conn, oid)
            if rep.ok:
                bad = balances.cached_matches_postings(conn, oid)
                if bad:
                    a, f, cached, summed = bad[0]
                    rep = journal.ChainReport(rep.org_code, False, rep.count, rep.head_seq,
                                              rep.head_hash,
                                              f"cached balance of account {a} fund {f} is {cached}, "
                                              f"its postings sum to {summed}")
            reports.append(rep)
        return reports


def fund_balances(db: Database, org_code: str, *, as_of: date | None = None,
                  consolidated: bool = False) -> list[balances.FundRow]:
    with db.read() as conn:
        oid = orgs.org_id_by_code(conn, org_code)
        ids = balances.subtree(conn, oid) if consolidated else [oid]
        return balances.fund_balances(conn, ids, as_of)


# ------------------------------------------------------------------ set-up (each accepts a client key)


def create_organization(db: Database, *, code: str, name: str, level: str, parent: str | None = None,
                        address: str = "", key: str | None = None) -> dict:
    payload = {"code": code, "name": name, "level": level, "parent": parent, "address": address}

    def work(conn):
        return {"id": orgs.create_organization(conn, code=code, name=name, level=level,
                                               parent_code=parent, address=address), "code": code}

    return run_idempotent(db, "organization", key, payload, work)


def create_fund(db: Database, org_code: str, *, key: str | None = None, **fields) -> dict:
    def work(conn):
        return {"id": orgs.create_fund(conn, orgs.org_id_by_code(conn, org_code), **fields),
                "code": fields["code"]}

    return run_idempotent(db, f"{org_code}:fund", key, fields, work)


def add_account(db: Database, org_code: str, *, key: str | None = None, **fields) -> dict:
    def work(conn):
        return {"id": orgs.add_account(conn, orgs.org_id_by_code(conn, org_code), **fields),
                "code": fields["code"]}

    return run_idempotent(db, f"{org_code}:account", key, fields, work)


def add_bank_account(db: Database, org_code: str, *, key: str | None = None, **fields) -> dict:
    def work(conn):
        return {"id": orgs.add_bank_account(conn, orgs.org_id_by_code(conn, org_code), **fields),
                "code": fields["code"]}

    return run_idempotent(db, f"{org_code}:account", key, fields, work)


def create_campaign(db: Database, org_code: str, *, key: str | None = None, **fields) -> dict:
    def work(conn):
        return {"id": donations.create_campaign(conn, orgs.org_id_by_code(conn, org_code), **fields),
                "code": fields["code"]}

    return run_idempotent(db, f"{org_code}:campaign", key, fields, work)
