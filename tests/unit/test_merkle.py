"""Merkle-sum trees and the log of published roots (issue 27): property tests over random sets of gifts.

Every proof is checked by ``ledger.proofcheck`` — the same file an auditor runs offline."""

from __future__ import annotations

import copy
import random
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger import merkle as M
from ledger import proofcheck as P

SECRET = bytes(range(32))
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PUB = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def sign(st_: dict) -> dict:
    return {"statement": st_, "signature": KEY.sign(P.canonical(st_)).hex()}


def signed_roots(trees: M.YearTrees, fund: str = "KH", kind: str = "gifts", first: int = 0) -> list[dict]:
    """The year's roots as a publisher signs them (``seq``: their places in the log, from ``first``)."""
    out = []
    for seq, (period, ((h, s), n)) in enumerate(trees.roots().items(), first):
        start, end = proofs_bounds(period)
        out.append(sign({"org": "SLA", "fund": fund, "kind": kind, "period": period, "from": start, "to": end,
                         "root": h.hex(), "total": s, "leaves": n, "seq": seq}))
    return out


def proofs_bounds(period: str) -> tuple[str, str]:
    from ledger.proofs import bounds

    a, b = bounds(period)
    return a.isoformat(), b.isoformat()


def published(roots: list[dict]) -> tuple[list[bytes], dict]:
    """The log over ``roots`` and its signed head."""
    entries = [P.canonical(r) for r in roots]
    return entries, sign({"org": "SLA", "size": len(entries), "root": M.log_root(entries).hex()})


def proof_of(trees: M.YearTrees, number: str, roots: list[dict], period: str | None = None,
             log_roots: list[dict] | None = None) -> dict:
    """What the server serves: the proof with its roots and their places in the public log (``log_roots``: the
    log, ``roots`` by default)."""
    p = M.proof(trees, number, roots, period=period)
    entries, head = published(log_roots if log_roots is not None else roots)
    carried = [r for r in roots if r["statement"]["period"] in (p["month"]["period"], p["period"])]
    p["roots"] = carried
    p["log"] = M.log_inclusion(carried, entries, head)
    return p


def doc(i: int, amount: int, day: date, fund: str = "KH") -> M.Doc:
    number = f"BN/{day:%y} {i:07d}"
    return M.Doc(number, fund, day, amount, M.salt_for(SECRET, "gift", number))


amounts = st.one_of(st.integers(0, 10**12), st.sampled_from([1, 2, 1000, 2000, 100_000, 500_000, 2_000_000,
                                                              10_000_000]))
gifts = st.lists(st.tuples(amounts, st.integers(0, 364)), min_size=1, max_size=60)


def build(gs) -> tuple[list[M.Doc], M.YearTrees, list[dict]]:
    docs = [doc(i, a, date(2026, 1, 1) + timedelta(days=d)) for i, (a, d) in enumerate(gs, 1)]
    trees = M.build_year(2026, docs, SECRET)
    return docs, trees, signed_roots(trees)


def fails(proof: dict, kind: str | None = None, key: bytes = PUB) -> None:
    with pytest.raises(P.ProofError) as e:
        P.verify_proof(proof, key)
    if kind:
        assert e.value.kind == kind, e.value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gifts)
def test_every_gift_s_proof_verifies_against_the_signed_roots_and_the_totals_are_the_leaves(gs):
    docs, trees, roots = build(gs)
    assert trees.year.root[1] == sum(a for a, _ in gs)
    for m in trees.months:
        assert m.root[1] == sum(d.amount for d in m.docs)
        assert m.tree.size == 2 * len(m.docs) and all(s >= 0 for s in m.tree.sums[0])
    for d in docs:
        for period in ("2026", f"2026-Q{(d.date.month - 1) // 3 + 1}", f"2026-{d.date.month:02d}"):
            r = P.verify_proof(proof_of(trees, d.number, roots, period=period), PUB)
            assert (r["number"], r["amount"], r["period"]) == (d.number, d.amount, period)
            assert r["total"] == sum(x.amount for x in docs if str(x.date).startswith(period.split("-Q")[0])
                                     and (("-Q" not in period) or (x.date.month - 1) // 3 + 1 == int(period[-1])))


@settings(max_examples=60, deadline=None)
@given(gifts, st.data())
def test_changing_any_figure_of_a_proof_makes_it_fail(gs, data):
    docs, trees, roots = build(gs)
    d = data.draw(st.sampled_from(docs))
    good = proof_of(trees, d.number, roots)
    P.verify_proof(good, PUB)

    p = copy.deepcopy(good)  # the document's amount
    p["document"]["amount"] += data.draw(st.integers(1, 10**6))
    fails(p, "pieces")

    p = copy.deepcopy(good)  # a piece's amount, the other piece keeping the document's total
    delta = data.draw(st.integers(1, 10**6))
    p["pieces"][0]["amount"] += delta
    p["pieces"][1]["amount"] -= delta
    fails(p)

    steps = [(i, j) for i, pc in enumerate(good["pieces"]) for j in range(len(pc["path"]))]
    if steps:  # a sibling's sum: moving value between branches
        i, j = data.draw(st.sampled_from(steps))
        p = copy.deepcopy(good)
        p["pieces"][i]["path"][j][1] += data.draw(st.integers(1, 10**6))
        fails(p)
        p = copy.deepcopy(good)
        p["pieces"][i]["path"][j][1] = -1 - data.draw(st.integers(0, 10**6))
        fails(p, "negative")

    p = copy.deepcopy(good)  # a negative piece, made up by a larger other one
    p["pieces"][0]["amount"], p["pieces"][1]["amount"] = -5, good["document"]["amount"] + 5
    fails(p, "negative")

    p = copy.deepcopy(good)  # the signed total
    p["roots"][-1]["statement"]["total"] += 1
    fails(p, "signature")
    fails(p, key=None)  # even unsigned, the path does not add up to it (nor is that root in the log)

    p = copy.deepcopy(good)  # the same piece counted twice
    p["pieces"][1] = dict(p["pieces"][0], piece=1)
    fails(p)


@settings(max_examples=40, deadline=None)
@given(gifts.filter(lambda g: len(g) >= 2), st.data())
def test_a_tree_with_a_gift_dropped_duplicated_or_changed_does_not_match_the_signed_roots(gs, data):
    docs, trees, roots = build(gs)
    year = trees.year.root
    i = data.draw(st.integers(0, len(docs) - 1))
    dropped = docs[:i] + docs[i + 1:]
    doubled = docs + [M.Doc(docs[i].number + "b", docs[i].fund, docs[i].date, docs[i].amount, docs[i].salt)]
    changed = list(docs)
    changed[i] = M.Doc(docs[i].number, docs[i].fund, docs[i].date, docs[i].amount + 1, docs[i].salt)
    for tampered in (dropped, doubled, changed):
        t = M.build_year(2026, tampered, SECRET)
        assert t.year.root != year
        # the publisher's proofs from the tampered tree, against what was signed: each of them fails
        # unless its document's month, quarter and year were left untouched (none is, for the year)
        for x in tampered[:5]:
            p = M.proof(t, x.number, roots)
            entries, head = published(roots)
            carried = [r for r in roots if r["statement"]["period"] in (p["month"]["period"], p["period"])]
            p["roots"], p["log"] = carried, M.log_inclusion(carried, entries, head)
            fails(p)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 10**9), min_size=2, max_size=40), st.data())
def test_moving_value_between_branches_changes_the_root_even_when_the_total_stays(sums, data):
    hashes = [M._SHA(bytes([i % 256, i // 256])).digest() for i in range(len(sums))]
    t = M.SumTree(hashes, sums)
    i, j = data.draw(st.integers(0, len(sums) - 1)), data.draw(st.integers(0, len(sums) - 1))
    assume(i != j and sums[i] > 0)
    moved = list(sums)
    moved[i] -= 1
    moved[j] += 1
    t2 = M.SumTree(hashes, moved)
    assert t2.root[1] == t.root[1] and t2.root[0] != t.root[0]


def test_a_negative_amount_cannot_enter_a_tree():
    with pytest.raises(ValueError):
        M.build_year(2026, [doc(1, -1, date(2026, 5, 1))], SECRET)
    with pytest.raises(P.ProofError):
        P.node((b"\0" * 32, -1), (b"\0" * 32, 2))


def test_round_gifts_are_split_into_parts_that_are_not_round_and_add_up():
    import random

    rng = random.Random(7)
    for amount in (2000, 1_000_000, 500_000, 2_224_402_000, 1000, 1, 0, 3):
        for _ in range(200):
            a, b = M.split(amount, rng)
            assert a + b == amount and a >= 0 and b >= 0
            if amount % 1000 == 0 and amount >= 2000:
                assert a % 1000 and b % 1000


def test_the_same_documents_give_the_same_trees_and_another_secret_other_ones():
    docs = [doc(i, 100_000 * i, date(2026, 3, i)) for i in range(1, 20)]
    a, b = M.build_year(2026, docs, SECRET), M.build_year(2026, list(reversed(docs)), SECRET)
    assert a.year.root == b.year.root
    assert M.build_year(2026, docs, bytes(32)).year.root != a.year.root


def test_no_sibling_sum_equals_a_single_gift_on_a_year_of_round_gifts():
    import random

    rng = random.Random(3)
    docs = [doc(i, rng.choice([100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000]),
                date(2026, 1, 1) + timedelta(days=rng.randrange(365))) for i in range(1, 400)]
    trees = M.build_year(2026, docs, SECRET)
    gifts = {d.amount for d in docs}
    roots = signed_roots(trees)
    for d in docs:
        p = proof_of(trees, d.number, roots)
        shown = [s for pc in p["pieces"] for _, s in pc["path"]] + [s for seg in p["up"] for _, s in seg["path"]]
        assert not gifts & set(shown), d.number
        assert {pc["amount"] for pc in p["pieces"]}.isdisjoint(gifts)


# --------------------------------------------------------------------------- the log


def entries_for(n: int) -> list[dict]:
    return [sign({"org": "SLA", "fund": "KH", "kind": "gifts", "period": f"20{10 + i}", "root": f"{i:064x}",
                  "total": i * 1000, "leaves": 2 * i}) for i in range(n)]


def log_doc(entries: list[dict], previous_size: int | None = None) -> dict:
    raw = [P.canonical(e) for e in entries]
    root = M.log_root(raw)
    out = {"entries": entries, "head": sign({"size": len(entries), "root": root.hex()})}
    if previous_size is not None:
        out["consistency"] = [h.hex() for h in M.consistency(previous_size, raw)]
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.data())
def test_every_version_of_the_log_has_a_valid_consistency_proof_from_every_earlier_one(n, data):
    entries = entries_for(n)
    raw = [P.canonical(e) for e in entries]
    m = data.draw(st.integers(0, n))
    old, new = M.log_root(raw[:m]), M.log_root(raw)
    P.verify_consistency(m, old, n, new, M.consistency(m, raw))
    P.verify_log(log_doc(entries, m), PUB, previous=log_doc(entries[:m]))
    for i in range(n):
        assert P.log_root(i, n, P.log_leaf(raw[i]), M.log_path(i, raw)) == new
    if 0 < m < n:  # an entry of the old version rewritten: no proof of consistency can be made to hold
        forged = list(raw)
        k = data.draw(st.integers(0, m - 1))
        forged[k] = forged[k] + b" "
        with pytest.raises(P.ProofError):
            P.verify_consistency(m, old, n, M.log_root(forged), M.consistency(m, forged))


def test_a_past_period_published_again_with_other_figures_is_detected():
    entries = entries_for(5)
    rewritten = sign(dict(entries[2]["statement"], total=entries[2]["statement"]["total"] + 1))
    with pytest.raises(P.ProofError) as e:
        P.verify_log(log_doc(entries + [rewritten]), PUB)
    assert e.value.kind == "rewritten"
    # the same figures again (a re-signed head, say) are no rewrite
    P.verify_log(log_doc(entries + [entries[2]]), PUB)


def test_a_log_whose_head_was_signed_by_another_key_fails():
    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with pytest.raises(P.ProofError) as e:
        P.verify_log(log_doc(entries_for(3)), other)
    assert e.value.kind == "signature"


def test_a_root_of_another_fund_or_kind_or_one_kept_out_of_the_log_does_not_prove_a_gift():
    """A publisher who puts a gift in another fund's or kind's tree (leaving it out of its own fund's total), or
    who signs a second root for donors only, is caught."""
    docs = [doc(i, 1_000_000 * i, date(2026, 2, i)) for i in range(1, 8)]
    trees = M.build_year(2026, docs, SECRET)
    for fund, kind in (("KH", "payments"), ("TOHIEU", "gifts")):
        p = proof_of(trees, docs[2].number, signed_roots(trees, fund=fund, kind=kind))
        p["document"]["fund"] = "KH"  # the donor's receipt says KH
        with pytest.raises(P.ProofError):
            P.verify_proof(p, PUB)
    honest = M.build_year(2026, docs[:2], SECRET)  # what the public log shows: a smaller February
    public = signed_roots(honest)
    secret_roots = signed_roots(trees, first=len(public))  # signed, but never put in the public log
    p = proof_of(trees, docs[2].number, secret_roots, log_roots=public)
    with pytest.raises(P.ProofError) as e:
        P.verify_proof(p, PUB)
    assert e.value.kind == "log"
    p = proof_of(trees, docs[2].number, secret_roots, log_roots=public + secret_roots)  # logged: it holds
    assert P.verify_proof(p, PUB)["amount"] == 3_000_000


def test_a_later_month_never_changes_an_earlier_month_s_tree():
    jan = [doc(i, 100_000 * i + 7_000, date(2026, 1, i)) for i in range(1, 20)]
    first = M.build_year(2026, jan, SECRET)
    for s_ in sorted(set(first.months[0].tree.node_sums()))[:40]:  # a February gift of each January sum
        later = M.build_year(2026, jan + [doc(99, s_, date(2026, 2, 1))], SECRET)
        assert later.months[0].root == first.months[0].root


def test_a_year_s_trees_are_the_ones_published_before_the_builder_was_made_faster():
    """A published root must build again years later (``proofs.publish`` refuses otherwise): this year of 3,000
    gifts (two funds' numbers mixed, round and odd amounts, some months redrawn) gives the root the builder gave
    before it was made faster (pinned from that builder, 2026-12-07)."""
    docs = [M.Doc(f"BN/26 {i:07d}", "KH" if i % 3 else "TOHIEU", date(2026, 1, 1) + timedelta(days=(i * 37) % 365),
                  (i * 7919) % 50_000_000 + (1000 if i % 2 else 0), M.salt_for(SECRET, "gifts", f"BN/26 {i:07d}"))
            for i in range(1, 3001)]
    t = M.build_year(2026, docs, SECRET)
    assert (t.year.root[0].hex(), t.year.root[1]) == (
        "29ff6504747c05775a2c9a20b21071fe5b8721c8ade8d2f316781834657b0ae2", 35_648_878_500)
    assert [m.draw for m in t.months] == [0, 2, 1, 0, 0, 0, 4, 0, 0, 2, 0, 0]
    assert M.salter(SECRET)("gifts", "BN/26 0000001") == M.salt_for(SECRET, "gifts", "BN/26 0000001")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gifts, st.data())
def test_a_compact_proof_with_its_month_s_context_is_the_whole_proof_and_any_changed_byte_fails(gs, data):
    """``pack_proof`` keeps only the document's own part; with the month's context (the same for every document
    of the month) ``unpack_proof`` gives back the very proof, which verifies; a changed byte never verifies, and
    a context of another month or period is refused."""
    docs, trees, roots = build(gs)
    d = data.draw(st.sampled_from(docs))
    period = data.draw(st.sampled_from(["2026", f"2026-Q{(d.date.month - 1) // 3 + 1}", f"2026-{d.date.month:02d}"]))
    whole = proof_of(trees, d.number, roots, period=period)
    packed = P.pack_proof(whole)
    assert P.unpack_proof(packed, P.context_of(whole)) == whole
    assert P.verify_proof(P.unpack_proof(packed, P.context_of(whole)), PUB)["amount"] == d.amount
    # the month's path up, from the published month roots alone, is the one the trees give
    month_roots = [(bytes.fromhex(r["statement"]["root"]), r["statement"]["total"]) for r in roots
                   if len(r["statement"]["period"]) == 7]
    up_to = "year" if period == "2026" else "quarter" if "-Q" in period else "month"
    assert M.up_segments("2026", d.date.month - 1, month_roots, up_to) == whole["up"]
    at = data.draw(st.integers(0, len(packed) - 1))
    bad = bytearray(packed)
    bad[at] ^= data.draw(st.integers(1, 255))
    with pytest.raises(P.ProofError):
        P.verify_proof(P.unpack_proof(bytes(bad), P.context_of(whole)), PUB)
    with pytest.raises(P.ProofError):
        P.unpack_proof(packed + b"\x00", P.context_of(whole))
    with pytest.raises(P.ProofError):
        P.unpack_proof(packed[:-1], P.context_of(whole))
    other = {**P.context_of(whole), "period": "2025" if period != "2025" else "2026"}
    with pytest.raises(P.ProofError) as e:
        P.unpack_proof(packed, other)
    assert e.value.kind == "period"


def test_a_compact_proof_of_a_year_of_100_000_gifts_is_under_1_5_kb():
    """The donor's own part at 100,000 gifts a year in one fund (a month's tree of ~16,700 pieces, 15 levels);
    ``make bench-proofs`` measures it at 1,000,000."""
    rng = random.Random(7)
    docs = [doc(i, rng.choice([100_000, 500_000, 2_000_000]) + rng.randrange(5) * 1000,
                date(2026, 1, 1) + timedelta(days=rng.randrange(365))) for i in range(1, 100_001)]
    trees = M.build_year(2026, docs, SECRET, avoid_clashes=False)
    for d in docs[::9973]:
        assert len(P.pack_proof(M.proof(trees, d.number, []))) < 1536


def test_a_compact_proof_has_one_spelling_and_a_context_is_an_object():
    """A number padded with empty varint bytes (the same value, other bytes) and a context that is not a JSON
    object are refused, never a traceback."""
    docs, trees, roots = build([(2_000_000, 40), (500_000, 41)])
    whole = proof_of(trees, docs[0].number, roots)
    packed = P.pack_proof(whole)
    at = 4 + 32  # the amount's varint, right after the magic and the salt
    n = 0
    while packed[at + n] & 0x80:
        n += 1
    last = packed[at + n]
    padded = packed[:at + n] + bytes([last | 0x80, 0x00]) + packed[at + n + 1:]
    with pytest.raises(P.ProofError) as e:
        P.unpack_proof(padded, P.context_of(whole))
    assert e.value.kind == "format" and "shortest" in str(e.value)
    for bad in ([], "2026", 7):
        with pytest.raises(P.ProofError) as e:
            P.unpack_proof(packed, bad)
        assert e.value.kind == "format"
