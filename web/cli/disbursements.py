"""``quy`` commands for disbursements: recipients, programs, batches from drafting to payment, and the
reports (awards per program, the batch register, reservations)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa

from ledger import disbursements as d
from ledger import orgs, services, stipends
from ledger import schema as s
from ledger.disbursements import LineInput, RecipientInput
from ledger.money import format_vnd, parse_amount_text
from receipts import service as docs

from .common import Ctx, _date, _out, _out_rows, _period, date_opt, json_out, key_opt, org_json, org_opt, period_opt


@click.group()
def recipient() -> None:
    """Students and other honourees (personal data: never public)."""


@recipient.command("add")
@org_opt
@click.argument("name")
@click.option("--born", default=None, help="Date of birth: 15/03/2007")
@click.option("--gender", type=click.Choice(("", "nam", "nu")), default="")
@click.option("--school", default="")
@click.option("--grade", default="")
@click.option("--commune", default="")
@click.option("--guardian", default="")
@click.option("--phone", default="")
@click.option("--bank", "bank_name", default="")
@click.option("--account", "bank_account_no", default="")
@click.option("--category", "categories", multiple=True, type=click.Choice(sorted(d.CATEGORIES)))
@key_opt
@json_out
def recipient_add(c: Ctx, org, name, born, gender, school, grade, commune, guardian, phone, bank_name,
                  bank_account_no, categories, key, as_json) -> None:
    """Add a recipient (possible duplicates are listed, not refused)."""
    r = services.add_recipient(c.db, org, RecipientInput(
        full_name=name, birth_date=_date(born), gender=gender, school=school, grade=grade, commune=commune,
        guardian=guardian, phone=phone, bank_name=bank_name, bank_account_no=bank_account_no,
        categories=list(categories)), user=c.user, key=key)
    text = f"Recipient {r['id']}: {r['full_name']}."
    for dup in r["possible_duplicates"]:
        text += f"\n  Có thể trùng với #{dup['id']} {dup['full_name']} ({dup['why']})."
    _out(r, as_json, text)


@recipient.command("list")
@org_json
def recipient_list(c: Ctx, org: str, as_json: bool) -> None:
    """The recipients: id, name, date of birth, school, grade."""
    r = s.recipients
    with c.db.read() as conn:
        rows = conn.execute(sa.select(r.c.id, r.c.full_name, r.c.birth_date, r.c.school, r.c.grade, r.c.categories)
                            .where(r.c.org_id == orgs.org_id_by_code(conn, org)).order_by(r.c.id)).all()
    _out([dict(x._mapping) for x in rows], as_json, "\n".join(
        f"{x.id:>6} {x.full_name:<30} {x.birth_date.strftime('%d/%m/%Y') if x.birth_date else '':<10} "
        f"{x.school} {x.grade}" for x in rows) or "Chưa có người nhận nào.")


def _recipient(value: str) -> int | str:
    """A recipient as typed: an id, or a name (the ledger refuses a name several recipients share)."""
    return int(value) if value.strip().isdigit() else value


@recipient.command("search")
@org_opt
@click.argument("words")
@json_out
def recipient_search(c: Ctx, org: str, words: str, as_json: bool) -> None:
    """Recipients whose name, school or commune hold every one of WORDS: id, name, school, commune."""
    with c.db.read() as conn:
        total, rows = d.search_recipients(conn, orgs.org_id_by_code(conn, org), words, limit=100)
    items = [{"id": x.id, "full_name": x.full_name, "birth_date": x.birth_date, "school": x.school,
              "grade": x.grade, "commune": x.commune} for x in rows]
    _out({"total": total, "items": items}, as_json, "\n".join(
        f"{x['id']:>6} {x['full_name']:<30} {x['school']} · {x['commune']}" for x in items)
        or "Không có người nhận nào khớp.")


@click.group()
def program() -> None:
    """Award programmes and the funds they draw from."""


@program.command("add")
@org_opt
@click.argument("code")
@click.argument("name")
@click.option("--fund", "funds", multiple=True, required=True, help="A fund it draws from (repeat).")
@click.option("--amount", default=None, help="Default amount per award.")
@click.option("--category", "categories", multiple=True, type=click.Choice(sorted(d.CATEGORIES)))
@key_opt
@click.pass_obj
def program_add(c: Ctx, org, code, name, funds, amount, categories, key) -> None:
    """Add a programme ("Tiếp sức mùa thi", "Nuôi em khuyến học" …)."""
    services.add_program(c.db, org, code=code, name=name, funds=list(funds),
                         default_amount=parse_amount_text(amount) if amount else None, categories=list(categories),
                         user=c.user, key=key)
    click.echo(f"Program {code} added.")


@click.group()
def batch() -> None:
    """Disbursement batches: draft, submit, council votes, payment."""


@batch.command("create")
@org_opt
@click.option("--title", required=True)
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A list (CSV or XLSX): Họ và tên, Ngày sinh, Trường, Lớp, Chương trình, Quỹ, Số tiền …")
@json_out
def batch_create(c: Ctx, org, title, path, as_json) -> None:
    """Draft a batch, from a list file if given (all or nothing)."""
    r = services.create_batch(c.db, org, title=title, user=c.user)
    if path:
        try:
            r |= services.import_batch_lines(c.db, org, r["id"], path, user=c.user)
        except Exception:
            click.echo(f"(the empty draft {r['id']} was kept; fix the file and run `quy batch import {r['id']}`)",
                       err=True)
            raise
    _out(r, as_json, f"Batch {r['id']} drafted" + (f" with {r['added']} lines." if path else "."))


@batch.command("import")
@org_opt
@click.argument("batch_id", type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_out
def batch_import(c: Ctx, org, batch_id, path, as_json) -> None:
    """Add a list file's lines to a draft (all or nothing; every bad row reported)."""
    r = services.import_batch_lines(c.db, org, batch_id, path, user=c.user)
    text = f"{r['added']} lines added ({r['recipients_created']} new recipients)."
    if r["recipients_twice"]:
        text += f"\nCùng một người nhận xuất hiện nhiều lần ở các dòng: {', '.join(map(str, r['recipients_twice']))}"
    _out(r, as_json, text)


@batch.command("add")
@org_opt
@click.argument("batch_id", type=int)
@click.option("--recipient", required=True, help="Its id, or its full name when one recipient has it.")
@click.option("--program", required=True)
@click.option("--fund", default=None)
@click.option("--amount", default=None)
@click.option("--item", default=None, help="An item given in kind (its value is --amount).")
@click.option("--quantity", default=None)
@click.option("--earmark", type=int, default=None, help="The earmarked gift (donation id) it is paid from.")
@click.option("--reason", default="")
@click.pass_obj
def batch_add(c: Ctx, org, batch_id, recipient, program, fund, amount, item, quantity, earmark, reason) -> None:
    """Add one line to a draft."""
    recipient = _recipient(recipient)
    r = services.add_batch_lines(c.db, org, batch_id, [LineInput(
        recipient=recipient, program=program, fund=fund, amount=parse_amount_text(amount) if amount else None,
        item_description=item, item_quantity=parse_amount_text(quantity) if quantity else None, earmark=earmark,
        reason=reason)], user=c.user)
    click.echo(f"Line added to batch {batch_id}." + (" Người nhận đã có trong đợt này." if r["recipients_twice"]
                                                    and r["added"] and recipient in r["recipients_twice"] else ""))


@batch.command("submit")
@org_opt
@click.argument("batch_id", type=int)
@click.pass_obj
def batch_submit(c: Ctx, org, batch_id) -> None:
    """Send a draft to the council."""
    r = services.submit_batch(c.db, org, batch_id, user=c.user)
    click.echo(f"Batch {batch_id} submitted (round {r['round']}).")


@batch.command("approve")
@org_opt
@click.argument("batch_id", type=int)
@click.option("--comment", default="")
@date_opt("The decision's date (default: today).")
@json_out
def batch_approve(c: Ctx, org, batch_id, comment, on, as_json) -> None:
    """A council member approves (the preparer cannot)."""
    r = services.vote_batch(c.db, org, batch_id, approve=True, comment=comment, on=_date(on), user=c.user)
    text = f"{r['approvals']} of {r['quorum']} approvals." + (
        f" Approved: decision {r['decision']}." if r["state"] == "approved" else "")
    if not r["counted"]:
        text = "You already approved this round. " + text
    _out(r, as_json, text)


@batch.command("reject")
@org_opt
@click.argument("batch_id", type=int)
@click.option("--comment", required=True, help="Why (the batch goes back to draft).")
@click.pass_obj
def batch_reject(c: Ctx, org, batch_id, comment) -> None:
    """A council member rejects: the batch goes back to draft with the reason."""
    services.vote_batch(c.db, org, batch_id, approve=False, comment=comment, user=c.user)
    click.echo(f"Batch {batch_id} rejected and back to draft.")


@batch.command("pay")
@org_opt
@click.argument("batch_id", type=int)
@click.option("--line", "lines", type=int, multiple=True, help="Pay only these lines (default: every open one).")
@click.option("--bank", "bank_account", default=None, help="Pay by transfer from this bank account (1121.x).")
@date_opt()
@key_opt
@json_out
def batch_pay(c: Ctx, org, batch_id, lines, bank_account, on, key, as_json) -> None:
    """Pay an approved batch's lines, in cash (signature list) or by transfer; one voucher each."""
    r = services.pay_batch(c.db, org, batch_id, line_nos=list(lines) or None,
                           method="transfer" if bank_account else "cash", bank_account=bank_account, on=_date(on),
                           user=c.user, key=key)
    _out(r, as_json, f"Paid {r['paid']} lines, {format_vnd(r['amount'])} (vouchers {r['vouchers'][0]} – "
                     f"{r['vouchers'][-1]})." + (" The batch is closed." if r["closed"] else ""))


@batch.command("cancel")
@org_opt
@click.argument("batch_id", type=int)
@click.argument("line", type=int)
@click.option("--reason", required=True)
@click.pass_obj
def batch_cancel(c: Ctx, org, batch_id, line, reason) -> None:
    """Cancel an unpaid line of an approved batch (its reservation released)."""
    r = services.cancel_batch_line(c.db, org, batch_id, line, reason=reason, user=c.user)
    click.echo(f"Line {line} cancelled, {format_vnd(r['released'])} released.")


@batch.command("list")
@org_json
def batch_list(c: Ctx, org: str, as_json: bool) -> None:
    """The batch register: state, decision, totals and the council's votes."""
    _out_rows(c.org_read(org, d.register), as_json, lambda r: (
        f"{r.id:>5} {r.state:<9} {r.decision or '':<14} {r.lines:>6} dòng {format_vnd(r.total):>20} "
        f"đã chi {format_vnd(r.paid):>20}  {r.title}" + "".join(
            f"\n        {m}: {'đồng ý' if v == 'approve' else 'không đồng ý'} {cm}" for m, v, _at, cm in r.votes)),
        "Chưa có đợt chi nào.")


@batch.command("print")
@org_opt
@click.argument("batch_id", type=int)
@click.option("--decision", "kind", flag_value="decision", default=True, help="The decision with its list (default).")
@click.option("--signatures", "kind", flag_value="signatures", help="The signature list for cash payment.")
@click.option("--voucher", "line_no", type=int, default=None, help="The payment voucher of this line.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_obj
def batch_print(c: Ctx, org, batch_id, kind, line_no, out) -> None:
    """Print a batch's decision, signature list or a line's payment voucher as PDF."""
    pdf = docs.disbursement_pdf(c.db, org, batch_id, "voucher" if line_no else kind, line_no)
    out.write_bytes(pdf.data)
    click.echo(f"{out}: {pdf.pages} page(s).")


@batch.command("quorum")
@org_opt
@click.argument("fund")
@click.argument("approvals", type=int, required=False)
@click.pass_obj
def batch_quorum(c: Ctx, org, fund, approvals) -> None:
    """Set how many council approvals a batch on FUND needs (no number: a majority of the
    council members who may vote, never the preparer)."""
    with c.db.begin() as conn:
        d.set_quorum(conn, orgs.org_id_by_code(conn, org), fund, approvals)
    click.echo(f"Quorum of {fund}: {approvals if approvals else 'a majority of the members who may vote'}.")


@click.group()
def report() -> None:
    """Reports: awards per program, reservations."""


@report.command("awards")
@org_opt
@period_opt()
@json_out
def report_awards(c: Ctx, org, start, end, as_json) -> None:
    """Awards per program in a period: lượt and amount, money and in kind."""
    frm, to = _period(start, end)
    rows = c.org_read(org, d.awards, frm, to)
    data = {"from": frm.isoformat(), "to": to.isoformat(), "items": [r.__dict__ for r in rows],
            "count": sum(r.count for r in rows), "amount": sum(r.amount for r in rows)}
    def n(x: int) -> str:
        return f"{x:,}".replace(",", ".")

    lines = [f"{r.program_name}: {n(r.count)} lượt, {n(r.amount)} đồng" for r in rows]
    _out(data, as_json, "\n".join([f"Khen thưởng, học bổng {frm:%d/%m/%Y} – {to:%d/%m/%Y}", *lines,
                                   f"Cộng: {n(data['count'])} lượt, {n(data['amount'])} đồng"]))


@report.command("reservations")
@org_json
def report_reservations(c: Ctx, org, as_json) -> None:
    """What approved, unpaid awards hold per fund."""
    _out_rows(c.org_read(org, d.reservations), as_json,
              lambda r: f"{r.fund:<10} {format_vnd(r.reserved):>20}  {r.lines} dòng chưa chi, {r.batches} đợt")


@click.group()
def stipend() -> None:
    """Stipend commitments (hỗ trợ hằng tháng)."""


@stipend.command("commit")
@org_opt
@click.option("--recipient", required=True, help="Its id, or its full name when one recipient has it.")
@click.option("--program", required=True)
@click.option("--fund", default=None)
@click.option("--amount", required=True, help="Per month: 500.000")
@click.option("--first", required=True, help="First month: 2023-09 or 09/2023")
@click.option("--last", required=True, help="Last month")
@click.option("--paid-through", default=None,
              help="The last month already paid before Quỹ (from your earlier books): 2024-02. Those months are "
                   "never put in a batch and count as paid.")
@key_opt
@json_out
def stipend_commit(c: Ctx, org, recipient, program, fund, amount, first, last, paid_through, key, as_json) -> None:
    """Promise an amount a month to a recipient."""
    r = services.stipend(c.db, org, "commit", recipient=_recipient(recipient), program=program, fund=fund,
                         monthly_amount=parse_amount_text(amount), first=first, last=last, user=c.user, key=key,
                         **({"paid_through": paid_through} if paid_through else {}))
    _out(r, as_json, f"Commitment {r['id']} recorded.")


@stipend.command("generate")
@org_opt
@click.option("--month", required=True, help="2025-09 or 09/2025")
@json_out
def stipend_generate(c: Ctx, org, month, as_json) -> None:
    """Draft the month's batch from the active commitments (once per month)."""
    r = services.stipend(c.db, org, "generate", month=month, user=c.user)
    _out(r, as_json, f"Batch {r['batch_id']} drafted with {r['added']} lines, {format_vnd(r['amount'])}."
         if r["batch_id"] else "Nothing to draft for that month.")


@stipend.command("change")
@org_opt
@click.argument("commitment", type=int)
@click.option("--suspend", "action", flag_value="suspend")
@click.option("--resume", "action", flag_value="resume")
@click.option("--end", "action", flag_value="end")
@click.option("--hand-over", "to", default=None, help="The recipient who takes the rest over (id or full name).")
@click.option("--month", required=True, help="From this month (suspend, resume, hand over) or the last (end).")
@click.option("--note", default="")
@click.pass_obj
def stipend_change(c: Ctx, org, commitment, action, to, month, note) -> None:
    """Suspend, resume, end early or hand a commitment over."""
    if to:
        r = services.stipend(c.db, org, "hand_over", cid=commitment, to_recipient=_recipient(to), month=month,
                             note=note, user=c.user)
        click.echo(f"Commitment {commitment} handed over: commitment {r['id']} from {month}.")
        return
    if action is None:
        raise click.UsageError("say --suspend, --resume, --end or --hand-over RECIPIENT")
    kw = {"last": month} if action == "end" else {"month": month}
    if action in ("suspend", "end"):
        kw["note"] = note
    services.stipend(c.db, org, action, cid=commitment, user=c.user, **kw)
    click.echo(f"Commitment {commitment}: {action} ({month}).")


@stipend.command("list")
@org_json
def stipend_list(c: Ctx, org: str, as_json: bool) -> None:
    """Each commitment with what was committed, paid, pending and remaining; and the totals."""
    rows = c.org_read(org, stipends.report)
    total = {k: sum(getattr(r, k) for r in rows) for k in ("committed", "paid", "paid_before", "pending", "remaining")}

    def before(amount: int, through=None) -> str:
        return (f" (trước Quỹ {format_vnd(amount)}" + (f", đến {through:%m/%Y})" if through else ")")) if amount else ""

    _out({"items": [r.__dict__ for r in rows], "total": total}, as_json, "\n".join(
        [f"{r.id:>4} {r.recipient:<28} {format_vnd(r.monthly_amount)}/tháng {r.first_month:%m/%Y}–{r.last_month:%m/%Y} "
         f"cam kết {format_vnd(r.committed)} đã chi {format_vnd(r.paid)}{before(r.paid_before, r.paid_through)} "
         f"còn {format_vnd(r.remaining)} [{r.state}]"
         for r in rows] + [f"Cộng: cam kết {format_vnd(total['committed'])}, đã chi {format_vnd(total['paid'])}"
                           f"{before(total['paid_before'])}, còn {format_vnd(total['remaining'])}."]))


COMMANDS = [recipient, program, batch, report, stipend]
