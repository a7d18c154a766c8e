"""The treasurer's desk through the web pages (Flask's test client, SQLite and PostgreSQL): every register of
the books opens for the demo period; after recording a gift its receipt and thank-you letter are one click
away; a donor's page links their gifts, receipts, letters and gold-book entries; the donations list searches
and filters (and so does the API's list)."""

from __future__ import annotations

import pytest

from .webutil import demo_app, login

PERIOD = "from=2025-01-01&to=2025-12-31"
#: every register under /o/<org>/books/registers/ (web/books.py REGISTERS), with the demo period's arguments
REGISTERS = {"receipts": "year=2025", "disbursements": "", "deposits": "as_of=2025-06-30", "journal": PERIOD}


@pytest.fixture
def app(db, tmp_path):
    return demo_app(db, tmp_path)


def client_for(app, who):
    c = app.test_client()
    assert login(c, who).status_code == 302
    return c


@pytest.mark.parametrize("register", sorted(REGISTERS))
def test_every_register_opens_for_the_demo_period(app, register):
    c = client_for(app, "kiemtra")
    for query in (REGISTERS[register], PERIOD, ""):
        r = c.get(f"/o/SLA/books/registers/{register}?{query}")
        assert r.status_code == 200, (register, query, r.status_code)
        assert "<table id=\"statement\">" in r.get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        assert c.get(f"/o/SLA/books/registers/{register}.{fmt}?{REGISTERS[register]}").status_code == 200


def test_the_journal_register_shows_each_posting_with_an_empty_other_side(app):
    html = client_for(app, "kiemtra").get(f"/o/SLA/books/registers/journal?{PERIOD}").get_data(as_text=True)
    assert "SỔ NHẬT KÝ CHUNG" in html and "Ủng hộ tiền mặt" in html
    assert 'data-amount=""' not in html  # the empty side of a posting is an empty cell, not an amount
