#!/usr/bin/env python3
"""Check Quỹ's published proofs on your own machine: ``python proofcheck.py PROOF.json --key KEY`` (a compact
proof: ``python proofcheck.py PROOF.qpf --context CONTEXT.json --key KEY``).

One file, nothing but Python's standard library, plus ``cryptography`` (or ``PyNaCl``) for the Ed25519
signatures. Quỹ itself checks with this same file (``ledger.proofcheck``), so the rules below are the only
definition of how a proof is checked; README "Proofs that every gift is counted" documents the JSON.

The hashing rules (SHA-256, domain-separated as in RFC 9162):

- a leaf (one piece of a gift or of a payment)::

      H(0x00 ‖ salt(32) ‖ u8 piece ‖ u8 pieces ‖ u64 amount ‖ str number ‖ str fund ‖ "YYYY-MM-DD" ‖ str kind)

  where ``str`` is a u16 byte length and the UTF-8 bytes, integers big-endian;
- an inner node of a Merkle-sum tree: ``H(0x01 ‖ left hash ‖ u64 left sum ‖ right hash ‖ u64 right sum)``,
  its sum the two sums added; every sum is a whole number from 0 to 2⁶³ − 1;
- the empty tree: ``H()`` with sum 0;
- the shape of every tree is RFC 9162's (the left subtree holds the largest power of two below the size);
- a month's tree has the pieces as leaves; a quarter's tree has its three months' roots as leaves, a
  year's its four quarters' (a root taken as a leaf keeps its hash and sum, it is not hashed again);
- the log of an organization's published roots is a plain RFC 9162 tree over the canonical bytes of each
  signed statement (leaf ``H(0x00 ‖ bytes)``, node ``H(0x01 ‖ left ‖ right)``).

Canonical bytes of a statement: its JSON with sorted keys, no spaces, UTF-8 (``canonical``).
Exit status: 0 when everything checked holds, 1 when something does not (the line says what), 2 when the
files cannot be read.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import struct
import sys

MAX_SUM = (1 << 63) - 1
FORMAT = "quy-proof/1"


class ProofError(ValueError):
    """A proof, a signature or a log that does not hold; ``kind`` says which check failed."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# --------------------------------------------------------------------------- hashing rules


def _str(s: str) -> bytes:
    b = s.encode("utf-8")
    if len(b) > 0xFFFF:
        raise ProofError("format", "a text field is longer than 65,535 bytes")
    return struct.pack(">H", len(b)) + b


def leaf_hash(salt: bytes, piece: int, pieces: int, amount: int, number: str, fund: str, day: str,
              kind: str = "gifts") -> bytes:
    if len(salt) != 32:
        raise ProofError("format", "a salt is 32 bytes")
    if not (0 <= amount <= MAX_SUM) or isinstance(amount, bool) or not isinstance(amount, int):
        raise ProofError("negative", f"a piece's amount must be a whole number from 0 to 2^63-1, not {amount!r}")
    if not (0 <= piece < pieces <= 255):
        raise ProofError("format", "a piece is numbered from 0 below its count (at most 255)")
    return hashlib.sha256(b"\x00" + salt + struct.pack(">BBQ", piece, pieces, amount) + _str(number) + _str(fund)
                          + day.encode("ascii") + _str(kind)).digest()


def node(left: tuple[bytes, int], right: tuple[bytes, int]) -> tuple[bytes, int]:
    (lh, ls), (rh, rs) = left, right
    for s in (ls, rs):
        if isinstance(s, bool) or not isinstance(s, int) or s < 0 or s > MAX_SUM:
            raise ProofError("negative", f"a sum must be a whole number from 0 to 2^63-1, not {s!r}")
    total = ls + rs
    if total > MAX_SUM:
        raise ProofError("overflow", "a sum passes 2^63-1")
    return hashlib.sha256(b"\x01" + lh + struct.pack(">Q", ls) + rh + struct.pack(">Q", rs)).digest(), total


EMPTY = (hashlib.sha256(b"").digest(), 0)


def log_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def log_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------- inclusion (RFC 9162 §2.1.3.2)


def _fold(index: int, size: int, start, path, combine, what: str = "path"):
    """The root that ``path`` leads to from ``start`` at ``index`` of a tree of ``size`` leaves: RFC 9162's walk,
    ``combine(sibling, r)`` for a sibling on the left and ``combine(r, sibling)`` on the right."""
    if not (0 <= index < size):
        raise ProofError(what, f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, start
    for sibling in path:
        if sn == 0:
            raise ProofError(what, "the path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = combine(sibling, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = combine(r, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(what, "the path is shorter than the tree is deep")
    return r


def _pair(x) -> tuple[bytes, int]:
    try:
        h, s = x
        h = bytes.fromhex(h) if isinstance(h, str) else h
    except (TypeError, ValueError) as e:
        raise ProofError("format", f"a path step is [hash hex, sum]: {e}") from None
    if len(h) != 32:
        raise ProofError("format", "a hash is 32 bytes (64 hex digits)")
    return h, s


def sum_root(index: int, size: int, start: tuple[bytes, int], path) -> tuple[bytes, int]:
    return _fold(index, size, start, [_pair(p) for p in path], node)


def log_root(index: int, size: int, leaf: bytes, path) -> bytes:
    return _fold(index, size, leaf, [bytes.fromhex(p) if isinstance(p, str) else p for p in path], log_node)


# --------------------------------------------------------------------------- consistency (RFC 9162 §2.1.4.2)


def verify_consistency(old_size: int, old_root: bytes, new_size: int, new_root: bytes, proof) -> None:
    """Raise unless the log of ``new_size`` entries with ``new_root`` keeps the first ``old_size`` entries as
    the log with ``old_root`` had them."""
    proof = [bytes.fromhex(p) if isinstance(p, str) else p for p in proof]
    if old_size > new_size or old_size < 0:
        raise ProofError("log", "a log never shrinks")
    if old_size == new_size:
        if proof or old_root != new_root:
            raise ProofError("log", "the same size must have the same root")
        return
    if old_size == 0:
        if proof:
            raise ProofError("log", "nothing to prove from an empty log")
        return
    if not proof:
        raise ProofError("log", "a consistency proof is missing")
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        proof = [old_root] + proof
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1

    def both(a, b):  # (old root, new root) so far with a node: a left sibling joins both, a right one the new
        return (log_node(a, b[0]), log_node(a, b[1])) if isinstance(b, tuple) else (a[0], log_node(a[1], b))

    fr, sr = _fold(fn, sn + 1, (proof[0], proof[0]), proof[1:], both, "log")
    if fr != old_root or sr != new_root:
        raise ProofError("log", f"the log of {new_size} entries does not keep the {old_size} published before")


# --------------------------------------------------------------------------- signatures


def key_bytes(key: str) -> bytes:
    """An Ed25519 public key from its hex, its base64 or a file holding either."""
    key = key.strip()
    for decode in (bytes.fromhex, base64.b64decode):
        try:
            raw = decode(key)
        except ValueError:
            continue
        if len(raw) == 32:
            return raw
    raise ProofError("key", "an Ed25519 public key is 32 bytes, in hex or base64")


def fingerprint(public_key: bytes) -> str:
    """SHA-256 of the raw public key, the first 16 bytes in hex, in groups of four: what pages print."""
    h = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(h[i:i + 4] for i in range(0, 32, 4))


def verify_signature(public_key: bytes, message: bytes, signature_hex: str) -> None:
    try:
        signature = bytes.fromhex(signature_hex)
    except (TypeError, ValueError):
        raise ProofError("signature", "the signature is not hex") from None
    try:
        # either package checks Ed25519: the one file runs with whichever the auditor has installed
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:  # PyNaCl instead
        try:
            # PyNaCl, when cryptography is not installed
            from nacl.exceptions import BadSignatureError
            from nacl.signing import VerifyKey
        except ImportError:
            raise ProofError("setup", "checking Ed25519 needs `pip install cryptography` (or PyNaCl)") from None
        try:
            VerifyKey(public_key).verify(message, signature)
        except (BadSignatureError, ValueError):
            raise ProofError("signature", "the signature does not match the organization's key") from None
        return
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        raise ProofError("signature", "the signature does not match the organization's key") from None


# --------------------------------------------------------------------------- documents


def check_statement(signed: dict, public_key: bytes | None) -> dict:
    """A signed root statement ``{"statement": {...}, "signature": hex}``: its signature (when a key is given)
    and its own arithmetic. Returns the statement."""
    st = signed.get("statement")
    if not isinstance(st, dict):
        raise ProofError("format", "a signed root has a statement and a signature")
    if public_key is not None:
        verify_signature(public_key, canonical(st), signed.get("signature", ""))
    for k in ("root", "total", "leaves"):
        if k not in st:
            raise ProofError("format", f"a statement has {k!r}")
    if not isinstance(st["total"], int) or st["total"] < 0:
        raise ProofError("negative", "a published total is a whole number of đồng, never negative")
    return st


def verify_proof(proof: dict, public_key: bytes | None = None) -> dict:
    """Check a donor's or recipient's proof: every piece's path leads to the signed root, the pieces add up to
    the amount on the document, the total is the signed one. Returns what the check establishes."""
    if proof.get("format") != FORMAT:
        raise ProofError("format", f"not a {FORMAT} proof")
    doc = proof.get("document") or {}
    try:
        salt = bytes.fromhex(doc["salt"])
        amount, number, fund, day, kind = doc["amount"], doc["number"], doc["fund"], doc["date"], doc["kind"]
    except (KeyError, TypeError, ValueError) as e:
        raise ProofError("format", f"the document part is incomplete: {e}") from None
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise ProofError("negative", "an amount is a whole number of đồng, never negative")
    pieces = proof.get("pieces") or []
    if not pieces or len(pieces) > 255:
        raise ProofError("format", "a proof has from 1 to 255 pieces")
    roots, signed = {}, {}
    for r in proof.get("roots") or []:
        st = check_statement(r, public_key)
        roots[st.get("period")], signed[st.get("period")] = st, r

    def at_root(value, period, size):
        st = roots.get(period)
        if st is not None and (value != (bytes.fromhex(st["root"]), st["total"]) or size != st["leaves"]):
            raise ProofError("root", f"the path does not lead to the signed root of {period}")

    target = roots.get(proof.get("period"))
    month_st = roots.get((proof.get("month") or {}).get("period"))
    if target is None or month_st is None:
        raise ProofError("format", "a proof carries the signed roots of its month and of its period")
    if not isinstance(day, str) or len(day) != 10 or (proof.get("month") or {}).get("period") != day[:7]:
        raise ProofError("period", "the document is not dated in the proof's month")
    for st in (month_st, target):  # the roots are this fund's, of one kind, and cover the document's day
        if (st.get("fund"), st.get("kind"), st.get("org")) != (fund, kind, target.get("org")):
            raise ProofError("root", f"the signed root of {st.get('period')} is another fund's or kind's")
        if not (str(st.get("from")) <= day <= str(st.get("to"))):
            raise ProofError("period", f"the document's day is outside {st.get('period')}")
    up = proof.get("up") or []
    if (up[-1].get("period") if up else proof["month"].get("period")) != proof.get("period"):
        raise ProofError("path", "the path does not end at the proof's period")
    check_in_log(proof.get("log"), [signed[p] for p in dict.fromkeys((month_st["period"], target["period"]))],
                 public_key)
    month = proof.get("month") or {}
    size = month.get("size")
    positions, got, month_root = set(), 0, None
    for i, p in enumerate(pieces):
        if p.get("piece") != i:
            raise ProofError("format", "pieces are listed in order, 0 first")
        a = p.get("amount")
        leaf = leaf_hash(salt, i, len(pieces), a, number, fund, day, kind)
        value = sum_root(p["index"], size, (leaf, a), p["path"])
        if month_root is not None and value != month_root:
            raise ProofError("root", f"piece {i} leads to another root than piece 0")
        month_root = value
        if p["index"] in positions:
            raise ProofError("duplicate", f"piece {i} stands where another piece stands")
        positions.add(p["index"])
        got += a
    at_root(month_root, month.get("period"), size)
    value = month_root
    for seg in proof.get("up") or []:
        value = sum_root(seg["index"], seg["size"], value, seg["path"])
        at_root(value, seg.get("period"), seg["size"])
    if value != (bytes.fromhex(target["root"]), target["total"]):
        raise ProofError("root", f"the pieces do not lead to the signed root of {proof.get('period')}")
    if got != amount:
        raise ProofError("pieces", f"the pieces add up to {got}, the document says {amount}")
    return {"number": number, "fund": fund, "date": day, "amount": amount, "period": proof.get("period"),
            "total": target["total"], "kind": target.get("kind"), "org": target.get("org")}


def check_in_log(log: dict | None, entries: list[dict], public_key: bytes | None) -> None:
    """Each signed root of ``entries`` is in the organization's public log under its signed head: the proof's
    ``log`` holds the head and, per root, its index and RFC 9162 inclusion path (no root given to donors alone)."""
    if not isinstance(log, dict) or not isinstance(log.get("head"), dict):
        raise ProofError("log", "the proof does not show its roots in the organization's public log")
    head = log["head"].get("statement") or {}
    if public_key is not None:
        verify_signature(public_key, canonical(head), log["head"].get("signature", ""))
    try:
        size, root = head["size"], bytes.fromhex(head["root"])
        places = {(p["index"]): p["path"] for p in log.get("entries") or []}
    except (KeyError, TypeError, ValueError):
        raise ProofError("format", "the proof's log part is incomplete") from None
    for e in entries:
        i, where = e["statement"].get("seq"), e["statement"].get("period")
        try:
            held = isinstance(i, int) and i in places and log_root(i, size, log_leaf(canonical(e)), places[i]) == root
        except ProofError:
            held = False
        if not held:
            raise ProofError("log", f"the signed root of {where} is not in the public log")


def verify_log(log: dict, public_key: bytes | None = None, previous: dict | None = None) -> dict:
    """Check an organization's log of published roots: every entry's signature, the signed head over them, no
    period published twice with other figures, and (given an earlier head) a consistency proof from it."""
    entries = log.get("entries") or []
    level = [log_leaf(canonical(e)) for e in entries]
    for e in entries:
        check_statement(e, public_key)
    while len(level) > 1:  # RFC 9162 shape by carrying the odd node up
        level = [log_node(level[i], level[i + 1]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    root = level[0] if level else hashlib.sha256(b"").digest()
    head = log.get("head") or {}
    hst = head.get("statement") or {}
    if public_key is not None:
        verify_signature(public_key, canonical(hst), head.get("signature", ""))
    if hst.get("size") != len(entries) or hst.get("root") != root.hex():
        raise ProofError("log", "the log's signed head does not match its entries")
    seen: dict[tuple, dict] = {}
    for e in entries:
        st = e["statement"]
        key = (st.get("org"), st.get("fund"), st.get("kind"), st.get("period"))
        if key in seen and (seen[key]["root"], seen[key]["total"]) != (st["root"], st["total"]):
            raise ProofError("rewritten", f"{'/'.join(map(str, key))} was published again with other figures")
        seen[key] = st
    if previous is not None:
        pst = (previous.get("head") or previous).get("statement") or {}
        verify_consistency(pst["size"], bytes.fromhex(pst["root"]), hst["size"], root, log.get("consistency") or [])
    return {"size": len(entries), "root": root.hex()}


# --------------------------------------------------------------------------- the compact form


COMPACT = b"QPF\x01"


def _uv(n: int) -> bytes:
    """An unsigned LEB128 varint."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > MAX_SUM:
        raise ProofError("negative", f"a number in a proof is a whole number from 0 to 2^63-1, not {n!r}")
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _cstr(s: str) -> bytes:
    b = s.encode("utf-8")
    return _uv(len(b)) + b


def pack_proof(proof: dict) -> bytes:
    """A proof's own part in bytes: what only this document's holder needs — the document and its pieces' paths
    to the month's root. The rest is the same for every document of the month and public (the month's path up
    to the period, the signed roots, their places in the log: a *context*, ``GET …/proofs/context``), and is put
    back by ``unpack_proof(data, context)``.

    Layout: ``"QPF" 0x01 ‖ salt(32) ‖ v amount ‖ s number ‖ s fund ‖ "YYYY-MM-DD" ‖ s kind ‖ s period ‖ v month size
    ‖ u8 pieces ‖ (v amount ‖ v index ‖ u8 steps ‖ (hash(32) ‖ v sum)…)…``, where ``v`` is an unsigned LEB128
    varint and ``s`` a varint byte length and the UTF-8 bytes; pieces in order, 0 first."""
    d = proof["document"]
    day = d["date"].encode("ascii")
    if len(day) != 10:
        raise ProofError("format", "a date is YYYY-MM-DD")
    out = [COMPACT, bytes.fromhex(d["salt"]), _uv(d["amount"]), _cstr(d["number"]), _cstr(d["fund"]), day,
           _cstr(d["kind"]), _cstr(proof["period"]), _uv(proof["month"]["size"]), bytes([len(proof["pieces"])])]
    for i, p in enumerate(proof["pieces"]):
        if p["piece"] != i:
            raise ProofError("format", "pieces are listed in order, 0 first")
        out += (_uv(p["amount"]), _uv(p["index"]), bytes([len(p["path"])]))
        for h, v in (_pair(x) for x in p["path"]):
            out += (h, _uv(v))
    return b"".join(out)


def context_of(proof: dict) -> dict:
    """The part of a proof every document of its month shares: ``{"period", "month", "up", "roots", "log"}``."""
    return {"period": proof["period"], "month": proof["month"]["period"], "up": proof["up"],
            "roots": proof["roots"], "log": proof["log"]}


def unpack_proof(data: bytes, context: dict | None = None) -> dict:
    """The JSON proof (``FORMAT``) a compact one stands for, its month's ``context`` put back (without one: no
    month path up, no roots, no log — ``verify_proof`` then refuses it)."""
    at = 0

    def take(n: int) -> bytes:
        nonlocal at
        if at + n > len(data):
            raise ProofError("format", "the compact proof is cut short")
        at += n
        return data[at - n:at]

    def uv() -> int:
        n = shift = 0
        while True:
            b = take(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                if b == 0 and shift > 7:  # one number, one spelling: no padded forms of the same proof
                    raise ProofError("format", "a number in the compact proof is not in its shortest form")
                break
            if shift > 63:
                raise ProofError("format", "a number in the compact proof is too long")
        if n > MAX_SUM:
            raise ProofError("negative", "a number in a proof is at most 2^63-1")
        return n

    def text() -> str:
        try:
            return take(uv()).decode("utf-8")
        except UnicodeDecodeError:
            raise ProofError("format", "a text in the compact proof is not UTF-8") from None

    if take(4) != COMPACT:
        raise ProofError("format", "not a compact Quỹ proof")
    salt, amount, number, fund = take(32).hex(), uv(), text(), text()
    day = take(10).decode("ascii", "replace")
    kind, period, size = text(), text(), uv()
    pieces = [{"piece": i, "amount": uv(), "index": uv(), "path": [[take(32).hex(), uv()] for _ in range(take(1)[0])]}
              for i in range(take(1)[0])]
    if at != len(data):
        raise ProofError("format", "bytes follow the end of the compact proof")
    if context is not None and not isinstance(context, dict):
        raise ProofError("format", "a context is a JSON object")
    ctx = context or {}
    if context is not None and (ctx.get("period"), ctx.get("month")) != (period, day[:7]):
        raise ProofError("period", f"the context is of {ctx.get('month')} to {ctx.get('period')}, the proof of "
                                   f"{day[:7]} to {period}")
    return {"format": FORMAT, "period": period,
            "document": {"number": number, "fund": fund, "date": day, "amount": amount, "kind": kind, "salt": salt},
            "month": {"period": day[:7], "size": size}, "pieces": pieces, "up": list(ctx.get("up") or []),
            "roots": list(ctx.get("roots") or []), "log": ctx.get("log")}


# --------------------------------------------------------------------------- command line


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Check a Quỹ proof, or an organization's log of published roots.")
    ap.add_argument("file", help="a proof (PROOF.json) or a log (LOG.json)")
    ap.add_argument("--key", help="the organization's Ed25519 public key (hex or base64), or a file holding it")
    ap.add_argument("--since", help="an earlier log (LOG.json) this one must keep")
    ap.add_argument("--context", help="with a compact proof (PROOF.qpf): its month's context (CONTEXT.json)")
    a = ap.parse_args(argv)
    try:
        with open(a.file, "rb") as f:
            raw = f.read()
        if raw.startswith(COMPACT):
            if not a.context:
                print("a compact proof is checked with its month's context: --context CONTEXT.json", file=sys.stderr)
                return 2
            with open(a.context, encoding="utf-8") as f:
                ctx = json.load(f)
            try:
                doc = unpack_proof(raw, ctx)
            except ProofError as e:
                print(f"FAILED ({e.kind}): {e}")
                return 1
        else:
            doc = json.loads(raw.decode("utf-8"))
        key = None
        if a.key:
            try:
                with open(a.key, encoding="utf-8") as f:
                    key = key_bytes(f.read())
            except OSError:
                key = key_bytes(a.key)
        previous = None
        if a.since:
            with open(a.since, encoding="utf-8") as f:
                previous = json.load(f)
    except (OSError, ValueError) as e:
        print(f"cannot read: {e}", file=sys.stderr)
        return 2
    if key is None:
        print("note: no --key given, signatures are not checked", file=sys.stderr)
    try:
        if "entries" in doc:
            r = verify_log(doc, key, previous)
            print(f"OK: the log of {r['size']} published roots holds (head {r['root'][:16]}…)")
        else:
            r = verify_proof(doc, key)
            print(f"OK: {r['number']} of {r['amount']:,} đ is counted in the {r['total']:,} đ "
                  f"published for {r['fund']} {r['period']}")
    except ProofError as e:
        print(f"FAILED ({e.kind}): {e}")
        return 1
    except (KeyError, TypeError, ValueError) as e:
        print(f"FAILED (format): {e!r}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
