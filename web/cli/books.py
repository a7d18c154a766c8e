"""``quy`` commands for the books: the beancount export and import, the trial balance and the fund
statement (text, JSON, CSV, XLSX or PDF)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from books import registers, tables
from books import service as books
from books.beancount import Period
from books.disclosure import disclosure
from books.figures import figures, figures_json
from books.registers import donations_register
from ledger import clock, orgs, services
from ledger.errors import InvalidInput
from ledger.money import format_vnd, parse_amount_text
from receipts import service as docs

from .common import FORMATS, Ctx, _date, _emit, _out, date_opt, json_out, key_opt, org_opt, period_opt

_period = period_opt("First day (YYYY-MM-DD or dd/mm/yyyy; default: the first posting).",
                     "Last day (default: the last posting).")


@click.group("export")
def export_group() -> None:
    """Exports: the books as beancount."""


@export_group.command("beancount")
@org_opt
@click.option("--subtree", is_flag=True, help="The organization and every organization beneath it.")
@_period
@click.option("--out", "out", default="-", show_default=True, help="File to write ('-': standard output).")
@click.pass_obj
def export_beancount(c: Ctx, org: str, subtree: bool, start, end, out: str) -> None:
    """Write the books as beancount (open, transactions with metadata, balance assertions)."""
    period = Period.parse(start, end)
    if out == "-":
        books.export_beancount(c.db, org, sys.stdout, subtree=subtree, period=period)
        return
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        n = books.export_beancount(c.db, org, f, subtree=subtree, period=period)
    click.echo(f"Đã ghi {out} ({n:,} ký tự).".replace(",", "."), err=True)


@export_group.command("package")
@org_opt
@_period
@click.option("--no-pdf", is_flag=True, help="Leave out the PDFs (faster).")
@click.option("--out", "out", required=True, help="The ZIP file to write.")
@click.pass_obj
def export_package(c: Ctx, org: str, start, end, no_pdf: bool, out: str) -> None:
    """The auditor package of a locked period: statements, registers, journal, beancount, manifest."""
    data = docs.auditor_package(c.db, org, period=Period.parse(start, end), with_pdf=not no_pdf)
    Path(out).write_bytes(data)
    click.echo(f"Đã ghi {out} ({len(data):,} byte).".replace(",", "."), err=True)


@click.command("import-beancount")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", default=None, help="The new organization's code (default: the file's).")
@click.option("--name", default=None, help="Its name (default: the file's).")
@click.option("--level", type=click.Choice(orgs.LEVELS), default=None)
@click.option("--parent", default=None, help="The organization it sits under.")
@click.option("--check", "check_only", is_flag=True, help="Only check the file; import nothing.")
@key_opt
@click.pass_obj
def import_beancount(c: Ctx, path: Path, code, name, level, parent, check_only: bool, key) -> None:
    """Import a beancount file as a new organization: all of it, or nothing and every problem with its line."""
    text = path.read_text(encoding="utf-8")
    if check_only:
        problems = books.check_beancount(text)
        if problems:
            raise InvalidInput(f"the beancount file has {len(problems)} problem(s)", reason="beancount_rejected",
                               problems=problems[:1000], count=len(problems))
        click.echo("Tệp không có lỗi.")
        return
    r = books.import_beancount(c.db, text, user=c.user, code=code, name=name, level=level, parent=parent, key=key)
    click.echo(f"Đã nhập {r['transactions']} bút toán vào tổ chức {r['org']} "
               f"({r['funds']} quỹ, {r['accounts']} tài khoản).")


@click.command("trial-balance")
@org_opt
@click.option("--subtree", is_flag=True, help="The organization and everything beneath it.")
@_period
@click.option("--fund", default=None, help="One fund only.")
@click.option("--by-account", is_flag=True, help="One row per account, its funds added together.")
@click.option("--consolidate", is_flag=True, help="With everything beneath as one, money moved inside eliminated.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@click.pass_obj
def report_trial_balance(c: Ctx, org, subtree, start, end, fund, by_account, consolidate, fmt, out) -> None:
    """Trial balance (bảng cân đối số phát sinh): opening, debits, credits and closing per account."""
    tb = books.trial_balance(c.db, org, subtree=subtree, period=Period.parse(start, end), by_fund=not by_account,
                             fund=fund, consolidate=consolidate)
    _emit(c, org, tables.trial_table(tb), tb.as_dict(), fmt, out)


@click.command("fund-statement")
@org_opt
@click.option("--fund", required=True)
@_period
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@click.pass_obj
def report_fund_statement(c: Ctx, org, fund, start, end, fmt, out) -> None:
    """A fund's statement: opening, donations, interest, awards, management, closing, what is spendable."""
    fs = books.fund_statement(c.db, org, fund, period=Period.parse(start, end))
    _emit(c, org, tables.fund_table(fs), fs.as_dict(), fmt, out)




@click.command("donations")
@org_opt
@_period
@click.option("--format", "fmt", type=click.Choice(FORMATS[:1] + FORMATS[2:]), default="text", show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@click.pass_obj
def report_donations(c: Ctx, org, start, end, fmt, out) -> None:
    """The donations register of a period (with receipts and reversals): text, CSV, XLSX or PDF."""
    with c.db.read() as conn:  # written while the cursor is open: a register of any length in constant memory
        table = donations_register(conn, orgs.org_id_by_code(conn, org), Period.parse(start, end), lazy=True)
        _emit(c, org, table, {}, fmt, out)


@click.command("consolidated")
@org_opt
@_period
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@click.pass_obj
def report_consolidated(c: Ctx, org, start, end, fmt, out) -> None:
    """The organization and everything beneath it as one, money moved between them eliminated."""
    cons = books.consolidated(c.db, org, period=Period.parse(start, end))
    _emit(c, org, tables.consolidated_table(cons), cons.as_dict(), fmt, out)


@click.command("national")
@_period
@click.option("--format", "fmt", type=click.Choice([f for f in FORMATS if f != "pdf"]), default="text",
              show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx).")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True,
              help="PostgreSQL: provinces consolidated side by side, on one snapshot of the books.")
@click.pass_obj
def report_national(c: Ctx, start, end, fmt, out, workers) -> None:
    """Every association in the books as one: each top organization consolidated, money moved between two of them
    eliminated (a national deployment's report)."""
    n = books.national(c.db, period=Period.parse(start, end), workers=workers)
    _emit(c, "", tables.national_table(n), n.as_dict(), fmt, out)


def _fund_map(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for v in values:
        old, sep, new = v.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.UsageError(f"--fund-map {v!r}: write OLD=NEW, e.g. KH=KHT")
        out[old.strip()] = new.strip()
    return out


@click.command("dissolve")
@click.argument("code")
@click.option("--into", "successor", required=True, help="The successor organization's code.")
@date_opt("The day the books are handed over (default: today).")
@click.option("--reason", required=True, help="The decision dissolving it.")
@click.option("--fund-map", "fund_map", multiple=True, help="OLD=NEW: the successor's fund for one of its funds.")
@key_opt
@json_out
def org_dissolve(c: Ctx, code, successor, on, reason, fund_map, key, as_json) -> None:
    """Dissolve an organization into its successor: its money moves, its books close for good."""
    r = services.dissolve_organization(c.db, code, successor, on=_date(on) or clock.today(), reason=reason,
                                       fund_map=_fund_map(fund_map), user=c.user, key=key)
    _out(r, as_json, f"Đã bàn giao {format_vnd(r['amount'])} của {r['org']} cho {r['successor']}; "
                     f"sổ của {r['org']} đã khóa.")


@click.command("transfer")
@click.option("--from-org", "from_org", required=True)
@click.option("--to-org", "to_org", required=True)
@click.option("--from-fund", required=True)
@click.option("--to-fund", required=True)
@click.option("--amount", required=True, help="Whole đồng: 5.000.000")
@date_opt()
@click.option("--from-account", default="111", show_default=True, help="Cash (111) or a bank account (1121.x).")
@click.option("--to-account", default="111", show_default=True)
@click.option("--reason", required=True)
@key_opt
@json_out
def transfer(c: Ctx, from_org, to_org, from_fund, to_fund, amount, on, from_account, to_account, reason, key,
             as_json) -> None:
    """Move money from one organization's fund to another's: an entry in each journal (to a unit that reports
    totals, the sender's entry only; --to-fund then names its fund as it reports it)."""
    r = services.transfer_between(c.db, from_org, to_org, from_fund=from_fund, to_fund=to_fund,
                                  amount=parse_amount_text(amount), on=_date(on) or clock.today(),
                                  from_account=from_account, to_account=to_account, reason=reason, user=c.user,
                                  key=key)
    _out(r, as_json, f"Đã chuyển {format_vnd(r['amount'])} từ {r['from']} cho {r['to']}.")


@click.command("disclosure")
@org_opt
@click.option("--year", type=int, default=None, help="Default: this year.")
@click.option("--quarter", type=click.IntRange(1, 4), default=None, help="1-4; default: the whole year.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@click.pass_obj
def report_disclosure(c: Ctx, org, year, quarter, fmt, out) -> None:
    """The public disclosure report under the regime in force at the period's end (cited, with its deadline):
    donors, awards paid by programme, each fund's opening balance, receipts, spending (paid, not approved) and
    closing, management costs against the cap."""
    with c.db.read() as conn:
        d = disclosure(conn, orgs.org_id_by_code(conn, org), year or clock.today().year, quarter)
    data = {"org": d.org, "label": d.label, "donors": [x.__dict__ for x in d.donors], "donations": d.donations,
            "in_kind": d.in_kind, "awards": [a.__dict__ for a in d.awards], "funds": [f.__dict__ for f in d.funds],
            "opening": d.opening, "receipts": d.receipts, "spending": d.spending, "closing": d.closing,
            "earmarked": d.earmarked, "earmarked_received": d.earmarked_received,
            "earmarked_paid": d.earmarked_paid, "year_income": d.year_income, "management": d.management,
            "cap_pct": d.cap_pct, "cap": d.cap, "over_cap": d.over_cap, "regime": d.regime,
            "regime_code": d.regime_code, "regime_citation": d.regime_citation, "deadline": d.deadline,
            "duty": d.duty, "cap_default_pct": d.cap_default_pct, "cap_max_pct": d.cap_max_pct}
    _emit(c, org, tables.disclosure_table(d), data, fmt, out)


@click.command("management-cap")
@org_opt
@click.option("--percent", type=int, required=True, help="0-10; above 5 needs --decision.")
@click.option("--decision", default="", help="The council's decision raising the cap above 5 %.")
@click.pass_obj
def org_management_cap(c: Ctx, org, percent, decision) -> None:
    """Set the cap on management costs (percent of the year's income)."""
    services.set_management_cap(c.db, org, percent, decision, user=c.user)
    click.echo(f"{org}: chi quản lý tối đa {percent}% thu trong năm.")


@click.command("figures")
@org_opt
@click.option("--year", type=int, default=None, help="Default: this year.")
@click.option("--half", type=click.IntRange(1, 2), default=None, help="1 or 2; default: the whole year.")
@click.option("--from", "start", default=None, help="A period of its own: its first day (default: 1 January).")
@click.option("--to", "end", default=None, help="A period of its own: the report date (30/05/2025).")
@click.option("--population", type=click.IntRange(min=1), default=None,
              help="Inhabitants: gives the figure raised per person.")
@click.option("--no-compare", is_flag=True, help="Without the same period of last year.")
@click.option("--only", is_flag=True, help="This organization alone, not with everything beneath it.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@click.pass_obj
def report_figures(c: Ctx, org, year, half, start, end, population, no_compare, only, fmt, out) -> None:
    """The half-year, annual or to-a-date figures the reports quote: raised (in kind, for named recipients, per
    person, against last year), state budget, awards by programme (in kind apart), funds held, deposits,
    interest."""
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        f = figures(conn, oid, year or clock.today().year, half, with_subtree=not only, start=_date(start),
                    end=_date(end), population=population, compare=not no_compare)
        table = tables.figures_table(f)
        if fmt == "pdf":
            from books.charts import report  # lazy: pygal (the charts) loads only when a PDF is asked for

            table.charts = report.charts(conn, oid, f)
    _emit(c, org, table, figures_json(f), fmt, out)


@click.command("register")
@org_opt
@click.argument("kind", type=click.Choice(["receipts", "disbursements", "deposits", "journal"]))
@click.option("--year", type=int, default=None, help="receipts: the year (default: this year).")
@click.option("--series", default="BN", show_default=True, help="receipts: BN, PC or QD.")
@click.option("--as-of", "as_of", default=None, help="deposits: the day (default: today).")
@_period
@click.option("--format", "fmt", type=click.Choice(FORMATS[:1] + FORMATS[2:]), default="text", show_default=True)
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@click.pass_obj
def report_register(c: Ctx, org, kind, year, series, as_of, start, end, fmt, out) -> None:
    """A register: receipts with their voids, batches with their approvals, term deposits as of a day, or the
    journal of a period (--from/--to)."""
    with c.db.read() as conn:  # written while the cursor is open (receipts, journal: streamed)
        oid = orgs.org_id_by_code(conn, org)
        if kind == "receipts":
            table = registers.receipts_register(conn, oid, year or clock.today().year, series, lazy=True)
        elif kind == "disbursements":
            table = registers.disbursement_register(conn, oid)
        elif kind == "journal":
            table = registers.journal_register(conn, oid, Period.parse(start, end), lazy=True)
        else:
            table = registers.deposit_register(conn, oid, _date(as_of) or clock.today())
        _emit(c, org, table, {}, fmt, out)


COMMANDS = [export_group, import_beancount, transfer]
SUBCOMMANDS = {
    "report": [report_trial_balance, report_fund_statement, report_donations, report_consolidated,
               report_national, report_disclosure, report_figures, report_register],
    "org": [org_dissolve, org_management_cap],
}
