"""What a printed document says, beside its bytes: ``document_prints.canonical_sha256`` and ``canonical``.

A first print's sha256 proves a reprint is byte-identical, but the bytes also change when the rendering does
(fonts, weasyprint): the canonical content (``receipts/canonical.py``) and its hash let a reprint say
"same data, different rendering" apart from "data changed", and name what changed.

Prints recorded before this revision keep NULL in both: what their first print said was not kept and cannot
be recomputed honestly (the books or the organization's settings may have changed since), so a reprint of
such a document that is not byte-identical is reported as "unknown", never as "same data". The table stays
append-only (its triggers refuse UPDATE), so the columns are only ever filled by a first print.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document_prints", sa.Column("canonical_sha256", sa.String(64), nullable=True))
    op.add_column("document_prints", sa.Column("canonical", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document_prints") as batch:
        batch.drop_column("canonical")
        batch.drop_column("canonical_sha256")
