"""Matching bank statement lines to the books: pure functions that *propose*, each decision explained.

For each line, in this order (the first rule that decides wins):

a. **pledge** — the memo holds the reference of a pledge's dynamic VietQR code (``CK<id>``, see
   :func:`ledger.bankmatches.pledge_reference`), found in the memo upper-cased, without diacritics and
   without spaces or punctuation (banks and apps mangle all three) → that pledge, exactly; a partial
   payment is said so.
b. **recorded_entry** — a transfer donation or a payout already recorded by hand: same amount, dated
   within ``DATE_WINDOW`` days, ranked by how alike the memo and the entry's text are → that entry
   when it is the only candidate and no other line claims it; otherwise every candidate is listed and
   nothing is automatic.
d. **deposit_interest** — a credit whose memo says interest ("LAI TIEN GUI", "TRA LAI", "INTEREST"…)
   on a bank account from which term deposits were opened → the deposit whose expected interest equals
   the amount (the closest one is only suggested).
c. **donor_suggestion** — the memo looks like a donor's name (accents stripped for comparison only:
   banks drop diacritics; names stay as stored, in NFC) → donors ranked by likeness, never automatic.

Anything else is **unidentified**. Only (a), an unambiguous (b) and an exact, unambiguous (d) are
``automatic``; booking even those is a person's decision, made elsewhere. Explanations are Vietnamese:
they are shown to the treasurer as they are.

:func:`propose` and its helpers take plain data and touch no database; :func:`load_candidates` and
:func:`proposals_for_account` gather that data from the books.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from itertools import combinations
from operator import itemgetter

import sqlalchemy as sa
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from . import deposits as dep
from . import interest as ir
from . import schema as s
from .bankmatches import matched_line_ids, matched_tx, pledge_reference
from .bankstatements import bank_account, lines_of
from .money import format_vnd
from .names import fold

DATE_WINDOW = 3
#: Likeness (0–100) below which a donor is not suggested.
DONOR_THRESHOLD = 75
MAX_SUGGESTIONS = 5
#: Memo phrases that say the bank credited interest (compared without diacritics, upper case).
INTEREST_PHRASES = ("TRA LAI", "LAI TIEN GUI", "TIEN LAI", "LAI TK", "LAI TAI KHOAN", "LAI NHAP GOC",
                    "LAI KY HAN", "LAI HD", "INTEREST", "INT PAID", "CREDIT INTEREST")
_ALNUM = re.compile(r"[^A-Z0-9]+")
#: Up to this many donors every memo is compared with every name; above it (a province's books) a memo is
#: compared only with the donors who share two words of their name with it (see :class:`_Index`).
SCAN_DONORS = 2_000
#: A pair of name words that this many donors share ("NGUYEN VAN") does not pick candidates by itself.
PAIR_CAP = 1_000
#: How many of the donors sharing the most name words with a memo are scored, on large books.
SCORED = 40
_REF_SHAPE = re.compile(r"([A-Z]+)([0-9]+)")


# --------------------------------------------------------------------------- plain data


@dataclass(frozen=True)
class Line:
    """A statement line: ``amount`` signed, money into the account positive."""

    id: int
    date: date
    amount: int
    memo: str
    bank_ref: str = ""


@dataclass(frozen=True)
class Pledge:
    """An open pledge: its VietQR reference and what is still to be collected."""

    id: int
    reference: str
    outstanding: int
    donor: str = ""


@dataclass(frozen=True)
class RecordedEntry:
    """A transfer donation (``kind`` "donation", positive) or a payout ("payout", negative) recorded by hand
    on this bank account and not yet matched to a statement line; ``text`` is what a memo might echo
    (the donor's or recipient's name, the reference)."""

    kind: str
    id: int
    tx_id: int
    date: date
    amount: int
    text: str = ""


@dataclass(frozen=True)
class Donor:
    id: int
    name: str


@dataclass(frozen=True)
class Deposit:
    """A term deposit opened from this bank account, with the interest payments expected of it
    (date, amount): each month's for a deposit paying monthly, the whole term's at maturity otherwise."""

    id: int
    contract_no: str
    expected: tuple[tuple[date, int], ...]


@dataclass(frozen=True)
class Candidates:
    pledges: tuple[Pledge, ...] = ()
    entries: tuple[RecordedEntry, ...] = ()
    donors: tuple[Donor, ...] = ()
    deposits: tuple[Deposit, ...] = ()


@dataclass(frozen=True)
class Target:
    kind: str  # pledge | donation | payout | donor | deposit
    id: int
    label: str
    score: float


@dataclass(frozen=True)
class Proposal:
    """What one line is proposed to match: ``kind`` (pledge | recorded_entry | donor_suggestion |
    deposit_interest | unidentified), the ``targets`` ranked best first, a ``confidence`` from 0 to 1,
    whether it is ``automatic`` (one exact target), and why, in Vietnamese."""

    line_id: int
    kind: str
    targets: tuple[Target, ...]
    confidence: float
    automatic: bool
    explanation: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- text


def compact(text: str) -> str:
    """The memo as a reference is searched in: no diacritics, upper case, letters and digits only."""
    return _ALNUM.sub("", fold(text))


def words(text: str) -> list[str]:
    return _ALNUM.sub(" ", fold(text)).split()


def find_reference(memo: str, reference: str) -> bool:
    """Whether ``reference`` (e.g. ``CK12``) is in ``memo`` — "ck 12", "Ck-12", "thanh toán CK12." — and
    not the start of a longer number ("CK123")."""
    ref = compact(reference)
    if not ref:
        return False
    hay = compact(memo)
    start = hay.find(ref)
    while start >= 0:
        end = start + len(ref)
        if not (ref[-1].isdigit() and end < len(hay) and hay[end].isdigit()):
            return True
        start = hay.find(ref, start + 1)
    return False


def name_likeness(name: str, memo: str) -> float:
    """How much of ``memo`` looks like ``name`` (0–100): the best of the name against each run of memo
    words of about its length (edit distance with transpositions, diacritics and case ignored), and of
    the name with its spaces removed inside the memo with its spaces removed (banks glue words)."""
    return _likeness(words(name), _Memo(memo))


class _Memo:
    """A memo's words, folded once, with its runs of words by length (a memo is compared with many names)."""

    def __init__(self, memo: str) -> None:
        self.words = words(memo)
        self.glued = "".join(self.words)
        self._runs: dict[int, list[str]] = {}

    def runs(self, size: int) -> list[str]:
        found = self._runs.get(size)
        if found is None:
            m = self.words
            found = self._runs[size] = [" ".join(m[i:i + size]) for i in range(0, max(1, len(m) - size + 1))]
        return found


def _likeness(n: list[str], memo: _Memo) -> float:
    if not n or not memo.words:
        return 0.0
    target = " ".join(n)
    best = max(process.extractOne(target, memo.runs(size), scorer=OSA.normalized_similarity)[1]
               for size in {max(1, len(n) - 1), len(n), len(n) + 1}) * 100
    glued = "".join(n)
    glued_score = fuzz.partial_ratio(glued, memo.glued) * 0.95 if len(glued) >= 8 else 0.0
    return round(max(best, glued_score), 1)


def says_interest(memo: str) -> bool:
    text = " " + " ".join(words(memo)) + " "
    return any(f" {p} " in text for p in INTEREST_PHRASES)


# --------------------------------------------------------------------------- the rules


def _pledge_rule(line: Line, index: _Index) -> Proposal | None:
    if line.amount <= 0:
        return None
    found = index.pledges_in(line.memo)
    if not found:
        return None
    targets = tuple(Target("pledge", p.id, f"{p.reference} {p.donor}".strip(), 1.0) for p in found)
    if len(found) > 1:
        return Proposal(line.id, "pledge", targets, 0.5, False, (
            f"Nội dung có mã tham chiếu của {len(found)} cam kết ({', '.join(p.reference for p in found)}); "
            "cần người chọn.",))
    p = found[0]
    why = [f"Nội dung chuyển khoản có mã tham chiếu VietQR {p.reference} của cam kết số {p.id}"
           + (f" ({p.donor})." if p.donor else ".")]
    automatic = True
    if line.amount == p.outstanding:
        why.append(f"Số tiền {format_vnd(line.amount)} đúng bằng số còn phải thu.")
    elif line.amount < p.outstanding:
        why.append(f"Số tiền {format_vnd(line.amount)} ít hơn số còn phải thu {format_vnd(p.outstanding)}: "
                   f"thu một phần, còn lại {format_vnd(p.outstanding - line.amount)}.")
    else:
        automatic = False
        why.append(f"Số tiền {format_vnd(line.amount)} nhiều hơn số còn phải thu {format_vnd(p.outstanding)}: "
                   "cần người kiểm tra phần thừa.")
    return Proposal(line.id, "pledge", targets, 1.0 if automatic else 0.8, automatic, tuple(why))


def _entry_candidates(line: Line, index: _Index) -> list[RecordedEntry]:
    return [e for e in index.entries_by_amount.get(line.amount, ())
            if abs((e.date - line.date).days) <= DATE_WINDOW]


def _entry_rule(line: Line, found: list[RecordedEntry], claimed_by: dict[tuple[str, int], int]) -> Proposal | None:
    if not found:
        return None
    scored = sorted(((fuzz.token_set_ratio(fold(e.text), fold(line.memo)) if e.text else 0.0, e) for e in found),
                    key=lambda x: (-x[0], abs((x[1].date - line.date).days), x[1].id))
    what = {"donation": "khoản ủng hộ chuyển khoản", "payout": "khoản chi trả"}
    targets = tuple(Target(e.kind, e.id, f"{e.date:%d/%m/%Y} {format_vnd(e.amount)} {e.text}".strip(), round(sim, 1))
                    for sim, e in scored)
    if len(found) == 1:
        sim, e = scored[0]
        others = claimed_by[(e.kind, e.id)] - 1
        why = [f"Cùng số tiền {format_vnd(line.amount)} với {what[e.kind]} số {e.id} đã ghi ngày {e.date:%d/%m/%Y}"
               f" (lệch {abs((e.date - line.date).days)} ngày).",
               f"Nội dung giống {sim:.0f}%." if e.text else "Bút toán không có nội dung để so."]
        if others:
            why.append(f"Nhưng {others} dòng sao kê khác cũng khớp bút toán này: cần người chọn.")
            return Proposal(line.id, "recorded_entry", targets, 0.5, False, tuple(why))
        return Proposal(line.id, "recorded_entry", targets, round(0.8 + 0.2 * sim / 100, 2), True, tuple(why))
    return Proposal(line.id, "recorded_entry", targets, 0.4, False, (
        f"{len(found)} bút toán đã ghi cùng số tiền {format_vnd(line.amount)} trong ±{DATE_WINDOW} ngày; "
        "không tự khớp, cần người chọn.",
        "Xếp theo độ giống của nội dung: " + ", ".join(f"số {t.id} ({t.score:.0f}%)" for t in targets) + "."))


def _interest_rule(line: Line, deposits: tuple[Deposit, ...]) -> Proposal | None:
    if line.amount <= 0 or not deposits or not says_interest(line.memo):
        return None
    best: list[tuple[int, int, Deposit, date, int]] = []
    for d in deposits:
        for on, amount in d.expected:
            best.append((abs(amount - line.amount), abs((on - line.date).days), d, on, amount))
    if not best:
        return None
    best.sort(key=lambda x: (x[0], x[1], x[2].id))
    exact = {b[2].id: b for b in best if b[0] == 0}
    if len(exact) == 1:
        _, days, d, on, amount = next(iter(exact.values()))
        return Proposal(line.id, "deposit_interest", (Target("deposit", d.id, d.contract_no, 1.0),), 1.0, True, (
            "Ngân hàng ghi có tiền lãi (nội dung có chữ “lãi”/“interest”).",
            f"Số tiền {format_vnd(line.amount)} đúng bằng lãi dự kiến của hợp đồng tiền gửi {d.contract_no} "
            f"ngày {on:%d/%m/%Y} (lệch {days} ngày)."))
    if len(exact) > 1:
        targets = tuple(Target("deposit", b[2].id, b[2].contract_no, 1.0) for b in exact.values())
        return Proposal(line.id, "deposit_interest", targets, 0.5, False, (
            "Ngân hàng ghi có tiền lãi.",
            f"{len(exact)} hợp đồng tiền gửi có lãi dự kiến đúng bằng {format_vnd(line.amount)}: cần người chọn."))
    seen, targets = set(), []
    for diff, _, d, _, amount in best:
        if d.id not in seen:
            seen.add(d.id)
            targets.append(Target("deposit", d.id, d.contract_no, round(max(0.0, 1 - diff / max(amount, 1)), 3)))
    diff, _, d, on, amount = best[0]
    return Proposal(line.id, "deposit_interest", tuple(targets[:MAX_SUGGESTIONS]), 0.3, False, (
        "Ngân hàng ghi có tiền lãi, nhưng không khoản lãi dự kiến nào đúng bằng số tiền.",
        f"Gần nhất: hợp đồng {d.contract_no}, lãi dự kiến {format_vnd(amount)} ngày {on:%d/%m/%Y}, "
        f"chênh {format_vnd(line.amount - amount)}."))


def donor_suggestions(memo: str, donors: tuple[Donor, ...], index: _Index | None = None) -> list[Target]:
    """Donors whose name the memo looks like, best first (never a match by itself). Every donor is compared
    up to ``SCAN_DONORS`` donors; above that only those an index of name-word pairs picks (:class:`_Index`)."""
    m = _Memo(memo)
    if index is None:
        scored = [(_likeness(words(d.name), m), d) for d in donors]
    else:
        pool = index.donors_like(m) if len(donors) > SCAN_DONORS else range(len(donors))
        scored = [(_likeness(index.donor_words(i), m), donors[i]) for i in pool]
    ranked = sorted((x for x in scored if x[0] >= DONOR_THRESHOLD), key=lambda x: (-x[0], x[1].id))
    return [Target("donor", d.id, d.name, sc) for sc, d in ranked[:MAX_SUGGESTIONS]]


def _donor_rule(line: Line, index: _Index) -> Proposal | None:
    if line.amount <= 0:
        return None
    found = donor_suggestions(line.memo, index.cand.donors, index)
    if not found:
        return None
    return Proposal(line.id, "donor_suggestion", tuple(found), round(found[0].score / 100 * 0.6, 2), False, (
        "Không có mã tham chiếu và không có bút toán đã ghi cùng số tiền.",
        "Nội dung giống tên nhà hảo tâm (so không dấu, vì ngân hàng bỏ dấu): "
        + ", ".join(f"{t.label} ({t.score:.0f}%)" for t in found) + ".",
        "Chỉ là gợi ý: cần người xác nhận trước khi ghi sổ."))


class _Index:
    """The candidates arranged for looking up, so that matching 100,000 lines against 100,000 pledges is not
    10¹⁰ comparisons; every lookup gives what the plain scan it replaces would (same items, same order),
    except donor suggestions on books of more than ``SCAN_DONORS`` donors (:meth:`donors_like`).

    * pledges by compact reference: a reference shaped letters+digits (``CK12``) is in a memo exactly when
      the memo, compacted, has those letters followed by a run of digits that is exactly its digits (what
      :func:`find_reference` checks), so each run is looked up instead of every reference searched for;
      a reference of another shape is searched for as before;
    * recorded entries by amount;
    * donors by each pair of their name's words (folded), for large books.
    """

    def __init__(self, cand: Candidates) -> None:
        self.cand = cand
        self.order = {id(p): i for i, p in enumerate(cand.pledges)}
        self.by_ref: dict[str, list[Pledge]] = defaultdict(list)
        self.other_refs: list[Pledge] = []
        prefixes: set[str] = set()
        for p in cand.pledges:
            ref = compact(p.reference)
            m = _REF_SHAPE.fullmatch(ref)
            if m:
                self.by_ref[ref].append(p)
                prefixes.add(m.group(1))
            elif ref:
                self.other_refs.append(p)
        # each prefix on its own and by lookahead, so that overlapping candidates ("CCK12" for C… and CK…)
        # are all seen; the digit run is greedy, so a reference is never the start of a longer number
        self.ref_patterns = [re.compile(f"(?=({re.escape(x)}[0-9]+))") for x in sorted(prefixes)]
        self.entries_by_amount: dict[int, list[RecordedEntry]] = defaultdict(list)
        for e in cand.entries:
            self.entries_by_amount[e.amount].append(e)
        self._pairs: dict[tuple[str, ...], list[int]] | None = None
        self._words: list[list[str]] | None = None

    def pledges_in(self, memo: str) -> list[Pledge]:
        """The pledges whose reference ``memo`` holds, in the candidates' order."""
        hay = compact(memo)
        found: dict[int, Pledge] = {}
        for pattern in self.ref_patterns:
            for m in pattern.finditer(hay):
                for p in self.by_ref.get(m.group(1), ()):
                    found[id(p)] = p
        for p in self.other_refs:
            if find_reference(memo, p.reference):
                found[id(p)] = p
        return sorted(found.values(), key=lambda p: self.order[id(p)])

    def donor_words(self, i: int) -> list[str]:
        """The ``i``-th donor's name, folded and split (once per matching run)."""
        if self._words is None:
            self._words = [words(d.name) for d in self.cand.donors]
        return self._words[i]

    def donors_like(self, memo: _Memo) -> list[int]:
        """Which donors (their places in the candidates) are worth scoring against ``memo`` on large books:
        those who share a pair of name words with it (a pair fewer than ``PAIR_CAP`` donors share), the
        ``SCORED`` sharing the most words first. A one-word name is indexed under that word. A name glued into
        one memo word, or with every pair of its words common, is not found here (the full scan of smaller
        books finds both)."""
        if self._pairs is None:
            self._pairs = defaultdict(list)
            for i in range(len(self.cand.donors)):
                ws = sorted(set(self.donor_words(i)))
                for key in (combinations(ws, 2) if len(ws) > 1 else [tuple(ws)]):
                    self._pairs[key].append(i)
        ms = sorted(set(memo.words))
        hits: Counter[int] = Counter()
        for key in [*combinations(ms, 2), *((w,) for w in ms)]:
            found = self._pairs.get(key)
            if found and len(found) <= PAIR_CAP:
                hits.update(found)
        if len(hits) <= SCORED:
            return sorted(hits)
        return sorted(i for i, _n in heapq.nlargest(SCORED, hits.items(), key=itemgetter(1)))


def propose(lines: list[Line], cand: Candidates, *, only: set[int] | None = None) -> list[Proposal]:
    """One proposal per line, in the lines' order (see the module's docstring for the rules); with ``only``,
    for those line ids alone (a page of the queue), the lines around them still counted when two lines claim
    one recorded entry."""
    index = _Index(cand)
    found = {ln.id: _entry_candidates(ln, index) for ln in lines}
    claimed_by: dict[tuple[str, int], int] = {}
    for entries in found.values():
        for e in entries:
            claimed_by[(e.kind, e.id)] = claimed_by.get((e.kind, e.id), 0) + 1
    out = []
    for ln in lines:
        if only is not None and ln.id not in only:
            continue
        p = (_pledge_rule(ln, index) or _entry_rule(ln, found[ln.id], claimed_by)
             or _interest_rule(ln, cand.deposits) or _donor_rule(ln, index))
        if p is None:
            side = "ghi có" if ln.amount > 0 else "ghi nợ"
            p = Proposal(ln.id, "unidentified", (), 0.0, False, (
                f"Dòng {side} {format_vnd(ln.amount)}: không có mã tham chiếu cam kết, không có bút toán đã ghi "
                f"cùng số tiền trong ±{DATE_WINDOW} ngày, không giống khoản lãi hay tên nhà hảo tâm nào.",))
        out.append(p)
    return out


def summary(proposals) -> dict[str, int]:
    """How many lines matched automatically, how many got suggestions for a person to choose from, and how
    many are left with nothing (unidentified). Takes proposals or (line, proposal) pairs."""
    props = [p[1] if isinstance(p, tuple) else p for p in proposals]
    auto = sum(1 for p in props if p.automatic)
    left = sum(1 for p in props if not p.automatic and not p.targets)
    return {"lines": len(props), "automatic": auto, "suggested": len(props) - auto - left, "unidentified": left}


# --------------------------------------------------------------------------- gathering from the books


def load_candidates(conn, org_id: int, bank_account_id: int, start: date, end: date) -> Candidates:
    """What lines of ``bank_account_id`` dated ``start``..``end`` may match: open pledges, transfer
    donations and transfer payouts on that account dated within the window, the donors, and the deposits
    opened from that account with their expected interest."""
    d, t, dn = s.donations, s.transactions, s.donors
    reversed_tx = sa.select(t.c.reverses_id).where(t.c.reverses_id.is_not(None), t.c.org_id == org_id)
    done = matched_tx(org_id)  # an entry already matched to a line is not proposed again
    # what each open pledge still owes (as :func:`ledger.donations.pledge_outstanding`, for all at once)
    pay = d.alias("pay")
    paid = (sa.select(pay.c.pledge_id, sa.func.sum(pay.c.amount).label("paid"))
            .where(pay.c.org_id == org_id, pay.c.pledge_id.is_not(None), pay.c.tx_id.not_in(reversed_tx))
            .group_by(pay.c.pledge_id).subquery())
    pledges = []
    for r in conn.execute(
            sa.select(d.c.id, d.c.amount, dn.c.name, sa.func.coalesce(paid.c.paid, 0).label("paid"))
            .join(dn, dn.c.id == d.c.donor_id).outerjoin(paid, paid.c.pledge_id == d.c.id)
            .where(d.c.org_id == org_id, d.c.kind == "pledge", d.c.tx_id.not_in(reversed_tx)).order_by(d.c.id)):
        left = int(r.amount) - int(r.paid)
        if left > 0:
            pledges.append(Pledge(r.id, pledge_reference(r.id), left, r.name))
    lo, hi = start - timedelta(days=DATE_WINDOW), end + timedelta(days=DATE_WINDOW)
    entries = [RecordedEntry("donation", r.id, r.tx_id, r.date, int(r.amount),
                             " ".join(x for x in (r.name, r.reference, r.message) if x))
               for r in conn.execute(
                   sa.select(d.c.id, d.c.tx_id, d.c.date, d.c.amount, d.c.reference, d.c.message, dn.c.name)
                   .join(dn, dn.c.id == d.c.donor_id)
                   .where(d.c.org_id == org_id, d.c.asset_account_id == bank_account_id,
                          d.c.kind.in_(("transfer", "pledge_payment")), d.c.date.between(lo, hi),
                          d.c.tx_id.not_in(reversed_tx), d.c.tx_id.not_in(done)).order_by(d.c.id))]
    bl, p, rc = s.batch_lines, s.postings, s.recipients
    paid_here = sa.select(p.c.tx_id).where(p.c.account_id == bank_account_id, p.c.org_id == org_id)
    entries += [RecordedEntry("payout", r.id, r.paid_tx_id, r.paid_on, -int(r.amount), r.full_name)
                for r in conn.execute(
                    sa.select(bl.c.id, bl.c.paid_tx_id, bl.c.paid_on, bl.c.amount, rc.c.full_name)
                    .join(rc, rc.c.id == bl.c.recipient_id)
                    .where(bl.c.state == "paid", bl.c.method == "transfer", bl.c.paid_on.between(lo, hi),
                           bl.c.paid_tx_id.in_(paid_here), bl.c.paid_tx_id.not_in(reversed_tx),
                           bl.c.paid_tx_id.not_in(done))
                    .order_by(bl.c.id))]
    donors = [Donor(r.id, r.name) for r in conn.execute(
        sa.select(dn.c.id, dn.c.name).where(dn.c.org_id == org_id).order_by(dn.c.id))]
    deps = []
    for row in dep.deposits(conn, org_id):
        if row.bank_account_id != bank_account_id:
            continue
        terms = row.terms
        expected = ir.monthly_payments(terms) if row.pays == "monthly" else [(terms.maturity, terms.interest())]
        deps.append(Deposit(row.id, row.contract_no, tuple(expected)))
    return Candidates(tuple(pledges), tuple(entries), tuple(donors), tuple(deps))


def proposals_for_account(conn, org_id: int, account_code: str, *, statement_id: int | None = None,
                          start: date | None = None, end: date | None = None, unmatched: bool = False,
                          limit: int | None = None, offset: int = 0) -> list[tuple[object, Proposal]]:
    """Each stored line of a bank account (or of one statement) with its proposal; ``unmatched``: only
    the lines not yet matched (``ledger/reconcile.py``); ``limit``/``offset``: one page of them (proposed
    alone, the others still weighed: see :func:`propose`)."""
    return proposals_page(conn, org_id, account_code, statement_id=statement_id, start=start, end=end,
                          unmatched=unmatched, limit=limit, offset=offset)[0]


def proposals_page(conn, org_id: int, account_code: str, *, statement_id: int | None = None,
                   start: date | None = None, end: date | None = None, unmatched: bool = False,
                   limit: int | None = None, offset: int = 0) -> tuple[list[tuple[object, Proposal]], int]:
    """:func:`proposals_for_account` and how many lines there are in all (before the page is cut)."""
    acct = bank_account(conn, org_id, account_code)
    stored = lines_of(conn, org_id, account_code, statement_id=statement_id, start=start, end=end)
    if unmatched and stored:
        done = matched_line_ids(conn, [x.id for x in stored])
        stored = [x for x in stored if x.id not in done]
    if not stored:
        return [], 0
    page = stored[offset:offset + limit] if limit is not None else stored[offset:]
    if not page:
        return [], len(stored)
    cand = load_candidates(conn, org_id, acct.id, min(x.date for x in stored), max(x.date for x in stored))
    props = propose([Line(x.id, x.date, x.amount, x.memo, x.bank_ref) for x in stored], cand,
                    only={x.id for x in page} if len(page) < len(stored) else None)
    return list(zip(page, props, strict=True)), len(stored)
