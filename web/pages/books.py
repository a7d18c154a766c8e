"""The books for auditors, under ``/o/<org>/books``: the trial balance and the fund statements for any
period (on the page, or as CSV, XLSX and PDF), the books as beancount (streamed), and the
administrator's import of books kept in beancount as a new organization beneath this one."""

from __future__ import annotations

import re
import tempfile
import uuid
from contextlib import ExitStack

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from books import beancount as bc
from books import export_jobs, registers, statements, tables
from books import service as books
from books.charts import province, report
from books.figures import figures
from ledger import clock, orgs, services
from ledger import schema as s
from ledger.clock import parse_date
from ledger.errors import InvalidInput, LedgerError, NotAllowed
from ledger.money import parse_amount_text
from receipts import service as docs

from ..auth import actor, db, requires
from ..messages import bean_problem
from .common import MIME, _attachment, _file, error_text, form_step, found, org_of, reading

bp = Blueprint("books", __name__)
FORMATS = "any(csv, xlsx, pdf)"
MAX_IMPORT_BYTES = 20 * 1024 * 1024  # the app's request limit (MAX_CONTENT_LENGTH); beyond, use quy import-beancount


def _period() -> bc.Period:
    try:
        return bc.Period.parse(request.args.get("from") or None, request.args.get("to") or None)
    except InvalidInput:
        abort(400)


def _subtree() -> bool:
    return request.args.get("subtree") in ("1", "on", "true")


def _funds(conn):
    f = s.funds
    return conn.execute(sa.select(f.c.code, f.c.name).where(f.c.org_id == g.org_id).order_by(f.c.code)).all()


def _args() -> dict:
    return {k: v for k, v in request.args.items()
            if k in ("from", "to", "subtree", "fund", "by_account", "consolidate", "year", "half", "only", "series",
                     "as_of", "population") and v}


@bp.get("/o/<org>/books")
@requires("read")
def index(org: str):
    with reading(org) as (conn, info):
        funds = _funds(conn)
    return render_template("books.html", org=info, funds=funds, args=request.args)


def _page(org: str, table: tables.Table, kind: str, download: str, charts=(), period: str = "range",
          shown: dict | None = None, **values):
    """A statement or register as a page, with its PDF, XLSX and CSV downloads (and its charts, if any);
    ``period`` is what its form asks for: ``range`` (from, to), ``year`` (year; series kept) or ``as_of``,
    filled in from ``shown`` (what the page shows when the query does not say)."""
    with reading(org) as (conn, info):
        funds = _funds(conn)
    large = download in ("books.donations_register_file", "books.register_file") and len(table.rows) > LARGE_EXPORT
    return render_template("statement.html", org=info, t=table, funds=funds, args=_args(), kind=kind,
                           downloads=_downloads(download, org=org, **values), charts=charts, large=large,
                           period=period, shown={**(shown or {}), **_args()},
                           page_rows=LARGE_EXPORT if large else None)


def _trial(org: str) -> statements.TrialBalance:
    fund = request.args.get("fund") or None
    return books.trial_balance(db(), org, subtree=_subtree(), period=_period(),
                               by_fund=request.args.get("by_account") not in ("1", "on"), fund=fund,
                               consolidate=request.args.get("consolidate") in ("1", "on"))


@bp.get("/o/<org>/books/trial-balance")
@requires("read")
def trial_balance(org: str):
    return _page(org, tables.trial_table(_trial(org)), "trial", "books.trial_balance_file")


@bp.get(f"/o/<org>/books/trial-balance.<{FORMATS}:fmt>")
@requires("export")
def trial_balance_file(org: str, fmt: str):
    return _file(org, tables.trial_table(_trial(org)), fmt)


@bp.get("/o/<org>/books/funds/<fund>")
@requires("read")
def fund_statement(org: str, fund: str):
    return _page(org, tables.fund_table(books.fund_statement(db(), org, fund, period=_period())), "fund",
                 "books.fund_statement_file", fund=fund)


@bp.get(f"/o/<org>/books/funds/<fund>.<{FORMATS}:fmt>")
@requires("export")
def fund_statement_file(org: str, fund: str, fmt: str):
    return _file(org, tables.fund_table(books.fund_statement(db(), org, fund, period=_period())), fmt)


def _donations(org: str) -> tables.Table:
    with db().read() as conn:
        return registers.donations_register(conn, g.org_id, _period())


@bp.get("/o/<org>/books/donations")
@requires("read")
def donations_register(org: str):
    return _page(org, _donations(org), "register", "books.donations_register_file")


def _donations_builder():
    period, org_id = _period(), g.org_id
    return lambda conn: registers.donations_register(conn, org_id, period, lazy=True)


@bp.get(f"/o/<org>/books/donations.<{FORMATS}:fmt>")
@requires("export")
def donations_register_file(org: str, fmt: str):
    return _stream_file(org, fmt, _donations_builder())


@bp.post("/o/<org>/books/donations.<any(csv, xlsx):fmt>")
@requires("export")
def donations_register_job(org: str, fmt: str):
    """The donations register as a background export with a progress bar (a long one)."""
    return _start_export(org, fmt, _donations_builder(), "donations")


def _consolidated(org: str) -> tables.Table:
    return tables.consolidated_table(books.consolidated(db(), org, period=_period()))


@bp.get("/o/<org>/books/consolidated")
@requires("read")
def consolidated(org: str):
    """The consolidated report, with each organization's fund balance drawn beside the others."""
    c = books.consolidated(db(), org, period=_period())
    return _page(org, tables.consolidated_table(c), "consolidated", "books.consolidated_file",
                 charts=[province.chart(c)])


@bp.get(f"/o/<org>/books/consolidated.<{FORMATS}:fmt>")
@requires("export")
def consolidated_file(org: str, fmt: str):
    return _file(org, _consolidated(org), fmt)


def _figures(org: str) -> tables.Table:
    year = request.args.get("year", clock.today().year, type=int)
    half = request.args.get("half", type=int)
    a = request.args
    population = a.get("population", type=int)
    day = {k: parse_date(a[k], field=k) for k in ("from", "to") if a.get(k)}

    with db().read() as conn:
        f = figures(conn, g.org_id, year, half, with_subtree=a.get("only") not in ("1", "on"), start=day.get("from"),
                    end=day.get("to"), population=population if population and population > 0 else None)
        t = tables.figures_table(f)
        t.charts = report.charts(conn, g.org_id, f)
        return t


@bp.get("/o/<org>/books/figures")
@requires("read")
def figures_page(org: str):
    t = _figures(org)
    return _page(org, t, "figures", "books.figures_file", charts=t.charts, period="figures")


@bp.get(f"/o/<org>/books/figures.<{FORMATS}:fmt>")
@requires("export")
def figures_file(org: str, fmt: str):
    return _file(org, _figures(org), fmt)


@bp.get("/o/<org>/books/organizations")
@requires("read")
def organizations(org: str):
    """The organizations beneath this one (and those dissolved into it), the transfers between them, and the
    forms to move money (treasurer) and to take over a dissolved organization (administrator)."""
    o, tr = s.organizations, s.org_transfers
    with reading(org) as (conn, info):
        ids = books.org_ids(conn, org, True)
        rows = conn.execute(sa.select(o.c.code, o.c.name, o.c.level, o.c.dissolved_on, o.c.parent_id)
                            .where(o.c.id.in_(ids)).order_by(o.c.code)).all()
        codes = dict(conn.execute(sa.select(o.c.id, o.c.code)).all())
        moves = conn.execute(sa.select(tr).where(sa.or_(tr.c.from_org_id.in_(ids), tr.c.to_org_id.in_(ids)))
                             .order_by(tr.c.date.desc(), tr.c.id.desc()).limit(200)).all()
        funds = _funds(conn)
        names = {f.code: orgs.fund_names(conn, g.org_id, f.code) for f in funds}
    return render_template("organizations.html", org=info, rows=rows, codes=codes, moves=moves, funds=funds,
                           names=names, form_key=uuid.uuid4().hex)


def _step(org: str, run, ok: str, page: str = "books.organizations"):
    """Run a form's ``run``, flash ``ok`` or the refusal, and go back to ``page``."""
    return form_step(url_for(page, org=org), run, ok, category="ok", code=302)


@bp.post("/o/<org>/books/transfers")
@requires("org.transfer")
def transfer(org: str):
    f = {k: (request.form.get(k) or "").strip() for k in ("to", "from_fund", "to_fund", "amount", "date",
                                                          "from_account", "to_account", "reason", "form_key")}

    def run():
        if not books.same_tree(db(), org, f["to"]):
            raise NotAllowed("money moves only between organizations of the same association", reason="other_tree")
        services.transfer_between(db(), org, f["to"], from_fund=f["from_fund"], to_fund=f["to_fund"],
                                  amount=parse_amount_text(f["amount"]), on=f["date"] or clock.today(),
                                  from_account=f["from_account"] or "111", to_account=f["to_account"] or "111",
                                  reason=f["reason"], user=actor(), key=f"web:{f['form_key'] or uuid.uuid4().hex}")

    return _step(org, run, _("The money was moved."))


@bp.post("/o/<org>/books/fund-names")
@requires("org.setup")
def fund_rename(org: str):
    f = {k: (request.form.get(k) or "").strip() for k in ("fund", "name", "from", "decision")}
    return _step(org, lambda: services.rename_fund(db(), org, f["fund"], f["name"], on=f["from"] or None,
                                                   decision=f["decision"], user=actor()),
                 _("The fund was renamed; its former name is kept."))


@bp.post("/o/<org>/books/dissolutions")
@requires("org.reorganize")
def dissolve(org: str):
    f = {k: (request.form.get(k) or "").strip() for k in ("org", "date", "reason", "fund_map", "form_key")}

    def run():
        if not books.may_absorb(db(), org, f["org"]):
            raise NotAllowed(f"{org} may take over only an organization beneath or beside it", reason="not_beneath")
        mapping = dict(p.split("=", 1) for p in f["fund_map"].replace(",", " ").split() if "=" in p)
        services.dissolve_organization(db(), f["org"], org, on=f["date"] or clock.today(), reason=f["reason"],
                                       fund_map=mapping, user=actor(), key=f"web:{f['form_key'] or uuid.uuid4().hex}")

    return _step(org, run, _("The organization's books were handed over and closed."))


@bp.get("/o/<org>/books/regimes")
@requires("read")
def regimes(org: str):
    """The legal regimes (dated settings), the one in force for this organization today with its management-cost
    cap, and the administrator's forms: the legal form, the cap, a new regime (a top organization's)."""
    info = org_of(org)
    return render_template("regimes.html", org=info, r=services.list_regimes(db(), org), form_key=uuid.uuid4().hex)


@bp.post("/o/<org>/books/regimes/settings")
@requires("org.setup")
def regime_settings(org: str):
    f = {k: (request.form.get(k) or "").strip() for k in ("legal_form", "percent", "decision")}

    def run():
        services.set_legal_form(db(), org, f["legal_form"], user=actor())
        if f["percent"]:
            if not f["percent"].isdigit():
                raise InvalidInput("the cap is a whole percent", field="percent", reason="bad_percent")
            services.set_management_cap(db(), org, int(f["percent"]), f["decision"], user=actor())

    return _step(org, run, _("Settings saved."), "books.regimes")


@bp.post("/o/<org>/books/regimes")
@requires("org.setup")
def regime_add(org: str):
    f = {k: (request.form.get(k) or "").strip() for k in (
        "code", "legal_form", "name", "citation", "effective_from", "effective_to", "cap_default_pct", "cap_max_pct",
        "quarterly_disclosure", "yearly_disclosure", "deadline", "forbidden", "form_key")}

    def run():
        pct = {}
        for k in ("cap_default_pct", "cap_max_pct"):
            if not f[k].isdigit():
                raise InvalidInput("a whole percent", field=k, reason="bad_percent")
            pct[k] = int(f[k])
        services.add_regime(db(), org, code=f["code"], legal_form=f["legal_form"], name=f["name"],
                            citation=f["citation"], effective_from=f["effective_from"],
                            effective_to=f["effective_to"] or None,
                            quarterly_disclosure=f["quarterly_disclosure"], yearly_disclosure=f["yearly_disclosure"],
                            deadline=f["deadline"] or None, forbidden=request.form.get("forbidden", "").splitlines(),
                            **pct, user=actor(), key=f"web:{f['form_key'] or uuid.uuid4().hex}")

    return _step(org, run, _("The regime was added."), "books.regimes")


REGISTERS = "any(receipts, disbursements, deposits, journal)"


def _register(register_kind: str) -> tables.Table:
    with db().read() as conn:
        return _register_builder(register_kind)(conn).materialized()


def _register_builder(kind: str, *, lazy: bool = False):
    """A function of an open connection that makes the register the request asks for (the request's values
    read now: the function may run after the request, in an export job). ``lazy``: the long registers
    (receipts, journal) stream their rows."""
    org_id = g.org_id
    if kind == "receipts":
        year = request.args.get("year", clock.today().year, type=int)
        series = request.args.get("series", "BN")
        if not 2000 <= year <= 9999 or series not in ("BN", "PC", "QD"):
            abort(404)
        return lambda conn: registers.receipts_register(conn, org_id, year, series, lazy=lazy)
    if kind == "disbursements":
        return lambda conn: registers.disbursement_register(conn, org_id)
    if kind == "journal":
        period = _period()
        return lambda conn: registers.journal_register(conn, org_id, period, lazy=lazy)
    try:
        as_of = parse_date(request.args["as_of"]) if request.args.get("as_of") else clock.today()
    except InvalidInput:
        abort(400)
    return lambda conn: registers.deposit_register(conn, org_id, as_of)


@bp.get(f"/o/<org>/books/registers/<{REGISTERS}:register_kind>")
@requires("read")
def register(org: str, register_kind: str):
    # the receipt register is a year's numbers and the deposit register a day's: "Show" keeps what it reads
    period = {"receipts": "year", "deposits": "as_of"}.get(register_kind, "range")
    shown = {"year": str(clock.today().year), "as_of": clock.today().isoformat()}
    return _page(org, _register(register_kind), "register", "books.register_file", period=period, shown=shown,
                 register_kind=register_kind)


@bp.get(f"/o/<org>/books/registers/<{REGISTERS}:register_kind>.<{FORMATS}:fmt>")
@requires("export")
def register_file(org: str, register_kind: str, fmt: str):
    return _stream_file(org, fmt, _register_builder(register_kind, lazy=True))


@bp.post(f"/o/<org>/books/registers/<{REGISTERS}:register_kind>.<any(csv, xlsx):fmt>")
@requires("export")
def register_job(org: str, register_kind: str, fmt: str):
    """A register as a background export with a progress bar (a long one)."""
    slug = f"receipts-{request.args.get('series', 'BN')}-{request.args.get('year', clock.today().year)}" \
        if register_kind == "receipts" else register_kind
    return _start_export(org, fmt, _register_builder(register_kind, lazy=True), slug)


#: Beyond this many rows a register's XLSX and CSV are made by a background job with a progress bar.
LARGE_EXPORT = 5_000


def _start_export(org: str, fmt: str, build, slug: str):
    name = _attachment(slug, org, fmt).split("filename=", 1)[1]
    token = export_jobs.start(db(), g.org_id, build, fmt, name)
    return redirect(url_for("books.export_job", org=org, token=token), 303)


@bp.get("/o/<org>/books/exports/<token>")
@requires("export")
def export_job(org: str, token: str):
    """A background export's progress (a bar the page refreshes; ``.json`` for a script), then its download."""
    job = found(export_jobs.status(g.org_id, token))
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return {k: job[k] for k in ("state", "done", "total", "percent", "name", "error")}
    info = org_of(org)
    return render_template("export_job.html", org=info, job=job, token=token)


@bp.get("/o/<org>/books/exports/<token>/file")
@requires("export")
def export_job_file(org: str, token: str):
    path, job = found(export_jobs.result(g.org_id, token))
    return send_file(path, mimetype=MIME[job["fmt"]], as_attachment=True, download_name=job["name"])


def _downloads(endpoint: str, **values) -> list[tuple[str, str]]:
    return [(fmt, url_for(endpoint, fmt=fmt, **{**_args(), **values})) for fmt in ("pdf", "xlsx", "csv")]


def _stream_file(org: str, fmt: str, build) -> Response:
    """A register as a file in constant memory: CSV streamed a chunk of rows at a time from an open cursor,
    XLSX written in openpyxl's write-only mode to a temporary file that is then sent (and removed); PDF
    read whole (a PDF lays out every row anyway). A bad request (a journal too long) is refused before
    anything is sent."""

    if fmt == "pdf":
        with db().read() as conn:
            table = build(conn).materialized()
            return _file(org, table, fmt)
    if fmt == "xlsx":
        out = tempfile.TemporaryFile()  # anonymous: gone when closed, even if the response is never read
        try:
            with db().read() as conn:
                table = build(conn)
                tables.write_xlsx(table, out)
        except BaseException:
            out.close()
            raise
        out.seek(0)
        name = _attachment(table.slug, org, fmt).split("filename=", 1)[1]
        return send_file(out, mimetype=MIME[fmt], as_attachment=True, download_name=name)
    stack = ExitStack()
    try:
        conn = stack.enter_context(db().read())
        table = build(conn)
    except BaseException:
        stack.close()
        raise

    def generate():
        try:
            for chunk in tables.csv_chunks(table):
                yield chunk.encode("utf-8")
        finally:
            stack.close()

    r = Response(stream_with_context(generate()), mimetype=MIME[fmt],
                 headers={"Content-Disposition": _attachment(table.slug, org, fmt)})
    r.call_on_close(stack.close)
    return r


@bp.get("/o/<org>/books/beancount")
@requires("export")
def beancount(org: str):
    """The books as beancount, streamed a chunk of the journal at a time."""
    period, subtree = _period(), _subtree()
    database = db()

    def generate():
        with database.read() as conn:
            yield from bc.export(conn, books.org_ids(conn, org, subtree), period)

    name = re.sub(r"[^A-Za-z0-9._-]+", "-", org)
    return Response(stream_with_context(generate()), mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}.beancount"})


@bp.get("/o/<org>/books/package.zip")
@requires("export")
def package(org: str):
    """The auditor package of a locked period, one ZIP."""
    data = docs.auditor_package(db(), org, period=_period())
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{org}-{request.args.get('from') or 'start'}-{request.args.get('to')}")
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=auditor-package-{name}.zip"})


@bp.route("/o/<org>/books/import", methods=["GET", "POST"])
@requires("org.setup")
def import_beancount(org: str):
    """Check a beancount file and, if it has no problem, make it a new organization beneath this one."""
    problems: list[dict] = []
    form = {"form_key": uuid.uuid4().hex, "level": "unit"}
    if request.method == "POST":
        form = {k: (request.form.get(k) or "").strip() for k in ("code", "name", "level", "form_key")}
        upload = request.files.get("file")
        data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
        try:
            if not data:
                raise InvalidInput("choose a beancount file", field="file", reason="required")
            if len(data) > MAX_IMPORT_BYTES:
                raise InvalidInput("the file is larger than 20 MB: use quy import-beancount", field="file",
                                   reason="too_long")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise InvalidInput("the file is not UTF-8 text", field="file", reason="not_text") from None
            r = books.import_beancount(db(), text, user=actor(), code=form["code"] or None,
                                       name=form["name"] or None, level=form["level"] or None, parent=org,
                                       key=f"web:{form['form_key'] or uuid.uuid4().hex}")
            flash(_("Imported %(n)s transactions into %(org)s.", n=r["transactions"], org=r["org"]), "ok")
            return redirect(url_for("books.index", org=org))
        except LedgerError as err:
            problems = err.params.get("problems", [])
            flash(error_text(err), "error")
    info = org_of(org)
    return render_template("books_import.html", org=info, problems=problems, form=form, levels=orgs.LEVELS,
                           explain=bean_problem), 422 if problems else 200
