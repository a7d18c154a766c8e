"""Sessions and tokens: API tokens expire and say why they died; failed logins are counted in one row per
account and per address (claimed by one atomic statement); batch-print jobs carry a heartbeat.

* ``api_tokens.expires_at`` (ISO UTC text, never null) and ``revoked_reason`` (``revoked`` by a person,
  ``role_removed`` when the user lost the role the token acts with). Tokens made before this revision are
  given an expiry of their creation + ``QUY_TOKEN_DAYS`` (90 by default) — but never earlier than seven days
  after the upgrade, so that a program using an old token gets a week to have a new one made instead of
  failing the morning after the upgrade. A token whose user no longer holds its role (before this revision
  such a token was refused but could come back with the role) is revoked for good here, ``role_removed``.
* ``login_throttle``: per key (``login:<name>`` or ``ip:<address>``) the start of the current window and
  the attempts claimed in it; replaces ``login_failures`` (whose rows only matter for a minute).
* ``print_jobs.heartbeat_at``: written while the job's worker lives; a queued or running job whose heartbeat
  (or creation) is older than a minute is marked failed (``receipts/jobs.py``).

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from ledger.migrations import helpers as h

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

#: The grace an old token gets at the upgrade, at least.
GRACE = timedelta(days=7)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def upgrade() -> None:
    from ledger import config

    days = config.load().token_days
    with op.batch_alter_table("api_tokens") as b:
        b.add_column(sa.Column("expires_at", sa.String(40), nullable=True))
        b.add_column(sa.Column("revoked_reason", sa.String(20), nullable=True))
    conn = op.get_bind()
    now = datetime.now(UTC)
    tokens = sa.table("api_tokens", sa.column("id"), sa.column("user_id"), sa.column("org_id"), sa.column("role"),
                      sa.column("created_at"), sa.column("expires_at"), sa.column("revoked_at"),
                      sa.column("revoked_reason"))
    members = sa.table("memberships", sa.column("user_id"), sa.column("org_id"), sa.column("role"))
    held = {tuple(r) for r in conn.execute(sa.select(members.c.user_id, members.c.org_id, members.c.role))}
    for row in conn.execute(sa.select(tokens.c.id, tokens.c.user_id, tokens.c.org_id, tokens.c.role,
                                      tokens.c.created_at, tokens.c.revoked_at)).all():
        expires = max(_parse(row.created_at) + timedelta(days=days), now + GRACE)
        values = {"expires_at": _iso(expires)}
        if row.revoked_at is not None:
            values["revoked_reason"] = "revoked"
        elif (row.user_id, row.org_id, row.role) not in held:
            values.update(revoked_at=_iso(now), revoked_reason="role_removed")
        conn.execute(tokens.update().where(tokens.c.id == row.id).values(**values))
    with op.batch_alter_table("api_tokens") as b:
        b.alter_column("expires_at", existing_type=sa.String(40), nullable=False)
    op.create_index("ix_api_tokens_user_org_role", "api_tokens", ["user_id", "org_id", "role"])

    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(150), nullable=False),
        sa.Column("window_start", sa.BigInteger, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.drop_index("ix_login_failures_login_at", table_name="login_failures")
    op.drop_index("ix_login_failures_ip_at", table_name="login_failures")
    op.drop_table("login_failures")

    with op.batch_alter_table("print_jobs") as b:
        b.add_column(sa.Column("heartbeat_at", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("print_jobs") as b:
        b.drop_column("heartbeat_at")
    h.create_login_failures()
    op.drop_table("login_throttle")
    op.drop_index("ix_api_tokens_user_org_role", table_name="api_tokens")
    with op.batch_alter_table("api_tokens") as b:
        b.drop_column("revoked_reason")
        b.drop_column("expires_at")
