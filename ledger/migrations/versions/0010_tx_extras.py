"""What an imported beancount transaction carried beyond the journal (payee, references), append-only.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tx_extras",
        sa.Column("tx_id", Id, sa.ForeignKey("transactions.id", name=op.f("fk_tx_extras_tx_id_transactions")),
                  nullable=False),
        sa.Column("payee", sa.String(300), nullable=False, server_default=""),
        sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
        sa.PrimaryKeyConstraint("tx_id", name=op.f("pk_tx_extras")),
    )
    for stmt in dbguards.extras_statements(op.get_bind().dialect.name):
        op.execute(stmt)


def downgrade() -> None:
    for stmt in dbguards.extras_drop_statements(op.get_bind().dialect.name):
        op.execute(stmt)
    op.drop_table("tx_extras")
