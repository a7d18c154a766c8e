"""Head digests (SPEC rule 7): the line ``ORG SEQ HASH`` that ``quy digest`` prints, read back and checked.

A digest names one organization's chain at one sequence number and the hash its transaction had then.
Checking it later proves the past was not rewritten: the stored transaction with that sequence number
still has that hash, and the whole chain still verifies up to its head — so a digest taken before new
entries keeps passing after them (its transactions are a prefix of the chain), while a digest of another
organization, a number beyond the head, a hash that differs or a chain that no longer verifies is refused.

The chain itself is checked by :func:`ledger.journal.verify_chain`; this module only compares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .. import schema as s
from ..errors import InvalidInput
from .chain import GENESIS, ChainReport, verify_chain

_HASH = re.compile(r"[0-9a-f]{64}")
_CODE = re.compile(r"\S{1,40}")


@dataclass(frozen=True)
class Digest:
    """One head digest: an organization's code, a sequence number and that transaction's hash."""

    org_code: str
    seq: int
    hash: str

    @property
    def line(self) -> str:
        """The line ``quy digest`` prints and ``quy verify --expect`` reads: ``SLA 1234 <64 hex>``."""
        return f"{self.org_code} {self.seq} {self.hash}"


@dataclass(frozen=True)
class DigestCheck:
    """What checking a digest found: ``ok``, and if not, ``reason`` (a machine code) and ``problem``."""

    digest: Digest
    ok: bool
    reason: str | None = None
    problem: str | None = None
    chain: ChainReport | None = None


def parse_digest(text: str, *, org_code: str | None = None) -> Digest:
    """Read a digest line: ``ORG SEQ HASH`` as ``quy digest`` prints it, or the older ``SEQ:HASH`` (whose
    organization is ``org_code``). Raises InvalidInput (reason ``bad_digest``) for anything else."""
    t = (text or "").strip()
    parts = t.split()
    if len(parts) == 3:
        org, seq, h = parts
    elif len(parts) == 1 and t.count(":") == 1:
        seq, h = t.split(":")
        org = org_code or ""
        if not org:
            raise InvalidInput(f"{t!r}: a SEQ:HASH digest needs the organization (--org CODE)",
                               field="expect", reason="digest_needs_org")
    else:
        org, seq, h = "", "", ""
    if not (_CODE.fullmatch(org) and seq.isascii() and seq.isdigit() and len(seq) <= 18
            and _HASH.fullmatch(h.lower())):
        raise InvalidInput(f"{t[:200]!r} is not a head digest like 'SLA 1234 <64 hex digits>'",
                           field="expect", reason="bad_digest")
    return Digest(org, int(seq), h.lower())


def head(conn: Connection, org_id: int) -> Digest:
    """The organization's digest now: its code, the head's sequence number and hash."""
    o, h = s.organizations, s.chain_heads
    row = conn.execute(sa.select(o.c.code, h.c.last_seq, h.c.last_hash).join(h, h.c.org_id == o.c.id)
                       .where(o.c.id == org_id)).one()
    return Digest(row.code, row.last_seq, row.last_hash)


def check(conn: Connection, digest: Digest, *, org_code: str | None = None,
          report: ChainReport | None = None) -> DigestCheck:
    """Check ``digest`` against the books on ``conn``: the named organization exists (and is ``org_code``
    when one is given), its chain verifies to the head (``report``: a :func:`verify_chain` result already
    at hand), the sequence number is not beyond the head, and its stored transaction has that hash."""
    def refuse(reason: str, problem: str, chain: ChainReport | None = None) -> DigestCheck:
        return DigestCheck(digest, False, reason, problem, chain)

    if org_code is not None and org_code != digest.org_code:
        return refuse("other_organization", f"the digest is of {digest.org_code}, not of {org_code}")
    o = s.organizations
    oid = conn.execute(sa.select(o.c.id).where(o.c.code == digest.org_code)).scalar()
    if oid is None:
        return refuse("unknown_organization", f"there is no organization {digest.org_code} in these books")
    chain = report if report is not None and report.org_code == digest.org_code else verify_chain(conn, oid)
    if not chain.ok:
        return refuse("chain_broken", f"{digest.org_code}'s chain does not verify: {chain.problem} "
                      f"(first broken link: #{chain.broken_seq})", chain)
    if digest.seq > chain.head_seq:
        return refuse("beyond_head", f"#{digest.seq} is beyond {digest.org_code}'s head #{chain.head_seq}: "
                      "the journal was cut back, or the digest is of other books", chain)
    t = s.transactions
    if digest.seq == 0:  # the empty chain: what the first transaction links to
        stored = conn.execute(sa.select(t.c.prev_hash).where(t.c.org_id == oid, t.c.seq == 1)).scalar() or GENESIS
    else:
        stored = conn.execute(sa.select(t.c.hash).where(t.c.org_id == oid, t.c.seq == digest.seq)).scalar()
    if stored != digest.hash:
        return refuse("hash_differs", f"{digest.org_code} #{digest.seq} has hash {stored}, not {digest.hash}: "
                      "the journal up to it is not the one the digest was taken of", chain)
    return DigestCheck(digest, True, chain=chain)
