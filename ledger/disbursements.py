"""Disbursements (chi học bổng, khen thưởng): recipients, programs, and batches the fund council approves
before anything is paid.

A batch is drafted by a treasurer (lines: recipient, program, fund, amount — or an item given in kind,
with its quantity and value — and a reason), submitted, and voted on by the council: the preparer never
votes, each member votes once per submission, a rejection returns it to draft with the reason, and the
approval that reaches the quorum (per fund, default a majority of the council members who may vote on
it — all but its preparer — and at least one) numbers the decision (series ``QD``) and books the awards
in the same unit of work:

| step | debit | credit |
|---|---|---|
| approval (money) | 811 awards | 3388 awards payable — *reserved*: still in the balance, no longer spendable |
| approval (a line paid from an earmarked gift) | — nothing: the gift's money is already held apart on 3381, |
|   | outside the fund's balance; the line holds it (``batch_lines``) |
| payment, one line at a time or all (voucher ``PC``) | 3388 | 111 cash or 1121.x bank |
| payment of an earmarked line | 3381 earmarked | 111 cash or 1121.x bank |
| handing over an item in kind (voucher ``PC``) | 811 | 152 goods |
| cancelling an unpaid line | 3388 | 811 — the reservation released (an earmarked line: nothing to book) |

An earmarked line never passes through 3388: the fund's balance, its reserved money and its spending
(``books.statements.flow``) count the fund's own money only, so a named recipient's gift approved in one
period and paid in the next is neither the fund's money nor its spending in either. (Books approved before
this rule moved earmarked lines 3381 → 3388 at approval; their payment and cancellation still go through
3388, read from the approval entry.)

The journal refuses any entry that takes a fund's spendable balance below zero (SPEC rule 5), and the
approval waits for the organization's chain head like every writer: of several approvals competing for
the same money exactly those that fit succeed; one that does not changes nothing (its vote included).
Protected principal is not spendable, so a Tô Hiệu batch can spend interest but not principal.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import balances, documents
from . import schema as s
from .clock import business_date, now_iso, parse_date, today
from .described import described
from .donations import loose_key
from .errors import Conflict, ImportFailed, InsufficientFunds, InvalidInput, NotAllowed, NotFound
from .importer import cell_text, read_rows
from .journal import Entry, Line, post, take_turn
from .money import parse_amount, parse_amount_text
from .names import clean_name, match_key
from .orgs import account_by_code, account_id_by_role, fund_id_by_code

#: Seed 003's appendix: the seven categories of students to support (I) and the honourees (II).
CATEGORIES = {
    "khuyet_tat": "Học sinh, sinh viên khuyết tật",
    "mo_coi_ca_hai": "Mồ côi cả bố và mẹ, người nuôi dưỡng là hộ nghèo/cận nghèo",
    "mo_coi_mot": "Mồ côi bố hoặc mẹ, người nuôi dưỡng là hộ nghèo/cận nghèo",
    "cha_me_benh": "Bố hoặc mẹ mắc bệnh hiểm nghèo, tàn tật, mất khả năng lao động; hộ nghèo/cận nghèo",
    "xe_dap": "Học sinh khó khăn cần hỗ trợ xe đạp để đi học",
    "nha_tam": "Học sinh học giỏi đang ở nhà tạm",
    "vuot_kho": "Chăm ngoan, hiếu học, vượt khó học tập giỏi",
    "nha_giao": "Nhà giáo nhân dân, nhà giáo ưu tú",
    "thay_thuoc": "Thầy thuốc nhân dân, thầy thuốc ưu tú",
    "nghe_sy": "Nghệ sỹ, nghệ nhân nhân dân, ưu tú",
    "tien_si": "Tiến sĩ, phó giáo sư, giáo sư",
    "sang_che": "Bằng sáng chế khoa học từ cấp tỉnh trở lên",
    "giai_tinh": "Học sinh đạt giải Nhất cấp tỉnh",
    "hsg_quoc_gia": "Học sinh giỏi quốc gia, quốc tế, khu vực; huy chương",
    "gia_dinh_hoc_tap": "Gia đình học tập giỏi, vươn lên thoát nghèo",
}
GENDERS = ("", "nam", "nu")
METHODS = ("cash", "transfer")


def _text(value: Any, field_: str, size: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{field_} must be text", field=field_, reason="not_text")
    v = unicodedata.normalize("NFC", " ".join(value.split()))
    if len(v) > size:
        raise InvalidInput(f"{field_} is longer than {size} characters", field=field_, reason="too_long")
    return v


def _categories(values: Any) -> str:
    codes = [c.strip() for c in (values.split(",") if isinstance(values, str) else values or ()) if c.strip()]
    unknown = [c for c in codes if c not in CATEGORIES]
    if unknown:
        raise InvalidInput(f"unknown categories: {', '.join(unknown)}", field="categories", reason="unknown_kind")
    return ",".join(dict.fromkeys(codes))


# ------------------------------------------------------------------ recipients


@dataclass
class RecipientInput:
    """A recipient as a face hands it over (the keyword rules: what the JSON API takes, ``ledger/described.py``)."""

    full_name: str = described(size=200, min_size=1)
    birth_date: Any = described(day=True, default=None)
    gender: str = described(choices=GENDERS, default="")
    school: str = described(size=200, default="")
    grade: str = described(size=20, default="")
    commune: str = described(size=200, default="")
    guardian: str = described(size=200, default="")
    phone: str = described(size=40, default="")
    bank_name: str = described(size=200, default="")
    bank_account_no: str = described(size=40, default="")
    categories: Any = described(choices=tuple(CATEGORIES), items=20, default=())


@dataclass(frozen=True)
class RecipientMatch:
    id: int
    full_name: str
    birth_date: date | None
    school: str
    why: str = described("same_name or similar_name (same birth date)")


def possible_duplicate_recipients(conn: Connection, org_id: int, name: str, birth_date: date | None = None, *,
                                  exclude: int | None = None) -> list[RecipientMatch]:
    """Recipients who may be this person: the same name (NFC, case and spaces aside), or the same name
    without diacritics born the same day. Surfaced to a person, never merged."""
    r = s.recipients
    key = match_key(name)
    loose = loose_key(name)
    out = []
    for row in conn.execute(sa.select(r.c.id, r.c.full_name, r.c.birth_date, r.c.school, r.c.match_key)
                            .where(r.c.org_id == org_id).order_by(r.c.id)):
        if row.id == exclude:
            continue
        if row.match_key == key:
            out.append(RecipientMatch(row.id, row.full_name, row.birth_date, row.school, "same_name"))
        elif birth_date and row.birth_date == birth_date and loose_key(row.full_name) == loose:
            out.append(RecipientMatch(row.id, row.full_name, row.birth_date, row.school, "similar_name"))
    return out


def _recipient_values(inp: RecipientInput) -> dict:
    name = clean_name(inp.full_name, field="full_name")
    gender = (inp.gender or "").strip().lower()
    if gender not in GENDERS:
        raise InvalidInput("gender is nam, nu or empty", field="gender", reason="unknown_kind")
    born = parse_date(inp.birth_date, field="birth_date") if inp.birth_date not in (None, "") else None
    if born and born > today():
        raise InvalidInput("born in the future", field="birth_date", reason="in_future")
    return {"full_name": name, "match_key": match_key(name), "birth_date": born, "gender": gender,
            "school": _text(inp.school, "school", 200), "grade": _text(inp.grade, "grade", 20),
            "commune": _text(inp.commune, "commune", 200), "guardian": _text(inp.guardian, "guardian", 200),
            "phone": _text(inp.phone, "phone", 40), "bank_name": _text(inp.bank_name, "bank_name", 200),
            "bank_account_no": _text(inp.bank_account_no, "bank_account_no", 40),
            "categories": _categories(inp.categories)}


def add_recipient(conn: Connection, org_id: int, inp: RecipientInput, *, user: str) -> dict:
    """Add a recipient; return its id and the possible duplicates already there (added all the same:
    two students may share a name — the person looking decides)."""
    values = _recipient_values(inp)
    dupes = possible_duplicate_recipients(conn, org_id, values["full_name"], values["birth_date"])
    rid = conn.execute(s.recipients.insert().values(org_id=org_id, created_by=user, created_at=now_iso(),
                                                    **values)).inserted_primary_key[0]
    return {"id": rid, "full_name": values["full_name"],
            "possible_duplicates": [{"id": d.id, "full_name": d.full_name, "why": d.why} for d in dupes]}


def search_recipients(conn: Connection, org_id: int, q: str, *, limit: int = 20, offset: int = 0) -> tuple[int, list]:
    """Recipients whose name, school or commune have a word beginning with each word of ``q`` (case and
    spaces aside; a word typed without diacritics also finds the words that have them): (how many match,
    that page of the recipients' rows, in name order). Personal data: for the organization's own people."""
    r = s.recipients
    words = match_key(q or "").split()
    bare = [w == loose_key(w) for w in words]
    hits = []
    for row in conn.execute(sa.select(r.c.id, r.c.full_name, r.c.school, r.c.commune)
                            .where(r.c.org_id == org_id).order_by(r.c.full_name, r.c.id)):
        hay = match_key(f"{row.full_name} {row.school} {row.commune}").split()
        loose = [loose_key(h) for h in hay] if any(bare) else hay
        if all(any(h.startswith(w) for h in (loose if b else hay)) for w, b in zip(words, bare, strict=True)):
            hits.append(row.id)
    page = hits[offset:offset + limit]
    by_id = {x.id: x for x in conn.execute(sa.select(r).where(r.c.id.in_(page)))} if page else {}
    return len(hits), [by_id[i] for i in page]


def recipient_by_name(conn: Connection, org_id: int, name: str) -> int:
    """The id of the one recipient called ``name`` (case and spaces aside; ``#12`` or ``12``: recipient 12).
    None of that name: ``NotFound``; several: ``Conflict`` (``ambiguous_recipient``) listing them — id,
    name, birth date, school, commune — so that the person picks one by its id."""
    text = " ".join((name or "").split())
    picked = re.match(r"#?(\d+)(?:\s|$)", text)  # "12", "#12" or what the type-ahead fills in: "#12 Lò Văn Minh — …"
    if picked and (text[0] == "#" or text.isdigit()):
        if len(picked.group(1)) > 12:  # no recipient has such an id (and the database could not read it)
            raise NotFound(f"recipient {picked.group(1)} not found", entity="recipient", id=picked.group(1))
        return recipient_id(conn, org_id, int(picked.group(1)))
    if not text:
        raise InvalidInput("a line names its recipient", field="recipient", reason="required")
    r = s.recipients
    found = conn.execute(sa.select(r.c.id, r.c.full_name, r.c.birth_date, r.c.school, r.c.commune).where(
        r.c.org_id == org_id, r.c.match_key == match_key(text)).order_by(r.c.id)).all()
    if not found:
        raise NotFound(f"no recipient is called {text!r}", entity="recipient", id=text)
    if len(found) > 1:
        listed = "; ".join(f"#{x.id} {x.full_name}" + "".join(f", {v}" for v in (
            x.birth_date.strftime("%d/%m/%Y") if x.birth_date else "", x.school, x.commune) if v) for x in found)
        raise Conflict(f"{len(found)} recipients are called {text!r}: {listed}", reason="ambiguous_recipient",
                       field="recipient", name=text, candidates=listed,
                       ids=[x.id for x in found])
    return found[0].id


def resolve_recipient(conn: Connection, org_id: int, value: Any) -> int:
    """A recipient given by id (an int) or as a person types it (:func:`recipient_by_name`): its id."""
    return recipient_by_name(conn, org_id, value) if isinstance(value, str) else recipient_id(conn, org_id, value)


def recipient_id(conn: Connection, org_id: int, rid: Any) -> int:
    r = s.recipients
    if isinstance(rid, bool) or not isinstance(rid, int) or not conn.execute(
            sa.select(r.c.id).where(r.c.id == rid, r.c.org_id == org_id)).first():
        raise NotFound(f"recipient {rid!r} not found", entity="recipient", id=rid)
    return rid


# ------------------------------------------------------------------ programs


def add_program(conn: Connection, org_id: int, *, code: str, name: str, funds: list[str],
                default_amount: Any = None, categories: Any = ()) -> int:
    """A named award programme drawing from ``funds`` (codes of this organization's funds)."""
    code = _text(code, "code", 40)
    if not code:
        raise InvalidInput("a program has a code", field="code", reason="required")
    name = clean_name(name, field="name")
    if not funds:
        raise InvalidInput("a program draws from at least one fund", field="funds", reason="empty")
    fund_ids = [fund_id_by_code(conn, org_id, f) for f in funds]
    amount = parse_amount(default_amount, field="default_amount") if default_amount is not None else None
    if conn.execute(sa.select(s.programs.c.id).where(s.programs.c.org_id == org_id,
                                                     s.programs.c.code == code)).first():
        raise Conflict(f"program {code!r} exists", reason="code_taken")
    pid = conn.execute(s.programs.insert().values(org_id=org_id, code=code, name=name, default_amount=amount,
                                                  categories=_categories(categories),
                                                  created_at=now_iso())).inserted_primary_key[0]
    conn.execute(s.program_funds.insert(), [{"program_id": pid, "fund_id": f} for f in dict.fromkeys(fund_ids)])
    return pid


def _programs(conn: Connection, org_id: int) -> dict[str, tuple[int, set[int], int | None]]:
    p, pf = s.programs, s.program_funds
    out: dict[str, tuple[int, set[int], int | None]] = {}
    rows = conn.execute(sa.select(p.c.id, p.c.code, p.c.default_amount, pf.c.fund_id)
                        .join(pf, pf.c.program_id == p.c.id).where(p.c.org_id == org_id))
    for pid, code, default, fid in rows:
        out.setdefault(code, (pid, set(), default))[1].add(fid)
    return out


# ------------------------------------------------------------------ batches


@dataclass
class LineInput:
    """One award as a face hands it over: the recipient (an id, or text: a name that is one person's, or
    ``#12``), program and fund codes, whole đồng (for an item in kind: its value), and for an item its
    description and quantity; ``earmark``: the id of an earmarked gift it is paid from (the gift must
    name this recipient)."""

    recipient: Any = described("the recipient's id, or their full name when one recipient has it")
    program: str = described(size=40, min_size=1)
    fund: str | None = described("default: the program's only fund", size=40, min_size=1, default=None)
    amount: Any = described("default: the program's amount; for an item, its value", money=True, default=None)
    item_description: str | None = described(size=300, min_size=1, default=None)
    item_quantity: Any = described(money=True, default=None)
    earmark: Any = described("the earmarked gift (donation id) it is paid from", id=True, default=None)
    reason: str = described(size=500, default="")


@dataclass
class BatchState:
    id: int
    title: str
    state: str
    round: int
    prepared_by: str
    reject_reason: str
    decision: str | None
    approved_on: date | None
    lines: int
    open: int
    total: int
    per_fund: dict[str, int] = field(default_factory=dict)


def create_batch(conn: Connection, org_id: int, *, title: str, user: str) -> int:
    title = clean_name(title, field="title")
    return conn.execute(s.batches.insert().values(org_id=org_id, title=title, state="draft", round=0,
                                                  prepared_by=user, created_at=now_iso())).inserted_primary_key[0]


def _batch(conn: Connection, org_id: int, batch_id: int, *, lock: bool = False):
    b = s.batches
    q = sa.select(b).where(b.c.id == batch_id, b.c.org_id == org_id)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update()
    row = conn.execute(q).first()
    if row is None:
        raise NotFound(f"batch {batch_id} not found", entity="batch", id=batch_id)
    return row


def _approved_batch(conn: Connection, org_id: int, batch_id: int, on: date, *, step: str, why: str = ""):
    """Take the organization's turn and lock an approved batch for a line to be ``step`` ("paid",
    "cancelled") on ``on``: refused when the batch is not approved (``why`` ends the message) or ``on`` is
    before its approval."""
    take_turn(conn, org_id)
    batch = _batch(conn, org_id, batch_id, lock=True)
    if batch.state != "approved":
        raise Conflict(f"batch {batch_id} is {batch.state}{why}", reason="not_approved")
    if on < batch.approved_on:
        raise InvalidInput(f"{step} before it was approved", field="date", reason="before_approval")
    return batch


def _earmarked_left(conn: Connection, donation_id: int, *, states: tuple[str, ...] | None = None,
                    exclude_batch: int | None = None) -> int:
    """What an earmarked gift still holds for its recipient: its amount (nothing once the gift is
    reversed) less what was released into the fund (``ledger/earmarks.py``) and the lines drawing on it that
    are not cancelled — of batches in ``states`` only, if
    given, and leaving out ``exclude_batch``'s. Read under the organization's lock (:func:`take_turn`)
    by every step that draws on the gift: adding a line, approving, paying."""
    d, bl, b, t = s.donations, s.batch_lines, s.batches, s.transactions
    gift = conn.execute(sa.select(d.c.amount, d.c.tx_id).where(d.c.id == donation_id)).first()
    if gift is None or conn.execute(sa.select(t.c.id).where(t.c.reverses_id == gift.tx_id)).first():
        return 0
    q = sa.select(sa.func.coalesce(sa.func.sum(bl.c.amount), 0)).where(
        bl.c.earmark_donation_id == donation_id, bl.c.state != "cancelled")
    if states is not None:
        q = q.where(bl.c.batch_id.in_(sa.select(b.c.id).where(b.c.state.in_(states))))
    if exclude_batch is not None:
        q = q.where(bl.c.batch_id != exclude_batch)
    r = s.earmark_releases  # money released into the fund by decision is no longer the recipient's
    gone = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(r.c.amount), 0)).where(r.c.donation_id == donation_id))
    return int(gift.amount) - int(conn.execute(q).scalar()) - int(gone.scalar())


def _check_earmarks(conn: Connection, batch_id: int, line_ids: list[int] | None, *, states: tuple[str, ...],
                    line_states: tuple[str, ...] = ("open",)) -> None:
    """Refuse when the lines of ``batch_id`` (``line_ids``, or every line in ``line_states``) drawing on
    earmarked gifts ask more of a gift than it still holds beside the lines of other batches in
    ``states`` (approval: approved or paid batches; payment: lines already paid)."""
    bl = s.batch_lines
    q = sa.select(bl.c.earmark_donation_id, sa.func.sum(bl.c.amount)).where(
        bl.c.batch_id == batch_id, bl.c.earmark_donation_id.is_not(None))
    q = q.where(bl.c.id.in_(line_ids)) if line_ids is not None else q.where(bl.c.state.in_(line_states))
    for gift, wanted in conn.execute(q.group_by(bl.c.earmark_donation_id)).all():
        left = _earmarked_left(conn, gift, states=states, exclude_batch=batch_id)
        if int(wanted) > left:
            raise InsufficientFunds(f"earmarked gift {gift} holds {max(left, 0)} đ, not {wanted} đ",
                                    reason="above_earmark", donation=gift, spendable=max(left, 0),
                                    shortfall=int(wanted) - max(left, 0), fund="")


def _check_earmarks_paid(conn: Connection, batch_id: int, line_ids: list[int]) -> None:
    """Refuse paying lines that would take an earmarked gift's payments beyond the gift."""
    bl, d, t = s.batch_lines, s.donations, s.transactions
    for gift, wanted in conn.execute(
            sa.select(bl.c.earmark_donation_id, sa.func.sum(bl.c.amount))
            .where(bl.c.id.in_(line_ids), bl.c.earmark_donation_id.is_not(None))
            .group_by(bl.c.earmark_donation_id)).all():
        row = conn.execute(sa.select(d.c.amount, d.c.tx_id).where(d.c.id == gift)).first()
        reversed_ = conn.execute(sa.select(t.c.id).where(t.c.reverses_id == row.tx_id)).first() is not None
        paid = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(bl.c.amount), 0)).where(
            bl.c.earmark_donation_id == gift, bl.c.state == "paid")).scalar()
        left = 0 if reversed_ else int(row.amount) - int(paid)
        if int(wanted) > left:
            raise InsufficientFunds(f"earmarked gift {gift} has {max(left, 0)} đ left to pay, not {wanted} đ",
                                    reason="above_earmark", donation=gift, spendable=max(left, 0),
                                    shortfall=int(wanted) - max(left, 0), fund="")


def check_lines(conn: Connection, org_id: int, lines: list[LineInput],
                known: dict[int, str] | None) -> tuple[list[dict], list[dict]]:
    """Check lines against the organization's programs, funds and earmarked gifts: (the rows to insert,
    every problem as {line, field, reason, message}). ``known``: recipient id → match key (None: the
    recipients are not known yet — an import checks them itself)."""
    programs = _programs(conn, org_id)
    d = s.donations
    funds = dict(conn.execute(sa.select(s.funds.c.code, s.funds.c.id).where(s.funds.c.org_id == org_id)).all())
    problems: list[dict] = []
    rows: list[dict] = []
    earmark_use: dict[int, int] = defaultdict(int)
    for i, ln in enumerate(lines, start=1):
        def bad(field_: str, reason: str, message: str, i=i) -> None:
            problems.append({"line": i, "field": field_, "reason": reason, "message": message})

        rid = ln.recipient if known is not None and ln.recipient in known else None
        if rid is None and known is not None:
            bad("recipient", "not_found", f"recipient {ln.recipient!r} not found")
        prog = programs.get(ln.program) if isinstance(ln.program, str) else None
        if prog is None:
            bad("program", "not_found", f"program {ln.program!r} not found")
        fund_code = ln.fund
        if fund_code is None and prog and len(prog[1]) == 1:
            fund_id = next(iter(prog[1]))
        elif fund_code is None and prog is None:
            fund_id = None  # the program is what is wrong
        else:
            fund_id = funds.get(fund_code) if isinstance(fund_code, str) else None
            if fund_id is None:
                bad("fund", "not_found", f"fund {fund_code!r} is not a fund of this organization")
            elif prog and fund_id not in prog[1]:
                bad("fund", "not_in_program", f"program {ln.program} does not draw from fund {fund_code}")
        amount = ln.amount if ln.amount is not None else (prog[2] if prog else None)
        if amount is None and prog is None:
            pass  # the program is what is wrong
        elif amount is None:
            bad("amount", "required", f"program {ln.program} has no default amount: give one")
        else:
            try:
                amount = parse_amount(amount)
            except InvalidInput as err:
                bad("amount", err.params.get("reason", "invalid"), err.message)
                amount = None
        desc = _text(ln.item_description, "item_description", 300) or None
        qty = None
        if desc:
            try:
                qty = parse_amount(ln.item_quantity, field="item_quantity")
            except InvalidInput as err:
                bad("item_quantity", err.params.get("reason", "invalid"), err.message)
        elif ln.item_quantity is not None:
            bad("item_description", "required", "an item's quantity needs its description")
        earmark = None
        if ln.earmark is not None:
            gift = conn.execute(sa.select(d.c.id, d.c.earmark, d.c.fund_id, d.c.amount).where(
                d.c.id == ln.earmark, d.c.org_id == org_id)).first() if isinstance(ln.earmark, int) else None
            if gift is None or not gift.earmark:
                bad("earmark", "not_found", f"{ln.earmark!r} is not an earmarked gift of this organization")
            elif desc:
                bad("earmark", "in_kind", "an item in kind is not paid from an earmarked gift")
            elif rid is not None and known[rid] not in match_key(gift.earmark):
                bad("earmark", "other_recipient", "the earmarked gift names another recipient")
            elif fund_id is not None and gift.fund_id != fund_id:
                bad("earmark", "other_fund", "the earmarked gift was given to another fund")
            elif amount is not None:
                earmark_use[gift.id] += amount
                if earmark_use[gift.id] > _earmarked_left(conn, gift.id):
                    bad("amount", "above_earmark", "more than the earmarked gift still holds")
                earmark = gift.id
        if len(_text(ln.reason, "reason", 500)) != len(ln.reason or "") and len(ln.reason or "") > 500:
            bad("reason", "too_long", "reason is longer than 500 characters")
        rows.append({"recipient_id": rid, "program_id": prog[0] if prog else None, "fund_id": fund_id,
                     "amount": amount, "item_description": desc, "item_quantity": qty,
                     "earmark_donation_id": earmark, "reason": _text(ln.reason, "reason", 500)[:500]})
    return rows, problems


def _recipients_by_name(conn: Connection, org_id: int, lines: list[LineInput]) -> tuple[list[LineInput], dict]:
    """The lines with each recipient given as text (a name, ``#12``) replaced by its id, and the problems
    of those that name nobody or several people ({line: problem}; ``candidates`` lists the several)."""
    out, problems = [], {}
    for i, ln in enumerate(lines, start=1):
        if isinstance(ln.recipient, str):
            try:
                ln = replace(ln, recipient=recipient_by_name(conn, org_id, ln.recipient))
            except Conflict as err:
                problems[i] = {"line": i, "field": "recipient", "reason": "ambiguous_recipient",
                               "message": err.message, "candidates": err.params["candidates"],
                               "ids": err.params["ids"]}
            except (NotFound, InvalidInput) as err:
                problems[i] = {"line": i, "field": "recipient", "reason": "not_found", "message": err.message}
        out.append(ln)
    return out, problems


def add_lines(conn: Connection, org_id: int, batch_id: int, lines: list[LineInput], *, user: str) -> dict:
    """Add lines to a draft batch, all or none: every bad line is reported (``InvalidInput`` with
    ``rows``: [{line, field, reason}]). Returns the new line ids and the recipients now twice in the batch."""
    take_turn(conn, org_id)  # an earmarked gift's remainder is read and taken under the organization's lock
    batch = _batch(conn, org_id, batch_id, lock=True)
    if batch.state != "draft":
        raise Conflict(f"batch {batch_id} is {batch.state}: only a draft takes lines", reason="not_draft")
    r = s.recipients
    lines, named = _recipients_by_name(conn, org_id, lines)
    wanted = {ln.recipient for ln in lines if isinstance(ln.recipient, int) and not isinstance(ln.recipient, bool)}
    known = {row.id: row.match_key for row in conn.execute(
        sa.select(r.c.id, r.c.match_key).where(r.c.org_id == org_id, r.c.id.in_(wanted)))} if wanted else {}
    rows, problems = check_lines(conn, org_id, lines, known)
    problems = sorted([p for p in problems if not (p["field"] == "recipient" and p["line"] in named)]
                      + list(named.values()), key=lambda p: p["line"])
    if problems:
        raise InvalidInput(f"{len(problems)} problems in {len(lines)} lines", field="lines",
                           reason="bad_lines", rows=problems)
    bl = s.batch_lines
    start = conn.execute(sa.select(sa.func.coalesce(sa.func.max(bl.c.line_no), 0)).where(
        bl.c.batch_id == batch_id)).scalar()
    values = [{"batch_id": batch_id, "line_no": start + i, "state": "open", **row} for i, row in enumerate(rows, 1)]
    if values:
        conn.execute(bl.insert(), values)
    twice = [rid for rid, n in conn.execute(
        sa.select(bl.c.recipient_id, sa.func.count()).where(bl.c.batch_id == batch_id, bl.c.state != "cancelled")
        .group_by(bl.c.recipient_id).having(sa.func.count() > 1)).all()]
    return {"batch_id": batch_id, "added": len(values), "recipients_twice": sorted(twice)}


def remove_line(conn: Connection, org_id: int, batch_id: int, line_no: int) -> None:
    """Take a line out of a draft (nothing was booked for it)."""
    batch = _batch(conn, org_id, batch_id, lock=True)
    if batch.state != "draft":
        raise Conflict("only a draft's lines can be removed; cancel an approved line", reason="not_draft")
    bl = s.batch_lines
    if not conn.execute(bl.delete().where(bl.c.batch_id == batch_id, bl.c.line_no == line_no)).rowcount:
        raise NotFound(f"line {line_no} not found", entity="batch_line", id=line_no)


def submit(conn: Connection, org_id: int, batch_id: int, *, user: str) -> dict:
    """Send a draft to the council (a new round of votes)."""
    batch = _batch(conn, org_id, batch_id, lock=True)
    if batch.state != "draft":
        raise Conflict(f"batch {batch_id} is {batch.state}", reason="not_draft")
    bl = s.batch_lines
    if not conn.execute(sa.select(bl.c.id).where(bl.c.batch_id == batch_id).limit(1)).first():
        raise InvalidInput("an empty batch cannot be submitted", field="lines", reason="empty")
    conn.execute(s.batches.update().where(s.batches.c.id == batch_id).values(
        state="submitted", round=batch.round + 1, submitted_at=now_iso(), reject_reason=""))
    return {"id": batch_id, "state": "submitted", "round": batch.round + 1}


def council_size(conn: Connection, org_id: int) -> int:
    m = s.memberships
    return conn.execute(sa.select(sa.func.count()).where(m.c.org_id == org_id, m.c.role == "council")).scalar()


def eligible_voters(conn: Connection, org_id: int, prepared_by: str) -> int:
    """The council members who may vote on a batch prepared by ``prepared_by``: all of them but its preparer."""
    m, u = s.memberships, s.users
    return conn.execute(sa.select(sa.func.count()).select_from(m.join(u, u.c.id == m.c.user_id)).where(
        m.c.org_id == org_id, m.c.role == "council", u.c.login != prepared_by)).scalar()


def default_quorum(voters: int) -> int:
    """A majority of those who may vote, and at least one approval."""
    return voters // 2 + 1


def quorum(conn: Connection, org_id: int, batch_id: int) -> int:
    """Approvals the batch needs: the largest quorum of the funds it draws on; a fund without its own
    needs a majority of the council members who may vote on it (its preparer never does: a council of
    two, one of whom prepared the batch, needs the other's approval alone)."""
    bl, f = s.batch_lines, s.funds
    set_ = [q for (q,) in conn.execute(sa.select(f.c.quorum).join(bl, bl.c.fund_id == f.c.id)
                                       .where(bl.c.batch_id == batch_id).distinct())]
    majority = default_quorum(eligible_voters(conn, org_id, _batch(conn, org_id, batch_id).prepared_by))
    return max([q if q is not None else majority for q in set_] or [majority])


def _is_council(conn: Connection, org_id: int, login: str) -> bool:
    m, u = s.memberships, s.users
    return conn.execute(sa.select(m.c.user_id).join(u, u.c.id == m.c.user_id).where(
        u.c.login == login, m.c.org_id == org_id, m.c.role == "council")).first() is not None


def vote(conn: Connection, org_id: int, batch_id: int, *, member: str, approve: bool, comment: str = "",
         on: Any = None) -> dict:
    """A council member's vote on a submitted batch. The preparer never votes; only the organization's
    council members do; a member's second vote in a round changes nothing. A rejection sends the batch
    back to draft with its reason; the approval that reaches the quorum approves it (see the module):
    if the money is not there the whole vote fails and nothing is written."""
    take_turn(conn, org_id)  # approvals book against the funds' spendable balances: one writer at a time
    batch = _batch(conn, org_id, batch_id, lock=True)
    if member == batch.prepared_by:
        raise NotAllowed("the preparer of a batch cannot vote on it", reason="preparer_cannot_approve")
    if not _is_council(conn, org_id, member):
        raise NotAllowed("only the fund council votes on batches", reason="not_council")
    if batch.state != "submitted":
        raise Conflict(f"batch {batch_id} is {batch.state}, not waiting for the council", reason="not_submitted")
    comment = _text(comment, "comment", 1000)
    if not approve and not comment:
        raise InvalidInput("a rejection gives its reason", field="comment", reason="required")
    v = s.batch_votes
    if conn.execute(sa.select(v.c.id).where(v.c.batch_id == batch_id, v.c.round == batch.round,
                                            v.c.member == member)).first():
        return {"id": batch_id, "state": batch.state, "counted": False, **tally(conn, org_id, batch_id, batch.round)}
    conn.execute(v.insert().values(batch_id=batch_id, round=batch.round, member=member,
                                   vote="approve" if approve else "reject", comment=comment, at=now_iso()))
    if not approve:
        conn.execute(s.batches.update().where(s.batches.c.id == batch_id).values(state="draft",
                                                                                reject_reason=comment))
        return {"id": batch_id, "state": "draft", "counted": True, **tally(conn, org_id, batch_id, batch.round)}
    count = tally(conn, org_id, batch_id, batch.round)
    if count["approvals"] < count["quorum"]:
        return {"id": batch_id, "state": "submitted", "counted": True, **count}
    result = _approve(conn, org_id, batch_id, on=business_date(on) if on else today(), user=member)
    return {"id": batch_id, "state": "approved", "counted": True, **count, **result}


def tally(conn: Connection, org_id: int, batch_id: int, round_: int) -> dict:
    """A round's approvals so far and the quorum the batch needs."""
    v = s.batch_votes
    approvals = conn.execute(sa.select(sa.func.count()).where(v.c.batch_id == batch_id, v.c.round == round_,
                                                              v.c.vote == "approve")).scalar()
    return {"approvals": approvals, "quorum": quorum(conn, org_id, batch_id)}


def _approve(conn: Connection, org_id: int, batch_id: int, *, on: date, user: str) -> dict:
    bl, f = s.batch_lines, s.funds
    lines = conn.execute(sa.select(bl.c.id, bl.c.fund_id, bl.c.amount, bl.c.item_description,
                                   bl.c.earmark_donation_id).where(bl.c.batch_id == batch_id, bl.c.state == "open")
                         .order_by(bl.c.line_no)).all()
    award = account_id_by_role(conn, org_id, "award_expense")
    payable = account_id_by_role(conn, org_id, "awards_payable")
    goods = account_id_by_role(conn, org_id, "goods")
    sums: dict[tuple[int, int], int] = defaultdict(int)
    in_kind: dict[int, int] = defaultdict(int)
    for ln in lines:
        if ln.item_description:
            in_kind[ln.fund_id] += ln.amount  # handed over later, from the goods the fund holds
            continue
        if ln.earmark_donation_id:
            continue  # held apart on 3381 already, and held for this line by the line itself
        sums[(award, ln.fund_id)] += ln.amount
    codes = dict(conn.execute(sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id)).all())
    # what earmarked gifts still hold, again: beside the batches approved since these lines were added
    _check_earmarks(conn, batch_id, None, states=("approved", "closed"))
    if in_kind:
        held = {f: v for (_a, f), v in balances.cached(conn, account_ids=[goods], fund_ids=in_kind).items()}
        for fid, value in in_kind.items():
            if held.get(fid, 0) < value:
                raise InsufficientFunds(f"fund {codes[fid]} holds {held.get(fid, 0)} đ of goods, not {value} đ",
                                        fund=codes[fid], spendable=held.get(fid, 0), shortfall=value - held.get(fid, 0))
    (decision,) = documents.issue(conn, org_id, "decision", [(on, None, None)], user=user)
    entry_lines = tuple(ln for (acct, fid), amount in sorted(sums.items())
                        for ln in (Line(acct, fid, amount), Line(payable, fid, -amount)))
    tx_id = None  # a batch of items in kind only books nothing until they are handed over
    if entry_lines:
        tx_id = post(conn, org_id, [Entry(on, f"Duyệt danh sách chi theo quyết định {decision.label}", entry_lines,
                                          doc_ref=decision.label, source="batch_approval")], user=user)[0].tx_id
    conn.execute(s.batches.update().where(s.batches.c.id == batch_id).values(
        state="approved", decision_doc_id=decision.id, approved_on=on, approved_tx_id=tx_id))
    return {"decision": decision.label, "tx_id": tx_id}


def pay(conn: Connection, org_id: int, batch_id: int, *, line_nos: list[int] | None = None, method: str = "cash",
        bank_account: str | None = None, on: Any = None, user: str) -> dict:
    """Pay open lines of an approved batch (``line_nos``, or all): each its own entry and voucher
    (``PC``): 3388 → cash or the bank account; an item in kind is handed over from the fund's goods.
    The batch closes when no line is open."""
    if method not in METHODS:
        raise InvalidInput("paid in cash or by bank transfer", field="method", reason="unknown_kind")
    on = business_date(on) if on else today()
    batch = _approved_batch(conn, org_id, batch_id, on, step="paid", why=": only an approved batch is paid")
    bl = s.batch_lines
    q = sa.select(bl.c.id, bl.c.line_no, bl.c.fund_id, bl.c.amount, bl.c.item_description, bl.c.state,
                  bl.c.recipient_id, bl.c.earmark_donation_id).where(bl.c.batch_id == batch_id).order_by(bl.c.line_no)
    rows = conn.execute(q).all()
    by_no = {r.line_no: r for r in rows}
    if line_nos is None:
        todo = [r for r in rows if r.state == "open"]
    else:
        missing = [n for n in line_nos if n not in by_no]
        if missing:
            raise NotFound(f"lines {missing} not in batch {batch_id}", entity="batch_line", id=missing[0])
        done = [n for n in line_nos if by_no[n].state != "open"]
        if done:
            raise Conflict(f"lines {done} are already paid or cancelled", reason="line_not_open")
        todo = [by_no[n] for n in dict.fromkeys(line_nos)]
    if not todo:
        raise Conflict("no open line to pay", reason="nothing_open")
    if method == "transfer":
        if not bank_account:
            raise InvalidInput("a transfer names the bank account it leaves", field="bank_account", reason="required")
        bank = account_by_code(conn, org_id, bank_account)
        if bank.role != "bank":
            raise InvalidInput(f"{bank_account} is not a bank account", field="bank_account", reason="not_bank")
        source = bank.id
    else:
        source = account_id_by_role(conn, org_id, "cash")
    payable = account_id_by_role(conn, org_id, "awards_payable")
    held_for = _earmarked_lines_account(conn, org_id, batch.approved_tx_id)
    award = account_id_by_role(conn, org_id, "award_expense")
    goods = account_id_by_role(conn, org_id, "goods")
    kind_needs: dict[int, int] = defaultdict(int)
    for r in todo:
        if r.item_description:
            kind_needs[r.fund_id] += r.amount
    if kind_needs:  # goods approved for two batches are handed over once
        held = {f: v for (_a, f), v in balances.cached(conn, account_ids=[goods], fund_ids=kind_needs).items()}
        for fid, value in kind_needs.items():
            if held.get(fid, 0) < value:
                raise InsufficientFunds(f"the fund holds {held.get(fid, 0)} đ of goods, not {value} đ",
                                        spendable=held.get(fid, 0), shortfall=value - held.get(fid, 0))
    # and once more at payment: a gift is never paid out beyond itself, whatever was approved
    _check_earmarks_paid(conn, batch_id, [r.id for r in todo])
    vouchers = documents.issue(conn, org_id, "voucher", [(on, None, None)] * len(todo), user=user)
    names = dict(conn.execute(sa.select(s.recipients.c.id, s.recipients.c.full_name).where(
        s.recipients.c.id.in_({r.recipient_id for r in todo}))).all())
    entries = []
    for r, v in zip(todo, vouchers, strict=True):
        if r.item_description:
            lines = (Line(award, r.fund_id, r.amount), Line(goods, r.fund_id, -r.amount))
            what = f"Trao {r.item_description} cho {names[r.recipient_id]}"
        else:
            lines = (Line(held_for if r.earmark_donation_id else payable, r.fund_id, r.amount),
                     Line(source, r.fund_id, -r.amount))
            what = f"Chi trả {names[r.recipient_id]} theo quyết định (dòng {r.line_no})"
        entries.append(Entry(on, what, lines, doc_ref=v.label, source="batch_payment"))
    posted = post(conn, org_id, entries, user=user)
    conn.execute(bl.update().where(bl.c.id == sa.bindparam("line_id")).values(
        state="paid", method=method, paid_on=on, paid_tx_id=sa.bindparam("tx"), voucher_doc_id=sa.bindparam("doc")),
        [{"line_id": r.id, "tx": p.tx_id, "doc": v.id} for r, v, p in zip(todo, vouchers, posted, strict=True)])
    closed = _close_if_done(conn, batch_id)
    return {"id": batch_id, "paid": len(todo), "amount": sum(r.amount for r in todo),
            "vouchers": [v.label for v in vouchers], "closed": closed}


def cancel(conn: Connection, org_id: int, batch_id: int, line_no: int, *, reason: str, on: Any = None,
           user: str) -> dict:
    """Cancel an unpaid line of an approved batch with a reason, releasing its reservation."""
    reason = _text(reason, "reason", 500)
    if not reason:
        raise InvalidInput("a cancellation gives its reason", field="reason", reason="required")
    on = business_date(on) if on else today()
    batch = _approved_batch(conn, org_id, batch_id, on, step="cancelled")
    bl = s.batch_lines
    ln = conn.execute(sa.select(bl).where(bl.c.batch_id == batch_id, bl.c.line_no == line_no)).first()
    if ln is None:
        raise NotFound(f"line {line_no} not found", entity="batch_line", id=line_no)
    if ln.state != "open":
        raise Conflict(f"line {line_no} is {ln.state}", reason="line_not_open")
    tx_id = None
    payable = account_id_by_role(conn, org_id, "awards_payable")
    earmarked_through = _earmarked_lines_account(conn, org_id, batch.approved_tx_id) if ln.earmark_donation_id else None
    if not ln.item_description and earmarked_through != account_id_by_role(conn, org_id, "earmarked_payable"):
        # an award releases its reservation; an earmarked line approved under the old rule goes back to 3381
        back = account_id_by_role(conn, org_id, "earmarked_payable" if ln.earmark_donation_id else "award_expense")
        tx_id = post(conn, org_id, [Entry(on, f"Hủy dòng {line_no} của danh sách chi: {reason}",
                                          (Line(payable, ln.fund_id, ln.amount), Line(back, ln.fund_id, -ln.amount)),
                                          doc_ref=f"batch:{batch_id}", source="batch_cancel")], user=user)[0].tx_id
    conn.execute(bl.update().where(bl.c.id == ln.id).values(state="cancelled", cancel_reason=reason,
                                                            cancel_tx_id=tx_id))
    return {"id": batch_id, "line": line_no, "released": 0 if ln.item_description else ln.amount,
            "closed": _close_if_done(conn, batch_id)}


def _earmarked_lines_account(conn: Connection, org_id: int, approved_tx_id: int | None) -> int:
    """The account an approved batch's earmarked lines are paid from: 3381 itself, unless the batch was
    approved under the earlier rule, whose approval entry moved them to 3388 (then 3388)."""
    earmarked = account_id_by_role(conn, org_id, "earmarked_payable")
    if approved_tx_id is not None and conn.execute(
            sa.select(s.postings.c.id).where(s.postings.c.tx_id == approved_tx_id,
                                             s.postings.c.account_id == earmarked).limit(1)).first():
        return account_id_by_role(conn, org_id, "awards_payable")
    return earmarked


def _close_if_done(conn: Connection, batch_id: int) -> bool:
    bl = s.batch_lines
    if conn.execute(sa.select(bl.c.id).where(bl.c.batch_id == batch_id, bl.c.state == "open").limit(1)).first():
        return False
    conn.execute(s.batches.update().where(s.batches.c.id == batch_id).values(state="closed"))
    return True


def batch_state(conn: Connection, org_id: int, batch_id: int) -> BatchState:
    b = _batch(conn, org_id, batch_id)
    bl, f = s.batch_lines, s.funds
    per_fund: dict[str, int] = {}
    lines = open_ = total = 0
    for code, state, amount in conn.execute(sa.select(f.c.code, bl.c.state, bl.c.amount)
                                            .join(f, f.c.id == bl.c.fund_id).where(bl.c.batch_id == batch_id)):
        lines += 1
        if state != "cancelled":
            total += amount
            per_fund[code] = per_fund.get(code, 0) + amount
        open_ += state == "open"
    decision = None
    if b.decision_doc_id:
        d = s.documents
        row = conn.execute(sa.select(d.c.series, d.c.year, d.c.number).where(d.c.id == b.decision_doc_id)).one()
        decision = documents.format_number(*row)
    return BatchState(b.id, b.title, b.state, b.round, b.prepared_by, b.reject_reason, decision, b.approved_on,
                      lines, open_, total, per_fund)


def set_quorum(conn: Connection, org_id: int, fund: str, approvals: int | None) -> None:
    """How many council approvals a batch drawing on ``fund`` needs (None: a majority of the council)."""
    if approvals is not None and (isinstance(approvals, bool) or not isinstance(approvals, int) or approvals < 1):
        raise InvalidInput("a quorum is at least one approval", field="quorum", reason="not_positive")
    conn.execute(s.funds.update().where(s.funds.c.id == fund_id_by_code(conn, org_id, fund)).values(quorum=approvals))


# ------------------------------------------------------------------ importing a list


#: The columns of a batch list (English or Vietnamese, as the associations write them).
LIST_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "họ và tên", "họ tên", "ho ten", "tên học sinh"),
    "birth_date": ("birth_date", "ngày sinh", "ngay sinh"),
    "gender": ("gender", "giới tính"),
    "school": ("school", "trường"),
    "grade": ("grade", "lớp"),
    "commune": ("commune", "xã", "địa chỉ"),
    "guardian": ("guardian", "phụ huynh", "người giám hộ"),
    "phone": ("phone", "điện thoại", "sđt"),
    "bank_name": ("bank_name", "ngân hàng"),
    "bank_account_no": ("bank_account_no", "số tài khoản"),
    "categories": ("categories", "đối tượng"),
    "program": ("program", "chương trình"),
    "fund": ("fund", "quỹ"),
    "amount": ("amount", "số tiền", "giá trị"),
    "item": ("item", "hiện vật"),
    "quantity": ("quantity", "số lượng"),
    "reason": ("reason", "lý do", "ghi chú"),
}
_LIST_ALIASES = {a.casefold(): k for k, names in LIST_COLUMNS.items() for a in names}
_GENDERS = {"": "", "nam": "nam", "nữ": "nu", "nu": "nu"}


def import_lines(conn: Connection, org_id: int, batch_id: int, path, *, user: str) -> dict:
    """Add a file's lines (CSV or XLSX) to a draft batch, all or nothing: every bad row is reported
    (``ImportFailed`` with ``errors``: [{row, column, reason}]). A recipient is the one already known by
    the same name and date of birth, else a new one. Returns the lines added, the recipients created and
    the rows whose recipient is in the batch more than once."""
    rows = read_rows(Path(path), _LIST_ALIASES, required=("name", "program"))
    r = s.recipients
    known: dict[tuple[str, date | None], list[int]] = defaultdict(list)
    for rid, key, born in conn.execute(sa.select(r.c.id, r.c.match_key, r.c.birth_date).where(r.c.org_id == org_id)):
        known[(key, born)].append(rid)
    errors: list[dict] = []
    new: dict[tuple[str, date | None], dict] = {}
    plan: list[tuple[int, tuple[str, date | None], LineInput]] = []
    for n, row in rows:
        def err(column: str, reason: str, why: str = "", n=n) -> None:
            errors.append({"row": n, "column": column, "reason": reason, "why": why})

        try:
            born_raw = row.get("birth_date")
            born = born_raw.date() if hasattr(born_raw, "date") and callable(born_raw.date) else born_raw
            values = _recipient_values(RecipientInput(
                full_name=cell_text(row.get("name")), birth_date=born if born not in ("", None) else None,
                gender=_GENDERS.get(cell_text(row.get("gender")).casefold(), "?"), school=cell_text(row.get("school")),
                grade=cell_text(row.get("grade")), commune=cell_text(row.get("commune")),
                guardian=cell_text(row.get("guardian")), phone=cell_text(row.get("phone")),
                bank_name=cell_text(row.get("bank_name")), bank_account_no=cell_text(row.get("bank_account_no")),
                categories=cell_text(row.get("categories"))))
        except InvalidInput as e:
            err(e.params.get("field", "name"), e.message, e.params.get("reason", ""))
            continue
        amount = row.get("amount")
        try:
            amount = parse_amount_text(amount, field="amount") if amount not in (None, "") else None
            qty = row.get("quantity")
            qty = parse_amount_text(qty, field="quantity") if qty not in (None, "") else None
        except InvalidInput as e:
            err(e.params.get("field", "amount"), e.message, e.params.get("reason", ""))
            continue
        key = (values["match_key"], values["birth_date"])
        if len(known.get(key, [])) > 1:
            err("name", "two recipients have this name and date of birth: add the line by hand")
            continue
        if key not in known:
            new.setdefault(key, values)
        plan.append((n, key, LineInput(recipient=None, program=cell_text(row.get("program")),
                                       fund=cell_text(row.get("fund")) or None, amount=amount,
                                       item_description=cell_text(row.get("item")) or None, item_quantity=qty,
                                       reason=cell_text(row.get("reason")))))
    _rows, problems = check_lines(conn, org_id, [ln for _n, _k, ln in plan], None)
    errors += [{"row": plan[p["line"] - 1][0], "column": p["field"], "reason": p["message"], "why": p["reason"]}
               for p in problems]
    if errors:
        errors.sort(key=lambda e: e["row"])
        raise ImportFailed(f"{len(errors)} problems in the file", errors=errors)
    if new:
        now = now_iso()
        conn.execute(r.insert(), [{"org_id": org_id, "created_by": user, "created_at": now, **v}
                                  for v in new.values()])
        for rid, key, born in conn.execute(sa.select(r.c.id, r.c.match_key, r.c.birth_date).where(
                r.c.org_id == org_id, r.c.match_key.in_({k for k, _ in new}))):
            if (key, born) in new and rid not in known[(key, born)]:
                known[(key, born)].append(rid)
    lines = []
    for _n, key, ln in plan:
        ln.recipient = known[key][0]
        lines.append(ln)
    try:
        added = add_lines(conn, org_id, batch_id, lines, user=user)
    except InvalidInput as e:
        if e.params.get("reason") != "bad_lines":
            raise
        by_line = {i: n for i, (n, _k, _l) in enumerate(plan, start=1)}
        raise ImportFailed(f"{len(e.params['rows'])} problems in the file", errors=[
            {"row": by_line[p["line"]], "column": p["field"], "reason": p["message"], "why": p["reason"]}
            for p in e.params["rows"]]) from None
    twice_ids = set(added["recipients_twice"])
    return {"batch_id": batch_id, "added": added["added"], "recipients_created": len(new),
            "recipients_twice": sorted(n for n, key, _l in plan if known[key][0] in twice_ids)}


# ------------------------------------------------------------------ reports


@dataclass(frozen=True)
class AwardRow:
    program: str
    program_name: str
    count: int = described("awards (lượt)")  # "lượt": one per award paid or handed over
    amount: int
    cash_count: int
    cash_amount: int
    in_kind_count: int
    in_kind_amount: int


def awards(conn: Connection, org_id: int, start: date, end: date) -> list[AwardRow]:
    """Awards paid or handed over from ``start`` to ``end`` (both included), per program: how many
    ("lượt") and how much, money and in kind — the shape the half-year reports quote."""
    if end < start:
        raise InvalidInput("the period ends before it starts", field="to", reason="bad_period")
    bl, b, p = s.batch_lines, s.batches, s.programs
    kind = sa.case((bl.c.item_description.is_(None), "cash"), else_="in_kind")
    q = (sa.select(p.c.code, p.c.name, kind.label("k"), sa.func.count(), sa.func.sum(bl.c.amount))
         .join(b, b.c.id == bl.c.batch_id).join(p, p.c.id == bl.c.program_id)
         .where(b.c.org_id == org_id, bl.c.state == "paid", bl.c.paid_on >= start, bl.c.paid_on <= end)
         .group_by(p.c.code, p.c.name, kind).order_by(p.c.code))
    per: dict[str, dict] = {}
    for code, name, k, count, amount in conn.execute(q):
        row = per.setdefault(code, {"program": code, "program_name": name, "cash_count": 0, "cash_amount": 0,
                                    "in_kind_count": 0, "in_kind_amount": 0})
        row[f"{k}_count"] += count
        row[f"{k}_amount"] += int(amount)
    return [AwardRow(count=r["cash_count"] + r["in_kind_count"], amount=r["cash_amount"] + r["in_kind_amount"], **r)
            for r in per.values()]


@dataclass(frozen=True)
class RegisterBatch:
    id: int
    title: str
    state: str = described("draft, submitted, approved or closed")
    prepared_by: str
    decision: str | None
    approved_on: date | None
    lines: int
    total: int
    paid: int
    cancelled: int
    # (member, vote, at, comment) of the deciding round
    votes: tuple[tuple[str, str, str, str], ...] = described("of the last round")


def register(conn: Connection, org_id: int, *, state: str | None = None) -> list[RegisterBatch]:
    """Every batch, newest first, with its decision, totals and the votes of its last round."""
    b, bl, v, d = s.batches, s.batch_lines, s.batch_votes, s.documents
    q = (sa.select(b.c.id, b.c.title, b.c.state, b.c.prepared_by, b.c.round, b.c.approved_on, d.c.series, d.c.year,
                   d.c.number).outerjoin(d, d.c.id == b.c.decision_doc_id).where(b.c.org_id == org_id)
         .order_by(b.c.id.desc()))
    if state:
        q = q.where(b.c.state == state)
    batches = conn.execute(q).all()
    if not batches:
        return []
    ids = [x.id for x in batches]
    sums: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for bid, st_, n, amount in conn.execute(sa.select(bl.c.batch_id, bl.c.state, sa.func.count(),
                                                      sa.func.sum(bl.c.amount))
                                            .where(bl.c.batch_id.in_(ids)).group_by(bl.c.batch_id, bl.c.state)):
        sums[bid][st_] = (n, int(amount))
    votes: dict[tuple[int, int], list] = defaultdict(list)
    for bid, rnd, member, vote_, at, comment in conn.execute(
            sa.select(v.c.batch_id, v.c.round, v.c.member, v.c.vote, v.c.at, v.c.comment)
            .where(v.c.batch_id.in_(ids)).order_by(v.c.id)):
        votes[(bid, rnd)].append((member, vote_, at, comment))
    out = []
    for x in batches:
        st_ = sums[x.id]
        out.append(RegisterBatch(
            x.id, x.title, x.state, x.prepared_by,
            documents.format_number(x.series, x.year, x.number) if x.series else None, x.approved_on,
            sum(n for n, _a in st_.values()), sum(a for k, (_n, a) in st_.items() if k != "cancelled"),
            st_.get("paid", (0, 0))[1], st_.get("cancelled", (0, 0))[1], tuple(votes[(x.id, x.round)])))
    return out


@dataclass(frozen=True)
class Reservation:
    fund: str
    fund_name: str
    reserved: int  # the credit on 3388 for the fund
    lines: int  # open lines of approved batches
    batches: int


def reservations(conn: Connection, org_id: int) -> list[Reservation]:
    """What approved, unpaid awards hold per fund, from the books (3388) with the lines behind it."""
    f, bl, b = s.funds, s.batch_lines, s.batches
    payable = account_id_by_role(conn, org_id, "awards_payable")
    held = {fid: v for (_a, fid), v in balances.cached(conn, account_ids=[payable]).items()}
    open_ = {fid: (n, nb) for fid, n, nb in conn.execute(
        sa.select(bl.c.fund_id, sa.func.count(), sa.func.count(sa.distinct(bl.c.batch_id)))
        .join(b, b.c.id == bl.c.batch_id)
        .where(b.c.org_id == org_id, b.c.state == "approved", bl.c.state == "open", bl.c.item_description.is_(None),
               bl.c.earmark_donation_id.is_(None))
        .group_by(bl.c.fund_id))}
    return [Reservation(code, name, -held.get(fid, 0), *open_.get(fid, (0, 0)))
            for fid, code, name in conn.execute(sa.select(f.c.id, f.c.code, f.c.name).where(f.c.org_id == org_id)
                                                .order_by(f.c.id))]


@dataclass(frozen=True)
class BatchLine:
    line_no: int
    recipient_id: int
    recipient: str
    birth_date: date | None
    school: str
    grade: str
    program: str
    fund: str
    amount: int
    item_description: str | None
    item_quantity: int | None
    reason: str
    state: str = described("open, paid or cancelled")
    method: str | None
    paid_on: date | None
    voucher: str | None
    cancel_reason: str


def lines_of(conn: Connection, org_id: int, batch_id: int) -> list[BatchLine]:
    """A batch's lines in order, with who, what, from which fund, and how each ended."""
    _batch(conn, org_id, batch_id)
    bl, r, p, f, d = s.batch_lines, s.recipients, s.programs, s.funds, s.documents
    q = (sa.select(bl.c.line_no, r.c.id, r.c.full_name, r.c.birth_date, r.c.school, r.c.grade, p.c.code, f.c.code,
                   bl.c.amount, bl.c.item_description, bl.c.item_quantity, bl.c.reason, bl.c.state, bl.c.method,
                   bl.c.paid_on, d.c.series, d.c.year, d.c.number, bl.c.cancel_reason)
         .join(r, r.c.id == bl.c.recipient_id).join(p, p.c.id == bl.c.program_id).join(f, f.c.id == bl.c.fund_id)
         .outerjoin(d, d.c.id == bl.c.voucher_doc_id).where(bl.c.batch_id == batch_id).order_by(bl.c.line_no))
    return [BatchLine(*x[:15], documents.format_number(x[15], x[16], x[17]) if x[15] else None, x[18])
            for x in conn.execute(q)]


def programs_list(conn: Connection, org_id: int) -> list[dict]:
    p, pf, f = s.programs, s.program_funds, s.funds
    funds: dict[int, list[str]] = defaultdict(list)
    for pid, code in conn.execute(sa.select(pf.c.program_id, f.c.code).join(f, f.c.id == pf.c.fund_id)
                                  .where(f.c.org_id == org_id).order_by(f.c.id)):
        funds[pid].append(code)
    return [{"code": x.code, "name": x.name, "default_amount": x.default_amount, "funds": funds[x.id],
             "categories": [c for c in x.categories.split(",") if c]}
            for x in conn.execute(sa.select(p).where(p.c.org_id == org_id).order_by(p.c.code))]
