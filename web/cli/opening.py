"""``quy opening``: an organization's opening balances (số dư đầu kỳ) — show them, post them from lines or
a CSV/XLSX file with the running term deposits they bring in (``--deposit``; ``--dry-run``: the trial balance
per fund, nothing written), correct them by a linked entry."""

from __future__ import annotations

from pathlib import Path

import click

from ledger import opening, services
from ledger.interest import format_rate
from ledger.money import format_vnd

from .common import Ctx, _date, _out, date_opt, json_out, key_opt, org_json, org_opt


@click.group("opening")
def opening_group() -> None:
    """Opening balances (số dư đầu kỳ): one entry per organization and date, balanced per fund."""


def _lines(values: tuple[str, ...]) -> list[opening.OpeningLine]:
    out = []
    for v in values:
        where, sep, amount = v.partition("=")
        account, colon, fund = where.partition(":")
        if not sep or not colon or not account.strip() or not fund.strip():
            raise click.UsageError(f"--line {v!r}: write ACCOUNT:FUND=AMOUNT, e.g. 1121.BIDV:TOHIEU=5.200.000.000")
        out.append(opening.OpeningLine(account.strip(), fund.strip(), amount.strip()))
    return out


#: ``--deposit`` keys: what ``quy deposit open`` calls them → the deposit's field
_DEPOSIT_KEYS = {"contract": "contract_no", "bank": "bank_account", "principal": "principal", "rate": "rate",
                 "start": "start", "months": "term_months", "days": "term_days", "rollover": "rollover",
                 "demand-rate": "demand_rate", "accrued": "accrued", "pays": "pays"}
DEPOSIT_HELP = ("A term deposit running on the opening's date, once per deposit: KEY=VALUE pairs separated by ';' — "
                "contract, bank (1121.x), principal, rate (%), start, months or days, fund=CODE (owns it all) or "
                "share=FUND:AMOUNT once per owning fund, and optionally monthly (interest paid every month), "
                "rollover=none|principal|principal_interest, demand-rate, accrued=AMOUNT (the interest accrued "
                "to the opening's date as your books show it; default: Quỹ's arithmetic). E.g. "
                "\"contract=VTB 2025/01;bank=1121.VTB;principal=2.833.587.000;rate=4,9647;start=2025-01-02;"
                "months=12;fund=KHT\"")


def _deposits(values: tuple[str, ...]) -> list[opening.OpeningDeposit]:
    out = []
    for v in values:
        fields: dict = {"shares": {}}
        fund = None
        for part in (p.strip() for p in v.split(";")):
            if not part:
                continue
            key, sep, value = (x.strip() for x in part.partition("="))
            key = key.lower()
            if key == "monthly" and not sep:
                fields["pays"] = "monthly"
            elif key == "fund" and value:
                fund = value
            elif key == "share" and ":" in value:
                code, _, amount = value.partition(":")
                fields["shares"][code.strip()] = amount.strip()
            elif key in ("months", "days") and value.isdigit():
                fields[_DEPOSIT_KEYS[key]] = int(value)
            elif key in _DEPOSIT_KEYS and sep and value:
                fields[_DEPOSIT_KEYS[key]] = value
            else:
                raise click.UsageError(f"--deposit {v!r}: cannot read {part!r}. {DEPOSIT_HELP}")
        missing = [k for k in ("contract", "bank", "principal", "rate", "start") if _DEPOSIT_KEYS[k] not in fields]
        if missing or not (fund or fields["shares"]) or ("term_months" in fields) == ("term_days" in fields):
            raise click.UsageError(f"--deposit {v!r}: give contract, bank, principal, rate, start, months or days, "
                                   f"and fund or share. {DEPOSIT_HELP}")
        if fund:
            fields["shares"] = {fund: fields["principal"], **fields["shares"]}
        out.append(opening.OpeningDeposit(**fields))
    return out


def trial_text(r: dict) -> str:
    """The opening's trial balance per fund, as the commands print it."""
    day = f"{_date(r['date']):%d/%m/%Y}"
    posted = r.get("posted")
    state = "" if posted is None else f" — đã ghi sổ, bút toán #{r['seq']}" if posted else " — kiểm tra, chưa ghi sổ"
    out = [f"Số dư đầu kỳ ngày {day}{state}"]
    for f in r["funds"]:
        out.append(f"{f['fund']}  {f['name']}")
        for ln in (x for x in r["lines"] if x["fund"] == f["fund"]):
            side = f"Nợ {format_vnd(ln['debit'])}" if ln["debit"] else f"Có {format_vnd(ln['credit'])}"
            out.append(f"  {ln['account']:<12} {ln['name'][:40]:<40} {side:>26}"
                       + ("  (tự tính: vốn quỹ cân đối)" if ln.get("computed") else ""))
        state = "cân" if not f["difference"] else f"LỆCH {format_vnd(f['difference'])} (Nợ − Có)"
        out.append(f"  Cộng Nợ {format_vnd(f['debit'])}, Có {format_vnd(f['credit'])}: {state}. "
                   f"Số dư quỹ {format_vnd(f['figures']['balance'])}, vốn gốc {format_vnd(f['figures']['principal'])}, "
                   f"được chi {format_vnd(f['figures']['spendable'])}.")
    if r.get("deposits"):
        out.append("Tiền gửi có kỳ hạn đang gửi (mang sang):")
    for d in r.get("deposits", []):
        owners = ", ".join(f"{code} {format_vnd(a)}" for code, a in d["shares"])
        interest = (f"lãi đã nhận trước {format_vnd(d['paid_before'])} (trả hằng tháng)" if d["pays"] == "monthly"
                    else f"lãi dự thu {format_vnd(d['accrued'])}" + (" (Quỹ tính)" if d["accrued_computed"] else ""))
        out.append(f"  {d['contract_no']} ({d['account']}, {d['bank_account']}): {format_vnd(d['principal'])} "
                   f"{format_rate(d['rate_ppm'])}/năm, {_date(d['start']):%d/%m/%Y}–{_date(d['maturity']):%d/%m/%Y}, "
                   f"{interest}, lãi cả kỳ {format_vnd(d['interest'])}; {owners}")
    return "\n".join(out)


@opening_group.command("show")
@date_opt("The opening's date (default: list every opening).")
@org_json
def opening_show(c: Ctx, org: str, on: str | None, as_json: bool) -> None:
    """The openings and their corrections, or (--date) one opening's trial balance as it stands."""
    if on:
        r = c.org_read(org, opening.figures, _date(on)).as_dict()
        _out(r, as_json, trial_text(r))
        return
    rows = c.org_read(org, opening.openings)
    _out([vars(o) for o in rows], as_json, "\n".join(
        f"{o.on:%d/%m/%Y}  bút toán #{o.seq:<6} {', '.join(o.funds):<30} "
        + (f"điều chỉnh: {o.reason}" if o.corrects_id else "số dư đầu kỳ") for o in rows)
        or "Chưa có số dư đầu kỳ nào.")


_line_opt = click.option("--line", "lines", multiple=True, required=True,
                         help="ACCOUNT:FUND=AMOUNT, once per balance: 111:KHT=50.000.000 (the fund's capital, "
                              "353, balances each fund no line gives it for).")
_deposit_opt = click.option("--deposit", "deposits", multiple=True, help=DEPOSIT_HELP)
_dry_opt = click.option("--dry-run", is_flag=True, help="Only check: print the trial balance, write nothing.")


@opening_group.command("add")
@org_opt
@date_opt("The opening's date: 2024-12-31.", required=True)
@click.option("--line", "lines", multiple=True,
              help="ACCOUNT:FUND=AMOUNT, once per balance: 111:KHT=50.000.000 (the fund's capital, 353, balances "
                   "each fund no line gives it for).")
@_deposit_opt
@_dry_opt
@key_opt
@json_out
def opening_add(c: Ctx, org, on, lines, deposits, dry_run, key, as_json) -> None:
    """Post the opening balances, with the running term deposits, as one entry (all or nothing)."""
    if not lines and not deposits:
        raise click.UsageError("give --line ACCOUNT:FUND=AMOUNT (and/or --deposit …) for each balance")
    args = (c.db, org, _date(on), _lines(lines), _deposits(deposits))
    r = services.check_opening(*args) if dry_run else services.add_opening(*args, user=c.user, key=key)
    _out(r, as_json, trial_text(r))


@opening_group.command("import")
@org_opt
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@date_opt("The opening's date: 2024-12-31.", required=True)
@_deposit_opt
@_dry_opt
@key_opt
@json_out
def opening_import(c: Ctx, org, path, on, deposits, dry_run, key, as_json) -> None:
    """Post the opening balances a CSV or XLSX file gives (columns: account, fund, amount), with the running
    term deposits (--deposit), all or nothing: every bad row is reported and nothing written."""
    r = services.import_opening(c.db, org, path, _date(on), user=c.user, dry_run=dry_run, key=key,
                                deposits=_deposits(deposits))
    _out(r, as_json, trial_text(r))


@opening_group.command("correct")
@org_opt
@date_opt("The date of the opening to correct.", required=True)
@_line_opt
@click.option("--reason", required=True, help="Why: the document the right figures come from.")
@_dry_opt
@key_opt
@json_out
def opening_correct(c: Ctx, org, on, lines, reason, dry_run, key, as_json) -> None:
    """Correct an opening by a linked entry: --line gives the right balances of each fund it names."""
    args = (c.db, org, _date(on), _lines(lines))
    r = (services.check_correction(*args, reason=reason) if dry_run
         else services.correct_opening(*args, reason=reason, user=c.user, key=key))
    _out(r, as_json, trial_text(r))


COMMANDS = [opening_group]
