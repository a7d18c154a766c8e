"""The database's own guards on the journal: balanced per fund, append-only, period lock, no late postings.

The domain checks all of this first (``ledger/journal/entries.py``); these triggers refuse it again for any
writer that goes around Quỹ. Postings are inserted before their transaction row (their foreign key to
it is ``DEFERRABLE INITIALLY DEFERRED``, so an orphan posting fails at commit), a posting for a
transaction row that already exists is refused, and so when a transaction row is inserted its set of
postings is final and is checked there:

* PostgreSQL: statement-level triggers with transition tables check every new transaction of an
  INSERT in one set-based pass (balanced per fund, at least two postings, same organization and date,
  not in a locked period). A deferred per-row constraint trigger would check the same thing at
  commit, but at about 90 µs per transaction it cost 9 s of a 100,000-donation import; since the
  posting set is final at the transaction's insert, checking then is just as strict.
* SQLite: per-row triggers on the transaction row's insert do the same checks.

Both refuse UPDATE and DELETE on ``transactions`` and ``postings``; PostgreSQL also refuses TRUNCATE
(SQLite has none: its DELETE-all fires the delete trigger).
"""

from __future__ import annotations

from collections.abc import Callable

JOURNAL_TABLES = ("transactions", "postings")
#: What postings name; never deleted (a posting has no foreign key to them, see ``ledger/schema.py``).
MASTER_TABLES = ("organizations", "accounts", "funds")

#: The PostgreSQL trigger function that refuses a change to term deposits, council decisions on
#: principal, votes and commitment events (and, under its own name, to numbered documents).
DEPOSITS_APPEND_ONLY = "quy_deposits_append_only"


def _append_only_function(name: str) -> str:
    """The PostgreSQL trigger function ``name()``, which refuses the operation that fired it."""
    return f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'restrict_violation';
    END $$"""


def _append_only(dialect: str, tables: tuple[str, ...], function: str = DEPOSITS_APPEND_ONLY, *,
                 define: bool = False, message: str = "{t} is append-only: {op} refused") -> list[str]:
    """Triggers refusing UPDATE and DELETE on ``tables`` (and TRUNCATE on PostgreSQL).

    On PostgreSQL the triggers call ``function``, created first when ``define`` is set; on SQLite
    they raise ``message`` (formatted with the table ``t`` and the operation ``op``).
    """
    if dialect == "postgresql":
        return [
            *([_append_only_function(function)] if define else []),
            *[f"""CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
        FOR EACH ROW EXECUTE FUNCTION {function}()""" for t in tables],
            *[f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
        FOR EACH STATEMENT EXECUTE FUNCTION {function}()""" for t in tables],
        ]
    return [f"""CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t}
        BEGIN SELECT RAISE(ABORT, '{message.format(t=t, op=op)}'); END"""
            for t in tables for op in ("UPDATE", "DELETE")]


def _append_only_drops(dialect: str, tables: tuple[str, ...], *functions: str) -> list[str]:
    """Statements removing :func:`_append_only`'s triggers on ``tables``, then (PostgreSQL) ``functions``."""
    if dialect == "postgresql":
        return [*[f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in tables],
                *[f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in tables],
                *[f"DROP FUNCTION IF EXISTS {f}()" for f in functions]]
    return [f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in tables for op in ("update", "delete")]


SQLITE = [
    *_append_only("sqlite", JOURNAL_TABLES, message="journal is append-only: {op} on {t} refused"),
    """CREATE TRIGGER postings_not_late BEFORE INSERT ON postings
    WHEN EXISTS (SELECT 1 FROM transactions WHERE id = NEW.tx_id)
    BEGIN SELECT RAISE(ABORT, 'journal: posting added to an existing transaction'); END""",
    """CREATE TRIGGER transactions_two_postings BEFORE INSERT ON transactions
    WHEN (SELECT count(*) FROM postings WHERE tx_id = NEW.id) < 2
    BEGIN SELECT RAISE(ABORT, 'journal: unbalanced transaction (fewer than two postings)'); END""",
    """CREATE TRIGGER transactions_balanced BEFORE INSERT ON transactions
    WHEN EXISTS (SELECT 1 FROM postings WHERE tx_id = NEW.id GROUP BY fund_id HAVING sum(amount) <> 0)
    BEGIN SELECT RAISE(ABORT, 'journal: unbalanced transaction (a fund does not sum to zero)'); END""",
    """CREATE TRIGGER transactions_consistent BEFORE INSERT ON transactions
    WHEN EXISTS (
        SELECT 1 FROM postings p
        LEFT JOIN accounts a ON a.id = p.account_id
        LEFT JOIN funds f ON f.id = p.fund_id
        WHERE p.tx_id = NEW.id
          AND (p.org_id <> NEW.org_id OR p.date <> NEW.date OR a.id IS NULL OR f.id IS NULL
               OR a.org_id <> NEW.org_id OR f.org_id <> NEW.org_id))
    BEGIN SELECT RAISE(ABORT,
        'journal: posting account, fund, organization or date does not match its transaction'); END""",
    *[
        f"""CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
        BEGIN SELECT RAISE(ABORT, '{t} are never deleted: the journal refers to them'); END"""
        for t in MASTER_TABLES
    ],
    """CREATE TRIGGER transactions_period_lock BEFORE INSERT ON transactions
    WHEN EXISTS (SELECT 1 FROM organizations o
                 WHERE o.id = NEW.org_id AND o.lock_date IS NOT NULL AND NEW.date <= o.lock_date)
    BEGIN SELECT RAISE(ABORT, 'journal: period locked'); END""",
]

SQLITE_DROP = [
    *_append_only_drops("sqlite", JOURNAL_TABLES),
    "DROP TRIGGER IF EXISTS postings_not_late",
    "DROP TRIGGER IF EXISTS transactions_two_postings",
    "DROP TRIGGER IF EXISTS transactions_balanced",
    "DROP TRIGGER IF EXISTS transactions_consistent",
    "DROP TRIGGER IF EXISTS transactions_period_lock",
    *[f"DROP TRIGGER IF EXISTS {t}_no_delete" for t in MASTER_TABLES],
]

#: The check on the transaction rows of one INSERT statement. Each transaction's postings are reached
#: through LATERAL subqueries on ``postings.tx_id``: the planner cannot know how many rows a transition
#: table holds (it guesses a thousand), and a plain join chose a full scan of every posting, hundreds
#: of milliseconds per donation on a large journal. LATERAL with LIMIT keeps it to an index lookup per
#: transaction, for one donation and for an import of a hundred thousand alike.
TRANSACTIONS_CHECKED = """CREATE OR REPLACE FUNCTION quy_transactions_checked() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE bad bigint;
    BEGIN
        SELECT t.id INTO bad FROM new_transactions t
        CROSS JOIN LATERAL (SELECT count(*) AS n FROM postings p WHERE p.tx_id = t.id) c
        WHERE c.n < 2 LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'journal: unbalanced transaction % (fewer than two postings)', bad
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT t.id INTO bad FROM new_transactions t
        CROSS JOIN LATERAL (SELECT 1 FROM postings p WHERE p.tx_id = t.id
                            GROUP BY p.fund_id HAVING sum(p.amount) <> 0 LIMIT 1) u
        LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'journal: unbalanced transaction % (a fund does not sum to zero)', bad
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT t.id INTO bad FROM new_transactions t
        CROSS JOIN LATERAL (
            SELECT 1 FROM postings p
            LEFT JOIN accounts a ON a.id = p.account_id
            LEFT JOIN funds f ON f.id = p.fund_id
            WHERE p.tx_id = t.id
              AND (p.org_id <> t.org_id OR p.date <> t.date OR a.id IS NULL OR f.id IS NULL
                   OR a.org_id <> t.org_id OR f.org_id <> t.org_id)
            LIMIT 1) m
        LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION
                'journal: posting account, fund, organization or date does not match transaction %', bad
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT t.id INTO bad FROM new_transactions t JOIN organizations o ON o.id = t.org_id
        WHERE o.lock_date IS NOT NULL AND t.date <= o.lock_date LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'journal: period locked (transaction %)', bad
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$"""

#: A posting for a transaction row that already exists is refused (per statement, index lookups only).
POSTINGS_NOT_LATE = """CREATE OR REPLACE FUNCTION quy_postings_not_late() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM new_postings n
                   CROSS JOIN LATERAL (SELECT 1 FROM transactions t WHERE t.id = n.tx_id LIMIT 1) x) THEN
            RAISE EXCEPTION 'journal: posting added to an existing transaction'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$"""

POSTGRESQL = [
    """CREATE FUNCTION quy_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END $$""",
    *_append_only("postgresql", JOURNAL_TABLES, "quy_journal_append_only"),
    """CREATE FUNCTION quy_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% are never deleted: the journal refers to them', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END $$""",
    *[
        f"""CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
        FOR EACH ROW EXECUTE FUNCTION quy_never_deleted()"""
        for t in MASTER_TABLES
    ],
    *[
        f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
        FOR EACH STATEMENT EXECUTE FUNCTION quy_never_deleted()"""
        for t in MASTER_TABLES
    ],
    POSTINGS_NOT_LATE,
    """CREATE TRIGGER postings_not_late AFTER INSERT ON postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION quy_postings_not_late()""",
    TRANSACTIONS_CHECKED,
    """CREATE TRIGGER transactions_checked AFTER INSERT ON transactions
    REFERENCING NEW TABLE AS new_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION quy_transactions_checked()""",
]

POSTGRESQL_DROP = [
    *_append_only_drops("postgresql", JOURNAL_TABLES),
    "DROP TRIGGER IF EXISTS postings_not_late ON postings",
    "DROP TRIGGER IF EXISTS transactions_checked ON transactions",
    *[f"DROP TRIGGER IF EXISTS {t}_no_delete ON {t}" for t in MASTER_TABLES],
    *[f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in MASTER_TABLES],
    "DROP FUNCTION IF EXISTS quy_never_deleted()",
    "DROP FUNCTION IF EXISTS quy_journal_append_only()",
    "DROP FUNCTION IF EXISTS quy_postings_not_late()",
    "DROP FUNCTION IF EXISTS quy_transactions_checked()",
]


def create_statements(dialect: str) -> list[str]:
    """Return the statements that install the journal guards on ``dialect``."""
    return POSTGRESQL if dialect == "postgresql" else SQLITE


def drop_statements(dialect: str) -> list[str]:
    """Return the statements that remove the journal guards (migrations and tamper tests only)."""
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP


#: What the journal's hashes and every process's memory of the chart name (``ledger/db.py:LOOKUPS``):
#: an organization's, account's or fund's code and owner, and an account's kind and role, never change.
FIXED_COLUMNS = {
    "organizations": ("code",),
    "accounts": ("org_id", "code", "kind", "role"),
    "funds": ("org_id", "code"),
}


def _changed(cols: tuple[str, ...], dialect: str) -> str:
    if dialect == "postgresql":
        return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in cols)
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in cols)


def fixed_statements(dialect: str) -> list[str]:
    """Triggers refusing a change to :data:`FIXED_COLUMNS` (names and other details may change)."""
    if dialect == "postgresql":
        out = ["""CREATE OR REPLACE FUNCTION quy_identity_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%: code, owner, kind and role never change once created', TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END $$"""]
        for t, cols in FIXED_COLUMNS.items():
            out.append(f"""CREATE TRIGGER {t}_identity_fixed BEFORE UPDATE ON {t}
            FOR EACH ROW WHEN ({_changed(cols, dialect)}) EXECUTE FUNCTION quy_identity_fixed()""")
        return out
    return [f"""CREATE TRIGGER {t}_identity_fixed BEFORE UPDATE ON {t}
        WHEN {_changed(cols, dialect)}
        BEGIN SELECT RAISE(ABORT, '{t}: code, owner, kind and role never change once created'); END"""
            for t, cols in FIXED_COLUMNS.items()]


def fixed_drop_statements(dialect: str) -> list[str]:
    drops = [f"DROP TRIGGER IF EXISTS {t}_identity_fixed" + (f" ON {t}" if dialect == "postgresql" else "")
             for t in FIXED_COLUMNS]
    return drops + (["DROP FUNCTION IF EXISTS quy_identity_fixed()"] if dialect == "postgresql" else [])


# --------------------------------------------------------------------------- numbered documents

#: Append-only: a document is never changed or removed (a void is a row of its own), nor is a void,
#: a printed document's fingerprint or a gold-book entry.
DOCUMENT_TABLES = ("documents", "document_voids", "document_prints", "gold_book_entries")

#: Gapless per organization, series and year: a number other than 1 needs its predecessor already
#: there. With the unique number and no deletes, every series is exactly 1..N.
DOCUMENTS_GAPLESS_PG = """CREATE OR REPLACE FUNCTION quy_documents_gapless() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE bad text;
    BEGIN
        SELECT n.series || '/' || n.year || ' ' || n.number INTO bad FROM new_documents n
        WHERE n.number > 1 AND NOT EXISTS (
            SELECT 1 FROM documents d WHERE d.org_id = n.org_id AND d.series = n.series
               AND d.year = n.year AND d.number = n.number - 1)
        LIMIT 1;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'documents: number % leaves a gap in its series', bad
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$"""


def document_statements(dialect: str) -> list[str]:
    """Triggers keeping numbered documents append-only and gapless, and gold-book entries append-only."""
    append_only = _append_only(dialect, DOCUMENT_TABLES, "quy_documents_append_only", define=True)
    if dialect == "postgresql":
        return [
            *append_only,
            DOCUMENTS_GAPLESS_PG,
            """CREATE TRIGGER documents_gapless AFTER INSERT ON documents
            REFERENCING NEW TABLE AS new_documents
            FOR EACH STATEMENT EXECUTE FUNCTION quy_documents_gapless()""",
        ]
    return [
        *append_only,
        """CREATE TRIGGER documents_gapless BEFORE INSERT ON documents
        WHEN NEW.number > 1 AND NOT EXISTS (
            SELECT 1 FROM documents d WHERE d.org_id = NEW.org_id AND d.series = NEW.series
               AND d.year = NEW.year AND d.number = NEW.number - 1)
        BEGIN SELECT RAISE(ABORT, 'documents: number leaves a gap in its series'); END""",
    ]


def document_drop_statements(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [*_append_only_drops(dialect, DOCUMENT_TABLES),
                "DROP TRIGGER IF EXISTS documents_gapless ON documents",
                "DROP FUNCTION IF EXISTS quy_documents_gapless()",
                "DROP FUNCTION IF EXISTS quy_documents_append_only()"]
    return [*_append_only_drops(dialect, DOCUMENT_TABLES), "DROP TRIGGER IF EXISTS documents_gapless"]


# --------------------------------------------------------------------------- term deposits

DEPOSIT_TABLES = ("deposits", "deposit_events")


def deposit_statements(dialect: str) -> list[str]:
    """Deposits and their events are append-only."""
    return _append_only(dialect, DEPOSIT_TABLES, DEPOSITS_APPEND_ONLY, define=True)


def deposit_drop_statements(dialect: str) -> list[str]:
    return _append_only_drops(dialect, DEPOSIT_TABLES, DEPOSITS_APPEND_ONLY)


# --------------------------------------------------------------------------- the other append-only tables

Statements = Callable[[str], list[str]]


def _append_only_guard(*tables: str) -> tuple[Statements, Statements]:
    """The statements (for a dialect) making ``tables`` append-only with the term deposits' function, and
    those undoing it: a revision creating the tables runs the first, its downgrade the second."""

    def statements(dialect: str) -> list[str]:
        return _append_only(dialect, tables)

    def drop_statements(dialect: str) -> list[str]:
        return _append_only_drops(dialect, tables)

    return statements, drop_statements


#: Council decisions on principal; council votes; a commitment's history; what an imported transaction
#: carried (like the journal); transfers between organizations (like the two entries they pair).
principal_statements, principal_drop_statements = _append_only_guard("principal_decisions")
vote_statements, vote_drop_statements = _append_only_guard("batch_votes")
commitment_statements, commitment_drop_statements = _append_only_guard("commitment_events")
extras_statements, extras_drop_statements = _append_only_guard("tx_extras")
transfer_statements, transfer_drop_statements = _append_only_guard("org_transfers")
#: Opening balances and their corrections (revision 0022): the journal entries they stand for are append-only.
opening_statements, opening_drop_statements = _append_only_guard("openings")
#: Ordinary vouchers (revision 0023): each stands for a journal entry and a numbered document.
voucher_statements, voucher_drop_statements = _append_only_guard("vouchers")
#: A fund's names through time (revision 0024): a rename is a new row, never an edit.
fund_name_statements, fund_name_drop_statements = _append_only_guard("fund_names")
#: Releases of earmarked money into the fund (revision 0026): each stands for a journal entry.
earmark_release_statements, earmark_release_drop_statements = _append_only_guard("earmark_releases")
#: Totals a unit that keeps no books reports, and money sent to such a unit (revision 0027): a correction is a new
#: row naming the one it replaces; the sender's entry is in the journal.
reported_statements, reported_drop_statements = _append_only_guard("reported_totals", "reported_transfers")
#: What an organization publishes (revision 0029): its keys, its log of signed roots and the log's signed heads.
publication_statements, publication_drop_statements = _append_only_guard("publication_keys", "published_roots",
                                                                         "log_heads")
#: Imported bank statements and their lines are the bank's record, like the journal; a line's match to
#: the books too (a reassignment is a new linked row, never an update), and so are the parts of a line
#: split across funds (revision 0016).
bank_statements, bank_drop_statements = _append_only_guard("bank_statements", "bank_lines")
bank_match_statements, bank_match_drop_statements = _append_only_guard("bank_matches")
bank_match_part_statements, bank_match_part_drop_statements = _append_only_guard("bank_match_parts")


# --------------------------------------------------------------------------- the rows entries stand for

#: What a donation promises — on its receipt, in the register and in the journal entry it stands for
#: (``tx_id``) — never changes once recorded, and a donation is never deleted: a mistake is corrected by
#: reversing its entry (and voiding its receipt). The gold-book choice and the donor's message may change.
SOURCE_FIXED = {
    "donations": ("org_id", "tx_id", "donor_id", "fund_id", "campaign_id", "kind", "date", "amount",
                  "asset_account_id", "to_principal", "earmark", "item_description", "item_quantity",
                  "item_unit", "fx_amount", "fx_currency", "pledge_id", "reference", "created_by", "created_at"),
}
SOURCE_FIXED_FUNCTION = "quy_source_fixed"


def source_statements(dialect: str) -> list[str]:
    """Triggers refusing a change to :data:`SOURCE_FIXED` columns, and DELETE (TRUNCATE on PostgreSQL)."""
    if dialect == "postgresql":
        out = [_append_only_function(SOURCE_FIXED_FUNCTION)]
        for t, cols in SOURCE_FIXED.items():
            out += [f"""CREATE TRIGGER {t}_fixed BEFORE UPDATE ON {t}
            FOR EACH ROW WHEN ({_changed(cols, dialect)}) EXECUTE FUNCTION {SOURCE_FIXED_FUNCTION}()""",
                    f"""CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
            FOR EACH ROW EXECUTE FUNCTION {SOURCE_FIXED_FUNCTION}()""",
                    f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
            FOR EACH STATEMENT EXECUTE FUNCTION {SOURCE_FIXED_FUNCTION}()"""]
        return out
    out = []
    for t, cols in SOURCE_FIXED.items():
        out += [f"""CREATE TRIGGER {t}_fixed BEFORE UPDATE ON {t}
        WHEN {_changed(cols, dialect)}
        BEGIN SELECT RAISE(ABORT, '{t} is append-only: UPDATE of what its receipt and entry say refused'); END""",
                f"""CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
        BEGIN SELECT RAISE(ABORT, '{t} is append-only: DELETE refused'); END"""]
    return out


def source_drop_statements(dialect: str) -> list[str]:
    on = (lambda t: f" ON {t}") if dialect == "postgresql" else (lambda t: "")
    out = [f"DROP TRIGGER IF EXISTS {t}_{what}{on(t)}" for t in SOURCE_FIXED
           for what in ("fixed", "no_delete", *(("no_truncate",) if dialect == "postgresql" else ()))]
    return out + ([f"DROP FUNCTION IF EXISTS {SOURCE_FIXED_FUNCTION}()"] if dialect == "postgresql" else [])
