"""Disbursements: recipients, programs and the funds they draw from, batches with their lines and the
council's votes (append-only), and each fund's quorum.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _text(name: str, size: int) -> sa.Column:
    return sa.Column(name, sa.String(size), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("funds") as b:
        b.add_column(sa.Column("quorum", sa.Integer, nullable=True))
    h.create_org_table(
        "recipients",
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("match_key", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=True),
        _text("gender", 10), _text("school", 200), _text("grade", 20), _text("commune", 200),
        _text("guardian", 200), _text("phone", 40), _text("bank_name", 200), _text("bank_account_no", 40),
        _text("categories", 300),
        *h.stamp("created"),
    )
    op.create_index(op.f("ix_recipients_match_key"), "recipients", ["match_key"])
    h.create_org_table(
        "programs",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("default_amount", sa.BigInteger, nullable=True),
        _text("categories", 300),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.CheckConstraint("default_amount IS NULL OR default_amount > 0", name=op.f("ck_programs_positive")),
        sa.UniqueConstraint("org_id", "code", name="uq_programs_org_code"),
    )
    op.create_table(
        "program_funds",
        h.ref("program_funds", "program_id", "programs"),
        h.ref("program_funds", "fund_id", "funds"),
        sa.PrimaryKeyConstraint("program_id", "fund_id", name=op.f("pk_program_funds")),
    )
    h.create_org_table(
        "batches",
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("round", sa.Integer, nullable=False, server_default="0"),
        sa.Column("prepared_by", sa.String(120), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("submitted_at", sa.String(40), nullable=True),
        _text("reject_reason", 1000),
        h.ref("batches", "decision_doc_id", "documents", nullable=True),
        sa.Column("approved_on", sa.Date, nullable=True),
        h.ref("batches", "approved_tx_id", "transactions", nullable=True),
        sa.CheckConstraint("state IN ('draft','submitted','approved','closed')", name=op.f("ck_batches_state")),
        sa.CheckConstraint("state IN ('draft','submitted') OR decision_doc_id IS NOT NULL", name=op.f("ck_batches_approved_has_decision")),
    )
    h.create_entity_table(
        "batch_lines",
        h.ref("batch_lines", "batch_id", "batches"),
        sa.Column("line_no", sa.Integer, nullable=False),
        h.ref("batch_lines", "recipient_id", "recipients"),
        h.ref("batch_lines", "program_id", "programs"),
        h.ref("batch_lines", "fund_id", "funds"),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("item_description", sa.String(300), nullable=True),
        sa.Column("item_quantity", sa.BigInteger, nullable=True),
        h.ref("batch_lines", "earmark_donation_id", "donations", nullable=True),
        _text("reason", 500),
        sa.Column("state", sa.String(20), nullable=False, server_default="open"),
        sa.Column("method", sa.String(10), nullable=True),
        sa.Column("paid_on", sa.Date, nullable=True),
        h.ref("batch_lines", "paid_tx_id", "transactions", nullable=True),
        h.ref("batch_lines", "voucher_doc_id", "documents", nullable=True),
        _text("cancel_reason", 500),
        h.ref("batch_lines", "cancel_tx_id", "transactions", nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_batch_lines_positive")),
        sa.CheckConstraint("state IN ('open','paid','cancelled')", name=op.f("ck_batch_lines_state")),
        sa.CheckConstraint("state <> 'paid' OR (paid_tx_id IS NOT NULL AND voucher_doc_id IS NOT NULL)",
                           name=op.f("ck_batch_lines_paid")),
        sa.UniqueConstraint("batch_id", "line_no", name="uq_batch_lines_no"),
    )
    op.create_index(op.f("ix_batch_lines_batch_id"), "batch_lines", ["batch_id"])
    op.create_index(op.f("ix_batch_lines_recipient_id"), "batch_lines", ["recipient_id"])
    h.create_entity_table(
        "batch_votes",
        h.ref("batch_votes", "batch_id", "batches"),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("member", sa.String(120), nullable=False),
        sa.Column("vote", sa.String(10), nullable=False),
        _text("comment", 1000),
        sa.Column("at", sa.String(40), nullable=False),
        sa.CheckConstraint("vote IN ('approve','reject')", name=op.f("ck_batch_votes_vote")),
        sa.UniqueConstraint("batch_id", "round", "member", name="uq_batch_votes_once"),
    )
    op.create_index(op.f("ix_batch_votes_batch_id"), "batch_votes", ["batch_id"])
    h.guards(dbguards.vote_statements)


def downgrade() -> None:
    h.drop_tables("batch_votes", "batch_lines", "batches", "program_funds", "programs", "recipients",
                  guards=dbguards.vote_drop_statements)
    with op.batch_alter_table("funds") as b:
        b.drop_column("quorum")
