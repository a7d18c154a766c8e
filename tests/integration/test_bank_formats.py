"""Bank statements in the banks' structured formats — ISO 20022 camt.053 XML and SWIFT MT940 — imported
through the same door as CSV (format told by content): the same lines, nothing twice, a statement that does
not add up refused with its difference, a fraction of a đồng or another currency refused, every bad line
reported, a statement of another account refused, and hostile XML (billion laughs, external entities)
refused without being expanded (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

import pytest
import sqlalchemy as sa

from ledger import bankformats, services
from ledger import bankstatements as bst
from ledger.errors import ImportFailed, InvalidInput, StatementUnbalanced

ACCOUNT_NO = "62010000123456"
HYPERLINK = '=HYPERLINK("http://x.example/a","bam vao day")'

#: (bank reference, booking day, amount as written, CRDT/DBIT, memo)
ENTRIES = [
    ("FT25062001", "2025-03-03", "1500000", "CRDT", "UNG HO QUY HOC BONG TO HIEU NGUYEN VAN A"),
    ("FT25064002", "2025-03-05", "22000.00", "DBIT", "PHI QUAN LY TAI KHOAN THANG 3"),
    ("FT25069003", "2025-03-10", "2000000", "CRDT", HYPERLINK),
]


def camt(entries=ENTRIES, *, opening="10000000", closing="13478000", version="053.001.08", ccy="VND",
         acct=ACCOUNT_NO, iban=False, entry_ccy=None) -> bytes:
    """A camt.053 statement as a Vietnamese bank sends it: the account, OPBD and CLBD balances, one
    <Ntry> per line with its AcctSvcrRef, booking date, and the remittance text (unstructured, split in
    two <Ustrd> for a long one)."""
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.{version}"
    ntry = []
    for i, (ref, day, amt, side, memo) in enumerate(entries):
        half = len(memo) // 2 if len(memo) > 30 and i == 0 else len(memo)
        ustrd = f"<Ustrd>{escape(memo[:half])}</Ustrd>" + (f"<Ustrd>{escape(memo[half:])}</Ustrd>"
                                                            if memo[half:] else "")
        sts = "<Sts><Cd>BOOK</Cd></Sts>" if version >= "053.001.08" else "<Sts>BOOK</Sts>"
        ntry.append(f"""
      <Ntry>
        <NtryRef>{i + 1}</NtryRef>
        <Amt Ccy="{entry_ccy or ccy}">{amt}</Amt>
        <CdtDbtInd>{side}</CdtDbtInd>
        {sts}
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>{ref}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>NTRF</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
          <RmtInf>{ustrd}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>""")
    acct_id = f"<IBAN>VN12BIDV{acct}</IBAN>" if iban else f"<Othr><Id>{acct}</Id></Othr>"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BIDV-20250331-0001</MsgId><CreDtTm>2025-03-31T23:59:00+07:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-2025-03</Id>
      <CreDtTm>2025-03-31T23:59:00+07:00</CreDtTm>
      <FrToDt><FrDtTm>2025-03-01T00:00:00+07:00</FrDtTm><ToDtTm>2025-03-31T23:59:59+07:00</ToDtTm></FrToDt>
      <Acct><Id>{acct_id}</Id><Ccy>{ccy}</Ccy><Ownr><Nm>HOI KHUYEN HOC TINH SON LA</Nm></Ownr></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{opening}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-03-01</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="{ccy}">{closing}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-03-31</Dt></Dt></Bal>{"".join(ntry)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


#: (bank reference, YYMMDD, amount as written, C/D, memo)
MT_ENTRIES = [
    ("FT25062001", "250303", "1500000,", "C", "UNG HO QUY HOC BONG TO HIEU NGUYEN VAN A"),
    ("FT25064002", "250305", "22000,00", "D", "PHI QUAN LY TAI KHOAN THANG 3"),
    ("FT25069003", "250310", "2000000,", "C", HYPERLINK),
]


def mt940(entries=MT_ENTRIES, *, opening="10000000,", closing="13478000,", ccy="VND", acct=ACCOUNT_NO,
          envelope=True) -> bytes:
    """An MT940 as a Vietnamese bank's SWIFT gateway writes it: the {1:}{2:}{4: envelope, :25: with the bank
    code, :60F:/:62F: balances, each :61: with NONREF as customer reference and the bank's after //."""
    body = [":20:STMT2503", f":25:BIDVVNVX/{acct}", ":28C:3/1", f":60F:C250301{ccy}{opening}"]
    for ref, day, amt, side, memo in entries:
        body += [f":61:{day}{day[2:]}{side}{amt}NTRFNONREF//{ref}", f":86:{memo}"]
    body += [f":62F:C250331{ccy}{closing}", "-}" if envelope else "-"]
    head = "{1:F01BIDVVNVXAXXX0000000000}{2:O9400000250331BIDVVNVXAXXX00000000002503310000N}{4:\n"
    return ((head if envelope else "") + "\r\n".join(body) + "\r\n").encode()


FORMATS = {"camt": (camt, "bidv-2025-03.xml"), "mt940": (mt940, "bidv-2025-03.sta")}
EXPECTED = [(date(2025, 3, 3), 1_500_000, "UNG HO QUY HOC BONG TO HIEU NGUYEN VAN A", "FT25062001"),
            (date(2025, 3, 5), -22_000, "PHI QUAN LY TAI KHOAN THANG 3", "FT25064002"),
            (date(2025, 3, 10), 2_000_000, HYPERLINK, "FT25069003")]


def _import(books, name, content, **kw):
    return services.import_statement(books.db, books.org, "1121.BIDV", name, content, user="test", **kw)


def _stored(db) -> list:
    with db.read() as c:
        return [tuple(r) for r in c.execute(sa.text(
            "SELECT date, amount, memo, bank_ref FROM bank_lines ORDER BY id")).all()]


def _count(db) -> int:
    with db.read() as c:
        return c.execute(sa.text("SELECT count(*) FROM bank_lines")).scalar()


def _day(v):
    return v if isinstance(v, date) else date.fromisoformat(str(v))


@pytest.mark.parametrize("fmt", ["camt", "mt940"])
def test_a_statement_imports_its_lines_as_written_and_a_second_time_imports_nothing(books, fmt):
    build, name = FORMATS[fmt]
    r = _import(books, name, build())
    assert (r.imported, r.duplicates, r.opening, r.closing, r.lines_total) == (3, 0, 10_000_000, 13_478_000,
                                                                               3_478_000)
    assert r.profile == ("camt.053" if fmt == "camt" else "mt940") and r.balances_from == "file"
    assert (r.period_start, r.period_end) == (date(2025, 3, 3), date(2025, 3, 10))
    assert [(_day(d), a, m, ref) for d, a, m, ref in _stored(books.db)] == EXPECTED
    again = _import(books, "copy-of-" + name, build())
    assert (again.imported, again.duplicates) == (0, 3)
    assert _count(books.db) == 3
    # a later export overlapping the first: its three old lines are found by reference, one is new
    extra = ("FT25070009", "2025-03-11", "100000", "CRDT", "LAI TIEN GUI") if fmt == "camt" else \
        ("FT25070009", "250311", "100000,", "C", "LAI TIEN GUI")
    later = build([*(ENTRIES if fmt == "camt" else MT_ENTRIES), extra],
                  closing="13578000" if fmt == "camt" else "13578000,")
    r3 = _import(books, name, later)
    assert (r3.imported, r3.duplicates) == (1, 3)
    assert _count(books.db) == 4


def test_the_format_is_told_by_content_whatever_the_file_is_called(books):
    """A camt file called .csv and an MT940 called .txt are read as what they are; CSV stays CSV."""
    assert bankformats.detect(camt()) == "camt.053" and bankformats.detect(mt940()) == "mt940"
    assert bankformats.detect(mt940(envelope=False)) == "mt940"
    assert bankformats.detect(b"\xef\xbb\xbfNgay,So tien\n") is None
    r = _import(books, "export.csv", camt(), dry_run=True)
    assert (r.imported, r.profile) == (3, "camt.053")
    r = _import(books, "export.txt", mt940(envelope=False), dry_run=True)
    assert (r.imported, r.profile) == (3, "mt940")
    assert _count(books.db) == 0


@pytest.mark.parametrize("version", ["052.001.02", "053.001.02", "053.001.04", "053.001.08", "053.001.10"])
def test_every_camt_version_reads_the_same(books, version):
    parsed = bst.parse_statement("s.xml", camt(version=version), bst.BUILTIN)
    assert [(ln.date, ln.amount, ln.memo, ln.bank_ref) for ln in parsed.lines] == EXPECTED
    assert (parsed.opening, parsed.closing, parsed.account_no) == (10_000_000, 13_478_000, ACCOUNT_NO)


@pytest.mark.parametrize("fmt", ["camt", "mt940"])
def test_a_statement_that_does_not_add_up_is_refused_with_its_difference(books, fmt):
    build, name = FORMATS[fmt]
    closing = "13500000" if fmt == "camt" else "13500000,"
    with pytest.raises(StatementUnbalanced) as e:
        _import(books, name, build(closing=closing))
    assert e.value.params["difference"] == 22_000
    assert e.value.params["expected"] == 13_478_000 and e.value.params["closing"] == 13_500_000
    assert _count(books.db) == 0


@pytest.mark.parametrize("fmt", ["camt", "mt940"])
def test_a_fraction_of_a_dong_is_a_bad_line_and_every_bad_line_is_reported(books, fmt):
    build, name = FORMATS[fmt]
    entries = list(ENTRIES if fmt == "camt" else MT_ENTRIES)
    if fmt == "camt":
        entries[0] = (*entries[0][:2], "1500000.50", *entries[0][3:])
        entries[2] = (entries[2][0], "2025-02-30", *entries[2][2:])
    else:
        entries[0] = (*entries[0][:2], "1500000,5", *entries[0][3:])
        entries[2] = (entries[2][0], "25023X", *entries[2][2:])
    with pytest.raises(ImportFailed) as e:
        _import(books, name, build(entries))
    errors = e.value.params["errors"]
    assert [(x["row"], x["code"]) for x in errors] == [
        (1, "fraction_of_dong"), (3, "not_real_date" if fmt == "camt" else "bad_field")]
    assert "1500000" in errors[0]["reason"] and "fraction" in errors[0]["reason"]
    assert _count(books.db) == 0


def test_mt940_amounts_are_read_exactly_as_whole_dong(books):
    """``1500000,`` and ``22000,00`` are whole đồng; a huge amount is not rounded through a float."""
    big = "99999999999999,"  # 15 characters with the comma, as the field allows
    entries = [("FT1", "250303", big, "C", "LON"), ("FT2", "250304", "1,", "D", "MOT DONG")]
    parsed = bst.parse_statement("s.sta", mt940(entries, opening="0,", closing="99999999999998,"), bst.BUILTIN)
    assert [ln.amount for ln in parsed.lines] == [99_999_999_999_999, -1]
    assert all(type(ln.amount) is int for ln in parsed.lines)


@pytest.mark.parametrize("fmt", ["camt", "mt940"])
def test_a_statement_in_another_currency_is_refused(books, fmt):
    build, name = FORMATS[fmt]
    with pytest.raises(InvalidInput) as e:
        _import(books, name, build(ccy="USD"))
    assert (e.value.params["reason"], e.value.params["currency"]) == ("statement_currency", "USD")
    assert _count(books.db) == 0


def test_a_camt_entry_in_another_currency_is_a_bad_line(books):
    with pytest.raises(ImportFailed) as e:
        _import(books, "s.xml", camt(entry_ccy="EUR"))
    assert [(x["row"], x["code"]) for x in e.value.params["errors"]] == [(1, "wrong_currency"), (2, "wrong_currency"),
                                                                        (3, "wrong_currency")]


@pytest.mark.parametrize("fmt", ["camt", "mt940"])
def test_a_statement_of_another_account_is_refused_naming_both(books, fmt):
    build, name = FORMATS[fmt]
    with pytest.raises(InvalidInput) as e:
        _import(books, name, build(acct="0011004999999"))
    assert e.value.params["reason"] == "statement_account_mismatch"
    assert "0011004999999" in e.value.message and ACCOUNT_NO in e.value.message
    with pytest.raises(InvalidInput):  # the preview refuses it too
        services.preview_statement(books.db, books.org, "1121.BIDV", name, build(acct="0011004999999"))
    assert _count(books.db) == 0


def test_an_iban_matches_the_account_number_it_ends_with(books):
    assert _import(books, "s.xml", camt(iban=True)).imported == 3


def test_a_duplicate_reference_in_one_file_is_a_bad_line(books):
    entries = [*ENTRIES[:2], ("FT25062001", *ENTRIES[2][1:])]
    with pytest.raises(ImportFailed) as e:
        _import(books, "s.xml", camt(entries))
    assert [(x["row"], x["code"], x["params"]["line"]) for x in e.value.params["errors"]] == [(3, "duplicate_ref", "1")]


def test_pending_camt_entries_are_not_lines(books):
    doc = camt().replace(b"</Stmt>", b"""<Ntry><Amt Ccy="VND">5000</Amt><CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>PDNG</Cd></Sts><BookgDt><Dt>2025-03-31</Dt></BookgDt></Ntry></Stmt>""")
    assert _import(books, "s.xml", doc).imported == 3


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Ntry><Amt Ccy="VND">1</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2025-03-03</Dt></BookgDt>
<AddtlNtryInf>&lol9;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"""


def test_hostile_xml_is_refused_without_being_expanded_or_fetched(books, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("MAT KHAU")
    xxe = camt().replace(b'<?xml version="1.0" encoding="UTF-8"?>',
                         f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'.encode()
                         ).replace(b"PHI QUAN LY TAI KHOAN THANG 3", b"&x;")
    for doc in (BILLION_LAUGHS, xxe):
        with pytest.raises(ImportFailed) as e:
            _import(books, "s.xml", doc)
        assert [x["code"] for x in e.value.params["errors"]] == ["unsafe_xml"]
        assert "MAT KHAU" not in str(e.value.params)
    assert _count(books.db) == 0


def test_the_safe_parser_itself_expands_no_entity(tmp_path):
    """Below the DOCTYPE refusal: the lxml parser resolves no entity and reads no file."""
    secret = tmp_path / "secret.txt"
    secret.write_text("MAT KHAU")
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(f'<!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]><d>&x;</d>'.encode(), parser)
    assert "MAT KHAU" not in etree.tostring(root).decode()


def test_xml_that_is_not_camt_or_not_well_formed_is_refused(books):
    for doc, code in ((b"<html><body>sao ke</body></html>", "not_camt"),
                      (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>',
                       "not_camt"),
                      (camt()[:-40], "unreadable_statement")):
        with pytest.raises(ImportFailed) as e:
            _import(books, "s.xml", doc)
        assert [x["code"] for x in e.value.params["errors"]] == [code]


def test_a_statement_with_no_balances_takes_them_from_the_command(books):
    doc = camt().replace(b"<Cd>OPBD</Cd>", b"<Cd>XXXX</Cd>").replace(b"<Cd>CLBD</Cd>", b"<Cd>YYYY</Cd>")
    with pytest.raises(InvalidInput) as e:
        _import(books, "s.xml", doc)
    assert e.value.params["reason"] == "no_statement_balances"
    r = _import(books, "s.xml", doc, opening=0, closing=3_478_000)
    assert (r.imported, r.balances_from) == (3, "given")


def test_the_preview_rows_of_a_structured_file_are_its_entries():
    rows = bst.read_rows("s.sta", mt940())
    assert rows[0] == (1, ["03/03/2025", "FT25062001", "1500000", "UNG HO QUY HOC BONG TO HIEU NGUYEN VAN A"])
    rows = bst.read_rows("s.xml", camt())
    assert rows[2] == (3, ["2025-03-10", "FT25069003", "2000000", HYPERLINK])


def test_an_mt940_import_reports_progress_to_the_end(books):
    seen = []
    services.import_statement(books.db, books.org, "1121.BIDV", "s.sta", mt940(), user="test",
                              progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]
