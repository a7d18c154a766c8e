"""``quy statement`` commands: import a bank statement (CSV or XLSX) for a bank account, the proposed
matches of its lines with why, and the column-mapping profiles of banks' layouts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from books.bankrec import bank_reconciliation, reconciliation_table
from ledger import orgs, services
from ledger.bankstatements import bank_account
from ledger.errors import ImportFailed
from ledger.matching import summary
from ledger.money import format_vnd, parse_amount_text, parse_signed_amount_text
from ledger.reconcile import Choice

from ..messages import row_problem, vietnamese
from .common import Ctx, _date, _emit, _out, json_out, key_opt, org_opt

_KINDS_VI = {"pledge": "cam kết", "recorded_entry": "bút toán đã ghi", "donor_suggestion": "gợi ý nhà hảo tâm",
             "deposit_interest": "lãi tiền gửi", "unidentified": "chưa xác định"}
#: A file with more lines than this shows a progress bar (on stderr) while it is imported.
PROGRESS_LINES = 5000
_FROM_VI = {"given": "nhập ở dòng lệnh", "file": "ghi trong tệp", "running": "tính từ số dư từng dòng",
            "file+running": "ghi trong tệp và tính từ số dư từng dòng"}
#: ``--account``: the bank account (1121.x) a command is about.
_account_opt = click.option("--account", required=True, help="The bank account (1121.x).")


@click.group()
def statement() -> None:
    """Bank statements (sao kê ngân hàng): import, matching proposals, bank layouts."""


@statement.command("import")
@org_opt
@click.option("--account", required=True, help="The bank account (1121.x) the statement is of.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--profile", default=None, help="The bank layout profile (default: the first that fits).")
@click.option("--opening", default=None, help="Opening balance, if the file does not state it: 10.000.000")
@click.option("--closing", default=None, help="Closing balance, if the file does not state it.")
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@json_out
def statement_import(c: Ctx, org, account, path, profile, opening, closing, dry_run, as_json) -> None:
    """Import a bank statement (CSV, XLSX, camt.053 XML or MT940), all or nothing: every bad line is
    reported, lines already imported are skipped, and the opening balance plus the lines must equal the
    closing balance."""
    content = path.read_bytes()
    bar = None
    if content.count(b"\n") > PROGRESS_LINES:
        bar = click.progressbar(length=2 * content.count(b"\n"), label=f"Đọc và ghi {path.name}", file=sys.stderr)
        bar.__enter__()

    def progress(done: int, total: int) -> None:
        bar.length = total
        bar.update(done - bar.pos)

    try:
        r = services.import_statement(c.db, org, account, path.name, content, user=c.user,
                                      profile=profile, opening=parse_signed_amount_text(opening, field="opening"),
                                      closing=parse_signed_amount_text(closing, field="closing"), dry_run=dry_run,
                                      progress=progress if bar is not None else None)
    except ImportFailed as err:
        if bar is not None:
            bar.__exit__(None, None, None)
            bar = None
        click.echo(f"Lỗi [{err.code}]: {vietnamese(err)}", err=True)
        click.echo(f"  ({err.message})", err=True)
        for e in err.params.get("errors", [])[:1000]:
            click.echo(f"  dòng {e['row']}, {e['column']}: {row_problem(e)}", err=True)
        sys.exit(2)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    text = [f"Sao kê {account} từ {r.period_start:%d/%m/%Y} đến {r.period_end:%d/%m/%Y} (mẫu {r.profile}).",
            f"Số dư đầu kỳ {format_vnd(r.opening)} + phát sinh {format_vnd(r.lines_total)} = số dư cuối kỳ "
            f"{format_vnd(r.closing)}: khớp (số dư {_FROM_VI.get(r.balances_from, r.balances_from)}).",
            f"{'Sẽ nhập' if dry_run else 'Đã nhập'} {r.imported} dòng; {r.duplicates} dòng đã có từ trước, bỏ qua."]
    if dry_run:
        text.append("Chạy thử: không ghi gì.")
    _out(r.as_dict(), as_json, "\n".join(text))


@statement.command("match")
@org_opt
@_account_opt
@click.option("--statement", "statement_id", type=int, default=None, help="Only this statement's lines.")
@click.option("--from", "start", default=None, help="First day.")
@click.option("--to", "end", default=None, help="Last day.")
@click.option("--unmatched", is_flag=True, help="Only the lines not yet confirmed.")
@json_out
def statement_match(c: Ctx, org, account, statement_id, start, end, unmatched, as_json) -> None:
    """What each line is proposed to match, and why. Nothing is booked (see ``quy statement confirm``)."""
    rows = services.statement_proposals(c.db, org, account, statement_id=statement_id, start=_date(start),
                                        end=_date(end), unmatched=unmatched)
    data = [{"line": {"id": ln.id, "statement_id": ln.statement_id, "line_no": ln.line_no,
                      "date": ln.date.isoformat(), "bank_ref": ln.bank_ref, "amount": ln.amount, "memo": ln.memo},
             "proposal": p.as_dict()} for ln, p in rows]
    out = []
    for ln, p in rows:
        auto = "tự khớp" if p.automatic else "cần người chọn" if p.targets else ""
        out.append(f"#{ln.id} {ln.date:%d/%m/%Y} {format_vnd(ln.amount):>16} {ln.memo!r}")
        out.append(f"  → {_KINDS_VI[p.kind]}" + (f" ({auto})" if auto else "") + ": "
                   + (", ".join(f"{t.kind} {t.id} {t.label}" for t in p.targets) or "—"))
        out.extend(f"    {e}" for e in p.explanation)
    if rows:
        n = summary([p for _ln, p in rows])
        out.append(f"{n['lines']} dòng: {n['automatic']} tự khớp, {n['suggested']} cần người chọn, "
                   f"{n['unidentified']} chưa xác định.")
    _out(data, as_json, "\n".join(out) or "Chưa có dòng sao kê nào.")


_AS_VI = {"pledge": "thu tiền cam kết", "entry": "bút toán đã ghi", "donor": "ủng hộ chuyển khoản",
          "interest": "lãi tiền gửi", "suspense": "tiền chờ xác định", "split": "ủng hộ chia cho nhiều quỹ",
          "reassign": "chuyển tiền chờ xác định cho nhà hảo tâm", "account": "không phải tiền ủng hộ"}


def _part(text: str) -> tuple[str, int]:
    fund, sep, amount = text.partition("=")
    if not sep or not fund.strip():
        raise click.BadParameter(f"{text!r}: write FUND=AMOUNT, e.g. TOHIEU=600.000", param_hint="--part")
    return fund.strip(), parse_amount_text(amount.strip(), field="parts")


@statement.command("confirm")
@org_opt
@click.argument("line_id", type=int)
@click.option("--as", "kind", type=click.Choice(["pledge", "entry", "donor", "interest", "suspense", "split",
                                                                 "account"]),
              default=None, help="What the line is (default: accept its proposal).")
@click.option("--target", type=int, default=None,
              help="The pledge, recorded donation (or payout with --payout) or deposit id.")
@click.option("--payout", is_flag=True, help="--target is a paid batch line (money out), not a donation.")
@click.option("--donor", type=int, default=None, help="The donor's id (--as donor).")
@click.option("--donor-name", default=None, help="Or the donor's name (found, else created).")
@click.option("--fund", default=None, help="The fund (--as donor or suspense; default: the first fund).")
@click.option("--part", "parts", multiple=True, metavar="FUND=AMOUNT",
              help="--as split: a fund and its part (twice or more; the parts add up to the line).")
@click.option("--account-code", "account", default=None, metavar="CODE",
              help="--as account: the account of the chart a line that is not a donation is booked to "
                   "(e.g. bank charges, other income).")
@click.option("--note", default="", help="A note kept with the match.")
@key_opt
@json_out
def statement_confirm(c: Ctx, org, line_id, kind, target, payout, donor, donor_name, fund, parts, account, note,
                      key, as_json) -> None:
    """Book what a statement line is and record the match, in one unit of work: its proposal accepted,
    or what a person says (a pledge paid, a recorded entry, a donor's transfer, deposit interest, or the
    suspense account "chờ xác định"). ``--as split --donor N --part TOHIEU=600.000 --part KHT=400.000``: one
    donor's transfer split across funds, a donation and receipt per fund. ``--as account --account-code CODE``:
    not a donation (a bank fee, other income), booked to that account of the chart against the bank account."""
    r = services.confirm_bank_line(c.db, org, line_id, Choice(
        kind, target=target, target_kind="payout" if payout else "donation", donor=donor, donor_name=donor_name,
        fund=fund, account=account, note=note, parts=tuple(_part(p) for p in parts)), user=c.user, key=key)
    text = f"Dòng {line_id} ({format_vnd(r['amount'])}): {_AS_VI[r['kind']]}, bút toán {r['tx_id']}."
    if r.get("account"):
        text += f" Ghi vào tài khoản {r['account']}."
    if r.get("parts"):
        text += " " + "; ".join(f"{p['fund']} {format_vnd(p['amount'])} (bút toán {p['tx_id']})" for p in r["parts"])
        text += "."
    if r.get("receipt"):
        text += f" Biên nhận {r['receipt']}."
    if r.get("outstanding") is not None:
        text += f" Cam kết còn phải thu {format_vnd(r['outstanding'])}."
    _out(r, as_json, text + f" Khớp số {r['match_id']}.")


@statement.command("reassign")
@org_opt
@click.argument("match_id", type=int)
@click.option("--donor", type=int, required=True, help="The donor who sent the money (id).")
@click.option("--fund", default=None, help="The fund (default: the suspense booking's).")
@click.option("--on", default=None, help="Date of the entry (default: today).")
@key_opt
@json_out
def statement_reassign(c: Ctx, org, match_id, donor, fund, on, key, as_json) -> None:
    """Move money booked to the suspense account (a match) to donation income for its donor, with a
    receipt: a new linked entry, never an edit."""
    r = services.reassign_bank_line(c.db, org, match_id, donor=donor, fund=fund, on=_date(on), user=c.user, key=key)
    _out(r, as_json, f"Đã chuyển {format_vnd(r['amount'])} từ tiền chờ xác định sang ủng hộ của nhà hảo tâm "
                     f"{donor}: bút toán {r['tx_id']}, biên nhận {r['receipt']}.")


@statement.command("undo")
@org_opt
@click.argument("match_id", type=int)
@click.option("--reason", required=True, help="Why the match is undone (kept with it).")
@click.option("--on", default=None, help="Date of the reversals (default: each reversed entry's own date).")
@key_opt
@json_out
def statement_undo(c: Ctx, org, match_id, reason, on, key, as_json) -> None:
    """Undo a match made by mistake: what it booked is reversed (receipts voided), an entry matched as
    already recorded only loses its link; the line is back in the queue. Undo a reassignment before the
    suspense match it moved."""
    r = services.undo_bank_match(c.db, org, match_id, reason=reason, on=_date(on), user=c.user, key=key)
    text = f"Đã hủy khớp số {match_id} ({_AS_VI.get(r['kind'], r['kind'])})"
    text += f": đảo bút toán {', '.join(str(x) for x in r['reversals'])}" if r["reversals"] else \
        ": chỉ bỏ liên kết, bút toán đã ghi giữ nguyên"
    if r["voided_documents"]:
        text += f"; hủy {len(r['voided_documents'])} biên nhận"
    _out(r, as_json, text + (f". Dòng {r['line_id']} trở lại hàng chờ khớp." if r["kind"] != "reassign"
                             else ". Tiền trở lại tài khoản chờ xác định."))


@statement.command("default-fund")
@org_opt
@_account_opt
@click.option("--fund", default=None, help="The fund its lines go to when none is chosen.")
@click.option("--clear", is_flag=True, help="No default: the organization's first fund.")
@json_out
def statement_default_fund(c: Ctx, org, account, fund, clear, as_json) -> None:
    """Show or set the fund a bank account's statement lines are booked to when none is chosen (the
    suspense account, a donor's transfer)."""
    if fund and clear:
        raise click.UsageError("--fund or --clear, not both")
    if fund or clear:
        r = services.set_bank_default_fund(c.db, org, account, None if clear else fund, user=c.user)
    else:
        current = services.bank_default_funds(c.db, org)
        if account not in current:
            raise click.ClickException(f"không có tài khoản ngân hàng {account}")
        r = {"account": account, "default_fund": current[account]}
    _out(r, as_json, f"Quỹ mặc định của {account}: " + (r["default_fund"] or "quỹ đầu tiên của tổ chức") + ".")


@statement.command("reconcile")
@org_opt
@_account_opt
@click.option("--month", default=None, help="YYYY-MM (default: the month of the last imported line).")
@click.option("--format", "fmt", type=click.Choice(["text", "pdf", "xlsx", "csv"]), default="text",
              show_default=True, help="text on the terminal, or the printable table as a file.")
@click.option("--out", default=None, help="File to write (needed for xlsx and pdf).")
@json_out
def statement_reconcile(c: Ctx, org, account, month, fmt, out, as_json) -> None:
    """The bank reconciliation at a month end: the bank's balance against the books', and what each side
    has that the other has not yet; ``--format pdf|xlsx|csv --out FILE`` writes it as a printable table."""
    r = bank_reconciliation(c.db, org, account, month)
    if fmt != "text":
        with c.db.read() as conn:
            name = bank_account(conn, orgs.org_id_by_code(conn, org), account).name
        _emit(c, org, reconciliation_table(r, name), r.as_dict(), fmt, out)
        return
    if r.bank_balance is None:
        _out(r.as_dict(), as_json, f"Chưa có sao kê nào của {account} đến ngày {r.end:%d/%m/%Y}.")
        return
    out = [f"Đối chiếu {account} ngày {r.end:%d/%m/%Y}",
           f"  Số dư theo ngân hàng {format_vnd(r.bank_balance):>20}",
           f"  Số dư theo sổ sách   {format_vnd(r.book_balance):>20}",
           f"  Chênh lệch           {format_vnd(r.difference):>20}"]
    if r.bank_only:
        out.append("  Ngân hàng có, sổ chưa ghi:")
        out.extend(f"    {i.date:%d/%m/%Y} {format_vnd(i.amount):>16} dòng {i.ref} {i.text!r}" for i in r.bank_only)
    if r.book_only:
        out.append("  Sổ đã ghi, ngân hàng chưa có:")
        out.extend(f"    {i.date:%d/%m/%Y} {format_vnd(i.amount):>16} bút toán {i.ref} {i.text}" for i in r.book_only)
    if r.unexplained:
        out.append(f"  Chưa giải thích được: {format_vnd(r.unexplained)}")
    out.append("Đã khớp." if r.reconciled else "Chưa khớp.")
    _out(r.as_dict(), as_json, "\n".join(out))


@statement.group("profile")
def profile_group() -> None:
    """Column-mapping profiles of banks' statement layouts."""


@profile_group.command("add")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def profile_add(c: Ctx, path: Path) -> None:
    """Add a profile from a JSON file: {"name": …, "columns": {"date": [...], "debit": [...], "credit":
    [...] or "amount": [...], "balance", "ref", "memo"}, "date_formats", "thousands", "opening_labels",
    "closing_labels"}."""
    try:
        spec = json.loads(path.read_text(encoding="utf-8-sig"))
    except ValueError as e:
        raise click.ClickException(f"{path.name}: not JSON ({e})") from None
    prof = services.add_bank_profile(c.db, spec, user=c.user)
    click.echo(f"Đã thêm mẫu sao kê {prof.name}.")


@profile_group.command("list")
@json_out
def profile_list(c: Ctx, as_json: bool) -> None:
    """The profiles: built-in first, then those added."""
    profs = services.bank_profiles(c.db)
    _out([{**p.spec(), "builtin": p.builtin} for p in profs], as_json, "\n".join(
        f"{p.name:<12} {'(có sẵn)' if p.builtin else '(đã thêm)'}  "
        + "; ".join(f"{k}: {' | '.join(v[:3])}" for k, v in p.columns.items()) for p in profs))


COMMANDS = [statement]
