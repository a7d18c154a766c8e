"""``quy org reports-totals``: mark a unit that keeps no books in Quỹ (or set the first day it keeps books);
``quy report-totals add|list``: its period totals per fund (số báo cáo), which the consolidation adds beside the
books (``ledger/reported.py``)."""

from __future__ import annotations

import click

from ledger import reported, services
from ledger.money import format_vnd, parse_amount_text

from .common import Ctx, _date, _out, json_out, key_opt, org_json, org_opt


def _dmy(iso: str | None) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if iso else "…"


@click.command("reports-totals")
@org_opt
@click.option("--keeps-books-from", "books_from", default=None,
              help="The first day it keeps books in Quỹ: its reported totals end before it, its books start on it.")
@click.option("--off", is_flag=True, help="It keeps books all along (refused once it has reported totals).")
@json_out
def org_reports_totals(c: Ctx, org: str, books_from: str | None, off: bool, as_json: bool) -> None:
    """Mark the organization as a unit that reports totals and keeps no books in Quỹ (refused once its journal
    has entries), or set the first day it keeps books."""
    if off and books_from:
        raise click.UsageError("--off and --keeps-books-from exclude each other")
    r = services.set_reporting(c.db, org, reports_totals=not off, books_from=_date(books_from), user=c.user)
    if not r["reports_totals"]:
        text = f"{org}: ghi sổ trên Quỹ."
    elif r["books_from"]:
        text = (f"{org}: báo cáo số liệu đến hết ngày trước {_dmy(r['books_from'])}; ghi sổ trên Quỹ từ ngày "
                f"{_dmy(r['books_from'])} (số dư đầu kỳ: quy opening add --org {org} --date {r['books_from']} …).")
    else:
        text = f"{org}: đơn vị báo cáo số liệu, không ghi sổ trên Quỹ (nhập số báo cáo: quy report-totals add)."
    _out(r, as_json, text)


@click.group("report-totals")
def report_totals() -> None:
    """Period totals of units that keep no books in Quỹ (số báo cáo)."""


def _amount(text: str, field: str) -> int:
    return parse_amount_text(text, field=field, allow_zero=True)


@report_totals.command("add")
@org_opt
@click.option("--fund", required=True, help="The fund as the report names it (a code or a name).")
@click.option("--from", "start", required=True, help="The period's first day.")
@click.option("--to", "end", required=True, help="The period's last day.")
@click.option("--raised", required=True, help="Raised in the period (what came from above included): 45.000.000.")
@click.option("--from-parent", default="0", show_default=True, help="Of it, from the organizations above.")
@click.option("--awarded", required=True, help="Awards paid or handed over: 32.500.000 (0 for none).")
@click.option("--awards", type=int, required=True, help="Their count (lượt).")
@click.option("--balance", required=True, help="The fund's balance at the period's end.")
@click.option("--source", required=True, help='The report: "Báo cáo số 12/BC-HKH ngày 05/07/2025".')
@click.option("--corrects", type=int, default=None, help="The id of the row this one replaces.")
@key_opt
@json_out
def report_totals_add(c: Ctx, org, fund, start, end, raised, from_parent, awarded, awards, balance, source, corrects,
                      key, as_json) -> None:
    """Enter the unit's totals of one fund for one period, or (--corrects ID) the row replacing one."""
    inp = reported.TotalsInput(fund=fund, start=start, end=end, raised=_amount(raised, "raised"),
                               from_parent=_amount(from_parent, "from_parent"), awarded=_amount(awarded, "awarded"),
                               awards=awards, balance=_amount(balance, "balance"), source=source, corrects=corrects)
    r = services.add_reported_totals(c.db, org, inp, user=c.user, key=key)
    _out(r, as_json, f"Đã ghi số báo cáo #{r['id']} của {org}, quỹ {r['fund']}, kỳ {_dmy(r['start'])}–"
                     f"{_dmy(r['end'])}: vận động {format_vnd(r['raised'])}, khen thưởng {r['awards']} lượt "
                     f"{format_vnd(r['awarded'])}, số dư {format_vnd(r['balance'])}"
                     + (f" (thay thế dòng #{r['corrects_id']})" if r["corrects_id"] else "") + ".")


@report_totals.command("list")
@org_json
def report_totals_list(c: Ctx, org: str, as_json: bool) -> None:
    """The organization and the units beneath it that report totals, with every row they reported (a replaced
    row is marked with the row replacing it)."""
    units = services.reported_units(c.db, org)
    lines = []
    for u in units:
        lines.append(f"{u.code}  {u.name}" + (f"  (ghi sổ trên Quỹ từ {_dmy(u.books_from)})" if u.books_from else
                                              "  (không ghi sổ trên Quỹ)"))
        for r in u.rows:
            lines.append(f"  #{r.id:<5} {r.start:%d/%m/%Y}–{r.end:%d/%m/%Y}  {r.fund:<30} vận động "
                         f"{format_vnd(r.raised):>16} (từ cấp trên {format_vnd(r.from_parent)})  khen thưởng "
                         f"{r.awards} lượt {format_vnd(r.awarded)}  số dư {format_vnd(r.balance)}  {r.source}"
                         + (f"  [đã thay bằng #{r.corrected_by}]" if r.corrected_by else ""))
    data = [{**vars(u), "rows": [{**vars(r), "counts": r.counts} for r in u.rows]} for u in units]
    _out(data, as_json, "\n".join(lines) or "Không có đơn vị báo cáo số liệu nào.")


COMMANDS = [report_totals]
SUBCOMMANDS = {"org": [org_reports_totals]}
