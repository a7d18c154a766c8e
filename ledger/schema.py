"""The database tables of the ledger, as SQLAlchemy Core metadata (Alembic migrations mirror it).

Money columns are ``BIGINT`` đồng. The journal (``transactions``, ``postings``) is append-only and
balanced per fund; the database itself enforces that with the triggers in ``ledger/journal/guards.py``.
Postings are written *before* their transaction row: their foreign key to it is deferred, and the
transaction row's insert is where the database checks the whole set.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: Integer primary keys: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Money = sa.BigInteger


def _id() -> sa.Column:
    return sa.Column("id", Id, primary_key=True, autoincrement=True)


def _ref(name: str, table: str, **kw) -> sa.Column:
    """A reference to a row of ``table`` by its id."""
    return sa.Column(name, Id, sa.ForeignKey(f"{table}.id"), **kw)


def _org() -> sa.Column:
    """The organization a row belongs to."""
    return _ref("org_id", "organizations", nullable=False)


def _who(name: str) -> sa.Column:
    """Who did it: the acting user's name, as the domain functions record it."""
    return sa.Column(name, sa.String(120), nullable=False)


def _when(name: str, *, nullable: bool = False) -> sa.Column:
    """When: an ISO 8601 moment as text (``ledger/clock.py``)."""
    return sa.Column(name, sa.String(40), nullable=nullable)


def _stamp(verb: str) -> tuple[sa.Column, sa.Column]:
    """Who did ``verb`` the row and when: ``<verb>_by``, ``<verb>_at``."""
    return _who(f"{verb}_by"), _when(f"{verb}_at")


organizations = sa.Table(
    "organizations",
    metadata,
    _id(),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("level", sa.String(20), nullable=False),
    _ref("parent_id", "organizations", nullable=True, index=True),
    sa.Column("address", sa.String(500), nullable=False, server_default=""),
    sa.Column("lock_date", sa.Date, nullable=True),
    _when("created_at"),
    # documents: a gift at or above this many đồng goes into the gold book (none: only on request);
    # who signs receipts and letters for the organization
    sa.Column("gold_book_threshold", Money, nullable=True),
    sa.Column("signatory_title", sa.String(200), nullable=False, server_default=""),
    sa.Column("signatory_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("treasurer_name", sa.String(200), nullable=False, server_default=""),
    # dissolved into a successor: its books are closed (locked for good) and stay readable
    sa.Column("dissolved_on", sa.Date, nullable=True),
    _ref("successor_id", "organizations", nullable=True),
    # management costs may take this many percent of the year's income (Decree 93/2019: 5, up to 10 by
    # the council's decision, which is named)
    sa.Column("management_cap_pct", sa.Integer, nullable=False, server_default="5"),
    sa.Column("management_cap_decision", sa.String(200), nullable=False, server_default=""),
    # the council chose the cap above (revision 0021); otherwise the default of the regime in force applies
    sa.Column("management_cap_own", sa.Boolean, nullable=False, server_default=sa.false()),
    # an association's own fund or a licensed social/charity fund: the rules (``regimes``) differ
    sa.Column("legal_form", sa.String(20), nullable=False, server_default="association_fund"),
    # a unit that reports period totals (``reported_totals``) instead of keeping books in Quỹ, and the first day
    # it keeps books in Quỹ (none: it keeps none); revision 0027, ``ledger/reported.py``
    sa.Column("reports_totals", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("books_from", sa.Date, nullable=True),
    sa.CheckConstraint("level IN ('province','district','commune','unit')", name="level"),
    sa.CheckConstraint("management_cap_pct BETWEEN 0 AND 10", name="management_cap"),
    sa.CheckConstraint("legal_form IN ('association_fund','social_fund')", name="legal_form"),
)

#: The legal regimes as dated settings (revision 0021 seeds Decree 93/2019 as amended by 136/2024 and Decree
#: 03/2026): for a legal form, from a day (to a day, or until a later regime takes over), what the rules ask —
#: the management-cost cap (by right, and at most by the council's decision), what is disclosed each quarter
#: and each year and by when, and what the fund's money may never be used for (one use a line).
regimes = sa.Table(
    "regimes",
    metadata,
    _id(),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("legal_form", sa.String(20), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),  # as cited: "Theo <name>"
    sa.Column("citation", sa.Text, nullable=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("effective_to", sa.Date, nullable=True),
    sa.Column("cap_default_pct", sa.Integer, nullable=False),
    sa.Column("cap_max_pct", sa.Integer, nullable=False),
    sa.Column("quarterly_disclosure", sa.Text, nullable=False, server_default=""),
    sa.Column("yearly_disclosure", sa.Text, nullable=False, server_default=""),
    # the year's disclosure is published before this day of the next year (none: the regime names no day)
    sa.Column("deadline_month", sa.Integer, nullable=True),
    sa.Column("deadline_day", sa.Integer, nullable=True),
    sa.Column("forbidden", sa.Text, nullable=False, server_default=""),
    *_stamp("created"),
    sa.UniqueConstraint("code", "legal_form", name="uq_regimes_code_legal_form"),
    sa.CheckConstraint("legal_form IN ('association_fund','social_fund')", name="legal_form"),
    sa.CheckConstraint("cap_default_pct BETWEEN 0 AND cap_max_pct AND cap_max_pct <= 100", name="cap"),
    sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="dates"),
    sa.CheckConstraint("(deadline_month IS NULL) = (deadline_day IS NULL)", name="deadline"),
)

accounts = sa.Table(
    "accounts",
    metadata,
    _id(),
    _org(),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("role", sa.String(40), nullable=True),
    _ref("parent_id", "accounts", nullable=True),
    sa.Column("bank_name", sa.String(200), nullable=True),
    sa.Column("bank_bin", sa.String(20), nullable=True),
    sa.Column("bank_account_no", sa.String(40), nullable=True),
    # a bank account's fund for lines booked without one (suspense, a donor's transfer): revision 0016
    _ref("default_fund_id", "funds", nullable=True),
    sa.UniqueConstraint("org_id", "code", name="uq_accounts_org_code"),
    sa.Index("ix_accounts_org_parent", "org_id", "parent_id"),  # revision 0032: an account's sub-accounts
    sa.CheckConstraint(
        "kind IN ('asset','liability','equity','income','expense')", name="kind"
    ),
)

funds = sa.Table(
    "funds",
    metadata,
    _id(),
    _org(),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("purpose", sa.String(1000), nullable=False, server_default=""),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("may_pay_management", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("has_principal", sa.Boolean, nullable=False, server_default=sa.false()),
    _when("created_at"),
    # approvals a batch drawing on this fund needs; NULL: a majority of the organization's council
    sa.Column("quorum", sa.Integer, nullable=True),
    sa.UniqueConstraint("org_id", "code", name="uq_funds_org_code"),
    sa.CheckConstraint("kind IN ('general','scholarship','earmarked')", name="kind"),
)

#: A fund's names through time (revision 0024): a rename is a row with the day it takes effect and the decision
#: behind it; the first rename also keeps the name the fund had before (``valid_from`` NULL: since it was made).
#: ``funds.name`` is the name in force today; a statement of a past period reads the name of its last day.
fund_names = sa.Table(
    "fund_names",
    metadata,
    _id(),
    _org(),
    _ref("fund_id", "funds", nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=True),
    sa.Column("decision", sa.String(500), nullable=False, server_default=""),
    *_stamp("created"),
    sa.Index("ix_fund_names_fund", "org_id", "fund_id", "valid_from"),
)

transactions = sa.Table(
    "transactions",
    metadata,
    _id(),
    _org(),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("doc_ref", sa.String(80), nullable=False, server_default=""),
    sa.Column("description", sa.String(1000), nullable=False, server_default=""),
    sa.Column("source", sa.String(80), nullable=False),
    *_stamp("created"),
    _ref("reverses_id", "transactions", nullable=True),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.UniqueConstraint("org_id", "seq", name="uq_transactions_org_seq"),
    sa.Index("ix_transactions_org_date", "org_id", "date"),
    # a transaction is reversed at most once (partial: most transactions reverse nothing)
    sa.Index("uq_transactions_reverses_id", "reverses_id", unique=True,
             postgresql_where=sa.text("reverses_id IS NOT NULL"),
             sqlite_where=sa.text("reverses_id IS NOT NULL")),
)

postings = sa.Table(
    "postings",
    metadata,
    _id(),
    sa.Column(
        "tx_id",
        Id,
        sa.ForeignKey("transactions.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
        index=True,
    ),
    # No foreign keys on these three: the check on the transaction row's insert (ledger/journal/guards.py)
    # refuses a posting whose account or fund is missing or of another organization, in one
    # set-based pass, and organizations, accounts and funds can never be deleted. Row-by-row foreign
    # key checks cost PostgreSQL a third of a large import.
    sa.Column("org_id", Id, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("account_id", Id, nullable=False),
    sa.Column("fund_id", Id, nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.CheckConstraint("amount <> 0", name="nonzero"),
    # one account's postings, found without reading every organization's (revision 0032)
    sa.Index("ix_postings_org_account_date", "org_id", "account_id", "date"),
)

#: Cached balance per (account, fund): always equal to the sum of that pair's postings.
balances = sa.Table(
    "balances",
    metadata,
    _ref("account_id", "accounts", primary_key=True),
    _ref("fund_id", "funds", primary_key=True),
    _ref("org_id", "organizations", nullable=False, index=True),
    sa.Column("amount", Money, nullable=False),
)

#: What each month's (``month_sums``) and each day's (``day_sums``) postings moved, per account and fund (revision
#: 0030), kept in the same unit of work as the postings and the cached balances: a balance as of any past date is
#: the cached one less the later months' sums less the later days' of its own month, and a period's movements read
#: whole months and the days its ends cut from a month — never the postings. Caches like ``balances``: ``quy
#: verify`` checks them against the postings, ``quy sums rebuild`` makes them again.
month_sums = sa.Table(
    "month_sums",
    metadata,
    _ref("org_id", "organizations", primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),  # its first day
    _ref("account_id", "accounts", primary_key=True),
    _ref("fund_id", "funds", primary_key=True),
    sa.Column("amount", Money, nullable=False),  # signed, as ledger/money.py signs it
    sa.Column("debit", Money, nullable=False),  # the positive amounts
    sa.Column("credit", Money, nullable=False),  # the negative ones, as a positive number
)

day_sums = sa.Table(
    "day_sums",
    metadata,
    _ref("org_id", "organizations", primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    _ref("account_id", "accounts", primary_key=True),
    _ref("fund_id", "funds", primary_key=True),
    sa.Column("amount", Money, nullable=False),
    sa.Column("debit", Money, nullable=False),
    sa.Column("credit", Money, nullable=False),
)

#: The dashboard's sums as of a chain head (revision 0031): gifts and reversals per day and kind, each campaign's
#: gifts (``ledger/gift_sums.py``), as JSON. A cache of the donations, not books: it counts only while the
#: transaction at ``seq`` still has ``hash`` (books restored or replaced are summed afresh), a new process reads it
#: and adds the transactions after ``seq``, and ``quy verify`` checks it against the donations.
dashboard_sums = sa.Table(
    "dashboard_sums",
    metadata,
    _ref("org_id", "organizations", primary_key=True),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("sums", sa.Text, nullable=False),
)

#: The head of each organization's hash chain: last sequence number and digest.
chain_heads = sa.Table(
    "chain_heads",
    metadata,
    _ref("org_id", "organizations", primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("last_hash", sa.String(64), nullable=False),
)

donors = sa.Table(
    "donors",
    metadata,
    _id(),
    _org(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("match_key", sa.String(300), nullable=False),
    sa.Column("loose_key", sa.String(300), nullable=False),
    sa.Column("address", sa.String(500), nullable=False, server_default=""),
    sa.Column("phone", sa.String(40), nullable=False, server_default=""),
    sa.Column("email", sa.String(200), nullable=False, server_default=""),
    sa.Column("anonymous", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("display_name", sa.String(300), nullable=False, server_default=""),
    _when("created_at"),
    # the donor agreed to be named in the public gold book; and whether to show their amounts there
    sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("hide_amount", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.CheckConstraint("kind IN ('person','organization')", name="kind"),
    sa.Index("ix_donors_org_match", "org_id", "match_key"),
    sa.Index("ix_donors_org_loose", "org_id", "loose_key"),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    _id(),
    _org(),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    _ref("fund_id", "funds", nullable=True),
    sa.Column("start_date", sa.Date, nullable=True),
    sa.Column("end_date", sa.Date, nullable=True),
    sa.UniqueConstraint("org_id", "code", name="uq_campaigns_org_code"),
)

donations = sa.Table(
    "donations",
    metadata,
    _id(),
    # org, fund and asset account repeat what the donation's transaction (tx_id) already fixes in the
    # journal, where the database checks them; organizations, accounts and funds are never deleted.
    sa.Column("org_id", Id, nullable=False),
    _ref("tx_id", "transactions", nullable=False, unique=True),
    _ref("donor_id", "donors", nullable=False, index=True),
    sa.Column("fund_id", Id, nullable=False),
    _ref("campaign_id", "campaigns", nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("asset_account_id", Id, nullable=False),
    sa.Column("to_principal", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("earmark", sa.String(500), nullable=True),
    sa.Column("item_description", sa.String(500), nullable=True),
    sa.Column("item_quantity", sa.BigInteger, nullable=True),
    sa.Column("item_unit", sa.String(40), nullable=True),
    sa.Column("fx_amount", sa.BigInteger, nullable=True),
    sa.Column("fx_currency", sa.String(3), nullable=True),
    _ref("pledge_id", "donations", nullable=True),
    sa.Column("reference", sa.String(120), nullable=False, server_default=""),
    sa.Column("message", sa.String(1000), nullable=False, server_default=""),
    *_stamp("created"),
    # the gold book: True on the donor's request, False declined, None by the organization's threshold
    sa.Column("gold_book", sa.Boolean, nullable=True),
    sa.CheckConstraint("amount > 0", name="positive"),
    sa.CheckConstraint(
        "kind IN ('cash','transfer','in_kind','pledge','pledge_payment')", name="kind"
    ),
    sa.Index("ix_donations_org_date", "org_id", "date"),
    sa.Index("ix_donations_org_kind_date", "org_id", "kind", "date"),
    sa.Index("ix_donations_pledge_id", "pledge_id", postgresql_where=sa.text("pledge_id IS NOT NULL"),
             sqlite_where=sa.text("pledge_id IS NOT NULL")),
)

# ------------------------------------------------------------------ numbered documents and the gold book

#: The last number given in each series (organization, series letters, year): bumped in the same unit of
#: work as the document it numbers, so a rollback takes the number back and nothing is ever skipped.
doc_counters = sa.Table(
    "doc_counters",
    metadata,
    _ref("org_id", "organizations", primary_key=True),
    sa.Column("series", sa.String(10), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_number", sa.BigInteger, nullable=False),
    sa.CheckConstraint("last_number >= 0", name="nonnegative"),
)

#: Numbered documents (receipts "BN", payment vouchers "PC", decisions "QD"): append-only, and gapless
#: per series and year in the database itself (``ledger/journal/guards.py``). A void is a row of
#: ``document_voids``; a replacement is a new document whose ``replaces_id`` names the voided one.
documents = sa.Table(
    "documents",
    metadata,
    _id(),
    _org(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("series", sa.String(10), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.BigInteger, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    _ref("donation_id", "donations", nullable=True, index=True),
    _ref("replaces_id", "documents", nullable=True),
    sa.Column("verify_code", sa.String(32), nullable=False, unique=True),
    *_stamp("created"),
    sa.UniqueConstraint("org_id", "series", "year", "number", name="uq_documents_number"),
    sa.CheckConstraint("number > 0", name="positive"),
    sa.CheckConstraint("kind IN ('receipt','voucher','decision')", name="kind"),
    # a document is replaced at most once
    sa.Index("uq_documents_replaces_id", "replaces_id", unique=True,
             postgresql_where=sa.text("replaces_id IS NOT NULL"), sqlite_where=sa.text("replaces_id IS NOT NULL")),
)

#: A document voided, with the reason: it keeps its number and prints "ĐÃ HỦY". Once per document.
document_voids = sa.Table(
    "document_voids",
    metadata,
    _ref("document_id", "documents", primary_key=True),
    sa.Column("reason", sa.String(1000), nullable=False),
    *_stamp("voided"),
)

#: The sha256 of each document as first printed (per variant: the receipt, the voided receipt, the
#: thank-you letter, the honour certificate), so that a reprint is provably the same document.
document_prints = sa.Table(
    "document_prints",
    metadata,
    _org(),
    sa.Column("subject", sa.String(40), primary_key=True),  # "receipt:12", "letter:12", "certificate:3"
    sa.Column("variant", sa.String(20), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    _when("printed_at"),
    # what the first print says (receipts/canonical.py) and its sha256; NULL for prints made before 0020
    sa.Column("canonical_sha256", sa.String(64), nullable=True),
    sa.Column("canonical", sa.Text, nullable=True),
)

#: The gold book ("Sổ vàng khuyến học"): the honour roll, one entry per honoured gift, as the donor
#: agreed to appear (the name shown, the amount unless hidden) when the gift was recorded. Append-only.
gold_book_entries = sa.Table(
    "gold_book_entries",
    metadata,
    _id(),
    _org(),
    _ref("donation_id", "donations", nullable=False, unique=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("amount", Money, nullable=True),  # None: the donor asked to hide it
    sa.Column("item", sa.String(600), nullable=True),
    sa.Column("fund_id", Id, nullable=False),
    _ref("campaign_id", "campaigns", nullable=True),
    sa.Column("message", sa.String(1000), nullable=False, server_default=""),
    sa.Column("requested", sa.Boolean, nullable=False),
    _when("created_at"),
    sa.Index("ix_gold_book_entries_org_date", "org_id", "date"),
)

#: Batch printing jobs started from the web: progress that every worker process can read.
print_jobs = sa.Table(
    "print_jobs",
    metadata,
    _id(),
    _org(),
    sa.Column("kind", sa.String(20), nullable=False),
    _ref("campaign_id", "campaigns", nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("pages", sa.Integer, nullable=True),
    sa.Column("path", sa.String(500), nullable=True),
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("error", sa.String(1000), nullable=True),
    *_stamp("created"),
    _when("finished_at", nullable=True),
    _when("heartbeat_at", nullable=True),  # written while its worker lives
    sa.CheckConstraint("state IN ('queued','running','done','failed')", name="state"),
    sa.CheckConstraint("kind IN ('receipt','letter','certificate')", name="kind"),
)

# ------------------------------------------------------------------ term deposits

#: A term deposit (tiền gửi có kỳ hạn): its own sub-account of 121 holds the principal, per owning fund
#: (the funds' shares are that account's balances). Never changed; what happens to it is an event.
deposits = sa.Table(
    "deposits",
    metadata,
    _id(),
    _org(),
    _ref("account_id", "accounts", nullable=False, unique=True),
    _ref("bank_account_id", "accounts", nullable=False),
    sa.Column("contract_no", sa.String(60), nullable=False),
    sa.Column("principal", Money, nullable=False),
    sa.Column("rate_ppm", sa.Integer, nullable=False),
    sa.Column("demand_rate_ppm", sa.Integer, nullable=False, server_default="1000"),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("maturity", sa.Date, nullable=False),
    sa.Column("term_months", sa.Integer, nullable=True),
    sa.Column("term_days", sa.Integer, nullable=True),
    sa.Column("pays", sa.String(20), nullable=False),
    sa.Column("rollover", sa.String(30), nullable=False),
    _ref("rolled_from_id", "deposits", nullable=True),
    *_stamp("created"),
    # a deposit already running when the organization's books came into Quỹ: the opening's date; its accruals
    # and monthly payments up to that day are history (brought in by the opening, never booked again)
    sa.Column("brought_in_on", sa.Date, nullable=True),
    sa.UniqueConstraint("org_id", "contract_no", name="uq_deposits_org_contract"),
    sa.CheckConstraint("principal > 0", name="positive"),
    sa.CheckConstraint("rate_ppm > 0 AND rate_ppm <= 1000000", name="rate"),
    sa.CheckConstraint("demand_rate_ppm >= 0 AND demand_rate_ppm <= 1000000", name="demand_rate"),
    sa.CheckConstraint("maturity > start", name="term"),
    sa.CheckConstraint("pays IN ('maturity','monthly')", name="pays"),
    sa.CheckConstraint("rollover IN ('none','principal','principal_interest')", name="rollover"),
)

#: What happened to a deposit, each with the transaction that booked it: a month-end accrual, a monthly
#: interest payment, the settlement at maturity, and the adjustment to the bank's own figure (signed).
#: One of a kind per deposit and day, so that running the month-end job again (or after it was killed)
#: books nothing twice. Append-only.
deposit_events = sa.Table(
    "deposit_events",
    metadata,
    _id(),
    _ref("deposit_id", "deposits", nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("amount", Money, nullable=False),
    _ref("tx_id", "transactions", nullable=True),
    _when("created_at"),
    sa.UniqueConstraint("deposit_id", "kind", "on", name="uq_deposit_events_once"),
    sa.CheckConstraint("kind IN ('accrual','payment','settlement','adjustment','withdrawal','reversal')", name="kind"),
    sa.CheckConstraint("amount >= 0 OR kind = 'adjustment'", name="nonnegative"),
)

#: A council decision moving a fund's protected principal (3531): releasing part of it to the spendable
#: balance, or raising it from the spendable balance. Append-only; the posting is ``tx_id``.
principal_decisions = sa.Table(
    "principal_decisions",
    metadata,
    _id(),
    _org(),
    _ref("fund_id", "funds", nullable=False),
    sa.Column("number", sa.String(60), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("reason", sa.String(1000), nullable=False),
    _ref("tx_id", "transactions", nullable=False),
    *_stamp("recorded"),
    sa.UniqueConstraint("org_id", "number", name="uq_principal_decisions_org_number"),
    sa.CheckConstraint("amount > 0", name="positive"),
    sa.CheckConstraint("direction IN ('release','raise')", name="direction"),
)

# ------------------------------------------------------------------ disbursements

#: A student or other honouree. Personal data: never on a public page or in a public export.
recipients = sa.Table(
    "recipients",
    metadata,
    _id(),
    _org(),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("match_key", sa.String(200), nullable=False, index=True),
    sa.Column("birth_date", sa.Date, nullable=True),
    sa.Column("gender", sa.String(10), nullable=False, server_default=""),
    sa.Column("school", sa.String(200), nullable=False, server_default=""),
    sa.Column("grade", sa.String(20), nullable=False, server_default=""),
    sa.Column("commune", sa.String(200), nullable=False, server_default=""),
    sa.Column("guardian", sa.String(200), nullable=False, server_default=""),
    sa.Column("phone", sa.String(40), nullable=False, server_default=""),
    sa.Column("bank_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("bank_account_no", sa.String(40), nullable=False, server_default=""),
    sa.Column("categories", sa.String(300), nullable=False, server_default=""),
    *_stamp("created"),
)

#: A named award programme and the funds it may draw from (``program_funds``).
programs = sa.Table(
    "programs",
    metadata,
    _id(),
    _org(),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("default_amount", Money, nullable=True),
    sa.Column("categories", sa.String(300), nullable=False, server_default=""),
    _when("created_at"),
    sa.UniqueConstraint("org_id", "code", name="uq_programs_org_code"),
    sa.CheckConstraint("default_amount IS NULL OR default_amount > 0", name="positive"),
)

program_funds = sa.Table(
    "program_funds",
    metadata,
    _ref("program_id", "programs", primary_key=True),
    _ref("fund_id", "funds", primary_key=True),
)

#: A list of awards the council approves together: draft → submitted → approved → closed (a rejection
#: returns it to draft; ``round`` counts submissions). Approval numbers the decision and books the awards.
batches = sa.Table(
    "batches",
    metadata,
    _id(),
    _org(),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("round", sa.Integer, nullable=False, server_default="0"),
    _who("prepared_by"),
    _when("created_at"),
    _when("submitted_at", nullable=True),
    sa.Column("reject_reason", sa.String(1000), nullable=False, server_default=""),
    _ref("decision_doc_id", "documents", nullable=True),
    sa.Column("approved_on", sa.Date, nullable=True),
    _ref("approved_tx_id", "transactions", nullable=True),
    sa.CheckConstraint("state IN ('draft','submitted','approved','closed')", name="state"),
    sa.CheckConstraint("state IN ('draft','submitted') OR decision_doc_id IS NOT NULL",
                       name="approved_has_decision"),
)

#: A stipend commitment (hỗ trợ hằng tháng): ``monthly_amount`` to a recipient from ``first_month`` through
#: ``last_month`` (first days of months); ``state`` active, suspended or ended. Its history is
#: ``commitment_events`` (append-only); a handover ends it and opens another (``handed_from_id``).
commitments = sa.Table(
    "commitments",
    metadata,
    _id(),
    _org(),
    _ref("recipient_id", "recipients", nullable=False),
    _ref("program_id", "programs", nullable=False),
    _ref("fund_id", "funds", nullable=False),
    sa.Column("monthly_amount", Money, nullable=False),
    sa.Column("first_month", sa.Date, nullable=False),
    sa.Column("last_month", sa.Date, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    _ref("handed_from_id", "commitments", nullable=True),
    *_stamp("created"),
    # the last month paid outside Quỹ, before its books came in (first day of the month): never put in a batch
    sa.Column("paid_through", sa.Date, nullable=True),
    sa.CheckConstraint("monthly_amount > 0", name="positive"),
    sa.CheckConstraint("last_month >= first_month", name="months"),
    sa.CheckConstraint("state IN ('active','suspended','ended')", name="state"),
)

commitment_events = sa.Table(
    "commitment_events",
    metadata,
    _id(),
    _ref("commitment_id", "commitments", nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("note", sa.String(500), nullable=False, server_default=""),
    _who("by"),
    _when("at"),
    sa.CheckConstraint("kind IN ('start','suspend','resume','end','handover')", name="kind"),
)

#: One award of a batch: to a recipient, under a program, from a fund; money or an item with its value.
batch_lines = sa.Table(
    "batch_lines",
    metadata,
    _id(),
    _ref("batch_id", "batches", nullable=False, index=True),
    sa.Column("line_no", sa.Integer, nullable=False),
    _ref("recipient_id", "recipients", nullable=False, index=True),
    _ref("program_id", "programs", nullable=False),
    _ref("fund_id", "funds", nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("item_description", sa.String(300), nullable=True),
    sa.Column("item_quantity", Money, nullable=True),
    _ref("earmark_donation_id", "donations", nullable=True),
    sa.Column("reason", sa.String(500), nullable=False, server_default=""),
    sa.Column("state", sa.String(20), nullable=False, server_default="open"),
    sa.Column("method", sa.String(10), nullable=True),
    sa.Column("paid_on", sa.Date, nullable=True),
    _ref("paid_tx_id", "transactions", nullable=True),
    _ref("voucher_doc_id", "documents", nullable=True),
    sa.Column("cancel_reason", sa.String(500), nullable=False, server_default=""),
    _ref("cancel_tx_id", "transactions", nullable=True),
    # a month of a stipend commitment (its first day); paid at most once (a cancelled line frees it)
    _ref("commitment_id", "commitments", nullable=True),
    sa.Column("month", sa.Date, nullable=True),
    sa.UniqueConstraint("batch_id", "line_no", name="uq_batch_lines_no"),
    sa.Index("uq_batch_lines_commitment_month", "commitment_id", "month", unique=True,
             postgresql_where=sa.text("commitment_id IS NOT NULL AND state <> 'cancelled'"),
             sqlite_where=sa.text("commitment_id IS NOT NULL AND state <> 'cancelled'")),
    sa.CheckConstraint("amount > 0", name="positive"),
    sa.CheckConstraint("state IN ('open','paid','cancelled')", name="state"),
    sa.CheckConstraint("state <> 'paid' OR (paid_tx_id IS NOT NULL AND voucher_doc_id IS NOT NULL)", name="paid"),
)

#: Each council member's vote on a batch's submission (``round``): append-only, once per member and round.
batch_votes = sa.Table(
    "batch_votes",
    metadata,
    _id(),
    _ref("batch_id", "batches", nullable=False, index=True),
    sa.Column("round", sa.Integer, nullable=False),
    _who("member"),
    sa.Column("vote", sa.String(10), nullable=False),
    sa.Column("comment", sa.String(1000), nullable=False, server_default=""),
    _when("at"),
    sa.UniqueConstraint("batch_id", "round", "member", name="uq_batch_votes_once"),
    sa.CheckConstraint("vote IN ('approve','reject')", name="vote"),
)

#: Money moved between two organizations: an entry in each journal (out of one, into the other), so a
#: consolidation over both can eliminate it. ``succession``: an organization's books handed to its successor.
org_transfers = sa.Table(
    "org_transfers",
    metadata,
    _id(),
    sa.Column("kind", sa.String(20), nullable=False),
    _ref("from_org_id", "organizations", nullable=False, index=True),
    _ref("to_org_id", "organizations", nullable=False, index=True),
    _ref("from_tx_id", "transactions", nullable=False, unique=True),
    _ref("to_tx_id", "transactions", nullable=False, unique=True),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
    *_stamp("created"),
    sa.CheckConstraint("kind IN ('transfer','succession')", name="kind"),
    sa.CheckConstraint("from_org_id <> to_org_id", name="two_orgs"),
)

#: What an imported transaction carried that Quỹ keeps nowhere else (its payee and reference metadata),
#: so that export → import → export gives the same text. Append-only, like the journal.
tx_extras = sa.Table(
    "tx_extras",
    metadata,
    _ref("tx_id", "transactions", primary_key=True),
    sa.Column("payee", sa.String(300), nullable=False, server_default=""),
    sa.Column("meta", sa.Text, nullable=False, server_default="{}"),
)

#: Opening balances (số dư đầu kỳ): the one opening entry of an organization on a date, and the entries
#: correcting it (``corrects_id``: the opening they correct, never an edit). Append-only, like the journal.
openings = sa.Table(
    "openings",
    metadata,
    _id(),
    _org(),
    sa.Column("on", sa.Date, nullable=False),
    _ref("tx_id", "transactions", nullable=False, unique=True),
    _ref("corrects_id", "openings", nullable=True),
    sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
    *_stamp("recorded"),
    # one opening entry per organization and date (its corrections are linked to it)
    sa.Index("uq_openings_org_on", "org_id", "on", unique=True,
             postgresql_where=sa.text("corrects_id IS NULL"), sqlite_where=sa.text("corrects_id IS NULL")),
)

#: Ordinary vouchers (issue 26): a cost paid from cash or a bank account (phiếu chi, ``PC``), other income
#: received (phiếu thu, ``PT``) or money moved between cash and a bank account — each one journal entry
#: (``tx_id``) and one numbered document (``document_id``). Append-only, like the journal.
vouchers = sa.Table(
    "vouchers",
    metadata,
    _id(),
    _org(),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    _ref("fund_id", "funds", nullable=False),
    # the cash or bank account the money leaves (a cost, a move) or enters (income)
    _ref("account_id", "accounts", nullable=False),
    # the cost or income account, or the cash or bank account a move goes to
    _ref("counter_account_id", "accounts", nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("memo", sa.String(500), nullable=False, server_default=""),
    _ref("tx_id", "transactions", nullable=False, unique=True),
    _ref("document_id", "documents", nullable=False, unique=True),
    *_stamp("created"),
    # who received the money a phiếu chi pays, or paid what a phiếu thu receives (revision 0025; "" unknown)
    sa.Column("person", sa.String(200), nullable=False, server_default=""),
    sa.Index("ix_vouchers_org_date", "org_id", "date"),
    sa.CheckConstraint("kind IN ('expense','income','transfer')", name="kind"),
    sa.CheckConstraint("amount > 0", name="positive"),
)

#: Money of an earmarked gift (3381) released into its fund's own money by the council's decision when its
#: purpose ended (revision 0026): append-only, like the entry it stands for.
earmark_releases = sa.Table(
    "earmark_releases",
    metadata,
    _id(),
    _org(),
    _ref("donation_id", "donations", nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("decision", sa.String(300), nullable=False),
    sa.Column("reason", sa.String(500), nullable=False, server_default=""),
    _ref("tx_id", "transactions", nullable=False, unique=True),
    *_stamp("created"),
    sa.Index("ix_earmark_releases_donation", "org_id", "donation_id"),
    sa.CheckConstraint("amount > 0", name="positive"),
)

#: Period totals a unit that keeps no books in Quỹ reports (số báo cáo), per fund: raised (of which
#: ``from_parent``, money from the organizations above it), awarded and the count of awards, the balance at
#: the period's end, and the report they come from. Append-only: a correction is a new row naming the row it
#: replaces (``corrects_id``, at most once); the rows no other row corrects are the ones that count.
reported_totals = sa.Table(
    "reported_totals",
    metadata,
    _id(),
    _org(),
    sa.Column("fund", sa.String(300), nullable=False),  # as the report names it: a code or a name
    sa.Column("fund_key", sa.String(300), nullable=False),  # ``ledger/names.py:match_key`` of it
    sa.Column("period_from", sa.Date, nullable=False),
    sa.Column("period_to", sa.Date, nullable=False),
    sa.Column("raised", Money, nullable=False),
    sa.Column("from_parent", Money, nullable=False),
    sa.Column("awarded", Money, nullable=False),
    sa.Column("awards", sa.Integer, nullable=False),
    sa.Column("balance", Money, nullable=False),
    sa.Column("source", sa.String(500), nullable=False),
    _ref("corrects_id", "reported_totals", nullable=True, unique=True),
    *_stamp("recorded"),
    sa.Index("ix_reported_totals_org_period", "org_id", "period_to"),
    sa.CheckConstraint("raised >= 0 AND from_parent >= 0 AND awarded >= 0 AND awards >= 0 AND balance >= 0",
                       name="not_negative"),
    sa.CheckConstraint("from_parent <= raised", name="from_parent"),
    sa.CheckConstraint("period_to >= period_from", name="period"),
)

#: Money sent to a unit that reports totals: the sender's entry (8118) only, since the unit keeps no books;
#: the consolidation eliminates it against what the unit reports as received from above. Append-only.
reported_transfers = sa.Table(
    "reported_transfers",
    metadata,
    _id(),
    _ref("from_org_id", "organizations", nullable=False),
    _ref("to_org_id", "organizations", nullable=False, index=True),
    _ref("from_tx_id", "transactions", nullable=False, unique=True),
    sa.Column("fund", sa.String(300), nullable=False),  # the unit's fund, as it reports it
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("reason", sa.String(1000), nullable=False, server_default=""),
    *_stamp("created"),
    sa.CheckConstraint("amount > 0", name="positive"),
    sa.CheckConstraint("from_org_id <> to_org_id", name="two_orgs"),
)

# ------------------------------------------------------------------ bank statements (sao kê ngân hàng)

#: A column-mapping profile for one bank's statement layout, added by an administrator (the built-in
#: ones are in ``ledger/bankstatements.py``): ``spec`` is its JSON.
bank_profiles = sa.Table(
    "bank_profiles",
    metadata,
    _id(),
    sa.Column("name", sa.String(60), nullable=False, unique=True),
    sa.Column("spec", sa.Text, nullable=False),
    *_stamp("created"),
)

#: One imported statement of a bank account (a sub-account of 1121): the period it covers, the
#: opening and closing balances the bank states, and the file it came from. Append-only.
bank_statements = sa.Table(
    "bank_statements",
    metadata,
    _id(),
    _org(),
    _ref("bank_account_id", "accounts", nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("opening_balance", Money, nullable=False),
    sa.Column("closing_balance", Money, nullable=False),
    sa.Column("line_count", sa.Integer, nullable=False),
    sa.Column("duplicate_count", sa.Integer, nullable=False),
    sa.Column("profile", sa.String(60), nullable=False),
    sa.Column("source_name", sa.String(300), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    *_stamp("imported"),
    sa.UniqueConstraint("bank_account_id", "sha256", name="uq_bank_statements_file"),
    sa.CheckConstraint("period_end >= period_start", name="period"),
)

#: One line of a statement: signed amount (money into the account positive, out negative — the bank
#: account's debit, see ``ledger/money.py``), the bank's reference and memo as the bank wrote them, and
#: the running balance when the bank gives one. ``dedupe_key`` (the bank's reference, else a hash of
#: date, amount, memo and running balance) is unique per bank account: a line is never imported twice.
#: Append-only.
bank_lines = sa.Table(
    "bank_lines",
    metadata,
    _id(),
    _ref("statement_id", "bank_statements", nullable=False, index=True),
    _ref("bank_account_id", "accounts", nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("bank_ref", sa.String(120), nullable=False, server_default=""),
    sa.Column("amount", Money, nullable=False),
    sa.Column("memo", sa.Text, nullable=False, server_default=""),
    sa.Column("balance", Money, nullable=True),
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    sa.UniqueConstraint("bank_account_id", "dedupe_key", name="uq_bank_lines_dedupe"),
    sa.Index("ix_bank_lines_account_date", "bank_account_id", "date"),
    sa.CheckConstraint("amount <> 0", name="nonzero"),
)

#: A statement line matched to the books (``ledger/reconcile.py``), append-only: what the line was
#: confirmed to be (``kind``: pledge, entry, donor, interest, suspense, split) and the transaction that books
#: it (a new one, or the entry already recorded; a split's first part, all parts in ``bank_match_parts``).
#: A line booked to the suspense account and later identified gets a second row, ``kind`` "reassign",
#: linked by ``reassigns_id`` (no line of its own); a match undone gets an ``undo`` row linked by
#: ``undoes_id`` (its reversal's transaction, the reason as its note): never an update. ``attempt`` counts
#: the earlier undone matches of the line (or reassignments): a line has at most one live match.
bank_matches = sa.Table(
    "bank_matches",
    metadata,
    _id(),
    _org(),
    _ref("line_id", "bank_lines", nullable=True),
    _ref("reassigns_id", "bank_matches", nullable=True),
    _ref("undoes_id", "bank_matches", nullable=True, unique=True),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("kind", sa.String(20), nullable=False),
    _ref("tx_id", "transactions", nullable=True, index=True),
    _ref("donation_id", "donations", nullable=True),
    _ref("fund_id", "funds", nullable=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    *_stamp("matched"),
    sa.CheckConstraint("kind IN ('pledge','entry','donor','interest','suspense','reassign','split','undo',"
                       "'account')",
                       name="kind"),
    sa.CheckConstraint("(CASE WHEN line_id IS NULL THEN 0 ELSE 1 END + CASE WHEN reassigns_id IS NULL THEN 0 "
                       "ELSE 1 END + CASE WHEN undoes_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_link"),
    sa.UniqueConstraint("line_id", "attempt", name="uq_bank_matches_line_attempt"),
    sa.UniqueConstraint("reassigns_id", "attempt", name="uq_bank_matches_reassigns_attempt"),
)

#: The parts of a line confirmed as one donor's transfer split across funds: each a donation with its own
#: transaction (balanced in its fund) and receipt; append-only.
bank_match_parts = sa.Table(
    "bank_match_parts",
    metadata,
    _id(),
    _ref("match_id", "bank_matches", nullable=False, index=True),
    _ref("tx_id", "transactions", nullable=False, unique=True),
    _ref("donation_id", "donations", nullable=False),
    _ref("fund_id", "funds", nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.CheckConstraint("amount > 0", name="positive"),
)

#: Client idempotency keys: the same key and input give back the stored result.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.String(60), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("result", sa.Text, nullable=True),
    _when("created_at"),
)

# ------------------------------------------------------------------ people, roles and the audit log

#: Roles a user can hold in an organization (see ``web/permissions.py`` for what each may do).
ROLES = ("admin", "treasurer", "council", "auditor")

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("login", sa.String(80), nullable=False, unique=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    _when("created_at"),
)

#: Which role a user holds in which organization; a user may hold several roles in several of them.
memberships = sa.Table(
    "memberships",
    metadata,
    _ref("user_id", "users", primary_key=True),
    _ref("org_id", "organizations", primary_key=True),
    sa.Column("role", sa.String(20), primary_key=True),
    sa.CheckConstraint("role IN ('admin','treasurer','council','auditor')", name="role"),
)

#: Server-side login sessions: the browser's cookie carries the token, the database its sha256. Logout
#: revokes the row, so a replayed old cookie is refused.
user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    _ref("user_id", "users", nullable=False, index=True),
    _when("created_at"),
    _when("revoked_at", nullable=True),
    sa.Column("ip", sa.String(64), nullable=False, server_default=""),
)

#: API tokens for programs: each scoped to one organization and one role.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _id(),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False),
    _ref("user_id", "users", nullable=False),
    _org(),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    _when("created_at"),
    _when("revoked_at", nullable=True),
    _when("expires_at"),
    # why it died: "revoked" (by a person) or "role_removed" (its user lost the role); null while live
    sa.Column("revoked_reason", sa.String(20), nullable=True),
    sa.CheckConstraint("role IN ('admin','treasurer','council','auditor')", name="role"),
    sa.Index("ix_api_tokens_user_org_role", "user_id", "org_id", "role"),
)

#: Login attempts per key (``login:<name>``, ``ip:<address>``) in the current window: one row each, claimed
#: by one atomic statement (``ledger.users.claim_attempt``), so every worker process sees the same count.
login_throttle = sa.Table(
    "login_throttle",
    metadata,
    sa.Column("key", sa.String(150), primary_key=True),
    sa.Column("window_start", sa.BigInteger, nullable=False),  # epoch milliseconds
    sa.Column("n", sa.Integer, nullable=False),
)

#: Who changed what, when and from where: written in the same unit of work as the change. Append-only.
audit_log = sa.Table(
    "audit_log",
    metadata,
    _id(),
    _when("at"),
    _who("actor"),
    sa.Column("via", sa.String(10), nullable=False),
    sa.Column("ip", sa.String(64), nullable=False, server_default=""),
    _ref("org_id", "organizations", nullable=True),
    sa.Column("action", sa.String(60), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, server_default=""),
    sa.Column("details", sa.Text, nullable=False, server_default="{}"),
    sa.Index("ix_audit_log_org_id", "org_id", "id"),
)

#: An organization's keys for what it publishes (revision 0029): the Ed25519 key that signs its roots and log
#: heads, and the secret its documents' salts and the trees' draws come from. One row per organization, never
#: changed: a tree is built again years later from the same secret (``ledger/proofs.py``).
publication_keys = sa.Table(
    "publication_keys",
    metadata,
    _ref("org_id", "organizations", primary_key=True),
    sa.Column("public_key", sa.String(64), nullable=False),  # hex
    sa.Column("signing_key", sa.String(64), nullable=False),  # hex: the Ed25519 private key's seed
    sa.Column("salt_key", sa.String(64), nullable=False),  # hex
    _when("created_at"),
)

#: The organization's public log of published roots (revision 0029): entry ``seq`` (0, 1, …) is a signed
#: statement of one fund's, one kind's (gifts, payments) and one period's root and totals. Append-only.
published_roots = sa.Table(
    "published_roots",
    metadata,
    _id(),
    _org(),
    sa.Column("seq", sa.BigInteger, nullable=False),
    _ref("fund_id", "funds", nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("period", sa.String(10), nullable=False),  # "2026", "2026-Q1", "2026-03"
    sa.Column("statement", sa.Text, nullable=False),  # canonical JSON, what is signed
    sa.Column("signature", sa.String(128), nullable=False),
    *_stamp("created"),
    sa.UniqueConstraint("org_id", "seq", name="uq_published_roots_seq"),
    sa.UniqueConstraint("org_id", "fund_id", "kind", "period", name="uq_published_roots_period"),
    sa.CheckConstraint("kind IN ('gifts','payments')", name="kind"),
)

#: Each signed head of that log (its size and root), one per publication. Append-only.
log_heads = sa.Table(
    "log_heads",
    metadata,
    _id(),
    _org(),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Column("signature", sa.String(128), nullable=False),
    *_stamp("created"),
    sa.UniqueConstraint("org_id", "size", name="uq_log_heads_size"),
)
