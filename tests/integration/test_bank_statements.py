"""Bank statement import: two banks' layouts in CSV and XLSX, every bad line reported and nothing written,
no line imported twice, a statement that does not add up refused with its difference, memos kept as text,
and the stored lines append-only in the database itself (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.exc import DBAPIError

from ledger import bankstatements as bst
from ledger import services
from ledger.errors import Conflict, ImportFailed, InvalidInput, StatementUnbalanced

HYPERLINK = '=HYPERLINK("http://x")'
SCRIPT = "<script>alert(1)</script>"

#: Vietcombank-style CSV: a title block, the opening balance above the header, separate debit and credit
#: columns with ``1.500.000``, a total row and the closing balance below the lines.
VCB_CSV = """NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM
SAO KÊ TÀI KHOẢN,,,,,,
Số tài khoản:,62010000123456,,,,,
Từ ngày 01/03/2025 đến ngày 31/03/2025,,,,,,
Số dư đầu kỳ:,10.000.000,,,,,
STT,Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Số dư,Nội dung
1,03/03/2025,FT25062001,,1.500.000,11.500.000,CK12 Thanh toan cam ket
2,05/03/2025,FT25064002,200.000,,11.300.000,Phi dich vu thang 3
3,10/03/2025,FT25069003,,"2.000.000",13.300.000,"NGUYEN VAN AN ung ho quy hoc bong"
,Tổng cộng,,200.000,3.500.000,,
Số dư cuối kỳ:,13.300.000,,,,,
"""


def vcb_csv(text: str = VCB_CSV) -> bytes:
    return text.encode("utf-8-sig")


def bidv_xlsx(rows: list[tuple] | None = None) -> bytes:
    """BIDV-style XLSX: header on row 4, one signed amount with ``1,500,000``, a running balance, no
    references, the memo column called "Diễn giải"."""
    wb = Workbook()
    ws = wb.active
    ws.append(["BIDV - SAO KÊ TÀI KHOẢN THANH TOÁN"])
    ws.append(["Tài khoản: 62010000123456"])
    ws.append([])
    ws.append(["Ngày", "Diễn giải", "Số tiền", "Số dư"])
    for r in rows if rows is not None else [
        ("01/04/2025", "Ung ho quy khuyen hoc", "1,500,000", "11,500,000"),
        ("02/04/2025", HYPERLINK, "-500,000", "11,000,000"),
        ("03/04/2025", SCRIPT, "250,000", "11,250,000"),
    ]:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(books, name, content, **kw):
    return services.import_statement(books.db, books.org, "1121.BIDV", name, content, user="test", **kw)


def _count(db, table="bank_lines") -> int:
    with db.read() as c:
        return c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


def _stored(db) -> list:
    with db.read() as c:
        return c.execute(sa.text("SELECT line_no, date, bank_ref, amount, memo, balance FROM bank_lines "
                                 "ORDER BY id")).all()


def test_a_vietcombank_csv_with_its_header_below_a_title_block_imports_with_the_balances_it_states(books):
    r = _import(books, "vcb-2025-03.csv", vcb_csv())
    assert (r.imported, r.duplicates, r.profile, r.balances_from) == (3, 0, "vn", "file")
    assert (r.opening, r.lines_total, r.closing) == (10_000_000, 3_300_000, 13_300_000)
    assert (r.period_start, r.period_end) == (date(2025, 3, 3), date(2025, 3, 10))
    rows = _stored(books.db)
    assert [(x.line_no, x.bank_ref, x.amount, x.balance) for x in rows] == [
        (7, "FT25062001", 1_500_000, 11_500_000), (8, "FT25064002", -200_000, 11_300_000),
        (9, "FT25069003", 2_000_000, 13_300_000)]
    assert rows[2].memo == "NGUYEN VAN AN ung ho quy hoc bong"


def test_a_bidv_xlsx_with_one_signed_amount_derives_its_balances_from_the_running_balance(books):
    r = _import(books, "bidv.xlsx", bidv_xlsx())
    assert (r.imported, r.opening, r.closing, r.balances_from) == (3, 10_000_000, 11_250_000, "running")
    assert [x.amount for x in _stored(books.db)] == [1_500_000, -500_000, 250_000]


def test_memos_that_look_like_formulas_or_markup_are_stored_verbatim(books):
    _import(books, "bidv.xlsx", bidv_xlsx())
    memos = [x.memo for x in _stored(books.db)]
    assert memos[1] == HYPERLINK and memos[2] == SCRIPT
    csv_text = ("Ngày giao dịch;Số tham chiếu;Số tiền;Số dư;Nội dung\n"
                f'15/04/2025;R1;1.000.000;12.250.000;"{HYPERLINK.replace(chr(34), chr(34) * 2)}"\n'
                f"16/04/2025;R2;1.000.000;13.250.000;{SCRIPT}\n")
    _import(books, "semicolons.csv", csv_text.encode("utf-8"))
    assert [x.memo for x in _stored(books.db)][3:] == [HYPERLINK, SCRIPT]


def test_the_same_statement_imported_twice_imports_nothing_the_second_time(books):
    first = _import(books, "vcb.csv", vcb_csv())
    again = _import(books, "vcb.csv", vcb_csv())
    assert (again.imported, again.duplicates, again.statement_id) == (0, 3, first.statement_id)
    assert _count(books.db) == 3 and _count(books.db, "bank_statements") == 1


def test_an_overlapping_statement_imports_only_its_new_lines(books):
    _import(books, "vcb.csv", vcb_csv())
    more = VCB_CSV.replace(",Tổng cộng", "4,12/03/2025,FT25071004,,700.000,14.000.000,Ung ho\n,Tổng cộng").replace(
        "Số dư cuối kỳ:,13.300.000", "Số dư cuối kỳ:,14.000.000")
    r = _import(books, "vcb-later.csv", vcb_csv(more))
    assert (r.imported, r.duplicates, r.duplicate_lines) == (1, 3, [7, 8, 9])
    assert _count(books.db) == 4


def test_lines_without_a_reference_are_recognised_by_date_amount_memo_and_balance(books):
    _import(books, "bidv.xlsx", bidv_xlsx())
    r = _import(books, "bidv-copy.xlsx", bidv_xlsx() + b"")  # same content: same file
    assert r.imported == 0
    # the same lines in a CSV export of the same account: a different file, the same lines
    csv_text = ("Ngày,Diễn giải,Số tiền,Số dư\n01/04/2025,Ung ho quy khuyen hoc,\"1,500,000\",\"11,500,000\"\n")
    r = _import(books, "bidv.csv", csv_text.encode())
    assert (r.imported, r.duplicates, r.statement_id) == (0, 1, None)


def test_every_bad_line_is_reported_and_nothing_is_written(books):
    bad = bidv_xlsx([
        ("31/02/2025", "ngay khong co that", "100,000", "10,100,000"),
        ("01/03/2025", "le dong", "100,000.50", "10,200,000"),
        ("02/03/2025", "khong doc duoc", "mot tram", "10,300,000"),
        ("03/03/2025", "dong tot", "100,000", "10,400,000"),
        ("hôm qua", "ngay chu", "100,000", "10,500,000"),
    ])
    with pytest.raises(ImportFailed) as e:
        _import(books, "bad.xlsx", bad)
    errs = [(x["row"], x["column"], x["code"]) for x in e.value.params["errors"]]
    assert errs == [(5, "date", "not_real_date"), (6, "amount", "fraction_of_dong"), (7, "amount", "bad_amount"),
                    (9, "date", "bad_date")]
    assert _count(books.db) == 0 and _count(books.db, "bank_statements") == 0


def test_a_debit_and_a_credit_on_one_line_and_a_repeated_reference_are_bad_lines(books):
    text = VCB_CSV.replace(",1.500.000,11.500.000", "100.000,1.500.000,11.500.000").replace(
        "FT25064002", "FT25062001")
    with pytest.raises(ImportFailed) as e:
        _import(books, "vcb.csv", vcb_csv(text))
    assert [(x["row"], x["code"]) for x in e.value.params["errors"]] == [(7, "debit_and_credit"),
                                                                          (8, "duplicate_ref")]


def test_a_statement_whose_lines_do_not_reach_its_closing_balance_is_refused_with_the_difference(books):
    text = VCB_CSV.replace("Số dư cuối kỳ:,13.300.000", "Số dư cuối kỳ:,13.800.000")
    with pytest.raises(StatementUnbalanced) as e:
        _import(books, "vcb.csv", vcb_csv(text))
    assert e.value.params["difference"] == 500_000
    assert "500.000 đ" in e.value.message and "13.800.000 đ" in e.value.message
    assert _count(books.db) == 0


def test_balances_given_on_the_command_line_override_the_file(books):
    with pytest.raises(StatementUnbalanced) as e:
        _import(books, "vcb.csv", vcb_csv(), opening=9_000_000, closing=13_300_000)
    assert e.value.params["difference"] == 1_000_000
    r = _import(books, "vcb.csv", vcb_csv(), opening=10_000_000, closing=13_300_000, dry_run=True)
    assert (r.imported, r.balances_from, r.dry_run) == (3, "given", True)
    assert _count(books.db) == 0


def test_a_statement_without_balances_anywhere_asks_for_them(books):
    text = "Ngày giao dịch,Số tiền,Nội dung\n01/03/2025,\"1.500.000\",Ung ho\n"
    with pytest.raises(InvalidInput) as e:
        _import(books, "plain.csv", text.encode())
    assert e.value.params["reason"] == "no_statement_balances"
    assert _import(books, "plain.csv", text.encode(), opening=0, closing=1_500_000).imported == 1


@pytest.mark.parametrize(("text", "amount"), [
    ("1.500.000", 1_500_000), ("1,500,000", 1_500_000), ("1.500.000,00", 1_500_000), ("1,500,000.00", 1_500_000),
    ("-1.500.000", -1_500_000), ("(200.000)", -200_000), ("1.500.000 VND", 1_500_000), ("1500000", 1_500_000),
    (1500000, 1_500_000), (1500000.0, 1_500_000), ("1.500", 1_500), ("", None), (None, None)])
def test_amounts_as_banks_write_them(text, amount):
    assert bst.parse_bank_amount(text) == amount


@pytest.mark.parametrize("text", ["1.500.000,50", "1500000.5", "1,5", 1500000.25])
def test_a_fraction_of_a_dong_is_refused(text):
    with pytest.raises(bst._LineProblem) as e:
        bst.parse_bank_amount(text)
    assert e.value.code == "fraction_of_dong"


def test_no_header_row_is_reported(books):
    with pytest.raises(ImportFailed) as e:
        _import(books, "x.csv", b"a,b,c\n1,2,3\n")
    assert e.value.params["errors"][0]["code"] == "no_header"


def test_an_administrator_adds_a_profile_for_another_bank_without_code(books):
    spec = {"name": "acb", "columns": {"date": ["Ngày hiệu lực GD"], "ref": "Mã số GD", "debit": ["Tiền rút"],
                                        "credit": ["Tiền nạp"], "memo": ["Ghi chú"]},
            "thousands": ",", "opening_labels": ["Dư đầu"], "closing_labels": ["Dư cuối"]}
    services.add_bank_profile(books.db, json.loads(json.dumps(spec)), user="admin")
    with pytest.raises(Conflict):
        services.add_bank_profile(books.db, spec, user="admin")
    with pytest.raises(InvalidInput):
        services.add_bank_profile(books.db, {"name": "x", "columns": {"memo": ["a"]}}, user="admin")
    text = ("Dư đầu,\"5,000,000\"\nNgày hiệu lực GD,Mã số GD,Tiền rút,Tiền nạp,Ghi chú\n"
            "2025-03-02,A1,,\"1,000,000\",ung ho\nDư cuối,\"6,000,000\"\n")
    r = _import(books, "acb.csv", text.encode(), profile="acb")
    assert (r.profile, r.imported, r.opening, r.closing) == ("acb", 1, 5_000_000, 6_000_000)
    assert [p.name for p in services.bank_profiles(books.db)] == ["vn", "en", "acb"]


def test_an_account_that_is_not_a_bank_account_is_refused(books):
    from ledger.errors import NotFound

    with pytest.raises(NotFound):
        services.import_statement(books.db, books.org, "111", "vcb.csv", vcb_csv(), user="test")


def test_stored_statements_and_lines_refuse_update_and_delete_in_the_database(books):
    _import(books, "vcb.csv", vcb_csv())
    for sql in ("UPDATE bank_lines SET amount = 1", "DELETE FROM bank_lines",
                "UPDATE bank_statements SET closing_balance = 0", "DELETE FROM bank_statements"):
        with pytest.raises(DBAPIError) as e:
            with books.db.begin() as c:
                c.execute(sa.text(sql))
        assert "append-only" in str(e.value)
    assert _count(books.db) == 3


def test_imported_lines_are_proposed_their_matches_from_the_books(books):
    from ledger.deposits import DepositInput
    from ledger.interest import Deposit, parse_rate
    from tests.helpers import give

    give(books, 900_000_000, name="Công ty TNHH Đức Thành", kind="transfer", bank_account="1121.BIDV",
         on=date(2025, 1, 2))
    pledge = give(books, 5_000_000, name="Nguyễn Văn Anh", kind="pledge", on=date(2025, 3, 1))["donation_id"]
    recorded = give(books, 2_000_000, name="Trần Thị Bình", kind="transfer", bank_account="1121.BIDV",
                    on=date(2025, 3, 9))["donation_id"]
    services.open_deposit(books.db, books.org, DepositInput(
        contract_no="HD-01", bank_account="1121.BIDV", principal=600_000_000, rate="4,7", start=date(2025, 1, 5),
        shares={books.fund: 600_000_000}, term_months=2))
    interest = Deposit(600_000_000, parse_rate("4,7"), date(2025, 1, 5), date(2025, 3, 5)).interest()
    text = ("Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n"
            f"05/03/2025,R1,,\"{interest:,}\",TRA LAI TIEN GUI HD-01\n"
            f"06/03/2025,R2,,\"1,000,000\",NGUYEN VAN ANH CK {pledge} THANH TOAN CAM KET\n"
            "10/03/2025,R3,,\"2,000,000\",TRAN THI BINH UNG HO\n"
            "11/03/2025,R4,,\"300,000\",NGUEN VAN ANH UNG HO\n"
            "12/03/2025,R5,\"11,000\",,PHI QUAN LY TK\n")
    r = _import(books, "bidv.csv", text.encode(), opening=0, closing=interest + 3_289_000)
    assert r.imported == 5
    got = [(p.kind, p.targets[0].id if p.targets else None, p.automatic)
           for _ln, p in services.statement_proposals(books.db, books.org, "1121.BIDV")]
    with books.db.read() as c:
        dep_id = c.execute(sa.text("SELECT id FROM deposits")).scalar()
        anh = c.execute(sa.text("SELECT donor_id FROM donations WHERE id = :i"), {"i": pledge}).scalar()
    assert got == [("deposit_interest", dep_id, True), ("pledge", pledge, True),
                   ("recorded_entry", recorded, True), ("donor_suggestion", anh, False), ("unidentified", None, False)]


def test_a_workbook_without_formulas_reads_the_same_with_calamine_as_with_openpyxl(monkeypatch):
    """Banks' XLSX exports (no formulas) are read with python-calamine for speed; what it reads — dates as dates,
    amounts as numbers, empty cells, the rows above the header, row numbers — must give the same lines as
    openpyxl's reading of the same file, bad lines included."""
    wb = Workbook()
    ws = wb.active
    ws.append([])
    ws.append(["VIETINBANK - SAO KÊ", None, None, None, None])
    ws.append(["Số dư đầu kỳ:", 10_000_000])
    ws.append(["Ngày giao dịch", "Số tham chiếu", "Ghi nợ", "Ghi có", "Số dư", "Nội dung"])
    ws.append([date(2025, 3, 3), "FT1", None, 1_500_000, 11_500_000, "UNG HO QUY HOC BONG CK12"])
    ws.append(["04/03/2025", "FT2", "200.000", "", 11_300_000, "Phí dịch vụ <b>"])
    ws.append([])
    ws.append(["05/03/2025", "FT3", None, 700_000.0, 12_000_000, "Nguyễn Văn An ủng hộ"])
    ws.append(["Số dư cuối kỳ:", 12_000_000])
    out = io.BytesIO()
    wb.save(out)
    content = out.getvalue()
    assert not bst._has_formulas(content)
    fast = bst.parse_statement("vtb.xlsx", content, bst.BUILTIN)
    monkeypatch.setattr(bst, "_has_formulas", lambda _c: True)
    slow = bst.parse_statement("vtb.xlsx", content, bst.BUILTIN)
    assert fast == slow
    assert [(ln.line_no, ln.date, ln.amount, ln.memo) for ln in fast.lines] == [
        (5, date(2025, 3, 3), 1_500_000, "UNG HO QUY HOC BONG CK12"),
        (6, date(2025, 3, 4), -200_000, "Phí dịch vụ <b>"), (8, date(2025, 3, 5), 700_000, "Nguyễn Văn An ủng hộ")]
    assert (fast.opening, fast.closing) == (10_000_000, 12_000_000)
    # a fraction of a đồng in a number cell is a bad line either way, at the same row
    ws.append(["06/03/2025", "FT4", None, 1.5, 12_000_001.5, "x"])
    out = io.BytesIO()
    wb.save(out)
    for formulas in (False, True):
        monkeypatch.setattr(bst, "_has_formulas", lambda _c, f=formulas: f)
        with pytest.raises(ImportFailed) as e:
            bst.parse_statement("vtb.xlsx", out.getvalue(), bst.BUILTIN)
        assert [(x["row"], x["code"]) for x in e.value.params["errors"]][:1] == [(10, "fraction_of_dong")]
