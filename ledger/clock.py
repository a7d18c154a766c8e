"""Time as the ledger records it: UTC timestamps as ISO text, so hashes are the same on every database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from .errors import InvalidInput


def now_iso() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def today() -> date:
    return date.today()


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
