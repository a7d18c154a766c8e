"""Organizations, funds, accounts and balances in the JSON API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict

import sqlalchemy as sa
from flask import g

from ledger import balances, orgs, services
from ledger import schema as s

from .. import auth
from .common import FUNDS, ORGS, WRITE, _created, _fund, _key, bp, protected, public_view, read_view, route, write_view
from .schemas import common as cs
from .schemas import orgs as sc

# ------------------------------------------------------------------ organizations


def _organization(o: orgs.OrgInfo, codes: dict[int, str], rows: list[balances.FundRow],
                  below: set[int]) -> dict:
    mine = [r for r in rows if r.org_id == o.id]
    return {"code": o.code, "name": o.name, "level": o.level,
            "parent": codes.get(o.parent_id) if o.parent_id else None, "address": o.address,
            "lock_date": o.lock_date, "funds": [_fund(r) for r in mine],
            "total": asdict(balances.total_figures(mine)),
            "consolidated": asdict(balances.total_figures(r for r in rows if r.org_id in below))}


def _subtrees(all_orgs: list[orgs.OrgInfo]) -> dict[int, set[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for o in all_orgs:
        children[o.parent_id].append(o.id)
    out: dict[int, set[int]] = {}
    for o in all_orgs:
        seen, stack = set(), [o.id]
        while stack:
            cur = stack.pop()
            if cur not in seen:
                seen.add(cur)
                stack.extend(children[cur])
        out[o.id] = seen
    return out


@public_view("/organizations", "organizations", ORGS, sc.OrganizationList)
def organizations():
    """Every organization with its funds and figures (public)

    No token needed: the same figures the public pages show. ``consolidated`` adds every organization
    beneath (the province's "total funds of the whole province").
    """
    with auth.db().read() as conn:
        all_orgs = orgs.list_organizations(conn)
        rows = balances.fund_balances(conn, [o.id for o in all_orgs])
    codes = {o.id: o.code for o in all_orgs}
    tree = _subtrees(all_orgs)
    return {"items": [_organization(o, codes, rows, tree[o.id]) for o in all_orgs]}


@read_view("/organizations/<org>", "organization", ORGS, sc.Organization)
def organization(org: str):
    """One organization with its funds, its total and the consolidated total beneath it"""
    with auth.db().read() as conn:
        below = set(balances.subtree(conn, g.org_id))
        mine = orgs.list_organizations(conn, below)  # the organization and those beneath: not the nation
        me = next(o for o in mine if o.id == g.org_id)
        codes = {o.id: o.code for o in orgs.list_organizations(conn, [*below, *([me.parent_id] if me.parent_id
                                                                               else [])])}
        rows = balances.fund_balances(conn, sorted(below))
    return _organization(me, codes, rows, below)


# ------------------------------------------------------------------ funds


@read_view("/organizations/<org>/funds", "funds", FUNDS, sc.FundList, query=sc.FundsArgs())
def funds(args: dict, org: str):
    """Funds and their figures: balance, protected principal, reserved, spendable

    ``as_of`` gives the figures at the end of that day; ``consolidated=true`` lists the funds of every
    organization beneath too (``org`` on each fund says whose), and ``total`` sums them.
    """
    rows = services.fund_balances(auth.db(), org, as_of=args.get("as_of"),
                                  consolidated=args["consolidated"])
    return {"org": org, "as_of": args.get("as_of"), "consolidated": args["consolidated"],
            "items": [_fund(r) for r in rows], "total": asdict(balances.total_figures(rows))}


@write_view("/organizations/<org>/funds", "fund_create", FUNDS, "org.setup", cs.Created, body=sc.FundIn(),
            example={"code": "NUOIEM", "name": "Quỹ Nuôi em khuyến học", "kind": "scholarship"})
def fund_create(body: dict, org: str):
    """Create a fund"""
    return _created(services.create_fund(auth.db(), org, key=_key(), user=auth.actor(), **body))


@read_view("/organizations/<org>/funds/<fund>/names", "fund_names", FUNDS, sc.FundNames)
def fund_names(org: str, fund: str):
    """A fund's names through time: each with the day it took effect and the decision (empty: never renamed)"""
    return services.fund_names(auth.db(), org, fund)


@route("/organizations/<org>/funds/<fund>/names", "fund_rename", FUNDS, "POST")
@protected("org.setup", *WRITE, post=True)
@bp.arguments(sc.FundRenameIn(), example={"name": "Quỹ Khuyến học xã Chiềng Sinh (tiếp nhận từ huyện Thuận Châu)",
                                          "from": "2026-07-01", "decision": "Quyết định 15/QĐ-HKH"})
@bp.response(200, sc.FundRenamed)
def fund_rename(body: dict, org: str, fund: str):
    """Rename a fund from a day by a decision; its former names are kept and its past statements keep theirs"""
    return {**services.rename_fund(auth.db(), org, fund, body["name"], on=body.get("on"),
                                   decision=body["decision"], user=auth.actor()), "replayed": False}


# ------------------------------------------------------------------ accounts and balances


@read_view("/organizations/<org>/accounts", "accounts", FUNDS, sc.AccountList, query=cs.AsOfArgs())
def accounts(args: dict, org: str):
    """The chart of accounts with each account's balance, in all and per fund"""
    a = s.accounts
    with auth.db().read() as conn:
        rows = conn.execute(sa.select(a).where(a.c.org_id == g.org_id).order_by(a.c.code)).all()
        amounts = balances.account_balances(conn, g.org_id, args.get("as_of"))
    codes = {r.id: r.code for r in rows}
    per: dict[int, list[dict]] = defaultdict(list)
    for b in amounts:
        per[b.account_id].append({"fund": b.fund_code, "amount": b.amount})
    items = [{"code": r.code, "name": r.name, "kind": r.kind, "role": r.role,
              "parent": codes.get(r.parent_id) if r.parent_id else None, "bank_name": r.bank_name,
              "bank_bin": r.bank_bin, "bank_account_no": r.bank_account_no,
              "balance": sum(x["amount"] for x in per[r.id]), "funds": per[r.id]} for r in rows]
    return {"org": org, "as_of": args.get("as_of"), "items": items}


@write_view("/organizations/<org>/accounts", "account_create", FUNDS, "org.setup", cs.Created, body=sc.AccountIn(),
            example={"code": "1121.VCB", "bank_name": "Vietcombank Sơn La", "bank_account_no": "0123456789"})
def account_create(body: dict, org: str):
    """Add an account, a sub-account (``parent``) or a bank account (``bank_account_no``, under 1121)"""
    common = {"key": _key(), "user": auth.actor()}
    if "bank_account_no" in body:
        r = services.add_bank_account(auth.db(), org, code=body["code"], bank_name=body["bank_name"],
                                      account_no=body["bank_account_no"], bin=body.get("bank_bin", ""),
                                      name=body.get("name"), **common)
    else:
        r = services.add_account(auth.db(), org, code=body["code"], name=body["name"],
                                 kind=body.get("kind"), parent_code=body.get("parent"), **common)
    return _created(r)


@read_view("/organizations/<org>/balances", "balances", FUNDS, sc.Balances, query=cs.AsOfArgs())
def balances_(args: dict, org: str):
    """Balances per account and fund (non-zero pairs), and each fund's figures"""
    as_of = args.get("as_of")
    with auth.db().read() as conn:
        pairs = balances.account_balances(conn, g.org_id, as_of)
        rows = balances.fund_balances(conn, [g.org_id], as_of)
    return {"org": org, "as_of": as_of,
            "items": [{"account": p.code, "account_name": p.name, "kind": p.kind,
                       "fund": p.fund_code, "amount": p.amount} for p in pairs],
            "funds": [_fund(r) for r in rows], "total": asdict(balances.total_figures(rows))}
