"""Proofs that every gift is counted (issue 27), on both engines: locking the books publishes each completed month,
quarter and year per fund, signed, into an append-only log; every receipt's proof verifies with the one-file
checker against the signed roots, whose net equals the fund statement's gifts; a root that disagrees with the
books is refused and nothing is written; the log's versions are consistent and a rewritten past is caught."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from books.beancount import Period
from books.statements import fund_statement
from ledger import orgs, proofs, services
from ledger import proofcheck as P
from ledger import schema as s
from ledger.errors import Conflict, NotFound
from ledger.journal import Entry, Line, post
from tests.helpers import give


def _codes(db, org_id):
    d, doc = s.donations, s.documents
    with db.read() as c:
        return dict(c.execute(sa.select(d.c.id, doc.c.verify_code).join(doc, doc.c.donation_id == d.c.id)
                              .where(d.c.org_id == org_id, doc.c.kind == "receipt")).all())


def _key(db, org):
    return bytes.fromhex(services.publication_key(db, org)["public_key"])


def test_locking_publishes_each_completed_period_and_every_receipt_proves_its_gift(db, books):
    amounts = [(500_000, date(2025, 1, 10)), (2_000_000, date(2025, 2, 3)), (1_000_000, date(2025, 2, 20)),
               (10_000_000, date(2025, 3, 31)), (300_000, date(2025, 4, 1))]
    ids = [give(books, a, on=d, name=f"Nhà hảo tâm {i}")["donation_id"] for i, (a, d) in enumerate(amounts)]
    r = services.lock_period(db, books.org, "2025-03-31")
    assert set(r["published"]) >= {f"{books.fund} 2025-01", f"{books.fund} 2025-02", f"{books.fund} 2025-03",
                                    f"{books.fund} 2025-Q1"}
    assert not any(p.endswith(("2025-04", "2025-Q2", " 2025")) for p in r["published"])
    key = _key(db, books.org)
    codes = _codes(db, books.org_id)
    for i, (a, _) in enumerate(amounts[:4]):
        proof = services.proof_for_code(db, codes[ids[i]])
        got = P.verify_proof(proof, key)
        assert (got["amount"], got["period"], got["total"]) == (a, "2025-Q1", 13_500_000)
    with pytest.raises(NotFound) as e:  # April is not locked: not published
        services.proof_for_code(db, codes[ids[4]])
    assert e.value.params.get("reason") == "not_published"
    # each root's net is the fund statement's gifts for its period, read by the books' own function
    with db.read() as c:
        for st in (e["statement"] for e in proofs.published(c, books.org_id)):
            fs = fund_statement(c, books.org_id, st["fund"], Period.parse(st["from"], st["to"]))
            figure = fs.donations + fs.donations_in_kind if st["kind"] == "gifts" else fs.awards_paid
            assert st["net"] == figure, (st["kind"], st["period"])
    P.verify_log(services.proof_log(db, books.org), key)


def test_a_later_lock_appends_and_the_log_proves_it_kept_what_it_published(db, books):
    give(books, 1_000_000, on=date(2025, 1, 5))
    services.lock_period(db, books.org, "2025-01-31")
    first = services.proof_log(db, books.org)
    give(books, 4_000_000, on=date(2025, 2, 5))
    services.lock_period(db, books.org, "2025-06-30")
    later = services.proof_log(db, books.org, since=len(first["entries"]))
    key = _key(db, books.org)
    assert later["entries"][:len(first["entries"])] == first["entries"]
    P.verify_log(later, key, previous=first)
    # a past entry rewritten in what the server sends: the old head's consistency fails
    forged = json.loads(json.dumps(later))
    forged["entries"][0]["statement"]["total"] += 1
    with pytest.raises(P.ProofError):
        P.verify_log(forged, key, previous=first)
    assert services.publish_proofs(db, books.org)["published"] == []  # nothing twice


def test_a_gift_reversed_in_a_later_month_stays_in_its_month_and_the_later_month_says_so(db, books):
    a = give(books, 5_000_000, on=date(2025, 1, 10))
    b = give(books, 700_000, on=date(2025, 1, 12))
    give(books, 900_000, on=date(2025, 2, 1))
    # b reversed in its own month: out of every tree; a in a later month
    services.reverse(db, books.org, b["tx_id"], reason="ghi trùng", on=date(2025, 1, 20), user="test")
    services.reverse(db, books.org, a["tx_id"], reason="nhầm quỹ", on=date(2025, 2, 10), user="test")
    services.lock_period(db, books.org, "2025-03-31")
    with db.read() as c:
        by = {e["statement"]["period"]: e["statement"] for e in proofs.published(c, books.org_id, fund_code=books.fund)
              if e["statement"]["kind"] == "gifts"}
    assert (by["2025-01"]["total"], by["2025-01"]["documents"], by["2025-01"]["net"]) == (5_000_000, 1, 5_000_000)
    assert (by["2025-02"]["total"], by["2025-02"]["reversed_earlier"], by["2025-02"]["net"]) == \
        (900_000, 5_000_000, -4_100_000)
    assert by["2025-Q1"]["net"] == 900_000
    with pytest.raises(NotFound):  # reversed in its month: in no tree
        services.proof_for_code(db, _codes(db, books.org_id)[b["donation_id"]])


def test_a_root_that_disagrees_with_the_books_is_refused_and_nothing_is_written(db, books):
    give(books, 1_000_000, on=date(2025, 1, 10))
    with db.begin() as c:  # donation income booked without a gift behind it: no receipt, no leaf
        post(c, books.org_id, [Entry(date(2025, 1, 15), "Thu không có biên nhận", (
            Line(orgs.account_by_code(c, books.org_id, "111").id, books.fund_id, 250_000),
            Line(orgs.account_by_code(c, books.org_id, "711").id, books.fund_id, -250_000)), source="manual")],
             user="test")
    with pytest.raises(Conflict) as e:
        services.lock_period(db, books.org, "2025-01-31")
    assert e.value.params["reason"] == "proof_totals"
    assert (e.value.params["tree"], e.value.params["statement"]) == (1_000_000, 1_250_000)
    with db.read() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(s.published_roots)).scalar() == 0
        o = s.organizations
        assert c.execute(sa.select(o.c.lock_date).where(o.c.id == books.org_id)).scalar() is None


@pytest.mark.parametrize("table", ["published_roots", "log_heads", "publication_keys"])
def test_what_was_published_cannot_be_changed_or_deleted_in_the_database(db, books, table):
    give(books, 1_000_000, on=date(2025, 1, 10))
    services.lock_period(db, books.org, "2025-01-31")
    column = {"published_roots": "signature", "log_heads": "signature", "publication_keys": "public_key"}[table]
    for sql in (f"UPDATE {table} SET {column} = 'ab'", f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DBAPIError) as e, db.begin() as c:
            c.execute(sa.text(sql))
        assert "append-only" in str(e.value)


def test_no_public_answer_names_another_person_or_document(db, books):
    """The proof (and its compact form), the log, the roots, the key and the months' contexts: no donor's name, and
    no receipt number but the asker's own."""
    names = [f"Người cho thứ {i}" for i in range(12)]
    ids = [give(books, 1_000_000 * (i + 1), on=date(2025, 1, 1 + i), name=n, anonymous=i % 2 == 0)["donation_id"]
           for i, n in enumerate(names)]
    services.lock_period(db, books.org, "2025-03-31")
    codes = _codes(db, books.org_id)
    with db.read() as c:
        numbers = {r.donation_id: f"{r.series}/{r.year % 100:02d} {r.number:07d}" for r in c.execute(
            sa.select(s.documents.c.donation_id, s.documents.c.series, s.documents.c.year, s.documents.c.number)
            .where(s.documents.c.kind == "receipt"))}
    public = [json.dumps(x, ensure_ascii=False) for x in (
        services.proof_log(db, books.org), services.published_roots(db, books.org),
        services.publication_key(db, books.org),
        *(services.proof_context(db, books.org, books.fund, m) for m in ("2025-01", "2025-02", "2025-03")))]
    for i in ids:
        text = json.dumps(services.proof_for_code(db, codes[i]), ensure_ascii=False)
        assert numbers[i] in text
        assert not [n for j, n in numbers.items() if j != i and n in text]
        public.append(text)
        compact = P.pack_proof(services.proof_for_code(db, codes[i]))  # the compact form: its bytes as text
        assert numbers[i].encode() in compact
        assert not [n for j, n in numbers.items() if j != i and n.encode() in compact]
        assert not [n for n in names if n.encode() in compact]
    for text in public:
        assert not [n for n in names if n in text]


def offline_checker(tmp_path: Path):
    """``run(*args)``: the one-file checker under ``python -S`` (no site-packages), with only ``cryptography``
    (and what it loads) put on its path — nothing of Quỹ — in ``tmp_path``."""
    script = tmp_path / "proofcheck.py"
    script.write_bytes(Path(P.__file__).read_bytes())
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    import cryptography

    os.symlink(Path(cryptography.__file__).parent, site / "cryptography")
    for dep in ("cffi", "_cffi_backend"):  # what cryptography itself may load
        try:
            m = __import__(dep)
        except ImportError:
            continue
        src = Path(m.__file__)
        os.symlink(src.parent if src.name == "__init__.py" else src,
                   site / (dep if src.name == "__init__.py" else src.name))
    boot = ("import sys; sys.path.insert(0, sys.argv.pop(1)); sys.argv = sys.argv[1:]; import runpy; "
            "assert 'ledger' not in sys.modules; runpy.run_path(sys.argv[0], run_name='__main__')")

    def run(*args):
        return subprocess.run([sys.executable, "-S", "-c", boot, str(site), str(script), *args],
                              capture_output=True, text=True, cwd=tmp_path)

    return run


def test_the_one_file_checker_runs_with_nothing_but_python_and_cryptography(db, books, tmp_path):
    """The checker verifies a proof and the log, and refuses a tampered proof with status 1."""
    give(books, 2_000_000, on=date(2025, 1, 10))
    d = give(books, 3_000_000, on=date(2025, 2, 10))
    services.lock_period(db, books.org, "2025-03-31")
    proof = services.proof_for_code(db, _codes(db, books.org_id)[d["donation_id"]])
    (tmp_path / "proof.json").write_text(json.dumps(proof), encoding="utf-8")
    (tmp_path / "log.json").write_text(json.dumps(services.proof_log(db, books.org)), encoding="utf-8")
    (tmp_path / "key.txt").write_text(services.publication_key(db, books.org)["public_key"])
    proof["pieces"][0]["amount"] += 1
    proof["pieces"][1]["amount"] -= 1
    (tmp_path / "forged.json").write_text(json.dumps(proof), encoding="utf-8")
    run = offline_checker(tmp_path)
    ok = run("proof.json", "--key", "key.txt")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "is counted in the 5,000,000 đ" in ok.stdout
    assert run("log.json", "--key", "key.txt").returncode == 0
    bad = run("forged.json", "--key", "key.txt")
    assert bad.returncode == 1 and "FAILED" in bad.stdout


def test_the_demo_publishes_its_campaign_and_every_campaign_receipt_proves_its_gift_and_no_more(db, tmp_path):
    """`quy demo`'s story locks its campaign's quarter: the Tô Hiệu fund's signed quarter holds the seeds'
    2.224.402.000 đ; every receipt of it proves its gift (also with the offline checker); no proof names a
    donor or another receipt, and no sibling sum in any proof equals the amount of a single gift of the year."""
    from ledger.ops.story import load_story

    with db.begin() as c:
        year = load_story(c, user="demo")["story_year"]
    key = _key(db, "SLA")
    with db.read() as c:
        sla = orgs.org_id_by_code(c, "SLA")
        q1 = next(e["statement"] for e in proofs.published(c, sla, fund_code="TOHIEU")
                  if e["statement"]["period"] == f"{year}-Q1")
        d, doc, dn = s.donations, s.documents, s.donors
        rows = c.execute(sa.select(d.c.id, d.c.amount, d.c.date, doc.c.verify_code, dn.c.name)
                         .join(doc, doc.c.donation_id == d.c.id).join(dn, dn.c.id == d.c.donor_id)
                         .where(d.c.org_id == sla, doc.c.kind == "receipt")).all()
        amounts = {int(a) for a in c.execute(sa.select(d.c.amount).where(
            d.c.org_id == sla, d.c.date >= date(year, 1, 1), d.c.date <= date(year, 12, 31))).scalars()}
    assert (q1["net"], q1["documents"]) == (2_224_402_000, 114)
    campaign = [r for r in rows if r.date <= date(year, 3, 31)]
    assert len(campaign) >= 100
    names = {r.name for r in rows}
    for r in campaign:
        proof = services.proof_for_code(db, r.verify_code)
        got = P.verify_proof(proof, key)
        assert got["amount"] == r.amount and got["total"] > 0
        shown = [x for pc in proof["pieces"] for _, x in pc["path"]] + [x for u in proof["up"] for _, x in u["path"]]
        assert not amounts & set(shown) - {got["total"]}, r.verify_code
        text = json.dumps(proof, ensure_ascii=False)
        assert not [n for n in names if n in text]
    for r in [r for r in rows if r.date > date(year, 3, 31)]:  # not published yet: said so, nothing claimed
        with pytest.raises(NotFound):
            services.proof_for_code(db, r.verify_code)
    with db.read() as c:  # June's awards, by their vouchers' codes
        bl, r_ = s.batch_lines, s.recipients
        paid = c.execute(sa.select(bl.c.amount, doc.c.verify_code, r_.c.full_name)
                         .join(doc, doc.c.id == bl.c.voucher_doc_id).join(r_, r_.c.id == bl.c.recipient_id)
                         .where(bl.c.paid_on <= date(year, 6, 30), bl.c.earmark_donation_id.is_(None))).all()
    assert len(paid) == 332
    awards = {int(p.amount) for p in paid}
    recipients = {p.full_name for p in paid}
    for p in paid[:60]:
        proof = services.proof_for_code(db, p.verify_code)
        got = P.verify_proof(proof, key)
        assert (got["amount"], got["kind"], got["total"]) == (p.amount, "payments", 166_000_000)
        shown = [x for pc in proof["pieces"] for _, x in pc["path"]] + [x for u in proof["up"] for _, x in u["path"]]
        assert not (awards | amounts) & set(shown) - {got["total"]}
        text = json.dumps(proof, ensure_ascii=False)
        assert not [n for n in recipients if n in text]
    (tmp_path / "proof.json").write_text(json.dumps(services.proof_for_code(db, campaign[0].verify_code)))
    (tmp_path / "log.json").write_text(json.dumps(services.proof_log(db, "SLA")))
    run = offline_checker(tmp_path)
    for f in ("proof.json", "log.json"):
        r = run(f, "--key", key.hex())
        assert r.returncode == 0, r.stdout + r.stderr


def test_the_disclosure_and_the_auditor_package_carry_the_signed_roots_the_key_and_the_log(db, books, tmp_path):
    import io
    import zipfile

    from books.disclosure import disclosure
    from books.tables import disclosure_table
    from receipts import service as docs

    give(books, 2_000_000, on=date(2025, 1, 10))
    give(books, 3_000_000, on=date(2025, 2, 10))
    services.lock_period(db, books.org, "2025-03-31")
    fingerprint = services.publication_key(db, books.org)["fingerprint"]
    with db.read() as c:
        d = disclosure(c, books.org_id, 2025, 1)
        whole_year = disclosure(c, books.org_id, 2025)
    t = disclosure_table(d)
    row = next(r for r in t.rows if r[0].startswith(f"   {books.fund} 2025-Q1 ủng hộ: gốc"))
    assert next(r for r in t.rows if r[0].startswith(f"   {books.fund} 2025-Q1 đã chi: gốc"))[1:] == [0, 0]
    assert row[1:] == [2, 5_000_000] and row[2] == d.funds[[f.code for f in d.funds].index(books.fund)].receipts
    assert any(fingerprint in n for n in t.notes)
    assert whole_year.published.roots == [] and any("chưa công bố" in n for n in disclosure_table(whole_year).notes)
    z = zipfile.ZipFile(io.BytesIO(docs.auditor_package(db, books.org, period=Period.parse("2025-01-01", "2025-03-31"),
                                                        with_pdf=False)))
    log = json.loads(z.read(f"{books.org}/proofs/log.json"))
    key = bytes.fromhex(z.read(f"{books.org}/proofs/public-key.txt").decode().strip())
    assert P.verify_log(log, key)["size"] == len(log["entries"]) > 0
    assert z.read(f"{books.org}/proofs/proofcheck.py") == Path(P.__file__).read_bytes()
    assert "proofs/log.json" in z.read(f"{books.org}/MANIFEST.txt").decode()


def test_each_paid_award_proves_it_is_counted_in_what_the_fund_published_as_paid(db, books):
    """A batch approved in May and paid in two parts, in May and June, one line left unpaid: the payments' roots
    hold the paid lines by the day they were paid, their net is the statement's awards paid (approved and unpaid
    ones are reserved, not paid), and each paid line's voucher code proves its award — never naming anyone."""
    from ledger.disbursements import LineInput, RecipientInput

    for login, role in (("hd1", "council"), ("hd2", "council"), ("tq", "treasurer")):
        services.add_user(db, login=login, name=login, password="mat-khau-thu-nghiem", roles=[("SLA", role)])
    services.add_program(db, "SLA", code="TSMT", name="Tiếp sức mùa thi", funds=[books.fund], default_amount=500_000)
    give(books, 50_000_000, on=date(2025, 4, 2))
    names = [f"Học sinh số {i}" for i in range(1, 6)]
    rids = [services.add_recipient(db, "SLA", RecipientInput(full_name=n, birth_date=date(2008, 1, i), school="THPT A",
                                                              grade="12"), user="tq")["id"]
            for i, n in enumerate(names, 1)]
    bid = services.create_batch(db, "SLA", title="Khen thưởng", user="tq", lines=[
        LineInput(recipient=r, program="TSMT", amount=1_000_000 * (i + 1)) for i, r in enumerate(rids)])["id"]
    services.submit_batch(db, "SLA", bid, user="tq")
    services.vote_batch(db, "SLA", bid, approve=True, on=date(2025, 5, 5), user="hd1")
    services.vote_batch(db, "SLA", bid, approve=True, on=date(2025, 5, 5), user="hd2")
    services.pay_batch(db, "SLA", bid, line_nos=[1, 2], on=date(2025, 5, 20), user="tq")
    services.pay_batch(db, "SLA", bid, line_nos=[3, 4], on=date(2025, 6, 3), user="tq")
    services.lock_period(db, "SLA", "2025-06-30")
    with db.read() as c:
        by = {e["statement"]["period"]: e["statement"] for e in proofs.published(c, books.org_id, fund_code=books.fund)
              if e["statement"]["kind"] == "payments"}
        for period in ("2025-05", "2025-06", "2025-Q2"):
            start, end = proofs.bounds(period)
            fs = fund_statement(c, books.org_id, books.fund, Period(start, end))
            assert by[period]["net"] == fs.awards_paid, period
        bl, doc = s.batch_lines, s.documents
        codes = dict(c.execute(sa.select(bl.c.line_no, doc.c.verify_code).join(doc, doc.c.id == bl.c.voucher_doc_id)
                               .where(bl.c.batch_id == bid)).all())
    assert (by["2025-05"]["total"], by["2025-06"]["total"], by["2025-Q2"]["total"]) == \
        (3_000_000, 7_000_000, 10_000_000)
    assert by["2025-Q2"]["documents"] == 4 and set(codes) == {1, 2, 3, 4}
    key = _key(db, "SLA")
    for line_no, code in codes.items():
        proof = services.proof_for_code(db, code)
        got = P.verify_proof(proof, key)
        assert (got["amount"], got["kind"], got["total"]) == (1_000_000 * line_no, "payments", 10_000_000)
        text = json.dumps(proof, ensure_ascii=False)
        assert not [n for n in names if n in text]
    from receipts import service as docs

    v = docs.verify_payment(db, codes[3])  # what the recipient's page shows: never the recipient
    assert (v.amount, v.donor) == (3_000_000, None) and v.number.startswith("PC/25 ")


def test_a_published_month_that_no_longer_builds_its_signed_root_stops_publication(db, books):
    """If the documents of a published month ever changed behind the lock (raw SQL), the next publication of its
    quarter or year is refused rather than built on a month the log does not hold."""
    give(books, 1_000_000, on=date(2025, 1, 10))
    give(books, 2_000_000, on=date(2025, 1, 11))
    services.lock_period(db, books.org, "2025-01-31")
    try:  # a receipt's number changed around every guard the application has
        with db.begin() as c:
            c.execute(sa.text("UPDATE documents SET number = number + 100 WHERE kind = 'receipt'"))
    except sa.exc.DBAPIError:  # the database itself refuses it (PostgreSQL): nothing can change behind the lock
        return
    with pytest.raises(Conflict) as e, db.begin() as c:  # (the closing check would stop a lock first: a gap)
        proofs.publish(c, books.org_id, date(2025, 3, 31), user="test")
    assert e.value.params["reason"] == "proof_rebuild"


def test_a_compact_proof_and_its_month_s_context_make_the_whole_proof_in_quy_and_offline(db, books, tmp_path,
                                                                                        monkeypatch):
    """The compact proof (the document's own part) and the month's public context, read from the published roots
    alone, give back the very proof the receipt's code serves, for every receipt; `quy proof get --compact`,
    `quy proof context` and `quy proof verify --context` do it from the command line, and the one-file checker
    offline; a changed byte or another month's context fails."""
    from click.testing import CliRunner

    from web.cli import main
    from web.cli.common import Ctx

    monkeypatch.setattr(Ctx, "db", property(lambda self: db))  # the test's database (on PostgreSQL, its schema)
    ids = [give(books, a, on=d)["donation_id"] for a, d in
           [(2_000_000, date(2025, 1, 10)), (3_000_000, date(2025, 2, 10)), (1_234_000, date(2025, 2, 28)),
            (10_000_000, date(2025, 3, 1))]]
    services.lock_period(db, books.org, "2025-03-31")
    codes = _codes(db, books.org_id)
    key = _key(db, books.org)
    for i in ids:
        whole = services.proof_for_code(db, codes[i])
        month = whole["month"]["period"]
        ctx = services.proof_context(db, books.org, books.fund, month)
        assert ctx == P.context_of(whole)
        back = P.unpack_proof(P.pack_proof(whole), ctx)
        assert back == whole and P.verify_proof(back, key)["period"] == "2025-Q1"
    with pytest.raises(NotFound):  # April is not published
        services.proof_context(db, books.org, books.fund, "2025-04")

    cli = CliRunner()
    number = services.proof_for_code(db, codes[ids[1]])["document"]["number"]
    r = cli.invoke(main, ["proof", "get", "--org", books.org, number, "--compact",
                          "-o", str(tmp_path / "gift.qpf")])
    assert r.exit_code == 0, r.output
    assert "bytes" in r.output and "--month 2025-02" in r.output
    r = cli.invoke(main, ["proof", "context", "--org", books.org, "--fund", books.fund,
                          "--month", "2025-02", "-o", str(tmp_path / "ctx.json")])
    assert r.exit_code == 0, r.output
    (tmp_path / "key.txt").write_text(key.hex())
    r = cli.invoke(main, ["proof", "verify", str(tmp_path / "gift.qpf"), "--context", str(tmp_path / "ctx.json"),
                          "--key", str(tmp_path / "key.txt")])
    assert r.exit_code == 0 and "is counted in the 16,234,000 đ" in r.output, r.output
    data = bytearray((tmp_path / "gift.qpf").read_bytes())
    data[40] ^= 0x01  # inside the amount or the number
    (tmp_path / "bad.qpf").write_bytes(bytes(data))
    r2 = cli.invoke(main, ["proof", "verify", str(tmp_path / "bad.qpf"), "--context", str(tmp_path / "ctx.json"),
                           "--key", str(tmp_path / "key.txt")])
    assert r2.exit_code == 1 and "FAILED" in r2.output
    (tmp_path / "jan.json").write_text(json.dumps(services.proof_context(db, books.org, books.fund, "2025-01")))
    run = offline_checker(tmp_path)
    ok = run("gift.qpf", "--context", "ctx.json", "--key", "key.txt")
    assert ok.returncode == 0 and "is counted in the 16,234,000 đ" in ok.stdout, ok.stdout + ok.stderr
    for args in (("bad.qpf", "--context", "ctx.json"), ("gift.qpf", "--context", "jan.json")):
        bad = run(*args, "--key", "key.txt")
        assert bad.returncode == 1 and "FAILED" in bad.stdout, bad.stdout + bad.stderr
    assert run("gift.qpf", "--key", "key.txt").returncode == 2  # a compact proof alone cannot be checked


def test_the_context_of_a_first_year_that_began_after_january_holds_its_empty_months(db, books):
    """Books that began in February: January stands in the quarter's and the year's trees as the empty tree; every
    month's context (read from the published roots alone) is the one the proofs carry, and January — nothing
    published for it — is a 404, not an error."""
    ids = [give(books, a, on=d)["donation_id"] for a, d in
           [(2_000_000, date(2025, 2, 10)), (700_000, date(2025, 5, 3)), (1_100_000, date(2025, 11, 30))]]
    services.lock_period(db, books.org, "2025-12-31")
    codes = _codes(db, books.org_id)
    key = _key(db, books.org)
    for i in ids:
        whole = services.proof_for_code(db, codes[i])
        assert whole["period"] == "2025"
        ctx = services.proof_context(db, books.org, books.fund, whole["month"]["period"])
        assert ctx == P.context_of(whole)
        assert P.verify_proof(P.unpack_proof(P.pack_proof(whole), ctx), key)["total"] == 3_800_000
    with pytest.raises(NotFound) as e:
        services.proof_context(db, books.org, books.fund, "2025-01")
    assert e.value.params.get("reason") == "not_published"
