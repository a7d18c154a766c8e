"""The API's shapes of the proofs that every gift is counted (``ledger/proofcheck.py`` documents the JSON, and
README "Proofs that every gift is counted")."""

from __future__ import annotations

from marshmallow import fields

from .common import Out, Strict, result, shape

_ANY = {"description": "as ledger/proofcheck.py defines it"}


class SignedStatement(Out):
    statement = fields.Dict(required=True, metadata={
        "description": "what is signed, as canonical JSON (sorted keys, no spaces, UTF-8): a root's org, fund, "
                       "kind, period, from, to, root, total, leaves, documents, reversed_earlier, net, seq, key; "
                       "a head's org, size, root, at, key"})
    signature = fields.String(required=True, metadata={"description": "Ed25519 over the canonical statement, hex"})


PublicKey = shape("PublicKey", public_key=(str, "the organization's Ed25519 public key, hex (32 bytes)"),
                  fingerprint=(str, "SHA-256 of the key, first 16 bytes, hex in groups of four: what pages print"))

Log = shape(
    "ProofLog", format=(str, "quy-log/1"), entries=list[SignedStatement], head=fields.Nested(
        SignedStatement, allow_none=True, required=True, metadata={"description": "the latest signed head"}),
    public_key=str, fingerprint=str,
    consistency=fields.List(fields.String(), metadata={"description": "with ?since: RFC 9162 consistency proof, "
                                                                      "hex hashes"}),
    since=fields.Integer(metadata={"description": "the earlier size the consistency proof starts from"}))

RootList = shape("PublishedRoots", items=list[SignedStatement])

Proof = shape(
    "GiftProof", format=(str, "quy-proof/1"), period=(str, "the period whose signed root the proof reaches"),
    document=fields.Dict(required=True, metadata={"description": "number, fund, date, amount, salt (hex)"}),
    month=fields.Dict(required=True, metadata={"description": "period, size: the month's tree"}),
    pieces=fields.List(fields.Dict(), required=True, metadata={
        "description": "each piece: piece, amount, index, path [[hash hex, sum], …] to the month's root"}),
    up=fields.List(fields.Dict(), required=True, metadata={
        "description": "from the month's root up: period, index, size, path"}),
    roots=list[SignedStatement],
    log=fields.Dict(required=True, metadata={
        "description": "the log's signed head, and for each root carried its index and RFC 9162 inclusion path: "
                       "no root is shown to donors alone"}))

Context = shape(
    "ProofContext", period=(str, "the period whose signed root the month's proofs reach"),
    month=(str, "the month, YYYY-MM"),
    up=fields.List(fields.Dict(), required=True, metadata={
        "description": "from the month's root up: period, index, size, path (the same for every document)"}),
    roots=list[SignedStatement],
    log=fields.Dict(required=True, metadata={
        "description": "the log's signed head, and for each root its index and RFC 9162 inclusion path"}))

PublishResult = result("PublishResult", published=fields.List(fields.Dict(), required=True, metadata=_ANY))


class LogArgs(Strict):
    since = fields.Integer(load_default=None, validate=lambda n: n >= 0, metadata={
        "description": "an earlier size of the log: the answer adds the consistency proof from it"})


class RootArgs(Strict):
    fund = fields.String(load_default=None, metadata={"description": "one fund's code"})
    year = fields.Integer(load_default=None, metadata={"description": "one year"})


class ContextArgs(Strict):
    fund = fields.String(required=True, metadata={"description": "the fund's code", "example": "KH"})
    month = fields.String(required=True, metadata={"description": "the month, YYYY-MM", "example": "2026-03"})
    kind = fields.String(load_default="gifts", validate=lambda k: k in ("gifts", "payments"), metadata={
        "description": "gifts received or awards paid"})
