"""Client idempotency keys: the same key with the same input gives back the first result.

The key is claimed first, inside the same unit of work that creates the record, so either both are
committed or neither is. Two concurrent requests with one key cannot both create: on PostgreSQL the
second claim (``INSERT … ON CONFLICT DO NOTHING``) waits on the first's uncommitted row and then finds
the key taken; on SQLite the write lock already serializes them. The loser replays the stored result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from . import schema as s
from .clock import now_iso
from .db import Database, driver_rows, write_later
from .errors import IdempotencyMismatch, InvalidInput


def request_hash(payload: Any) -> str:
    """Return a stable digest of a request's input (canonical JSON)."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_CLAIM = ("INSERT INTO idempotency_keys (scope, key, request_hash, result, created_at) "
          "VALUES (%s, %s, %s, NULL, %s) ON CONFLICT (scope, key) DO NOTHING RETURNING 1")


def _stored(conn: Connection, scope: str, key: str):
    k = s.idempotency_keys
    return conn.execute(
        sa.select(k.c.request_hash, k.c.result).where(k.c.scope == scope, k.c.key == key)
    ).one_or_none()


def run_idempotent(
    db: Database,
    scope: str,
    key: str | None,
    payload: Any,
    work: Callable[[Connection], dict],
) -> dict:
    """Run ``work`` in one unit of work, or return the result stored under ``key`` for this input.

    Raises :class:`IdempotencyMismatch` when the key was used before with different input. ``work``
    must return a JSON-serializable dict.
    """
    if key is None:
        with db.begin() as conn:
            return work(conn)
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise InvalidInput("idempotency key must be 1–200 characters", field="idempotency_key",
                           reason="bad_key")
    digest = request_hash(payload)
    for attempt in range(3):
        try:
            with db.begin() as conn:
                # Claim the key first: a concurrent request with it waits here on PostgreSQL until
                # this unit of work ends, then finds it taken (SQLite's write lock already queues it).
                if not driver_rows(conn, _CLAIM, (scope, key, digest, now_iso())):
                    prior = _stored(conn, scope, key)
                    if prior is None:  # its claimant rolled back after all: claim it again
                        continue
                    if prior.request_hash != digest:
                        raise IdempotencyMismatch(
                            "this idempotency key was already used with different input", key=key
                        )
                    return {**json.loads(prior.result), "replayed": True}
                result = work(conn)
                write_later(conn, "UPDATE idempotency_keys SET result = %s WHERE scope = %s AND key = %s",
                            (json.dumps(result, ensure_ascii=False, default=str), scope, key))
                return {**result, "replayed": False}
        except IntegrityError:
            # A race the claim did not settle (e.g. a key row committed meanwhile): look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
