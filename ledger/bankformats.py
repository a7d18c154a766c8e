"""Bank statements in the banks' structured formats: ISO 20022 camt.053 (and camt.052) XML and SWIFT MT940.

:func:`detect` tells them by their content, whatever the file is called: an XML document whose root is
in a ``camt.05x`` namespace, or MT940 text starting with ``:20:`` or a ``{1:`` SWIFT block. Each is read
whole into a :class:`Structured` statement — its lines, its opening and closing balances, its account
number and every bad line's problems — which ``ledger/bankstatements.py`` checks and stores exactly as it
does a CSV's lines: the same dedupe, the same balance check, all or nothing.

camt.053 is read by a small namespace-agnostic reader over lxml (no camt parser on PyPI is well kept),
with a parser that resolves no entity, loads no DTD and reaches no network; a document carrying a
``<!DOCTYPE`` or ``<!ENTITY`` (the billion-laughs and external-entity attacks) is refused before it is
parsed. Elements are found by their local name, so every version (``camt.053.001.02`` to ``.13``,
``camt.052``) reads the same. MT940 is read by the ``mt-940`` package, a tag at a time so that every bad
``:61:`` line is reported, not only the first.

Amounts are whole đồng: ``1500000``, ``1500000.00`` (camt) and ``1500000,`` (MT940) read as 1,500,000;
a fraction of a đồng is a bad line, never rounded. The currency must be VND. A line's number
(``line_no``, the ``row`` of its problems) is the entry's position in the file: 1 for the first booked
``<Ntry>`` of a camt file or the first ``:61:`` of an MT940 file; a problem of the statement itself (its
balances, its account) has row 0.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from .banklines import StatementLine, _err, _in_range, _line_errors, _LineProblem
from .errors import ImportFailed, InvalidInput

CAMT = "camt.053"
MT940 = "mt940"
CURRENCY = "VND"
#: Entry statuses whose entries are booked (camt ``Sts``/``Sts/Cd``); pending and information-only entries
#: (``PDNG``, ``INFO``) are not on the balance and are not lines.
_BOOKED = ("BOOK", "")
_CAMT_NS = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.05[23]\.\d{3}\.\d{2}")
_MT940_START = re.compile(rb"^(?::20:|\{1:|:940:)")


@dataclass
class Structured:
    """A structured statement read whole: its good lines in file order, every bad line's problems, the
    balances and the account number it states (``None``/``""`` when it states none), and a preview row
    (date, reference, amount, memo as written) for each entry, good or bad."""

    kind: str
    lines: list[StatementLine] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    opening: int | None = None
    closing: int | None = None
    account_no: str = ""
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def detect(content: bytes) -> str | None:
    """``"camt.053"`` for an XML document, ``"mt940"`` for MT940 text, else ``None`` (a CSV or XLSX)."""
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return CAMT
    if _MT940_START.match(head):
        return MT940
    return None


def read(name: str, content: bytes, kind: str) -> Structured:
    return read_camt(name, content) if kind == CAMT else read_mt940(name, content)


def _refuse(name: str, code: str, reason: str, **params: Any) -> ImportFailed:
    return ImportFailed(f"{name}: {reason}; nothing was imported", errors=[_err(0, "file", code, reason, **params)])


def _whole(text: str, shown: str) -> int:
    """Whole đồng from a decimal text (``.`` or ``,`` as its decimal sign); a fraction is refused."""
    t = (text or "").strip().replace(",", ".")
    if not re.fullmatch(r"[0-9]+(\.[0-9]*)?", t):
        raise _LineProblem("amount", "bad_amount", f"{shown!r} is not an amount", value=shown)
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise _LineProblem("amount", "bad_amount", f"{shown!r} is not an amount", value=shown) from None
    if d != d.to_integral_value():
        raise _LineProblem("amount", "fraction_of_dong", f"{shown!r} has a fraction of a đồng", value=shown)
    return _in_range(int(d), shown)


def _same_currency(ccy: str, where: str) -> None:
    if (ccy or "").strip().upper() != CURRENCY:
        raise _LineProblem(where, "wrong_currency", f"the currency is {ccy or '(none)'}, not VND",
                           currency=ccy or "?")


def _statement_currency(name: str, ccy: str) -> InvalidInput:
    return InvalidInput(f"{name}: the statement is in {ccy}, not VND; only đồng statements can be imported",
                        field="file", reason="statement_currency", currency=ccy)


# --------------------------------------------------------------------------- camt.053


def _local(el) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(el, name: str) -> list:
    return [c for c in el if _local(c) == name]


def _kid(el, *path: str):
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if _local(c) == name), None)
    return el


def _txt(el, *path: str) -> str:
    e = _kid(el, *path)
    return (e.text or "").strip() if e is not None else ""


def _all(el, name: str) -> list:
    return [e for e in el.iter() if _local(e) == name]


def _camt_date(text: str, column: str) -> date:
    t = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", t):
        raise _LineProblem(column, "bad_date", f"{t!r} is not a date (YYYY-MM-DD)", value=t or "(none)")
    try:
        return date.fromisoformat(t[:10])
    except ValueError:
        raise _LineProblem(column, "not_real_date", f"{t!r} is not a real day", value=t) from None


def _parse_xml(name: str, content: bytes):
    from lxml import etree  # lazy: only a camt.053 file needs lxml

    probe = content[:1 << 16].upper()
    if b"<!DOCTYPE" in probe or b"<!ENTITY" in probe or b"<!DOCTYPE" in content.upper():
        raise _refuse(name, "unsafe_xml", "the XML declares a DTD or entities, which a bank statement never does")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False, remove_pis=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as e:
        raise _refuse(name, "unreadable_statement", f"not well-formed XML ({e})") from None
    if root.getroottree().docinfo.doctype:
        raise _refuse(name, "unsafe_xml", "the XML declares a DTD or entities, which a bank statement never does")
    return root


def read_camt(name: str, content: bytes) -> Structured:
    root = _parse_xml(name, content)
    ns = root.tag[1:].split("}", 1)[0] if isinstance(root.tag, str) and root.tag.startswith("{") else ""
    if not _CAMT_NS.fullmatch(ns):
        raise _refuse(name, "not_camt", "not an ISO 20022 camt.053 bank statement", namespace=ns or "(none)")
    statements = [e for e in root.iter() if _local(e) in ("Stmt", "Rpt")]
    if not statements:
        raise _refuse(name, "not_camt", "the camt document holds no statement (Stmt)", namespace=ns)
    out = Structured(CAMT)
    accounts: list[str] = []
    n = 0
    for st in statements:
        acct = _kid(st, "Acct")
        acct_no = _txt(acct, "Id", "IBAN") or _txt(acct, "Id", "Othr", "Id")
        if acct_no and acct_no not in accounts:
            accounts.append(acct_no)
        ccy = _txt(acct, "Ccy")
        if ccy and ccy.upper() != CURRENCY:
            raise _statement_currency(name, ccy)
        opening = closing = None
        for bal in _kids(st, "Bal"):
            code = _txt(bal, "Tp", "CdOrPrtry", "Cd").upper()
            amt = _kid(bal, "Amt")
            if code not in ("OPBD", "PRCD", "CLBD") or amt is None:
                continue
            bccy = amt.get("Ccy", "")
            if bccy.upper() != CURRENCY:
                raise _statement_currency(name, bccy or "?")
            try:
                value = _whole(amt.text or "", (amt.text or "").strip())
            except _LineProblem as p:
                raise ImportFailed(f"{name}: the {code} balance: {p.reason}; nothing was imported",
                                   errors=[_err(0, f"Bal/{code}", p.code, p.reason, **p.params)]) from None
            if _txt(bal, "CdtDbtInd").upper() == "DBIT":
                value = -value
            if code == "CLBD":
                closing = value
            elif code == "OPBD" or opening is None:
                opening = value
        if out.opening is None:
            out.opening = opening
        if closing is not None:
            out.closing = closing
        seen_refs: dict[str, int] = {}
        for ntry in _kids(st, "Ntry"):
            sts = _txt(ntry, "Sts", "Cd") or _txt(ntry, "Sts")
            if sts.upper() not in _BOOKED:
                continue
            n += 1
            out_row = _camt_entry(out, ntry, n, seen_refs)
            out.rows.append((n, out_row))
    if len(accounts) > 1:
        raise InvalidInput(f"{name}: the file holds statements of several accounts ({', '.join(accounts)}); "
                           "import one account's statement at a time", field="file",
                           reason="several_accounts", accounts=", ".join(accounts))
    out.account_no = accounts[0] if accounts else ""
    return out


def _keep(out: Structured, seen_refs: dict[str, int], column: str, problems: list[_LineProblem],
          line: StatementLine) -> None:
    """The end of reading an entry: a bank reference an earlier entry of the file has is one more problem
    (``column``: where the reference stands); the problems go to the errors, or else the line is kept."""
    errors = _line_errors(line.line_no, line.bank_ref, column, problems, seen_refs)
    out.errors.extend(errors)
    if not errors:
        out.lines.append(line)


def _camt_entry(out: Structured, ntry, n: int, seen_refs: dict[str, int]) -> list[str]:
    problems: list[_LineProblem] = []
    amt = _kid(ntry, "Amt")
    amount_text = (amt.text or "").strip() if amt is not None else ""
    on = amount = None
    booked = _txt(ntry, "BookgDt", "Dt") or _txt(ntry, "BookgDt", "DtTm") or _txt(ntry, "ValDt", "Dt") \
        or _txt(ntry, "ValDt", "DtTm")
    try:
        on = _camt_date(booked, "BookgDt")
    except _LineProblem as p:
        problems.append(p)
    try:
        if amt is None or not amount_text:
            raise _LineProblem("Amt", "no_amount", "no amount")
        _same_currency(amt.get("Ccy", ""), "Amt")
        amount = _whole(amount_text, amount_text)
        side = _txt(ntry, "CdtDbtInd").upper()
        if side not in ("CRDT", "DBIT"):
            raise _LineProblem("CdtDbtInd", "bad_side", f"CdtDbtInd {side or '(none)'!r} is neither CRDT nor DBIT",
                               value=side or "(none)")
        if amount == 0:
            raise _LineProblem("Amt", "no_amount", "an amount of zero")
        amount = amount if side == "CRDT" else -amount
    except _LineProblem as p:
        if p.column == "amount":
            p.column = "Amt"
        problems.append(p)
    ref = _txt(ntry, "AcctSvcrRef")
    if not ref:
        for refs in _all(ntry, "Refs"):
            ref = next((v for v in (_txt(refs, "AcctSvcrRef"), _txt(refs, "EndToEndId"), _txt(refs, "TxId"))
                        if v and v.upper() != "NOTPROVIDED"), "")
            if ref:
                break
    ref = ref[:120]
    memo = " ".join(t for t in ((e.text or "").strip() for e in _all(ntry, "Ustrd")) if t)
    if not memo:
        memo = _txt(ntry, "AddtlNtryInf") or " ".join(
            t for t in ((e.text or "").strip() for e in _all(ntry, "AddtlTxInf")) if t)
    _keep(out, seen_refs, "AcctSvcrRef", problems, StatementLine(n, on, amount, memo, ref, None))
    side = _txt(ntry, "CdtDbtInd").upper()
    return [booked, ref, ("-" if side == "DBIT" else "") + amount_text, memo]


# --------------------------------------------------------------------------- MT940


def _mt940_class():
    import mt940  # lazy: only an MT940 file needs the mt-940 package

    # mt-940 logs each tag it cannot read, with its regular expressions; Quỹ reports those lines itself
    quiet = logging.getLogger("mt940")
    if not any(isinstance(h, logging.NullHandler) for h in quiet.handlers):
        quiet.addHandler(logging.NullHandler())
    quiet.propagate = False

    class Reader(mt940.models.Transactions):
        """mt-940's reader, a tag at a time: a tag that does not read is kept as a problem (with its file
        line) and reading goes on; a bad ``:61:`` gets a placeholder so that its ``:86:`` is not taken for
        the line before's."""

        def __init__(self) -> None:
            super().__init__(options=mt940.Options(reversal_sign=True))
            self.problems: list[tuple[int, str, str, str]] = []
            self.balances: list[tuple[str, Any]] = []
            self.accounts: list[str] = []
            self.entries = 0

        def _process_match(self, match, i, valid_matches, data):  # noqa: ANN001 - mt-940's signature
            tag = match.group("full_tag")
            line = 0
            if tag == "61":
                self.entries += 1
                line = self.entries
                if self.transactions and ("_line" in self.transactions[-1].data or
                                          "_bad" in self.transactions[-1].data):
                    # mt-940 merges a :61: into the one before when that one has no transaction type
                    self.transactions.append(mt940.models.Transaction(self))
            end = valid_matches[i + 1].start() if i + 1 < len(valid_matches) else len(data)
            before = len(self.transactions)
            try:
                super()._process_match(match, i, valid_matches, data)
            except Exception as e:  # noqa: BLE001 - any tag mt-940 cannot read is one bad line
                why = str(e.args[0]) if e.args else type(e).__name__
                self.problems.append((line, tag, why.splitlines()[0][:200], data[match.end():end].strip()[:80]))
                if tag == "61":
                    self.transactions.append(mt940.models.Transaction(self, {"id": "?", "_bad": line}))
                return
            if tag == "61" and self.transactions and len(self.transactions) >= before:
                self.transactions[-1].data["_line"] = line
            elif tag in ("60F", "60M", "62F", "62M"):
                slug = {"60F": "final_opening_balance", "60M": "intermediate_opening_balance",
                        "62F": "final_closing_balance", "62M": "intermediate_closing_balance"}[tag]
                self.balances.append((tag, self.data.get(slug)))
            elif tag == "25":
                acct = (self.data.get("account_identification") or "").strip()
                if acct and acct not in self.accounts:
                    self.accounts.append(acct)

    return Reader


def _mt940_account(text: str) -> str:
    """The account number of a ``:25:`` field: ``BANKCODE/ACCOUNT`` gives its account part."""
    return text.strip().rsplit("/", 1)[-1].strip()


def _balance(name: str, tag: str, bal) -> int:
    amount = bal.amount
    if (amount.currency or "").upper() != CURRENCY:
        raise _statement_currency(name, amount.currency or "?")
    d = Decimal(amount.amount)
    if d != d.to_integral_value():
        raise ImportFailed(f"{name}: the :{tag}: balance {d} has a fraction of a đồng; nothing was imported",
                           errors=[_err(0, f":{tag}:", "fraction_of_dong", f"{d} has a fraction of a đồng",
                                        value=str(d))])
    return int(d)


def read_mt940(name: str, content: bytes) -> Structured:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1258", errors="replace")
    reader = _mt940_class()()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        reader.parse(text)
    except Exception as e:  # noqa: BLE001 - anything mt-940 refuses outside a tag
        raise _refuse(name, "unreadable_statement", f"not a readable MT940 statement ({type(e).__name__})") from None
    out = Structured(MT940)
    for line, tag, why, raw in reader.problems:
        if tag != "61":
            out.errors.append(_err(line, f":{tag}:", "bad_field", f":{tag}: does not read: {why}", tag=tag,
                                   value=raw))
    for tag, bal in reader.balances:
        if bal is None:
            continue
        value = _balance(name, tag, bal)
        if tag.startswith("60") and out.opening is None:
            out.opening = value
        elif tag.startswith("62"):
            out.closing = value
    accounts = [_mt940_account(a) for a in reader.accounts]
    if len(set(accounts)) > 1:
        raise InvalidInput(f"{name}: the file holds statements of several accounts ({', '.join(accounts)}); "
                           "import one account's statement at a time", field="file",
                           reason="several_accounts", accounts=", ".join(accounts))
    out.account_no = accounts[0] if accounts else ""
    seen_refs: dict[str, int] = {}
    for tr in reader.transactions:
        d = tr.data
        if "_bad" not in d and "_line" not in d:
            continue  # the placeholder mt-940 keeps for tags before the first :61:
        n = d.get("_bad") or d["_line"]
        memo = " ".join(str(d.get("transaction_details") or "").split("\n")).strip()
        memo = re.sub(r" {2,}", " ", memo)
        if "_bad" in d:
            why, raw = next(((w, r) for ln, t, w, r in reader.problems if ln == n and t == "61"), ("", ""))
            out.errors.append(_err(n, ":61:", "bad_field", f":61: does not read: {why}", tag="61", value=raw))
            out.rows.append((n, ["", "", raw, memo]))
            continue
        problems: list[_LineProblem] = []
        amount = None
        amt = d.get("amount")
        try:
            _same_currency(getattr(amt, "currency", "") or d.get("currency") or "", ":61:")
            value = Decimal(amt.amount)
            shown = f"{abs(value)}".replace(".", ",")
            if value != value.to_integral_value():
                raise _LineProblem(":61:", "fraction_of_dong", f"{shown} has a fraction of a đồng", value=shown)
            amount = _in_range(int(value), shown)
            if amount == 0:
                raise _LineProblem(":61:", "no_amount", "an amount of zero")
        except _LineProblem as p:
            p.column = ":61:"
            problems.append(p)
        on = d.get("entry_date") or d.get("date")
        on = date(on.year, on.month, on.day) if on is not None else None
        if on is None:
            problems.append(_LineProblem(":61:", "bad_date", "no date", value="(none)"))
        ref = str(d.get("bank_reference") or "").strip()
        cust = str(d.get("customer_reference") or "").strip()
        if not ref and cust.upper() != "NONREF":
            ref = cust
        ref = ref[:120]
        out.rows.append((n, [on.strftime("%d/%m/%Y") if on else "", ref,
                             str(amt.amount) if amt is not None else "", memo]))
        _keep(out, seen_refs, ":61:", problems, StatementLine(n, on, amount, memo, ref, None))
    return out
