"""The database's own guards on the journal: balanced per fund, append-only, period lock, no late postings.

The domain checks all of this first (``ledger/journal.py``); these triggers refuse it again for any
writer that goes around Quỹ. Postings are inserted before their transaction row (their foreign key to
it is ``DEFERRABLE INITIALLY DEFERRED``), a posting for a transaction row that already exists is
refused, and the transaction row is checked against its postings:

* PostgreSQL: a deferred constraint trigger checks each new transaction at commit;
* SQLite (no deferred triggers): a trigger on the transaction row's insert checks it there.

Both refuse UPDATE and DELETE on ``transactions`` and ``postings``; PostgreSQL also refuses TRUNCATE
(SQLite has none: its DELETE-all fires the delete trigger).
"""

from __future__ import annotations

JOURNAL_TABLES = ("transactions", "postings")

SQLITE = [
    *[
        f"""CREATE TRIGGER {t}_no_{op.lower()} BEFORE {op} ON {t}
        BEGIN SELECT RAISE(ABORT, 'journal is append-only: {op} on {t} refused'); END"""
        for t in JOURNAL_TABLES
        for op in ("UPDATE", "DELETE")
    ],
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
        JOIN accounts a ON a.id = p.account_id
        JOIN funds f ON f.id = p.fund_id
        WHERE p.tx_id = NEW.id
          AND (p.org_id <> NEW.org_id OR p.date <> NEW.date
               OR a.org_id <> NEW.org_id OR f.org_id <> NEW.org_id))
    BEGIN SELECT RAISE(ABORT, 'journal: posting organization or date differs from its transaction'); END""",
    """CREATE TRIGGER transactions_period_lock BEFORE INSERT ON transactions
    WHEN EXISTS (SELECT 1 FROM organizations o
                 WHERE o.id = NEW.org_id AND o.lock_date IS NOT NULL AND NEW.date <= o.lock_date)
    BEGIN SELECT RAISE(ABORT, 'journal: period locked'); END""",
]

SQLITE_DROP = [
    *[f"DROP TRIGGER IF EXISTS {t}_no_{op}" for t in JOURNAL_TABLES for op in ("update", "delete")],
    "DROP TRIGGER IF EXISTS postings_not_late",
    "DROP TRIGGER IF EXISTS transactions_two_postings",
    "DROP TRIGGER IF EXISTS transactions_balanced",
    "DROP TRIGGER IF EXISTS transactions_consistent",
    "DROP TRIGGER IF EXISTS transactions_period_lock",
]

POSTGRESQL = [
    """CREATE FUNCTION quy_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END $$""",
    *[
        f"""CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t}
        FOR EACH ROW EXECUTE FUNCTION quy_journal_append_only()"""
        for t in JOURNAL_TABLES
    ],
    *[
        f"""CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t}
        FOR EACH STATEMENT EXECUTE FUNCTION quy_journal_append_only()"""
        for t in JOURNAL_TABLES
    ],
    """CREATE FUNCTION quy_posting_not_late() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM transactions WHERE id = NEW.tx_id) THEN
            RAISE EXCEPTION 'journal: posting added to an existing transaction %', NEW.tx_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER postings_not_late BEFORE INSERT ON postings
    FOR EACH ROW EXECUTE FUNCTION quy_posting_not_late()""",
    """CREATE FUNCTION quy_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (SELECT count(*) FROM postings WHERE tx_id = NEW.id) < 2 THEN
            RAISE EXCEPTION 'journal: unbalanced transaction % (fewer than two postings)', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM postings WHERE tx_id = NEW.id
                   GROUP BY fund_id HAVING sum(amount) <> 0) THEN
            RAISE EXCEPTION 'journal: unbalanced transaction % (a fund does not sum to zero)', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM postings p
                   JOIN accounts a ON a.id = p.account_id
                   JOIN funds f ON f.id = p.fund_id
                   WHERE p.tx_id = NEW.id
                     AND (p.org_id <> NEW.org_id OR p.date <> NEW.date
                          OR a.org_id <> NEW.org_id OR f.org_id <> NEW.org_id)) THEN
            RAISE EXCEPTION 'journal: posting organization or date differs from transaction %', NEW.id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER transactions_balanced AFTER INSERT ON transactions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION quy_transaction_balanced()""",
    """CREATE FUNCTION quy_period_lock() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM organizations o WHERE o.id = NEW.org_id
                   AND o.lock_date IS NOT NULL AND NEW.date <= o.lock_date) THEN
            RAISE EXCEPTION 'journal: period locked for organization % on %', NEW.org_id, NEW.date
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER transactions_period_lock BEFORE INSERT ON transactions
    FOR EACH ROW EXECUTE FUNCTION quy_period_lock()""",
]

POSTGRESQL_DROP = [
    *[f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in JOURNAL_TABLES],
    *[f"DROP TRIGGER IF EXISTS {t}_no_truncate ON {t}" for t in JOURNAL_TABLES],
    "DROP TRIGGER IF EXISTS postings_not_late ON postings",
    "DROP TRIGGER IF EXISTS transactions_balanced ON transactions",
    "DROP TRIGGER IF EXISTS transactions_period_lock ON transactions",
    "DROP FUNCTION IF EXISTS quy_journal_append_only()",
    "DROP FUNCTION IF EXISTS quy_posting_not_late()",
    "DROP FUNCTION IF EXISTS quy_transaction_balanced()",
    "DROP FUNCTION IF EXISTS quy_period_lock()",
]


def create_statements(dialect: str) -> list[str]:
    """Return the statements that install the journal guards on ``dialect``."""
    return POSTGRESQL if dialect == "postgresql" else SQLITE


def drop_statements(dialect: str) -> list[str]:
    """Return the statements that remove the journal guards (migrations and tamper tests only)."""
    return POSTGRESQL_DROP if dialect == "postgresql" else SQLITE_DROP
