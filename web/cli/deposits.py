"""``quy`` commands for term deposits: open one, list them with what they have earned, the month-end
accrual job, and settlement at maturity (with rollover)."""

from __future__ import annotations

import click

from ledger import clock, deposits, services
from ledger import principal as p
from ledger.deposits import DepositInput
from ledger.interest import format_rate
from ledger.money import format_vnd, parse_amount_text

from .common import Ctx, _date, _out, _out_rows, _period, date_opt, json_out, key_opt, org_json, org_opt, period_opt


@click.group()
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
@json_out
def deposit_open(c: Ctx, org, contract, bank_account, principal, rate, start, months, days, monthly, rollover,
                 demand_rate, fund_code, shares, key, as_json) -> None:
    """Open a term deposit from a bank account."""
    amount = parse_amount_text(principal)
    r = services.open_deposit(c.db, org, DepositInput(
        contract_no=contract, bank_account=bank_account, principal=amount, rate=rate,
        start=_date(start) or clock.today(), shares=_share(shares, fund_code, amount), term_months=months,
        term_days=days, pays="monthly" if monthly else "maturity", rollover=rollover, demand_rate=demand_rate),
        user=c.user, key=key)
    _out(r, as_json, f"Đã mở khoản tiền gửi {r['contract_no']} ({r['account']}), đáo hạn {_dmy(r['maturity'])}, "
                     f"lãi cả kỳ hạn {format_vnd(r['interest'])}.")


def _dmy(day) -> str:
    """A date of a command's result (an ISO string in its JSON) as people write it here: dd/mm/yyyy."""
    return f"{clock.parse_date(day):%d/%m/%Y}"


def _row(r) -> dict:
    return {**r.__dict__, "rate": format_rate(r.rate_ppm), "owners": [list(o) for o in r.owners]}


def _line(r) -> str:
    owners = ", ".join(f"{code} {format_vnd(a)}" for code, a in r.owners)
    state = {"open": "", "matured": "  ĐẾN HẠN, CẦN TẤT TOÁN", "closed": "  đã đóng"}[r.state]
    return (f"{r.contract_no:<20} {r.bank_account:<10} {format_vnd(r.principal):>20} {format_rate(r.rate_ppm):>8} "
            f"{r.start:%d/%m/%Y}–{r.maturity:%d/%m/%Y} lãi đến ngày {format_vnd(r.earned):>16} "
            f"dự thu {format_vnd(r.accrued):>16}  [{owners}]{state}"
            + (f"  chênh lệch lãi theo ngân hàng {r.adjusted:+d} đ" if r.adjusted else ""))


@deposit.command("list")
@org_opt
@click.option("--as-of", "as_of", default=None, help="The register as of this day (default: today).")
@json_out
def deposit_list(c: Ctx, org: str, as_of: str | None, as_json: bool) -> None:
    """The deposit register: contract, bank, principal, rate, start, maturity, interest earned and accrued
    to the day, the owning funds and the state."""
    day = _date(as_of) or clock.today()
    rows = c.org_read(org, deposits.register, day)
    total = deposits.totals(rows)
    _out([_row(r) for r in rows], as_json,
         "\n".join([_line(r) for r in rows] + [f"Đang gửi {total['count']} khoản, {format_vnd(total['principal'])} "
                                               f"đến ngày {day:%d/%m/%Y}."]) if rows else "Chưa có khoản tiền gửi nào.")


@deposit.command("maturing")
@org_opt
@click.option("--days", type=click.IntRange(0, 3660), default=30, show_default=True)
@json_out
def deposit_maturing(c: Ctx, org: str, days: int, as_json: bool) -> None:
    """Deposits maturing within DAYS days, and those matured and not yet settled."""
    rows = c.org_read(org, deposits.maturing, clock.today(), days)
    _out([_row(r) for r in rows], as_json, "\n".join(_line(r) for r in rows) or
         f"Không có khoản tiền gửi nào đến hạn trong {days} ngày tới.")


@deposit.command("interest")
@org_opt
@period_opt("First day (default: 1 January this year).", "Last day (default: today).")
@json_out
def deposit_interest(c: Ctx, org: str, start: str | None, end: str | None, as_json: bool) -> None:
    """Deposit interest earned per fund in a period: accrued, paid by the bank, adjusted."""
    frm, to = _period(start, end)
    rows = c.org_read(org, deposits.interest_earned, frm, to)
    data = {"from": frm.isoformat(), "to": to.isoformat(), "items": [r.__dict__ for r in rows],
            "total": sum(r.total for r in rows)}
    lines = [f"{r.fund:<10} dự thu {format_vnd(r.accrued):>18} đã nhận {format_vnd(r.received):>18} "
             f"điều chỉnh {format_vnd(r.adjusted):>12} cộng {format_vnd(r.total):>18}" for r in rows]
    _out(data, as_json, "\n".join([f"Lãi tiền gửi {frm:%d/%m/%Y} – {to:%d/%m/%Y}", *lines,
                                   f"Tổng cộng {format_vnd(data['total'])}"]))


@deposit.command("banks")
@org_json
def deposit_banks(c: Ctx, org: str, as_json: bool) -> None:
    """The bank accounts with the funds that own money in each and the deposits opened from each."""
    rows = c.org_read(org, deposits.bank_accounts)
    data = [{**b.__dict__, "funds": [list(f) for f in b.funds]} for b in rows]
    _out(data, as_json, "\n".join(
        f"{b.code:<12} {b.bank_name or b.name} {b.account_no or ''}: {format_vnd(b.balance)} "
        f"({', '.join(f'{code} {format_vnd(a)}' for code, a in b.funds) or '—'}); "
        f"{b.deposits} khoản tiền gửi đang gửi {format_vnd(b.on_deposit)}" for b in rows) or "Chưa có tài khoản.")


@deposit.command("adjust")
@org_opt
@click.argument("contract")
@click.option("--amount", required=True, help="Đồng more (+586) or less (-20) than Quỹ's figure.")
@date_opt(required=True)
@click.option("--reference", required=True, help="The bank's document.")
@key_opt
@json_out
def deposit_adjust(c: Ctx, org, contract, amount, on, reference, key, as_json) -> None:
    """Book the bank's figure during the term (the difference against interest income)."""
    text = amount.strip()
    sign = -1 if text[:1] in ("-", "−") else 1
    value = sign * parse_amount_text(text.lstrip("+-−"))
    r = services.adjust_deposit(c.db, org, contract, on=_date(on), amount=value, reference=reference, user=c.user,
                                key=key)
    _out(r, as_json, f"Đã điều chỉnh {r['contract_no']} theo số của ngân hàng: {r['adjustment']:+d} đ.")


@deposit.command("settle")
@org_opt
@click.argument("contract")
@date_opt("Settlement date (default: the maturity).")
@click.option("--new-rate", default=None, help="Rate of the rolled-over deposit (default: the same).")
@click.option("--bank-interest", default=None, help="The bank's figure for the term's interest, if it differs.")
@click.option("--reference", default="", help="The bank's document for that figure.")
@key_opt
@json_out
def deposit_settle(c: Ctx, org, contract, on, new_rate, bank_interest, reference, key, as_json) -> None:
    """Settle a deposit at maturity and roll it over as its policy says."""
    r = services.settle_deposit(c.db, org, contract, on=_date(on), new_rate=new_rate, user=c.user, key=key,
                                bank_interest=parse_amount_text(bank_interest) if bank_interest else None,
                                reference=reference)
    text = f"Đã tất toán khoản tiền gửi {r['contract_no']}: lãi {format_vnd(r['interest'])}."
    if r.get("adjustment"):
        text += f" Điều chỉnh theo số của ngân hàng: {r['adjustment']:+d} đ."
    if r.get("rolled_into"):
        text += (f" Tái tục thành {r['rolled_into']['contract_no']} "
                 f"(đáo hạn {_dmy(r['rolled_into']['maturity'])}).")
    _out(r, as_json, text)


@deposit.command("withdraw")
@org_opt
@click.argument("contract")
@click.option("--amount", required=True, help="Whole đồng; all of the principal closes the deposit.")
@date_opt(required=True)
@key_opt
@json_out
def deposit_withdraw(c: Ctx, org, contract, amount, on, key, as_json) -> None:
    """Withdraw all or part of a deposit before maturity (the demand rate on the withdrawn part)."""
    r = services.withdraw_deposit(c.db, org, contract, on=_date(on), amount=parse_amount_text(amount), user=c.user,
                                  key=key)
    _out(r, as_json, f"Đã rút {format_vnd(r['withdrawn'])} từ {r['contract_no']}: lãi không kỳ hạn "
                     f"{format_vnd(r['interest'])}, hủy lãi dự thu {format_vnd(r['reversed'])}; "
                     f"còn gửi {format_vnd(r['remaining'])}.")


@click.command("accrue")
@org_opt
@click.option("--through", required=True, help="Book every month end up to this date: 2025-06-30")
@json_out
def accrue_cmd(c: Ctx, org: str, through: str, as_json: bool) -> None:
    """The month-end job: accrue the deposits' interest (running it twice books nothing new)."""
    r = services.accrue(c.db, org, _date(through), user=c.user)
    _out(r, as_json, f"Đến ngày {_dmy(r['through'])}: {r['events']} bút toán dự thu và nhận lãi, "
                     f"{format_vnd(r['amount'])}.")


@click.group()
def principal() -> None:
    """Protected principal (vốn gốc) and the fund council's decisions moving it."""


@principal.command("move")
@org_opt
@click.option("--fund", required=True)
@click.option("--release", "direction", flag_value="release", help="Part of the principal may now be spent.")
@click.option("--raise", "direction", flag_value="raise", help="Spendable money becomes principal.")
@click.option("--amount", required=True, help="Whole đồng.")
@click.option("--number", required=True, help="The council decision's number.")
@date_opt("The decision's date.", required=True)
@click.option("--reason", required=True)
@key_opt
@json_out
def principal_move(c: Ctx, org, fund, direction, amount, number, on, reason, key, as_json) -> None:
    """Record a council decision releasing or raising a fund's protected principal, and book it."""
    if direction is None:
        raise click.UsageError("say --release or --raise")
    r = services.move_principal(c.db, org, fund=fund, amount=parse_amount_text(amount), direction=direction,
                                number=number, decided_on=_date(on), reason=reason, user=c.user, key=key)
    _out(r, as_json, f"Đã ghi quyết định {r['number']}: vốn gốc của {r['fund']} nay là "
                     f"{format_vnd(r['principal'])}.")


@principal.command("list")
@org_json
def principal_list(c: Ctx, org: str, as_json: bool) -> None:
    """The council's decisions on protected principal, newest first."""
    _out_rows(c.org_read(org, p.decisions), as_json, lambda r: (
        f"{r.number:<16} {r.decided_on:%d/%m/%Y} {r.fund:<8} "
        f"{'chuyển sang nguồn được chi' if r.direction == 'release' else 'bổ sung vốn gốc':<28} "
        f"{format_vnd(r.amount):>20}  {r.reason}"), "Chưa có quyết định nào.")


COMMANDS = [deposit, accrue_cmd, principal]
