"""Importing a campaign's donations from CSV or XLSX: all or nothing, every bad row reported.

The file is read and every row checked before anything is written; if any row is bad, the import is
refused with the full list of (row number, column, reason). A good file is written in one unit of
work, so a crash or a killed process leaves nothing of it behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .clock import now_iso
from .db import bulk_insert, sql_bool
from .donations import (
    DonationInput,
    DonorInput,
    ValidDonation,
    loose_key,
    record_donations,
    validate_donation,
)
from .errors import ImportFailed, LedgerError
from .journal import allocate_ids
from .money import parse_amount_text
from .names import match_key

#: Column names accepted (English or Vietnamese, case and diacritics as written).
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "ngày", "ngay"),
    "donor": ("donor", "nhà hảo tâm", "họ tên", "ho ten", "name", "tên"),
    "donor_kind": ("donor_kind", "loại nhà hảo tâm", "cá nhân/tổ chức"),
    "address": ("address", "địa chỉ", "dia chi"),
    "phone": ("phone", "điện thoại", "sđt"),
    "fund": ("fund", "quỹ", "quy"),
    "campaign": ("campaign", "đợt vận động"),
    "kind": ("kind", "hình thức"),
    "amount": ("amount", "số tiền", "so tien", "giá trị"),
    "bank_account": ("bank_account", "tài khoản"),
    "to_principal": ("to_principal", "vốn gốc"),
    "earmark": ("earmark", "theo địa chỉ"),
    "item": ("item", "hiện vật"),
    "quantity": ("quantity", "số lượng"),
    "unit": ("unit", "đơn vị tính", "đvt"),
    "currency": ("currency", "ngoại tệ"),
    "fx_amount": ("fx_amount", "số ngoại tệ"),
    "anonymous": ("anonymous", "giấu tên"),
    "display_name": ("display_name", "tên hiển thị"),
    "reference": ("reference", "số chứng từ"),
    "message": ("message", "lời nhắn"),
}
_ALIASES = {alias.casefold(): key for key, names in COLUMNS.items() for alias in names}
_KINDS = {"cash": "cash", "tiền mặt": "cash", "transfer": "transfer", "chuyển khoản": "transfer",
          "in_kind": "in_kind", "hiện vật": "in_kind", "pledge": "pledge", "cam kết": "pledge"}
_DONOR_KINDS = {"person": "person", "cá nhân": "person", "organization": "organization",
                "tổ chức": "organization", "": "person"}
_DONOR_COLS = ("id", "org_id", "kind", "name", "match_key", "loose_key", "address", "phone", "email",
               "anonymous", "display_name", "created_at")
#: What an import grows; their planner statistics are refreshed once it has committed.
GROWN_TABLES = ("donors", "donations", "postings", "transactions", "balances")
_YES = {"1", "x", "yes", "true", "có", "co", "y"}
_NO = {"", "0", "no", "false", "không", "khong", "n"}


@dataclass(frozen=True)
class RowError:
    """One problem in one row: ``reason`` in English, ``code`` for faces to word it in Vietnamese
    (a ledger error code with its ``params``, or one of the import's own: unknown_fund,
    unknown_campaign, unknown_bank_account, bank_account_required, period_locked, ambiguous_donor,
    bad_value)."""

    row: int
    column: str
    reason: str
    code: str = "bad_value"
    params: tuple = ()

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.reason}"


def read_rows(path: Path, aliases: dict[str, str] | None = None,
              required: tuple[str, ...] = ("donor", "amount")) -> list[tuple[int, dict[str, Any]]]:
    """Return the file's data rows as (row number as a spreadsheet shows it, {column: value}); columns
    are named by ``aliases`` (header text, casefolded → key; default: a campaign file's)."""
    aliases = _ALIASES if aliases is None else aliases
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook  # lazy: openpyxl is slow to import and only an XLSX file needs it

        wb = load_workbook(path, read_only=True, data_only=True)
        rows_iter = wb.active.iter_rows(values_only=True)
        raw = [list(r) for r in rows_iter]
        wb.close()
    elif suffix in (".csv", ".txt"):
        text = path.read_bytes().decode("utf-8-sig")
        raw = list(csv.reader(io.StringIO(text, newline="")))
    else:
        raise ImportFailed(f"{path.name}: only .csv and .xlsx files can be imported",
                           errors=[{"row": 0, "column": "file", "reason": "unsupported file type"}])
    if not raw:
        raise ImportFailed("the file is empty", errors=[{"row": 1, "column": "file", "reason": "empty"}])
    header = [str(h or "").strip() for h in raw[0]]
    keys, unknown = [], []
    for h in header:
        k = aliases.get(h.casefold())
        if k is None and h:
            unknown.append(h)
        keys.append(k)
    if unknown or any(need not in keys for need in required):
        errs = [{"row": 1, "column": h, "reason": "unknown column"} for h in unknown]
        for need in required:
            if need not in keys:
                errs.append({"row": 1, "column": need, "reason": "missing column"})
        raise ImportFailed("the header row is not one Quỹ can read", errors=errs)
    out = []
    for n, r in enumerate(raw[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in r):
            continue
        out.append((n, {k: v for k, v in zip(keys, r, strict=False) if k}))
    return out


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text, outer whitespace trimmed: a whole number read as a float (``12.0``) as its
    digits, an empty cell as ``""``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _flag(v: Any, column: str) -> bool:
    if not v:
        return False
    t = _text(v).casefold()
    if t in _YES:
        return True
    if t in _NO:
        return False
    raise ValueError(f"{column}: {v!r} is not yes/no")


def parse_row(row: dict[str, Any], *, fund: str | None, campaign: str | None,
              default_date: Any) -> ValidDonation:
    """Turn one file row into a validated donation, raising the first problem as a LedgerError."""
    t = {k: _text(v) for k, v in row.items()}
    get = t.get
    kind = _KINDS.get(get("kind", "").casefold() or "cash")
    if kind is None:
        raise _RowProblem("kind", f"unknown kind {row.get('kind')!r}")
    donor_kind = _DONOR_KINDS.get(get("donor_kind", "").casefold())
    if donor_kind is None:
        raise _RowProblem("donor_kind", f"unknown donor kind {row.get('donor_kind')!r}")
    try:
        anonymous = _flag(get("anonymous"), "anonymous")
        to_principal = _flag(get("to_principal"), "to_principal")
    except ValueError as e:
        raise _RowProblem("flag", str(e)) from None
    amount = row.get("amount")
    amount = parse_amount_text(amount if isinstance(amount, int | float) else get("amount", ""))
    qty = row.get("quantity")
    if get("quantity"):
        qty = parse_amount_text(qty if isinstance(qty, int | float) else get("quantity"),
                                field="quantity")
    else:
        qty = None
    donor = row.get("donor")
    inp = DonationInput(
        fund=get("fund") or (fund or ""),
        amount=amount,
        date=row.get("date") if get("date") else default_date,
        donor=DonorInput(name=donor if isinstance(donor, str) else get("donor", ""),
                         kind=donor_kind, address=get("address", ""), phone=get("phone", ""),
                         anonymous=anonymous, display_name=get("display_name", "")),
        kind=kind,
        campaign=get("campaign") or campaign,
        bank_account=get("bank_account") or None,
        to_principal=to_principal,
        earmark=get("earmark") or None,
        item_description=get("item") or None,
        item_quantity=qty,
        item_unit=get("unit") or None,
        fx_amount=get("fx_amount") or None,
        fx_currency=get("currency") or None,
        reference=get("reference", ""),
        message=get("message", ""),
    )
    return validate_donation(inp)


class _RowProblem(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


@dataclass(frozen=True)
class ImportPlan:
    """A file that passed every check: its validated donations, ready to write."""

    items: list[ValidDonation]
    rows: list[int]
    total: int


def check_file(conn: Connection, org_id: int, path: Path, *, fund: str | None = None,
               campaign: str | None = None, default_date: Any = None) -> ImportPlan:
    """Read and check every row against the organization's books; raise :class:`ImportFailed` listing
    every bad row, or return the plan."""
    rows = read_rows(path)
    errors: list[RowError] = []
    items: list[ValidDonation] = []
    numbers: list[int] = []
    o = s.organizations
    lock = conn.execute(sa.select(o.c.lock_date).where(o.c.id == org_id)).scalar()
    funds = set(conn.execute(sa.select(s.funds.c.code).where(s.funds.c.org_id == org_id)).scalars())
    camps = set(conn.execute(
        sa.select(s.campaigns.c.code).where(s.campaigns.c.org_id == org_id)).scalars())
    banks = set(conn.execute(sa.select(s.accounts.c.code).where(
        s.accounts.c.org_id == org_id, s.accounts.c.role == "bank")).scalars())
    several_banks = conn.execute(sa.select(sa.func.count()).where(  # a transfer then names its own
        s.accounts.c.org_id == org_id, s.accounts.c.role == "bank", s.accounts.c.parent_id.is_not(None))).scalar() > 1
    known: dict[str, list[int]] = defaultdict(list)
    for r in conn.execute(sa.select(s.donors.c.id, s.donors.c.match_key).where(
            s.donors.c.org_id == org_id)):
        known[r.match_key].append(r.id)
    if not rows:
        raise ImportFailed("the file has no data rows",
                           errors=[{"row": 2, "column": "file", "reason": "no data rows"}])
    for n, row in rows:
        try:
            v = parse_row(row, fund=fund, campaign=campaign, default_date=default_date)
        except _RowProblem as e:
            errors.append(RowError(n, e.column, e.reason))
            continue
        except LedgerError as e:
            errors.append(RowError(n, str(e.params.get("field", "row")), e.message, e.code,
                                   tuple(sorted((k, str(v)) for k, v in e.params.items()))))
            continue
        if v.fund not in funds:
            errors.append(RowError(n, "fund", f"unknown fund {v.fund!r}", "unknown_fund", (("code", v.fund),)))
        if v.campaign and v.campaign not in camps:
            errors.append(RowError(n, "campaign", f"unknown campaign {v.campaign!r}", "unknown_campaign",
                                   (("code", v.campaign),)))
        if v.bank_account and v.bank_account not in banks:
            errors.append(RowError(n, "bank_account", f"unknown bank account {v.bank_account!r}",
                                   "unknown_bank_account", (("code", v.bank_account),)))
        if v.kind == "transfer" and not v.bank_account and several_banks:
            errors.append(RowError(n, "bank_account", "a transfer names its bank account: there are several",
                                   "bank_account_required"))
        if lock is not None and v.date <= lock:
            errors.append(RowError(n, "date", f"{v.date.isoformat()} is in the locked period "
                                              f"(through {lock.isoformat()})", "period_locked",
                                   (("date", v.date.strftime("%d/%m/%Y")),
                                    ("lock_date", lock.strftime("%d/%m/%Y")))))
        if len(known.get(match_key(v.donor.name), ())) > 1:
            errors.append(RowError(n, "donor", f"several donors are named {v.donor.name!r}", "ambiguous_donor",
                                   (("name", v.donor.name),)))
        items.append(v)
        numbers.append(n)
    if errors:
        raise ImportFailed(
            f"{len(errors)} problem(s) in {path.name}; nothing was imported",
            errors=[{"row": e.row, "column": e.column, "reason": e.reason, "code": e.code,
                     "params": dict(e.params)} for e in errors],
        )
    return ImportPlan(items, numbers, sum(v.amount for v in items))


def write_plan(conn: Connection, org_id: int, plan: ImportPlan, *, user: str, source: str,
               progress: Callable[[int], None] | None = None) -> dict:
    """Write a checked plan in the caller's unit of work: donors found or created, donations posted."""
    known: dict[str, int] = {}
    for r in conn.execute(sa.select(s.donors.c.id, s.donors.c.match_key).where(
            s.donors.c.org_id == org_id)):
        known[r.match_key] = r.id
    new: dict[str, tuple] = {}
    keys = [match_key(v.donor.name) for v in plan.items]
    created = now_iso()
    as_bool = sql_bool(conn)
    for v, k in zip(plan.items, keys, strict=True):
        if k not in known and k not in new:
            d = v.donor
            new[k] = (org_id, d.kind, d.name, k, loose_key(d.name), d.address, d.phone, d.email,
                      as_bool(d.anonymous), d.display_name, created)
    ids = allocate_ids(conn, s.donors, len(new))
    rows = []
    for i, (k, row) in zip(ids, new.items(), strict=True):
        rows.append((i, *row))
        known[k] = i
    for i in range(0, len(rows), 5000):
        bulk_insert(conn, s.donors, _DONOR_COLS, rows[i : i + 5000])
    results = record_donations(conn, org_id, plan.items, user=user, source=source,
                               donor_ids=[known[k] for k in keys], progress=progress)
    return {"donations": len(results), "total": plan.total, "donors_created": len(new),
            "first_tx": results[0]["tx_id"], "last_tx": results[-1]["tx_id"],
            "head": results[-1]["hash"]}


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
