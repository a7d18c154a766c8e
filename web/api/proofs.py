"""Proofs that every gift is counted, in the JSON API: the public log of signed roots (with a consistency proof
from an earlier version), the roots, the key, and the proof behind a receipt's (or a paid award's voucher's) code
— all public; and publishing what the lock completed (an administrator). A proof by number: ``quy proof get``."""

from __future__ import annotations

from flask import current_app

from ledger import proofcheck, services

from .. import auth
from .common import ADMIN, DOCS, _receipt_code, public_view, write_view
from .schemas import proofs as sp


@public_view("/organizations/<org>/proofs/log", "proof_log", DOCS, sp.Log, query=sp.LogArgs(),
             errors={404: "Unknown organization, nothing published, or no such size"})
def proof_log(args: dict, org: str):
    """The organization's public log of signed roots, its latest signed head and public key (public); with
    ``since``, the RFC 9162 consistency proof from that earlier size"""
    return services.proof_log(auth.db(), org, args.get("since"))


@public_view("/organizations/<org>/proofs/roots", "proof_roots", DOCS, sp.RootList, query=sp.RootArgs(),
             errors={404: "Unknown organization"})
def proof_roots(args: dict, org: str):
    """The signed roots published (public), of one fund and year when asked"""
    return {"items": services.published_roots(auth.db(), org, fund=args.get("fund"), year=args.get("year"))}


@public_view("/organizations/<org>/proofs/key", "proof_key", DOCS, sp.PublicKey,
             errors={404: "Unknown organization, or nothing published"})
def proof_key(org: str):
    """The organization's Ed25519 public key and its fingerprint (public)"""
    return services.publication_key(auth.db(), org)


@public_view("/verify/<code>/proof", "receipt_proof", DOCS, sp.Proof,
             errors={404: "No receipt has this code, or its month is not published"})
def receipt_proof(code: str):
    """The proof that the gift behind a receipt's QR code is counted in the total its fund published (public):
    the gift's pieces with their paths, the signed roots; no other person's name, amount or number"""
    return services.proof_for_code(auth.db(), _receipt_code(code))


@public_view("/organizations/<org>/proofs/context", "proof_context", DOCS, sp.Context, query=sp.ContextArgs(),
             errors={404: "Unknown organization, or the month is not published"})
def proof_context(args: dict, org: str):
    """What every proof of a fund's month shares (public): the period it reaches, the month's path up to it, the
    signed roots and their places in the log — with a compact proof (``…/proof.qpf``) it makes the whole proof"""
    return services.proof_context(auth.db(), org, args["fund"], args["month"], args["kind"])


@public_view("/verify/<code>/proof.qpf", "receipt_proof_compact", DOCS,
             errors={404: "No receipt has this code, or its month is not published"},
             content_type="application/vnd.quy.proof",
             description="The compact proof (ledger/proofcheck.py pack_proof): the document and its pieces' paths")
def receipt_proof_compact(code: str):
    """The proof behind a receipt's (or a paid award's voucher's) code in its compact form (public): only what is
    this document's own, in bytes — its month's context (``…/proofs/context``) makes the whole proof"""
    data = proofcheck.pack_proof(services.proof_for_code(auth.db(), _receipt_code(code)))
    return current_app.response_class(data, mimetype="application/vnd.quy.proof",
                                      headers={"Content-Disposition": f'attachment; filename="{code}.qpf"'})


@write_view("/organizations/<org>/proofs/publish", "proofs_publish", ADMIN, "period.lock", sp.PublishResult)
def proofs_publish(org: str):
    """Publish what the books' lock completes and is not published yet (locking publishes by itself); 409
    ``proof_totals`` when a root's net gifts differ from the fund statement's, ``publish_not_locked`` without a lock"""
    return {**services.publish_proofs(auth.db(), org, user=auth.actor()), "replayed": False}
