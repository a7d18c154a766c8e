"""The few grouped queries the charts read: sums per month done by the database, so a chart costs a scan of
its window of the journal, never a row per posting in Python."""

from __future__ import annotations

import sqlalchemy as sa

from ledger import schema as s


def month_key(col) -> sa.ColumnElement:
    """``year * 100 + month`` of a date column, on SQLite and PostgreSQL alike (``202506``)."""
    return sa.cast(sa.extract("year", col), sa.Integer) * 100 + sa.cast(sa.extract("month", col), sa.Integer)


def key_of(year: int, month: int) -> int:
    return year * 100 + month


def account_kinds(conn, org_id: int) -> dict[int, tuple[str, str | None]]:
    """{account id: (kind, role)} of the organization's chart of accounts."""
    a = s.accounts
    return {r.id: (r.kind, r.role) for r in conn.execute(sa.select(a.c.id, a.c.kind, a.c.role)
                                                         .where(a.c.org_id == org_id))}


def funds(conn, org_id: int) -> list[tuple[int, str, str]]:
    """(id, code, name) of the organization's funds, in the order of ``ledger.balances.fund_balances``."""
    f = s.funds
    return [tuple(r) for r in conn.execute(sa.select(f.c.id, f.c.code, f.c.name)
                                           .where(f.c.org_id == org_id).order_by(f.c.code))]
