"""``quy`` commands that read and guard the journal: locking a period, balances, the journal itself, and
verifying the hash chains against digests printed earlier."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click
import sqlalchemy as sa

from ledger import balances, orgs, services
from ledger import schema as s
from ledger.clock import parse_date
from ledger.errors import LedgerError
from ledger.journal import digests
from ledger.money import format_vnd

from .common import Ctx, _date, _out, json_out, org_json, org_opt, period_opt


@click.command()
@org_opt
@click.argument("through")
@click.pass_obj
def lock(c: Ctx, org: str, through: str) -> None:
    """Lock the books through a date: nothing may be posted on or before it."""
    r = services.lock_period(c.db, org, through, user=c.user)
    click.echo(f"{org}: locked through {r['lock_date']}.")


# ------------------------------------------------------------------ reading


def _fig_row(label: str, f: balances.FundBalance) -> str:
    return (f"{label:<34} {format_vnd(f.balance):>24} {format_vnd(f.principal):>22} "
            f"{format_vnd(f.spendable):>24}")


@click.command()
@org_opt
@click.option("--as-of", default=None, help="Balances at the end of this date.")
@click.option("--consolidated", is_flag=True, help="The organization and everything under it.")
@click.option("--accounts", is_flag=True, help="Per account and fund instead of per fund.")
@json_out
def balance(c: Ctx, org, as_of, consolidated, accounts, as_json) -> None:
    """Balances per fund (balance, protected principal, spendable) or per account."""
    on = _date(as_of)
    if accounts:
        with c.db.read() as conn:
            rows = balances.account_balances(conn, orgs.org_id_by_code(conn, org), on)
        _out([asdict(r) for r in rows], as_json, "\n".join(
            f"{r.code:<12} {r.fund_code:<10} {format_vnd(r.amount):>26}  {r.name}" for r in rows))
        return
    rows = services.fund_balances(c.db, org, as_of=on, consolidated=consolidated)
    total = balances.total_figures(rows)
    data = {"funds": [{**asdict(r), "figures": asdict(r.figures)} for r in rows],
            "total": asdict(total)}
    head = f"{'Quỹ':<34} {'Số dư':>24} {'Vốn gốc':>22} {'Được phép chi':>24}"
    lines = [head] + [_fig_row(f"{r.org_code}/{r.code}", r.figures) for r in rows]
    lines.append(_fig_row("Tổng cộng" + (" (hợp nhất)" if consolidated else ""), total))
    _out(data, as_json, "\n".join(lines))


@click.command("journal")
@org_opt
@period_opt()
@click.option("--limit", default=50, show_default=True)
@json_out
def journal_cmd(c: Ctx, org, start, end, limit, as_json) -> None:
    """List journal transactions with their postings (newest last)."""
    t, p, a, f = s.transactions, s.postings, s.accounts, s.funds
    with c.db.read() as conn:
        oid = orgs.org_id_by_code(conn, org)
        q = sa.select(t).where(t.c.org_id == oid)
        if start:
            q = q.where(t.c.date >= parse_date(start))
        if end:
            q = q.where(t.c.date <= parse_date(end))
        txs = list(reversed(conn.execute(q.order_by(t.c.seq.desc()).limit(limit)).all()))
        lines = conn.execute(
            sa.select(p.c.tx_id, a.c.code, f.c.code.label("fund"), p.c.amount)
            .join(a, a.c.id == p.c.account_id).join(f, f.c.id == p.c.fund_id)
            .where(p.c.tx_id.in_([x.id for x in txs])).order_by(p.c.id)).all()
    by_tx: dict[int, list] = {}
    for ln in lines:
        by_tx.setdefault(ln.tx_id, []).append(ln)
    data, text = [], []
    for x in txs:
        data.append({**dict(x._mapping), "postings": [
            {"account": ln.code, "fund": ln.fund, "amount": ln.amount} for ln in by_tx.get(x.id, [])]})
        text.append(f"#{x.seq} [{x.id}] {x.date.strftime('%d/%m/%Y')} {x.doc_ref} {x.description}"
                    + (f"  (đảo #{x.reverses_id})" if x.reverses_id else ""))
        for ln in by_tx.get(x.id, []):
            side = "Nợ" if ln.amount > 0 else "Có"
            text.append(f"      {side} {ln.code:<12} {ln.fund:<10} {format_vnd(abs(ln.amount)):>24}")
    _out(data, as_json, "\n".join(text))


@click.command()
@click.option("--org", "org", default=None, help="One organization (default: all).")
@click.option("--expect", default=None, metavar="'ORG SEQ HASH'",
              help="A head digest printed earlier by `quy digest` (the whole line; several lines check each).")
@json_out
def verify(c: Ctx, org: str | None, expect: str | None, as_json: bool) -> None:
    """Verify every organization's hash chain, cached balances and document numbering; exit 1 and name the
    first broken entry and the kind of break (changed, missing, reordered, unbalanced, posting_moved,
    orphan_posting, source_changed, cut_off, balance_cache, sums, numbering, unreadable). With
    --expect, also check that the digest's organization still has that hash at that sequence number."""
    expected, malformed = [], []
    texts = [] if expect is None else [ln for ln in expect.splitlines() if ln.strip()] or [expect]
    for text in texts:
        try:
            expected.append(digests.parse_digest(text, org_code=org))
        except LedgerError as err:
            malformed.append(err.message)
    reports = services.verify(c.db, org, parallel=True)
    ok = all(r.ok for r in reports) and not malformed
    lines = []
    for r in reports:
        if r.ok:
            lines.append(f"OK     {r.org_code}: {r.count} transactions, head #{r.head_seq} {r.head_hash}")
        else:
            where = f"first broken link: #{r.broken_seq}" if r.broken_seq is not None else "no single entry"
            lines.append(f"BROKEN {r.org_code}: [{r.kind}] {r.problem} ({where})")
    lines += [f"BROKEN expected digest: {m}" for m in malformed]
    checks = [services.check_digest(c.db, d, org_code=org, reports=reports) for d in expected]
    for ch in checks:
        d = ch.digest
        lines.append(f"OK     expected digest {d.org_code} #{d.seq} {d.hash} is in the journal" if ch.ok else
                     f"BROKEN expected digest {d.org_code} #{d.seq} {d.hash}: {ch.problem}")
    ok = ok and all(ch.ok for ch in checks)
    data = [asdict(r) for r in reports]
    if expect is not None:
        data = {"ok": ok, "chains": data, "malformed": malformed,
                "expected": [{"org_code": ch.digest.org_code, "seq": ch.digest.seq, "hash": ch.digest.hash,
                              "ok": ch.ok, "reason": ch.reason, "problem": ch.problem} for ch in checks]}
    _out(data, as_json, "\n".join(lines))
    if not ok:
        sys.exit(1)


@click.command()
@click.option("--org", "org", default=None, help="One organization (default: all).")
@click.pass_obj
def digest(c: Ctx, org: str | None) -> None:
    """Print each organization's head digest (ORG SEQ HASH), one a line: keep it, and check it later with
    `quy verify --expect "ORG SEQ HASH"`."""
    for d in services.head_digests(c.db, org):
        click.echo(d.line)


@click.group("sums")
def sums_group() -> None:
    """The month and day sums (per account and fund) that past balances and statements read."""


@sums_group.command("rebuild")
@org_json
def sums_rebuild(c: Ctx, org: str, as_json: bool) -> None:
    """Make the organization's month and day sums again from its postings (when `quy verify` says [sums])."""
    r = services.rebuild_sums(c.db, org, user=c.user)
    _out(r, as_json, f"{r['org']}: {r['rows']} dòng tổng theo tháng đã dựng lại từ các bút toán.")


COMMANDS = [lock, balance, journal_cmd, verify, digest, sums_group]
