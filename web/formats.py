"""How the pages write what the ledger stores: dates dd/mm/yyyy, times in Vietnam's local time, numbers with
Vietnamese separators in any currency, and every stored enum value (a role, a batch state, a donation kind,
an audit action…) as a translated label. Templates use the filters ``dmy``, ``dmyhm``, ``number``, ``label``
and ``audit_summary``; nothing else decides how these read.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _

from ledger.money import format_vnd

#: Where the associations are: every time a person reads is in this zone (the database keeps UTC).
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def _as_datetime(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def dmy(value) -> str:
    """A date as people write it here: dd/mm/yyyy (a moment stored in UTC: its local day)."""
    v = _as_datetime(value)
    if v is None:
        return value if isinstance(value, str) else ""
    if isinstance(v, datetime) and v.tzinfo is not None:
        v = v.astimezone(LOCAL)
    return v.strftime("%d/%m/%Y")


def dmyhm(value) -> str:
    """A moment in local time (Asia/Ho_Chi_Minh): dd/mm/yyyy HH:MM; a stored time without a zone is UTC."""
    v = _as_datetime(value)
    if v is None:
        return value if isinstance(value, str) else ""
    if not isinstance(v, datetime):
        return v.strftime("%d/%m/%Y")
    if v.tzinfo is None:
        v = v.replace(tzinfo=UTC)
    return v.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")


def number(value, places: int | None = None) -> str:
    """A number the Vietnamese way, in any currency: ``1.000,5`` (dots group thousands, a comma before the
    decimals); ``places`` fixes the decimals (``1.000,00`` for USD)."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{d:,.{places}f}" if places is not None else f"{d:,}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


#: domain → stored value → label (English msgid, translated when read).
LABELS: dict[str, dict[str, object]] = {
    "role": {"admin": _("administrator"), "treasurer": _("treasurer"), "council": _("fund council member"),
             "auditor": _("auditor")},
    "batch": {"draft": _("draft"), "submitted": _("waiting for the council"), "approved": _("approved, to pay"),
              "closed": _("closed"), "rejected": _("rejected")},
    "line": {"open": _("unpaid"), "paid": _("paid"), "cancelled": _("cancelled")},
    "donation": {"cash": _("Cash"), "transfer": _("Bank transfer"), "in_kind": _("In kind"), "pledge": _("Pledge"),
                 "pledge_payment": _("Pledge payment")},
    "deposit": {"open": _("on deposit"), "matured": _("matured, to settle"), "closed": _("settled"),
                "settled": _("settled"), "withdrawn": _("withdrawn")},
    "job": {"queued": _("waiting"), "running": _("printing"), "done": _("done"), "failed": _("Failed")},
    "print": {"receipt": _("Receipts"), "letter": _("Thank-you letters"), "certificate": _("Honour certificates")},
    "commitment": {"active": _("running"), "suspended": _("suspended"), "ended": _("ended")},
    "token": {"live": _("live"), "expired": _("expired"), "revoked": _("revoked"),
              "role_removed": _("revoked: the role was taken away")},
    "via": {"web": _("web"), "api": _("API"), "cli": _("command line")},
    "legal_form": {"association_fund": _("an association's own fund"),
                   "social_fund": _("a licensed social or charity fund")},
    "proposal": {"pledge": _("Pledge payment"), "recorded_entry": _("an entry already in the books"),
                 "deposit_interest": _("interest on a term deposit"), "donor_suggestion": _("a donation from a donor"),
                 "unidentified": _("not identified")},
    "match": {"pledge": _("Pledge payment"), "entry": _("an entry already in the books"),
              "donor": _("a donation from a donor"), "interest": _("interest on a term deposit"),
              "suspense": _("money to identify"), "reassign": _("given to a donor"), "split": _("split between funds"),
              "undo": _("undone"), "account": _("booked to an account")},
    # ordinary vouchers' categories (ledger/expenses.py), by the voucher's kind
    "expense": {"management": _("management costs"), "allowance": _("allowances"), "bank_fee": _("bank fees"),
                "other": _("other costs")},
    "income": {"dues": _("membership dues"), "state_budget": _("state-budget money"), "other": _("other income")},
    "transfer": {"withdrawal": _("cash withdrawal"), "deposit": _("cash paid into the bank"),
                 "bank": _("between bank accounts")},
    "audit": {
        "user.create": _("user created"), "user.password": _("password changed"), "role.grant": _("role given"),
        "role.revoke": _("role taken away"), "token.create": _("API token created"),
        "token.revoke": _("API token revoked"), "period.lock": _("period locked"),
        "proofs.publish": _("signed roots published"),
        "ops.rebuild_sums": _("month sums rebuilt"),
        "account.rename": _("account renamed"), "deposits.accrue": _("month-end interest accrued"),
        "bank.import": _("bank statement imported"), "bank.profile_add": _("bank statement layout added"),
        "bank.match": _("bank line matched"), "bank.reassign": _("suspense money given to a donor"),
        "bank.undo": _("bank match undone"), "bank.default_fund": _("bank account's default fund set"),
        "books.import": _("beancount books imported"), "org.management_cap": _("management-cost cap set"),
        "org.legal_form": _("legal form set"), "regime.add": _("legal regime added"),
        "org.documents": _("document settings changed"), "org.transfer": _("money moved to another organization"),
        "org.dissolve": _("organization dissolved"), "organization.create": _("organization created"),
        "fund.create": _("fund created"), "fund.rename": _("fund renamed"),
        "earmark.release": _("earmarked money released"), "account.create": _("account created"),
        "bank_account.create": _("bank account added"), "campaign.create": _("campaign created"),
        "donation.record": _("donation recorded"), "pledge.pay": _("pledge payment recorded"),
        "transaction.reverse": _("entry reversed"), "donations.import": _("donations imported"),
        "document.void": _("document voided"), "document.reissue": _("receipt reissued"),
        "gold_book.enter": _("entered in the gold book"), "deposit.open": _("term deposit opened"),
        "deposit.settle": _("term deposit settled"), "deposit.withdraw": _("early withdrawal"),
        "deposit.adjust": _("interest adjusted to the bank's figure"),
        "opening.post": _("opening balances posted"), "opening.correct": _("opening balances corrected"),
        "expense.add": _("cost booked (payment voucher)"), "income.add": _("income booked (receipt voucher)"),
        "cash.transfer": _("money moved between cash and bank"),
        "org.reporting": _("reporting of totals set"), "totals.add": _("reported totals entered"),
        "principal.move": _("protected principal changed"), "batch.create": _("batch drafted"),
        "batch.lines": _("batch lines changed"), "batch.submit": _("batch sent to the council"),
        "batch.approve": _("batch approved"), "batch.reject": _("batch rejected"), "batch.pay": _("batch paid"),
        "batch.cancel_line": _("batch line cancelled"), "batch.import": _("batch lines imported"),
        "fund.quorum": _("council quorum set"), "program.add": _("programme added"),
        "recipient.add": _("recipient added"), "backup.create": _("backup made"),
        "backup.download": _("backup downloaded"), "documents.batch": _("batch print started"),
        "login": _("logged in"), "login.failed": _("login refused"), "logout": _("logged out"),
    },
}


def label(value, domain: str) -> str:
    """The label of a stored value of ``domain`` (``role``, ``batch``, ``line``, ``donation``, ``deposit``,
    ``job``, ``print``, ``commitment``, ``token``, ``via``, ``audit``, ``proposal``, ``match``) in the reader's
    language; an unknown
    value is shown as it is (a newer value the table does not know yet is visible, not hidden)."""
    text = LABELS.get(domain, {}).get(value if value is None else str(value))
    return str(text) if text is not None else ("" if value is None else str(value))


#: What the keys of an audit record's details mean.
_FIELDS = {
    "role": _("Role"), "name": _("Name"), "expires_at": _("Expires"), "token_id": _("Token"), "bytes": _("Size"),
    "amount": _("Amount"), "events": _("Entries"), "percent": _("Percent"), "decision": _("Decision"),
    "fund": _("Fund"), "date": _("Date"), "on": _("Date"), "reason": _("Reason"), "kind": _("Kind"),
    "donor": _("Donor"), "campaign": _("Campaign"), "lock_date": _("Lock date"), "tokens_revoked": _("Tokens revoked"),
    "transactions": _("Transactions"), "batch": _("Batch"), "seq": _("Entry"), "tx_id": _("Entry"),
    "legal_form": _("Legal form"),
}
_HIDDEN = {"key", "form_key"}
_SHOWN = 6


def _value(key: str, v) -> str:
    if isinstance(v, bool):
        return str(_("yes") if v else _("no"))
    if key == "role":
        return label(v, "role")
    if key == "kind":
        return label(v, "donation")
    if key == "amount" and isinstance(v, int):

        return format_vnd(v)
    if isinstance(v, int):
        return number(v)
    if isinstance(v, str) and len(v) >= 10 and v[4:5] == "-" and v[7:8] == "-":
        return dmyhm(v) if len(v) > 10 else dmy(v)
    if isinstance(v, (list, tuple)):
        return str(_("%(n)s items", n=len(v)))
    if isinstance(v, dict):
        return str(_("%(n)s fields", n=len(v)))
    return "" if v is None else str(v)


def audit_summary(details: dict) -> str:
    """An audit record's details as a person reads them: ``Vai trò: thủ quỹ · Hết hạn: 05/01/2027 06:04``;
    the fields Quỹ has no name for are counted, not shown (the raw record is beside it for an auditor)."""
    if not isinstance(details, dict):
        return ""
    known = [(k, v) for k, v in details.items() if k in _FIELDS and v not in (None, "", [], {})]
    parts = [f"{_FIELDS[k]}: {_value(k, v)}" for k, v in known[:_SHOWN]]
    rest = len([k for k in details if k not in _HIDDEN]) - len(parts)
    if rest > 0:
        parts.append(str(_("%(n)s more fields", n=rest)))
    return " · ".join(parts)


def actor_name(actor: str) -> str:
    """Who acted, without the face's prefix (``cli:tran`` → ``tran``; the face has its own column)."""
    if actor in LABELS["via"]:  # no one named: the face itself acted (``quy user add`` at set-up)
        return label(actor, "via")
    return actor.split(":", 1)[1] if actor.startswith(("cli:", "api:", "web:")) else actor


def audit_target(target: str) -> str:
    """What an audit record is about, for a person: ``batch:3`` → ``3``, ``through:2025-03-31`` → ``31/03/2025``."""
    value = target.split(":", 1)[1] if ":" in target and not target.startswith(("http", "/")) else target
    if len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        return dmyhm(value) if len(value) > 10 else dmy(value)
    return value


def init_app(app) -> None:
    """Register the filters (and ``label`` as a global, for ``{{ label(x, 'role') }}``)."""
    app.jinja_env.filters.update(dmy=dmy, dmyhm=dmyhm, number=number, label=label, audit_summary=audit_summary,
                                 actor_name=actor_name, audit_target=audit_target)
    app.jinja_env.globals["label"] = label
