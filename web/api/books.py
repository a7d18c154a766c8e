"""The books' JSON endpoints: trial balance, fund statement, the beancount export (streamed text) and
the import of books kept in beancount as a new organization beneath this one."""

from __future__ import annotations

from flask import Response, g, stream_with_context

from books import beancount as bc
from books import service as books
from books.disclosure import disclosure as build_disclosure
from books.figures import figures as build_figures
from books.figures import figures_json
from ledger import clock, orgs, services
from ledger.errors import InvalidInput, NotAllowed
from receipts import service as docs

from .. import auth
from .common import _created, _key, public_view, read_view, write_view
from .schemas import books as sb

BOOKS = "books and statements"


def _period(args: dict) -> bc.Period:
    return bc.Period.parse(args.get("start"), args.get("end"))


@read_view("/organizations/<org>/statements/trial-balance", "trial_balance", BOOKS, sb.TrialBalance,
           query=sb.TrialArgs())
def trial_balance(args: dict, org: str):
    """Trial balance (bảng cân đối số phát sinh): opening, the period's debits and credits, closing"""
    tb = books.trial_balance(auth.db(), org, subtree=args["subtree"], period=_period(args), by_fund=args["by_fund"],
                             fund=args.get("fund"), consolidate=args["consolidate"])
    return {"orgs": tb.orgs, "start": tb.period.start, "end": tb.period.end, "by_fund": tb.by_fund,
            "rows": tb.rows, "total": tb.total}


@read_view("/organizations/<org>/statements/funds/<fund>", "fund_statement", BOOKS, sb.FundStatement,
           query=sb.StatementArgs())
def fund_statement(args: dict, org: str, fund: str):
    """A fund's statement: opening, donations, interest, awards, management costs, closing, spendable"""
    fs = books.fund_statement(auth.db(), org, fund, period=_period(args))
    return {**fs.__dict__, "start": fs.period.start, "end": fs.period.end}


@read_view("/organizations/<org>/beancount", "beancount", BOOKS, query=sb.BeancountArgs(), action="export",
           content_type="text/plain", description="The books as beancount (streamed)")
def beancount(args: dict, org: str):
    """The books as beancount: open directives, one transaction per journal transaction with its metadata,
    balance assertions at the end; streamed"""
    period, database = _period(args), auth.db()
    with database.read() as conn:
        ids = books.org_ids(conn, org, args["subtree"])

    def generate():
        with database.read() as conn:
            yield from bc.export(conn, ids, period)

    return Response(stream_with_context(generate()), mimetype="text/plain; charset=utf-8")


@write_view("/organizations/<org>/beancount-imports", "beancount_import", BOOKS, "org.setup", sb.BeancountImportResult,
            body=sb.BeancountImportIn())
def beancount_import(body: dict, org: str):
    """Import books kept in beancount as a new organization beneath this one: all or nothing; a refused
    file answers 422 ``beancount_rejected`` with every problem and its line"""
    if body["check_only"]:
        problems = books.check_beancount(body["text"])
        if problems:
            raise InvalidInput(f"the beancount file has {len(problems)} problem(s)", reason="beancount_rejected",
                               problems=problems[:1000], count=len(problems))
        return {"org": None, "funds": 0, "accounts": 0, "transactions": 0, "checked_only": True,
                "replayed": False}, 200
    r = books.import_beancount(auth.db(), body["text"], user=auth.actor(), code=body.get("code"),
                               name=body.get("name"), level=body.get("level"), parent=org, key=_key())
    return _created({**r, "checked_only": False})




@read_view("/organizations/<org>/statements/consolidated", "consolidated", BOOKS, sb.ConsolidatedOut,
           query=sb.StatementArgs())
def consolidated(args: dict, org: str):
    """The organization and everything beneath it as one: a row per organization and the consolidated
    total, with money moved between organizations inside the subtree eliminated

    A unit that reports totals and keeps no books in Quỹ has a row of its own in ``reported`` (its reported
    figures and the reports they come from); ``booked`` is the total of the books alone, ``total`` of both.
    """
    c = books.consolidated(auth.db(), org, period=_period(args))
    return {"org": c.org, "start": c.period.start, "end": c.period.end, "rows": c.rows, "eliminated": c.eliminated,
            "total": c.total, "funds": c.funds, "reported": c.reported, "booked": c.booked,
            "to_reported": c.to_reported, "from_parent": c.from_parent}


@write_view("/organizations/<org>/dissolutions", "dissolution", BOOKS, "org.reorganize", sb.DissolutionOut,
            body=sb.DissolutionIn())
def dissolution(body: dict, org: str):
    """Take over an organization beneath or beside this one: its money moves here with a closing entry on its
    books and an opening entry on these, its books close for good, its children move here"""
    if not books.may_absorb(auth.db(), org, body["org"]):
        raise NotAllowed(f"{org} may take over only an organization beneath or beside it", reason="not_beneath")
    return _created(services.dissolve_organization(auth.db(), body["org"], org, on=body["date"], reason=body["reason"],
                                                   fund_map=body["fund_map"], user=auth.actor(), key=_key()))


@write_view("/organizations/<org>/transfers", "org_transfer", BOOKS, "org.transfer", sb.TransferOut,
            body=sb.TransferIn())
def org_transfer(body: dict, org: str):
    """Move money from one of this organization's funds to a fund of another organization of the same
    association: an entry in each journal, eliminated when both are consolidated"""
    if not books.same_tree(auth.db(), org, body["to"]):
        raise NotAllowed("money moves only between organizations of the same association", reason="other_tree")
    return _created(services.transfer_between(auth.db(), org, body["to"], from_fund=body["from_fund"],
                                              to_fund=body["to_fund"], amount=body["amount"], on=body["date"],
                                              from_account=body["from_account"], to_account=body["to_account"],
                                              reason=body["reason"], user=auth.actor(), key=_key()))


@read_view("/organizations/<org>/auditor-package", "auditor_package", BOOKS, query=sb.PackageArgs(), action="export",
           content_type="application/zip", description="The auditor package, one ZIP")
def auditor_package(args: dict, org: str):
    """The auditor package of a locked period: statements (PDF, XLSX, CSV), the donations register, the
    journal as CSV, the books as beancount and a manifest with the head digest and every file's sha256"""
    data = docs.auditor_package(auth.db(), org, period=_period(args), with_pdf=args["pdf"])
    return Response(data, mimetype="application/zip")


@public_view("/organizations/<org>/disclosure", "disclosure", BOOKS, sb.DisclosureOut, query=sb.DisclosureArgs())
def disclosure(args: dict, org: str):
    """The public disclosure report of a year or quarter (public, no token): donors with their amounts
    (anonymous ones unnamed), awards by programme in aggregate, each fund's receipts and spending, management
    costs against the cap"""
    with auth.db().read() as conn:
        d = build_disclosure(conn, orgs.org_id_by_code(conn, org), args.get("year") or clock.today().year,
                             args.get("quarter"))
    return {**d.__dict__, "over_cap": d.over_cap}


@read_view("/organizations/<org>/statements/figures", "figures", BOOKS, sb.FiguresOut, query=sb.FiguresArgs())
def figures(args: dict, org: str):
    """The half-year or annual figures the associations' reports quote: raised, awards by programme, funds
    held, term deposits, interest earned, and the sentences the reports write"""
    with auth.db().read() as conn:
        f = build_figures(conn, g.org_id, args.get("year") or clock.today().year, args.get("half"),
                          with_subtree=args["subtree"], start=args.get("start"), end=args.get("end"),
                          population=args.get("population"), compare=args["compare"])
    return figures_json(f)
