"""A donor checks their own gift (issue 27), as a donor would: the receipt is printed as a PDF, its QR code is
read back from the rendered page (pdftoppm, then zxing-cpp), the address it holds is opened in headless
Chromium, and the page's own script (web/static/proof.js: WebCrypto only) checks the proof against the signed
root — and says so loudly when a test double serves a tampered proof or a root the key did not sign."""

from __future__ import annotations

import json
import subprocess
import tempfile

import pytest
import sqlalchemy as sa

from ledger import schema as s
from ledger import services
from receipts import service as docs

from .browser import ORG, PHONE, overflow, start_server

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (dev extra) decodes the printed QR code")
Image = pytest.importorskip("PIL.Image")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_server(tmp_path_factory.mktemp("browser-proofs"))
    with live.db.read() as c:
        first = c.execute(sa.select(sa.func.min(s.donations.c.date))).scalar()
    services.accrue(live.db, ORG, f"{first.year}-03-31")  # the month-end job, which the closing check asks for
    services.lock_period(live.db, ORG, f"{first.year}-03-31")  # the campaign's quarter: published
    yield live
    live.stop()


def receipt_of(server, amount: int | None = None) -> tuple[int, int]:
    """(receipt id, amount) of a campaign receipt."""
    d, doc = s.donations, s.documents
    with server.db.read() as c:
        q = sa.select(doc.c.id, d.c.amount).join(d, d.c.id == doc.c.donation_id).where(
            doc.c.kind == "receipt", d.c.earmark.is_(None), sa.extract("month", d.c.date) == 3)
        if amount:
            q = q.where(d.c.amount == amount)
        return tuple(c.execute(q.order_by(doc.c.id).limit(1)).one())


def scanned_address(server, doc_id: int) -> str:
    """Print the receipt, render its page at 150 dpi and read the one QR code on it."""
    pdf = docs.print_receipt(server.db, ORG, doc_id, base_url=server.url).pdf.data
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["/usr/bin/pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", "-",
                        f"{tmp}/page"], input=pdf, capture_output=True, timeout=120, check=True)
        image = Image.open(f"{tmp}/page.png").convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1 and found[0].valid, "no readable QR code on the printed receipt"
    return found[0].text


def result(page) -> tuple[str, str]:
    box = page.locator("#proof")
    page.locator("#proof[data-state]").wait_for()  # set once the check has finished, either way
    return box.get_attribute("data-state"), box.locator("[data-proof-result]").inner_text()


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_receipt_s_qr_code_opens_a_page_that_proves_the_gift_is_counted(server, open_page, screen):
    doc_id, amount = receipt_of(server)
    address = scanned_address(server, doc_id)
    assert address.startswith(server.url + "/p/v/")
    page = open_page(**(PHONE if screen == "phone" else {"viewport": {"width": 1280, "height": 900}}))
    assert page.goto(address).status == 200
    state, text = result(page)
    assert state == "ok", text
    total = services.published_roots(server.db, ORG)
    q1 = next(e["statement"] for e in total if e["statement"]["period"].endswith("-Q1")
              and e["statement"]["total"] > 0)
    assert f"{amount:,}".replace(",", ".") in text and f"{q1['total']:,}".replace(",", ".") in text
    assert "đã được tính" in text
    assert page.locator("[data-fingerprint]").inner_text() == services.publication_key(server.db, ORG)["fingerprint"]
    assert float(page.locator("#proof").get_attribute("data-ms")) < 1000
    assert overflow(page)["ok"]


def _other_code(server, code: str) -> str:
    d, doc = s.documents, s.donations
    with server.db.read() as c:
        return c.execute(sa.select(d.c.verify_code).join(doc, doc.c.id == d.c.donation_id).where(
            d.c.kind == "receipt", d.c.verify_code != code, sa.extract("month", doc.c.date) == 3,
            doc.c.earmark.is_(None)).limit(1)).scalar()


def _tamper(route, change):
    proof = route.fetch().json()
    change(proof)
    route.fulfill(status=200, content_type="application/json", body=json.dumps(proof))


@pytest.mark.parametrize("how", ["a piece's amount", "a sibling's sum", "the signed total", "the receipt's amount",
                                 "another receipt's proof", "the root's place in the public log"])
def test_a_tampered_proof_from_a_test_double_is_refused_on_the_page(server, open_page, how):
    doc_id, _ = receipt_of(server)
    address = scanned_address(server, doc_id)
    code = address.rsplit("/", 1)[1]

    def change(p):
        if how == "a piece's amount":
            p["pieces"][0]["amount"] += 1000
            p["pieces"][1]["amount"] -= 1000
        elif how == "a sibling's sum":
            p["pieces"][0]["path"][0][1] += 1000
        elif how == "the signed total":
            p["roots"][-1]["statement"]["total"] += 1000
        elif how == "the root's place in the public log":  # a root shown to this donor alone
            p["log"]["entries"][-1]["path"][0] = "00" * 32
        elif how == "another receipt's proof":  # a valid proof, of someone else's gift
            other = services.proof_for_code(server.db, _other_code(server, code))
            p.clear()
            p.update(other)
        else:
            p["document"]["amount"] += 1000

    page = open_page()
    page.route(f"**/api/v1/verify/{code}/proof", lambda route: _tamper(route, change))
    page.goto(address)
    state, text = result(page)
    assert state == "failed", text
    assert "KHÔNG khớp" in text


def test_a_receipt_whose_month_is_not_published_says_so_and_claims_nothing(server, open_page):
    d, doc = s.donations, s.documents
    with server.db.read() as c:
        late = c.execute(sa.select(doc.c.verify_code).join(d, d.c.id == doc.c.donation_id).where(
            doc.c.kind == "receipt", sa.extract("month", d.c.date) > 3).limit(1)).scalar()
    if late is None:
        pytest.skip("the demo has no receipt after its campaign quarter")
    page = open_page()
    page.goto(f"{server.url}/p/v/{late}")
    state, text = result(page)
    assert state == "unpublished" and "chưa được công bố" in text


@pytest.fixture(scope="module")
def story_server(tmp_path_factory):
    """The whole demo story (`quy demo`): its campaign half-year is locked, so June's awards are published."""
    from ledger.ops.story import load_story

    def load(db, _path):
        with db.begin() as c:
            load_story(c, user="demo")

    live = start_server(tmp_path_factory.mktemp("browser-proofs-story"), load=load)
    yield live
    live.stop()


def test_an_award_s_voucher_qr_code_proves_the_payment_counted_without_naming_the_recipient(story_server, open_page):
    bl, r = s.batch_lines, s.recipients
    with story_server.db.read() as c:
        line = c.execute(sa.select(bl.c.batch_id, bl.c.line_no, bl.c.amount, r.c.full_name)
                         .join(r, r.c.id == bl.c.recipient_id)
                         .where(bl.c.state == "paid", bl.c.earmark_donation_id.is_(None), bl.c.commitment_id.is_(None))
                         .order_by(bl.c.id).limit(1)).one()
    pdf = docs.disbursement_pdf(story_server.db, ORG, line.batch_id, "voucher", line.line_no).data
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["/usr/bin/pdftoppm", "-png", "-r", "150", "-singlefile", "-", f"{tmp}/page"], input=pdf,
                       capture_output=True, timeout=120, check=True)
        found = zxingcpp.read_barcodes(Image.open(f"{tmp}/page.png").convert("L"),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1 and found[0].valid, "no readable QR code on the printed voucher"
    code = found[0].text.rsplit("/", 1)[1]
    page = open_page()
    assert page.goto(f"{story_server.url}/p/v/{code}").status == 200
    state, text = result(page)
    assert state == "ok", text
    assert f"{line.amount:,}".replace(",", ".") in text and "đã chi" in text
    assert line.full_name not in page.content()


def test_the_one_file_checker_and_the_cli_copy_are_the_checker_quy_uses(server, tmp_path):
    import urllib.request
    from pathlib import Path

    from click.testing import CliRunner

    from ledger import proofcheck
    from web.cli import main

    with urllib.request.urlopen(f"{server.url}/p/proofcheck.py") as r:
        assert r.read() == Path(proofcheck.__file__).read_bytes()
    out = CliRunner().invoke(main, ["proof", "script", str(tmp_path / "check.py")])
    assert out.exit_code == 0 and (tmp_path / "check.py").read_bytes() == Path(proofcheck.__file__).read_bytes()


def test_a_compact_proof_fetched_from_the_api_with_its_month_s_context_is_checked_in_the_browser(server, open_page):
    """The compact proof (`/api/v1/verify/<code>/proof.qpf`, under 1.5 KB) and its month's public context
    (`/api/v1/organizations/<org>/proofs/context`) are fetched by the page's own script, decoded and checked in the
    browser; a changed byte, or another month's context, fails there too."""
    doc_id, _ = receipt_of(server)
    code = scanned_address(server, doc_id).rsplit("/", 1)[1]
    page = open_page()
    page.goto(f"{server.url}/p/v/{code}")
    result(page)
    got = page.evaluate("""async ([code, org]) => {
        const key = await (await fetch(`/api/v1/organizations/${org}/proofs/key`)).json();
        const raw = Uint8Array.from(key.public_key.match(/../g), (h) => parseInt(h, 16));
        const k = await crypto.subtle.importKey("raw", raw, {name: "Ed25519"}, false, ["verify"]);
        const r = await fetch(`/api/v1/verify/${code}/proof.qpf`);
        const bytes = new Uint8Array(await r.arrayBuffer());
        const q = new Uint8Array(bytes.slice(0, 4));
        const proofOf = (b, ctx) => window.quyProof.verify(window.quyProof.unpack(b, ctx), k);
        const fund = window.quyProof.unpack(bytes).document.fund;  // without a context: the document's part
        const outcome = async (b, month) => {
            const url = `/api/v1/organizations/${org}/proofs/context?fund=${fund}&month=${month}`;
            const c = await (await fetch(url)).json();
            try { const t = await proofOf(b, c); return "ok " + t.total; } catch (e) { return "failed " + e.kind; }
        };
        const changed = bytes.slice(); changed[50] ^= 1;
        return {type: r.headers.get("content-type"), size: bytes.length, magic: Array.from(q), fund,
                good: await outcome(bytes, "%MONTH%"), bad: await outcome(changed, "%MONTH%"),
                other: await outcome(bytes, "%OTHER%")};
    }""".replace("%MONTH%", _month(server, doc_id)).replace("%OTHER%", _month(server, doc_id, other=True)),
        [code, ORG])
    assert got["type"] == "application/vnd.quy.proof" and got["magic"] == [0x51, 0x50, 0x46, 1]
    assert got["size"] < 1536
    q1 = next(e["statement"] for e in services.published_roots(server.db, ORG)
              if e["statement"]["period"].endswith("-Q1") and e["statement"]["fund"] == got["fund"]
              and e["statement"]["kind"] == "gifts")
    assert got["good"] == f"ok {q1['total']}", got
    assert got["bad"].startswith("failed") and got["other"].startswith("failed"), got


def _month(server, doc_id: int, other: bool = False) -> str:
    d, doc = s.donations, s.documents
    with server.db.read() as c:
        day = c.execute(sa.select(d.c.date).join(doc, doc.c.donation_id == d.c.id).where(doc.c.id == doc_id)).scalar()
    return f"{day.year}-{day.month - 1 if other else day.month:02d}"
