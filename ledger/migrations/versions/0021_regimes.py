"""The legal regimes as dated settings, and an organization's legal form.

* ``regimes``: one row per regime and legal form (``association_fund``: an association's own fund, the
  default; ``social_fund``: a licensed social or charity fund), in force from a day to a day (or until a later
  regime of the same form takes over): its citation, the management-cost cap by right and at most by the
  council's decision, what is disclosed each quarter and each year and before which day of the next year,
  and what the fund's money may never be used for. Seeded here with Decree 93/2019/NĐ-CP as amended by
  Decree 136/2024/NĐ-CP (until 28/02/2026) and Decree 03/2026/NĐ-CP of 09/01/2026 (from 01/03/2026, which
  asks for the year's receipts and the results of their use to be published before 31 March); an
  administrator adds later ones (``quy regime add``, the API).
* ``organizations.legal_form`` (``association_fund`` by default) chooses the organization's rows.
* ``organizations.management_cap_own``: the council chose ``management_cap_pct`` (with its decision above
  the regime's default); otherwise the default of the regime in force applies. A cap set before this
  revision other than 5 %, or with a decision named, was chosen.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

from ledger.migrations import helpers as h

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FORMS = "legal_form IN ('association_fund','social_fund')"
#: When the seeded rows were written: the revision's day, the same in every database (a fixed value, so that a
#: migrated schema and one replayed from the captured statements hold the same rows).
SEEDED_AT = "2026-12-07T00:00:00.000000Z"

ND93 = dict(
    code="ND93-2019",
    name="Nghị định 93/2019/NĐ-CP (sửa đổi bởi Nghị định 136/2024/NĐ-CP)",
    citation="Nghị định số 93/2019/NĐ-CP ngày 25/11/2019 của Chính phủ về tổ chức, hoạt động của quỹ xã hội, "
             "quỹ từ thiện, được sửa đổi, bổ sung bởi Nghị định số 136/2024/NĐ-CP của Chính phủ",
    effective_from=date(2020, 1, 15), effective_to=date(2026, 2, 28),
    cap_default_pct=5, cap_max_pct=10,
    quarterly_disclosure="Công khai hằng quý các khoản đóng góp, tài trợ đã tiếp nhận (tên tổ chức, cá nhân, "
                         "số tiền) và các khoản thu, chi của quỹ.",
    yearly_disclosure="Công khai hằng năm các khoản đóng góp đã tiếp nhận, thu, chi và số dư của quỹ.",
    deadline_month=None, deadline_day=None,
    forbidden="Cho vay tiền, tài sản của quỹ\n"
              "Sử dụng tiền, tài sản của quỹ trái với tôn chỉ, mục đích của quỹ hoặc yêu cầu của người đóng góp\n"
              "Phân chia tài sản, số dư của quỹ cho các thành viên",
)
ND03 = dict(
    code="ND03-2026",
    name="Nghị định 03/2026/NĐ-CP",
    citation="Nghị định số 03/2026/NĐ-CP ngày 09/01/2026 của Chính phủ quy định về tổ chức, hoạt động của quỹ xã "
             "hội, quỹ từ thiện (thay thế Nghị định số 93/2019/NĐ-CP)",
    effective_from=date(2026, 3, 1), effective_to=None,
    cap_default_pct=5, cap_max_pct=10,
    quarterly_disclosure="Công khai hằng quý các khoản thu, chi của quỹ.",
    yearly_disclosure="Công khai hằng năm trên phương tiện thông tin đại chúng các khoản đóng góp, tài sản đã "
                      "tiếp nhận và kết quả sử dụng (đầu vào và đầu ra): số đã thu, số đã chi, cho ai, bao nhiêu.",
    deadline_month=3, deadline_day=31,
    forbidden="Cho vay tiền, tài sản của quỹ\n"
              "Sử dụng tiền, tài sản của quỹ trái với tôn chỉ, mục đích, phạm vi hoạt động theo điều lệ hoặc "
              "yêu cầu của người đóng góp\n"
              "Phân chia tài sản, số dư của quỹ cho các thành viên",
)


def upgrade() -> None:
    false = "0" if h.dialect() == "sqlite" else "false"
    # plain ADD COLUMN on both (SQLite's batch mode would copy the table and lose its triggers)
    op.execute(f"ALTER TABLE organizations ADD COLUMN management_cap_own BOOLEAN DEFAULT {false} NOT NULL")
    op.execute("ALTER TABLE organizations ADD COLUMN legal_form VARCHAR(20) DEFAULT 'association_fund' NOT NULL "
               f"CONSTRAINT ck_organizations_legal_form CHECK ({FORMS})")
    op.execute("UPDATE organizations SET management_cap_own = "
               f"{'1' if false == '0' else 'true'} WHERE management_cap_pct <> 5 OR management_cap_decision <> ''")
    h.create_entity_table(
        "regimes",
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("legal_form", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("citation", sa.Text, nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date, nullable=True),
        sa.Column("cap_default_pct", sa.Integer, nullable=False),
        sa.Column("cap_max_pct", sa.Integer, nullable=False),
        sa.Column("quarterly_disclosure", sa.Text, nullable=False, server_default=""),
        sa.Column("yearly_disclosure", sa.Text, nullable=False, server_default=""),
        sa.Column("deadline_month", sa.Integer, nullable=True),
        sa.Column("deadline_day", sa.Integer, nullable=True),
        sa.Column("forbidden", sa.Text, nullable=False, server_default=""),
        *h.stamp("created"),
        sa.UniqueConstraint("code", "legal_form", name=op.f("uq_regimes_code_legal_form")),
        sa.CheckConstraint(FORMS, name=op.f("ck_regimes_legal_form")),
        sa.CheckConstraint("cap_default_pct BETWEEN 0 AND cap_max_pct AND cap_max_pct <= 100",
                           name=op.f("ck_regimes_cap")),
        sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name=op.f("ck_regimes_dates")),
        sa.CheckConstraint("(deadline_month IS NULL) = (deadline_day IS NULL)", name=op.f("ck_regimes_deadline")),
    )
    table = sa.table("regimes", *(sa.column(c) for c in (*ND93, "legal_form", "created_by", "created_at")))
    for regime in (ND93, ND03):
        for form in ("association_fund", "social_fund"):  # one row each, so that either may be changed alone
            op.execute(table.insert().values(**regime, legal_form=form, created_by="migration 0021", created_at=SEEDED_AT))


def downgrade() -> None:
    op.drop_table("regimes")
    op.drop_column("organizations", "legal_form")
    op.drop_column("organizations", "management_cap_own")
