"""Postings found by organization, account and date (``ix_postings_org_account_date``): until now the journal's
postings were indexed by transaction alone, so a question about one account's postings (the gifts in kind of a
fund statement, the management costs of a year) read every posting of every organization — in a nation's books,
ten million rows for one commune's statement. The key leads with the organization, as a partitioned journal's
would (README, "A national deployment"). And an account's sub-accounts by organization and parent
(``ix_accounts_org_parent``): a transfer's bank account was looked up among every organization's accounts.

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_postings_org_account_date", "postings", ["org_id", "account_id", "date"])
    op.create_index("ix_accounts_org_parent", "accounts", ["org_id", "parent_id"])


def downgrade() -> None:
    op.drop_index("ix_accounts_org_parent", table_name="accounts")
    op.drop_index("ix_postings_org_account_date", table_name="postings")
