"""Finishing touches of the treasurer's day (issue 24), through the web pages (Flask's test client, SQLite and
PostgreSQL) and the CLI: the dashboard's recent gifts open their gift page; the donation form picks the only
bank account; the stipends form takes a recipient's name with the batch page's type-ahead; the receipt
register's "Show" keeps the chosen year; a deposit's settlement speaks Vietnamese in the CLI like its
neighbours; a print job that failed says why in Vietnamese and folds the raw error away."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from ledger import clock, services
from ledger import schema as s

from .webutil import client_for, demo_app


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


# ------------------------------------------------------------------ 1. dashboard → the gift's page


def test_each_recent_donation_on_the_dashboard_opens_its_gift_page(app):
    c = client_for(app, "thuquy")
    html = c.get("/o/SLA/").get_data(as_text=True)
    recent = html.split('id="recent"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[ >].*?</tr>", recent.split("<tbody>", 1)[1], re.S)
    assert rows
    for row in rows:
        links = re.findall(r'href="(/o/SLA/donations/(\d+))"', row)
        assert links, row
        href = links[0][0]
        page = c.get(href)
        assert page.status_code == 200
        assert unescape(re.search(r'/donors/\d+">([^<]+)</a>', row).group(1)) in page.get_data(as_text=True)


# ------------------------------------------------------------------ 2. the only bank account is preselected


def _selected_bank(html: str) -> str | None:
    select = re.search(r'<select name="bank_account">(.*?)</select>', html, re.S).group(1)
    m = re.search(r'<option value="([^"]*)"\s+selected', select)
    return m.group(1) if m else None


def test_the_donation_form_preselects_the_bank_account_when_there_is_only_one(app, db):
    services.add_bank_account(db, "SLA-TCH", code="1121.VCB", bank_name="Vietcombank Thuận Châu",
                              account_no="0123456789")
    c = client_for(app, "thuquy.tch")
    html = c.get("/o/SLA-TCH/donations/new").get_data(as_text=True)
    assert html.count("<option value=\"1121.") == 1
    assert _selected_bank(html) == "1121.VCB"


def test_the_donation_form_leaves_the_bank_to_choose_when_there_are_several(app):
    html = client_for(app, "thuquy").get("/o/SLA/donations/new").get_data(as_text=True)
    assert html.count("<option value=\"1121.") == 2  # the province banks at BIDV and Agribank
    assert _selected_bank(html) is None  # a transfer names its bank (bank_account_required)


# ------------------------------------------------------------------ 3. stipends: a recipient by name


def test_the_stipends_form_asks_for_a_recipient_by_name_with_the_batch_pages_type_ahead(app):
    html = client_for(app, "thuquy").get("/o/SLA/stipends").get_data(as_text=True)
    assert "Recipient number" not in html and "Số người nhận" not in html
    form = html.split('action="/o/SLA/stipends"', 1)[1].split("</form>", 1)[0]
    field = re.search(r'<input[^>]*name="recipient"[^>]*>', form).group(0)
    assert 'inputmode="numeric"' not in field
    assert 'list="recipient-options"' in field and 'data-search="/o/SLA/recipients/search"' in field
    assert re.search(r'<datalist id="recipient-options"><option value="#\d+ ', html)
    assert "recipients.js" in html


def test_a_commitment_recorded_by_a_recipients_type_ahead_label_is_theirs(app):
    c = client_for(app, "thuquy")
    html = c.get("/o/SLA/stipends").get_data(as_text=True)
    label = unescape(re.search(r'<datalist id="recipient-options"><option value="([^"]+)"', html).group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    key = re.search(r'name="form_key" value="([^"]+)"', html).group(1)
    program = re.search(r'<select name="program"><option value="([^"]+)"', html).group(1)
    month = clock.today().strftime("%Y-%m")
    r = c.post("/o/SLA/stipends", data={"csrf_token": token, "form_key": key, "recipient": label,
                                        "program": program, "monthly_amount": "500.000", "first": month,
                                        "last": month})
    assert r.status_code in (302, 303)
    after = c.get("/o/SLA/stipends").get_data(as_text=True)
    name = label.split(" — ")[0].split(" ", 1)[1]
    assert re.search(r'<tr data-commitment="\d+"><td>\d+</td><td>' + re.escape(name), after)


# ------------------------------------------------------------------ 4. the receipt register keeps its year


def _submit_period_form(c, url: str):
    """Press "Show" on a statement page's period form as a browser would: every field with its value."""
    html = c.get(url).get_data(as_text=True)
    form = re.search(r'<form class="inline" method="get">(.*?)</form>', html, re.S).group(1)
    fields = {}
    for tag in re.findall(r"<(?:input|select)[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body) or re.search(r'<option value="([^"]*)"',
                                                                                       body)
        fields[name] = chosen.group(1) if chosen else ""
    return fields, c.get(url.split("?")[0], query_string=fields).get_data(as_text=True)


def test_show_on_the_receipt_register_keeps_the_chosen_year(app):
    c = client_for(app, "kiemtra")
    first = c.get("/o/SLA/books/registers/receipts?year=2025").get_data(as_text=True)
    assert "năm 2025" in first
    fields, shown = _submit_period_form(c, "/o/SLA/books/registers/receipts?year=2025")
    assert fields.get("year") == "2025"
    period = re.search(r'<p class="sub" id="statement-period">([^<]*)</p>', shown).group(1)
    assert "năm 2025" in period
    assert re.findall(r"<tbody>(.*?)</tbody>", shown, re.S)[0] == re.findall(r"<tbody>(.*?)</tbody>", first, re.S)[0]


def test_show_on_the_receipt_register_keeps_the_series(app):
    c = client_for(app, "kiemtra")
    fields, shown = _submit_period_form(c, "/o/SLA/books/registers/receipts?year=2025&series=PC")
    assert (fields.get("year"), fields.get("series")) == ("2025", "PC")
    assert "SỔ ĐĂNG KÝ BIÊN NHẬN" in shown and "năm 2025" in shown


def test_the_receipt_register_form_names_the_year_it_shows_when_none_was_asked(app):
    c = client_for(app, "kiemtra")
    fields, shown = _submit_period_form(c, "/o/SLA/books/registers/receipts")
    assert fields.get("year") == str(clock.today().year)
    assert f"năm {clock.today().year}" in shown
    fields, shown = _submit_period_form(c, "/o/SLA/books/registers/receipts?year=2024&from=2025-01-01")
    assert fields.get("year") == "2024" and "from" not in fields


def test_show_on_the_deposit_register_keeps_the_chosen_day(app):
    c = client_for(app, "kiemtra")
    fields, shown = _submit_period_form(c, "/o/SLA/books/registers/deposits?as_of=2025-06-30")
    assert fields.get("as_of") == "2025-06-30"
    assert "30/06/2025" in re.search(r'<p class="sub" id="statement-period">([^<]*)</p>', shown).group(1)


# ------------------------------------------------------------------ 6. a failed print job, in Vietnamese


def test_a_print_job_failed_for_another_reason_says_so_in_vietnamese_and_folds_the_raw_error(app, db):
    raw = "OSError: [Errno 28] No space left on device: '/var/lib/quy/prints/7.pdf'"
    with db.begin() as conn:
        org_id = conn.execute(sa.select(s.organizations.c.id).where(s.organizations.c.code == "SLA")).scalar()
        job_id = conn.execute(s.print_jobs.insert().values(
            org_id=org_id, kind="receipt", state="failed", done=3, total=10, error=raw, created_by="thuquy",
            created_at="2026-03-01T08:00:00+00:00", finished_at="2026-03-01T08:01:00+00:00")).inserted_primary_key[0]
    html = client_for(app, "thuquy").get(f"/o/SLA/print-jobs/{job_id}").get_data(as_text=True)
    state = re.search(r'<p id="job-state"[^>]*>(.*?)</p>', html, re.S).group(1)
    assert "No space left" not in state and "OSError" not in state  # not the raw text as the message
    assert "không in được" in state and "Thất bại" in state
    details = re.search(r"<details[^>]*>(.*?)</details>", html, re.S).group(1)
    assert unescape(details).count(raw) == 1


# ------------------------------------------------------------------ 5. the CLI's deposit messages, in Vietnamese


def test_settling_a_deposit_in_the_cli_speaks_vietnamese_like_its_neighbours(tmp_path):
    from .test_cli import run

    url = f"sqlite:///{tmp_path / 'quy.sqlite3'}"
    run(url, "demo", "--campaign-only")
    opened = run(url, "deposit", "open", "--contract", "VTB 2026/01", "--bank", "1121.BIDV", "--principal",
                 "2.833.587.000", "--rate", "4,9647", "--start", "2026-01-01", "--months", "6", "--fund",
                 "TOHIEU").stdout
    run(url, "accrue", "--through", "2026-03-31")
    adjusted = run(url, "deposit", "adjust", "VTB 2026/01", "--amount", "-20", "--date", "2026-04-15",
                   "--reference", "Xác nhận số dư 15/04/2026").stdout
    settled = run(url, "deposit", "settle", "VTB 2026/01", "--bank-interest", "69.762.000", "--reference",
                  "Sổ phụ Vietinbank 01/07/2026").stdout
    for out in (opened, adjusted, settled):
        assert not re.search(r"\b(Deposit|opened|Adjusted|settled|interest|figure)\b", out), out
    assert "VTB 2026/01" in settled and "69.762.000" in settled
    assert "Đã tất toán" in settled and "theo số của ngân hàng" in settled and "+606 đ" in settled
    assert "Đã mở" in opened and "Đã điều chỉnh" in adjusted
