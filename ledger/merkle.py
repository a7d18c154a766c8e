"""Merkle-sum trees over a period's gifts (or payments), and the append-only log of published roots.

Pure functions over plain data; the rules for hashing and checking are ``ledger.proofcheck``'s (the one
file an auditor runs on their own machine), this module only builds what that file checks.

- Every document becomes ``PIECES`` leaves of random size (non-negative, adding up to its amount, none a
  round thousand when the amount is one), placed at random positions: a sibling's sum in a proof is then
  a random piece or a sum of pieces, never another person's gift, and round amounts cannot be reassembled
  by a subset-sum search. The randomness comes from a secret of the organization and the period, so the
  same documents give the same tree again (a proof can be fetched years later).
- A month's tree has the pieces as leaves; a quarter's has its three months' roots, a year's its four
  quarters' (``proofcheck`` module text). A proof for the year is a month path, a quarter path and a year
  path, each a *segment*.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import add, itemgetter
from typing import NamedTuple

from .proofcheck import EMPTY, FORMAT, MAX_SUM, log_leaf, log_node

#: how many pieces a document's amount is split into
PIECES = 2
#: how many draws of the pieces' sizes and places are tried before one gives no sibling sum equal to a gift
DRAWS = 16
#: the round amounts people give and are given (10.000 đ to 5.000.000.000 đ): no sibling sum should look like one
ROUND = frozenset(k * 10 ** j for k in (1, 2, 3, 5) for j in range(4, 10))
#: months of more documents than this take the first draw
CHECKED = 5_000

_SHA = hashlib.sha256
_PAIR = struct.Struct(">c32sQ32sQ")
_LEAF = struct.Struct(">33sBBQ")


class Doc(NamedTuple):
    """A document that goes into a tree: a receipt (a gift) or a payment slip. (A named tuple: a million of
    them are made in a second.)"""

    number: str
    fund: str
    date: date
    amount: int
    salt: bytes  # 32 bytes, the document's own (``salt_for``)
    kind: str = "gifts"  # or "payments": a leaf says which tree it belongs in


def salt_for(secret: bytes, kind: str, number: str) -> bytes:
    """A document's salt, from the organization's secret: nobody can guess a leaf's amount from its hash."""
    return salter(secret)(kind, number)


def salter(secret: bytes):
    """``salt_for`` with the organization's secret keyed once (a keyed BLAKE2b state copied per document: the
    same salts, without setting the key up a million times)."""
    keyed = hashlib.blake2b(key=secret, digest_size=32, person=b"quy-salt")

    def salt(kind: str, number: str) -> bytes:
        h = keyed.copy()
        h.update(f"{kind}|{number}".encode())
        return h.digest()

    return salt


def draw_seed(secret: bytes, label: str, draw: int) -> bytes:
    return hmac.digest(secret, f"draw|{label}|{draw}".encode(), "sha256")


def split(amount: int, rng: random.Random) -> tuple[int, int]:
    """Two non-negative parts of ``amount`` of random size; when the amount is a round thousand, neither part
    is one (a round part would look like a gift)."""
    if amount < 0 or amount > MAX_SUM:
        raise ValueError("an amount in a tree is a whole number from 0 to 2^63-1")
    if amount < 2:
        return amount, 0
    r = rng.getrandbits(64) % (amount - 1) + 1
    if amount % 1000 == 0 and r % 1000 == 0:  # r ≤ amount − 1000: moving it by 1…999 keeps it inside
        r += 1 + rng.getrandbits(16) % 999
    return r, amount - r


def _tails(docs: Sequence[Doc]) -> list[bytes]:
    """Each leaf's bytes after its amount: ``str number ‖ str fund ‖ date ‖ str kind`` (the fund, date and kind
    part encoded once for each such triple)."""
    ends: dict[tuple[str, date, str], bytes] = {}
    out = []
    for d in docs:
        key = (d.fund, d.date, d.kind)
        end = ends.get(key)
        if end is None:
            f, k = d.fund.encode(), d.kind.encode()
            end = ends[key] = b"".join((len(f).to_bytes(2, "big"), f, d.date.isoformat().encode(),
                                        len(k).to_bytes(2, "big"), k))
        num = d.number.encode()
        out.append(len(num).to_bytes(2, "big") + num + end)
    return out


class SumTree:
    """A Merkle-sum tree in RFC 9162's shape, built bottom-up (an odd last node is carried up unchanged)."""

    def __init__(self, hashes: list[bytes], sums: list[int]):
        self.hashes: list[list[bytes]] = [hashes]
        self.sums: list[list[int]] = [sums]
        pack = _PAIR.pack
        sha = _SHA
        while len(self.hashes[-1]) > 1:
            h, s = self.hashes[-1], self.sums[-1]
            last = len(h) - 1
            ls, rs = s[0:last:2], s[1:last + 1:2]
            nh = [sha(pack(b"\x01", a, x, b, y)).digest()
                  for a, x, b, y in zip(h[0:last:2], ls, h[1:last + 1:2], rs, strict=True)]
            ns = list(map(add, ls, rs))
            if len(h) & 1:
                nh.append(h[last])
                ns.append(s[last])
            self.hashes.append(nh)
            self.sums.append(ns)
        if ns_total(self) > MAX_SUM:
            raise ValueError("a tree's total passes 2^63-1")

    @property
    def size(self) -> int:
        return len(self.hashes[0])

    @property
    def root(self) -> tuple[bytes, int]:
        if not self.hashes[0]:
            return EMPTY
        return self.hashes[-1][0], self.sums[-1][0]

    def path(self, index: int) -> list[tuple[bytes, int]]:
        """The siblings from leaf ``index`` up to the root (RFC 9162 PATH)."""
        out = []
        for h, s in zip(self.hashes[:-1], self.sums[:-1], strict=True):
            sib = index ^ 1
            if sib < len(h):
                out.append((h[sib], s[sib]))
            index >>= 1
        return out

    def node_sums(self) -> Iterable[int]:
        """Every sum a proof can show as a sibling (every node but the root)."""
        for level in self.sums[:-1]:
            yield from level


def ns_total(t: SumTree) -> int:
    return t.sums[-1][0] if t.sums[0] else 0


@dataclass
class MonthTree:
    """One month's tree: its documents, their pieces in leaf order and where each piece stands."""

    label: str
    docs: list[Doc]
    owners: list[int]  # leaf → document index × 2 + piece
    tree: SumTree
    draw: int
    _place: list[int] | None = field(default=None, repr=False)  # document index × 2 + piece → leaf, when asked

    def where(self, doc: int) -> list[int]:
        """The leaves of document ``doc``'s pieces, piece 0 first."""
        if self._place is None:
            place = [0] * len(self.owners)
            for leaf, o in enumerate(self.owners):
                place[o] = leaf
            self._place = place
        return [self._place[doc * PIECES + k] for k in range(PIECES)]

    @property
    def root(self) -> tuple[bytes, int]:
        return self.tree.root


def build_month(docs: Sequence[Doc], secret: bytes, label: str, *, avoid: set[int] | None = None,
                draws: int = DRAWS) -> MonthTree:
    """The month's tree; with ``avoid`` (the amounts of single gifts), the first draw in which no sibling sum
    equals one of them, or the draw with the fewest such sums after ``draws`` tries. (On a month of more than
    ``CHECKED`` documents one draw is taken: there thousands of sums equal some gift's amount by chance and
    none of them says whose.)"""
    docs = sorted(docs, key=itemgetter(0))  # by number
    heads = [b"\x00" + d.salt for d in docs]
    tails = _tails(docs)
    pk = _LEAF.pack
    sha = _SHA
    best = None
    tries = draws if avoid and len(docs) <= CHECKED else 1
    for draw in range(tries):
        getr = random.Random(draw_seed(secret, label, draw)).getrandbits
        amounts, hashes = [], []
        for d, head, tail in zip(docs, heads, tails, strict=True):  # split() written out, for speed
            a = d.amount
            if a < 2:
                if a < 0:
                    raise ValueError(f"{d.number}: an amount in a tree is never negative")
                r = a
            else:
                r = getr(64) % (a - 1) + 1
                if not a % 1000 and not r % 1000:
                    r += 1 + getr(16) % 999
            amounts += (r, a - r)
            hashes += (sha(pk(head, 0, PIECES, r) + tail).digest(), sha(pk(head, 1, PIECES, a - r) + tail).digest())
        order = sorted(range(len(hashes)), key=hashes.__getitem__)  # places as random as the salted hashes
        tree = SumTree([hashes[j] for j in order], [amounts[j] for j in order])
        clashes = sum(1 for s in tree.node_sums() if s in avoid) if tries > 1 else 0
        if best is None or clashes < best[0]:
            best = (clashes, draw, order, tree)
        if not clashes:
            break
    _, draw, order, tree = best
    return MonthTree(label, docs, order, tree, draw)


def top(roots: Sequence[tuple[bytes, int]]) -> SumTree:
    """A tree over period roots taken as leaves (a quarter over its months, a year over its quarters)."""
    return SumTree([h for h, _ in roots], [s for _, s in roots])


def segment(index: int, size: int, path: list[tuple[bytes, int]], period: str) -> dict:
    return {"period": period, "index": index, "size": size, "path": [[h.hex(), s] for h, s in path]}


@dataclass
class YearTrees:
    """A year of month trees, with the quarter and year trees over their roots."""

    label: str  # the year, "2026"
    months: list[MonthTree]  # 12, January first
    quarters: list[SumTree]  # 4
    year: SumTree

    def roots(self) -> dict[str, tuple[tuple[bytes, int], int]]:
        """Every period's root and leaf count: "2026-03", "2026-Q1", "2026"."""
        out = {m.label: (m.root, m.tree.size) for m in self.months}
        for q, t in enumerate(self.quarters, 1):
            out[f"{self.label}-Q{q}"] = (t.root, t.size)
        out[self.label] = (self.year.root, self.year.size)
        return out

    def find(self, number: str) -> tuple[int, int] | None:
        for mi, m in enumerate(self.months):
            for di, d in enumerate(m.docs):
                if d.number == number:
                    return mi, di
        return None

    def segments(self, month: int, doc: int, up_to: str = "year") -> tuple[list[dict], list[dict]]:
        """Document ``doc`` of month ``month`` (0-based): each piece's path to the month's root, and the
        segments from the month's root up to the quarter's or the year's (shared by the pieces)."""
        m = self.months[month]
        pieces = [{"piece": m.owners[leaf] & 1, "amount": m.tree.sums[0][leaf], "index": leaf,
                   "path": [[h.hex(), s] for h, s in m.tree.path(leaf)]} for leaf in m.where(doc)]
        return sorted(pieces, key=lambda p: p["piece"]), up_segments(self.label, month, [m.root for m in self.months],
                                                                      up_to)


def up_segments(year: str, month: int, month_roots: Sequence[tuple[bytes, int] | None], up_to: str) -> list[dict]:
    """The segments from month ``month``'s root (0-based) up to its quarter's root and (``up_to`` "year") the
    year's, from the months' roots alone (``None`` for a month not needed: a quarter's path needs its three
    months, the year's all twelve) — what every document of the month shares in its proof."""
    q, mq = divmod(month, 3)
    up = []
    if up_to in ("quarter", "year"):
        up.append(segment(mq, 3, top(month_roots[q * 3:q * 3 + 3]).path(mq), f"{year}-Q{q + 1}"))
    if up_to == "year":
        quarters = [top(month_roots[i * 3:i * 3 + 3]).root for i in range(4)]
        up.append(segment(q, 4, top(quarters).path(q), year))
    return up


def build_year(year: int, docs: Iterable[Doc], secret: bytes, *, avoid_clashes: bool = True) -> YearTrees:
    """A year's trees over its documents (each in the month of its date); the caller pauses the garbage collector
    around making the documents and this (``ledger.gcpause.gc_paused``)."""
    by_month: list[list[Doc]] = [[] for _ in range(12)]
    for d in docs:
        if d.date.year != year:
            raise ValueError(f"{d.number} is dated {d.date}, not in {year}")
        by_month[d.date.month - 1].append(d)
    # what a month's draw avoids depends on that month alone (its documents are fixed once its books are locked),
    # so the same month gives the same tree whatever the later months hold: its own amounts and the round ones
    months = [build_month(ds, secret, f"{year}-{i + 1:02d}",
                          avoid=({d.amount for d in ds} | ROUND) if avoid_clashes else None)
              for i, ds in enumerate(by_month)]
    quarters = [top([m.root for m in months[q * 3:q * 3 + 3]]) for q in range(4)]
    return YearTrees(str(year), months, quarters, top([q.root for q in quarters]))


def proof(trees: YearTrees, number: str, roots: list[dict], *, period: str | None = None,
          log: dict | None = None) -> dict:
    """The proof (``proofcheck.FORMAT``) that document ``number`` is counted in ``period``'s signed root
    (the year's by default; its month's or quarter's when only those are published); ``roots`` the signed
    statements to carry along."""
    at = trees.find(number)
    if at is None:
        raise KeyError(number)
    mi, di = at
    m = trees.months[mi]
    d = m.docs[di]
    period = period or trees.label
    up_to = "year" if period == trees.label else "quarter" if "-Q" in period else "month"
    pieces, up = trees.segments(mi, di, up_to)
    return {
        "format": FORMAT,
        "period": period,
        "document": {"number": d.number, "fund": d.fund, "date": d.date.isoformat(), "amount": d.amount,
                     "kind": d.kind, "salt": d.salt.hex()},
        "month": {"period": m.label, "size": m.tree.size},
        "pieces": pieces,
        "up": up,
        "roots": roots,
        "log": log,
    }


# --------------------------------------------------------------------------- the log of published roots


def _mth(leaves: Sequence[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return _SHA(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return log_node(_mth(leaves[:k]), _mth(leaves[k:]))


def log_root(entries: Sequence[bytes]) -> bytes:
    """The root of the log over the canonical bytes of its entries (RFC 9162 MTH)."""
    return _mth([log_leaf(e) for e in entries])


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [_mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return _subproof(m, leaves[:k], complete) + [_mth(leaves[k:])]
    return _subproof(m - k, leaves[k:], False) + [_mth(leaves[:k])]


def consistency(old_size: int, entries: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 PROOF(m, D[n]): that the log of ``entries`` keeps its first ``old_size`` entries."""
    if old_size == 0 or old_size == len(entries):
        return []
    return _subproof(old_size, [log_leaf(e) for e in entries], True)


def log_inclusion(roots: list[dict], entries: Sequence[bytes], head: dict) -> dict:
    """The ``log`` part of a proof: the log's signed ``head`` and, for each of ``roots`` (signed statements whose
    ``seq`` is their place in the log), its RFC 9162 inclusion path in the first ``head`` size entries."""
    size = head["statement"]["size"]
    return {"head": head, "entries": [{"index": r["statement"]["seq"],
                                       "path": [h.hex() for h in log_path(r["statement"]["seq"], entries[:size])]}
                                      for r in roots]}


def log_path(index: int, entries: Sequence[bytes]) -> list[bytes]:
    """RFC 9162 PATH(m, D[n]) of entry ``index``."""
    leaves = [log_leaf(e) for e in entries]

    def path(m: int, d: Sequence[bytes]) -> list[bytes]:
        if len(d) <= 1:
            return []
        k = 1 << ((len(d) - 1).bit_length() - 1)
        return path(m, d[:k]) + [_mth(d[k:])] if m < k else path(m - k, d[k:]) + [_mth(d[:k])]

    return path(index, leaves)
