"""Organizations, their funds and their chart of accounts: setting up the books an association keeps.

Organizations form a hierarchy (province → district/town → commune/ward, units under any of them);
each keeps its own books, with its own chart of accounts seeded from ``ledger/chart.py``, its own
funds, hash chain and lock date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .chart import ACCOUNT_KINDS, DEFAULT_CHART, AccountSpec
from .clock import business_date, now_iso, today
from .db import LOOKUPS
from .errors import Conflict, InvalidInput, NotFound
from .journal import GENESIS
from .money import parse_amount
from .names import clean_name

LEVELS = ("province", "district", "commune", "unit")
FUND_KINDS = ("general", "scholarship", "earmarked")
_PARENT_LEVELS = {"province": (None,), "district": ("province",),
                  "commune": ("province", "district"), "unit": LEVELS}


def _code(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} is empty", field=field, reason="empty")
    code = value.strip()
    if len(code) > 40 or any(c.isspace() for c in code):
        raise InvalidInput(f"{field} {code!r} must be at most 40 characters without spaces",
                           field=field, reason="bad_code")
    return code


def _one_of(value: object, allowed: tuple[str, ...], what: str, field: str, reason: str = "unknown_kind") -> None:
    """Refuse a ``value`` that is not one of ``allowed`` (``what``: how the message names it)."""
    if value not in allowed:
        raise InvalidInput(f"{what} must be one of {', '.join(allowed)}", field=field, reason=reason)


def _refuse_taken(conn: Connection, table: sa.Table, what: str, code: str, *where: sa.ColumnElement[bool]) -> None:
    """Refuse a ``code`` that a row of ``table`` (among those ``where`` selects) already has."""
    if conn.execute(sa.select(table.c.id).where(*where, table.c.code == code)).first():
        raise Conflict(f"{what} {code!r} already exists", code_taken=code)


def org_id_by_code(conn: Connection, code: str) -> int:
    """Return the id of the organization with ``code`` or raise :class:`NotFound`."""
    if not isinstance(code, str) or "\x00" in code:  # PostgreSQL refuses NUL in text outright
        raise NotFound(f"organization {code!r} not found", entity="organization", code=str(code))
    key = ("org", code)
    oid = LOOKUPS.get(conn, key)
    if oid is None:
        oid = conn.execute(sa.select(s.organizations.c.id).where(s.organizations.c.code == code)).scalar()
        if oid is None:
            raise NotFound(f"organization {code!r} not found", entity="organization", code=code)
        LOOKUPS.note(conn, key, oid)
    return oid


def fund_id_by_code(conn: Connection, org_id: int, code: str) -> int:
    key = ("fund", org_id, code)
    fid = LOOKUPS.get(conn, key)
    if fid is None:
        fid = conn.execute(
            sa.select(s.funds.c.id).where(s.funds.c.org_id == org_id, s.funds.c.code == code)
        ).scalar()
        if fid is None:
            raise NotFound(f"fund {code!r} not found", entity="fund", code=code)
        LOOKUPS.note(conn, key, fid)
    return fid


#: What the chart lookups read of an account: every column but the bank-statement settings added later
#: (``default_fund_id``, revision 0016), which ``ledger/reconcile.py`` reads itself — so that the chart can be
#: made and read on books at an older revision, as the migration tests write them before upgrading.
_ACCOUNT = [c for c in s.accounts.c if c.name != "default_fund_id"]


def account_by_code(conn: Connection, org_id: int, code: str):
    row = conn.execute(
        sa.select(*_ACCOUNT).where(s.accounts.c.org_id == org_id, s.accounts.c.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound(f"account {code!r} not found", entity="account", code=code)
    return row


def account_id_by_role(conn: Connection, org_id: int, role: str) -> int:
    """Return the id of :func:`account_by_role` (remembered per process: the chart's main accounts are
    made with the organization and never removed)."""
    key = ("role", org_id, role)
    aid = LOOKUPS.get(conn, key)
    if aid is None:
        aid = account_by_role(conn, org_id, role).id
        LOOKUPS.note(conn, key, aid)
    return aid


def account_by_role(conn: Connection, org_id: int, role: str):
    """Return the organization's main account for ``role`` (e.g. ``cash`` → 111): the top-level one
    if there is one, else the shortest code."""
    row = conn.execute(
        sa.select(*_ACCOUNT)
        .where(s.accounts.c.org_id == org_id, s.accounts.c.role == role)
        .order_by(s.accounts.c.parent_id.is_not(None), sa.func.length(s.accounts.c.code),
                  s.accounts.c.code)
    ).first()
    if row is None:
        raise NotFound(f"this organization has no account for {role}", entity="account", role=role)
    return row


def create_organization(
    conn: Connection,
    *,
    code: str,
    name: str,
    level: str,
    parent_code: str | None = None,
    address: str = "",
) -> int:
    """Create an organization with the default chart of accounts and an empty hash chain; return its id."""
    code = _code(code, "code")
    name = clean_name(name)
    _one_of(level, LEVELS, "level", "level", reason="unknown_level")
    parent_id = None
    if parent_code:
        parent_id = org_id_by_code(conn, parent_code)
        parent_level = conn.execute(
            sa.select(s.organizations.c.level).where(s.organizations.c.id == parent_id)
        ).scalar()
        if parent_level not in _PARENT_LEVELS[level]:
            raise InvalidInput(f"a {level} cannot sit under a {parent_level}", field="parent",
                               reason="bad_parent")
    elif level not in ("province", "unit"):
        raise InvalidInput(f"a {level} needs a parent organization", field="parent",
                           reason="parent_required")
    _refuse_taken(conn, s.organizations, "organization", code)
    org_id = conn.execute(
        s.organizations.insert().values(code=code, name=name, level=level, parent_id=parent_id,
                                        address=address.strip(), created_at=now_iso())
    ).inserted_primary_key[0]
    by_code: dict[str, int] = {}
    for spec in DEFAULT_CHART:
        parent = by_code.get(spec.code[:3]) if spec.code == "3531" else None
        by_code[spec.code] = conn.execute(
            s.accounts.insert().values(org_id=org_id, code=spec.code, name=spec.name, kind=spec.kind,
                                       role=spec.role, parent_id=parent)
        ).inserted_primary_key[0]
    conn.execute(s.chain_heads.insert().values(org_id=org_id, last_seq=0, last_hash=GENESIS))
    return org_id


def create_fund(
    conn: Connection,
    org_id: int,
    *,
    code: str,
    name: str,
    kind: str = "general",
    purpose: str = "",
    may_pay_management: bool = False,
    has_principal: bool = False,
) -> int:
    """Create a fund in an organization; return its id. Protected principal is set by posting to 3531."""
    code = _code(code, "code")
    name = clean_name(name)
    _one_of(kind, FUND_KINDS, "fund kind", "kind")
    _refuse_taken(conn, s.funds, "fund", code, s.funds.c.org_id == org_id)
    return conn.execute(
        s.funds.insert().values(org_id=org_id, code=code, name=name, kind=kind, purpose=purpose.strip(),
                                may_pay_management=may_pay_management, has_principal=has_principal,
                                created_at=now_iso())
    ).inserted_primary_key[0]


@dataclass(frozen=True)
class FundName:
    """One of a fund's names: in force from ``valid_from`` (None: since the fund was made) by ``decision``."""

    name: str
    valid_from: date | None
    decision: str
    by: str
    at: str


def fund_names(conn: Connection, org_id: int, code: str) -> list[FundName]:
    """A fund's names, oldest first; empty when it was never renamed (``funds.name`` is its only name)."""
    n = s.fund_names
    fid = fund_id_by_code(conn, org_id, code)
    rows = conn.execute(sa.select(n.c.name, n.c.valid_from, n.c.decision, n.c.created_by, n.c.created_at)
                        .where(n.c.org_id == org_id, n.c.fund_id == fid)
                        .order_by(n.c.valid_from.is_not(None), n.c.valid_from, n.c.id)).all()
    return [FundName(r.name, r.valid_from, r.decision, r.created_by, r.created_at) for r in rows]


def fund_name_on(conn: Connection, org_id: int, code: str, day: date) -> str:
    """The name fund ``code`` had on ``day``: the last rename in force by then, else the name before the first
    (what a statement of a past period is headed with)."""
    names = fund_names(conn, org_id, code)
    if not names:
        return conn.execute(sa.select(s.funds.c.name).where(s.funds.c.org_id == org_id,
                                                            s.funds.c.code == code)).scalar_one()
    return [x for x in names if x.valid_from is None or x.valid_from <= day][-1].name


def rename_fund(conn: Connection, org_id: int, code: str, name: str, *, on: Any = None, decision: str,
                user: str) -> dict:
    """Give fund ``code`` a new name from day ``on`` (default today; never in the future, never before its
    last rename) by ``decision``; the name before is kept. Its code, which the journal names, never changes."""
    fid = fund_id_by_code(conn, org_id, code)
    new = clean_name(name)
    day = business_date(on if on not in (None, "") else today(), field="on")
    why = " ".join((decision or "").split())
    if not why:
        raise InvalidInput("a rename names the decision behind it", field="decision", reason="required")
    current = conn.execute(sa.select(s.funds.c.name).where(s.funds.c.id == fid)).scalar_one()
    if new == current:
        raise Conflict(f"fund {code} is already named {new!r}", reason="same_name", code=code)
    names = fund_names(conn, org_id, code)
    last = max((x.valid_from for x in names if x.valid_from), default=None)
    if last and day < last:
        raise InvalidInput(f"fund {code} was renamed from {last.isoformat()}; a rename cannot take effect before it",
                           field="on", reason="before_last_rename", date=last.strftime("%d/%m/%Y"))
    rows = [] if names else [dict(name=current, valid_from=None, decision="")]
    rows.append(dict(name=new, valid_from=day, decision=why[:500]))
    at = now_iso()
    conn.execute(s.fund_names.insert(), [dict(r, org_id=org_id, fund_id=fid, created_by=user, created_at=at)
                                         for r in rows])
    conn.execute(s.funds.update().where(s.funds.c.id == fid).values(name=new))
    return {"code": code, "name": new, "from": day.isoformat(), "before": current}


def add_account(
    conn: Connection,
    org_id: int,
    *,
    code: str,
    name: str,
    kind: str | None = None,
    parent_code: str | None = None,
    role: str | None = None,
    bank_name: str | None = None,
    bank_bin: str | None = None,
    bank_account_no: str | None = None,
) -> int:
    """Add an account (or a sub-account of ``parent_code``, inheriting its kind and role); return its id."""
    code = _code(code, "code")
    name = clean_name(name)
    parent_id = None
    if parent_code:
        parent = account_by_code(conn, org_id, parent_code)
        parent_id, kind, role = parent.id, kind or parent.kind, role or parent.role
        if kind != parent.kind:
            raise InvalidInput("a sub-account has its parent's kind", field="kind", reason="kind_mismatch")
    _one_of(kind, ACCOUNT_KINDS, "account kind", "kind")
    _refuse_taken(conn, s.accounts, "account", code, s.accounts.c.org_id == org_id)
    return conn.execute(
        s.accounts.insert().values(org_id=org_id, code=code, name=name, kind=kind, role=role,
                                   parent_id=parent_id, bank_name=bank_name, bank_bin=bank_bin,
                                   bank_account_no=bank_account_no)
    ).inserted_primary_key[0]


def account_for(conn: Connection, org_id: int, spec: AccountSpec) -> int:
    """The organization's account of ``spec.role`` (the main one, :func:`account_by_role`), added to its chart
    from ``spec`` the first time it is needed."""
    a = s.accounts
    found = conn.execute(sa.select(a.c.id).where(a.c.org_id == org_id, a.c.role == spec.role)
                         .order_by(a.c.parent_id.is_not(None), sa.func.length(a.c.code), a.c.code)).scalar()
    if found:
        return found
    return add_account(conn, org_id, code=spec.code, name=spec.name, kind=spec.kind, role=spec.role)


def add_bank_account(
    conn: Connection, org_id: int, *, code: str, bank_name: str, account_no: str, bin: str = "",
    name: str | None = None,
) -> int:
    """Add a bank account as a sub-account of 1121 (demand deposits); return its account id."""
    bank = account_by_role(conn, org_id, "bank")
    return add_account(
        conn, org_id, code=code, name=name or f"{bank_name} - {account_no}", parent_code=bank.code,
        bank_name=clean_name(bank_name, field="bank_name"), bank_bin=bin.strip() or None,
        bank_account_no=_code(account_no, "account_no"),
    )


def rename_account(conn: Connection, org_id: int, code: str, name: str) -> None:
    """Rename an account; its code (what the journal's hashes name) never changes."""
    acct = account_by_code(conn, org_id, code)
    conn.execute(s.accounts.update().where(s.accounts.c.id == acct.id).values(name=clean_name(name)))


def set_lock_date(conn: Connection, org_id: int, lock_date: date) -> date | None:
    """Lock the period up to and including ``lock_date``; return the previous lock date.

    The lock only moves forward: reopening a closed period would let history be rewritten.
    """
    current = conn.execute(
        sa.select(s.organizations.c.lock_date).where(s.organizations.c.id == org_id)
    ).scalar()
    if current is not None and lock_date < current:
        raise Conflict(f"the books are locked through {current.isoformat()}; the lock only moves forward",
                       lock_date=current.isoformat())
    conn.execute(s.organizations.update().where(s.organizations.c.id == org_id)
                 .values(lock_date=lock_date))
    return current


@dataclass(frozen=True)
class OrgInfo:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    address: str
    lock_date: date | None


def list_organizations(conn: Connection, ids: Iterable[int] | None = None) -> list[OrgInfo]:
    """Every organization (or those of ``ids``), by id. A page about one organization asks for it alone
    (:func:`org_info`): a national deployment holds thousands."""
    o = s.organizations
    q = sa.select(o.c.id, o.c.code, o.c.name, o.c.level, o.c.parent_id, o.c.address, o.c.lock_date).order_by(o.c.id)
    if ids is not None:
        q = q.where(o.c.id.in_(list(ids)))
    return [OrgInfo(*r) for r in conn.execute(q)]


def org_info(conn: Connection, code: str) -> OrgInfo:
    """One organization by its code (NotFound if there is none)."""
    [info] = list_organizations(conn, [org_id_by_code(conn, code)])
    return info


def set_document_settings(conn: Connection, org_id: int, *, gold_book_threshold: Any = ...,
                          signatory_title: str | None = None, signatory_name: str | None = None,
                          treasurer_name: str | None = None) -> dict:
    """Change what the organization's documents say and who enters its gold book: the threshold (integer
    đồng, or None for "only on request"), the signatory's title and name, the treasurer's name.
    Arguments left out keep their value; returns the settings now in force."""
    values: dict[str, Any] = {}
    if gold_book_threshold is not ...:
        values["gold_book_threshold"] = (None if gold_book_threshold is None
                                         else parse_amount(gold_book_threshold, field="gold_book_threshold"))
    for name, v in (("signatory_title", signatory_title), ("signatory_name", signatory_name),
                    ("treasurer_name", treasurer_name)):
        if v is not None:
            values[name] = clean_name(v, field=name) if v.strip() else ""
    o = s.organizations
    if values:
        conn.execute(o.update().where(o.c.id == org_id).values(**values))
    return document_settings(conn, org_id)


def document_settings(conn: Connection, org_id: int) -> dict:
    o = s.organizations
    r = conn.execute(sa.select(o.c.gold_book_threshold, o.c.signatory_title, o.c.signatory_name,
                               o.c.treasurer_name).where(o.c.id == org_id)).one()
    return dict(r._mapping)
