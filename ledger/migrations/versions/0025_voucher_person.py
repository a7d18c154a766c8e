"""A voucher's person: who received the money a phiếu chi pays, or paid the money a phiếu thu receives.

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("vouchers", sa.Column("person", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    op.drop_column("vouchers", "person")
