"""People, roles and the audit log: users, memberships, login sessions, API tokens, failed logins,
the append-only audit log; donors' consent to the public gold book.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.migrations import helpers as h

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_GUARDS = {
    "sqlite": [
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows are never updated'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: rows are never deleted'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION quy_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
              USING ERRCODE = 'insufficient_privilege'; END $$""",
        """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION quy_audit_append_only()""",
        """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION quy_audit_append_only()""",
    ],
}


def upgrade() -> None:
    if h.dialect() == "postgresql":
        op.add_column("donors", sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()))
        op.add_column("donors", sa.Column("hide_amount", sa.Boolean, nullable=False, server_default=sa.false()))
    else:  # SQLite: a plain ADD COLUMN. Batch mode would copy the table (its defaults are expressions), and
        # dropping the old copy fails once donations refer to donors (foreign keys are on).
        op.execute("ALTER TABLE donors ADD COLUMN listed BOOLEAN DEFAULT 1 NOT NULL")
        op.execute("ALTER TABLE donors ADD COLUMN hide_amount BOOLEAN DEFAULT 0 NOT NULL")
    h.create_entity_table(
        "users",
        sa.Column("login", sa.String(80), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_table(
        "memberships",
        h.ref("memberships", "user_id", "users"),
        h.ref("memberships", "org_id", "organizations"),
        sa.Column("role", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "org_id", "role", name=op.f("pk_memberships")),
        sa.CheckConstraint("role IN ('admin','treasurer','council','auditor')",
                           name=op.f("ck_memberships_role")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        h.ref("user_sessions", "user_id", "users"),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    h.create_entity_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        h.ref("api_tokens", "user_id", "users"),
        h.ref("api_tokens", "org_id", "organizations"),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        sa.CheckConstraint("role IN ('admin','treasurer','council','auditor')",
                           name=op.f("ck_api_tokens_role")),
    )
    h.create_login_failures()
    h.create_entity_table(
        "audit_log",
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
        h.ref("audit_log", "org_id", "organizations", nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_audit_log_org_id", "audit_log", ["org_id", "id"])
    h.execute(_GUARDS[h.dialect()])


def downgrade() -> None:
    if h.dialect() == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS quy_audit_append_only()")
    h.drop_tables("audit_log", "login_failures", "api_tokens", "user_sessions", "memberships", "users")
    # plain DROP COLUMN (SQLite ≥ 3.35 too): batch mode would copy donors, which donations refer to
    op.execute("ALTER TABLE donors DROP COLUMN hide_amount")
    op.execute("ALTER TABLE donors DROP COLUMN listed")
