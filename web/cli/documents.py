"""``quy`` commands for documents: receipts and their register, voids and replacements, thank-you
letters, honour certificates, the gold book, batch printing and VietQR codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ledger import documents, orgs, queries, services
from ledger.money import format_vnd, parse_amount_text
from receipts import service as docs
from receipts.vietqr import qr_svg

from .common import Ctx, _date, _out, date_opt, json_out, key_opt, org_json, org_opt


def _write(path: Path | None, data: bytes, default: str) -> Path:
    out = Path(path or default)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def reprint_text(p) -> str:
    """How a print compares with the document's first print, in Vietnamese (by bytes, then by data)."""
    first = f"(sha256 bản in đầu tiên {p.first_sha256[:16]}…)"
    if p.verdict == "identical":
        return "giống hệt bản in đầu tiên"
    if p.verdict == "same_data":
        return (f"cùng dữ liệu, khác cách trình bày so với bản in đầu tiên {first}: nội dung không đổi, chỉ cách "
                "dàn trang (phông chữ, phần mềm in) đã đổi")
    if p.verdict == "data_changed":
        return f"KHÁC bản in đầu tiên {first}: dữ liệu đã đổi — {p.changes or 'nội dung'}"
    return (f"KHÁC bản in đầu tiên về byte {first}; bản in đầu tiên được ghi trước khi Quỹ lưu dấu nội dung, nên "
            "không biết dữ liệu có đổi hay chỉ cách trình bày")


def _printed(p, out: Path | None, default: str) -> None:
    """Write the printed document ``p`` to ``out`` (or ``default``) and say how it compares with its first print."""
    path = _write(out, p.pdf.data, default)
    click.echo(f"{path}: {p.pdf.pages} trang, sha256 {p.pdf.sha256[:16]}… — {reprint_text(p)}")


def print_opts(argument: str | None = None, arg_type: type | None = None):
    """``--org``, the ``argument`` naming what is printed (if any) and ``--out`` (the file, a default name when
    not given), the context passed first: the options of a command printing one document to a PDF."""
    def decorate(f):
        f = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)(click.pass_obj(f))
        return org_opt(click.argument(argument, type=arg_type)(f) if argument else f)
    return decorate


@click.group()
def receipt() -> None:
    """Receipts (biên nhận): register, print, void, replace."""


@receipt.command("list")
@org_opt
@click.option("--year", type=int, default=None, help="Year of the series (default: the newest).")
@click.option("--series", default="BN", show_default=True)
@json_out
def receipt_list(c: Ctx, org: str, year: int | None, series: str, as_json: bool) -> None:
    """The receipt register: every number of a series and year, with its state."""
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        years = [y for s_, y, _ in documents.series_years(conn, oid) if s_ == series]
        year = year or (years[0] if years else None)
        rows, total = documents.register(conn, oid, series=series, year=year) if year else ([], 0)
    data = [{"id": r.id, "number": r.label, "date": r.date, "state": r.state, "donor": r.donor, "fund": r.fund,
             "amount": r.amount, "void_reason": r.void_reason, "replaces": r.replaces, "replaced_by": r.replaced_by}
            for r in rows]
    lines = [f"{r.label}  {r.date:%d/%m/%Y}  {'ĐÃ HỦY' if r.state == 'void' else 'hợp lệ':<7} "
             f"{format_vnd(r.amount) if r.amount else '':>18}  {r.donor or ''}"
             f"{'  (thay ' + r.replaces + ')' if r.replaces else ''}"
             f"{'  → ' + r.replaced_by if r.replaced_by else ''}"
             f"{'  — ' + r.void_reason if r.void_reason else ''}" for r in rows]
    _out(data, as_json, "\n".join(lines) + f"\n{total} số" if lines else "Chưa có biên nhận nào.")


@receipt.command("print")
@print_opts("number")
def receipt_print(c: Ctx, org: str, number: str, out: Path | None) -> None:
    """Print one receipt (NUMBER like "BN/25 0000123") to a PDF."""
    _printed(docs.print_receipt(c.db, org, number), out, f"bien-nhan-{number.replace('/', '-').replace(' ', '-')}.pdf")


@receipt.command("void")
@org_opt
@click.argument("number")
@click.option("--reason", required=True)
@key_opt
@json_out
def receipt_void(c: Ctx, org: str, number: str, reason: str, key, as_json: bool) -> None:
    """Void a receipt with a reason: it keeps its number and prints "ĐÃ HỦY"."""
    r = services.void_document(c.db, org, number, reason=reason, user=c.user, key=key)
    _out(r, as_json, f"{r['number']}: đã hủy ({reason}).")


@receipt.command("reissue")
@org_opt
@click.argument("number")
@click.option("--reason", required=True)
@date_opt("Date of the replacement (default: the original's).")
@key_opt
@json_out
def receipt_reissue(c: Ctx, org: str, number: str, reason: str, on, key, as_json: bool) -> None:
    """Void a receipt (if it is not yet) and issue its replacement under a new number."""
    r = services.reissue_document(c.db, org, number, reason=reason, on=_date(on), user=c.user, key=key)
    _out(r, as_json, f"{r['replaces']} đã hủy; biên nhận thay thế: {r['number']}.")


@click.command("letter")
@print_opts("donation_id", int)
def letter_print(c: Ctx, org: str, donation_id: int, out: Path | None) -> None:
    """Print the thank-you letter for a donation."""
    _printed(docs.print_letter(c.db, org, donation_id), out, f"thu-cam-on-{donation_id}.pdf")


@click.group("goldbook")
def goldbook() -> None:
    """The gold book (Sổ vàng khuyến học)."""


@goldbook.command("list")
@org_json
def goldbook_list(c: Ctx, org: str, as_json: bool) -> None:
    rows, total = c.org_read(org, queries.gold_book, limit=None, newest_first=False)
    data = [r.__dict__ for r in rows]
    lines = [f"{r.entry_no:>5}  {r.date:%d/%m/%Y}  {r.name:<50} "
             f"{format_vnd(r.amount) if r.amount is not None else '(không công bố)':>18}" for r in rows]
    _out(data, as_json, "\n".join(lines) + f"\n{total} tấm lòng vàng")


@goldbook.command("add")
@org_opt
@click.argument("donation_id", type=int)
@click.pass_obj
def goldbook_add(c: Ctx, org: str, donation_id: int) -> None:
    """Enter a recorded gift into the gold book at the donor's request."""
    r = services.gold_book_request(c.db, org, donation_id, user=c.user)
    click.echo(f"Gift {donation_id} entered in the gold book (entry {r['id']}).")


@goldbook.command("print")
@print_opts()
def goldbook_print(c: Ctx, org: str, out: Path | None) -> None:
    """Print the whole gold book as a PDF book."""
    pdf = docs.gold_book_pdf(c.db, org)
    path = _write(out, pdf.data, f"so-vang-{org}.pdf")
    click.echo(f"{path}: {pdf.pages} trang, sha256 {pdf.sha256}")


@goldbook.command("certificate")
@print_opts("entry_id", int)
def goldbook_certificate(c: Ctx, org: str, entry_id: int, out: Path | None) -> None:
    """Print the honour certificate of a gold-book entry."""
    _printed(docs.print_certificate(c.db, org, entry_id), out, f"giay-ghi-danh-{entry_id}.pdf")


@click.command("print")
@org_opt
@click.argument("kind", type=click.Choice(["receipts", "letters", "certificates"]))
@click.option("--campaign", default=None, help="Campaign code (default: all).")
@click.option("--year", type=int, default=None)
@click.option("--include-void", is_flag=True, help="Receipts: voided ones too (printed ĐÃ HỦY).")
@click.option("--jobs", type=int, default=None, help="Processes laying out pages (default: every core).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def print_batch(c: Ctx, org: str, kind: str, campaign, year, include_void, jobs, out: Path) -> None:
    """Print every receipt, letter or certificate of a campaign (or year) in one PDF."""
    bar = {}

    def progress(done: int, total: int) -> None:
        if "b" not in bar:
            bar["b"] = click.progressbar(length=total, label="Dàn trang", file=sys.stderr)
            bar["b"].__enter__()
            bar["done"] = 0
        bar["b"].update(done - bar["done"])
        bar["done"] = done

    try:
        r = docs.print_batch(c.db, org, kind.rstrip("s"), out, campaign=campaign, year=year,
                             include_void=include_void, jobs=jobs, progress=progress)
    finally:
        if "b" in bar:
            bar["b"].__exit__(None, None, None)
    click.echo(f"{r.path}: {r.documents} tài liệu, {r.pages} trang, sha256 {r.sha256}")


@click.command("documents")
@org_opt
@click.option("--gold-book-threshold", default=None, help="Đồng (1.000.000), or 'none': gold book on request only.")
@click.option("--signatory-title", default=None)
@click.option("--signatory-name", default=None)
@click.option("--treasurer-name", default=None)
@json_out
def org_documents(c: Ctx, org: str, gold_book_threshold, signatory_title, signatory_name, treasurer_name,
                  as_json: bool) -> None:
    """Show or set what documents say: gold-book threshold, signatory, treasurer."""
    changes = {}
    if gold_book_threshold is not None:
        changes["gold_book_threshold"] = (None if gold_book_threshold.strip().lower() in ("none", "")
                                          else parse_amount_text(gold_book_threshold, field="gold_book_threshold"))
    for k, v in (("signatory_title", signatory_title), ("signatory_name", signatory_name),
                 ("treasurer_name", treasurer_name)):
        if v is not None:
            changes[k] = v
    r = services.document_settings(c.db, org, user=c.user, **changes)
    t = r["gold_book_threshold"]
    _out(r, as_json, f"Sổ vàng: {'từ ' + format_vnd(t) if t is not None else 'chỉ khi nhà hảo tâm đề nghị'}\n"
                     f"Người ký: {r['signatory_title']} {r['signatory_name']}\nThủ quỹ: {r['treasurer_name']}")


@click.command("poster")
@print_opts("campaign")
def poster_cmd(c: Ctx, org: str, campaign: str, out: Path | None) -> None:
    """Print a campaign's poster with the fund's VietQR code (A4 PDF)."""
    p = docs.campaign_poster(c.db, org, campaign)
    path = _write(out, p.pdf.data, f"poster-{campaign}.pdf")
    click.echo(f"{path}: {p.pdf.pages} trang")


@click.command("vietqr")
@org_opt
@click.argument("fund_code", required=False)
@click.option("--pledge", "pledge_id", type=int, default=None,
              help="A dynamic code paying what is left of this pledge (amount and reference CK<id>).")
@click.option("--account", default=None, help="Bank account code (default: the first with a BIN).")
@click.option("--amount", default=None, help="A dynamic code: the amount in đồng.")
@click.option("--purpose", "--memo", "purpose", default=None,
              help="Transfer description (default: 'Ung ho <fund>'); cut at a word boundary within 50 characters.")
@click.option("--svg", "svg_out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@json_out
def vietqr_cmd(c: Ctx, org: str, fund_code: str | None, pledge_id: int | None, account, amount, purpose, svg_out,
               as_json: bool) -> None:
    """The VietQR code for giving to a fund by bank transfer, or for paying a pledge, or — with neither —
    the desk's code for an amount and a memo into the organization's bank account (payload, and the picture
    as SVG)."""
    if pledge_id is not None:
        q = docs.pledge_vietqr(c.db, org, pledge_id, account=account)
    elif fund_code:
        q = docs.fund_vietqr(c.db, org, fund_code, account=account,
                             amount=parse_amount_text(amount) if amount else None, purpose=purpose)
    else:
        q = docs.desk_vietqr(c.db, org, amount=parse_amount_text(amount) if amount else None, memo=purpose,
                             account=account)
    if svg_out:
        _write(svg_out, qr_svg(q.payload, scale=8).encode("utf-8"), "vietqr.svg")
    data = {k: v for k, v in q.__dict__.items() if k != "svg"}
    notes = ([f"Nội dung chuyển khoản quá 50 ký tự, đã cắt ở ranh giới từ: {q.purpose}"] if q.purpose_shortened
             else []) + ([f"Nội dung không có chữ hay số, dùng nội dung mặc định: {q.purpose}"]
                         if q.purpose_replaced else [])
    _out(data, as_json, "\n".join([f"{q.bank_name} {q.account_no} — {q.fund_name or q.purpose}", *notes, q.payload]))


COMMANDS = [receipt, letter_print, goldbook, print_batch, poster_cmd, vietqr_cmd]
SUBCOMMANDS = {"org": [org_documents]}
