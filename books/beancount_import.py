"""Beancount in: books kept in beancount (or exported by Quỹ) become a new organization's journal.

Beancount loads and checks the file first (syntax, balancing per currency, balance assertions); then
every directive is checked against Quỹ's rules — integer đồng only, no cost or price, every account
opened with its Quỹ code and fund, every transaction balanced **per fund**, a reversal naming an
earlier transaction at most once, and, for a file Quỹ exported, every chain hash recomputed. Every
problem is reported with its line; if there is any, nothing is written.

An account is mapped to Quỹ by its ``open`` directive's metadata (``code``, ``fund``, and optionally
``name``, ``role``, ``parent``); an export from Quỹ carries them. A hand-kept file adds them:

    2024-01-01 open Assets:Cash VND
      code: "111"
      fund: "KH"

Funds are declared with ``custom "quy-fund" "ORG" "CODE" "Name"`` (a fund named only in an ``open``
is created as a general fund). The organization comes from ``custom "quy-organization"`` unless the
caller names it; a file with several organizations is refused (import a subtree one at a time).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from beancount import loader
from beancount.core import data
from sqlalchemy.engine import Connection

from ledger import orgs
from ledger import schema as s
from ledger.chart import DEFAULT_CHART
from ledger.errors import InvalidInput
from ledger.journal import CHAIN_RULE, GENESIS, Entry, Line, post, posting_key, tx_digest
from ledger.money import MAX_AMOUNT

from .beancount import CURRENCY, TX_KEYS
from .names import KINDS

#: metadata Quỹ writes itself and never stores as an extra
_OWN = {*TX_KEYS, "fund", "filename", "lineno", "__tolerances__", "__automatic__"}
_DEFAULT_ROLES = {spec.code: spec for spec in DEFAULT_CHART}
_ROLES = {spec.role for spec in DEFAULT_CHART if spec.role} | {"interorg_income", "interorg_expense", "suspense"}


@dataclass
class _Acct:
    code: str
    fund: str
    kind: str
    name: str
    role: str | None
    parent: str | None
    bank: dict
    line: int


@dataclass
class _Tx:
    line: int
    date: date
    description: str
    payee: str
    lines: list[tuple[str, str, int]]  # (account code, fund code, amount)
    seq: int | None
    source: str
    doc: str
    user: str | None
    at: str | None
    reverses: int | None
    hash: str | None
    extras: dict = field(default_factory=dict)


@dataclass
class Plan:
    """What a checked file would create."""

    org: dict
    funds: dict[str, dict]
    accounts: dict[str, _Acct]
    txs: list[_Tx]
    problems: list[dict]


def _problem(problems: list[dict], line: int | None, fld: str, message: str) -> None:
    problems.append({"line": line or 0, "field": fld, "message": message})


def _text(meta: dict, key: str, default: str = "") -> str:
    v = meta.get(key, default)
    return str(v) if v is not None else default


_DIRECTIVES = re.compile(r"^\s*(include|plugin)\b", re.MULTILINE)


def check(text: str, *, filename: str = "<beancount>") -> Plan:
    """Load ``text`` with beancount and check it against Quỹ's rules; return the plan and its problems.

    A file that includes another file or names a plugin is refused before beancount loads it: loading
    would read files of the server or import Python code."""
    problems: list[dict] = []
    for m in _DIRECTIVES.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        _problem(problems, line, "beancount", f"{m.group(1)} directives are not accepted: put everything in one file")
    if problems:
        return Plan({}, {}, {}, [], problems)
    entries, errors, _options = loader.load_string(text)
    for err in errors:
        line = (err.source or {}).get("lineno")
        _problem(problems, line, "beancount", str(err.message).strip())

    org_dirs = [e for e in entries if isinstance(e, data.Custom) and e.type == "quy-organization"]
    org: dict = {}
    if len(org_dirs) > 1:
        _problem(problems, org_dirs[1].meta["lineno"], "organization",
                 "the file holds several organizations; import one organization at a time")
    if org_dirs:
        d = org_dirs[0]
        vals = [v.value for v in d.values]
        org = {"code": str(vals[0]) if vals else "", "name": str(vals[1]) if len(vals) > 1 else "",
               "level": _text(d.meta, "level", "unit"), "address": _text(d.meta, "address"),
               "parent": _text(d.meta, "parent") or None}

    funds: dict[str, dict] = {}
    for e in entries:
        if isinstance(e, data.Custom) and e.type == "quy-fund":
            vals = [str(v.value) for v in e.values]
            if len(vals) < 3:
                _problem(problems, e.meta["lineno"], "fund", 'a fund is declared as "ORG" "CODE" "Name"')
                continue
            funds[vals[1]] = {"code": vals[1], "name": vals[2], "kind": _text(e.meta, "kind", "general"),
                              "purpose": _text(e.meta, "purpose"),
                              "may_pay_management": bool(e.meta.get("may-pay-management", False)),
                              "has_principal": bool(e.meta.get("has-principal", False)), "line": e.meta["lineno"]}

    accounts: dict[str, _Acct] = {}  # beancount name → Quỹ account in a fund
    for e in entries:
        if not isinstance(e, data.Open):
            continue
        line = e.meta["lineno"]
        code, fund = _text(e.meta, "code"), _text(e.meta, "fund")
        if not code or not fund:
            _problem(problems, line, "account",
                     f"{e.account}: its open directive needs Quỹ's code and fund (metadata code: and fund:)")
            continue
        if e.currencies and list(e.currencies) != [CURRENCY]:
            _problem(problems, line, "currency", f"{e.account}: Quỹ keeps its books in {CURRENCY} only")
        kind = KINDS.get(e.account.split(":")[0])
        default = _DEFAULT_ROLES.get(code)
        role = _text(e.meta, "role") or (default.role if default and default.kind == kind else None)
        if role and role not in _ROLES:
            _problem(problems, line, "account", f"{e.account}: role {role!r} is not one of Quỹ's account roles")
            continue
        accounts[e.account] = _Acct(code, fund, kind, _text(e.meta, "name") or (default.name if default else code),
                                    role, _text(e.meta, "parent") or None,
                                    {k.replace("-", "_"): _text(e.meta, k) for k in
                                     ("bank-name", "bank-bin", "bank-account-no") if e.meta.get(k)}, line)
        if fund not in funds:
            funds[fund] = {"code": fund, "name": fund, "kind": "general", "purpose": "", "may_pay_management": False,
                           "has_principal": False, "line": line}
    by_code: dict[str, _Acct] = {}
    for a in accounts.values():
        seen = by_code.setdefault(a.code, a)
        if (seen.kind, seen.role, seen.parent) != (a.kind, a.role, a.parent):
            _problem(problems, a.line, "account",
                     f"account {a.code} is opened with a different kind, role or parent than on line {seen.line}")
        default = _DEFAULT_ROLES.get(a.code)
        if default and default.kind != a.kind:
            _problem(problems, a.line, "account", f"account {a.code} is a {default.kind} account in Quỹ's chart")
    for a in by_code.values():
        if a.parent and a.parent not in by_code and a.parent not in _DEFAULT_ROLES:
            _problem(problems, a.line, "account", f"account {a.code} names parent {a.parent}, which is not opened")

    txs: list[_Tx] = []
    unopened: set[tuple[int, str]] = set()
    for e in entries:
        if isinstance(e, data.Pad):
            _problem(problems, e.meta["lineno"], "pad", "pad directives invent money; write the entry out")
        if not isinstance(e, data.Transaction) or e.flag == "P":
            continue
        line = e.meta["lineno"]
        lines, per_fund, bad = [], defaultdict(int), False
        for p in e.postings:
            acct = accounts.get(p.account)
            if acct is None:
                if (line, p.account) not in unopened:
                    unopened.add((line, p.account))
                    _problem(problems, line, "account", f"{p.account} is not opened with Quỹ's code and fund")
                bad = True
                continue
            units = p.units
            if units is None or units.currency != CURRENCY:
                _problem(problems, line, "currency", f"{p.account}: amounts are in {CURRENCY} only")
                bad = True
                continue
            if p.cost is not None or p.price is not None:
                _problem(problems, line, "price", f"{p.account}: a cost or price has no place in đồng books")
                bad = True
                continue
            number = units.number
            if not isinstance(number, Decimal) or number != number.to_integral_value():
                _problem(problems, line, "amount", f"{p.account}: {number} is not a whole number of đồng")
                bad = True
                continue
            amount = int(number)
            if amount == 0 or abs(amount) > MAX_AMOUNT:
                _problem(problems, line, "amount", f"{p.account}: a posting is non-zero and at most 10^15 - 1 đ")
                bad = True
                continue
            lines.append((acct.code, acct.fund, amount))
            per_fund[acct.fund] += amount
        if bad:
            continue
        off = {f: v for f, v in per_fund.items() if v}
        if off:
            what = ", ".join(f"{f} {v:+d} đ" for f, v in sorted(off.items()))
            _problem(problems, line, "balance", f"the transaction does not balance per fund ({what})")
            continue
        if len(lines) < 2:
            _problem(problems, line, "balance", "a transaction needs at least two postings")
            continue
        meta = e.meta
        seq = meta.get("seq")
        rev = meta.get("reverses")
        txs.append(_Tx(line, e.date, e.narration or "", e.payee or "", lines,
                       int(seq) if seq is not None else None, _text(meta, "source", "beancount"),
                       _text(meta, "doc"), _text(meta, "user") or None, _text(meta, "at") or None,
                       int(rev) if rev is not None else None, _text(meta, "hash") or None,
                       {k: (str(v) if not isinstance(v, bool) else v) for k, v in meta.items() if k not in _OWN}))
    _order(txs, problems)
    _check_chain(txs, org.get("code", ""), problems)
    problems.sort(key=lambda p: (p["line"], p["field"]))
    return Plan(org, funds, accounts, txs, problems)


def _order(txs: list[_Tx], problems: list[dict]) -> None:
    """Put the transactions in journal order: by ``seq`` when the file numbers them, else by date. A period's
    export opens with its balances (``source: "opening"``, no seq), which come first."""
    numbered = [t for t in txs if t.seq is not None]
    unnumbered = [t for t in txs if t.seq is None and not (numbered and t.source == "opening")]
    if numbered and unnumbered:
        _problem(problems, unnumbered[0].line, "seq", "some transactions carry seq: and this one does not")
        return
    if numbered:
        txs.sort(key=lambda t: (t.seq is not None, t.seq or 0, t.line))
        seen: dict[int, _Tx] = {}
        for t in txs:
            if t.seq in seen:
                _problem(problems, t.line, "seq", f"seq {t.seq} is already used on line {seen[t.seq].line}")
            seen[t.seq] = t
    else:
        txs.sort(key=lambda t: (t.date, t.line))
    position = {}
    reversed_by: dict[int, int] = {}
    opening = any(t.seq is None and t.source == "opening" for t in txs)
    for i, t in enumerate(txs):
        if t.seq is not None:
            position[t.seq] = i
        if t.reverses is not None and t.reverses not in position and opening:
            # a period's file reverses something from before the period: the link is kept as a reference
            t.extras["reverses"] = str(t.reverses)
            t.reverses = None
        if t.reverses is not None:
            if t.reverses not in position:
                _problem(problems, t.line, "reverses", f"reverses #{t.reverses}, which is not an earlier transaction")
            elif t.reverses in reversed_by:
                _problem(problems, t.line, "reverses",
                         f"#{t.reverses} is already reversed on line {reversed_by[t.reverses]}")
            else:
                reversed_by[t.reverses] = t.line


def _check_chain(txs: list[_Tx], org_code: str, problems: list[dict]) -> None:
    """A file exported by Quỹ from the first transaction on carries the chain: recompute every hash (under
    today's chain rule, or under rule 1 for a file exported before revision 0018 re-hashed the journals)."""
    if not txs or txs[0].seq != 1 or any(t.hash is None for t in txs) or not org_code:
        return

    def digest(prev: str, t: _Tx, rule: int) -> str:
        lines = ([posting_key(org_code, a, f, amt, t.date) for a, f, amt in t.lines] if rule != 1 else t.lines)
        return tx_digest(prev, org=org_code, seq=t.seq, date=t.date, doc_ref=t.doc, description=t.description,
                         source=t.source, created_by=t.user or "", created_at=t.at or "", reverses_seq=t.reverses,
                         postings=lines, rule=rule)

    rule = CHAIN_RULE if digest(GENESIS, txs[0], CHAIN_RULE) == txs[0].hash else 1
    prev = GENESIS
    for t in txs:
        if digest(prev, t, rule) != t.hash:
            _problem(problems, t.line, "hash",
                     f"transaction #{t.seq} differs from what was exported (its hash does not match)")
            return
        prev = t.hash


def apply(conn: Connection, plan: Plan, *, code: str, name: str, level: str, parent: str | None,
          user: str) -> dict:
    """Create the organization, its funds and accounts, and post the plan's journal; return a summary."""
    org_id = orgs.create_organization(conn, code=code, name=name, level=level, parent_code=parent,
                                      address=plan.org.get("address", ""))
    fund_ids = {}
    for f in sorted(plan.funds.values(), key=lambda f: f["code"]):
        fund_ids[f["code"]] = orgs.create_fund(conn, org_id, code=f["code"], name=f["name"], kind=f["kind"],
                                               purpose=f["purpose"], may_pay_management=f["may_pay_management"],
                                               has_principal=f["has_principal"])
    acct_ids = {r.code: (r.id, r.name) for r in conn.execute(
        sa.select(s.accounts.c.code, s.accounts.c.id, s.accounts.c.name).where(s.accounts.c.org_id == org_id))}
    wanted = {a.code: a for a in plan.accounts.values()}
    pending = sorted(wanted.values(), key=lambda a: (len(a.code), a.code))
    while pending:
        rest = []
        for a in pending:
            if a.code in acct_ids:
                if acct_ids[a.code][1] != a.name:
                    orgs.rename_account(conn, org_id, a.code, a.name)
                continue
            if a.parent and a.parent not in acct_ids:
                rest.append(a)
                continue
            aid = orgs.add_account(conn, org_id, code=a.code, name=a.name, kind=a.kind, parent_code=a.parent,
                                   role=a.role, **{k: v or None for k, v in a.bank.items()})
            acct_ids[a.code] = (aid, a.name)
        if len(rest) == len(pending):
            raise InvalidInput("accounts name each other as parents", field="account", reason="parent_cycle")
        pending = rest
    seq_to_tx: dict[int, int] = {}
    batch: list[tuple[_Tx, Entry]] = []
    extras: list[dict] = []

    def flush():
        if not batch:
            return
        posted = post(conn, org_id, [e for _, e in batch], user=user, history=True)  # the books as they were kept
        for (t, _), p in zip(batch, posted, strict=True):
            if t.seq is not None:
                seq_to_tx[t.seq] = p.tx_id
            if t.payee or t.extras:
                extras.append({"tx_id": p.tx_id, "payee": t.payee,
                               "meta": json.dumps(t.extras, ensure_ascii=False, sort_keys=True)})
        batch.clear()

    in_batch: set[int] = set()
    for t in plan.txs:
        if t.reverses is not None and t.reverses in in_batch:
            flush()
            in_batch.clear()
        rev_id = seq_to_tx.get(t.reverses) if t.reverses is not None else None
        entry = Entry(t.date, t.description, tuple(Line(acct_ids[c][0], fund_ids[f], v) for c, f, v in t.lines),
                      doc_ref=t.doc, source=t.source, reverses_id=rev_id, created_by=t.user, created_at=t.at)
        batch.append((t, entry))
        if t.seq is not None:
            in_batch.add(t.seq)
        if len(batch) >= 5000:
            flush()
            in_batch.clear()
    flush()
    if extras:
        conn.execute(s.tx_extras.insert(), extras)
    return {"org": code, "org_id": org_id, "funds": len(fund_ids), "accounts": len(wanted),
            "transactions": len(plan.txs)}


def import_text(conn: Connection, text: str, *, user: str, code: str | None = None, name: str | None = None,
                level: str | None = None, parent: str | None = None, filename: str = "<beancount>") -> dict:
    """Check ``text`` and, if it has no problem, import it as a new organization in the caller's unit of work.

    Raises :class:`InvalidInput` (reason ``beancount_rejected``) listing every problem with its line.
    """
    plan = check(text, filename=filename)
    code = code or plan.org.get("code")
    name = name or plan.org.get("name")
    if not code or not name:
        _problem(plan.problems, 0, "organization",
                 'name the new organization (code and name) or declare it: custom "quy-organization" "CODE" "Name"')
    if plan.problems:
        raise InvalidInput(f"the beancount file has {len(plan.problems)} problem(s); nothing was imported",
                           reason="beancount_rejected", problems=plan.problems[:1000], count=len(plan.problems))
    return apply(conn, plan, code=code, name=name, level=level or plan.org.get("level") or "unit",
                 parent=parent if parent is not None else plan.org.get("parent"), user=user)
