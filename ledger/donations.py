"""Donors, campaigns and donations: the money and goods that come into a fund.

A donation posts its transaction in the same unit of work that records it. What is debited depends
on how it came (cash 111, a bank account under 1121, goods 152, a pledge 1388); what is credited on
what it is for (income 711; protected principal 3531 for a gift to an endowment's principal; 3381 for
money earmarked for a named recipient or purpose, which the fund holds but may not spend otherwise).
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import documents, earmarks
from . import schema as s
from .bankmatches import live
from .clock import business_date, now_iso
from .db import BulkWriter, bulk_insert, driver_rows, sql_bool, sql_date
from .described import described
from .errors import Conflict, InvalidInput, NotFound
from .journal import Entry, Line, allocate_many, post, reversal_entry, take_turn
from .money import parse_amount, parse_foreign_amount
from .names import clean_name, match_key, single_line
from .orgs import account_by_code, account_id_by_role, fund_id_by_code

DONATION_KINDS = ("cash", "transfer", "in_kind", "pledge")
_DONATION_COLS = ("id", "org_id", "tx_id", "donor_id", "fund_id", "campaign_id", "kind", "date",
                  "amount", "asset_account_id", "to_principal", "earmark", "item_description",
                  "item_quantity", "item_unit", "fx_amount", "fx_currency", "pledge_id", "reference",
                  "message", "created_by", "created_at", "gold_book")
DONOR_KINDS = ("person", "organization")
#: Entries whose own records (deposit events, batch lines, council decisions) must stay in step with them.
WORKFLOW_SOURCES = ("deposit", "batch_", "principal_decision", "org_transfer", "succession", "bank_",
                    "earmark_release")


def loose_key(name: str) -> str:
    """Return the key for *possible* duplicates only: the match key without diacritics (đ → d).

    Never stored as a name and never used to merge: "Nguyễn Văn An" and "Nguyen Van An" are surfaced
    to a person as possibly the same donor, who decides.
    """
    key = match_key(name).replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", key) if not unicodedata.combining(c))


# --------------------------------------------------------------------------- donors


@dataclass
class DonorInput:
    """Who gave: an existing donor by id, or a name (found by match key, else created). The keyword rules of
    ``described`` are what the JSON API takes (``ledger/described.py``)."""

    id: int | None = described(id=True, default=None)
    name: str | None = described(size=300, min_size=1, default=None)
    kind: str = described(choices=DONOR_KINDS, default="person")
    address: str = described(size=500, default="")
    phone: str = described(size=40, default="")
    email: str = described(size=200, default="")
    anonymous: bool = False
    display_name: str = described(size=300, default="")
    # agreed to be named in the public gold book ("Nhà hảo tâm" if anonymous)
    listed: bool = described("named in the public gold book", default=True)
    hide_amount: bool = False  # the gold book shows the gift without its amount


@dataclass(frozen=True)
class DonorMatch:
    donor_id: int
    created: bool
    possible_duplicates: list[dict] = field(default_factory=list)


def donor_choice(conn: Connection, org_id: int, name: str, *, phone: str = "") -> tuple[int | None, list[int]]:
    """Whom a gift entered by name alone is from, as every face decides it: the one donor of that name
    (diacritics, case and spacing ignored) → ``(id, [])``; several of that name, or donors who may be the
    same person (same name without diacritics, same phone) → ``(None, candidates)`` for the treasurer to
    choose among; nobody → ``(None, [])``, a new donor."""
    name = (name or "").strip()
    if not name:
        return None, []
    d = s.donors
    same = conn.execute(sa.select(d.c.id).where(d.c.org_id == org_id, d.c.match_key == match_key(name))
                        .limit(5)).scalars().all()
    if len(same) == 1:
        return same[0], []
    dups = possible_duplicates(conn, org_id, name, phone=phone)
    return None, sorted(set(same) | {d["id"] for d in dups})


def possible_duplicates(conn: Connection, org_id: int, name: str, *, exclude: int | None = None,
                        phone: str = "") -> list[dict]:
    """Return donors who may be the same person: same name without diacritics, or same phone."""
    d = s.donors
    cond = d.c.loose_key == loose_key(name)
    if phone.strip():
        cond = sa.or_(cond, d.c.phone == phone.strip())
    q = sa.select(d.c.id, d.c.name, d.c.address, d.c.phone).where(d.c.org_id == org_id, cond)
    if exclude is not None:
        q = q.where(d.c.id != exclude)
    return [dict(r._mapping) for r in conn.execute(q.order_by(d.c.id).limit(20))]


def validate_donor(inp: DonorInput) -> DonorInput:
    """Return the donor input cleaned (NFC name required) or raise."""
    if inp.kind not in DONOR_KINDS:
        raise InvalidInput("donor kind must be person or organization", field="donor_kind",
                           reason="unknown_kind")
    name = clean_name(inp.name, field="donor_name")
    display = clean_name(inp.display_name, field="display_name") if inp.display_name.strip() else ""
    return DonorInput(None, name, inp.kind, inp.address.strip(), inp.phone.strip(),
                      inp.email.strip(), bool(inp.anonymous), display, bool(inp.listed),
                      bool(inp.hide_amount))


@dataclass(frozen=True)
class NewDonor:
    """A donor to be created (input already validated), with who may be the same person."""

    inp: DonorInput
    possible_duplicates: list[dict]


_DONOR_COLS = ("id", "org_id", "kind", "name", "match_key", "loose_key", "address", "phone", "email",
               "anonymous", "display_name", "listed", "hide_amount", "created_at")


def _insert_donors(conn: Connection, org_id: int, new: list[NewDonor], ids: list[int]) -> None:
    as_bool, now = sql_bool(conn), now_iso()
    rows = [(i, org_id, d.inp.kind, d.inp.name, match_key(d.inp.name), loose_key(d.inp.name), d.inp.address,
             d.inp.phone, d.inp.email, as_bool(d.inp.anonymous), d.inp.display_name, as_bool(d.inp.listed),
             as_bool(d.inp.hide_amount), now) for i, d in zip(ids, new, strict=True)]
    bulk_insert(conn, s.donors, _DONOR_COLS, rows)


_FIND_DONOR = ("SELECT id, name, address, phone, match_key FROM donors WHERE org_id = %s AND (loose_key = %s{}) "
               "ORDER BY CASE WHEN match_key = %s THEN 0 ELSE 1 END, id LIMIT 20")
_FIND_DONOR_BY_NAME, _FIND_DONOR_BY_NAME_OR_PHONE = _FIND_DONOR.format(""), _FIND_DONOR.format(" OR phone = %s")


def find_donor(conn: Connection, org_id: int, inp: DonorInput) -> DonorMatch | NewDonor:
    """Return the donor meant by ``inp``: by id, else the one donor with the same match key, else a
    :class:`NewDonor` to create, with its possible duplicates — all in one statement.

    Two existing donors with the same match key are ambiguous: the caller must name one by id.
    """
    d = s.donors
    if inp.id is not None:
        row = conn.execute(sa.select(d.c.id).where(d.c.id == inp.id, d.c.org_id == org_id)).first()
        if row is None:
            raise NotFound(f"donor {inp.id} not found", entity="donor", id=inp.id)
        return DonorMatch(inp.id, False, [])
    inp = validate_donor(inp)
    key = match_key(inp.name)  # the same match key has the same loose key: one statement finds both
    rows = driver_rows(conn, _FIND_DONOR_BY_NAME_OR_PHONE, (org_id, loose_key(inp.name), inp.phone, key)) \
        if inp.phone else driver_rows(conn, _FIND_DONOR_BY_NAME, (org_id, loose_key(inp.name), key))
    same = [r[0] for r in rows if r[4] == key]
    if len(same) > 1:
        raise Conflict(f"several donors are named {inp.name!r}; choose one by id",
                       reason="ambiguous_donor", candidates=same[:2])
    if same:
        return DonorMatch(same[0], False, [])
    return NewDonor(inp, [{"id": r[0], "name": r[1], "address": r[2], "phone": r[3]} for r in rows])


def create_campaign(conn: Connection, org_id: int, *, code: str, name: str, fund_code: str | None = None,
                    start: date | None = None, end: date | None = None) -> int:
    """Create a campaign (đợt vận động); return its id."""
    name = clean_name(name)
    if not code or not code.strip():
        raise InvalidInput("campaign code is empty", field="code", reason="empty")
    if conn.execute(sa.select(s.campaigns.c.id).where(
            s.campaigns.c.org_id == org_id, s.campaigns.c.code == code.strip())).first():
        raise Conflict(f"campaign {code!r} already exists", code_taken=code)
    fund_id = fund_id_by_code(conn, org_id, fund_code) if fund_code else None
    if start and end and end < start:
        raise InvalidInput("campaign ends before it starts", field="end", reason="bad_range")
    return conn.execute(
        s.campaigns.insert().values(org_id=org_id, code=code.strip(), name=name, fund_id=fund_id,
                                    start_date=start, end_date=end)
    ).inserted_primary_key[0]


def campaign_id_by_code(conn: Connection, org_id: int, code: str) -> int:
    cid = conn.execute(sa.select(s.campaigns.c.id).where(
        s.campaigns.c.org_id == org_id, s.campaigns.c.code == code)).scalar()
    if cid is None:
        raise NotFound(f"campaign {code!r} not found", entity="campaign", code=code)
    return cid


# --------------------------------------------------------------------------- donations


@dataclass
class DonationInput:
    """A donation as a face hands it to the ledger. ``amount`` is integer đồng (the value, for goods)."""

    fund: str = described("fund code", size=40, min_size=1)
    amount: Any = described(money=True)
    date: Any = described(day=True)
    donor: DonorInput
    kind: str = described(choices=DONATION_KINDS, default="cash")
    campaign: str | None = described("campaign code", size=40, null=True, default=None)
    bank_account: str | None = described("account code, for transfers", size=40, null=True, default=None)
    to_principal: bool = False
    earmark: str | None = described("named recipient or purpose", size=500, null=True, default=None)
    item_description: str | None = described(size=500, null=True, default=None)
    item_quantity: Any = described("how many (in-kind gifts)", money=True, null=True, default=None)
    item_unit: str | None = described(size=40, null=True, default=None)
    fx_amount: Any = described("original foreign amount as text, e.g. 100.50", pattern=r"^[0-9]{1,13}(\.[0-9]{1,2})?$",
                               null=True, default=None)
    fx_currency: str | None = described(size=3, null=True, default=None)
    reference: str = described(size=80, default="")
    message: str = described(size=1000, default="")
    gold_book: bool | None = described("true: enter the gift in the gold book; false: never; absent: the "
                                       "organization's threshold decides", null=True, default=None)

    def payload(self) -> dict:
        """The input as plain data (what an idempotency key is checked against)."""
        return asdict(self)


class ValidDonation(NamedTuple):
    """A donation whose input passed every check that needs no database."""

    fund: str
    amount: int
    date: date
    kind: str
    donor: DonorInput
    campaign: str | None
    bank_account: str | None
    to_principal: bool
    earmark: str | None
    item_description: str | None
    item_quantity: int | None
    item_unit: str | None
    fx_amount: int | None
    fx_currency: str | None
    reference: str
    message: str
    gold_book: bool | None = None


def validate_donation(inp: DonationInput) -> ValidDonation:
    """Return the donation with its input checked and typed, or raise the first problem found."""
    if inp.kind not in DONATION_KINDS:
        raise InvalidInput(f"donation kind must be one of {', '.join(DONATION_KINDS)}", field="kind",
                           reason="unknown_kind")
    if not isinstance(inp.fund, str) or not inp.fund.strip():
        raise InvalidInput("fund is required", field="fund", reason="empty")
    amount = parse_amount(inp.amount)
    on = business_date(inp.date)
    donor = inp.donor if inp.donor.id is not None else validate_donor(inp.donor)
    earmark = (inp.earmark or "").strip() or None
    if inp.to_principal and earmark:
        raise InvalidInput("a gift is either to principal or earmarked, not both", field="earmark",
                           reason="principal_and_earmark")
    if inp.kind in ("in_kind", "pledge") and (inp.to_principal or earmark):
        raise InvalidInput(f"a {inp.kind} gift cannot go to principal or be earmarked",
                           field="kind", reason="kind_not_allowed")
    desc = qty = unit = None
    if inp.kind == "in_kind":
        desc = (inp.item_description or "").strip()
        if not desc:
            raise InvalidInput("an in-kind gift needs a description", field="item_description",
                               reason="empty")
        qty = parse_amount(inp.item_quantity, field="item_quantity")
        unit = (inp.item_unit or "").strip() or "cái"
    elif inp.item_description or inp.item_quantity:
        raise InvalidInput("item description and quantity are for in-kind gifts", field="kind",
                           reason="kind_mismatch")
    fx_amount = fx_currency = None
    if inp.fx_amount is not None or inp.fx_currency:
        if inp.kind != "transfer":
            raise InvalidInput("a foreign-currency gift arrives by bank transfer", field="kind",
                               reason="fx_needs_transfer")
        fx_amount, fx_currency = parse_foreign_amount(inp.fx_amount, inp.fx_currency or "")
    if inp.bank_account and inp.kind != "transfer":
        raise InvalidInput("a bank account is given only for transfers", field="bank_account",
                           reason="kind_mismatch")
    return ValidDonation(
        inp.fund.strip(), amount, on, inp.kind, donor, (inp.campaign or "").strip() or None,
        (inp.bank_account or "").strip() or None, bool(inp.to_principal), earmark, desc, qty, unit,
        fx_amount, fx_currency, single_line(inp.reference, field="reference", size=120),
        (inp.message or "").strip(),
        None if inp.gold_book is None else bool(inp.gold_book),
    )


class _Accounts:
    """Account ids a donation posts to, looked up once per unit of work."""

    def __init__(self, conn: Connection, org_id: int) -> None:
        self.conn, self.org_id = conn, org_id
        self._role: dict[str, int] = {}
        self._code: dict[str, int] = {}
        self._default_bank: int | None = None

    def role(self, role: str) -> int:
        if role not in self._role:
            self._role[role] = account_id_by_role(self.conn, self.org_id, role)
        return self._role[role]

    def bank(self, code: str | None) -> int:
        """The bank account a transfer arrives in or leaves: ``code``'s, or when none is named the
        organization's only bank account (1121 itself when it has no sub-account). With several, a
        transfer names its account (``bank_account_required``): Quỹ never guesses which."""
        if code is None:
            if self._default_bank is None:
                self._default_bank = default_bank(self.conn, self.org_id, self.role("bank"))
            return self._default_bank
        if code not in self._code:
            row = account_by_code(self.conn, self.org_id, code)
            if row.role != "bank":
                raise InvalidInput(f"account {code} is not a bank account", field="bank_account",
                                   reason="not_bank")
            self._code[code] = row.id
        return self._code[code]


def default_bank(conn: Connection, org_id: int, parent: int | None = None) -> int:
    """The account id of the organization's one clear bank account: its only sub-account of 1121, or 1121
    when there is none. Several: ``InvalidInput`` (``bank_account_required``) naming them."""
    parent = parent if parent is not None else account_id_by_role(conn, org_id, "bank")
    subs = driver_rows(conn, "SELECT id, code FROM accounts WHERE org_id = %s AND parent_id = %s ORDER BY code",
                       (org_id, parent))
    if len(subs) > 1:
        codes = ", ".join(c for _i, c in subs)
        raise InvalidInput(f"a transfer names its bank account: this organization has several ({codes})",
                           field="bank_account", reason="bank_account_required", accounts=codes)
    return subs[0][0] if subs else parent


def donation_lines(v: ValidDonation, fund_id: int, accts: _Accounts) -> tuple[int, tuple[Line, ...]]:
    """Return (asset account id, the two postings) for a validated donation."""
    if v.kind == "transfer":
        debit = accts.bank(v.bank_account)
    else:
        debit = accts.role(_DEBIT_ROLE[v.kind])
    if v.to_principal:
        credit = accts.role("principal")
    elif v.earmark:
        credit = accts.role("earmarked_payable")
    else:
        credit = accts.role("donation_income")
    return debit, (Line(debit, fund_id, v.amount), Line(credit, fund_id, -v.amount))


_DEBIT_ROLE = {"cash": "cash", "in_kind": "goods", "pledge": "pledge_receivable"}


def describe(v: ValidDonation, donor_name: str) -> str:
    what = {"cash": "Ủng hộ tiền mặt", "transfer": "Ủng hộ chuyển khoản",
            "in_kind": f"Ủng hộ hiện vật: {v.item_description} ({v.item_quantity} {v.item_unit})",
            "pledge": "Cam kết ủng hộ"}[v.kind]
    if v.to_principal:
        what += " vào vốn gốc"
    if v.earmark:
        what += f" theo địa chỉ: {v.earmark}"
    return f"{what} - {donor_name}"


def record_donations(
    conn: Connection,
    org_id: int,
    items: list[ValidDonation],
    *,
    user: str,
    source: str = "donation",
    donor_ids: list[int] | None = None,
    progress=None,
) -> list[dict]:
    """Record validated donations and post their transactions in the caller's unit of work.

    ``donor_ids`` (one per item) skips donor resolution when the caller already resolved them in bulk.
    Returns one result dict per donation.
    """
    accts = _Accounts(conn, org_id)
    fund_ids: dict[str, int] = {}
    camp_ids: dict[str, int] = {}
    found: list[DonorMatch | NewDonor] = []
    pending: dict[str, NewDonor] = {}
    names: list[str] = []
    for i, v in enumerate(items):
        if v.fund not in fund_ids:
            fund_ids[v.fund] = fund_id_by_code(conn, org_id, v.fund)
        if v.campaign and v.campaign not in camp_ids:
            camp_ids[v.campaign] = campaign_id_by_code(conn, org_id, v.campaign)
        if donor_ids is not None:
            found.append(DonorMatch(donor_ids[i], False, []))
            names.append(v.donor.name or "")
        else:
            f = find_donor(conn, org_id, v.donor)
            if isinstance(f, NewDonor):  # one new donor named twice in the batch is created once
                f = pending.setdefault(match_key(f.inp.name), f)
            found.append(f)
            names.append(f.inp.name if isinstance(f, NewDonor) else v.donor.name or conn.execute(
                sa.select(s.donors.c.name).where(s.donors.c.id == f.donor_id)).scalar())
    entries, debits = [], []
    for v, name in zip(items, names, strict=True):
        debit, lines = donation_lines(v, fund_ids[v.fund], accts)
        debits.append(debit)
        entries.append(Entry(v.date, describe(v, name), lines, doc_ref=v.reference, source=source))
    # every id before post(), which locks the chain head until the commit: one round trip for all
    new = list(pending.values())
    receipted = sum(1 for v in items if v.kind in documents.RECEIPTED_KINDS)
    new_ids, ids, tx_ids, doc_ids = allocate_many(
        conn, [(s.donors, len(new)), (s.donations, len(items)), (s.transactions, len(items)),
               (s.documents, receipted)])
    _insert_donors(conn, org_id, new, new_ids)
    id_of = {id(d): i for d, i in zip(new, new_ids, strict=True)}
    matches = [DonorMatch(id_of[id(f)], True, f.possible_duplicates) if isinstance(f, NewDonor) else f
               for f in found]
    # the receipts' numbers are taken as soon as the chain head is locked, in the same round trip
    per_year: dict[int, int] = {}
    for v in items:
        if v.kind in documents.RECEIPTED_KINDS:
            per_year[v.date.year] = per_year.get(v.date.year, 0) + 1
    numbers = documents.number_requests(org_id, "receipt", per_year)
    locked: dict = {}
    posted = post(conn, org_id, entries, user=user, progress=progress, tx_ids=tx_ids,
                  after_lock=[q for _y, _n, q in numbers], lock_info=locked)
    now = now_iso()
    as_date, as_bool = sql_date(conn), sql_bool(conn)
    with BulkWriter(conn) as writer:
        for start in range(0, len(items), 5000):
            end = start + 5000
            writer.insert(s.donations, _DONATION_COLS, [
                (did, org_id, p.tx_id, m.donor_id, fund_ids[v.fund],
                 camp_ids[v.campaign] if v.campaign else None, v.kind, as_date(v.date), v.amount,
                 debit, as_bool(v.to_principal), v.earmark, v.item_description, v.item_quantity,
                 v.item_unit, v.fx_amount, v.fx_currency, None, v.reference, v.message, user, now,
                 None if v.gold_book is None else as_bool(v.gold_book))
                for did, p, m, v, debit in zip(ids[start:end], posted[start:end], matches[start:end],
                                               items[start:end], debits[start:end], strict=True)
            ])
    # the receipts' numbers and the gold book, in the same unit of work as the gifts they record
    gifts = [(did, v.date, v.kind) for did, v in zip(ids, items, strict=True)]
    receipts = documents.issue_receipts(conn, org_id, gifts, user=user, ids=doc_ids,
                                        first=documents.first_numbers(numbers, locked["after_lock"]))
    if documents.gold_book_may_take(items, locked["gold_book_threshold"]):
        documents.enter_gold_book(conn, org_id, posted[0].seq, posted[-1].seq)
    return [
        {"donation_id": did, "tx_id": p.tx_id, "seq": p.seq, "hash": p.hash, "donor_id": m.donor_id,
         "donor_created": m.created, "possible_duplicates": m.possible_duplicates,
         "receipt": r.label if r else None, "receipt_id": r.id if r else None}
        for did, p, m, r in zip(ids, posted, matches, receipts, strict=True)
    ]


def record_donation(conn: Connection, org_id: int, inp: DonationInput, *, user: str) -> dict:
    """Validate and record one donation; return its ids, chain position and any possible duplicates."""
    return record_donations(conn, org_id, [validate_donation(inp)], user=user)[0]


# --------------------------------------------------------------------------- pledges


def pledge_outstanding(conn: Connection, pledge_id: int) -> int:
    """Return what is still to be collected on a pledge: its amount less its unreversed payments.

    A reversed pledge has nothing outstanding.
    """
    d, t = s.donations, s.transactions
    pledge = conn.execute(sa.select(d.c.amount, d.c.tx_id).where(d.c.id == pledge_id)).one()
    if conn.execute(sa.select(t.c.id).where(t.c.reverses_id == pledge.tx_id)).first():
        return 0
    rev = sa.select(t.c.reverses_id).where(t.c.reverses_id.is_not(None)).scalar_subquery()
    paid = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(d.c.amount), 0)).where(
            d.c.pledge_id == pledge_id, d.c.tx_id.not_in(rev))
    ).scalar()
    return pledge.amount - int(paid)


def pay_pledge(conn: Connection, org_id: int, *, pledge_id: int, amount: Any, date: Any,
               method: str = "cash", bank_account: str | None = None, reference: str = "",
               user: str) -> dict:
    """Record a payment on a pledge (cash or transfer), moving receivable 1388 to money. What is still
    outstanding is read under the organization's lock, so concurrent payments (and a reversal of the
    pledge) see one another: together they never collect more than the pledge."""
    d = s.donations
    take_turn(conn, org_id)
    pledge = conn.execute(sa.select(d).where(d.c.id == pledge_id, d.c.org_id == org_id)).one_or_none()
    if pledge is None or pledge.kind != "pledge":
        raise NotFound(f"pledge {pledge_id} not found", entity="pledge", id=pledge_id)
    amount = parse_amount(amount)
    on = business_date(date)
    if method not in ("cash", "transfer"):
        raise InvalidInput("a pledge is paid in cash or by transfer", field="method",
                           reason="unknown_method")
    reference = single_line(reference, field="reference", size=120)
    outstanding = pledge_outstanding(conn, pledge_id)
    if amount > outstanding:
        raise Conflict(f"the pledge has {outstanding} đ outstanding; {amount} đ is more",
                       reason="overpaid", outstanding=outstanding)
    accts = _Accounts(conn, org_id)
    debit = accts.role("cash") if method == "cash" else accts.bank(bank_account)
    donor = conn.execute(sa.select(s.donors.c.name).where(s.donors.c.id == pledge.donor_id)).scalar()
    entry = Entry(on, f"Thu tiền cam kết ủng hộ - {donor}",
                  (Line(debit, pledge.fund_id, amount),
                   Line(accts.role("pledge_receivable"), pledge.fund_id, -amount)),
                  doc_ref=reference.strip(), source="pledge_payment")
    p = post(conn, org_id, [entry], user=user)[0]
    did = conn.execute(
        d.insert().values(org_id=org_id, tx_id=p.tx_id, donor_id=pledge.donor_id,
                          fund_id=pledge.fund_id, campaign_id=pledge.campaign_id,
                          kind="pledge_payment", date=on, amount=amount, asset_account_id=debit,
                          pledge_id=pledge_id, reference=reference.strip(), created_by=user,
                          created_at=now_iso())
    ).inserted_primary_key[0]
    receipt = documents.issue(conn, org_id, "receipt", [(on, did, None)], user=user)[0]
    return {"donation_id": did, "tx_id": p.tx_id, "seq": p.seq, "hash": p.hash,
            "outstanding": outstanding - amount, "receipt": receipt.label, "receipt_id": receipt.id}


def bank_match_of(conn: Connection, org_id: int, tx_id: int) -> tuple[int, int] | None:
    """(match id, bank line id) of the live bank match that booked or took ``tx_id`` (a part of a split
    included), or None. Reversing such an entry alone would leave its bank line matched to nothing."""
    m, pt = s.bank_matches, s.bank_match_parts
    row = conn.execute(
        sa.select(m.c.id, m.c.line_id)
        .where(m.c.org_id == org_id, m.c.kind != "undo", live(),
               sa.or_(m.c.tx_id == tx_id, m.c.id.in_(sa.select(pt.c.match_id).where(pt.c.tx_id == tx_id))))
        .order_by(m.c.id).limit(1)).first()
    # (suspense bookings and their reassignments are statement workflow entries, refused before this)
    return None if row is None else (row.id, row.line_id)


def reverse_transaction(conn: Connection, org_id: int, tx_id: int, *, reason: str, on: Any,
                        user: str) -> dict:
    """Reverse a posted transaction with a reason, linked to it; refuse a pledge with live payments, and
    an entry that a workflow keeps in step with its own records (a deposit's, a batch's, a council
    decision's): those are undone through their workflow (a withdrawal, a cancelled line), never here;
    and an entry matched to a bank statement line: its match is undone instead (``reconcile.undo``)."""
    d, t = s.donations, s.transactions
    take_turn(conn, org_id)  # what decides (a pledge's live payments, a match) is read under the lock
    source = conn.execute(sa.select(t.c.source).where(t.c.id == tx_id, t.c.org_id == org_id)).scalar()
    if source and source.startswith(WORKFLOW_SOURCES):
        raise Conflict(f"a {source} entry is undone through its own workflow, not reversed",
                       reason="workflow_entry", source=source)
    o, dp = s.openings, s.deposits
    if source == "opening" and conn.execute(sa.select(dp.c.id).join(
            o, sa.and_(o.c.org_id == dp.c.org_id, o.c.on == dp.c.brought_in_on))
            .where(o.c.tx_id == tx_id).limit(1)).first():  # its deposits live on: undone through them
        raise Conflict("an opening that brought in term deposits is not reversed (correct it, or settle or "
                       "withdraw its deposits)", reason="workflow_entry", source=source)
    matched = bank_match_of(conn, org_id, tx_id)
    if matched is not None:
        match_id, line_id = matched
        raise Conflict(f"transaction {tx_id} is matched to bank line {line_id}: undo match {match_id} instead "
                       "(the line goes back to the queue and what the match booked is reversed)",
                       reason="bank_matched", match_id=match_id, line_id=line_id)
    don = conn.execute(sa.select(d.c.id, d.c.kind).where(d.c.tx_id == tx_id)).one_or_none()
    if don is not None and don.kind == "pledge":
        rev = sa.select(t.c.reverses_id).where(t.c.reverses_id.is_not(None)).scalar_subquery()
        live = conn.execute(
            sa.select(sa.func.count()).where(d.c.pledge_id == don.id, d.c.tx_id.not_in(rev))
        ).scalar()
        if live:
            raise Conflict("reverse the payments on this pledge first", reason="pledge_has_payments",
                           payments=live)
    if don is not None:
        bl = s.batch_lines
        drawn = conn.execute(sa.select(sa.func.count()).where(
            bl.c.earmark_donation_id == don.id, bl.c.state != "cancelled")).scalar()
        if drawn:
            raise Conflict("batch lines draw on this earmarked gift: remove or cancel them first",
                           reason="earmark_in_use", lines=drawn)
        if earmarks.released(conn, don.id):
            raise Conflict("money of this earmarked gift was released into the fund: it is not reversed",
                           reason="earmark_released", donation=don.id)
    entry = reversal_entry(conn, org_id, tx_id, on=business_date(on), reason=reason)
    p = post(conn, org_id, [entry], user=user)[0]
    voided = documents.void_for_reversal(conn, org_id, tx_id, reason=reason.strip(), user=user)
    return {"tx_id": p.tx_id, "seq": p.seq, "hash": p.hash, "reverses": tx_id, "voided_documents": voided}
