"""One unit of work per use case, written once: every use case of ``ledger.services`` is a function
decorated with :func:`use_case`, which

* opens the unit of work (one transaction) — through :func:`ledger.idempotency.run_idempotent`, which
  with a client idempotency ``key`` claims the key first in that same transaction and gives back the
  stored result for the same key and input (``replayed``), or refuses the key used with other input
  (:class:`IdempotencyMismatch`); the key's scope is ``"ORG:scope"`` (the organization's code first);
* resolves the organization's code to its id (``Unit.org_id``);
* takes the organization's lock (``journal.take_turn``) where the use case consumes money and its
  domain function takes that lock before anything else — the same lock, in the same order (the key's
  claim, then the chain head, then series counters and rows: README, "One rule for money"); the domain
  function still takes it too (it is also called on its own), which then waits for nothing;
* runs the use case's own part with a :class:`Unit` (connection, organization id, who acts);
* writes the audit row in the same transaction, after the change: its action, target and details
  (by default the idempotency payload) as declared;
* maps errors: none is translated here; a use case that must (an import's key used with other
  defaults) catches them around its call.

The decorated function is written as ``fn(u, <the use case's own parameters>)``; the decorator gives it
its public signature: ``(db, <those parameters>, *, user, key=None)`` (no ``key`` when not ``keyed``),
so the faces call ``services.record_donation(db, "SLA", inp, user=..., key=...)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy.engine import Connection

from .. import audit, orgs
from ..audit import Actor, as_actor
from ..db import Database
from ..idempotency import run_idempotent
from ..journal import take_turn

Who = Actor | str  # who acts: an Actor (web, API) or a plain user name (CLI, tests)

# what a target or details spec may be: a str.format template over ``a`` (the call's arguments, by name)
# and ``r`` (the result), e.g. "donation:{r[donation_id]}", "batch:{a.batch_id}"; or a callable (a, r)
Spec = str | Callable[[SimpleNamespace, Any], Any]


@dataclass(frozen=True)
class Unit:
    """A use case's unit of work: its connection, its organization's id (None without one), who acts."""

    conn: Connection
    org_id: int | None
    who: Who
    keyed: bool = False  # a client idempotency key was given (the result is stored and replayed as JSON)

    @property
    def user(self) -> str:
        """The acting user's name, as the domain functions record it."""
        return as_actor(self.who).user

    def org(self, code: str) -> int:
        """The id of another organization named in the use case (or raise NotFound)."""
        return orgs.org_id_by_code(self.conn, code)

    def audit(self, action: str, *, target: Any = "", details: Any = None, org_id: int | None = ...) -> None:
        """Write an audit row in this unit of work (for a use case whose audit row is conditional)."""
        audit.record(self.conn, self.who, action, org_id=self.org_id if org_id is ... else org_id,
                     target=target, details=details)


@contextmanager
def reading(db: Database, org_code: str | None = None) -> Iterator[Unit]:
    """A read-only unit (no transaction to commit), with the organization resolved when ``org_code``."""
    with db.read() as conn:
        yield Unit(conn, orgs.org_id_by_code(conn, org_code) if org_code else None, "")


def _spec(spec: Spec | None, a: SimpleNamespace, r: Any) -> Any:
    if spec is None:
        return None
    return spec(a, r) if callable(spec) else spec.format(a=a, r=r)


def use_case(action: Spec | None, scope: Spec | None = None, *, payload: Callable[[SimpleNamespace], Any] | None = None,
             target: Spec = "", details: Callable[[SimpleNamespace, Any], Any] | None = None,
             org: str | None = "org_code", audit_org: Callable[[SimpleNamespace], str | None] | None = None,
             user_required: bool = False, keyed: bool = True, lock: bool = False) -> Callable:
    """Turn ``fn(u, ...)`` into a use case ``(db, ..., *, user, key=None)`` run in one unit of work.

    ``action``: the audit row's action (None: the use case writes its own audit rows, or none);
    ``scope``: the idempotency scope after ``"ORG:"`` (no prefix when ``org`` is None);
    ``payload(a)``: the input the key is checked against (and by default the audit row's details);
    ``target``: the audit row's target; ``details(a, r)``: other audit details than the payload;
    ``org``: the parameter naming the organization (None: the use case resolves its organizations itself);
    ``audit_org(a)``: the code of the organization the audit row names, when not ``org``'s;
    ``user_required``: ``user`` has no default ("cli" otherwise); ``keyed``: the use case takes a ``key``;
    ``lock``: the use case consumes money: take the organization's lock first (see the module).
    """

    def wrap(fn: Callable) -> Callable:
        own = list(inspect.signature(fn).parameters.values())[1:]
        extra = [inspect.Parameter("user", inspect.Parameter.KEYWORD_ONLY, annotation="Who",
                                   default=inspect.Parameter.empty if user_required else "cli")]
        if keyed:
            extra.append(inspect.Parameter("key", inspect.Parameter.KEYWORD_ONLY, default=None,
                                           annotation="str | None"))
        variadic = [p for p in own if p.kind is inspect.Parameter.VAR_KEYWORD]
        own = [p for p in own if p.kind is not inspect.Parameter.VAR_KEYWORD]
        sig = inspect.Signature([inspect.Parameter("db", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                   annotation="Database"), *own, *extra, *variadic],
                                return_annotation=inspect.signature(fn).return_annotation)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            a = SimpleNamespace(**bound.arguments)
            pos, kw = [], {}
            for p in own:
                if p.kind is inspect.Parameter.KEYWORD_ONLY:
                    kw[p.name] = bound.arguments[p.name]
                elif p.kind is inspect.Parameter.VAR_POSITIONAL:
                    pos.extend(bound.arguments[p.name])
                else:
                    pos.append(bound.arguments[p.name])
            for p in variadic:
                kw.update(bound.arguments[p.name])
            code = getattr(a, org) if org else None
            body = payload(a) if payload else {}
            key = a.key if keyed else None

            def work(conn: Connection) -> Any:
                u = Unit(conn, orgs.org_id_by_code(conn, code) if code else None, a.user, key is not None)
                if lock:
                    take_turn(conn, u.org_id)
                result = fn(u, *pos, **kw)
                if action is not None:
                    oid = u.org(audit_org(a)) if audit_org else u.org_id
                    audit.record(conn, a.user, _spec(action, a, result), org_id=oid, target=_spec(target, a, result),
                                 details=body if details is None else details(a, result))
                return result

            where = _spec(scope, a, None) if scope is not None else ""
            return run_idempotent(a.db, f"{code}:{where}" if code else where, key, body, work)

        run.__signature__ = sig
        return run

    return wrap
