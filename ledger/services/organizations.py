"""Organizations and their set-up (funds, accounts, bank accounts, campaigns), and the reorganizations:
a transfer between two organizations, a dissolution into a successor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import donations, orgs, reorg
from ..clock import today
from ..db import Database
from .unit import Unit, reading, use_case


@use_case("organization.create", "organization", org=None, target="{a.code}",
          payload=lambda a: {"code": a.code, "name": a.name, "level": a.level, "parent": a.parent,
                             "address": a.address})
def create_organization(u: Unit, *, code: str, name: str, level: str, parent: str | None = None,
                        address: str = "") -> dict:
    return {"id": orgs.create_organization(u.conn, code=code, name=name, level=level, parent_code=parent,
                                           address=address), "code": code}


def _set_up(action: str, scope: str, create: Callable[..., int]) -> Callable:
    """A set-up use case: ``create(conn, org_id, **fields)``; it accepts a client key, and the payload and the
    audit details are the fields as given."""

    def run(u: Unit, org_code: str, **fields: Any) -> dict:
        return {"id": create(u.conn, u.org_id, **fields), "code": fields["code"]}

    run.__name__ = run.__qualname__ = create.__name__
    run.__doc__ = create.__doc__
    return use_case(action, scope, payload=lambda a: a.fields, target="{r[code]}")(run)


create_fund = _set_up("fund.create", "fund", orgs.create_fund)
add_account = _set_up("account.create", "account", orgs.add_account)
add_bank_account = _set_up("bank_account.create", "account", orgs.add_bank_account)
create_campaign = _set_up("campaign.create", "campaign", donations.create_campaign)


@use_case("fund.rename", keyed=False, target="{a.code}",
          payload=lambda a: {"name": a.name, "on": str(a.on or ""), "decision": a.decision})
def rename_fund(u: Unit, org_code: str, code: str, name: str, *, on: Any = None, decision: str = "") -> dict:
    """Rename a fund from a day by a decision, keeping its former names."""
    return orgs.rename_fund(u.conn, u.org_id, code, name, on=on, decision=decision, user=u.user)


def fund_names(db: Database, org_code: str, code: str) -> dict:
    """A fund's name today and its names through time (``items``, oldest first; empty: never renamed)."""
    with reading(db, org_code) as u:
        return {"org": org_code, "fund": code, "name": orgs.fund_name_on(u.conn, u.org_id, code, today()),
                "items": orgs.fund_names(u.conn, u.org_id, code)}


@use_case("account.rename", keyed=False, target="{a.code}", payload=lambda a: {"name": a.name})
def rename_account(u: Unit, org_code: str, code: str, name: str) -> None:
    orgs.rename_account(u.conn, u.org_id, code, name)


@use_case("org.transfer", "org_transfer", org="from_org", target="org_transfer:{r[id]}",
          payload=lambda a: {"to": a.to_org, "from_fund": a.from_fund, "to_fund": a.to_fund, "amount": a.amount,
                             "on": str(a.on), "from_account": a.from_account, "to_account": a.to_account,
                             "reason": a.reason})
def transfer_between(u: Unit, from_org: str, to_org: str, *, from_fund: str, to_fund: str, amount: Any, on: Any,
                     from_account: str, to_account: str, reason: str) -> dict:
    """Move money from one organization's fund to another's (an entry in each journal)."""
    return reorg.transfer(u.conn, u.org_id, u.org(to_org), from_fund=from_fund, to_fund=to_fund, amount=amount,
                          on=on, from_account=from_account, to_account=to_account, reason=reason, user=u.user)


def _dissolution_payload(a) -> dict:
    return {"successor": a.successor, "on": str(a.on), "reason": a.reason, "fund_map": a.fund_map or {}}


@use_case("org.dissolve", "dissolution", payload=_dissolution_payload, audit_org=lambda a: a.successor,
          details=lambda a, r: {**_dissolution_payload(a), "org": a.org_code}, target="organization:{a.org_code}")
def dissolve_organization(u: Unit, org_code: str, successor: str, *, on: Any, reason: str,
                          fund_map: dict[str, str] | None = None) -> dict:
    """Hand an organization's books to its successor and close them for good."""
    return reorg.dissolve(u.conn, u.org_id, u.org(successor), on=on, reason=reason, fund_map=fund_map, user=u.user)
