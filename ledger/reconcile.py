"""Booking a confirmed match of a bank statement line (``ledger/matching.py`` only proposes).

A person confirms what a line is, or accepts its proposal; :func:`confirm` books it and writes the
match (``bank_matches``, append-only) in the caller's unit of work — one database transaction:

- **pledge** — a payment of the pledge for the line's amount on the line's date, by transfer into the
  line's bank account, with its receipt (:func:`ledger.donations.pay_pledge`);
- **entry** — a transfer donation or a transfer payout already recorded by hand: nothing is posted, the
  entry is now matched (and no longer proposed for another line); it must move the bank account by
  exactly the line's amount;
- **donor** — a transfer donation from the donor a person chose, into the chosen fund, with its receipt
  (:func:`ledger.donations.record_donation`);
- **interest** — the deposit's interest entry already booked into this bank account for that amount
  (settled or paid monthly); if none is booked yet, the line is refused with that said;
- **suspense** — money nobody has identified yet: bank account against the
  suspense account ("tiền chờ xác định", :data:`SUSPENSE_CODE`) in the line's fund — the one chosen, else
  the organization's first fund. Liabilities do not add to a fund's balance, so the money is held but
  not spendable. :func:`reassign` later moves it to donation income for the donor who sent it, with a
  receipt, as a new linked entry and a new linked match row (never an update);
- **account** — not a donation, and known (a bank fee debit, a credit that is other income): the bank
  account against the account of the chart a person names (by code) in the line's fund, as for suspense;
  not the bank account or any bank account, the suspense account (use suspense) nor donation income (a
  donation needs its donor and receipt: use donor);
- **split** — one donor's transfer split across funds (parts of positive whole đồng adding up to the line):
  a transfer donation per part, each with its own entry (balanced in its fund) and receipt, one match row
  and its parts (``bank_match_parts``).

A line's fund, when none is chosen, is its bank account's default fund (``accounts.default_fund_id``,
:func:`set_default_fund`), else the organization's first fund.

:func:`undo` takes back a match made by mistake, with a reason: what the match booked is reversed (the
journal's reversal, linked; receipts voided as a reversal voids them) — an entry or interest matched as
already recorded is left as it is, only the link is dropped — and an ``undo`` row is linked to the match
(never an update); the line is unmatched again. A suspense match already reassigned is undone after its
reassignment; the period lock applies to the reversals (dated as the entries they reverse, unless ``on``).

A line has at most one live match and a transaction at most one live line: the database's unique
(line, attempt) constraint guards the first, :func:`_not_matched` the second; the organization's
journal writers take turns (``journal.take_turn``) so two
confirmations of one line do not race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import balances, documents, donations, expenses, matching, orgs
from . import schema as s
from .bankmatches import live, match_of, matched_tx
from .bankstatements import bank_account
from .chart import MANAGEMENT_ROLES
from .clock import business_date, now_iso, parse_date, today
from .errors import Conflict, InvalidInput, NotFound
from .journal import Entry, Line, post, reversal_entry, take_turn
from .money import format_vnd

KINDS = ("pledge", "entry", "donor", "interest", "suspense", "split", "account")
#: Matches whose confirmation posted their own entries (an undo reverses them); the others matched an
#: entry already recorded (an undo only drops the link).
BOOKED = ("pledge", "donor", "suspense", "split", "reassign", "account")
#: The suspense account, made for an organization the first time a line is booked to it (the chart is
#: data: an organization that already has an account with the ``suspense`` role keeps its own).
SUSPENSE_CODE = "3389"
SUSPENSE_NAME = "Phải trả khác - tiền chuyển đến chờ xác định"
SUSPENSE_ROLE = "suspense"
#: What a proposal's kind is confirmed as when a person accepts it.
_ACCEPT = {"pledge": "pledge", "recorded_entry": "entry", "deposit_interest": "interest",
           "donor_suggestion": "donor"}


@dataclass(frozen=True)
class Choice:
    """What a person says a line is. ``kind`` ``None``: accept the line's proposal (its first target).
    ``target``: the pledge id (pledge), donation or batch line id (entry; ``target_kind`` "donation" or
    "payout"), deposit id (interest). ``donor`` (id) or ``donor_name`` and ``fund`` (code): for a donor.
    ``fund``: for suspense too. ``account`` (code): the account a line that is not a donation is booked to."""

    kind: str | None = None
    target: int | None = None
    target_kind: str = "donation"
    donor: int | None = None
    donor_name: str | None = None
    fund: str | None = None
    note: str = ""
    #: for a split: (fund code, amount) pairs, amounts whole đồng adding up to the line
    parts: tuple = ()
    #: for kind account: the code of the account of the chart the line is booked to
    account: str | None = None

    def payload(self) -> dict:
        out = {k: getattr(self, k) for k in ("kind", "target", "target_kind", "donor", "donor_name", "fund",
                                             "note")}
        if self.account:
            out["account"] = self.account
        if self.parts:
            out["parts"] = [list(p) for p in self.parts]
        return out


def line_row(conn: Connection, org_id: int, line_id: int):
    bl, bs, a = s.bank_lines, s.bank_statements, s.accounts
    row = conn.execute(
        sa.select(bl.c.id, bl.c.date, bl.c.amount, bl.c.memo, bl.c.bank_ref, bl.c.bank_account_id,
                  a.c.code.label("account"))
        .join(bs, bs.c.id == bl.c.statement_id).join(a, a.c.id == bl.c.bank_account_id)
        .where(bl.c.id == line_id, bs.c.org_id == org_id)).first()
    if row is None:
        raise NotFound(f"bank statement line {line_id} not found", entity="bank_line", id=line_id)
    return row


def suspense_account(conn: Connection, org_id: int) -> int:
    """The organization's suspense account, made the first time it is needed (the caller has taken the
    journal's turn, so two writers cannot both make it)."""
    a = s.accounts
    found = conn.execute(sa.select(a.c.id).where(a.c.org_id == org_id, a.c.role == SUSPENSE_ROLE)
                         .order_by(a.c.parent_id.is_not(None), a.c.code)).scalar()
    if found is not None:
        return found
    taken = conn.execute(sa.select(a.c.role).where(a.c.org_id == org_id, a.c.code == SUSPENSE_CODE)).first()
    if taken is not None:
        raise Conflict(f"account {SUSPENSE_CODE} exists for another use; give an account the role "
                       f"{SUSPENSE_ROLE!r} to hold unidentified money", reason="suspense_code_taken")
    return orgs.add_account(conn, org_id, code=SUSPENSE_CODE, name=SUSPENSE_NAME, kind="liability",
                            role=SUSPENSE_ROLE)


def default_fund(conn: Connection, org_id: int, code: str | None,
                 bank_account_id: int | None = None) -> tuple[int, str]:
    """The fund named ``code``, else the bank account's default fund (if it has one), else the
    organization's first fund (lowest id): (id, code)."""
    f, a = s.funds, s.accounts
    if code:
        return orgs.fund_id_by_code(conn, org_id, code), code
    if bank_account_id is not None:
        row = conn.execute(sa.select(f.c.id, f.c.code).join(a, a.c.default_fund_id == f.c.id).where(
            a.c.id == bank_account_id, a.c.org_id == org_id)).first()
        if row is not None:
            return row.id, row.code
    row = conn.execute(sa.select(f.c.id, f.c.code).where(f.c.org_id == org_id).order_by(f.c.id)).first()
    if row is None:
        raise NotFound("this organization has no fund", entity="fund")
    return row.id, row.code


def _bank_movement(conn: Connection, tx_id: int, account_id: int) -> int:
    return balances.total(conn, tx_ids=[tx_id], account_ids=[account_id])


def _is_reversed(conn: Connection, tx_id: int) -> bool:
    t = s.transactions
    return conn.execute(sa.select(t.c.id).where(t.c.reverses_id == tx_id)).first() is not None


def set_default_fund(conn: Connection, org_id: int, account: str, fund: str | None) -> dict:
    """Set (or, ``fund`` None, clear) the fund a bank account's lines go to when none is chosen."""
    acct = bank_account(conn, org_id, account)
    fid = orgs.fund_id_by_code(conn, org_id, fund) if fund else None
    conn.execute(s.accounts.update().where(s.accounts.c.id == acct.id).values(default_fund_id=fid))
    return {"account": account, "default_fund": fund or None}


def default_funds(conn: Connection, org_id: int) -> dict[str, str | None]:
    """Each bank account's default fund code (None: the organization's first fund), by account code."""
    a, f = s.accounts, s.funds
    return {r.code: r.fund for r in conn.execute(
        sa.select(a.c.code, f.c.code.label("fund")).outerjoin(f, f.c.id == a.c.default_fund_id).where(
            a.c.org_id == org_id, a.c.role == "bank", a.c.parent_id.is_not(None)).order_by(a.c.code))}


def _insert(conn: Connection, org_id: int, *, user: str, **values) -> int:
    m = s.bank_matches
    return conn.execute(m.insert().values(org_id=org_id, matched_by=user, matched_at=now_iso(), **values)
                        .returning(m.c.id)).scalar_one()


def _accepted(conn: Connection, org_id: int, line, choice: Choice) -> Choice:
    """The line's proposal as a choice (a person accepted it)."""
    cand = matching.load_candidates(conn, org_id, line.bank_account_id, line.date, line.date)
    p = matching.propose([matching.Line(line.id, line.date, int(line.amount), line.memo, line.bank_ref)], cand)[0]
    kind = _ACCEPT.get(p.kind)
    if kind is None or not p.targets:
        raise InvalidInput("nothing is proposed for this line: choose what it is (a donor, or the suspense "
                           "account)", field="kind", reason="nothing_proposed")
    t = p.targets[0]
    if kind == "donor":
        return Choice("donor", donor=t.id, fund=choice.fund, note=choice.note)
    return Choice(kind, target=t.id, target_kind=t.kind, fund=choice.fund, note=choice.note)


def confirm(conn: Connection, org_id: int, line_id: int, choice: Choice, *, user: str) -> dict:
    """Book what a line is (see the module's docstring) and record its match; return what was done."""
    take_turn(conn, org_id)
    line = line_row(conn, org_id, line_id)
    old = match_of(conn, line_id)
    if old is not None:
        raise Conflict(f"line {line_id} is already matched ({old.kind})", reason="already_matched",
                       match_id=old.id, kind=old.kind)
    if choice.kind is None:
        choice = _accepted(conn, org_id, line, choice)
    if choice.kind not in KINDS:
        raise InvalidInput(f"a line is confirmed as one of {', '.join(KINDS)}", field="kind", reason="unknown_kind")
    amount = int(line.amount)
    if choice.kind in ("pledge", "donor", "interest") and amount <= 0:
        raise InvalidInput("only money into the account is a donation or interest", field="kind",
                           reason="not_a_credit")
    out: dict[str, Any] = {"line_id": line_id, "kind": choice.kind, "amount": amount, "donation_id": None,
                           "receipt": None, "fund": None}
    if choice.kind == "pledge":
        if choice.target is None:
            raise InvalidInput("which pledge?", field="target", reason="empty")
        r = donations.pay_pledge(conn, org_id, pledge_id=choice.target, amount=amount, date=line.date,
                                 method="transfer", bank_account=line.account, reference=line.bank_ref, user=user)
        out.update(tx_id=r["tx_id"], donation_id=r["donation_id"], receipt=r["receipt"],
                   outstanding=r["outstanding"])
    elif choice.kind == "entry":
        out["tx_id"] = _recorded_entry(conn, org_id, line, choice)
        if choice.target_kind == "donation":
            out["donation_id"] = choice.target
    elif choice.kind == "interest":
        out["tx_id"] = _interest_entry(conn, org_id, line, choice)
    elif choice.kind == "split":
        out.update(_split(conn, org_id, line, choice, user=user))
    elif choice.kind == "donor":
        if choice.donor is None and not (choice.donor_name or "").strip():
            raise InvalidInput("which donor?", field="donor", reason="empty")
        _fid, fund = default_fund(conn, org_id, choice.fund, line.bank_account_id)
        r = donations.record_donation(conn, org_id, donations.DonationInput(
            fund=fund, amount=amount, date=line.date, kind="transfer", bank_account=line.account,
            donor=donations.DonorInput(id=choice.donor, name=None if choice.donor else choice.donor_name),
            reference=line.bank_ref), user=user)
        out.update(tx_id=r["tx_id"], donation_id=r["donation_id"], receipt=r["receipt"], fund=fund,
                   donor_id=r["donor_id"])
    elif choice.kind == "account":
        other = booking_account(conn, org_id, choice.account, line.bank_account_id)
        fid, fund = default_fund(conn, org_id, choice.fund, line.bank_account_id)
        if amount < 0 and _management_cost(conn, other):  # the cap and the fund's flag, as for a phiếu chi
            expenses.check_management_cost(conn, org_id, fid, line.date, -amount)
        entry = Entry(line.date, f"Sao kê {line.account}: {line.memo}"[:300],
                      (Line(line.bank_account_id, fid, amount), Line(other, fid, -amount)),
                      doc_ref=line.bank_ref[:60], source="bank_match")
        out.update(tx_id=post(conn, org_id, [entry], user=user)[0].tx_id, fund=fund, account=choice.account.strip())
    else:  # suspense
        fid, fund = default_fund(conn, org_id, choice.fund, line.bank_account_id)
        susp = suspense_account(conn, org_id)
        entry = Entry(line.date, f"Tiền chuyển đến chờ xác định - sao kê {line.account}: {line.memo}"[:300],
                      (Line(line.bank_account_id, fid, amount), Line(susp, fid, -amount)),
                      doc_ref=line.bank_ref[:60], source="bank_suspense")
        out.update(tx_id=post(conn, org_id, [entry], user=user)[0].tx_id, fund=fund)
    fund_id = orgs.fund_id_by_code(conn, org_id, out["fund"]) if out["fund"] else None
    m = s.bank_matches
    attempt = conn.execute(sa.select(sa.func.count()).where(m.c.line_id == line_id)).scalar()  # all undone
    out["match_id"] = _insert(conn, org_id, user=user, line_id=line_id, kind=choice.kind, tx_id=out["tx_id"],
                              donation_id=out["donation_id"], fund_id=fund_id, note=choice.note[:500],
                              attempt=attempt)
    for part in out.get("parts", ()):
        conn.execute(s.bank_match_parts.insert().values(
            match_id=out["match_id"], tx_id=part["tx_id"], donation_id=part["donation_id"],
            fund_id=part.pop("fund_id"), amount=part["amount"]))
    return out


#: Roles of accounts a line that is not a donation is not booked to (kind account), with the reason said.
REFUSED_ROLES = {"bank": "account_is_bank", SUSPENSE_ROLE: "account_is_suspense",
                 "donation_income": "account_is_donation_income"}


def booking_account(conn: Connection, org_id: int, code: str | None, bank_account_id: int) -> int:
    """The id of the account ``code`` a line that is not a donation is booked to (kind account), or the
    refusal: none named, unknown, the bank account or any bank account, the suspense account, donation
    income."""
    code = (code or "").strip()
    if not code:
        raise InvalidInput("which account?", field="account", reason="empty")
    a = s.accounts
    row = conn.execute(sa.select(a.c.id, a.c.role).where(a.c.org_id == org_id, a.c.code == code)).first()
    if row is None:
        raise InvalidInput(f"account {code!r} is not in the chart", field="account", reason="unknown_account",
                           code=code)
    if row.id == bank_account_id or row.role in REFUSED_ROLES:
        why = REFUSED_ROLES.get(row.role, "account_is_bank")
        raise InvalidInput({"account_is_bank": f"account {code} is a bank account",
                            "account_is_suspense": f"account {code} is the suspense account: confirm the line "
                                                   "as suspense",
                            "account_is_donation_income": f"account {code} is donation income: a donation "
                                                          "needs its donor and receipt, confirm the line as donor",
                            }[why], field="account", reason=why, code=code)
    return row.id


def _management_cost(conn: Connection, account_id: int) -> bool:
    return conn.execute(sa.select(s.accounts.c.role).where(s.accounts.c.id == account_id)).scalar() in MANAGEMENT_ROLES


def booking_accounts(conn: Connection, org_id: int) -> list[dict]:
    """The accounts a line that is not a donation may be booked to: the chart's leaf accounts but bank,
    suspense and donation income accounts, by code."""
    a = s.accounts
    child = a.alias("child")
    rows = conn.execute(sa.select(a.c.code, a.c.name).where(
        a.c.org_id == org_id, sa.or_(a.c.role.is_(None), a.c.role.not_in(list(REFUSED_ROLES))),
        ~sa.exists().where(child.c.org_id == a.c.org_id, child.c.parent_id == a.c.id)).order_by(a.c.code)).all()
    return [{"code": r.code, "name": r.name} for r in rows]


def split_parts(parts: Any, total: int) -> list[tuple[str, int]]:
    """Check a split's parts — (fund, amount) pairs or {fund, amount} — against the line's ``total``:
    at least two, each a fund named once and a positive whole amount of đồng, adding up to ``total``."""
    out: list[tuple[str, int]] = []
    for p in parts or ():
        fund, amount = (p.get("fund"), p.get("amount")) if isinstance(p, dict) else tuple(p)
        if not isinstance(fund, str) or not fund.strip():
            raise InvalidInput("each part names a fund", field="parts", reason="empty")
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise InvalidInput("a part's amount is a whole number of đồng", field="parts", reason="not_integer")
        if amount <= 0:
            raise InvalidInput("a part's amount is more than zero", field="parts", reason="not_positive")
        out.append((fund.strip(), amount))
    if len(out) < 2:
        raise InvalidInput("a split has two parts or more", field="parts", reason="split_too_few")
    if len({f for f, _a in out}) != len(out):
        raise InvalidInput("a fund is named twice in a split", field="parts", reason="split_fund_repeated")
    if sum(a for _f, a in out) != total:
        raise InvalidInput(f"the parts add up to {format_vnd(sum(a for _f, a in out))}, not the line's "
                           f"{format_vnd(total)}", field="parts", reason="split_sum_differs",
                           parts_total=sum(a for _f, a in out), amount=total)
    return out


def _split(conn: Connection, org_id: int, line, choice: Choice, *, user: str) -> dict:
    """One donor's transfer split across funds: a transfer donation per part (own entry and receipt)."""
    if choice.donor is None and not (choice.donor_name or "").strip():
        raise InvalidInput("which donor?", field="donor", reason="empty")
    parts = split_parts(choice.parts, int(line.amount))
    fund_ids = {f: orgs.fund_id_by_code(conn, org_id, f) for f, _a in parts}
    donor = donations.DonorInput(id=choice.donor, name=None if choice.donor else choice.donor_name)
    items = [donations.validate_donation(donations.DonationInput(
        fund=f, amount=a, date=line.date, kind="transfer", bank_account=line.account, donor=donor,
        reference=line.bank_ref)) for f, a in parts]
    rs = donations.record_donations(conn, org_id, items, user=user)
    out = [{"fund": f, "fund_id": fund_ids[f], "amount": a, "tx_id": r["tx_id"], "donation_id": r["donation_id"],
            "receipt": r["receipt"]} for (f, a), r in zip(parts, rs, strict=True)]
    return {"tx_id": rs[0]["tx_id"], "donation_id": rs[0]["donation_id"], "donor_id": rs[0]["donor_id"],
            "receipt": ", ".join(r["receipt"] for r in rs if r["receipt"]), "parts": out}


def _recorded_entry(conn: Connection, org_id: int, line, choice: Choice) -> int:
    if choice.target is None:
        raise InvalidInput("which recorded entry?", field="target", reason="empty")
    if choice.target_kind == "payout":
        bl, b = s.batch_lines, s.batches
        tx = conn.execute(sa.select(bl.c.paid_tx_id).join(b, b.c.id == bl.c.batch_id)
                          .where(bl.c.id == choice.target, b.c.org_id == org_id)).scalar()
    else:
        d = s.donations
        tx = conn.execute(sa.select(d.c.tx_id).where(d.c.id == choice.target, d.c.org_id == org_id)).scalar()
    if tx is None:
        raise NotFound(f"recorded {choice.target_kind} {choice.target} not found", entity=choice.target_kind,
                       id=choice.target)
    moved = _bank_movement(conn, tx, line.bank_account_id)
    if moved != line.amount or _is_reversed(conn, tx):
        raise Conflict(f"that entry moves {format_vnd(moved)} on {line.account}, not the line's "
                       f"{format_vnd(line.amount)}" if moved != line.amount else "that entry was reversed",
                       reason="entry_differs", moved=moved, amount=int(line.amount))
    _not_matched(conn, tx)
    return tx


def _not_matched(conn: Connection, tx_id: int) -> None:
    m, pt = s.bank_matches, s.bank_match_parts
    other = conn.execute(sa.select(m.c.line_id).where(m.c.tx_id == tx_id, m.c.kind != "undo", live())).scalar() \
        or conn.execute(sa.select(m.c.line_id).join(pt, pt.c.match_id == m.c.id).where(
            pt.c.tx_id == tx_id, live())).scalar()
    if other is not None:
        raise Conflict(f"that entry is already matched to line {other}", reason="entry_matched", line_id=other)


def _interest_entry(conn: Connection, org_id: int, line, choice: Choice) -> int:
    """The deposit's entry that brought the line's amount of interest into the line's bank account: a
    monthly interest payment (the bank account moves by the amount), or the settlement at maturity (the
    bank account receives principal and interest; the interest is what it receives beyond the principal
    leaving the deposit's account) — or a settlement whose whole amount is the line's."""
    dp, ev = s.deposits, s.deposit_events
    if choice.target is None:
        raise InvalidInput("which deposit?", field="target", reason="empty")
    dep = conn.execute(sa.select(dp.c.contract_no, dp.c.account_id).where(
        dp.c.id == choice.target, dp.c.org_id == org_id)).first()
    if dep is None:
        raise NotFound(f"deposit {choice.target} not found", entity="deposit", id=choice.target)
    done = set(conn.execute(matched_tx(org_id)).scalars())
    txs = sorted({r for r in conn.execute(sa.select(ev.c.tx_id).where(
        ev.c.deposit_id == choice.target, ev.c.tx_id.is_not(None))).scalars()} - done)
    found = []
    for tx in txs:
        moved = {r.account_id: r.amount for r in balances.sums(
            conn, by=("account_id",), tx_ids=[tx], account_ids=(line.bank_account_id, dep.account_id))}
        bank = int(moved.get(line.bank_account_id, 0))
        if bank and line.amount in (bank, bank + int(moved.get(dep.account_id, 0))) and not _is_reversed(conn, tx):
            when = conn.execute(sa.select(s.transactions.c.date).where(s.transactions.c.id == tx)).scalar()
            found.append((abs((when - line.date).days) if isinstance(when, date) else 0, tx))
    if not found:
        raise Conflict(f"no interest of deposit {dep.contract_no} for {format_vnd(line.amount)} is booked into "
                       f"{line.account} yet: settle the deposit first, then confirm the line",
                       reason="interest_not_booked", contract=dep.contract_no)
    return min(found)[1]


def reassign(conn: Connection, org_id: int, match_id: int, *, donor: int, fund: str | None = None,
             on: Any = None, user: str) -> dict:
    """Move a line booked to the suspense account to donation income for the donor now known (into
    ``fund``, else the suspense booking's fund), with its receipt, dated ``on`` (default today): a new
    entry and a new match row linked to the first."""
    take_turn(conn, org_id)
    m = s.bank_matches
    first = conn.execute(sa.select(m).where(m.c.id == match_id, m.c.org_id == org_id)).first()
    if first is None or first.kind != "suspense":
        raise NotFound(f"suspense match {match_id} not found", entity="bank_match", id=match_id)
    if _undone(conn, match_id):
        raise Conflict(f"match {match_id} was undone", field="match", reason="match_undone", match_id=match_id)
    again = conn.execute(sa.select(m.c.id).where(m.c.reassigns_id == match_id, live())).scalar()
    if again is not None:
        raise Conflict(f"match {match_id} was already reassigned", reason="already_reassigned", match_id=again)
    attempt = conn.execute(sa.select(sa.func.count()).where(m.c.reassigns_id == match_id)).scalar()
    line = line_row(conn, org_id, first.line_id)
    amount = int(line.amount)
    if amount <= 0:
        raise InvalidInput("only money into the account is a donation", field="match", reason="not_a_credit")
    day = today() if on is None else business_date(on)
    dn = conn.execute(sa.select(s.donors.c.name).where(s.donors.c.id == donor, s.donors.c.org_id == org_id)).scalar()
    if dn is None:
        raise NotFound(f"donor {donor} not found", entity="donor", id=donor)
    fid = orgs.fund_id_by_code(conn, org_id, fund) if fund else first.fund_id
    susp = suspense_account(conn, org_id)
    income = orgs.account_id_by_role(conn, org_id, "donation_income")
    bank = line.bank_account_id
    if fid == first.fund_id:
        lines = (Line(susp, fid, amount), Line(income, fid, -amount))
    else:  # each fund balances: the money moves from the suspense fund's share of the bank account
        lines = (Line(susp, first.fund_id, amount), Line(bank, first.fund_id, -amount),
                 Line(bank, fid, amount), Line(income, fid, -amount))
    p = post(conn, org_id, [Entry(day, f"Ủng hộ chuyển khoản - {dn} (xác định tiền chờ xác định)"[:300], lines,
                                  doc_ref=line.bank_ref[:60], source="bank_reassign")], user=user)[0]
    d = s.donations
    did = conn.execute(d.insert().values(
        org_id=org_id, tx_id=p.tx_id, donor_id=donor, fund_id=fid, kind="transfer", date=day, amount=amount,
        asset_account_id=bank, reference=line.bank_ref, created_by=user, created_at=now_iso())
    ).inserted_primary_key[0]
    receipt = documents.issue(conn, org_id, "receipt", [(day, did, None)], user=user)[0]
    mid = _insert(conn, org_id, user=user, reassigns_id=match_id, kind="reassign", tx_id=p.tx_id,
                  donation_id=did, fund_id=fid, attempt=attempt)
    return {"match_id": mid, "reassigns": match_id, "line_id": line.id, "tx_id": p.tx_id, "donation_id": did,
            "receipt": receipt.label, "amount": amount, "donor_id": donor}


def _undone(conn: Connection, match_id: int) -> int | None:
    m = s.bank_matches
    return conn.execute(sa.select(m.c.id).where(m.c.undoes_id == match_id)).scalar()


def undo(conn: Connection, org_id: int, match_id: int, *, reason: str, on: Any = None, user: str) -> dict:
    """Undo a match made by mistake (see the module's docstring): reverse what it booked — dated ``on``,
    else as each entry it reverses — void the receipts, and link an ``undo`` row to it (the reason its
    note). The line (or, for a reassignment, the suspense match) is unmatched again."""
    take_turn(conn, org_id)
    m, pt, t = s.bank_matches, s.bank_match_parts, s.transactions
    row = conn.execute(sa.select(m).where(m.c.id == match_id, m.c.org_id == org_id)).first()
    if row is None or row.kind == "undo":
        raise NotFound(f"match {match_id} not found", entity="bank_match", id=match_id)
    why = (reason or "").strip()
    if not why:
        raise InvalidInput("say why the match is undone", field="reason", reason="empty")
    done = _undone(conn, match_id)
    if done is not None:
        raise Conflict(f"match {match_id} was already undone", field="match", reason="already_undone", match_id=done)
    if row.kind == "suspense":
        again = conn.execute(sa.select(m.c.id).where(m.c.reassigns_id == match_id, live())).scalar()
        if again is not None:
            raise Conflict(f"the money of match {match_id} was reassigned (match {again}): undo that first",
                           field="match", reason="reassigned", reassign_id=again)
    day = None if on is None else business_date(on)
    txs: list[int] = []
    if row.kind == "split":
        txs = list(conn.execute(sa.select(pt.c.tx_id).where(pt.c.match_id == match_id).order_by(pt.c.id)).scalars())
    elif row.kind in BOOKED and row.tx_id is not None:
        txs = [row.tx_id]
    reversals, voided = [], []
    for tx in txs:
        if _is_reversed(conn, tx):  # already reversed by hand: nothing left to take back
            continue
        when = day or conn.execute(sa.select(t.c.date).where(t.c.id == tx)).scalar()
        entry = reversal_entry(conn, org_id, tx, on=parse_date(when), reason=why)
        reversals.append(post(conn, org_id, [entry], user=user)[0].tx_id)
        voided += documents.void_for_reversal(conn, org_id, tx, reason=why, user=user)
    uid = _insert(conn, org_id, user=user, undoes_id=match_id, kind="undo",
                  tx_id=reversals[0] if reversals else None, note=why[:500])
    line_id = row.line_id
    if line_id is None and row.reassigns_id is not None:
        line_id = conn.execute(sa.select(m.c.line_id).where(m.c.id == row.reassigns_id)).scalar()
    return {"match_id": uid, "undoes": match_id, "kind": row.kind, "line_id": line_id,
            "reassigns": row.reassigns_id, "reversals": reversals, "voided_documents": voided, "reason": why}


def recent_matches(conn: Connection, org_id: int, account: str, *, limit: int = 30) -> list[dict]:
    """The live matches of a bank account's lines (and the live reassignments of its suspense matches),
    newest first: what the queue page offers to undo or reassign."""
    acct = bank_account(conn, org_id, account)
    m, bl, f, d, dn = s.bank_matches, s.bank_lines, s.funds, s.donations, s.donors
    r2 = m.alias("re")
    rows = conn.execute(
        sa.select(m.c.id, m.c.kind, m.c.line_id, m.c.tx_id, m.c.matched_by, m.c.matched_at, bl.c.date, bl.c.amount,
                  bl.c.memo, f.c.code.label("fund"), dn.c.name.label("donor"),
                  sa.select(r2.c.id).where(r2.c.reassigns_id == m.c.id, live(r2)).scalar_subquery()
                  .label("reassigned_by"))
        .join(bl, bl.c.id == m.c.line_id).outerjoin(f, f.c.id == m.c.fund_id)
        .outerjoin(d, d.c.id == m.c.donation_id).outerjoin(dn, dn.c.id == d.c.donor_id)
        .where(m.c.org_id == org_id, bl.c.bank_account_id == acct.id, live())
        .order_by(m.c.id.desc()).limit(limit)).all()
    out = [dict(r._mapping) for r in rows]
    ids = [r["id"] for r in out if r["reassigned_by"]]
    if ids:
        reas = {r.reassigns_id: r for r in conn.execute(
            sa.select(m.c.id, m.c.reassigns_id, f.c.code.label("fund"), dn.c.name.label("donor"))
            .outerjoin(f, f.c.id == m.c.fund_id).outerjoin(d, d.c.id == m.c.donation_id)
            .outerjoin(dn, dn.c.id == d.c.donor_id).where(m.c.id.in_([r["reassigned_by"] for r in out
                                                                      if r["reassigned_by"]])))}
        for r in out:
            if r["id"] in reas:
                x = reas[r["id"]]
                r["reassigned_to"] = f"{x.donor} ({x.fund})"
    splits = [r["id"] for r in out if r["kind"] == "split"]
    if splits:
        for p in conn.execute(sa.select(pt := s.bank_match_parts, f.c.code.label("fund_code"))
                              .join(f, f.c.id == pt.c.fund_id).where(pt.c.match_id.in_(splits)).order_by(pt.c.id)):
            for r in out:
                if r["id"] == p.match_id:
                    r.setdefault("parts", []).append((p.fund_code, int(p.amount)))
    return out
