"""The legal regimes, dated settings in the ``regimes`` table (never constants in the code).

A regime is what the law asks of an organization's funds from a day on, for one legal form — an
association's own fund (``association_fund``, the default) or a licensed social or charity fund
(``social_fund``): the management-cost cap (a percent of the year's income by right, and at most by the
council's decision), what is disclosed each quarter and each year and before which day of the next year,
and what the fund's money may never be used for. Revision 0021 seeds Decree 93/2019/NĐ-CP as amended by
Decree 136/2024/NĐ-CP (until 28/02/2026) and Decree 03/2026/NĐ-CP (from 01/03/2026) for both forms; an
administrator adds later ones.

:func:`regime_for` chooses by the day and the organization's legal form: among the rows of that form in
force on the day (from ≤ day ≤ to), the one that started last — so a regime added later, from a later day,
takes over from that day. :func:`management_cap` is the cap in force on a day: the regime's default, or the
council's own choice (``organizations.management_cap_pct``) kept within the regime's maximum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from . import schema as s
from .clock import now_iso, today
from .errors import Conflict, InvalidInput
from .names import clean_name
from .orgs import _code, _one_of

LEGAL_FORMS = ("association_fund", "social_fund")
#: The most ``organizations.management_cap_pct`` can hold (its CHECK since revision 0012): a later regime's
#: higher maximum is read from its row, but the council's own choice stays within this until the column allows more.
STORED_CAP_MAX = 10


@dataclass(frozen=True)
class Regime:
    code: str
    legal_form: str
    name: str  # as cited: "Theo <name>"
    citation: str
    effective_from: date
    effective_to: date | None  # None: until a later regime of the same form takes over
    cap_default_pct: int  # the management-cost cap by right, percent of the year's income
    cap_max_pct: int  # at most, by the council's decision
    quarterly_disclosure: str
    yearly_disclosure: str
    deadline_month: int | None  # the year's disclosure is published before this day of the next year
    deadline_day: int | None
    forbidden: tuple[str, ...]  # what the fund's money may never be used for

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def deadline(self, year: int) -> date | None:
        """The day before which the disclosure of ``year`` is published (None: the regime names none)."""
        if self.deadline_month is None or self.deadline_day is None or year >= date.max.year:
            return None  # (a year 9999's next year has no date)
        return date(year + 1, self.deadline_month, self.deadline_day)


def _regime(r) -> Regime:
    return Regime(r.code, r.legal_form, r.name, r.citation, r.effective_from, r.effective_to, r.cap_default_pct,
                  r.cap_max_pct, r.quarterly_disclosure, r.yearly_disclosure, r.deadline_month, r.deadline_day,
                  tuple(x for x in r.forbidden.splitlines() if x.strip()))


def regimes(conn: Connection, legal_form: str | None = None) -> list[Regime]:
    """Every regime (of ``legal_form``), by legal form and the day it starts."""
    r = s.regimes
    q = sa.select(r).order_by(r.c.legal_form, r.c.effective_from, r.c.code)
    if legal_form is not None:
        q = q.where(r.c.legal_form == legal_form)
    return [_regime(x) for x in conn.execute(q)]


def legal_form(conn: Connection, org_id: int) -> str:
    o = s.organizations
    return conn.execute(sa.select(o.c.legal_form).where(o.c.id == org_id)).scalar_one()


def regime_for(conn: Connection, org_id: int, on: date) -> Regime | None:
    """The regime in force on ``on`` for the organization's legal form: of those in force that day, the one
    that started last (None: no regime Quỹ knows was in force)."""
    r = s.regimes
    row = conn.execute(
        sa.select(r).where(r.c.legal_form == legal_form(conn, org_id), r.c.effective_from <= on,
                           sa.or_(r.c.effective_to.is_(None), r.c.effective_to >= on))
        .order_by(r.c.effective_from.desc(), r.c.id.desc()).limit(1)).first()
    return _regime(row) if row else None


def set_legal_form(conn: Connection, org_id: int, form: str) -> None:
    """An association's own fund or a licensed social/charity fund: which regimes apply."""
    _one_of(form, LEGAL_FORMS, "the legal form", "legal_form", reason="unknown_legal_form")
    o = s.organizations
    conn.execute(o.update().where(o.c.id == org_id).values(legal_form=form))


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be text", field=field, reason="not_text")
    return "\n".join(" ".join(line.split()) for line in value.strip().splitlines() if line.strip())


def _percent(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InvalidInput(f"{field} is a whole percent from 0 to 100", field=field, reason="bad_percent")
    return value


def _deadline(text: object) -> tuple[int | None, int | None]:
    """``MM-DD`` (a day of every year, not 29 February) as (month, day); nothing: (None, None)."""
    if text is None or text == "":
        return None, None
    month, _, day = text.partition("-") if isinstance(text, str) else ("", "", "")
    try:
        return date(2001, int(month), int(day)).month, int(day)
    except ValueError:
        raise InvalidInput("the deadline is a day of the year (MM-DD)", field="deadline",
                           reason="bad_deadline") from None


def add_regime(conn: Connection, *, code: str, legal_form: str, name: str, citation: str, effective_from: date,
               effective_to: date | None = None, cap_default_pct: int, cap_max_pct: int,
               quarterly_disclosure: str = "", yearly_disclosure: str = "", deadline: str | None = None,
               forbidden: list[str] | tuple[str, ...] = (), user: str) -> Regime:
    """Add a regime: from ``effective_from`` it takes over from the one of the same legal form before it."""
    code = _code(code, "code")
    _one_of(legal_form, LEGAL_FORMS, "the legal form", "legal_form", reason="unknown_legal_form")
    for field, day in (("effective_from", effective_from), ("effective_to", effective_to)):
        if not (day is None and field == "effective_to") and not isinstance(day, date):
            raise InvalidInput(f"{field} is a day", field=field, reason="not_date")
    if effective_to is not None and effective_to < effective_from:
        raise InvalidInput("the regime ends before it starts", field="effective_to", reason="period_reversed")
    default, top = _percent(cap_default_pct, "cap_default_pct"), _percent(cap_max_pct, "cap_max_pct")
    if default > top:
        raise InvalidInput("the default cap is above the maximum", field="cap_default_pct",
                           reason="cap_default_above_max")
    month, day_ = _deadline(deadline)
    lines = [_text(x, "forbidden") for x in forbidden]
    r = s.regimes
    if conn.execute(sa.select(r.c.id).where(r.c.code == code, r.c.legal_form == legal_form)).first():
        raise Conflict(f"regime {code!r} ({legal_form}) already exists", reason="regime_exists", code_taken=code)
    row = dict(code=code, legal_form=legal_form, name=clean_name(name), citation=_text(citation, "citation"),
               effective_from=effective_from, effective_to=effective_to, cap_default_pct=default, cap_max_pct=top,
               quarterly_disclosure=_text(quarterly_disclosure, "quarterly_disclosure"),
               yearly_disclosure=_text(yearly_disclosure, "yearly_disclosure"), deadline_month=month,
               deadline_day=day_, forbidden="\n".join(x for x in lines if x))
    if not row["citation"]:
        raise InvalidInput("the citation is empty", field="citation", reason="empty")
    conn.execute(r.insert().values(**row, created_by=user, created_at=now_iso()))
    return _regime(conn.execute(sa.select(r).where(r.c.code == code, r.c.legal_form == legal_form)).one())


# ------------------------------------------------------------------ the management-cost cap


@dataclass(frozen=True)
class Cap:
    """The management-cost cap in force on a day: ``pct`` of the year's income."""

    pct: int
    decision: str  # the council's decision above the regime's default ("" when none)
    own: bool  # the council chose it (else: the regime's default)
    regime: Regime | None  # None: no regime known that day; the organization's stored cap applies


def management_cap(conn: Connection, org_id: int, on: date) -> Cap:
    """The cap on ``on``: the regime's default, or the council's choice within the regime — up to the
    default by right, up to the maximum with its decision named."""
    o = s.organizations
    org = conn.execute(sa.select(o.c.management_cap_pct, o.c.management_cap_decision, o.c.management_cap_own)
                       .where(o.c.id == org_id)).one()
    regime = regime_for(conn, org_id, on)
    own, decision = bool(org.management_cap_own), org.management_cap_decision
    if regime is None:
        pct = org.management_cap_pct
    elif own:
        pct = min(org.management_cap_pct, regime.cap_max_pct if decision else regime.cap_default_pct)
    else:
        pct, decision = regime.cap_default_pct, ""
    return Cap(pct, decision, own, regime)


def set_management_cap(conn: Connection, org_id: int, pct: int, decision: str = "", on: date | None = None) -> Cap:
    """The council's cap, within the regime in force on ``on`` (default: today): up to its default by right,
    up to its maximum with the council's decision named."""
    regime = regime_for(conn, org_id, on or today())
    if regime is None:
        raise InvalidInput("no regime is in force that day", field="date", reason="no_regime")
    top = min(regime.cap_max_pct, STORED_CAP_MAX)
    if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= top:
        raise InvalidInput(f"the cap is a whole percent from 0 to {top}", field="percent",
                           reason="cap_above_max", max=top, regime=regime.name)
    decision = (decision or "").strip()
    if pct > regime.cap_default_pct and not decision:
        raise InvalidInput(f"above {regime.cap_default_pct} % the council's decision is named", field="decision",
                           reason="cap_needs_decision", default=regime.cap_default_pct, regime=regime.name)
    o = s.organizations
    conn.execute(o.update().where(o.c.id == org_id).values(management_cap_pct=pct, management_cap_decision=decision,
                                                           management_cap_own=True))
    return management_cap(conn, org_id, on or today())
