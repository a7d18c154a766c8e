"""``quy`` commands for donations: donors, the donation list, recording a gift, paying a pledge, importing
a campaign's file, and reversing a posted transaction."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger import clock, donations, orgs, queries, services
from ledger.money import format_vnd, parse_amount_text

from ..messages import local_time
from .common import Ctx, _date, _out, date_opt, json_out, key_opt, org_json, org_opt


@click.group()
def donor() -> None:
    """Donors (nhà hảo tâm)."""


@donor.command("list")
@org_opt
@click.option("--search", default=None, help="Part of a name, with or without diacritics (nguyen finds Nguyễn).")
@json_out
def donor_list(c: Ctx, org: str, search: str | None, as_json: bool) -> None:
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        found, _n = queries.donors(conn, oid, search=search, limit=10**9)
    rows = sorted(found, key=lambda r: r.id)
    _out([{"id": r.id, "name": r.name, "kind": r.kind, "address": r.address, "anonymous": r.anonymous}
          for r in rows], as_json,
         "\n".join(f"{r.id:>6} {r.name}{' (giấu tên)' if r.anonymous else ''}" for r in rows))


@click.group("donation")
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
@json_out
def donation_list(c: Ctx, org, q, start, end, fund, campaign, kind, donor_id, min_amount, max_amount,
                  as_json) -> None:
    """The donations, newest first, searched and filtered as on the Donations page."""
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


@click.command()
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
@json_out
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


@click.command("pay-pledge")
@org_opt
@click.argument("pledge_id", type=int)
@click.option("--amount", required=True)
@date_opt()
@click.option("--method", type=click.Choice(["cash", "transfer"]), default="cash")
@click.option("--bank", "bank_account", default=None)
@click.option("--reference", default="")
@key_opt
@json_out
def pay_pledge(c: Ctx, org, pledge_id, amount, on, method, bank_account, reference, key,
               as_json) -> None:
    """Record a payment on a pledge."""
    r = services.pay_pledge(c.db, org, pledge_id=pledge_id, amount=parse_amount_text(amount),
                            on=_date(on) or clock.today(), method=method, bank_account=bank_account,
                            reference=reference, user=c.user, key=key)
    _out(r, as_json, f"Payment recorded: transaction {r['tx_id']}, receipt {r['receipt']}; "
                     f"{format_vnd(r['outstanding'])} still pledged.")


@click.command("import")
@org_opt
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--fund", "fund_code", default=None, help="Fund for rows that name none.")
@click.option("--campaign", "campaign_code", default=None, help="Campaign for rows that name none.")
@date_opt("Date for rows that give none.")
@key_opt
@json_out
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


@click.command()
@org_opt
@click.argument("tx_id", type=int)
@click.option("--reason", required=True)
@date_opt()
@key_opt
@json_out
def reverse(c: Ctx, org, tx_id, reason, on, key, as_json) -> None:
    """Reverse a posted transaction (once), with a reason."""
    r = services.reverse(c.db, org, tx_id, reason=reason, on=_date(on) or clock.today(), user=c.user,
                         key=key)
    _out(r, as_json, f"Transaction {tx_id} reversed by {r['tx_id']} (#{r['seq']}).")


@click.group("earmark")
def earmark_group() -> None:
    """Money held for a named recipient or purpose (tài trợ theo địa chỉ, 3381)."""


@earmark_group.command("list")
@org_json
def earmark_list(c: Ctx, org: str, as_json: bool) -> None:
    """Every earmarked gift with what it still holds."""
    rows = services.list_earmarks(c.db, org)
    _out([vars(r) for r in rows], as_json, "\n".join(
        f"#{r.donation_id:<6} {r.date:%d/%m/%Y} {r.fund:<8} {format_vnd(r.amount):>16} đã chi {format_vnd(r.drawn):>14}"
        f" đã chuyển {format_vnd(r.released):>14} còn {format_vnd(r.left):>14}  {r.donor}: {r.earmark}"
        + ("  (đã đảo)" if r.reversed else "") for r in rows) or "Không có khoản tài trợ theo địa chỉ nào.")


@earmark_group.command("release")
@org_opt
@click.argument("donation_id", type=int)
@click.option("--decision", required=True, help="The council's decision (Nghị quyết số …).")
@click.option("--reason", default="", help="Why: the purpose ended, the donor agreed.")
@click.option("--amount", default=None, help="How much (default: all the gift still holds).")
@date_opt("The day of the release (default: today).")
@key_opt
@json_out
def earmark_release(c: Ctx, org: str, donation_id: int, decision: str, reason: str, amount: str | None, on, key,
                    as_json: bool) -> None:
    """Release what an earmarked gift still holds into its fund by the council's decision (3381 → 353)."""
    r = services.release_earmark(c.db, org, donation_id, on=_date(on) or clock.today(), decision=decision,
                                 reason=reason, amount=parse_amount_text(amount) if amount else None,
                                 user=c.user, key=key)
    _out(r, as_json, f"Đã chuyển {format_vnd(r['amount'])} vào quỹ (bút toán #{r['seq']}); "
                     f"khoản tài trợ còn {format_vnd(r['left'])}.")


COMMANDS = [donor, donation_group, donate, pay_pledge, import_, reverse, earmark_group]
