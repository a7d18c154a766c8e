"""What every ``quy`` command shares: the context (database and acting user), the error handling of the root
group, the common options (``--org``, ``--json``, ``--key``, ``--date``, ``--from``/``--to``; ``json_out`` for
``--json`` with the context passed, ``org_json`` for ``--org`` before both), ``Ctx.org_read`` (one read of an
organization's books) and the output helpers (``_out`` for text or JSON, ``_out_rows`` for rows a line each,
``_emit`` for a table as text, JSON, CSV, XLSX or PDF).

It imports no feature module: each feature module (``orgs``, ``donations``, ``bank``, …) imports this one, and
the package (``web/cli/__init__.py``) builds the root group ``main`` and registers their commands.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import click

from books import tables
from ledger import clock, orgs
from ledger.clock import parse_date
from ledger.db import Database
from ledger.errors import LedgerError
from ledger.money import format_vnd
from receipts.statement import render_statement

from ..messages import vietnamese

FORMATS = ("text", "json", "csv", "xlsx", "pdf")


class Ctx:
    def __init__(self, url: str | None, user: str | None) -> None:
        self.url = url
        self.user = user or os.environ.get("QUY_USER") or f"cli:{getpass.getuser()}"
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.url)
        return self._db

    def org_read(self, org: str, read: Callable, *args, **kw):
        """``read(conn, org_id, *args, **kw)`` in one read of the books, for the organization coded ``org``."""
        with self.db.read() as conn:
            return read(conn, orgs.org_id_by_code(conn, org), *args, **kw)


def _fail(err: LedgerError) -> None:
    click.echo(f"Lỗi [{err.code}]: {vietnamese(err)}", err=True)
    click.echo(f"  ({err.message})", err=True)
    for e in err.params.get("errors", [])[:1000]:
        where = f"khoản tiền gửi {e['row']}" if e.get("section") == "deposits" else f"dòng {e['row']}"
        click.echo(f"  {where}, cột {e['column']}: {e['reason']}", err=True)
    for e in [*err.params.get("rows", []), *err.params.get("problems", [])][:1000]:
        click.echo(f"  dòng {e['line']}, {e['field']}: {e['message']}", err=True)
    sys.exit(2)


class QuyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LedgerError as err:
            _fail(err)


def _out(obj, as_json: bool, text: str) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str) if as_json else text)


def _out_rows(rows, as_json: bool, line: Callable, empty: str = "") -> None:
    """Each row's ``line`` (``empty`` when there are none), or the rows' fields as JSON."""
    _out([vars(r) for r in rows], as_json, "\n".join(line(r) for r in rows) or empty)


def _date(value: str | None) -> date | None:
    return parse_date(value) if value else None


json_opt = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
org_opt = click.option("--org", "org", default="SLA", show_default=True, envvar="QUY_ORG",
                       help="Organization code.")
key_opt = click.option("--key", default=None, help="Client idempotency key.")


def json_out(f):
    """``--json``, the context passed first: the last option of a command that prints what it did or read as
    text or JSON (its other options above it)."""
    return json_opt(click.pass_obj(f))


def org_json(f):
    """``--org`` then ``--json``, the context passed first: the options of a command that reads an
    organization's books and prints them as text or JSON."""
    return org_opt(json_out(f))


def date_opt(help: str | None = None, *, required: bool = False):
    """``--date``, the ``on`` parameter: the day a command's entry is dated (``_date(on)``)."""
    if required:
        return click.option("--date", "on", required=True, help=help)
    return click.option("--date", "on", default=None, help=help)


def period_opt(start_help: str | None = None, end_help: str | None = None):
    """``--from`` and ``--to``, the ``start`` and ``end`` parameters: a period's first and last day."""
    def decorate(f):
        return click.option("--from", "start", default=None, help=start_help)(
            click.option("--to", "end", default=None, help=end_help)(f))
    return decorate


def _period(start: str | None, end: str | None) -> tuple[date, date]:
    """The period ``start``..``end``: ``end`` defaults to today, ``start`` to 1 January of ``end``'s year."""
    to = _date(end) or clock.today()
    return _date(start) or date(to.year, 1, 1), to


def _emit(c: Ctx, org: str, table: tables.Table, data: dict, fmt: str, out: str | None) -> None:
    """Print or write ``table``; CSV and XLSX are written as the rows come (a streamed register is read from
    its open cursor, in constant memory), the other formats once it was read whole."""
    if fmt == "xlsx" and not out:
        raise click.UsageError(f"--format {fmt} needs --out FILE")
    if fmt == "xlsx":
        tables.write_xlsx(table, out)
        click.echo(f"Đã ghi {out}.", err=True)
        return
    if fmt == "csv":
        with open(out, "w", encoding="utf-8", newline="") if out else _stdout() as f:
            for chunk in tables.csv_chunks(table):
                f.write(chunk)
        if out:
            click.echo(f"Đã ghi {out}.", err=True)
        return
    table.materialized()
    if fmt == "json":
        payload: bytes | str = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    elif fmt == "csv":
        payload = tables.to_csv(table)
    elif fmt == "xlsx":
        payload = tables.to_xlsx(table)
    elif fmt == "pdf":
        with c.db.read() as conn:
            payload = render_statement(conn, orgs.org_id_by_code(conn, org), table).data
    else:
        payload = _text(table)
    if out:
        Path(out).write_bytes(payload if isinstance(payload, bytes) else payload.encode("utf-8"))
        click.echo(f"Đã ghi {out}.", err=True)
    elif isinstance(payload, bytes):
        raise click.UsageError(f"--format {fmt} needs --out FILE")
    else:
        click.echo(payload)


def _stdout():
    return nullcontext(sys.stdout)


def _text(t: tables.Table) -> str:
    def cell(v, money):
        return format_vnd(v) if money and isinstance(v, int) else str(v)

    rows = [[cell(v, m) for v, m in zip(r, t.money, strict=False)] for r in [*t.rows, *([t.total] if t.total else [])]]
    widths = [max(len(str(x)) for x in col) for col in zip(t.columns, *rows, strict=False)]
    lines = [t.title, t.subtitle, "  ".join(c.ljust(w) for c, w in zip(t.columns, widths, strict=False))]
    for r in rows:
        lines.append("  ".join(v.rjust(w) if m else v.ljust(w)
                               for v, w, m in zip(r, widths, t.money, strict=False)))
    return "\n".join([*lines, *t.notes])
