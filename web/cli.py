"""The ``quy`` command line: set-up, donations, imports, balances, the journal, locking and verifying.

Each command parses its options, calls one function of ``ledger.services`` (or a read), and prints
the result. Errors print a Vietnamese message with the machine code and exit with status 2.
"""

from __future__ import annotations

import getpass
import json
import os
import secrets
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path

import click
import sqlalchemy as sa

from ledger import balances, clock, donations, orgs, services
from ledger import schema as s
from ledger.clock import parse_date
from ledger.db import Database
from ledger.errors import LedgerError
from ledger.journal import digests
from ledger.migrate import upgrade
from ledger.money import format_vnd, parse_amount_text

from .messages import local_time, vietnamese


class Ctx:
    def __init__(self, url: str | None, user: str | None) -> None:
        self.url = url
        self.user = user or os.environ.get("QUY_USER") or f"cli:{getpass.getuser()}"
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.url)
        return self._db


def _fail(err: LedgerError) -> None:
    click.echo(f"Lỗi [{err.code}]: {vietnamese(err)}", err=True)
    click.echo(f"  ({err.message})", err=True)
    for e in err.params.get("errors", [])[:1000]:
        click.echo(f"  dòng {e['row']}, cột {e['column']}: {e['reason']}", err=True)
    for e in [*err.params.get("rows", []), *err.params.get("problems", [])][:1000]:
        click.echo(f"  dòng {e['line']}, {e['field']}: {e['message']}", err=True)
    sys.exit(2)


class QuyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LedgerError as err:
            _fail(err)


def _out(obj, as_json: bool, text: str) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str) if as_json else text)


def _date(value: str | None) -> date | None:
    return parse_date(value) if value else None


json_opt = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
org_opt = click.option("--org", "org", default="SLA", show_default=True, envvar="QUY_ORG",
                       help="Organization code.")
key_opt = click.option("--key", default=None, help="Client idempotency key.")


def date_opt(help: str | None = None, *, required: bool = False):
    """``--date``, the ``on`` parameter: the day a command's entry is dated (``_date(on)``)."""
    if required:
        return click.option("--date", "on", required=True, help=help)
    return click.option("--date", "on", default=None, help=help)


def period_opt(start_help: str | None = None, end_help: str | None = None):
    """``--from`` and ``--to``, the ``start`` and ``end`` parameters: a period's first and last day."""
    def decorate(f):
        return click.option("--from", "start", default=None, help=start_help)(
            click.option("--to", "end", default=None, help=end_help)(f))
    return decorate


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    """The period ``start``..``end``: ``end`` defaults to today, ``start`` to 1 January of ``end``'s year."""
    to = _date(end) or clock.today()
    return _date(start) or date(to.year, 1, 1), to


@click.group(cls=QuyGroup)
@click.option("--database", envvar="QUY_DATABASE_URL", default=None,
              help="Database URL (default: sqlite:///instance/quy.sqlite3).")
@click.option("--user", envvar="QUY_USER", default=None, help="Who is acting (recorded in the journal).")
@click.pass_context
def main(ctx: click.Context, database: str | None, user: str | None) -> None:
    """Quỹ: sổ kế toán kép cho Hội Khuyến học và các quỹ học bổng."""
    ctx.obj = Ctx(database, user)


@main.command()
@click.pass_obj
def init(c: Ctx) -> None:
    """Create or upgrade the database schema (Alembic)."""
    upgrade(c.db)
    click.echo(f"Database ready: {c.db.engine.url.render_as_string(hide_password=True)}")


def _is_empty(db: Database) -> bool:
    with db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(s.organizations)).scalar() == 0


@main.command()
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has books.")
@click.pass_obj
def demo(c: Ctx, if_empty: bool) -> None:
    """Load the demo books built from the seeds (Sơn La and its districts)."""
    from ledger.ops.demo import load_demo

    upgrade(c.db)
    if not _is_empty(c.db):
        if if_empty:
            click.echo("Database already has books; demo not loaded.")
            _print_demo_logins(_demo_logins_file(c.db))
            return
        raise click.ClickException("the database is not empty; the demo loads into an empty one")
    with c.db.begin() as conn:
        summary = load_demo(conn, user=c.user)
    click.echo(f"Demo loaded: {summary['organizations']} organizations, "
               f"{summary['campaign_gifts']} gifts to the Tô Hiệu 2025 campaign.")
    logins = _demo_logins_file(c.db)
    lines = []
    for login, name, roles in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        services.add_user(c.db, login=login, name=name, password=password, roles=roles, user=c.user)
        lines.append(f"{login:<9} {password:<18} {', '.join(f'{r}@{o}' for o, r in roles)}")
    logins.parent.mkdir(parents=True, exist_ok=True)
    logins.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logins.chmod(0o600)
    _print_demo_logins(logins)


#: The demo's people: login, name, (organization, role) pairs. Passwords are made at random when the
#: demo is loaded and written to demo-logins.txt beside the database file (never to the repository).
DEMO_USERS = [
    ("admin", "Lê Thị Hoa", [("SLA", "admin"), ("SLA-TCH", "admin")]),
    ("thuquy", "Nguyễn Thị Mai", [("SLA", "treasurer"), ("SLA-TCH", "treasurer")]),
    ("hoidong", "Trần Văn Bình", [("SLA", "council")]),
    ("kiemtra", "Phạm Minh Đức", [("SLA", "auditor")]),
]


def _demo_logins_file(db: Database) -> Path:
    path = db.engine.url.database if db.dialect == "sqlite" else None
    return (Path(path).parent if path and path != ":memory:" else Path("instance")) / "demo-logins.txt"


def _print_demo_logins(path: Path) -> None:
    if path.exists():
        click.echo(f"Demo logins ({path}):\n" + path.read_text(encoding="utf-8"))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_obj
def serve(c: Ctx, host: str, port: int) -> None:
    """Serve the web app."""
    from .app import create_app

    upgrade(c.db)
    app = create_app(c.db)
    click.echo(f"Quỹ on http://{host}:{port}/")
    app.run(host=host, port=port, debug=False)


# ------------------------------------------------------------------ organizations, funds, accounts


@main.group()
def org() -> None:
    """Organizations."""


@org.command("list")
@json_opt
@click.pass_obj
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


@main.group()
def fund() -> None:
    """Funds."""


@fund.command("list")
@org_opt
@json_opt
@click.pass_obj
def fund_list(c: Ctx, org: str, as_json: bool) -> None:
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        rows = conn.execute(sa.select(s.funds).where(s.funds.c.org_id == oid)
                            .order_by(s.funds.c.code)).all()
    data = [dict(r._mapping) for r in rows]
    _out(data, as_json, "\n".join(f"{r.code:<10} {r.kind:<12} {r.name}" for r in rows))


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


@main.group()
def account() -> None:
    """Chart of accounts."""


@account.command("list")
@org_opt
@json_opt
@click.pass_obj
def account_list(c: Ctx, org: str, as_json: bool) -> None:
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        rows = conn.execute(sa.select(s.accounts).where(s.accounts.c.org_id == oid)
                            .order_by(s.accounts.c.code)).all()
    data = [dict(r._mapping) for r in rows]
    _out(data, as_json, "\n".join(f"{r.code:<12} {r.kind:<10} {r.name}" for r in rows))


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


@main.group()
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


@main.group()
def donor() -> None:
    """Donors (nhà hảo tâm)."""


@donor.command("list")
@org_opt
@click.option("--search", default=None, help="Part of a name, with or without diacritics (nguyen finds Nguyễn).")
@json_opt
@click.pass_obj
def donor_list(c: Ctx, org: str, search: str | None, as_json: bool) -> None:
    from ledger import queries

    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        found, _n = queries.donors(conn, oid, search=search, limit=10**9)
    rows = sorted(found, key=lambda r: r.id)
    _out([{"id": r.id, "name": r.name, "kind": r.kind, "address": r.address, "anonymous": r.anonymous}
          for r in rows], as_json,
         "\n".join(f"{r.id:>6} {r.name}{' (giấu tên)' if r.anonymous else ''}" for r in rows))


@main.group("donation")
def donation_group() -> None:
    """Donations (ủng hộ): find them."""


@donation_group.command("list")
@org_opt
@click.option("--search", "q", default="", help="Part of the donor's name (with or without diacritics), a "
                                                 "receipt number (BN/25 0000123) or part of the memo.")
@click.option("--from", "start", default=None, help="First day (YYYY-MM-DD or dd/mm/yyyy).")
@click.option("--to", "end", default=None, help="Last day.")
@click.option("--fund", default=None, help="Fund code.")
@click.option("--campaign", default=None, help="Campaign code.")
@click.option("--kind", type=click.Choice((*donations.DONATION_KINDS, "pledge_payment")), default=None)
@click.option("--donor-id", type=int, default=None)
@click.option("--min-amount", default=None, help="At least this many đồng (1.000.000 or 1000000).")
@click.option("--max-amount", default=None, help="At most this many đồng.")
@json_opt
@click.pass_obj
def donation_list(c: Ctx, org, q, start, end, fund, campaign, kind, donor_id, min_amount, max_amount,
                  as_json) -> None:
    """The donations, newest first, searched and filtered as on the Donations page."""
    from ledger import queries

    where = queries.DonationFilter(
        q=q, start=_date(start), end=_date(end), fund=fund, campaign=campaign, kind=kind, donor_id=donor_id,
        min_amount=parse_amount_text(min_amount, field="min_amount") if min_amount else None,
        max_amount=parse_amount_text(max_amount, field="max_amount") if max_amount else None)
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        rows, _n = queries.donations(conn, oid, limit=10**9, with_total=False, where=where)
        receipts = queries.receipts_of(conn, oid, [r.id for r in rows])
    out = [{"id": r.id, "date": r.date.isoformat(), "donor_id": r.donor_id, "donor": r.donor_name, "fund": r.fund,
            "campaign": r.campaign, "kind": r.kind, "amount": r.amount, "reference": r.reference,
            "reversed": r.reversed, "receipts": [x.label for x in receipts.get(r.id, [])]} for r in rows]
    _out(out, as_json, "\n".join(
        f"{d['id']:>6} {d['date']} {format_vnd(d['amount']):>18} {d['fund']:<8} {', '.join(d['receipts']):<15} "
        f"{d['donor']}{' (đã đảo)' if d['reversed'] else ''}" for d in out))


# ------------------------------------------------------------------ donations


@main.command()
@org_opt
@click.option("--fund", "fund_code", required=True)
@click.option("--amount", required=True, help="Whole đồng: 1500000 or 1.500.000.")
@date_opt("YYYY-MM-DD or dd/mm/yyyy (default: today).")
@click.option("--donor", "donor_name", default=None, help="Donor's full name.")
@click.option("--donor-id", type=int, default=None)
@click.option("--donor-kind", type=click.Choice(donations.DONOR_KINDS), default="person")
@click.option("--address", default="")
@click.option("--anonymous", is_flag=True, help="The donor asks to stay anonymous.")
@click.option("--display-name", default="")
@click.option("--kind", type=click.Choice(donations.DONATION_KINDS), default="cash", show_default=True)
@click.option("--campaign", "campaign_code", default=None)
@click.option("--bank", "bank_account", default=None, help="Bank account code (for transfers).")
@click.option("--principal", is_flag=True, help="Gift to the fund's protected principal.")
@click.option("--earmark", default=None, help="Named recipient or purpose the money is for.")
@click.option("--item", default=None, help="In-kind: what was given.")
@click.option("--quantity", default=None)
@click.option("--unit", default=None)
@click.option("--fx-amount", default=None, help="Foreign currency: the original amount, e.g. 100.50.")
@click.option("--currency", default=None)
@click.option("--reference", default="")
@click.option("--message", default="")
@click.option("--gold-book/--no-gold-book", "gold_book", default=None,
              help="Enter the gift in the gold book (or not), whatever the threshold says.")
@key_opt
@json_opt
@click.pass_obj
def donate(c: Ctx, org, fund_code, amount, on, donor_name, donor_id, donor_kind, address, anonymous,
           display_name, kind, campaign_code, bank_account, principal, earmark, item, quantity, unit,
           fx_amount, currency, reference, message, gold_book, key, as_json) -> None:
    """Record a donation and post it."""
    if not donor_name and donor_id is None:
        raise click.UsageError("give --donor NAME or --donor-id ID")
    inp = donations.DonationInput(
        fund=fund_code, amount=parse_amount_text(amount), date=_date(on) or clock.today(),
        donor=donations.DonorInput(id=donor_id, name=donor_name, kind=donor_kind, address=address,
                                   anonymous=anonymous, display_name=display_name),
        kind=kind, campaign=campaign_code, bank_account=bank_account, to_principal=principal,
        earmark=earmark, item_description=item,
        item_quantity=parse_amount_text(quantity, field="quantity") if quantity else None,
        item_unit=unit, fx_amount=fx_amount, fx_currency=currency, reference=reference,
        message=message, gold_book=gold_book)
    r = services.record_donation(c.db, org, inp, user=c.user, key=key)
    text = (f"Donation {r['donation_id']} recorded: transaction {r['tx_id']} (#{r['seq']}), "
            f"{format_vnd(inp.amount)}{' (replayed)' if r.get('replayed') else ''}"
            f"{', receipt ' + r['receipt'] if r.get('receipt') else ''}")
    for d in r.get("possible_duplicates", []):
        text += f"\n  Có thể trùng nhà hảo tâm: #{d['id']} {d['name']} {d['address']}"
    _out(r, as_json, text)


@main.command("pay-pledge")
@org_opt
@click.argument("pledge_id", type=int)
@click.option("--amount", required=True)
@date_opt()
@click.option("--method", type=click.Choice(["cash", "transfer"]), default="cash")
@click.option("--bank", "bank_account", default=None)
@click.option("--reference", default="")
@key_opt
@json_opt
@click.pass_obj
def pay_pledge(c: Ctx, org, pledge_id, amount, on, method, bank_account, reference, key,
               as_json) -> None:
    """Record a payment on a pledge."""
    r = services.pay_pledge(c.db, org, pledge_id=pledge_id, amount=parse_amount_text(amount),
                            on=_date(on) or clock.today(), method=method, bank_account=bank_account,
                            reference=reference, user=c.user, key=key)
    _out(r, as_json, f"Payment recorded: transaction {r['tx_id']}, receipt {r['receipt']}; "
                     f"{format_vnd(r['outstanding'])} still pledged.")


@main.command("import")
@org_opt
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fund", "fund_code", default=None, help="Fund for rows that name none.")
@click.option("--campaign", "campaign_code", default=None, help="Campaign for rows that name none.")
@date_opt("Date for rows that give none.")
@key_opt
@json_opt
@click.pass_obj
def import_(c: Ctx, org, path, fund_code, campaign_code, on, key, as_json) -> None:
    """Import a campaign's donations from CSV or XLSX (all or nothing)."""
    bar = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "start":
            bar["b"] = click.progressbar(length=total, label="Ghi sổ", file=sys.stderr)
            bar["b"].__enter__()
            bar["done"] = 0
        else:
            bar["b"].update(done - bar["done"])
            bar["done"] = done

    try:
        r = services.import_donations(c.db, org, path, user=c.user, fund=fund_code,
                                      campaign=campaign_code, default_date=_date(on) or clock.today(),
                                      key=key, progress=progress)
    finally:
        if "b" in bar:
            bar["b"].__exit__(None, None, None)
    if r.get("already_imported"):
        _out(r, as_json, f"Nothing written: this file was already imported on {local_time(r.get('imported_at'), 'at')}"
                         f" ({r['donations']} donations, {format_vnd(r['total'])}).")
        return
    _out(r, as_json, f"Imported {r['donations']} donations, {format_vnd(r['total'])}, "
                     f"{r['donors_created']} new donors{' (replayed)' if r.get('replayed') else ''}.")


@main.command()
@org_opt
@click.argument("tx_id", type=int)
@click.option("--reason", required=True)
@date_opt()
@key_opt
@json_opt
@click.pass_obj
def reverse(c: Ctx, org, tx_id, reason, on, key, as_json) -> None:
    """Reverse a posted transaction (once), with a reason."""
    r = services.reverse(c.db, org, tx_id, reason=reason, on=_date(on) or clock.today(), user=c.user,
                         key=key)
    _out(r, as_json, f"Transaction {tx_id} reversed by {r['tx_id']} (#{r['seq']}).")


@main.command()
@org_opt
@click.argument("through")
@click.pass_obj
def lock(c: Ctx, org: str, through: str) -> None:
    """Lock the books through a date: nothing may be posted on or before it."""
    r = services.lock_period(c.db, org, through, user=c.user)
    click.echo(f"{org}: locked through {r['lock_date']}.")


# ------------------------------------------------------------------ reading


def _fig_row(label: str, f: balances.FundBalance) -> str:
    return (f"{label:<34} {format_vnd(f.balance):>24} {format_vnd(f.principal):>22} "
            f"{format_vnd(f.spendable):>24}")


@main.command()
@org_opt
@click.option("--as-of", default=None, help="Balances at the end of this date.")
@click.option("--consolidated", is_flag=True, help="The organization and everything under it.")
@click.option("--accounts", is_flag=True, help="Per account and fund instead of per fund.")
@json_opt
@click.pass_obj
def balance(c: Ctx, org, as_of, consolidated, accounts, as_json) -> None:
    """Balances per fund (balance, protected principal, spendable) or per account."""
    on = _date(as_of)
    if accounts:
        with c.db.read() as conn:
            rows = balances.account_balances(conn, orgs.org_id_by_code(conn, org), on)
        _out([asdict(r) for r in rows], as_json, "\n".join(
            f"{r.code:<12} {r.fund_code:<10} {format_vnd(r.amount):>26}  {r.name}" for r in rows))
        return
    rows = services.fund_balances(c.db, org, as_of=on, consolidated=consolidated)
    total = balances.total_figures(rows)
    data = {"funds": [{**asdict(r), "figures": asdict(r.figures)} for r in rows],
            "total": asdict(total)}
    head = f"{'Quỹ':<34} {'Số dư':>24} {'Vốn gốc':>22} {'Được phép chi':>24}"
    lines = [head] + [_fig_row(f"{r.org_code}/{r.code}", r.figures) for r in rows]
    lines.append(_fig_row("Tổng cộng" + (" (hợp nhất)" if consolidated else ""), total))
    _out(data, as_json, "\n".join(lines))


@main.command("journal")
@org_opt
@period_opt()
@click.option("--limit", default=50, show_default=True)
@json_opt
@click.pass_obj
def journal_cmd(c: Ctx, org, start, end, limit, as_json) -> None:
    """List journal transactions with their postings (newest last)."""
    t, p, a, f = s.transactions, s.postings, s.accounts, s.funds
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        q = sa.select(t).where(t.c.org_id == oid)
        if start:
            q = q.where(t.c.date >= parse_date(start))
        if end:
            q = q.where(t.c.date <= parse_date(end))
        txs = list(reversed(conn.execute(q.order_by(t.c.seq.desc()).limit(limit)).all()))
        lines = conn.execute(
            sa.select(p.c.tx_id, a.c.code, f.c.code.label("fund"), p.c.amount)
            .join(a, a.c.id == p.c.account_id).join(f, f.c.id == p.c.fund_id)
            .where(p.c.tx_id.in_([x.id for x in txs])).order_by(p.c.id)).all()
    by_tx: dict[int, list] = {}
    for ln in lines:
        by_tx.setdefault(ln.tx_id, []).append(ln)
    data, text = [], []
    for x in txs:
        data.append({**dict(x._mapping), "postings": [
            {"account": ln.code, "fund": ln.fund, "amount": ln.amount} for ln in by_tx.get(x.id, [])]})
        text.append(f"#{x.seq} [{x.id}] {x.date.strftime('%d/%m/%Y')} {x.doc_ref} {x.description}"
                    + (f"  (đảo #{x.reverses_id})" if x.reverses_id else ""))
        for ln in by_tx.get(x.id, []):
            side = "Nợ" if ln.amount > 0 else "Có"
            text.append(f"      {side} {ln.code:<12} {ln.fund:<10} {format_vnd(abs(ln.amount)):>24}")
    _out(data, as_json, "\n".join(text))


@main.command()
@click.option("--org", "org", default=None, help="One organization (default: all).")
@click.option("--expect", default=None, metavar="'ORG SEQ HASH'",
              help="A head digest printed earlier by `quy digest` (the whole line; several lines check each).")
@json_opt
@click.pass_obj
def verify(c: Ctx, org: str | None, expect: str | None, as_json: bool) -> None:
    """Verify every organization's hash chain, cached balances and document numbering; exit 1 and name the
    first broken entry and the kind of break (changed, missing, reordered, unbalanced, posting_moved,
    orphan_posting, source_changed, cut_off, balance_cache, numbering, unreadable). With
    --expect, also check that the digest's organization still has that hash at that sequence number."""
    expected, malformed = [], []
    texts = [] if expect is None else [ln for ln in expect.splitlines() if ln.strip()] or [expect]
    for text in texts:
        try:
            expected.append(digests.parse_digest(text, org_code=org))
        except LedgerError as err:
            malformed.append(err.message)
    reports = services.verify(c.db, org, parallel=True)
    ok = all(r.ok for r in reports) and not malformed
    lines = []
    for r in reports:
        if r.ok:
            lines.append(f"OK     {r.org_code}: {r.count} transactions, head #{r.head_seq} {r.head_hash}")
        else:
            where = f"first broken link: #{r.broken_seq}" if r.broken_seq is not None else "no single entry"
            lines.append(f"BROKEN {r.org_code}: [{r.kind}] {r.problem} ({where})")
    lines += [f"BROKEN expected digest: {m}" for m in malformed]
    checks = [services.check_digest(c.db, d, org_code=org, reports=reports) for d in expected]
    for ch in checks:
        d = ch.digest
        lines.append(f"OK     expected digest {d.org_code} #{d.seq} {d.hash} is in the journal" if ch.ok else
                     f"BROKEN expected digest {d.org_code} #{d.seq} {d.hash}: {ch.problem}")
    ok = ok and all(ch.ok for ch in checks)
    data = [asdict(r) for r in reports]
    if expect is not None:
        data = {"ok": ok, "chains": data, "malformed": malformed,
                "expected": [{"org_code": ch.digest.org_code, "seq": ch.digest.seq, "hash": ch.digest.hash,
                              "ok": ch.ok, "reason": ch.reason, "problem": ch.problem} for ch in checks]}
    _out(data, as_json, "\n".join(lines))
    if not ok:
        sys.exit(1)


@main.command()
@click.option("--org", "org", default=None, help="One organization (default: all).")
@click.pass_obj
def digest(c: Ctx, org: str | None) -> None:
    """Print each organization's head digest (ORG SEQ HASH), one a line: keep it, and check it later with
    `quy verify --expect "ORG SEQ HASH"`."""
    for d in services.head_digests(c.db, org):
        click.echo(d.line)


# ------------------------------------------------------------------ people


@main.group("user")
def user_group() -> None:
    """Users and their roles (admin, treasurer, council, auditor) per organization."""


@user_group.command("add")
@click.argument("login")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", "roles", multiple=True, metavar="ROLE@ORG",
              help="A role in an organization, e.g. admin@SLA (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_obj
def user_add(c: Ctx, login: str, name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create a user (the first administrator, say); prints a generated password unless one is given."""
    pairs = []
    for r in roles:
        role, _, org_code = r.partition("@")
        if not org_code:
            raise click.UsageError(f"--role {r!r}: write ROLE@ORG, e.g. admin@SLA")
        pairs.append((org_code, role))
    password = sys.stdin.readline().rstrip("\n") if password_stdin else secrets.token_urlsafe(12)
    r = services.add_user(c.db, login=login, name=name, password=password, roles=pairs, user=c.user)
    click.echo(f"User {r['login']} created (id {r['id']}).")
    if not password_stdin:
        click.echo(f"Password: {password}")


@user_group.command("list")
@click.option("--org", "org", default=None, help="Only users with a role in this organization.")
@json_opt
@click.pass_obj
def user_list(c: Ctx, org: str | None, as_json: bool) -> None:
    from ledger import users

    with c.db.read() as conn:
        rows = users.list_users(conn, orgs.org_id_by_code(conn, org) if org else None)
    _out([{"login": u.login, "name": u.name, "active": u.active,
           "roles": [f"{r}@{o}" for o, r in pairs]} for u, pairs in rows], as_json,
         "\n".join(f"{u.login:<14} {u.name:<28} {', '.join(f'{r}@{o}' for o, r in pairs)}"
                   for u, pairs in rows))


@user_group.command("grant")
@click.argument("login")
@click.argument("role_at_org", metavar="ROLE@ORG")
@click.pass_obj
def user_grant(c: Ctx, login: str, role_at_org: str) -> None:
    role, _, org_code = role_at_org.partition("@")
    services.grant_role(c.db, login, org_code, role, user=c.user)
    click.echo(f"{login}: {role} in {org_code}.")


@user_group.command("revoke")
@click.argument("login")
@click.argument("role_at_org", metavar="ROLE@ORG")
@click.pass_obj
def user_revoke(c: Ctx, login: str, role_at_org: str) -> None:
    role, _, org_code = role_at_org.partition("@")
    services.revoke_role(c.db, login, org_code, role, user=c.user)
    click.echo(f"{login}: no longer {role} in {org_code}.")


@main.group()
def token() -> None:
    """API tokens, each scoped to one organization and one role."""


@token.command("create")
@click.argument("login")
@click.argument("role_at_org", metavar="ROLE@ORG")
@click.option("--name", default="", help="What the token is for.")
@click.option("--days", type=int, default=None, help="How many days it lives (default QUY_TOKEN_DAYS, 90).")
@click.pass_obj
def token_create(c: Ctx, login: str, role_at_org: str, name: str, days: int | None) -> None:
    """Create an API token (printed once: only its digest is kept)."""
    role, _, org_code = role_at_org.partition("@")
    r = services.create_token(c.db, login, org_code, role, name=name, days=days, user=c.user)
    click.echo(r["token"])
    click.echo(f"expires {r['expires_at']}", err=True)


@token.command("list")
@click.option("--login", default=None, help="Only this user's tokens.")
@click.option("--org", "org", default=None, help="Only tokens of this organization (default: all).")
@json_opt
@click.pass_obj
def token_list(c: Ctx, login: str | None, org: str | None, as_json: bool) -> None:
    """List API tokens (never their text: the first characters only) with expiry and state."""
    rows = services.list_tokens(c.db, login=login, org_code=org)
    _out(rows, as_json, "\n".join(
        f"{r['id']:>5} {r['prefix']}… {r['login']:<14} {r['role']}@{r['org']:<10} {r['state']:<12} "
        f"expires {r['expires_at'][:10]}  {r['name']}" for r in rows))


@token.command("revoke")
@click.argument("token_id", type=int, metavar="ID")
@click.pass_obj
def token_revoke(c: Ctx, token_id: int) -> None:
    """Revoke an API token for good (its id from `quy token list`)."""
    if services.revoke_token(c.db, token_id, user=c.user):
        click.echo(f"Token {token_id} revoked.")
    else:
        click.echo(f"Token {token_id} was already dead.")


if __name__ == "__main__":
    main()


from . import cli_bank, cli_books, cli_config, cli_deposits, cli_disbursements, cli_documents, cli_ops  # noqa: E402, F401, I001 - register their commands
