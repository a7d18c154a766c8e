"""The management-cost cap per organization (percent of the year's income; 5 by default, up to 10 by a
named council decision), for the public disclosure report.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN on both (SQLite's batch mode would copy the table and lose its triggers)
    op.execute("ALTER TABLE organizations ADD COLUMN management_cap_pct INTEGER DEFAULT '5' NOT NULL "
               "CONSTRAINT ck_organizations_management_cap CHECK (management_cap_pct BETWEEN 0 AND 10)")
    op.execute("ALTER TABLE organizations ADD COLUMN management_cap_decision VARCHAR(200) DEFAULT '' NOT NULL")


def downgrade() -> None:
    op.drop_column("organizations", "management_cap_decision")
    op.drop_column("organizations", "management_cap_pct")
