"""Input that cannot be read as text is refused with 400 ``malformed_input`` (a ``reason`` naming what), line
breaks in single-line fields with 422 — never a 500, never a replacement character stored — and a ``next=``
redirect never leaves the site. Each row checks that nothing was written."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import pytest

from ledger import services
from tests.helpers import snapshot
from web.safety import MAX_DEPTH, json_depth, safe_next

from .webutil import csrf_token, demo_app, login

DONATIONS = "/api/v1/organizations/SLA/donations"


@pytest.fixture
def site(db, tmp_path):
    app = demo_app(db, tmp_path)
    token = services.create_token(db, "thuquy", "SLA", "treasurer")["token"]
    return app, db, {"Authorization": f"Bearer {token}"}


def _gift(**donor) -> dict:
    return {"fund": "TOHIEU", "amount": 1_000_000, "date": "2025-05-01", "kind": "cash",
            "donor": {"name": "Nguyễn Văn An", **donor}}


GIFT = json.dumps(_gift(), ensure_ascii=False)

#: (what, body bytes, status, code, reason) — each POSTed as application/json to the donations API
JSON_ROWS = [
    ("lone surrogate in a name", GIFT.replace("Nguyễn Văn An", "An\\ud800").encode(), 400, "malformed_input",
     "lone_surrogate"),
    ("lone low surrogate", GIFT.replace("Nguyễn Văn An", "\\udfff").encode(), 400, "malformed_input", "lone_surrogate"),
    ("10,000 nested arrays", b"[" * 10_000 + b"]" * 10_000, 400, "malformed_input", "too_deep"),
    ("10,000 nested objects", b'{"a":' * 10_000 + b"1" + b"}" * 10_000, 400, "malformed_input", "too_deep"),
    ("invalid UTF-8 bytes", GIFT.encode().replace("Nguyễn".encode(), b"Nguy\xff\xfe"), 400, "malformed_input",
     "not_utf8"),
    ("Latin-1 text", GIFT.encode().replace("Nguyễn Văn An".encode(), "Ngô Thé".encode("latin-1")), 400,
     "malformed_input", "not_utf8"),
    ("NUL in a name", GIFT.replace("Nguyễn Văn An", "An\\u0000").encode(), 400, "malformed_input",
     "control_characters"),
    ("escape character in a name", GIFT.replace("Nguyễn Văn An", "An\\u001b[2J").encode(), 400, "malformed_input",
     "control_characters"),
    ("CR LF in a donor's name", json.dumps(_gift(name="An\r\nSet-Cookie: x=1")).encode(), 422, "invalid_name",
     "line_break"),
    ("LF in a display name", json.dumps(_gift(display_name="An\nB")).encode(), 422, "invalid_name", "line_break"),
    ("CR LF in a reference", json.dumps({**_gift(), "kind": "transfer", "bank_account": "1121.BIDV",
                                         "reference": "FT123\r\nX"}).encode(), 422, "invalid_name", "line_break"),
    ("U+2028 in a name", json.dumps(_gift(name="An\u2028B")).encode(), 422, "invalid_name", "line_break"),
]


def test_a_malformed_json_body_is_refused_with_its_reason_and_writes_nothing(site):
    app, db, auth = site
    before = snapshot(db)
    for what, body, status, code, reason in JSON_ROWS:
        r = app.test_client().post(DONATIONS, data=body, headers={**auth, "Content-Type": "application/json"})
        assert r.status_code == status, (what, r.get_data(as_text=True)[:300])
        err = r.get_json()
        assert err["code"] == code and reason in sum(err["errors"].values(), []), (what, err)
        assert set(err) >= {"code", "message", "errors", "request_id"}
        assert snapshot(db) == before, what
    r = app.test_client().post(DONATIONS, data=GIFT.encode(), headers={**auth, "Content-Type": "application/json"})
    assert r.status_code == 201  # the same gift, well-formed, is recorded


#: (what, query string) — each sent to a page and to the API
QUERY_ROWS = [
    ("invalid UTF-8 percent-encoded", "q=%ff%fe", "not_utf8"),
    ("a lone surrogate's UTF-8 bytes", "q=%ed%a0%80", "not_utf8"),
    ("overlong encoding of a slash", "q=%c0%af", "not_utf8"),
    ("CR LF", "q=a%0d%0aSet-Cookie:%20x=1", "control_characters"),
    ("tab", "q=a%09b", "control_characters"),
    ("NUL", "q=a%00", "control_characters"),
    ("control character in a name", "a%0d=1", "control_characters"),
]


def test_a_malformed_query_string_is_refused_on_pages_and_in_the_api(site):
    app, db, auth = site
    c = app.test_client()
    login(c, "thuquy")
    before = snapshot(db)
    for what, query, reason in QUERY_ROWS:
        api = app.test_client().get(f"/api/v1/organizations/SLA/donors?{query}", headers=auth)
        assert api.status_code == 400 and api.get_json()["code"] == "malformed_input", what
        assert api.get_json()["errors"] == {"query": [reason]}, what
        page = c.get(f"/o/SLA/donors?{query}")
        assert page.status_code == 400 and "malformed_input" in page.get_data(as_text=True), what
    assert c.get("/o/SLA/donors?q=Nguy%E1%BB%85n").status_code == 200  # good UTF-8 still reads
    assert snapshot(db) == before


def _form(token: str, **kw) -> dict:
    form = {"csrf_token": token, "donor_name": "Hoàng Văn Thụ", "date": "2025-05-02", "kind": "cash",
            "fund": "TOHIEU", "amount": "1.000.000", "listed": "1", "form_key": "k-malformed"}
    form.update(kw)
    return form


def _urlencode_bytes(form: dict) -> bytes:
    return b"&".join(k.encode() + b"=" + (v if isinstance(v, bytes) else quote(v).encode()) for k, v in form.items())


FORM_ROWS = [
    (b"Ho%ff%feng", 400),  # invalid UTF-8 in a urlencoded field
    (b"Ho%00ng", 400),  # NUL
    (b"Ho%1bng", 400),  # ESC
    (b"Ho%0d%0aang", 422),  # a line break in a one-line field: the ledger's refusal (invalid_name, line_break)
]


def test_a_malformed_form_field_is_refused_and_writes_nothing(site):
    app, db, _auth = site
    c = app.test_client()
    login(c, "thuquy")
    token = csrf_token(c, "/o/SLA/donations/new")
    before = snapshot(db)
    for name, status in FORM_ROWS:
        r = c.post("/o/SLA/donations/new", data=_urlencode_bytes(_form(token, donor_name=name)),
                   content_type="application/x-www-form-urlencoded")
        assert r.status_code == status, name
        if status == 400:
            assert "malformed_input" in r.get_data(as_text=True)
        assert snapshot(db) == before, name
    boundary = "XyZ"
    parts = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v + b"\r\n"
        for k, v in {"csrf_token": token.encode(), "donor_name": b"Ho\xff\xfeng", "date": b"2025-05-02",
                     "kind": b"cash", "fund": b"TOHIEU", "amount": b"1000000", "form_key": b"k-mp"}.items())
    body = parts + f"--{boundary}--\r\n".encode()
    before = snapshot(db)
    r = c.post("/o/SLA/donations/new", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert r.status_code == 400 and "malformed_input" in r.get_data(as_text=True)
    assert snapshot(db) == before


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth("[" * 100 + "]" * 100) == 100
    assert json_depth('{"a": "' + "[" * 100 + '"}') == 1  # the object itself
    assert json_depth('{"a": "\\"' + "[" * 100 + '"}') == 1
    assert json_depth("[" * MAX_DEPTH + "]" * MAX_DEPTH) <= MAX_DEPTH


# ------------------------------------------------------------------ redirects

#: ``next=`` values that must never send anyone off the site
HOSTILE_NEXT = [
    "https://evil.example/", "http:evil.example", "//evil.example", "///evil.example", "/\\evil.example",
    "\\\\evil.example", "/%09/evil.example", "/\t/evil.example", "/%0d/evil.example", "/%0a/evil.example",
    "/\r\n/evil.example", "%2F%2Fevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "/%5cevil.example",
    "/%255c/evil.example", "/%2509/evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>", " //evil.example", "\x00/evil", "/\x00/evil.example",
    "evil.example", "", "/\u3000/evil.example", "/\u200b/evil.example", "%0d%0aSet-Cookie:x=1",
]
SAFE_NEXT = ["/o/SLA/", "/o/SLA/donors?q=An&page=2", "/", "/o/SLA/donors?q=Nguy%E1%BB%85n"]


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_safe_next_refuses_every_way_off_the_site(value):
    assert safe_next(value) is None


@pytest.mark.parametrize("value", SAFE_NEXT)
def test_safe_next_keeps_a_path_on_the_site(value):
    assert safe_next(value) == value


def _stays_here(r) -> bool:
    if r.status_code == 400:
        return True
    location = r.headers.get("Location", "")
    parts = urlsplit(location)
    return r.status_code == 302 and not parts.scheme and not parts.netloc and location.startswith("/") \
        and not location.startswith("//") and "\\" not in location and location.isprintable()


def test_the_language_switch_and_the_login_never_redirect_off_the_site(site):
    app, _db, _auth = site
    for value in HOSTILE_NEXT:
        c = app.test_client()
        r = c.get("/lang/en?next=" + quote(value, safe=""))
        assert _stays_here(r), (value, r.status_code, r.headers.get("Location"))
        r = c.get("/lang/vi?next=" + quote(value, safe="%"))  # sent as written, not encoded again
        assert _stays_here(r), (value, r.status_code, r.headers.get("Location"))
        r = c.get("/login?next=" + quote(value, safe=""))
        assert r.status_code in (200, 400) and 'name="next" value=""' in r.get_data(as_text=True) \
            or r.status_code == 400, value
        token = csrf_token(c)
        r = c.post("/login", data={"login": "thuquy", "password": "mat-khau-thu-nghiem", "csrf_token": token,
                                   "next": value})
        assert _stays_here(r), (value, r.status_code, r.headers.get("Location"))
        if r.status_code == 302:
            assert r.headers["Location"] == "/", value


def test_a_safe_next_is_followed_by_the_login_and_the_language_switch(site):
    app, _db, _auth = site
    c = app.test_client()
    r = c.get("/lang/en?next=" + quote("/o/SLA/donors?q=An", safe=""))
    assert r.status_code == 302 and r.headers["Location"] == "/o/SLA/donors?q=An"
    r = c.get("/o/SLA/donors")
    assert r.status_code == 302
    login_page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/o/SLA/donors"' in login_page
    token = csrf_token(c)
    r = c.post("/login", data={"login": "thuquy", "password": "mat-khau-thu-nghiem", "csrf_token": token,
                               "next": "/o/SLA/donors"})
    assert r.status_code == 302 and r.headers["Location"] == "/o/SLA/donors"
