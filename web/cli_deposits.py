"""``quy`` commands for term deposits: open one, list them with what they have earned, the month-end
accrual job, and settlement at maturity (with rollover)."""

from __future__ import annotations

from datetime import date

import click

from ledger import deposits, orgs, services
from ledger.deposits import DepositInput
from ledger.interest import format_rate
from ledger.money import format_vnd, parse_amount_text

from .cli import Ctx, _date, _out, json_opt, key_opt, main, org_opt


@main.group()
def deposit() -> None:
    """Term deposits (tiền gửi có kỳ hạn)."""


def _share(values: tuple[str, ...], fund: str | None, principal: int) -> dict[str, int]:
    if not values:
        if not fund:
            raise click.UsageError("give --fund CODE, or --share CODE=AMOUNT for each owning fund")
        return {fund: principal}
    out = {}
    for v in values:
        code, sep, amount = v.partition("=")
        if not sep or not code.strip():
            raise click.UsageError(f"--share {v!r}: write FUND=AMOUNT, e.g. TOHIEU=600.000.000")
        out[code.strip()] = parse_amount_text(amount, field=f"shares.{code.strip()}")
    return out


@deposit.command("open")
@org_opt
@click.option("--contract", required=True, help="The bank's contract or passbook number.")
@click.option("--bank", "bank_account", required=True, help="The bank account the money comes from (1121.x).")
@click.option("--principal", required=True, help="Whole đồng: 2.833.587.000")
@click.option("--rate", required=True, help="Annual rate in percent: 4,7")
@click.option("--start", "start", default=None, help="Opening date (default: today).")
@click.option("--months", type=int, default=None)
@click.option("--days", type=int, default=None)
@click.option("--monthly", is_flag=True, help="Interest is paid every month (default: at maturity).")
@click.option("--rollover", type=click.Choice(deposits.ROLLOVER), default="none", show_default=True)
@click.option("--demand-rate", default="0.1", show_default=True, help="Demand rate for early withdrawal, %.")
@click.option("--fund", "fund_code", default=None, help="The one fund that owns it.")
@click.option("--share", "shares", multiple=True, help="FUND=AMOUNT, once per owning fund.")
@key_opt
@json_opt
@click.pass_obj
def deposit_open(c: Ctx, org, contract, bank_account, principal, rate, start, months, days, monthly, rollover,
                 demand_rate, fund_code, shares, key, as_json) -> None:
    """Open a term deposit from a bank account."""
    amount = parse_amount_text(principal)
    r = services.open_deposit(c.db, org, DepositInput(
        contract_no=contract, bank_account=bank_account, principal=amount, rate=rate,
        start=_date(start) or date.today(), shares=_share(shares, fund_code, amount), term_months=months,
        term_days=days, pays="monthly" if monthly else "maturity", rollover=rollover, demand_rate=demand_rate),
        user=c.user, key=key)
    _out(r, as_json, f"Deposit {r['contract_no']} opened ({r['account']}), matures {r['maturity']}, "
                     f"earns {format_vnd(r['interest'])} over its term.")


@deposit.command("list")
@org_opt
@json_opt
@click.pass_obj
def deposit_list(c: Ctx, org: str, as_json: bool) -> None:
    """The deposit register: contract, principal, rate, start, maturity, accrued, state."""
    with c.db.read() as conn:
        rows = deposits.deposits(conn, orgs.org_id_by_code(conn, org))
    data = [{**r.__dict__, "rate": format_rate(r.rate_ppm), "interest": r.terms.interest() if r.principal else 0}
            for r in rows]
    lines = [f"{r.contract_no:<20} {format_vnd(r.principal):>20} {format_rate(r.rate_ppm):>8} "
             f"{r.start:%d/%m/%Y}–{r.maturity:%d/%m/%Y} dự thu {format_vnd(r.accrued):>16}"
             f"{'  tất toán ' + r.settled_on.strftime('%d/%m/%Y') if r.settled_on else ''}" for r in rows]
    _out(data, as_json, "\n".join(lines) or "Chưa có khoản tiền gửi nào.")


@deposit.command("settle")
@org_opt
@click.argument("contract")
@click.option("--date", "on", default=None, help="Settlement date (default: the maturity).")
@click.option("--new-rate", default=None, help="Rate of the rolled-over deposit (default: the same).")
@click.option("--bank-interest", default=None, help="The bank's figure for the term's interest, if it differs.")
@click.option("--reference", default="", help="The bank's document for that figure.")
@key_opt
@json_opt
@click.pass_obj
def deposit_settle(c: Ctx, org, contract, on, new_rate, bank_interest, reference, key, as_json) -> None:
    """Settle a deposit at maturity and roll it over as its policy says."""
    r = services.settle_deposit(c.db, org, contract, on=_date(on), new_rate=new_rate, user=c.user, key=key,
                                bank_interest=parse_amount_text(bank_interest) if bank_interest else None,
                                reference=reference)
    text = f"Deposit {r['contract_no']} settled: interest {format_vnd(r['interest'])}."
    if r.get("adjustment"):
        text += f" Adjusted to the bank's figure by {r['adjustment']:+d} đ."
    if r.get("rolled_into"):
        text += f" Rolled into {r['rolled_into']['contract_no']} (matures {r['rolled_into']['maturity']})."
    _out(r, as_json, text)


@deposit.command("withdraw")
@org_opt
@click.argument("contract")
@click.option("--amount", required=True, help="Whole đồng; all of the principal closes the deposit.")
@click.option("--date", "on", required=True)
@key_opt
@json_opt
@click.pass_obj
def deposit_withdraw(c: Ctx, org, contract, amount, on, key, as_json) -> None:
    """Withdraw all or part of a deposit before maturity (the demand rate on the withdrawn part)."""
    r = services.withdraw_deposit(c.db, org, contract, on=_date(on), amount=parse_amount_text(amount), user=c.user,
                                  key=key)
    _out(r, as_json, f"Withdrew {format_vnd(r['withdrawn'])} from {r['contract_no']}: demand interest "
                     f"{format_vnd(r['interest'])}, accrual reversed {format_vnd(r['reversed'])}; "
                     f"{format_vnd(r['remaining'])} stays on deposit.")


@main.command("accrue")
@org_opt
@click.option("--through", required=True, help="Book every month end up to this date: 2025-06-30")
@json_opt
@click.pass_obj
def accrue_cmd(c: Ctx, org: str, through: str, as_json: bool) -> None:
    """The month-end job: accrue the deposits' interest (running it twice books nothing new)."""
    r = services.accrue(c.db, org, _date(through), user=c.user)
    _out(r, as_json, f"Through {r['through']}: {r['events']} accruals and payments, {format_vnd(r['amount'])}.")
