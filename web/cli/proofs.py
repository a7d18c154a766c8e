"""``quy proof publish|log|get|key|verify|script``: the signed roots every donor's proof leads to, the public log
of them, a gift's proof, and the one-file checker an auditor runs on their own machine (``ledger/proofcheck.py``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import click

from ledger import proofcheck, services
from ledger.money import format_vnd

from .common import Ctx, _out, json_out, org_json, org_opt


@click.group("proof")
def proof() -> None:
    """Proofs that every gift is counted: roots published when the books are locked, and each gift's proof."""


def _write(obj: dict, output: str | None) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=1)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"→ {output}")
    else:
        click.echo(text)


@proof.command("publish")
@org_json
def publish(c: Ctx, org: str, as_json: bool) -> None:
    """Publish what the lock completes and is not published yet (locking publishes by itself)."""
    r = services.publish_proofs(c.db, org, user=c.user)
    lines = [f"{st['fund']:<8} {st['period']:<8} {'ủng hộ' if st['kind'] == 'gifts' else 'đã chi':<7} "
             f"{format_vnd(st['net']):>22}  {st['root'][:16]}…" for st in r["published"]]
    _out(r, as_json, "\n".join(lines) + f"\n{org}: {len(lines)} gốc đã công bố." if lines else
         f"{org}: không có kỳ nào mới để công bố.")


@proof.command("log")
@org_opt
@click.option("--since", type=int, default=None, help="An earlier size of the log: add the consistency proof from it.")
@click.option("-o", "--output", default=None, help="Write the log to this file (JSON) instead of printing it.")
@click.pass_obj
def log(c: Ctx, org: str, since: int | None, output: str | None) -> None:
    """The organization's log of signed roots with its signed head and public key (JSON)."""
    _write(services.proof_log(c.db, org, since), output)


@proof.command("roots")
@org_opt
@click.option("--fund", default=None, help="One fund's roots.")
@click.option("--year", type=int, default=None, help="One year's roots.")
@json_out
def roots(c: Ctx, org: str, fund: str | None, year: int | None, as_json: bool) -> None:
    """The published roots: fund, period, gifts, their net after earlier gifts reversed, the root."""
    rows = services.published_roots(c.db, org, fund=fund, year=year)
    lines = [f"{st['fund']:<8} {st['period']:<8} {'ủng hộ' if st['kind'] == 'gifts' else 'đã chi':<7} "
             f"{st['documents']:>6} {format_vnd(st['net']):>22}  {st['root'][:16]}…"
             for st in (e["statement"] for e in rows)]
    _out(rows, as_json, "\n".join(lines) or f"{org}: chưa công bố kỳ nào.")


@proof.command("get")
@org_opt
@click.argument("number", required=False)
@click.option("--code", default=None, help="The receipt's verification code (what its QR code holds) instead.")
@click.option("-o", "--output", default=None, help="Write the proof to this file (JSON).")
@click.option("--compact", is_flag=True, help="Only the document's own part, in bytes (with -o; its month's "
                                                "`quy proof context` makes the whole proof).")
@click.pass_obj
def get(c: Ctx, org: str, number: str | None, code: str | None, output: str | None, compact: bool) -> None:
    """A gift's proof by its receipt number (BN/26 0000001) or --code."""
    if bool(number) == bool(code):
        raise click.UsageError("give a receipt number or --code")
    if compact and not output:
        raise click.UsageError("--compact writes bytes: give -o FILE")
    p = services.proof_for_code(c.db, code) if code else services.gift_proof(c.db, org, number)
    if compact:
        data = proofcheck.pack_proof(p)
        Path(output).write_bytes(data)
        click.echo(f"→ {output}  ({len(data):,} bytes; its context: quy proof context --fund {p['document']['fund']} "
                   f"--month {p['month']['period']}" + (" --kind payments" if p["document"]["kind"] == "payments"
                                                         else "") + ")")
        return
    _write(p, output)


@proof.command("context")
@org_opt
@click.option("--fund", required=True, help="The fund's code.")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("--kind", type=click.Choice(["gifts", "payments"]), default="gifts", show_default=True)
@click.option("-o", "--output", default=None, help="Write the context to this file (JSON).")
@click.pass_obj
def context(c: Ctx, org: str, fund: str, month: str, kind: str, output: str | None) -> None:
    """What every proof of a fund's month shares (public): with a compact proof it makes the whole proof."""
    _write(services.proof_context(c.db, org, fund, month, kind), output)


@proof.command("key")
@org_json
def key(c: Ctx, org: str, as_json: bool) -> None:
    """The organization's public key (hex) and its fingerprint, as pages print it."""
    k = services.publication_key(c.db, org)
    _out(k, as_json, f"{k['public_key']}\n{k['fingerprint']}")


@proof.command("verify", context_settings={"ignore_unknown_options": False})
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--key", "key_", default=None, help="The organization's public key (hex or base64) or a file holding it.")
@click.option("--since", default=None, type=click.Path(exists=True, dir_okay=False),
              help="An earlier log this one must keep (with a log).")
@click.option("--context", "context_", default=None, type=click.Path(exists=True, dir_okay=False),
              help="The month's context (quy proof context), with a compact proof.")
def verify(file: str, key_: str | None, since: str | None, context_: str | None) -> None:
    """Check a proof (JSON, or compact with --context) or a log offline, as ``python proofcheck.py`` does (status 1
    when it does not hold)."""
    args = ([file] + (["--key", key_] if key_ else []) + (["--since", since] if since else [])
            + (["--context", context_] if context_ else []))
    rc = proofcheck.main(args)
    if rc:
        raise SystemExit(rc)


@proof.command("script")
@click.argument("output", default="proofcheck.py")
def script(output: str) -> None:
    """Write the one-file checker (Python's standard library and cryptography or PyNaCl; nothing of Quỹ)."""
    shutil.copyfile(proofcheck.__file__, output)
    click.echo(f"→ {output}  (python {output} PROOF.json --key KEY)")


COMMANDS = [proof]
