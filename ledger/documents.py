"""Numbered documents — receipts (biên nhận, series ``BN``), payment vouchers (phiếu chi, ``PC``), receipt
vouchers (phiếu thu, ``PT``: a voucher of its own series) and council decisions (quyết định, ``QD``) — and the
gold book (Sổ vàng khuyến học).

Numbers are gapless per organization, series and year (SPEC rule 6): seven digits from 0000001 each
year, written ``BN/25 0000123``. A number is taken by bumping the series' counter row *in the same unit
of work* as the document it numbers, never from a database sequence: a rolled-back unit of work takes
its number back with it, and the counter's row lock makes concurrent writers take turns. The database
itself refuses a number whose predecessor is missing and any change to a document (``ledger/journal/guards.py``).

A wrong document is voided with a reason — it keeps its number — and may be replaced by a new document
(a new number) that names the one it replaces. Which year a document belongs to is its date's year.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .clock import now_iso
from .db import bulk_insert, driver_rows, flush_writes, sql_date, write_later
from .errors import Conflict, InvalidInput, NotFound
from .journal import allocate_ids, take_turn

#: Series letters per document kind.
SERIES = {"receipt": "BN", "voucher": "PC", "decision": "QD"}
KIND_OF_SERIES = {v: k for k, v in SERIES.items()}
#: Money received other than a gift (dues, state-budget money, a withdrawal into cash): a voucher (kind
#: ``voucher``) numbered in a series of its own, phiếu thu.
RECEIPT_VOUCHER_SERIES = "PT"
#: Donation kinds that get a receipt: money or goods received. A pledge is a promise (its payments get one).
RECEIPTED_KINDS = ("cash", "transfer", "in_kind", "pledge_payment")
#: How an anonymous donor appears in the gold book and on public pages.
ANONYMOUS = "Nhà hảo tâm"

_DOC_COLS = ("id", "org_id", "kind", "series", "year", "number", "date", "donation_id", "replaces_id",
             "verify_code", "created_by", "created_at")
_BUMP = ("INSERT INTO doc_counters (org_id, series, year, last_number) VALUES (%s, %s, %s, %s) "
         "ON CONFLICT (org_id, series, year) DO UPDATE SET last_number = doc_counters.last_number + "
         "excluded.last_number RETURNING last_number")


#: From this year on a document's number carries its full year (``BN/2100 0000001``): two digits would
#: make it collide with the number of the same series a century earlier.
FULL_YEAR_FROM = 2100


def year_label(year: int) -> str:
    """The year as a document number writes it: two digits before :data:`FULL_YEAR_FROM` (``25``), as
    every number ever printed has it, and all four from then on (``2100``)."""
    return f"{year % 100:02d}" if year < FULL_YEAR_FROM else f"{year}"


def series_label(series: str, year: int) -> str:
    """``BN/25``: a series of one year, as registers and checks name it."""
    return f"{series}/{year_label(year)}"


def format_number(series: str, year: int, number: int) -> str:
    """``BN/25 0000123``: series letters, the year (:func:`year_label`), seven-digit number. Labels are
    never ambiguous for documents dated in the date window (``ledger/clock.py``, from 2000): two digits
    stand for 2000–2099 only, later years are written in full."""
    return f"{series_label(series, year)} {number:07d}"


def full_number(series: str, year: int, number: int) -> str:
    """``BN/2025 0000123``: the number with its full year, which names one document whatever its year."""
    return f"{series}/{year:04d} {number:07d}"


def parse_number(text: str) -> tuple[str, tuple[int, ...], int]:
    """Read ``BN/25 0000123`` or ``BN/2025 0000123`` (or ``BN-25-0000123``, as in a URL; a decision's
    ``QĐ/25 0000001`` as printed, its series being ``QD``) back into
    (series, the years it may name, number). Four digits name one year; two digits name 20yy — or, in books
    kept before the date window, a document of another century printed with the same two digits, which
    :func:`document_id_by_number` tells apart."""
    t = (text or "").strip().replace("-", " ", 2).replace("/", " ", 1).split()
    if t and t[0].upper() == "QĐ":  # a decision's number as printed ("QĐ/25 0000001"): the series is "QD"
        t[0] = "QD"
    if (len(t) != 3 or not t[0].isascii() or not t[0].isalpha() or not t[1].isascii() or not t[1].isdigit()
            or len(t[1]) not in (2, 4) or not t[2].isascii() or not t[2].isdigit() or len(t[2]) > 9):
        raise InvalidInput(f"{text!r} is not a document number like BN/25 0000123", field="number",
                           reason="bad_document_number")
    yy = int(t[1])
    years = (yy,) if len(t[1]) == 4 else tuple(sorted({2000 + yy, *(c * 100 + yy for c in range(21))}))
    return t[0].upper(), years, int(t[2])


def take_numbers(conn: Connection, org_id: int, series: str, year: int, n: int) -> int:
    """Take ``n`` consecutive numbers of a series in the caller's unit of work; return the first.

    The counter row stays locked until the unit of work ends, so the next writer of the series waits
    and continues from what was committed; a rollback returns the numbers.
    """
    if n <= 0:
        raise ValueError("n must be positive")
    params = (org_id, series, year, n)
    if conn.dialect.name == "postgresql":  # queued writes (the journal's) and the bump: one round trip
        row = flush_writes(conn, query=(_BUMP, params))
    else:
        row = driver_rows(conn, _BUMP, params)[0]
    return int(row[0]) - n + 1


def number_requests(org_id: int, kind: str, counts: dict[int, int]) -> list[tuple[int, int, tuple[str, tuple]]]:
    """The statements that take ``counts[year]`` numbers of ``kind``'s series for each year, as
    (year, how many, (SQL, parameters)), for a caller that runs them itself — :func:`ledger.journal.post`
    runs them in the same round trip that locks the chain head. Each returns the series' new last number."""
    return [(y, n, (_BUMP, (org_id, SERIES[kind], y, n))) for y, n in sorted(counts.items()) if n > 0]


def first_numbers(requests: list[tuple[int, int, tuple]], rows: list) -> dict[int, int]:
    """The first number taken in each year, from :func:`number_requests` and the rows they returned."""
    return {y: int(row[0]) - n + 1 for (y, n, _q), row in zip(requests, rows, strict=True)}


def _code() -> str:
    return secrets.token_urlsafe(12)  # 16 characters: the public verification page's unguessable address


@dataclass(frozen=True)
class Issued:
    id: int
    series: str
    year: int
    number: int
    verify_code: str

    @property
    def label(self) -> str:
        return format_number(self.series, self.year, self.number)


def issue(conn: Connection, org_id: int, kind: str, items: Sequence[tuple[date, int | None, int | None]], *,
          user: str, ids: Sequence[int] | None = None, first: dict[int, int] | None = None,
          series: str | None = None) -> list[Issued]:
    """Number and write one document per item ``(date, donation_id, replaces_id)`` in the caller's
    unit of work, in the order given (numbers rise with it within each year); return them. ``first``:
    the numbers were already taken (:func:`number_requests`), starting at ``first[year]``. ``series``: the
    kind's own series unless named (a phiếu thu is a voucher of :data:`RECEIPT_VOUCHER_SERIES`)."""
    if not items:
        return []
    series = series or SERIES[kind]
    if ids is None:
        ids = allocate_ids(conn, s.documents, len(items))
    by_year: dict[int, int] = defaultdict(int)
    for on, _, _ in items:
        by_year[on.year] += 1
    nxt = dict(first) if first is not None else {
        y: take_numbers(conn, org_id, series, y, n) for y, n in sorted(by_year.items())}
    out, rows = [], []
    as_date, now = sql_date(conn), now_iso()
    for did, (on, donation_id, replaces_id) in zip(ids, items, strict=True):
        number = nxt[on.year]
        nxt[on.year] += 1
        code = _code()
        rows.append((did, org_id, kind, series, on.year, number, as_date(on), donation_id, replaces_id, code,
                     user, now))
        out.append(Issued(did, series, on.year, number, code))
    bulk_insert(conn, s.documents, _DOC_COLS, rows)
    return out


def issue_receipts(conn: Connection, org_id: int, gifts: Sequence[tuple[int, date, str]], *, user: str,
                   ids: Sequence[int] | None = None, first: dict[int, int] | None = None) -> list[Issued | None]:
    """Receipts for newly recorded donations ``(donation_id, date, kind)``: one for each gift of money or
    goods, none for a pledge. Returns one entry per gift (None where no receipt)."""
    wanted = [(on, did, None) for did, on, kind in gifts if kind in RECEIPTED_KINDS]
    issued = iter(issue(conn, org_id, "receipt", wanted, user=user,
                        ids=ids[:len(wanted)] if ids is not None else None, first=first))
    return [next(issued) if kind in RECEIPTED_KINDS else None for _, _, kind in gifts]


def _document(conn: Connection, org_id: int, doc_id: int, *, lock: bool = False):
    """The document's row; with ``lock``, held until the unit of work ends (PostgreSQL ``FOR NO KEY
    UPDATE``, which fires no trigger), so that two writers voiding or replacing one document take turns
    and the second sees what the first did. SQLite's writers already take turns (``BEGIN IMMEDIATE``)."""
    d = s.documents
    q = sa.select(d).where(d.c.id == doc_id, d.c.org_id == org_id)
    row = conn.execute(q.with_for_update(key_share=True) if lock else q).one_or_none()
    if row is None:
        raise NotFound(f"document {doc_id} not found", entity="document", id=doc_id)
    return row


def document_id_by_number(conn: Connection, org_id: int, text: str) -> int:
    """The id of the document numbered ``text`` (``BN/25 0000123``, or ``BN/2025 0000123`` with the full
    year) in the organization. Two-digit years that two documents share (books kept before the date
    window, with a document dated 1999 and one dated 2099, say) are refused, naming both in full."""
    series, years, number = parse_number(text)
    d = s.documents
    rows = conn.execute(sa.select(d.c.id, d.c.year).where(d.c.org_id == org_id, d.c.series == series,
                                                          d.c.year.in_(years), d.c.number == number)
                        .order_by(d.c.year)).all()
    if not rows:
        raise NotFound(f"document {text} not found", entity="document", number=text)
    if len(rows) > 1:
        matches = [full_number(series, r.year, number) for r in rows]
        raise Conflict(f"{text} names {len(rows)} documents ({', '.join(matches)}): write the full year",
                       field="number", reason="ambiguous_document_number", number=text.strip(),
                       matches=", ".join(matches), example=matches[-1])
    return rows[0].id


def void(conn: Connection, org_id: int, doc_id: int, *, reason: str, user: str) -> dict:
    """Void a document with a reason; it keeps its number. A document is voided once."""
    take_turn(conn, org_id)  # cannot interleave with a reversal of the gift
    doc = _document(conn, org_id, doc_id, lock=True)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("voiding a document needs a reason", field="reason", reason="empty")
    if conn.execute(sa.select(s.document_voids.c.document_id)
                    .where(s.document_voids.c.document_id == doc_id)).first():
        raise Conflict(f"{format_number(doc.series, doc.year, doc.number)} is already void",
                       reason="already_void", id=doc_id)
    conn.execute(s.document_voids.insert().values(document_id=doc_id, reason=reason[:1000], voided_by=user,
                                                  voided_at=now_iso()))
    return {"id": doc_id, "number": format_number(doc.series, doc.year, doc.number), "void": True,
            "reason": reason}


def reissue(conn: Connection, org_id: int, doc_id: int, *, reason: str, user: str, on: date | None = None) -> dict:
    """Void a document (unless it already is) and issue its replacement: a new number in the same series
    for the same donation, dated ``on`` (default: the original's date), marked as replacing it."""
    take_turn(conn, org_id)  # cannot interleave with a reversal of the gift
    doc = _document(conn, org_id, doc_id, lock=True)
    if conn.execute(sa.select(s.documents.c.id).where(s.documents.c.replaces_id == doc_id)).first():
        raise Conflict("this document was already replaced", reason="already_replaced", id=doc_id)
    if doc.donation_id is not None:
        t = s.transactions
        tx = conn.execute(sa.select(s.donations.c.tx_id).where(s.donations.c.id == doc.donation_id)).scalar()
        if conn.execute(sa.select(t.c.id).where(t.c.reverses_id == tx)).first():
            raise Conflict("the donation was reversed: its receipt is not replaced", reason="donation_reversed")
    voided = conn.execute(sa.select(s.document_voids.c.document_id)
                          .where(s.document_voids.c.document_id == doc_id)).first()
    if not voided:
        void(conn, org_id, doc_id, reason=reason, user=user)
    if on is not None and on.year != doc.year:
        raise InvalidInput("a replacement is dated in the year of the document it replaces", field="date",
                           reason="other_year")
    new = issue(conn, org_id, doc.kind, [(on or doc.date, doc.donation_id, doc_id)], user=user)[0]
    return {"id": new.id, "number": new.label, "replaces": format_number(doc.series, doc.year, doc.number),
            "replaces_id": doc_id, "verify_code": new.verify_code}


def void_for_reversal(conn: Connection, org_id: int, tx_id: int, *, reason: str, user: str) -> list[int]:
    """Void the live receipts of the donation posted as ``tx_id`` (its transaction is being reversed), and the
    voucher of an ordinary cost, income or move posted as it (``ledger/expenses.py``)."""
    d, v, vo = s.documents, s.document_voids, s.vouchers
    live = ~sa.exists().where(v.c.document_id == d.c.id)
    ids = [r[0] for r in conn.execute(
        sa.select(d.c.id).join(s.donations, s.donations.c.id == d.c.donation_id)
        .where(s.donations.c.tx_id == tx_id, d.c.org_id == org_id, live)
        .union_all(sa.select(d.c.id).join(vo, vo.c.document_id == d.c.id)
                   .where(vo.c.tx_id == tx_id, d.c.org_id == org_id, live)))]
    now = now_iso()
    for i in ids:
        conn.execute(v.insert().values(document_id=i, reason=f"Đảo bút toán: {reason}"[:1000], voided_by=user,
                                       voided_at=now))
    return ids


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class RegisterRow:
    """One number of a series: its document, state ("issued", "void") and what replaced or was replaced."""

    id: int
    series: str
    year: int
    number: int
    date: date
    donation_id: int | None
    donor: str | None
    fund: str | None
    amount: int | None
    void_reason: str | None
    voided_at: str | None
    replaces: str | None
    replaced_by: str | None
    created_at: str

    @property
    def label(self) -> str:
        return format_number(self.series, self.year, self.number)

    @property
    def state(self) -> str:
        return "void" if self.void_reason is not None else "issued"


def register(conn: Connection, org_id: int, *, series: str = "BN", year: int, limit: int | None = None,
             offset: int = 0, doc_id: int | None = None) -> tuple[list[RegisterRow], int]:
    """The register of a series for a year: every number in order, with its state; and how many."""
    d = s.documents
    cond = (d.c.org_id == org_id, d.c.id == doc_id) if doc_id is not None else (
        d.c.org_id == org_id, d.c.series == series, d.c.year == year)
    total = conn.execute(sa.select(sa.func.count()).select_from(d).where(*cond)).scalar()
    q = _register_query(cond).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return [_register_row(r) for r in conn.execute(q)], total


def iter_register(conn: Connection, org_id: int, *, series: str = "BN", year: int,
                  chunk: int = 2000) -> Iterator[RegisterRow]:
    """The register of a series for a year, number by number, read ``chunk`` rows at a time (a server-side
    cursor on PostgreSQL): for exports of any length in constant memory."""
    d = s.documents
    q = _register_query((d.c.org_id == org_id, d.c.series == series, d.c.year == year))
    for part in conn.execution_options(stream_results=True, yield_per=chunk).execute(q).partitions():
        yield from (_register_row(r) for r in part)


def _register_query(cond):
    d, v, dn, don, f = s.documents, s.document_voids, s.donations, s.donors, s.funds
    orig = d.alias("orig")
    repl = d.alias("repl")
    return (sa.select(d.c.id, d.c.series, d.c.year, d.c.number, d.c.date, d.c.donation_id, don.c.name,
                   f.c.code, dn.c.amount, v.c.reason, v.c.voided_at, orig.c.series.label("o_series"),
                   orig.c.year.label("o_year"), orig.c.number.label("o_number"),
                   repl.c.series.label("r_series"), repl.c.year.label("r_year"), repl.c.number.label("r_number"),
                   d.c.created_at)
         .select_from(d.outerjoin(v, v.c.document_id == d.c.id)
                      .outerjoin(dn, dn.c.id == d.c.donation_id)
                      .outerjoin(don, don.c.id == dn.c.donor_id)
                      .outerjoin(f, f.c.id == dn.c.fund_id)
                      .outerjoin(orig, orig.c.id == d.c.replaces_id)
                      .outerjoin(repl, repl.c.replaces_id == d.c.id))
         .where(*cond).order_by(d.c.number))


def _register_row(r) -> RegisterRow:
    return RegisterRow(r.id, r.series, r.year, r.number, r.date, r.donation_id, r.name, r.code, r.amount,
                       r.reason, r.voided_at,
                       format_number(r.o_series, r.o_year, r.o_number) if r.o_number else None,
                       format_number(r.r_series, r.r_year, r.r_number) if r.r_number else None, r.created_at)


def register_row(conn: Connection, org_id: int, doc_id: int) -> RegisterRow:
    """One document as the register shows it (NotFound outside the organization)."""
    rows, _n = register(conn, org_id, year=0, doc_id=doc_id)
    if not rows:
        raise NotFound(f"document {doc_id} not found", entity="document", id=doc_id)
    return rows[0]


def series_years(conn: Connection, org_id: int) -> list[tuple[str, int, int]]:
    """(series, year, last number) of every series the organization has used, newest year first."""
    c = s.doc_counters
    return [(r.series, r.year, r.last_number) for r in conn.execute(
        sa.select(c.c.series, c.c.year, c.c.last_number).where(c.c.org_id == org_id)
        .order_by(c.c.year.desc(), c.c.series))]


def check_gapless(conn: Connection, org_id: int) -> list[str]:
    """Every problem with the organization's numbering (none when each series is exactly 1..N and its
    counter says N) — what ``quy verify`` reports."""
    d, c = s.documents, s.doc_counters
    problems = []
    counted = {(r.series, r.year): (r.n, r.lo, r.hi) for r in conn.execute(
        sa.select(d.c.series, d.c.year, sa.func.count().label("n"), sa.func.min(d.c.number).label("lo"),
                  sa.func.max(d.c.number).label("hi"))
        .where(d.c.org_id == org_id).group_by(d.c.series, d.c.year))}
    counters = {(r.series, r.year): r.last_number for r in conn.execute(
        sa.select(c.c.series, c.c.year, c.c.last_number).where(c.c.org_id == org_id))}
    for key in sorted(set(counted) | set(counters)):
        n, lo, hi = counted.get(key, (0, None, None))
        last = counters.get(key, 0)
        name = series_label(*key)
        if n and (lo != 1 or hi != n):
            problems.append(f"{name}: numbers {lo}..{hi} held by {n} documents (a gap)")
        if last != n:
            problems.append(f"{name}: counter says {last}, {n} documents issued")
    return problems


# --------------------------------------------------------------------------- the gold book

_GOLD_SQL = (
    "INSERT INTO gold_book_entries (org_id, donation_id, date, name, amount, item, fund_id, campaign_id, message, "
    "requested, created_at) "
    "SELECT dn.org_id, dn.id, dn.date, "
    "CASE WHEN d.anonymous THEN %s WHEN d.display_name <> '' THEN d.display_name ELSE d.name END, "
    "CASE WHEN d.hide_amount THEN NULL ELSE dn.amount END, "
    "CASE WHEN dn.kind = 'in_kind' THEN dn.item_description || ' (' || dn.item_quantity || ' ' || dn.item_unit "
    "|| ')' END, dn.fund_id, dn.campaign_id, dn.message, coalesce(dn.gold_book, %s), %s "
    "FROM donations dn JOIN transactions t ON t.id = dn.tx_id JOIN donors d ON d.id = dn.donor_id "
    "JOIN organizations o ON o.id = dn.org_id "
    "WHERE t.org_id = %s AND t.seq BETWEEN %s AND %s AND dn.kind <> 'pledge_payment' AND d.listed = %s "
    "AND (dn.gold_book = %s OR (dn.gold_book IS NULL AND o.gold_book_threshold IS NOT NULL "
    "AND dn.amount >= o.gold_book_threshold)) ORDER BY t.seq")


def enter_gold_book(conn: Connection, org_id: int, first_seq: int, last_seq: int) -> None:
    """Enter into the gold book the donations posted as transactions ``first_seq..last_seq`` that earn a
    place, of donors who agreed to be listed: asked for by the donor, or at or above the organization's
    threshold (never a gift whose donor declined). One set-based statement, queued with the unit of work's writes.
    The entry keeps the name as shown then ("Nhà hảo tâm" for an anonymous donor) and the
    amount unless the donor hides it."""
    true = True if conn.dialect.name == "postgresql" else 1
    false = False if conn.dialect.name == "postgresql" else 0
    write_later(conn, _GOLD_SQL, (ANONYMOUS, false, now_iso(), org_id, first_seq, last_seq, true, true))


def gold_book_may_take(items: Sequence, threshold: int | None) -> bool:
    """Whether any of the validated gifts ``items`` can earn a place in the gold book (asked for, or at or
    above ``threshold``): when none can, :func:`enter_gold_book` is not run at all."""
    return any(v.kind != "pledge_payment" and (v.gold_book is True or (
        v.gold_book is None and threshold is not None and v.amount >= threshold)) for v in items)


def request_gold_book(conn: Connection, org_id: int, donation_id: int) -> int:
    """Enter one donation into the gold book on request, after it was recorded; return the entry's id."""
    dn, t = s.donations, s.transactions
    row = conn.execute(sa.select(dn.c.kind, t.c.seq, s.donors.c.listed).join(t, t.c.id == dn.c.tx_id)
                       .join(s.donors, s.donors.c.id == dn.c.donor_id)
                       .where(dn.c.id == donation_id, dn.c.org_id == org_id)).one_or_none()
    if row is None:
        raise NotFound(f"donation {donation_id} not found", entity="donation", id=donation_id)
    if row.kind == "pledge_payment":
        raise InvalidInput("a pledge payment is honoured through its pledge", field="donation_id",
                           reason="pledge_payment")
    if not row.listed:
        raise InvalidInput("the donor did not agree to be listed; change that first", field="donation_id",
                           reason="not_listed")
    g = s.gold_book_entries
    take_turn(conn, org_id)  # two requests for one gift: the second waits, then finds the entry
    if conn.execute(sa.select(g.c.id).where(g.c.donation_id == donation_id)).first():
        raise Conflict("the gift is already in the gold book", reason="already_in_gold_book")
    sql = _GOLD_SQL.replace("coalesce(dn.gold_book, %s)", "%s").replace(
        "AND d.listed = %s AND (dn.gold_book = %s OR (dn.gold_book IS NULL AND o.gold_book_threshold IS NOT NULL "
        "AND dn.amount >= o.gold_book_threshold))", "")
    true = True if conn.dialect.name == "postgresql" else 1
    params = (ANONYMOUS, true, now_iso(), org_id, row.seq, row.seq)
    if conn.dialect.paramstyle == "qmark":
        sql = sql.replace("%s", "?")
    conn.exec_driver_sql(sql, params)
    return conn.execute(sa.select(g.c.id).where(g.c.donation_id == donation_id)).scalar_one()
