"""People, roles and the audit log: users, memberships, login sessions, API tokens, failed logins,
the append-only audit log; donors' consent to the public gold book.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

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
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("donors", sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()))
        op.add_column("donors", sa.Column("hide_amount", sa.Boolean, nullable=False, server_default=sa.false()))
    else:  # SQLite: a plain ADD COLUMN. Batch mode would copy the table (its defaults are expressions), and
        # dropping the old copy fails once donations refer to donors (foreign keys are on).
        op.execute("ALTER TABLE donors ADD COLUMN listed BOOLEAN DEFAULT 1 NOT NULL")
        op.execute("ALTER TABLE donors ADD COLUMN hide_amount BOOLEAN DEFAULT 0 NOT NULL")
    op.create_table(
        "users",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(80), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_table(
        "memberships",
        sa.Column("user_id", Id, sa.ForeignKey("users.id", name=op.f("fk_memberships_user_id_users")),
                  nullable=False),
        sa.Column("org_id", Id, sa.ForeignKey("organizations.id",
                                              name=op.f("fk_memberships_org_id_organizations")),
                  nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "org_id", "role", name=op.f("pk_memberships")),
        sa.CheckConstraint("role IN ('admin','treasurer','council','auditor')",
                           name=op.f("ck_memberships_role")),
    )
    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", name=op.f("fk_user_sessions_user_id_users")),
                  nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("user_id", Id, sa.ForeignKey("users.id", name=op.f("fk_api_tokens_user_id_users")),
                  nullable=False),
        sa.Column("org_id", Id, sa.ForeignKey("organizations.id",
                                              name=op.f("fk_api_tokens_org_id_organizations")),
                  nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("revoked_at", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
        sa.CheckConstraint("role IN ('admin','treasurer','council','auditor')",
                           name=op.f("ck_api_tokens_role")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(80), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_login_at", "login_failures", ["login", "at"])
    op.create_index("ix_login_failures_ip_at", "login_failures", ["ip", "at"])
    op.create_table(
        "audit_log",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("via", sa.String(10), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False, server_default=""),
        sa.Column("org_id", Id, sa.ForeignKey("organizations.id",
                                              name=op.f("fk_audit_log_org_id_organizations")),
                  nullable=True),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("target", sa.String(200), nullable=False, server_default=""),
        sa.Column("details", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_org_id", "audit_log", ["org_id", "id"])
    for stmt in _GUARDS[op.get_bind().dialect.name]:
        op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS quy_audit_append_only()")
    for t in ("audit_log", "login_failures", "api_tokens", "user_sessions", "memberships", "users"):
        op.drop_table(t)
    # plain DROP COLUMN (SQLite ≥ 3.35 too): batch mode would copy donors, which donations refer to
    op.execute("ALTER TABLE donors DROP COLUMN hide_amount")
    op.execute("ALTER TABLE donors DROP COLUMN listed")
