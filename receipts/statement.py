"""Statements as PDF (A4; landscape when the table is wide): the same :class:`books.tables.Table` the
web page, CSV and XLSX show, under the organization's heading, with the signature blocks."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Connection

from books.tables import Table

from .pdf import Pdf, html_to_pdf, render_html
from .receipt import org_view


def render_statement(conn: Connection, org_id: int, table: Table, *, today: date | None = None) -> Pdf:
    """Return ``table`` as a PDF under ``org_id``'s heading."""
    html = render_html("statement.html", t=table, org=org_view(conn, org_id), today=today or date.today())
    return html_to_pdf(html)
