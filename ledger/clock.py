"""Time as the ledger records it: UTC timestamps as ISO text, so hashes are the same on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now_iso() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def today() -> date:
    return date.today()


def parse_date(value: object, *, field: str = "date") -> date:
    """Return ``value`` as a date: a ``date`` or ISO ``YYYY-MM-DD`` / Vietnamese ``dd/mm/yyyy`` text."""
    from .errors import InvalidInput

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        s = value.strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
            try:
                return datetime.strptime(s, fmt).date()
            except ValueError:
                continue
    raise InvalidInput(f"{field}: {value!r} is not a date (YYYY-MM-DD or dd/mm/yyyy)",
                       field=field, reason="not_date")
