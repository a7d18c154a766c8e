"""``quy regime …``: the legal regimes, dated settings (which decree applies from which day, for which legal
form, with its management-cost cap, disclosure duty and forbidden uses); ``quy org legal-form``: whether an
organization's funds are an association's own or a licensed social/charity fund."""

from __future__ import annotations

import click

from ledger import regimes, services

from .common import Ctx, _date, _out, json_out, key_opt, org_opt

#: The legal forms as the command line says them.
FORMS_VI = {"association_fund": "quỹ của Hội", "social_fund": "quỹ xã hội, quỹ từ thiện (có giấy phép)"}


def _dmy(d) -> str:
    return d.strftime("%d/%m/%Y") if d else "…"


def _line(r: regimes.Regime, mark: str = " ") -> str:
    deadline = f"trước {r.deadline_day:02d}/{r.deadline_month:02d} năm sau" if r.deadline_month else "không quy định"
    return (f"{mark} {r.code:<12} {r.legal_form:<16} {_dmy(r.effective_from)}–{_dmy(r.effective_to):<10}  "
            f"chi quản lý {r.cap_default_pct}% (tối đa {r.cap_max_pct}%)  hạn công khai năm: {deadline}  {r.name}")


@click.group("regime")
def regime() -> None:
    """Legal regimes: which decree applies from which day, for which legal form."""


@regime.command("list")
@click.option("--org", default=None, help="With an organization: its legal form and the regime in force for it.")
@click.option("--date", "on", default=None, help="With --org: the day (default: today).")
@json_out
def regime_list(c: Ctx, org: str | None, on: str | None, as_json: bool) -> None:
    """List the regimes (* marks the one in force for --org)."""
    r = services.list_regimes(c.db, org, _date(on))
    here = r.get("in_force")
    lines = [_line(x, "*" if here is not None and (x.code, x.legal_form) == (here.code, here.legal_form) else " ")
             for x in r["items"]]
    if org:
        lines.append(f"{org}: {FORMS_VI[r['legal_form']]}; ngày {_dmy(r['on'])}: "
                     + (f"theo {here.name}" if here else "không có chế độ nào Quỹ biết")
                     + f"; chi quản lý tối đa {r['cap_pct']}% thu trong năm"
                     + (f" (theo {r['cap_decision']})" if r["cap_decision"] else "") + ".")
    _out({**r, "items": [vars(x) for x in r["items"]], "in_force": vars(here) if here else None}, as_json,
         "\n".join(lines))


@regime.command("add")
@org_opt
@click.option("--code", required=True, help="e.g. ND03-2026.")
@click.option("--legal-form", type=click.Choice(regimes.LEGAL_FORMS), default="association_fund", show_default=True)
@click.option("--name", required=True, help="As cited: \"Theo <name>\".")
@click.option("--citation", required=True, help="The full citation.")
@click.option("--from", "start", required=True, help="First day in force (YYYY-MM-DD or dd/mm/yyyy).")
@click.option("--to", "end", default=None, help="Last day in force (default: until a later regime takes over).")
@click.option("--cap-default", type=int, required=True, help="Management-cost cap by right, percent.")
@click.option("--cap-max", type=int, required=True, help="At most, by the council's decision, percent.")
@click.option("--quarterly", default="", help="What is disclosed each quarter.")
@click.option("--yearly", default="", help="What is disclosed each year.")
@click.option("--deadline", default=None, help="The year's disclosure is due before this day of the next year (MM-DD).")
@click.option("--forbidden", multiple=True, help="A use the fund's money may never have (repeat for more).")
@key_opt
@json_out
def regime_add(c: Ctx, org, code, legal_form, name, citation, start, end, cap_default, cap_max, quarterly, yearly,
               deadline, forbidden, key, as_json) -> None:
    """Add a regime (acting for a top organization): from its first day it takes over from the one before it."""
    r = services.add_regime(c.db, org, code=code, legal_form=legal_form, name=name, citation=citation,
                            effective_from=_date(start), effective_to=_date(end), cap_default_pct=cap_default,
                            cap_max_pct=cap_max, quarterly_disclosure=quarterly, yearly_disclosure=yearly,
                            deadline=deadline, forbidden=list(forbidden), user=c.user, key=key)
    _out(r, as_json, f"Đã thêm chế độ {r['code']} ({FORMS_VI[r['legal_form']]}), áp dụng từ {_dmy(_date(start))}.")


@click.command("legal-form")
@org_opt
@click.argument("form", type=click.Choice(regimes.LEGAL_FORMS))
@click.pass_obj
def org_legal_form(c: Ctx, org: str, form: str) -> None:
    """Set the organization's legal form: an association's own fund or a licensed social/charity fund."""
    services.set_legal_form(c.db, org, form, user=c.user)
    click.echo(f"{org}: {FORMS_VI[form]}.")


COMMANDS = [regime]
SUBCOMMANDS = {"org": [org_legal_form]}
