"""Connecting to the database: SQLite (embedded default, WAL, foreign keys on) or PostgreSQL.

``Database.begin()`` is the unit of work: a context manager yielding a connection inside one database
transaction that commits on a clean exit and rolls back on any exception. On SQLite every unit of work
starts with ``BEGIN IMMEDIATE`` so writers queue instead of failing on upgrade.
"""

from __future__ import annotations

import functools
import os
import queue
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from .config import db_pool_size

DEFAULT_URL = "sqlite:///instance/quy.sqlite3"


def database_url(url: str | None = None) -> str:
    """Return the URL to use: the argument, else ``QUY_DATABASE_URL``, else the SQLite default."""
    url = url or os.environ.get("QUY_DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: How long a SQLite connection waits for the write lock before it gives up (milliseconds).
SQLITE_BUSY_MS = 30_000


def make_engine(url: str | None = None, **kw) -> Engine:
    """Return an engine for ``url`` with Quỹ's connection settings applied."""
    url = database_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # noqa: ANN001
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
            cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: big imports stay off the disk until commit
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # noqa: ANN001
            # readers take a deferred (shared) transaction; writers queue for the write lock up front
            read_only = conn.get_execution_options().get("quy_read_only", False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    if "poolclass" not in kw:
        kw.setdefault("pool_size", db_pool_size() or 10)  # QUY_DB_POOL_SIZE when set
        kw.setdefault("max_overflow", 20)
    engine = sa.create_engine(url, **kw)
    _ping_when_idle(engine)

    @event.listens_for(engine, "before_cursor_execute")
    def _writes_first(conn, *_args):  # noqa: ANN001
        if conn.info.get(_LATER):  # queued writes go before any statement that might read them
            flush_writes(conn)

    return engine


#: A pooled connection idle for longer than this is pinged before use (seconds).
PING_AFTER_IDLE = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Like ``pool_pre_ping``, but only for a connection that sat idle in the pool: one used a moment
    ago (the common case under load, where a ping is a round trip per unit of work) is handed out as
    is. A connection the server dropped meanwhile fails its first statement; SQLAlchemy then discards
    every pooled connection, and the unit of work rolls back as a whole."""
    @event.listens_for(engine, "checkin")
    def _note(dbapi_conn, record):  # noqa: ANN001
        record.info["quy_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn, record, proxy):  # noqa: ANN001
        since = record.info.get("quy_idle_since")
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            ok = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as e:
            raise sa.exc.DisconnectionError(str(e)) from e
        if not ok:
            raise sa.exc.DisconnectionError("the connection did not answer")


class _Lookups:
    """Per-process memory of lookups whose answer never changes once committed: an organization's id
    by its code, a fund's id by its code, an organization's main account id for a role. Organizations,
    funds and accounts are never deleted and their codes never change (the database refuses both), so
    a committed answer stays true in every process. An answer read inside a unit of work is kept only
    once that unit of work has committed: a rolled-back new fund leaves nothing behind.
    """

    def __init__(self) -> None:
        self._by_engine: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get(self, conn: Connection, key: tuple):
        return self._by_engine.get(conn.engine, {}).get(key)

    def known(self, engine: Engine, key: tuple):
        """The committed answer for ``key`` if this process has one, without touching the database."""
        return self._by_engine.get(engine, {}).get(key)

    def note(self, conn: Connection, key: tuple, value) -> None:
        pending = conn.info.get("quy_pending_lookups")
        if pending is not None:  # only inside Database.begin()/read(), which promote them
            pending[key] = value

    @contextmanager
    def unit(self, conn: Connection) -> Iterator[dict]:
        pending: dict = {}
        info = conn.info  # held: an invalidated connection (server gone) refuses to hand it out again
        info["quy_pending_lookups"] = pending
        try:
            yield pending
        finally:
            info.pop("quy_pending_lookups", None)

    def promote(self, engine: Engine, pending: dict) -> None:
        if pending:
            self._by_engine.setdefault(engine, {}).update(pending)


LOOKUPS = _Lookups()


class _WriterQueue:
    """SQLite admits one writer at a time; the others would poll for the lock with back-off sleeps
    (up to 100 ms a try), which under load costs more than the writing itself. Writers of one file
    queue here instead — a lock per process and an ``flock`` on a file beside the database across
    processes (e.g. gunicorn workers) — and the next is woken the moment the last one finishes."""

    def __init__(self, db_path: str) -> None:
        self.path = db_path + "-writers.lock"
        self._thread_lock = threading.RLock()
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        import fcntl  # lazy: POSIX only, and only a SQLite file's writers take this lock

        with self._thread_lock:
            if self._fd is None or self._pid != os.getpid():  # opened per process, never across fork
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            self._depth += 1
            if self._depth == 1:
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


class Database:
    """The ledger's handle on one database: an engine and units of work over it."""

    def __init__(self, url: str | None = None, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        self.url = str(self.engine.url)
        path = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        self._writers = _WriterQueue(path) if path and path != ":memory:" and os.name == "posix" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """Yield a connection in one database transaction: commit on success, roll back on error.

        Writes queued with :func:`write_later` are sent with the commit (on PostgreSQL in one
        round trip) and dropped on a rollback.
        """
        with self._writers.hold() if self._writers else _nothing(), self.engine.begin() as conn:
            with LOOKUPS.unit(conn) as pending, _write_queue(conn):
                yield conn
                if conn.info.get(_LATER):
                    flush_writes(conn, commit=True)  # the queued writes and the commit: one round trip
        LOOKUPS.promote(self.engine, pending)  # reached only after the commit

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Yield a connection for reading; nothing it does is committed."""
        with self.engine.connect().execution_options(quy_read_only=True) as conn:
            with conn.begin(), LOOKUPS.unit(conn) as pending:
                if self.dialect == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                yield conn
        LOOKUPS.promote(self.engine, pending)

    def peek_rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Run one driver-level read (``%s`` placeholders) and return its rows. On PostgreSQL it runs
        outside any transaction on a pooled connection, without SQLAlchemy's connection machinery: no
        BEGIN, no isolation level to set, no ROLLBACK — one round trip (the check every API request
        makes of its token)."""
        if self.dialect != "postgresql":
            with self.read() as conn:
                return driver_rows(conn, sql, params)
        dbapi = self.engine.dialect.loaded_dbapi
        raw = self.engine.raw_connection()
        try:
            driver = raw.driver_connection
            driver.autocommit = True
            with driver.cursor() as cur:
                cur.execute(sql, tuple(params))
                rows = cur.fetchall()
            driver.autocommit = False
            return rows
        except dbapi.Error as e:
            raw.invalidate()  # whatever state it is in now, it is not handed out again
            raise sa.exc.DBAPIError.instance(sql, params, e, dbapi.Error, dialect=self.engine.dialect) from e
        finally:
            raw.close()

    def refresh_statistics(self, tables: tuple[str, ...]) -> None:
        """After a bulk write on PostgreSQL, ANALYZE what it grew. Autovacuum would, later; until then
        every session would keep planning lookups on those tables as scans of the small tables the
        old statistics describe (and keep those plans). SQLite plans without such statistics."""
        if self.dialect != "postgresql":
            return
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE " + ", ".join(tables))

    def dispose(self) -> None:
        self.engine.dispose()


# --------------------------------------------------------------------------- writes nobody reads back

_LATER = "quy_write_later"


@contextmanager
def _write_queue(conn: Connection) -> Iterator[None]:
    if conn.dialect.name != "postgresql":
        yield
        return
    info = conn.info  # held, as in _Lookups.unit
    info[_LATER] = []
    try:
        yield
    finally:
        info.pop(_LATER, None)  # the info dict outlives the checkout: never leave writes behind


def write_later(conn: Connection, sql: str, params: tuple | list = ()) -> None:
    """Run a driver-level write (``%s`` placeholders) whose result nobody reads in this unit of work.

    On PostgreSQL, inside :meth:`Database.begin`, the write is queued and the queue is sent in a
    single round trip just before the next statement or the commit, in the order the
    writes were made. Journal writers hold the organization's chain-head lock from reading the head
    to the commit, so every round trip saved there is saved for every writer waiting behind. A
    failure surfaces at the flush, still inside the unit of work, which then rolls back as a whole.
    Elsewhere (SQLite runs in this process: there is no round trip to save) the write runs at once.
    """
    queue = conn.info.get(_LATER)
    if queue is None:
        if conn.dialect.paramstyle == "qmark":
            sql = sql.replace("%s", "?")
        conn.exec_driver_sql(sql, tuple(params))
        return
    queue.append((sql, tuple(params)))


def flush_writes(conn: Connection, *, query: tuple[str, tuple] | None = None, commit: bool = False,
                 then: list[tuple[str, tuple]] | None = None):
    """Send the writes :func:`write_later` queued, raising the first failure as SQLAlchemy's matching
    exception (``IntegrityError`` for a broken constraint).

    On PostgreSQL they go as one multi-statement query with the values bound on the client (psycopg's
    ``ClientCursor``, which quotes them): a single send and a single wait. (psycopg's pipeline mode
    would also take one round trip, but sends each statement with its own system calls and polls the
    socket in a loop until the results come, which under load cost more processor time than the
    statements.) ``query`` (driver SQL and parameters) goes last in the same round trip and its first
    row is returned; ``commit`` ends the transaction in that round trip too (SQLAlchemy's own commit
    then finds nothing left to do).
    """
    queue = conn.info.get(_LATER)
    batch = list(queue or ())
    if queue:
        queue.clear()
    at = len(batch)  # the query's result is the at-th of the round trip
    if query is not None:
        batch.append(query)
    batch.extend(then or ())
    if commit:
        batch.append(("COMMIT", ()))
    if not batch:
        return None
    from psycopg import ClientCursor  # lazy: only a PostgreSQL database needs psycopg

    raw = conn.connection.dbapi_connection
    dbapi = conn.dialect.loaded_dbapi
    sql, params = "", ()
    try:
        with ClientCursor(raw) as cur:
            # each statement bound on its own (psycopg remembers how to bind each shape), then sent as is
            sql = "; ".join(cur.mogrify(s, ps) if ps else s for s, ps in batch)
            cur.execute(sql)
            if query is None:
                return None
            for _ in range(at):  # skip the results of the queued writes
                cur.nextset()
            first = cur.fetchone()
            if then is None:
                return first
            rows = []
            for _ in then:
                cur.nextset()
                rows.append(cur.fetchone())
            return first, rows
    except dbapi.Error as e:
        raise sa.exc.DBAPIError.instance(sql, params, e, dbapi.Error, dialect=conn.dialect) from e


def driver_rows(conn: Connection, sql: str, params: tuple | list = ()) -> list[tuple]:
    """Run one driver-level statement (``%s`` placeholders) straight on the DBAPI cursor and return
    its rows as tuples (it must return rows: a SELECT, or a write with RETURNING): for the few
    statements every donation runs, where SQLAlchemy's statement and
    result machinery costs more than the statement itself. Queued writes go first."""
    flush_writes(conn)
    if conn.dialect.paramstyle == "qmark":
        sql = sql.replace("%s", "?")
    raw = conn.connection.dbapi_connection
    cur = raw.cursor()
    try:
        cur.execute(sql, tuple(params))
        return cur.fetchall()  # a SELECT or a RETURNING: rows, maybe none
    except conn.dialect.loaded_dbapi.Error as e:
        raise sa.exc.DBAPIError.instance(sql, params, e, conn.dialect.loaded_dbapi.Error,
                                         dialect=conn.dialect) from e
    finally:
        cur.close()


def plain_rows(conn: Connection, stmt: sa.Select) -> list[tuple]:
    """Run a select on the DBAPI cursor and return its rows as plain tuples, without SQLAlchemy's result rows: for
    reads of tens of thousands of rows (a province's or a nation's sums), where building a ``Row`` for each costs
    more than the query. Values come as the driver gives them (a PostgreSQL sum is a ``Decimal``)."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    if conn.dialect.positional:
        params = tuple(params[k] for k in compiled.positiontup)
    processors = compiled._bind_processors  # the binds' own conversions (a date for SQLite, say)
    if processors and not conn.dialect.positional:
        params = {k: processors[k](v) if k in processors else v for k, v in params.items()}
    elif processors:
        params = tuple(processors[k](v) if k in processors else v for k, v in zip(compiled.positiontup, params,
                                                                                  strict=True))
    flush_writes(conn)
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(str(compiled), params)
        return cur.fetchall()
    except conn.dialect.loaded_dbapi.Error as e:
        raise sa.exc.DBAPIError.instance(str(compiled), params, e, conn.dialect.loaded_dbapi.Error,
                                         dialect=conn.dialect) from e
    finally:
        cur.close()


def ids_in(column: sa.ColumnElement, ids: Iterable[int], conn: Connection | None = None) -> sa.ColumnElement[bool]:
    """``column IN (ids)`` for integer ids, cheap however many: a province's subtree of hundreds of organizations,
    or a nation's thousands, is not as many parameters for the driver to bind one by one (psycopg parses each).
    On PostgreSQL (``conn`` says which database the statement is for) many ids are one array parameter,
    ``column = ANY(%s)``; otherwise they are written into the statement as it runs (``literal_execute``)."""
    ids = [int(i) for i in ids]
    if conn is not None and conn.dialect.name == "postgresql" and len(ids) > _FEW_IDS:
        return column == sa.any_(sa.bindparam(None, ids, type_=_ID_ARRAY))
    return column.in_(sa.bindparam(None, ids, expanding=True, literal_execute=True))


_FEW_IDS = 32
_ID_ARRAY = sa.ARRAY(sa.BigInteger)


def insert_sql(table: sa.Table | str, columns: tuple[str, ...], rows: int = 1) -> str:
    """``INSERT INTO table (columns) VALUES (%s, …)`` for ``rows`` rows, for :func:`write_later`."""
    return _insert_sql(table if isinstance(table, str) else table.name, columns, rows)


@functools.lru_cache(maxsize=256)
def _insert_sql(name: str, columns: tuple[str, ...], rows: int) -> str:
    one = f"({', '.join(['%s'] * len(columns))})"
    return f"INSERT INTO {name} ({', '.join(columns)}) VALUES " + ", ".join([one] * rows)


#: Below this many rows, bulk writes skip COPY and the helper thread.
SMALL_BATCH = 100


def bulk_insert(conn: Connection, table: sa.Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows of plain tuples straight through the driver (the import's hot path):
    multi-row INSERT statements on SQLite, COPY on PostgreSQL. Triggers fire as for any insert.

    Values must already be in the driver's terms: on SQLite dates as ISO text (what SQLAlchemy's
    ``Date`` stores there), booleans as 0/1; PostgreSQL's driver takes ``date`` and ``bool``.
    """
    if not rows:
        return
    if conn.dialect.paramstyle == "qmark":
        # SQLite: many rows per statement; far fewer statement steps than one row at a time
        one = f"({', '.join(['?'] * len(columns))})"
        per = max(1, 30000 // len(columns))
        head = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES "
        full = head + ", ".join([one] * per)
        cur = conn.connection.dbapi_connection.cursor()
        try:
            for i in range(0, len(rows), per):
                part = rows[i : i + per]
                sql = full if len(part) == per else head + ", ".join([one] * len(part))
                cur.execute(sql, [v for r in part for v in r])
        finally:
            cur.close()
        return
    if len(rows) < SMALL_BATCH:  # COPY's set-up costs more than a plain INSERT of a few rows
        write_later(conn, insert_sql(table, columns, len(rows)), [v for r in rows for v in r])
        return
    # PostgreSQL: COPY, an order of magnitude faster than row-by-row INSERT
    flush_writes(conn)
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)


def sql_date(conn: Connection):
    """Return the function that turns a ``date`` into what :func:`bulk_insert` passes the driver."""
    if conn.dialect.name == "sqlite":
        return lambda d: d.isoformat()
    return lambda d: d


def sql_bool(conn: Connection):
    """Return the function that turns a ``bool`` into what :func:`bulk_insert` passes the driver."""
    if conn.dialect.name == "sqlite":
        return lambda b: 1 if b else 0
    return bool


class BulkWriter:
    """Runs :func:`bulk_insert` calls in order; on PostgreSQL on a helper thread, so that the server
    checks and stores one chunk while Python builds the next (the driver waits for the server
    without holding the GIL). On SQLite the engine runs inside this process and the calls run inline.

    Leaving the block waits for every write and re-raises the first failure. Inside the block the
    caller touches the connection only through :meth:`insert`.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.threaded = conn.dialect.name == "postgresql"
        self._q = None  # the queue and the thread only once a batch is big enough to need them
        self._error: BaseException | None = None
        self._thread = None

    def _start(self) -> None:
        self._q = queue.Queue(maxsize=2)
        self._thread = threading.Thread(target=self._run, name="quy-bulk-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._q.get()) is not None:
            if self._error is None:
                try:
                    bulk_insert(self.conn, *job)
                except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                    self._error = e

    def insert(self, table: sa.Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
        # a few rows (one donation) go inline: a helper thread would cost more than it saves
        if not self.threaded or (self._thread is None and len(rows) < SMALL_BATCH):
            bulk_insert(self.conn, table, columns, rows)
            return
        if self._error is not None:
            raise self._error
        if self._thread is None:
            self._start()
        self._q.put((table, columns, rows))

    def __enter__(self) -> BulkWriter:
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._q.put(None)
            self._thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error
