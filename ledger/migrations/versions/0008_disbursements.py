"""Disbursements: recipients, programs and the funds they draw from, batches with their lines and the
council's votes (append-only), and each fund's quorum.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, column: str, target: str) -> sa.ForeignKey:
    return sa.ForeignKey(f"{target}.id", name=op.f(f"fk_{table}_{column}_{target}"))


def _text(name: str, size: int) -> sa.Column:
    return sa.Column(name, sa.String(size), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("funds") as b:
        b.add_column(sa.Column("quorum", sa.Integer, nullable=True))
    op.create_table(
        "recipients",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, _fk("recipients", "org_id", "organizations"), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("match_key", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=True),
        _text("gender", 10), _text("school", 200), _text("grade", 20), _text("commune", 200),
        _text("guardian", 200), _text("phone", 40), _text("bank_name", 200), _text("bank_account_no", 40),
        _text("categories", 300),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")),
    )
    op.create_index(op.f("ix_recipients_match_key"), "recipients", ["match_key"])
    op.create_table(
        "programs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, _fk("programs", "org_id", "organizations"), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("default_amount", sa.BigInteger, nullable=True),
        _text("categories", 300),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("default_amount IS NULL OR default_amount > 0", name=op.f("ck_programs_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("org_id", "code", name="uq_programs_org_code"),
    )
    op.create_table(
        "program_funds",
        sa.Column("program_id", Id, _fk("program_funds", "program_id", "programs"), nullable=False),
        sa.Column("fund_id", Id, _fk("program_funds", "fund_id", "funds"), nullable=False),
        sa.PrimaryKeyConstraint("program_id", "fund_id", name=op.f("pk_program_funds")),
    )
    op.create_table(
        "batches",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("org_id", Id, _fk("batches", "org_id", "organizations"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("round", sa.Integer, nullable=False, server_default="0"),
        sa.Column("prepared_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("submitted_at", sa.String(40), nullable=True),
        _text("reject_reason", 1000),
        sa.Column("decision_doc_id", Id, _fk("batches", "decision_doc_id", "documents"), nullable=True),
        sa.Column("approved_on", sa.Date, nullable=True),
        sa.Column("approved_tx_id", Id, _fk("batches", "approved_tx_id", "transactions"), nullable=True),
        sa.CheckConstraint("state IN ('draft','submitted','approved','closed')", name=op.f("ck_batches_state")),
        sa.CheckConstraint("state IN ('draft','submitted') OR decision_doc_id IS NOT NULL", name=op.f("ck_batches_approved_has_decision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_table(
        "batch_lines",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("batch_id", Id, _fk("batch_lines", "batch_id", "batches"), nullable=False),
        sa.Column("line_no", sa.Integer, nullable=False),
        sa.Column("recipient_id", Id, _fk("batch_lines", "recipient_id", "recipients"), nullable=False),
        sa.Column("program_id", Id, _fk("batch_lines", "program_id", "programs"), nullable=False),
        sa.Column("fund_id", Id, _fk("batch_lines", "fund_id", "funds"), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("item_description", sa.String(300), nullable=True),
        sa.Column("item_quantity", sa.BigInteger, nullable=True),
        sa.Column("earmark_donation_id", Id, _fk("batch_lines", "earmark_donation_id", "donations"), nullable=True),
        _text("reason", 500),
        sa.Column("state", sa.String(20), nullable=False, server_default="open"),
        sa.Column("method", sa.String(10), nullable=True),
        sa.Column("paid_on", sa.Date, nullable=True),
        sa.Column("paid_tx_id", Id, _fk("batch_lines", "paid_tx_id", "transactions"), nullable=True),
        sa.Column("voucher_doc_id", Id, _fk("batch_lines", "voucher_doc_id", "documents"), nullable=True),
        _text("cancel_reason", 500),
        sa.Column("cancel_tx_id", Id, _fk("batch_lines", "cancel_tx_id", "transactions"), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_batch_lines_positive")),
        sa.CheckConstraint("state IN ('open','paid','cancelled')", name=op.f("ck_batch_lines_state")),
        sa.CheckConstraint("state <> 'paid' OR (paid_tx_id IS NOT NULL AND voucher_doc_id IS NOT NULL)",
                           name=op.f("ck_batch_lines_paid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_lines")),
        sa.UniqueConstraint("batch_id", "line_no", name="uq_batch_lines_no"),
    )
    op.create_index(op.f("ix_batch_lines_batch_id"), "batch_lines", ["batch_id"])
    op.create_index(op.f("ix_batch_lines_recipient_id"), "batch_lines", ["recipient_id"])
    op.create_table(
        "batch_votes",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("batch_id", Id, _fk("batch_votes", "batch_id", "batches"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("member", sa.String(120), nullable=False),
        sa.Column("vote", sa.String(10), nullable=False),
        _text("comment", 1000),
        sa.Column("at", sa.String(40), nullable=False),
        sa.CheckConstraint("vote IN ('approve','reject')", name=op.f("ck_batch_votes_vote")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_votes")),
        sa.UniqueConstraint("batch_id", "round", "member", name="uq_batch_votes_once"),
    )
    op.create_index(op.f("ix_batch_votes_batch_id"), "batch_votes", ["batch_id"])
    for stmt in dbguards.vote_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.vote_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    for table in ("batch_votes", "batch_lines", "batches", "program_funds", "programs", "recipients"):
        op.drop_table(table)
    with op.batch_alter_table("funds") as b:
        b.drop_column("quorum")
