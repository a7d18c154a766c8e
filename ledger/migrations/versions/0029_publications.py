"""What an organization publishes (issue 27): its keys, the log of signed roots of its Merkle-sum trees, and the
log's signed heads. All three are append-only.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication_keys",
        h.ref("publication_keys", "org_id", "organizations", primary_key=True),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("signing_key", sa.String(64), nullable=False),
        sa.Column("salt_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    h.create_org_table(
        "published_roots",
        sa.Column("seq", sa.BigInteger, nullable=False),
        h.ref("published_roots", "fund_id", "funds"),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        *h.stamp("created"),
        sa.UniqueConstraint("org_id", "seq", name="uq_published_roots_seq"),
        sa.UniqueConstraint("org_id", "fund_id", "kind", "period", name="uq_published_roots_period"),
        sa.CheckConstraint("kind IN ('gifts','payments')", name="kind"),
    )
    h.create_org_table(
        "log_heads",
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        *h.stamp("created"),
        sa.UniqueConstraint("org_id", "size", name="uq_log_heads_size"),
    )
    h.guards(dbguards.publication_statements)


def downgrade() -> None:
    h.drop_tables("log_heads", "published_roots", "publication_keys", guards=dbguards.publication_drop_statements)
