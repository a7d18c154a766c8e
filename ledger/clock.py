"""Time as the ledger records it: UTC timestamps as ISO text, so hashes are the same on every database;
today's date (which tests may freeze with :func:`frozen`); and the window a business date must fall in.

The date window: money moves and documents are dated on or after :data:`EARLIEST` (2000-01-01) and no
later than today plus ``QUY_FUTURE_DAYS`` (default 0) — a gift dated 1999, next month or 9999 is a typing
mistake, and it would number its receipt in a year the books do not have. Dates that are not of a money
movement (a deposit's maturity, a pledge's due date, a stipend's last month, a campaign's end) are not
held to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from .errors import InvalidInput

#: The earliest business date the ledger accepts: before it, two-digit document years would be ambiguous.
EARLIEST = date(2000, 1, 1)
#: The setting that says how many days past today a business date may be (``ledger/config.py``).
FUTURE_DAYS_SETTING = "QUY_FUTURE_DAYS"
_frozen: list[date] = []


def now_iso() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def today() -> date:
    """Today's date, as every rule about "today" reads it (frozen inside :func:`frozen`)."""
    return _frozen[-1] if _frozen else date.today()


@contextmanager
def frozen(day: date) -> Iterator[date]:
    """Within the block, :func:`today` is ``day`` (tests of the date window, numbering in other years)."""
    _frozen.append(day)
    try:
        yield day
    finally:
        _frozen.pop()


def future_days() -> int:
    """How many days after today a business date may be: ``QUY_FUTURE_DAYS`` (0 when unset or unreadable;
    ``quy config check`` reports an unreadable value)."""
    raw = os.environ.get(FUTURE_DAYS_SETTING, "").strip()
    try:
        return max(0, int(raw)) if raw else 0
    except ValueError:
        return 0


def latest_date() -> date:
    """The latest business date accepted now: today plus :func:`future_days`."""
    return today() + timedelta(days=future_days())


def check_business_date(day: date, *, field: str = "date") -> date:
    """Return ``day`` if it lies in the date window (:data:`EARLIEST` .. :func:`latest_date`); else raise
    InvalidInput with reason ``date_too_early`` or ``date_in_future``, naming the field and the bounds."""
    if day < EARLIEST:
        raise InvalidInput(f"{field}: {day.isoformat()} is before {EARLIEST.isoformat()}", field=field,
                           reason="date_too_early", date=day.strftime("%d/%m/%Y"),
                           earliest=EARLIEST.strftime("%d/%m/%Y"))
    latest = latest_date()
    if day > latest:
        days = future_days()
        raise InvalidInput(f"{field}: {day.isoformat()} is after {latest.isoformat()} (today"
                           + (f" + {days} days, {FUTURE_DAYS_SETTING})" if days else ")"),
                           field=field, reason="date_in_future", date=day.strftime("%d/%m/%Y"),
                           latest=latest.strftime("%d/%m/%Y"), days=days)
    return day


def check_business_dates(days: Iterable[date]) -> None:
    """:func:`check_business_date` for many dates (a journal's entries), reading the window once."""
    latest = latest_date()
    for day in days:
        if day < EARLIEST or day > latest:
            check_business_date(day)


def business_date(value: object, *, field: str = "date") -> date:
    """:func:`parse_date`, then :func:`check_business_date`: the date of a money movement or a document."""
    return check_business_date(parse_date(value, field=field), field=field)


def parse_date(value: object, *, field: str = "date") -> date:
    """Return ``value`` as a date: a ``date`` or ISO ``YYYY-MM-DD`` / Vietnamese ``dd/mm/yyyy`` text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        s = value.strip()
        try:
            if len(s) == 10 and s[4] == "-":
                return date.fromisoformat(s)
            if len(s) == 10 and s[2] == "/" and s[5] == "/":
                return date(int(s[6:]), int(s[3:5]), int(s[:2]))
        except ValueError:
            pass
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return datetime.strptime(s, fmt).date()
            except ValueError:
                continue
    raise InvalidInput(f"{field}: {value!r} is not a date (YYYY-MM-DD or dd/mm/yyyy)",
                       field=field, reason="not_date")
