"""The auditor package: one ZIP for a locked period — the statements (PDF, XLSX, CSV), each bank
account's reconciliation at the month ends its statements cover (PDF, XLSX, CSV), the donations register,
the journal as CSV, the books as beancount, and a manifest with the journal's head digest and the sha256
of every file, so an auditor can later check that nothing they were given has changed."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ledger import journal, proofcheck, proofs
from ledger import schema as s
from ledger.errors import Conflict, InvalidInput

from . import beancount as bc
from . import registers, statements, tables
from .bankrec import reconcile, reconciliation_table, statement_month_ends
from .tabular import safe_cell

#: fixed timestamps inside the archive, so the same books and period give the same bytes
_STAMP = (2000, 1, 1, 0, 0, 0)


def _journal_csv(conn: Connection, org_id: int, period: bc.Period) -> str:
    """Every posting of the period with its transaction (seq, date, document, description, source, hash)."""
    t, p, a, f = s.transactions, s.postings, s.accounts, s.funds
    q = (sa.select(t.c.seq, t.c.date, t.c.doc_ref, t.c.description, t.c.source, a.c.code, f.c.code.label("fund"),
                   p.c.amount, t.c.hash)
         .join(p, p.c.tx_id == t.c.id).join(a, a.c.id == p.c.account_id).join(f, f.c.id == p.c.fund_id)
         .where(t.c.org_id == org_id, *period.bounds(t.c.date)).order_by(t.c.seq, p.c.id))
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["seq", "date", "doc", "description", "source", "account", "fund", "debit", "credit", "hash"])
    for r in conn.execute(q):
        d = r.date.isoformat() if isinstance(r.date, date) else r.date
        w.writerow([safe_cell(v) for v in (r.seq, d, r.doc_ref, r.description, r.source, r.code, r.fund,
                                           r.amount if r.amount > 0 else 0, -r.amount if r.amount < 0 else 0, r.hash)])
    return buf.getvalue()


def build(conn: Connection, org_id: int, period: bc.Period, *, pdf=None) -> bytes:
    """Return the package's ZIP for ``org_id`` over ``period``, which must lie within the locked books
    (a period without an end ends at the lock date).

    ``pdf(table) -> bytes`` renders a statement as PDF (``receipts.statement``); without it, no PDFs.
    """
    o = s.organizations
    org = conn.execute(sa.select(o.c.code, o.c.name, o.c.lock_date).where(o.c.id == org_id)).one()
    lock = date.fromisoformat(org.lock_date) if isinstance(org.lock_date, str) else org.lock_date
    if lock is not None and lock > date(9998, 12, 31):  # dissolved: sealed for good; the books end with its last day
        t = s.transactions
        last = conn.execute(sa.select(sa.func.max(t.c.date)).where(t.c.org_id == org_id)).scalar()
        lock = (date.fromisoformat(last) if isinstance(last, str) else last) or date(2000, 1, 1)
    if period.end is None and lock is not None:
        period = bc.Period(period.start, lock)
    if lock is None or period.end is None or period.end > lock:
        raise Conflict(f"lock the books through {period.end or 'the period end'} first", reason="not_locked",
                       lock_date=lock.isoformat() if lock else None)
    if period.start and period.start > period.end:
        raise InvalidInput("the period ends before it starts", field="to", reason="period_reversed")
    files: dict[str, bytes] = {}

    def add_table(name: str, table: tables.Table) -> None:
        files[f"{name}.csv"] = tables.to_csv(table).encode("utf-8")
        files[f"{name}.xlsx"] = tables.to_xlsx(table)
        if pdf is not None:
            files[f"{name}.pdf"] = pdf(table)

    add_table("trial-balance", tables.trial_table(statements.trial_balance(conn, [org_id], period)))
    f = s.funds
    for code in conn.execute(sa.select(f.c.code).where(f.c.org_id == org_id).order_by(f.c.code)).scalars():
        add_table(f"fund-{code}", tables.fund_table(statements.fund_statement(conn, org_id, code, period)))
    add_table("donations", registers.donations_register(conn, org_id, period))

    a = s.accounts
    for code, name in conn.execute(sa.select(a.c.code, a.c.name).where(
            a.c.org_id == org_id, a.c.role == "bank", a.c.parent_id.is_not(None)).order_by(a.c.code)):
        for end in statement_month_ends(conn, org_id, code, period.start, period.end):
            add_table(f"bank-reconciliation-{code}-{end:%Y-%m}",
                      reconciliation_table(reconcile(conn, org_id, code, end), name))
    files["journal.csv"] = _journal_csv(conn, org_id, period).encode("utf-8")
    files["books.beancount"] = "".join(bc.export(conn, [org_id], period)).encode("utf-8")
    if proofs.keys(conn, org_id) is not None:  # the signed roots, the log and its checker (README "Proofs …")
        files["proofs/log.json"] = json.dumps(proofs.log(conn, org_id), ensure_ascii=False, indent=1).encode("utf-8")
        files["proofs/public-key.txt"] = (proofs.public_key(conn, org_id)["public_key"] + "\n").encode()
        files["proofs/proofcheck.py"] = Path(proofcheck.__file__).read_bytes()
    seq, head = journal.head_digest(conn, org_id)
    t = s.transactions
    last = conn.execute(sa.select(t.c.seq, t.c.hash).where(t.c.org_id == org_id, t.c.date <= period.end)
                        .order_by(t.c.seq.desc()).limit(1)).first()
    lines = [f"Quỹ — hồ sơ kiểm toán / auditor package: {org.code} ({org.name})",
             f"period: {period.start.isoformat() if period.start else '…'} – {period.end.isoformat()}",
             f"books locked through: {lock.isoformat()}",
             f"journal head: #{seq} {head}",
             f"last transaction dated in the period: #{last.seq} {last.hash}" if last else "no transaction",
             f'check the journal later with: quy verify --expect "{org.code} {seq} {head}"',
             "", "sha256 of each file:"]
    lines += [f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in sorted(files.items())]
    files["MANIFEST.txt"] = ("\n".join(lines) + "\n").encode("utf-8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in sorted(files.items()):
            z.writestr(zipfile.ZipInfo(f"{org.code}/{name}", date_time=_STAMP), data,
                       compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()
