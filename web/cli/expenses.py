"""``quy expense`` / ``quy income`` / ``quy transfer-cash``: ordinary costs (phiếu chi), other income (phiếu thu)
and moves between cash and a bank account, each one entry and one numbered voucher; ``quy expense list`` shows the
vouchers and the year's management-cost cap."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from ledger import clock, expenses, services
from ledger.money import format_vnd, parse_amount_text
from receipts import service as docs

from .common import Ctx, _date, _out, date_opt, json_out, key_opt, org_json, org_opt

_fund_opt = click.option("--fund", required=True, help="The fund's code.")
_amount_opt = click.option("--amount", required=True, help="Whole đồng: 1500000 or 1.500.000.")
_memo_opt = click.option("--memo", default="", help="What it is for, as the voucher says it.")
_person_opt = click.option("--person", default="", help="Who receives the money (phiếu chi) or pays it (phiếu thu).")


def _book(c: Ctx, use_case, org: str, on: str | None, amount: str, key: str | None, as_json: bool, **fields) -> None:
    """Run ``use_case`` for a voucher dated ``on`` (default: today) and print what it booked."""
    r = use_case(c.db, org, on=_date(on) or clock.today(), amount=parse_amount_text(amount), **fields, user=c.user,
                 key=key)
    _out(r, as_json, f"Đã ghi sổ {r['number']}: {format_vnd(r['amount'])}, bút toán #{r['seq']}.")


def _voucher_opts(f):
    """--org, --date (default: today), --fund, --amount, --memo, --person, --key, --json: what every voucher names."""
    f = json_out(f)
    for opt in reversed((org_opt, date_opt("The voucher's date (default: today)."), _fund_opt, _amount_opt,
                         _memo_opt, _person_opt, key_opt)):
        f = opt(f)
    return f


@click.group("expense")
def expense_group() -> None:
    """Ordinary costs paid from cash or a bank account, each with its phiếu chi (PC)."""


@expense_group.command("add")
@_voucher_opts
@click.option("--from", "paid_from", required=True, help="The cash or bank account paid from: 111, 1121.BIDV.")
@click.option("--category", type=click.Choice(list(expenses.EXPENSE_CATEGORIES)), required=True,
              help="management and allowance are management costs, within the year's cap.")
def expense_add(c: Ctx, org, on, amount, key, as_json, **fields) -> None:
    """Book a cost with its phiếu chi (a management cost only within the cap, from a fund that may pay it)."""
    _book(c, services.add_expense, org, on, amount, key, as_json, **fields)


@expense_group.command("list")
@click.option("--year", type=int, default=None, help="Only this year's vouchers.")
@org_json
def expense_list(c: Ctx, org, as_json, year) -> None:
    """The vouchers (phiếu chi, phiếu thu), newest first, and the year's management-cost cap."""
    r = services.list_vouchers(c.db, org, year)
    cap = r["cap"]
    lines = [f"{v.date:%d/%m/%Y}  {v.number}  {v.category:<12} {v.fund:<10} {v.account:>10} → {v.counter_account:<10}"
             f" {format_vnd(v.amount):>18}  {v.memo}" + ("  (ĐÃ HỦY)" if v.void else "") for v in r["items"]]
    lines.append(f"Chi quản lý năm {cap.year}: {format_vnd(cap.spent)} / mức tối đa {format_vnd(cap.cap)} "
                 f"({cap.pct}% của {format_vnd(cap.base)}), còn {format_vnd(max(cap.left, 0))}.")
    _out({"items": [asdict(v) for v in r["items"]], "cap": asdict(cap)}, as_json,
         "\n".join(lines) if r["items"] else "Chưa có phiếu chi, phiếu thu nào.\n" + lines[-1])


@expense_group.command("pdf")
@org_opt
@click.argument("ref")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="The file to write (default: the voucher's number, PC-26-0000001.pdf).")
@click.pass_obj
def expense_pdf(c: Ctx, org, ref, out) -> None:
    """A voucher (phiếu chi or phiếu thu) as an A5 PDF to print and sign, by number (PC/26 0000001) or id."""
    number, pdf = docs.voucher_pdf(c.db, org, int(ref) if ref.isdigit() else ref)
    path = Path(out or number.replace("/", "-").replace(" ", "-") + ".pdf")
    path.write_bytes(pdf.data)
    click.echo(f"{number}: {path} ({pdf.pages} trang)")


@click.group("income")
def income_group() -> None:
    """Income other than gifts (membership dues, state-budget money, other), each with its phiếu thu (PT)."""


@income_group.command("add")
@_voucher_opts
@click.option("--to", "received_into", required=True, help="The cash or bank account received into: 111, 1121.BIDV.")
@click.option("--category", type=click.Choice(list(expenses.INCOME_CATEGORIES)), required=True,
              help="dues (hội phí), state_budget (ngân sách nhà nước) or other.")
def income_add(c: Ctx, org, on, amount, key, as_json, **fields) -> None:
    """Book income received with its phiếu thu."""
    _book(c, services.add_income, org, on, amount, key, as_json, **fields)


@click.command("transfer-cash")
@_voucher_opts
@click.option("--from", "from_account", required=True, help="The account the money leaves: 1121.BIDV, 111.")
@click.option("--to", "to_account", required=True, help="The account it goes to: 111, 1121.BIDV.")
def transfer_cash(c: Ctx, org, on, amount, key, as_json, **fields) -> None:
    """Move a fund's money between cash and a bank account: a withdrawal into cash (phiếu thu), cash paid into
    the bank or a move between banks (phiếu chi)."""
    _book(c, services.transfer_cash, org, on, amount, key, as_json, **fields)


COMMANDS = [expense_group, income_group, transfer_cash]
