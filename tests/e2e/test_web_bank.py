"""The treasurer's bank page over the demo books: upload a statement, see its preview (bad lines marked),
confirm the import, then the matching queue — memo shown as text, amounts as ``1.500.000 đ`` — and a line
accepted, given to another donor, or put in suspense, each through a form with its CSRF token."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from ledger.db import Database
from ledger.migrate import upgrade

from .webutil import csrf_token, demo_app, login

CSV = ("Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n"
       "03/03/2025,W1,,\"1,500,000\",<script>alert(1)</script>\n"
       "05/03/2025,W2,,\"700,000\",KHONG RO NGUOI GUI\n"
       "06/03/2025,W3,,\"300,000\",LO VAN CAM UNG HO\n")
BAD = "Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n31/02/2025,X1,,\"1,000\",A\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bankweb")
    db = Database(f"sqlite:///{tmp / 'quy.sqlite3'}")
    upgrade(db)
    app = demo_app(db, tmp)
    app.config["WTF_CSRF_ENABLED"] = True
    treasurer, auditor = app.test_client(), app.test_client()
    assert login(treasurer, "thuquy").status_code == 302
    assert login(auditor, "kiemtra").status_code == 302
    return db, treasurer, auditor


def _upload(c, text, name="s.csv", **form):
    token = csrf_token(c, "/o/SLA/bank")
    from io import BytesIO
    return c.post("/o/SLA/bank/upload", data={"csrf_token": token, "account": "1121.BIDV",
                                              "file": (BytesIO(text.encode()), name), **form},
                  content_type="multipart/form-data")


def test_the_page_is_the_treasurers_and_linked_from_the_navigation(site):
    _db, treasurer, auditor = site
    r = treasurer.get("/o/SLA/bank")
    assert r.status_code == 200 and 'href="/o/SLA/bank"' in r.get_data(as_text=True)
    assert "Sao kê ngân hàng" in r.get_data(as_text=True) and "Nhập sao kê" in r.get_data(as_text=True)
    assert auditor.get("/o/SLA/bank").status_code == 403
    assert 'href="/o/SLA/bank"' not in auditor.get("/o/SLA").get_data(as_text=True)


def test_a_bad_statement_is_previewed_with_its_bad_line_marked_and_nothing_imported(site):
    db, treasurer, _a = site
    r = _upload(treasurer, BAD, opening="0", closing="1.000")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'class="bad" data-row="2"' in html and "confirm-import" not in html
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM bank_lines")).scalar() == 0


def test_upload_preview_confirm_then_match_lines_from_the_queue(site):
    db, treasurer, _a = site
    r = _upload(treasurer, CSV, opening="0", closing="2.500.000")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "confirm-import" in html
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM bank_lines")).scalar() == 0  # a preview writes nothing
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                           html.split('id="confirm-form"')[1].split("</form>")[0]))
    r = treasurer.post("/o/SLA/bank/upload/confirm", data=form)
    assert r.status_code == 303
    page = treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "1.500.000 đ" in page and "700.000 đ" in page
    with db.read() as c:
        ids = list(c.execute(sa.text("SELECT id FROM bank_lines ORDER BY id")).scalars())
        donor = c.execute(sa.text("SELECT id FROM donors WHERE name = 'Lò Văn Cam'")).scalar() or \
            c.execute(sa.text("SELECT min(id) FROM donors")).scalar()
    token = csrf_token(treasurer, "/o/SLA/bank")
    # without the CSRF token: refused
    assert treasurer.post(f"/o/SLA/bank/lines/{ids[1]}/confirm", data={"as": "suspense"}).status_code == 400
    r = treasurer.post(f"/o/SLA/bank/lines/{ids[1]}/confirm",
                       data={"csrf_token": token, "as": "suspense", "account": "1121.BIDV"})
    assert r.status_code == 303
    r = treasurer.post(f"/o/SLA/bank/lines/{ids[0]}/confirm",
                       data={"csrf_token": token, "as": "donor", "donor": str(donor), "fund": "TOHIEU",
                             "account": "1121.BIDV"})
    assert r.status_code == 303
    page = treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    assert f'id="line-{ids[0]}"' not in page and f'id="line-{ids[1]}"' not in page and f'id="line-{ids[2]}"' in page
    r = treasurer.post(f"/o/SLA/bank/lines/{ids[1]}/confirm",
                       data={"csrf_token": token, "as": "suspense", "account": "1121.BIDV"})
    assert r.status_code == 409
    with db.read() as c:
        assert [tuple(x) for x in c.execute(sa.text("SELECT line_id, kind FROM bank_matches ORDER BY id"))] == [
            (ids[1], "suspense"), (ids[0], "donor")]


def test_the_reconciliation_page_shows_both_balances_and_what_each_side_lacks(site):
    _db, treasurer, auditor = site
    r = auditor.get("/o/SLA/bank/reconciliation?account=1121.BIDV&month=2025-03")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="rec-difference"' in html and "đ" in html
    assert auditor.get("/o/SLA/bank/reconciliation?month=bad").status_code == 422


def test_the_reconciliation_downloads_as_pdf_xlsx_and_csv(site):
    _db, _treasurer, auditor = site
    html = auditor.get("/o/SLA/bank/reconciliation?account=1121.BIDV&month=2025-03").get_data(as_text=True)
    assert 'href="/o/SLA/bank/reconciliation.pdf?' in html
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", "\ufeff".encode())):
        r = auditor.get(f"/o/SLA/bank/reconciliation.{fmt}?account=1121.BIDV&month=2025-03")
        assert r.status_code == 200 and r.data.startswith(magic), fmt
        assert "bank-reconciliation-1121.BIDV-2025-03" in r.headers["Content-Disposition"]


def test_split_undo_reassign_and_default_fund_from_the_bank_page(site):
    db, treasurer, auditor = site
    with db.read() as c:
        ids = list(c.execute(sa.text("SELECT id FROM bank_lines ORDER BY id")).scalars())
        susp = c.execute(sa.text("SELECT id FROM bank_matches WHERE kind = 'suspense'")).scalar()
        donor = c.execute(sa.text("SELECT min(id) FROM donors")).scalar()
    page = treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    assert "Chia cho hai quỹ" in page and 'id="default-fund-form"' in page and f'id="match-{susp}"' in page
    token = csrf_token(treasurer, "/o/SLA/bank")
    # the default fund, without then with the CSRF token
    assert treasurer.post("/o/SLA/bank/default-fund", data={"account": "1121.BIDV", "fund": "KHT"}).status_code == 400
    r = treasurer.post("/o/SLA/bank/default-fund", data={"csrf_token": token, "account": "1121.BIDV", "fund": "KHT"})
    assert r.status_code == 303
    assert '<option value="KHT" selected>' in treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    # split: parts that do not add up are refused, then 200.000 + 100.000 of the 300.000 line
    split = {"csrf_token": token, "as": "split", "donor": str(donor), "account": "1121.BIDV",
             "fund1": "TOHIEU", "amount1": "200.000", "fund2": "KHT", "amount2": "50.000"}
    r = treasurer.post(f"/o/SLA/bank/lines/{ids[2]}/confirm", data=split)
    assert r.status_code == 422 and "Tổng các phần" in r.get_data(as_text=True)
    assert treasurer.post(f"/o/SLA/bank/lines/{ids[2]}/confirm", data={**split, "csrf_token": ""}).status_code == 400
    r = treasurer.post(f"/o/SLA/bank/lines/{ids[2]}/confirm", data={**split, "amount2": "100.000"})
    assert r.status_code == 303
    with db.read() as c:
        mid, kind = c.execute(sa.text("SELECT id, kind FROM bank_matches WHERE line_id = :l"), {"l": ids[2]}).one()
        parts = [tuple(x) for x in c.execute(sa.text(
            "SELECT f.code, p.amount FROM bank_match_parts p JOIN funds f ON f.id = p.fund_id ORDER BY p.id"))]
    assert kind == "split" and parts == [("TOHIEU", 200_000), ("KHT", 100_000)]
    page = treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    assert f'id="line-{ids[2]}"' not in page and f'id="match-{mid}"' in page and "TOHIEU: 200.000 đ" in page
    # undo: a reason is required, the auditor may not, the line comes back
    assert treasurer.post(f"/o/SLA/bank/matches/{mid}/undo", data={"csrf_token": token}).status_code == 422
    assert auditor.post(f"/o/SLA/bank/matches/{mid}/undo",
                        data={"csrf_token": csrf_token(auditor, "/o/SLA/bank/reconciliation"),
                              "reason": "x"}).status_code == 403
    assert treasurer.post(f"/o/SLA/bank/matches/{mid}/undo", data={"reason": "x"}).status_code == 400
    r = treasurer.post(f"/o/SLA/bank/matches/{mid}/undo",
                       data={"csrf_token": token, "reason": "nhầm quỹ", "account": "1121.BIDV"})
    assert r.status_code == 303
    page = treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    assert f'id="line-{ids[2]}"' in page and f'id="match-{mid}"' not in page
    # reassign the suspense money from its card, then that reassignment is what the card undoes
    r = treasurer.post(f"/o/SLA/bank/matches/{susp}/reassign",
                       data={"csrf_token": token, "donor": str(donor), "fund": "TOHIEU", "account": "1121.BIDV"})
    assert r.status_code == 303
    with db.read() as c:
        re_id = c.execute(sa.text("SELECT id FROM bank_matches WHERE reassigns_id = :m"), {"m": susp}).scalar()
    page = treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    card = page.split(f'id="match-{susp}"')[1].split("</section>")[0]
    assert f"/o/SLA/bank/matches/{re_id}/undo" in card and "reassign-form" not in card
    r = treasurer.post(f"/o/SLA/bank/matches/{susp}/undo",
                       data={"csrf_token": token, "reason": "x", "account": "1121.BIDV"})
    assert r.status_code == 409
    # the bank accounts page offers the default fund too
    accounts = treasurer.get("/o/SLA/bank-accounts").get_data(as_text=True)
    assert 'name="back" value="accounts"' in accounts and "Quỹ mặc định" in accounts
    r = treasurer.post("/o/SLA/bank/default-fund",
                       data={"csrf_token": token, "account": "1121.BIDV", "fund": "", "back": "accounts"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/o/SLA/bank-accounts")
    assert "Quỹ mặc định" in auditor.get("/o/SLA/bank-accounts").get_data(as_text=True)


def test_an_mt940_and_a_camt_file_are_previewed_whatever_they_are_called(site):
    from tests.integration.test_bank_formats import camt, mt940

    db, treasurer, _a = site
    r = _upload(treasurer, mt940().decode(), name="SAOKE_BIDV.dat")  # told by content, not by its name
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "confirm-import" in html, html[:3000]
    assert "UNG HO QUY HOC BONG TO HIEU NGUYEN VAN A" in html and "FT25064002" in html
    assert re.search(r'name="file_id" value="[0-9a-f]{64}\.sta"', html)
    bad = camt().replace(b">22000.00<", b">22000.50<").decode()
    r = _upload(treasurer, bad, name="bidv.xml")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'class="bad" data-row="2"' in html and "có phần lẻ của đồng" in html
    r = _upload(treasurer, "%PDF-1.4 not a statement", name="saoke.pdf")
    assert r.status_code == 422 and "camt.053" in r.get_data(as_text=True)
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM bank_lines WHERE bank_ref LIKE 'FT2506%'")).scalar() == 0


def test_a_statement_larger_than_the_apps_20_mb_forms_is_taken_and_its_progress_polled(site):
    """The page takes statements up to 64 MB (a year of a busy account with long memos is about 50 MB), while
    the app's other forms stop at 20 MB; the progress poll answers zeros for an import it does not know."""
    _db, treasurer, auditor = site
    rows = ["Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung"]
    for i in range(45_000):
        rows.append(f"01/06/2025,BIG{i:06d},,1000,UNG HO {i} {'X' * 480}")
    text = "\n".join(rows) + "\n"
    assert len(text.encode()) > 21 * 1024 * 1024
    r = _upload(treasurer, text, name="lon.csv", opening="0", closing=str(45_000 * 1000))
    assert r.status_code == 200, r.status_code
    assert 'id="import-ok"' in r.get_data(as_text=True)
    assert treasurer.get("/o/SLA/bank/upload/progress?id=" + "a" * 32).get_json() == {"done": 0, "total": 0}
    assert treasurer.get("/o/SLA/bank/upload/progress?id=../../etc").get_json() == {"done": 0, "total": 0}
    assert auditor.get("/o/SLA/bank/upload/progress").status_code == 403


def test_a_fee_debit_is_booked_to_an_account_from_the_queue_not_as_a_donation(site):
    db, treasurer, _a = site
    from ledger import services

    services.add_account(db, "SLA", code="6427", name="Chi phí dịch vụ ngân hàng", kind="expense")
    fee = "Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n10/03/2025,FEE1,\"11,000\",,PHI QUAN LY TAI KHOAN\n"
    r = _upload(treasurer, fee, account="1121.AGR", opening="0", closing="-11.000")
    html = r.get_data(as_text=True)
    assert r.status_code == 200, html
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                           html.split('id="confirm-form"')[1].split("</form>")[0]))
    assert treasurer.post("/o/SLA/bank/upload/confirm", data=form).status_code == 303
    with db.read() as c:
        line = c.execute(sa.text("SELECT id FROM bank_lines WHERE bank_ref = 'FEE1'")).scalar()
    page = treasurer.get("/o/SLA/bank?account=1121.AGR").get_data(as_text=True)
    block = page.split(f'id="line-{line}"')[1].split("</section>")[0]
    assert "Không phải tiền ủng hộ: ghi vào tài khoản" in block and 'value="account"' in block
    options = re.findall(r'<option value="([^"]+)">', block.split('name="to_account"')[1].split("</select>")[0])
    assert "6427" in options and "611" in options
    assert not {"1121", "1121.AGR", "1121.BIDV", "711", "3389"} & set(options)
    token = csrf_token(treasurer, "/o/SLA/bank")
    data = {"as": "account", "to_account": "6427", "fund": "KHT", "account": "1121.AGR"}
    assert treasurer.post(f"/o/SLA/bank/lines/{line}/confirm", data=data).status_code == 400  # no CSRF token
    r = treasurer.post(f"/o/SLA/bank/lines/{line}/confirm", data={**data, "csrf_token": token, "to_account": "711"})
    assert r.status_code == 422 and "thu ủng hộ" in r.get_data(as_text=True)
    r = treasurer.post(f"/o/SLA/bank/lines/{line}/confirm", data={**data, "csrf_token": token})
    assert r.status_code == 303
    with db.read() as c:
        m = c.execute(sa.text("SELECT kind, tx_id FROM bank_matches WHERE line_id = :l"), {"l": line}).one()
        posted = c.execute(sa.text("SELECT a.code, f.code, p.amount FROM postings p JOIN accounts a ON a.id = "
                                   "p.account_id JOIN funds f ON f.id = p.fund_id WHERE p.tx_id = :t ORDER BY a.code"),
                           {"t": m.tx_id}).all()
    assert m.kind == "account"
    assert [tuple(p) for p in posted] == [("1121.AGR", "KHT", -11_000), ("6427", "KHT", 11_000)]
    assert f'id="line-{line}"' not in treasurer.get("/o/SLA/bank?account=1121.AGR").get_data(as_text=True)


def test_the_reversal_page_of_a_matched_entry_sends_the_treasurer_to_the_match(site):
    """A donation booked from a bank line is undone through its match: the reversal page says so and links
    to the match on the bank page instead of offering its form, and a forced post is refused (409)."""
    db, treasurer, _a = site
    from ledger import services
    from ledger.reconcile import Choice

    text = "Ngày giao dịch,Số tham chiếu,Ghi nợ,Ghi có,Nội dung\n20/03/2025,REV1,,\"250,000\",UNG HO HOC BONG\n"
    services.import_statement(db, "SLA", "1121.BIDV", "rev.csv", text.encode(), user="t", opening=0, closing=250_000)
    with db.read() as c:
        line = c.execute(sa.text("SELECT id FROM bank_lines WHERE bank_ref = 'REV1'")).scalar()
        donor = c.execute(sa.text("SELECT min(id) FROM donors")).scalar()
    m = services.confirm_bank_line(db, "SLA", line, Choice("donor", donor=donor, fund="TOHIEU"), user="t")
    page = treasurer.get(f"/o/SLA/transactions/{m['tx_id']}/reverse")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="bank-matched"' in html and 'name="reason"' not in html
    assert f'href="/o/SLA/bank?account=1121.BIDV#match-{m["match_id"]}"' in html
    assert f'id="match-{m["match_id"]}"' in treasurer.get("/o/SLA/bank?account=1121.BIDV").get_data(as_text=True)
    token = csrf_token(treasurer, "/o/SLA/bank")
    r = treasurer.post(f"/o/SLA/transactions/{m['tx_id']}/reverse",
                       data={"csrf_token": token, "reason": "nhầm", "date": "2025-03-31", "form_key": "k1"})
    assert r.status_code == 409 and f"dòng sao kê ngân hàng số {line}" in r.get_data(as_text=True)
    with db.read() as c:
        assert c.execute(sa.text("SELECT count(*) FROM transactions WHERE reverses_id = :t"),
                         {"t": m["tx_id"]}).scalar() == 0


def test_a_donor_id_that_is_not_ascii_digits_is_a_422_not_a_crash(site):
    db, treasurer, _a = site
    with db.read() as c:
        line = c.execute(sa.text("SELECT max(id) FROM bank_lines")).scalar()
    token = csrf_token(treasurer, "/o/SLA/bank")
    for how in ("donor", "split"):
        r = treasurer.post(f"/o/SLA/bank/lines/{line}/confirm",
                           data={"csrf_token": token, "as": how, "donor": "\u00b2", "account": "1121.BIDV"})
        assert r.status_code == 422, how
    r = treasurer.post("/o/SLA/bank/matches/1/reassign", data={"csrf_token": token, "donor": "\u00b2"})
    assert r.status_code == 422
