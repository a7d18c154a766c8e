"""``quy`` commands for the organizations, their funds, chart of accounts and campaigns."""

from __future__ import annotations

from dataclasses import asdict

import click
import sqlalchemy as sa

from ledger import orgs, services
from ledger import schema as s

from .common import Ctx, _date, _out, json_out, key_opt, org_json, org_opt


@click.group()
def org() -> None:
    """Organizations."""


@org.command("list")
@json_out
def org_list(c: Ctx, as_json: bool) -> None:
    with c.db.read() as conn:
        rows = orgs.list_organizations(conn)
    by_id = {o.id: o.code for o in rows}
    data = [{**asdict(o), "parent": by_id.get(o.parent_id)} for o in rows]
    text = "\n".join(f"{o.code:<10} {o.level:<9} {by_id.get(o.parent_id) or '':<8} {o.name}"
                     f"{'  (khóa sổ đến ' + o.lock_date.strftime('%d/%m/%Y') + ')' if o.lock_date else ''}"
                     for o in rows)
    _out(data, as_json, text)


@org.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--level", type=click.Choice(orgs.LEVELS), required=True)
@click.option("--parent", default=None)
@click.option("--address", default="")
@key_opt
@click.pass_obj
def org_add(c: Ctx, code: str, name: str, level: str, parent: str | None, address: str, key) -> None:
    r = services.create_organization(c.db, code=code, name=name, level=level, parent=parent,
                                     address=address, key=key, user=c.user)
    click.echo(f"Organization {code} created (id {r['id']}).")


def _coded_group(name: str, help: str, table: sa.Table, code_width: int, kind_width: int) -> click.Group:
    """The group ``name`` of an organization's records coded in ``table`` (funds, accounts), with its ``list``
    command: code, kind and name a line, in code order."""
    group = click.Group(name, help=help)

    @group.command("list")
    @org_json
    def listing(c: Ctx, org: str, as_json: bool) -> None:
        rows = c.org_read(org, lambda conn, oid: conn.execute(
            sa.select(table).where(table.c.org_id == oid).order_by(table.c.code)).all())
        _out([dict(r._mapping) for r in rows], as_json,
             "\n".join(f"{r.code:<{code_width}} {r.kind:<{kind_width}} {r.name}" for r in rows))

    return group


fund = _coded_group("fund", "Funds.", s.funds, 10, 12)
account = _coded_group("account", "Chart of accounts.", s.accounts, 12, 10)


@fund.command("add")
@org_opt
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(orgs.FUND_KINDS), default="general", show_default=True)
@click.option("--purpose", default="")
@click.option("--may-pay-management", is_flag=True)
@click.option("--principal", is_flag=True, help="The fund has a protected principal (endowment).")
@key_opt
@click.pass_obj
def fund_add(c: Ctx, org: str, code: str, name: str, kind: str, purpose: str,
             may_pay_management: bool, principal: bool, key) -> None:
    r = services.create_fund(c.db, org, code=code, name=name, kind=kind, purpose=purpose,
                             may_pay_management=may_pay_management, has_principal=principal, key=key,
                             user=c.user)
    click.echo(f"Fund {code} created (id {r['id']}).")


@fund.command("rename")
@org_opt
@click.argument("code")
@click.argument("name")
@click.option("--from", "on", default=None, help="The day the name takes effect (default today).")
@click.option("--decision", required=True, help="The decision behind the rename (Quyết định số …).")
@json_out
def fund_rename(c: Ctx, org: str, code: str, name: str, on: str | None, decision: str, as_json: bool) -> None:
    """Rename a fund from a day; its former names are kept, its past statements keep theirs, its code stays."""
    r = services.rename_fund(c.db, org, code, name, on=_date(on), decision=decision, user=c.user)
    _out(r, as_json, f"Fund {code}: {r['before']} → {r['name']} from {r['from']}.")


@fund.command("names")
@org_json
@click.argument("code")
def fund_names(c: Ctx, org: str, as_json: bool, code: str) -> None:
    """A fund's names through time."""
    r = services.fund_names(c.db, org, code)
    lines = [f"{(x.valid_from.strftime('%d/%m/%Y') if x.valid_from else 'đầu tiên'):<10} {x.name}"
             + (f"  ({x.decision})" if x.decision else "") for x in r["items"]] or [r["name"]]
    _out({**r, "items": [asdict(x) for x in r["items"]]}, as_json, "\n".join(lines))


@account.command("add")
@org_opt
@click.argument("code")
@click.argument("name")
@click.option("--kind", type=click.Choice(["asset", "liability", "equity", "income", "expense"]))
@click.option("--parent", default=None, help="Parent account code (a sub-account inherits its kind).")
@key_opt
@click.pass_obj
def account_add(c: Ctx, org: str, code: str, name: str, kind: str | None, parent: str | None,
                key) -> None:
    services.add_account(c.db, org, code=code, name=name, kind=kind, parent_code=parent, key=key, user=c.user)
    click.echo(f"Account {code} added.")


@account.command("rename")
@org_opt
@click.argument("code")
@click.argument("name")
@click.pass_obj
def account_rename(c: Ctx, org: str, code: str, name: str) -> None:
    services.rename_account(c.db, org, code, name, user=c.user)
    click.echo(f"Account {code} renamed.")


@account.command("add-bank")
@org_opt
@click.argument("code")
@click.option("--bank", "bank_name", required=True)
@click.option("--number", "account_no", required=True)
@click.option("--bin", "bin_", default="", help="The bank's NAPAS BIN (for VietQR).")
@key_opt
@click.pass_obj
def account_add_bank(c: Ctx, org: str, code: str, bank_name: str, account_no: str, bin_: str,
                     key) -> None:
    """Add a bank account as a sub-account of 1121."""
    services.add_bank_account(c.db, org, code=code, bank_name=bank_name, account_no=account_no,
                              bin=bin_, key=key, user=c.user)
    click.echo(f"Bank account {code} added under 1121.")


@click.group()
def campaign() -> None:
    """Campaigns (đợt vận động)."""


@campaign.command("add")
@org_opt
@click.argument("code")
@click.argument("name")
@click.option("--fund", "fund_code", default=None)
@click.option("--start", default=None)
@click.option("--end", default=None)
@key_opt
@click.pass_obj
def campaign_add(c: Ctx, org: str, code: str, name: str, fund_code: str | None, start, end,
                 key) -> None:
    services.create_campaign(c.db, org, code=code, name=name, fund_code=fund_code, start=_date(start),
                             end=_date(end), key=key, user=c.user)
    click.echo(f"Campaign {code} created.")


COMMANDS = [org, fund, account, campaign]
