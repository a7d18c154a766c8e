"""Numbered documents and the gold book: series counters, documents (append-only, gapless per series
and year in the database), voids, printed fingerprints, gold-book entries, batch printing jobs; the organization's
gold-book threshold and signatories; a donation's gold-book request.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledger.journal import guards as dbguards
from ledger.migrations import helpers as h

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    dialect = h.dialect()
    # organizations' identity trigger stays: only code is fixed, new columns are free to change
    with op.batch_alter_table("organizations") as b:
        b.add_column(sa.Column("gold_book_threshold", sa.BigInteger, nullable=True))
        b.add_column(sa.Column("signatory_title", sa.String(200), nullable=False, server_default=""))
        b.add_column(sa.Column("signatory_name", sa.String(200), nullable=False, server_default=""))
        b.add_column(sa.Column("treasurer_name", sa.String(200), nullable=False, server_default=""))
    if dialect == "postgresql":
        op.add_column("donations", sa.Column("gold_book", sa.Boolean, nullable=True))
    else:  # SQLite: a plain ADD COLUMN, not batch mode, which would copy the table and lose its triggers
        op.execute("ALTER TABLE donations ADD COLUMN gold_book BOOLEAN")
    op.create_table(
        "doc_counters",
        h.ref("doc_counters", "org_id", "organizations"),
        sa.Column("series", sa.String(10), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("last_number", sa.BigInteger, nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_doc_counters_nonnegative")),
        sa.PrimaryKeyConstraint("org_id", "series", "year", name=op.f("pk_doc_counters")),
    )
    h.create_org_table(
        "documents",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("series", sa.String(10), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.BigInteger, nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        h.ref("documents", "donation_id", "donations", nullable=True),
        h.ref("documents", "replaces_id", "documents", nullable=True),
        sa.Column("verify_code", sa.String(32), nullable=False),
        *h.stamp("created"),
        sa.CheckConstraint("number > 0", name=op.f("ck_documents_positive")),
        sa.CheckConstraint("kind IN ('receipt','voucher','decision')", name=op.f("ck_documents_kind")),
        sa.UniqueConstraint("org_id", "series", "year", "number", name="uq_documents_number"),
        sa.UniqueConstraint("verify_code", name=op.f("uq_documents_verify_code")),
    )
    op.create_index(op.f("ix_documents_donation_id"), "documents", ["donation_id"])
    op.create_index("uq_documents_replaces_id", "documents", ["replaces_id"], unique=True,
                    postgresql_where=sa.text("replaces_id IS NOT NULL"), sqlite_where=sa.text("replaces_id IS NOT NULL"))
    op.create_table(
        "document_voids",
        h.ref("document_voids", "document_id", "documents"),
        sa.Column("reason", sa.String(1000), nullable=False),
        *h.stamp("voided"),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_voids")),
    )
    op.create_table(
        "document_prints",
        h.ref("document_prints", "org_id", "organizations"),
        sa.Column("subject", sa.String(40), nullable=False),
        sa.Column("variant", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("printed_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("subject", "variant", name=op.f("pk_document_prints")),
    )
    h.create_org_table(
        "gold_book_entries",
        h.ref("gold_book_entries", "donation_id", "donations"),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=True),
        sa.Column("item", sa.String(600), nullable=True),
        sa.Column("fund_id", h.Id, nullable=False),
        h.ref("gold_book_entries", "campaign_id", "campaigns", nullable=True),
        sa.Column("message", sa.String(1000), nullable=False, server_default=""),
        sa.Column("requested", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("donation_id", name=op.f("uq_gold_book_entries_donation_id")),
    )
    op.create_index("ix_gold_book_entries_org_date", "gold_book_entries", ["org_id", "date"])
    h.create_org_table(
        "print_jobs",
        sa.Column("kind", sa.String(20), nullable=False),
        h.ref("print_jobs", "campaign_id", "campaigns", nullable=True),
        sa.Column("year", sa.Integer, nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("pages", sa.Integer, nullable=True),
        sa.Column("path", sa.String(500), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        *h.stamp("created"),
        sa.Column("finished_at", sa.String(40), nullable=True),
        sa.CheckConstraint("state IN ('queued','running','done','failed')", name=op.f("ck_print_jobs_state")),
        sa.CheckConstraint("kind IN ('receipt','letter','certificate')", name=op.f("ck_print_jobs_kind")),
    )
    _backfill(dialect)
    h.guards(dbguards.document_statements)


def _backfill(dialect: str) -> None:
    """Books kept before receipts existed: every standing gift of money or goods gets a receipt, numbered
    per organization and year in the order of the gifts' dates; every standing gift of a donor who agreed
    to be listed stays in the public gold book, as the page showed it before."""
    from ledger.clock import now_iso

    pg = dialect == "postgresql"
    year = "CAST(EXTRACT(YEAR FROM d.date) AS INTEGER)" if pg else "CAST(strftime('%Y', d.date) AS INTEGER)"
    code = "substr(replace(CAST(gen_random_uuid() AS TEXT), '-', ''), 1, 20)" if pg else "lower(hex(randomblob(10)))"
    standing = "NOT EXISTS (SELECT 1 FROM transactions t WHERE t.reverses_id = d.tx_id)"
    now = now_iso()
    op.execute(sa.text(
        f"INSERT INTO documents (org_id, kind, series, year, number, date, donation_id, verify_code, created_by, "
        f"created_at) SELECT d.org_id, 'receipt', 'BN', {year}, "
        f"row_number() OVER (PARTITION BY d.org_id, {year} ORDER BY d.date, d.id), d.date, d.id, {code}, "
        f"'migration 0005', :now FROM donations d "
        f"WHERE d.kind IN ('cash', 'transfer', 'in_kind', 'pledge_payment') AND {standing}").bindparams(now=now))
    op.execute("INSERT INTO doc_counters (org_id, series, year, last_number) "
               "SELECT org_id, series, year, max(number) FROM documents GROUP BY org_id, series, year")
    op.execute(sa.text(
        "INSERT INTO gold_book_entries (org_id, donation_id, date, name, amount, item, fund_id, campaign_id, message, "
        "requested, created_at) SELECT d.org_id, d.id, d.date, "
        "CASE WHEN n.anonymous THEN :anonymous WHEN n.display_name <> '' THEN n.display_name ELSE n.name END, "
        "CASE WHEN n.hide_amount THEN NULL ELSE d.amount END, "
        "CASE WHEN d.kind = 'in_kind' THEN d.item_description || ' (' || d.item_quantity || ' ' || d.item_unit "
        "|| ')' END, d.fund_id, d.campaign_id, d.message, :no, :now "
        f"FROM donations d JOIN donors n ON n.id = d.donor_id WHERE d.kind <> 'pledge_payment' AND n.listed = :yes "
        f"AND {standing} ORDER BY d.date, d.id").bindparams(anonymous="Nhà hảo tâm", no=False, yes=True, now=now))


def downgrade() -> None:
    h.drop_tables("print_jobs", "gold_book_entries", "document_prints", "document_voids", "documents", "doc_counters",
                  guards=dbguards.document_drop_statements)
    # plain DROP COLUMN (SQLite ≥ 3.35 too): batch mode would copy both tables and lose their triggers
    op.execute("ALTER TABLE donations DROP COLUMN gold_book")
    for c in ("treasurer_name", "signatory_name", "signatory_title", "gold_book_threshold"):
        op.execute(f"ALTER TABLE organizations DROP COLUMN {c}")
