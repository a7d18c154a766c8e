"""Stipend commitments: commit, suspend, resume, end, hand over, and generate their batches."""

from __future__ import annotations

from .. import stipends
from .unit import Unit, use_case

_ACTIONS = {"commit": stipends.commit, "suspend": stipends.suspend, "resume": stipends.resume, "end": stipends.end,
            "hand_over": stipends.hand_over, "generate": stipends.generate}


@use_case("stipend.{a.action}", "stipend_{a.action}",
          payload=lambda a: {"action": a.action, **{k: str(v) for k, v in a.kw.items()}},
          target=lambda a, r: f"commitment:{r.get('id') or a.kw.get('cid') or r.get('batch_id')}")
def stipend(u: Unit, org_code: str, action: str, **kw) -> dict:
    """Stipend commitments: ``action`` is commit, suspend, resume, end, hand_over or generate (see
    ``ledger/stipends.py``); ``kw`` its arguments."""
    r = _ACTIONS[action](u.conn, u.org_id, user=u.user, **kw)
    if isinstance(r, dict):
        return r
    return {"id": r if isinstance(r, int) else kw.get("cid"), "action": action}
