"""The auditor package of a locked period: every statement as PDF, XLSX and CSV, the donations register,
the journal, the beancount books beancount accepts, and a manifest whose digests match the files and whose
head digest matches the journal; refused for a period that is not locked."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
from beancount import loader

from books.beancount import Period
from ledger import journal, orgs, services
from ledger.errors import Conflict
from receipts import service as docs
from tests.helpers import give


def test_the_package_of_a_locked_quarter(books):
    b = books
    give(b, 2_000_000, on=date(2025, 2, 1))
    give(b, 3_000_000, on=date(2025, 3, 31), fund="KHT", name='=HYPERLINK("http://x")')
    give(b, 4_000_000, on=date(2025, 4, 2))
    with pytest.raises(Conflict):
        docs.auditor_package(b.db, "SLA", period=Period.parse("2025-01-01", "2025-03-31"), with_pdf=False)
    services.lock_period(b.db, "SLA", "2025-03-31")
    data = docs.auditor_package(b.db, "SLA", period=Period.parse("2025-01-01", "2025-03-31"))
    z = zipfile.ZipFile(io.BytesIO(data))
    names = {n.split("/", 1)[1] for n in z.namelist()}
    for stem in ("trial-balance", "fund-TOHIEU", "fund-KHT", "donations"):
        assert {f"{stem}.pdf", f"{stem}.xlsx", f"{stem}.csv"} <= names, stem
    assert {"journal.csv", "books.beancount", "MANIFEST.txt"} <= names
    manifest = z.read("SLA/MANIFEST.txt").decode()
    for name in names - {"MANIFEST.txt"}:
        assert f"{hashlib.sha256(z.read('SLA/' + name)).hexdigest()}  {name}" in manifest
    with b.db.read() as c:
        seq, head = journal.head_digest(c, orgs.org_id_by_code(c, "SLA"))
    assert f"journal head: #{seq} {head}" in manifest
    assert f'quy verify --expect "SLA {seq} {head}"' in manifest  # the line quy digest prints
    _entries, errors, _ = loader.load_string(z.read("SLA/books.beancount").decode())
    assert errors == []
    journal_csv = z.read("SLA/journal.csv").decode()
    assert "2025-04-02" not in journal_csv and "2025-03-31" in journal_csv
    donations = z.read("SLA/donations.csv").decode()
    assert "'=HYPERLINK" in donations and "3000000" in donations
