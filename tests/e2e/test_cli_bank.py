"""The ``quy statement`` commands as a treasurer runs them (real processes, the demo books): import a bank's
CSV, import it again (nothing), a bad file refused line by line in Vietnamese, one that does not add up
refused with its difference, a profile added for another bank, and the proposed matches with why."""

from __future__ import annotations

import json

from ledger import matching
from tests.integration.test_bank_statements import VCB_CSV

from .test_cli import demo, run, url  # noqa: F401 - fixtures


def test_a_statement_through_the_command_line(demo, tmp_path):  # noqa: F811
    f = tmp_path / "vcb-2025-03.csv"
    f.write_bytes(VCB_CSV.encode("utf-8-sig"))
    args = ["statement", "import", "--account", "1121.BIDV", str(f)]
    dry = run(demo, *args, "--dry-run").stdout
    assert "Sẽ nhập 3 dòng" in dry and "không ghi gì" in dry
    first = run(demo, *args).stdout
    assert "Đã nhập 3 dòng; 0 dòng đã có từ trước" in first
    assert "10.000.000 đ + phát sinh 3.300.000 đ = số dư cuối kỳ 13.300.000 đ: khớp" in first
    again = json.loads(run(demo, *args, "--json").stdout)
    assert (again["imported"], again["duplicates"]) == (0, 3)
    matched = json.loads(run(demo, "statement", "match", "--account", "1121.BIDV", "--json").stdout)
    assert len(matched) == 3 and all(m["proposal"]["explanation"] for m in matched)
    text = run(demo, "statement", "match", "--account", "1121.BIDV").stdout
    n = matching.summary([matching.Proposal(0, m["proposal"]["kind"], tuple(m["proposal"]["targets"]), 0.0,
                                            m["proposal"]["automatic"]) for m in matched])
    assert "→" in text and (f"3 dòng: {n['automatic']} tự khớp, {n['suggested']} cần người chọn, "
                            f"{n['unidentified']} chưa xác định.") in text


def test_bad_statements_are_refused_in_vietnamese_and_write_nothing(demo, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.csv"
    bad.write_text(VCB_CSV.replace("03/03/2025", "31/02/2025").replace(",200.000,", ",200.000,5,"), "utf-8")
    p = run(demo, "statement", "import", "--account", "1121.BIDV", str(bad), ok=False)
    assert p.returncode == 2
    assert "dòng 7, date: 31/02/2025 không phải là ngày có thật." in p.stderr
    unbalanced = tmp_path / "unbalanced.csv"
    unbalanced.write_text(VCB_CSV.replace("Số dư cuối kỳ:,13.300.000", "Số dư cuối kỳ:,13.000.000"), "utf-8")
    p = run(demo, "statement", "import", "--account", "1121.BIDV", str(unbalanced), ok=False)
    assert p.returncode == 2 and "chênh lệch -300.000 đ" in p.stderr
    p = run(demo, "statement", "import", "--account", "1121.BIDV", str(unbalanced), "--opening", "9.700.000")
    assert "Đã nhập 3 dòng" in p.stdout


def test_an_administrator_adds_a_bank_layout_from_a_json_file(demo, tmp_path):  # noqa: F811
    spec = tmp_path / "acb.json"
    spec.write_text(json.dumps({"name": "acb", "columns": {"date": ["Ngày hiệu lực"], "amount": ["Số tiền"],
                                                            "memo": ["Ghi chú"]}}), "utf-8")
    assert "Đã thêm mẫu sao kê acb" in run(demo, "statement", "profile", "add", str(spec)).stdout
    p = run(demo, "statement", "profile", "add", str(spec), ok=False)
    assert p.returncode == 2 and "Đã có mẫu sao kê tên acb" in p.stderr
    assert [x["name"] for x in json.loads(run(demo, "statement", "profile", "list", "--json").stdout)] == [
        "vn", "en", "acb"]


def test_a_treasurer_confirms_lines_and_reassigns_suspense_money(demo, tmp_path):  # noqa: F811
    f = tmp_path / "vcb.csv"
    f.write_bytes(VCB_CSV.encode("utf-8-sig"))
    run(demo, "statement", "import", "--account", "1121.BIDV", str(f))
    lines = json.loads(run(demo, "statement", "match", "--account", "1121.BIDV", "--unmatched", "--json").stdout)
    last = lines[-1]["line"]["id"]
    out = json.loads(run(demo, "statement", "confirm", str(last), "--as", "suspense", "--json").stdout)
    assert out["kind"] == "suspense" and out["match_id"]
    p = run(demo, "statement", "confirm", str(last), "--as", "suspense", ok=False)
    assert p.returncode != 0
    left = json.loads(run(demo, "statement", "match", "--account", "1121.BIDV", "--unmatched", "--json").stdout)
    assert last not in [x["line"]["id"] for x in left]
    moved = run(demo, "statement", "reassign", str(out["match_id"]), "--donor", "1").stdout
    assert "biên nhận" in moved
    rec = json.loads(run(demo, "statement", "reconcile", "--account", "1121.BIDV", "--json").stdout)
    assert rec["bank_balance"] is not None and "difference" in rec
    assert "Số dư theo ngân hàng" in run(demo, "statement", "reconcile", "--account", "1121.BIDV").stdout


def test_a_treasurer_splits_a_line_undoes_a_match_and_sets_a_default_fund(demo, tmp_path):  # noqa: F811
    f = tmp_path / "vcb.csv"
    f.write_bytes(VCB_CSV.encode("utf-8-sig"))
    run(demo, "statement", "import", "--account", "1121.BIDV", str(f))
    lines = json.loads(run(demo, "statement", "match", "--account", "1121.BIDV", "--unmatched", "--json").stdout)
    line = next(x["line"]["id"] for x in lines if x["line"]["amount"] == 2_000_000)
    fee = next(x["line"]["id"] for x in lines if x["line"]["amount"] == -200_000)
    # parts that do not add up: refused, with the reason in Vietnamese
    p = run(demo, "statement", "confirm", str(line), "--as", "split", "--donor", "1", "--part", "TOHIEU=1.200.000",
            "--part", "KHT=700.000", ok=False)
    assert p.returncode != 0 and "Tổng các phần" in p.stderr
    out = json.loads(run(demo, "statement", "confirm", str(line), "--as", "split", "--donor", "1",
                         "--part", "TOHIEU=1.200.000", "--part", "KHT=800.000", "--json").stdout)
    assert out["kind"] == "split" and [(x["fund"], x["amount"]) for x in out["parts"]] == [
        ("TOHIEU", 1_200_000), ("KHT", 800_000)] and all(x["receipt"] for x in out["parts"])
    assert run(demo, "statement", "undo", str(out["match_id"]), ok=False).returncode != 0  # a reason is required
    text = run(demo, "statement", "undo", str(out["match_id"]), "--reason", "nhầm quỹ").stdout
    assert "Đã hủy khớp" in text and "hủy 2 biên nhận" in text and f"Dòng {line} trở lại" in text
    left = json.loads(run(demo, "statement", "match", "--account", "1121.BIDV", "--unmatched", "--json").stdout)
    assert line in [x["line"]["id"] for x in left]
    # the account's default fund takes the fee put in suspense without a fund
    assert "quỹ đầu tiên" in run(demo, "statement", "default-fund", "--account", "1121.BIDV").stdout
    assert "KHT" in run(demo, "statement", "default-fund", "--account", "1121.BIDV", "--fund", "KHT").stdout
    r = json.loads(run(demo, "statement", "confirm", str(fee), "--as", "suspense", "--json").stdout)
    assert r["fund"] == "KHT"
    shown = json.loads(run(demo, "statement", "default-fund", "--account", "1121.BIDV", "--json").stdout)
    assert shown == {"account": "1121.BIDV", "default_fund": "KHT"}
    assert "quỹ đầu tiên" in run(demo, "statement", "default-fund", "--account", "1121.BIDV", "--clear").stdout


def test_a_camt_statement_and_an_mt940_through_the_command_line(demo, tmp_path):  # noqa: F811
    """The same command takes a bank's camt.053 XML (told by its content) and refuses another account's."""
    from tests.integration.test_bank_formats import camt, mt940

    f = tmp_path / "bidv-2025-03.xml"
    f.write_bytes(camt())
    first = run(demo, "statement", "import", "--account", "1121.BIDV", str(f)).stdout
    assert "(mẫu camt.053)" in first and "Đã nhập 3 dòng; 0 dòng đã có từ trước" in first
    assert "10.000.000 đ + phát sinh 3.478.000 đ = số dư cuối kỳ 13.478.000 đ: khớp (số dư ghi trong tệp)" in first
    again = json.loads(run(demo, "statement", "import", "--account", "1121.BIDV", str(f), "--json").stdout)
    assert (again["imported"], again["duplicates"], again["profile"]) == (0, 3, "camt.053")
    p = run(demo, "statement", "import", "--account", "1121.AGR", str(f), ok=False)
    assert p.returncode != 0
    assert "Sao kê này của tài khoản số 62010000123456, nhưng tài khoản ngân hàng 1121.AGR có số 7900201003456" \
        in p.stderr
    bad = tmp_path / "bad.xml"
    bad.write_bytes(camt().replace(b">1500000<", b">1500000.50<"))
    p = run(demo, "statement", "import", "--account", "1121.BIDV", str(bad), ok=False)
    assert p.returncode == 2 and "dòng 1, Amt: 1500000.50 có phần lẻ của đồng" in p.stderr
    mt = tmp_path / "bad.sta"
    mt.write_bytes(mt940().replace(b":61:2503050305D22000,00", b":61:25030X0305D22000,00"))
    p = run(demo, "statement", "import", "--account", "1121.BIDV", str(mt), ok=False)
    assert p.returncode == 2 and "dòng 2, :61:" in p.stderr and "không đọc được" in p.stderr
    assert "matching id=61" not in p.stderr and "(?P<" not in p.stderr  # the library's log stays out


def test_a_treasurer_books_a_fee_line_to_an_account_not_as_a_donation(demo, tmp_path):  # noqa: F811
    f = tmp_path / "vcb.csv"
    f.write_bytes(VCB_CSV.encode("utf-8-sig"))
    run(demo, "statement", "import", "--account", "1121.BIDV", str(f))
    lines = json.loads(run(demo, "statement", "match", "--account", "1121.BIDV", "--unmatched", "--json").stdout)
    fee = next(x["line"]["id"] for x in lines if x["line"]["amount"] == -200_000)
    p = run(demo, "statement", "confirm", str(fee), "--as", "account", "--account-code", "711", ok=False)
    assert p.returncode != 0 and "thu ủng hộ" in p.stderr
    text = run(demo, "statement", "confirm", str(fee), "--as", "account", "--account-code", "611",
               "--fund", "KHT").stdout
    assert "không phải tiền ủng hộ" in text and "Ghi vào tài khoản 611" in text
    left = json.loads(run(demo, "statement", "match", "--account", "1121.BIDV", "--unmatched", "--json").stdout)
    assert fee not in [x["line"]["id"] for x in left]
