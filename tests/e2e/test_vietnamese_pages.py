"""Every page a Vietnamese user can open speaks Vietnamese: the app's GET routes are walked (Flask's test
client over the demo books, as an administrator, a treasurer, a council member and the public) and the
visible text of each page must hold no English message of the catalogue left untranslated, no raw enum
value (a role, a batch or line state, a donation kind, an audit action…), no English sentence and no ISO
date (``2026-12-06``): dates are written dd/mm/yyyy.

Text a person is not meant to read as prose — a raw audit record behind ``<details>`` — is marked
``translate="no"`` and left out, as a translator would leave it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from ledger import schema as s
from ledger import services
from ledger.db import Database
from ledger.migrate import upgrade
from web.app import _HTTP_CODES
from web.messages import _VI

from .webutil import demo_app, login

PO = Path(__file__).resolve().parents[2] / "web" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
#: English words a Vietnamese sentence never holds (none of them is a Vietnamese word without its marks).
ENGLISH = {"the", "and", "of", "with", "from", "this", "is", "are", "not", "your", "been", "will", "which"}
#: Machine values of the ledger's enums, as stored: none may reach a Vietnamese reader as it is.
RAW = {
    *s.ROLES,  # roles
    "draft", "submitted", "approved", "closed", "rejected",  # batch states
    "open", "paid", "cancelled",  # batch line states
    "queued", "running", "done", "failed",  # print job states
    "active", "suspended", "ended",  # stipend commitments
    "cash", "transfer", "in_kind", "pledge", "pledge_payment",  # donation kinds
    "settled", "matured", "withdrawn",  # deposit states
    "live", "expired", "revoked", "role_removed",  # API tokens
    "receipt", "letter", "certificate",  # print kinds
    "cli", "web", "api",  # where an audited action came from
    *(c for c in _VI if "_" in c), *_HTTP_CODES.values(),  # error codes: the API's, never a person's
}
#: Routes that are files (PDF, spreadsheets, archives, beancount), JSON or redirects, not pages.
NOT_PAGES = re.compile(r"(\.pdf|\.zip|\.csv|<any\(pdf,xlsx,csv\):fmt>|<any\(csv, xlsx, pdf\):fmt>)$|"
                       r"^/(static|lang|healthz|readyz|api)|/books/beancount$|/upload/progress$")


class _Visible(HTMLParser):
    """The text a person sees: text nodes and the ``title``/``placeholder``/``aria-label`` attributes, without
    ``<script>``, ``<style>`` and subtrees marked ``translate="no"``."""

    HIDDEN = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        hidden = self._hidden() or tag in self.HIDDEN or a.get("translate") == "no"
        if not hidden:
            for name in ("title", "placeholder", "aria-label", "alt"):
                if a.get(name):
                    self.parts.append(a[name])
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.parts.append(a["value"])
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.parts.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    p = _Visible()
    p.feed(html)
    return p.parts


def _english_msgids() -> tuple[set[str], set[str]]:
    """(whole messages, fixed pieces of 3+ words) of the catalogue whose Vietnamese differs from the English."""
    with PO.open("rb") as f:
        cat = read_po(f, locale="vi")
    whole, pieces = set(), set()
    for m in cat:
        if not m.id or isinstance(m.id, tuple) or m.string == m.id:
            continue
        for part in re.split(r"%\(\w+\)[sd]|%[sd]", m.id.replace("%%", "%")):
            part = part.strip(" :.,;·»«()–-—")
            if not part or not re.search(r"[A-Za-z]{2}", part):
                continue
            if part == m.id.strip(" :.,;·»«()–-—"):
                whole.add(part)
            if len(part.split()) >= 3:
                pieces.add(part)
    return whole, pieces


WHOLE, PIECES = _english_msgids()


def problems(html: str) -> list[str]:
    """What on a page is not Vietnamese, each named with the text it was found in."""
    parts = visible_text(html)
    text = " \n ".join(parts)
    out = []
    for part in parts:
        bare = part.strip(" :.,;·»«()–-—…*")
        if bare in WHOLE:
            out.append(f"untranslated: {part!r}")
        words = re.sub(r"\S*/\S*", " ", part)  # a path (/api/v1) or a date written dd/mm/yyyy is no word
        for word in re.findall(r"[A-Za-z_]+(?:\.[a-z_]+)+|[A-Za-z_]+", words):
            if word in RAW or word.lower() in ENGLISH or re.fullmatch(r"[a-z_]+\.[a-z_.]+", word):
                out.append(f"raw or English word {word!r} in {part!r}")
                break
    for piece in PIECES:
        if re.search(rf"(?<![\w]){re.escape(piece)}(?![\w])", text):
            out.append(f"untranslated: {piece!r}")
    out += [f"ISO date {m.group(0)!r}" for m in ISO_DATE.finditer(text)]
    return sorted(set(out))


# ------------------------------------------------------------------ the pages


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vi-pages")
    env = pytest.MonkeyPatch()
    env.setenv("QUY_PRINTS", str(tmp / "prints"))  # where a long register's background export is written
    db = Database(f"sqlite:///{tmp / 'quy.sqlite3'}")
    upgrade(db)
    app = demo_app(db, tmp)
    # a few things the demo has not done yet, so their pages show them: an API token, a finished print job
    services.create_token(db, "thuquy", "SLA", "treasurer", name="xuất sổ", days=30, user="cli:test")
    # the demo's batch approved by the council and partly paid: approved states, paid lines and vouchers
    services.vote_batch(db, "SLA", 1, approve=True, on="2025-06-05", user="hoidong")
    services.pay_batch(db, "SLA", 1, line_nos=[1, 2], on="2025-06-10", user="thuquy")
    with db.begin() as c:
        org = c.execute(sa.select(s.organizations.c.id).where(s.organizations.c.code == "SLA")).scalar()
        c.execute(s.print_jobs.insert().values(org_id=org, kind="receipt", year=2025, state="done", done=3,
                                               total=3, pages=3, created_by="thuquy",
                                               created_at="2025-04-02T03:04:05+00:00",
                                               finished_at="2025-04-02T03:05:00+00:00"))
    yield app, db
    db.dispose()
    env.undo()


def _an_export(db, org_id: int) -> str:
    """A finished background export of the receipts register (its page shows the progress and the file)."""
    from books import export_jobs, registers

    return export_jobs.start(db, org_id, lambda c: registers.receipts_register(c, org_id, 2025, "BN", lazy=True),
                             "xlsx", "bien-nhan-2025.xlsx", wait=True)


def _ids(db) -> dict[str, list]:
    """Values for each URL parameter, from the demo books of SLA (every batch, some of everything else)."""
    with db.read() as c:
        org = c.execute(sa.select(s.organizations.c.id).where(s.organizations.c.code == "SLA")).scalar()
        one = lambda q: [v for v in c.execute(q).scalars()]  # noqa: E731
        docs = s.documents
        return {
            "org": ["SLA"],
            "fund": one(sa.select(s.funds.c.code).where(s.funds.c.org_id == org).order_by(s.funds.c.id).limit(3)),
            "batch_id": one(sa.select(s.batches.c.id).where(s.batches.c.org_id == org)),
            "deposit_id": one(sa.select(s.deposits.c.id).where(s.deposits.c.org_id == org).limit(3)),
            "donor_id": one(sa.select(s.donors.c.id).where(s.donors.c.org_id == org).limit(2)),
            "donation_id": one(sa.select(s.donations.c.id).where(s.donations.c.org_id == org,
                                                                s.donations.c.kind != "pledge").limit(2)),
            "doc_id": one(sa.select(docs.c.id).where(docs.c.org_id == org, docs.c.series.like("BN%")).limit(1))
            if "series" in docs.c else one(sa.select(docs.c.id).where(docs.c.org_id == org).limit(1)),
            "pledge_id": one(sa.select(s.donations.c.id).where(s.donations.c.org_id == org,
                                                              s.donations.c.kind == "pledge").limit(1)),
            "tx_id": one(sa.select(s.transactions.c.id).where(s.transactions.c.org_id == org).limit(1)),
            "job_id": one(sa.select(s.print_jobs.c.id)),
            "token": [_an_export(db, org)],
            "code": one(sa.select(docs.c.verify_code).where(docs.c.org_id == org).limit(1))
            if "verify_code" in docs.c else [],
        }


def _urls(app, ids, strict: bool = True) -> list[tuple[str, str]]:
    """(rule, url) for every GET page of the app, each parameter filled from the demo books (``strict``: a
    parameter the books have no value for fails, else its route is left out)."""
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or NOT_PAGES.search(rule.rule):
            continue
        choices = [{}]
        for arg in rule.arguments:
            conv = rule._converters.get(arg)
            values = list(getattr(conv, "items", None) or ids.get(arg, []))
            if arg == "register_kind":
                values = ["receipts", "disbursements", "deposits", "journal"]
            if not values and not strict:
                choices = []
                break
            assert values, f"{rule.rule}: no value for <{arg}> in the demo books"
            choices = [{**ch, arg: v} for ch in choices for v in values]
        with app.test_request_context():
            from flask import url_for

            out += [(rule.rule, url_for(rule.endpoint, **ch)) for ch in choices]
    return out


def test_every_page_is_in_vietnamese(demo):
    app, db = demo
    ids = _ids(db)
    urls = _urls(app, ids)
    assert len(urls) > 50
    found: dict[str, list[str]] = {}
    seen_ok: dict[str, bool] = {}
    for who in ("quantri", "thuquy", "hoidong", None):
        client = app.test_client()
        if who:
            assert login(client, who).status_code == 302
        for rule, url in urls:
            r = client.get(url)
            opened = r.status_code == 200 or (r.status_code in (302, 303) and "/login" not in r.location)
            seen_ok[rule] = seen_ok.get(rule, False) or opened
            if r.status_code >= 500:
                found.setdefault(url, []).append(f"status {r.status_code} as {who}")
            if not r.content_type.startswith("text/html") or r.status_code in (301, 302, 303):
                continue
            for p in problems(r.get_data(as_text=True)):
                found.setdefault(url, []).append(f"{p} (as {who or 'the public'})")
    never = sorted(rule for rule, ok in seen_ok.items() if not ok)
    assert not never, f"pages no one could open: {never}"
    report = "\n".join(f"{url}:\n  " + "\n  ".join(sorted(set(ps))[:12]) for url, ps in sorted(found.items()))
    assert not found, f"{len(found)} pages are not all Vietnamese:\n{report}"


# ------------------------------------------------------------------ the checker itself


def test_the_checker_finds_english_raw_values_and_iso_dates():
    html = """<html><body><h1>Quỹ</h1><table><tr><td>Balance</td><td>approved</td>
    <td>2026-12-06</td><td>treasurer@SLA</td><td>donation.record</td></tr></table>
    <p>Records the gifts of the year and their receipts.</p>
    <details><summary>Dữ liệu gốc</summary><pre translate="no">{"at": "2026-12-06T03:00:00"}</pre></details>
    <script>var x = "2026-01-01 approved";</script></body></html>"""
    found = "\n".join(problems(html))
    assert "untranslated: 'Balance'" in found
    for raw in ("'approved'", "'treasurer'", "'donation.record'", "'2026-12-06'", "'the'"):
        assert raw in found, raw
    assert found.count("ISO date") == 1  # the raw record and the script are not read
    assert problems("<p>Mã: forbidden (403)</p>") and problems("<p>Lỗi [insufficient_funds]</p>")  # error codes
    assert not problems("<p>Số dư: 1.500.000 đ ngày 06/12/2026, đã duyệt; Thủ quỹ @ SLA</p>")


# ------------------------------------------------------------------ every stored value has its label

ROOT = Path(__file__).resolve().parents[2]


def _allowed(table: sa.Table, column: str) -> list[str]:
    """The values a CHECK constraint of ``table`` allows in ``column``."""
    for c in table.constraints:
        text = str(getattr(c, "sqltext", ""))
        if text.startswith(f"{column} IN ("):
            return re.findall(r"'(\w+)'", text.split(")")[0])
    raise AssertionError(f"no CHECK on {table.name}.{column}")


def _audit_actions() -> set[str]:
    """Every audit action the code records, read from its source (a new one without a label fails here)."""
    found = set()
    for path in [*ROOT.joinpath("ledger").rglob("*.py"), *ROOT.joinpath("web").rglob("*.py")]:
        src = path.read_text()
        # audit.record(conn, who, "x.y"), a use case's @use_case("x.y" …) or its u.audit("x.y" …)
        calls = r'(?:record\(conn, [^,"]+, |@use_case\((?:lambda [^:]+: )?|u\.audit\()"([a-z_]+(?:\.[a-z_]+)?)"'
        found |= set(re.findall(calls, src))
        found |= {"batch.reject"} if '"batch.approve" if a.approve else "batch.reject"' in src else set()
    return found - {"bytes", "web", "transfer", "succession"}  # keyword arguments, not actions


def test_every_stored_value_has_a_vietnamese_label():
    from ledger.donations import DONATION_KINDS
    from web.formats import label

    domains = {
        "role": s.ROLES, "batch": _allowed(s.batches, "state"), "line": _allowed(s.batch_lines, "state"),
        "job": _allowed(s.print_jobs, "state"), "print": _allowed(s.print_jobs, "kind"),
        "commitment": _allowed(s.commitments, "state"), "donation": [*DONATION_KINDS, "pledge_payment"],
        "deposit": ["open", "matured", "closed"], "via": ["web", "api", "cli"],
        "token": ["live", "expired", "revoked", "role_removed"], "audit": sorted(_audit_actions()),
        "match": _allowed(s.bank_matches, "kind"),
        "proposal": sorted(set(re.findall(r'Proposal\([\w.]+, "(\w+)"', (ROOT / "ledger/matching.py").read_text()))),
    }
    assert len(domains["audit"]) > 40
    app = __import__("web.app", fromlist=["create_app"]).create_app(
        Database("sqlite://"), {"SECRET_KEY": "x", "TESTING": True})
    missing = []
    with app.test_request_context("/?lang=vi"):
        for domain, values in domains.items():
            missing += [f"{domain}:{v}" for v in values if label(v, domain) in (v, "") and v not in ("api",)]
    assert not missing, f"stored values without a Vietnamese label (web/formats.py LABELS): {missing}"


def test_a_receipt_is_bien_nhan_and_a_year_is_nam(demo):
    """A receipt is "Biên nhận" ("Thu" alone means income); a year field is "Năm", the year's total "Cả năm"."""
    app, _db = demo
    c = app.test_client()
    assert login(c, "thuquy").status_code == 302
    nav = c.get("/o/SLA/receipts").get_data(as_text=True)
    assert re.search(r'<a href="/o/SLA/receipts">Biên nhận</a>', nav)
    assert re.search(r"<label>Năm <select", nav) and "Cả năm" not in nav
    public = c.get("/p/SLA/funds/TOHIEU").get_data(as_text=True)
    assert "<th>Cả năm</th>" in public and '<th class="n">Thu</th>' in public
