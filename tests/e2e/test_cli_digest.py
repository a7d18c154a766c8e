"""``quy digest`` and ``quy verify --expect``: the line one prints is the line the other checks — the named
organization, at that sequence number, with that hash, its books verifying to the head — on both databases."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from ledger import orgs, services
from ledger.db import Database
from ledger.donations import DonationInput, DonorInput
from ledger.errors import InvalidInput
from ledger.journal import guards as dbguards
from ledger.journal.digests import Digest, parse_digest
from ledger.migrate import upgrade
from tests.conftest import PgSchema, make_books
from tests.helpers import give
from web.cli import main


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def books_url(request, tmp_path):
    """Small books with three gifts and a second, empty organization, and the URL the CLI reaches them by."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
        db = Database(url)
    else:
        schema = PgSchema()
        url, db = schema.url, schema.database()
    upgrade(db)
    books = make_books(db)
    with db.begin() as c:
        tch = orgs.create_organization(c, code="SLA-TCH", name="Hội Khuyến học huyện Thuận Châu",
                                       level="district", parent_code="SLA")
        orgs.create_fund(c, tch, code="KH", name="Quỹ Khuyến học huyện", kind="general")
    for i in range(3):
        give(books, 1_000_000 * (i + 1), name=f"Nhà hảo tâm {i}", on=date(2025, 3, 1 + i))
    services.record_donation(db, "SLA-TCH", DonationInput(fund="KH", amount=500_000, date=date(2025, 3, 2),
                                                          donor=DonorInput(name="Lò Văn Hải")), user="test")
    yield books, url
    db.dispose()
    if schema is not None:
        schema.drop()


def quy(url, *args):
    r = CliRunner().invoke(main, ["--database", url, *args])
    assert "Traceback" not in r.output and (r.exception is None or isinstance(r.exception, SystemExit)), \
        (r.output, r.exception)
    return r


def _raw(db, *sqls):
    with db.begin() as c:
        for stmt in dbguards.drop_statements(db.dialect) + dbguards.document_drop_statements(db.dialect):
            c.exec_driver_sql(stmt)
        for q in sqls:
            c.execute(sa.text(q))


def test_the_line_quy_digest_prints_is_accepted_as_is_and_still_after_new_entries(books_url):
    books, url = books_url
    line = quy(url, "digest", "--org", "SLA").output.strip()
    assert line.split()[:2] == ["SLA", "3"] and len(line.split()[2]) == 64
    r = quy(url, "verify", "--expect", line)
    assert r.exit_code == 0 and f"OK     expected digest SLA #3 {line.split()[2]} is in the journal" in r.output
    assert quy(url, "verify", "--org", "SLA", "--expect", line).exit_code == 0
    give(books, 4_000_000, name="Nhà hảo tâm mới", on=date(2025, 3, 9))
    assert quy(url, "digest", "--org", "SLA").output.split()[1] == "4"
    r = quy(url, "verify", "--expect", line)  # the older digest: a prefix of the chain
    assert r.exit_code == 0, r.output
    every = quy(url, "digest").output  # one line per organization, all checked at once
    assert sorted(x.split()[0] for x in every.splitlines()) == ["SLA", "SLA-TCH"]
    r = quy(url, "verify", "--expect", every)
    assert r.exit_code == 0 and r.output.count("OK     expected digest") == 2
    assert quy(url, "verify", "--org", "SLA", "--expect", "3:" + line.split()[2]).exit_code == 0  # SEQ:HASH


def test_a_forged_hash_fails(books_url):
    _books, url = books_url
    org, seq, h = quy(url, "digest", "--org", "SLA").output.split()
    forged = ("0" if h[0] != "0" else "1") + h[1:]
    r = quy(url, "verify", "--expect", f"{org} {seq} {forged}")
    assert r.exit_code == 1 and "BROKEN expected digest SLA #3" in r.output and "not the one" in r.output
    r = quy(url, "verify", "--expect", f"{org} 2 {h}")  # the head's hash at another number
    assert r.exit_code == 1 and "#2 has hash" in r.output


def test_another_organizations_digest_fails(books_url):
    _books, url = books_url
    line = quy(url, "digest", "--org", "SLA").output.strip()
    r = quy(url, "verify", "--org", "SLA-TCH", "--expect", line)
    assert r.exit_code == 1 and "the digest is of SLA, not of SLA-TCH" in r.output
    other = quy(url, "digest", "--org", "SLA-TCH").output.strip()
    assert other.split()[:2] == ["SLA-TCH", "1"]
    r = quy(url, "verify", "--expect", other.replace("SLA-TCH", "SLA", 1))  # SLA-TCH's head claimed for SLA
    assert r.exit_code == 1 and "BROKEN expected digest SLA #1" in r.output and "not the one" in r.output
    r = quy(url, "verify", "--expect", "XCM" + line[3:])
    assert r.exit_code == 1 and "no organization XCM" in r.output


def test_a_sequence_beyond_the_head_fails(books_url):
    _books, url = books_url
    _org, _seq, h = quy(url, "digest", "--org", "SLA").output.split()
    r = quy(url, "verify", "--expect", f"SLA 4 {h}")
    assert r.exit_code == 1 and "#4 is beyond SLA's head #3" in r.output


@pytest.mark.parametrize("garbage", ["", "   ", "garbage", "SLA 3", "SLA three " + "a" * 64, "SLA -1 " + "a" * 64,
                                     "SLA 3 " + "z" * 64, "SLA 3 " + "a" * 63, "SLA 3 " + "a" * 64 + " extra",
                                     "a" * 64, "3:" + "a" * 64, "SLA 3 " + "a" * 100_000, "SLA ３ " + "a" * 64])
def test_a_malformed_digest_fails_with_a_message(books_url, garbage):
    _books, url = books_url
    r = quy(url, "verify", "--expect", garbage)
    assert r.exit_code == 1 and "BROKEN expected digest" in r.output


@pytest.mark.parametrize("tamper", [
    "UPDATE chain_heads SET last_seq = last_seq + 5",
    "UPDATE chain_heads SET last_hash = '" + "ab" * 32 + "'",
    "UPDATE chain_heads SET last_seq = last_seq + 5, last_hash = '" + "ab" * 32 + "'",
    "UPDATE chain_heads SET last_seq = last_seq - 1",
])
def test_a_tampered_chain_head_fails_verify_with_a_message_not_a_traceback(books_url, tamper):
    books, url = books_url
    line = quy(url, "digest", "--org", "SLA").output.strip()
    _raw(books.db, tamper + f" WHERE org_id = {books.org_id}")
    r = quy(url, "verify")
    assert r.exit_code == 1 and "BROKEN SLA" in r.output
    r = quy(url, "verify", "--expect", line)
    assert r.exit_code == 1 and "BROKEN expected digest SLA #3" in r.output and "does not verify" in r.output
    assert quy(url, "digest", "--org", "SLA").exit_code == 0


def test_parse_digest_reads_the_printed_line_and_the_older_form():
    h = "ab" * 32
    assert parse_digest(f"SLA 12 {h}") == Digest("SLA", 12, h)
    assert parse_digest(f"  SLA-TCH\t0  {h.upper()}\n") == Digest("SLA-TCH", 0, h)
    assert parse_digest(f"12:{h}", org_code="SLA") == Digest("SLA", 12, h)
    assert Digest("SLA", 12, h).line == f"SLA 12 {h}"
    for bad in (f"12:{h}", h, f"SLA 12 {h[:-1]}", f"SLA 1.5 {h}", "", None):
        with pytest.raises(InvalidInput) as err:
            parse_digest(bad)
        assert err.value.params["reason"] in ("bad_digest", "digest_needs_org")
