"""Money is integer đồng. This module is the one place that turns outside input into an amount.

Sign convention (the only one in Quỹ): a posting's ``amount`` is a signed integer number of đồng,
**debit positive, credit negative**. Every other module points here instead of restating it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import InvalidAmount

#: Largest amount accepted for one entry: 999.999.999.999.999 đ (what amount-in-words covers).
MAX_AMOUNT = 10**15 - 1


def parse_amount(value: Any, *, field: str = "amount", allow_zero: bool = False) -> int:
    """Return ``value`` as a positive integer number of đồng, or raise :class:`InvalidAmount`.

    Only a real ``int`` is accepted (``bool`` is not). Floats, decimals, fractions and numeric
    strings are refused rather than rounded: the faces parse their text with :func:`parse_amount_text`.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(
            f"{field} must be an integer number of đồng, got {type(value).__name__}",
            field=field,
            reason="not_integer",
        )
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidAmount(f"{field} must be positive, got {value}", field=field, reason="not_positive")
    if value > MAX_AMOUNT:
        raise InvalidAmount(
            f"{field} exceeds {MAX_AMOUNT} đồng", field=field, reason="too_large", maximum=MAX_AMOUNT
        )
    return value


def parse_amount_text(text: Any, *, field: str = "amount", allow_zero: bool = False) -> int:
    """Parse an amount typed by a person or read from a file: ``1500000``, ``1.500.000`` or ``1 500 000``
    (``0`` too with ``allow_zero``; a sign is refused: ``negative`` then, ``not_positive`` otherwise).

    Dots and spaces are taken as Vietnamese thousands separators only when they separate groups of
    exactly three digits; a decimal comma or a fractional part (``1500000,5``, ``1.5``) is refused.
    A number cell from a spreadsheet arrives as ``int`` or ``float``: a float is refused even if whole,
    because the spreadsheet may have rounded it.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        return parse_amount(text, field=field, allow_zero=allow_zero)
    if not isinstance(text, str):
        raise InvalidAmount(
            f"{field} must be a whole number of đồng, got {type(text).__name__}",
            field=field,
            reason="not_integer",
        )
    s = text.strip().replace("\u00a0", " ")
    for suffix in ("đồng", "đ", "VND", "vnd", "VNĐ"):
        if s.endswith(suffix):
            s = s[: -len(suffix)].strip()
    groups = s.replace(" ", ".").split(".")
    if len(groups) > 1 and not (
        groups[0].isdigit()
        and 1 <= len(groups[0]) <= 3
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    ):
        raise InvalidAmount(
            f"{field}: {text!r} is not a whole number of đồng", field=field, reason="not_integer"
        )
    digits = "".join(groups)
    if not digits.isascii() or not digits.isdigit():
        reason = ("not_integer" if not (digits.startswith("-") and digits[1:].isdigit())
                  else "negative" if allow_zero else "not_positive")
        raise InvalidAmount(f"{field}: {text!r} is not a whole number of đồng", field=field, reason=reason)
    return parse_amount(int(digits), field=field, allow_zero=allow_zero)


def parse_signed_amount_text(text: str | None, *, field: str = "amount") -> int | None:
    """A balance typed by a person, which may be negative: one optional leading ``-`` or ``+``, then an
    amount as :func:`parse_amount_text` reads it (``-1.500.000``), or zero. ``None`` for empty text."""
    t = (text or "").strip()
    if not t:
        return None
    sign, body = (t[0], t[1:].strip()) if t[0] in "+-" else ("", t)
    if not body or body[0] in "+-":
        raise InvalidAmount(f"{field}: {text!r} is not a whole number of đồng", field=field, reason="not_integer")
    value = 0 if body.isascii() and body.isdigit() and not body.strip("0") else parse_amount_text(body, field=field)
    return -value if sign == "-" else value


#: Minor-unit exponents of the foreign currencies donors commonly give in.
CURRENCY_EXPONENTS = {
    "USD": 2, "EUR": 2, "GBP": 2, "AUD": 2, "CAD": 2, "CHF": 2, "SGD": 2, "HKD": 2, "CNY": 2,
    "TWD": 2, "THB": 2, "NZD": 2, "JPY": 0, "KRW": 0, "LAK": 0,
}


def parse_foreign_amount(text: Any, currency: str) -> tuple[int, str]:
    """Return (amount in minor units, currency code) for a foreign-currency gift, e.g. ``"100.50", "usd"``.

    The original amount is kept exactly as the donor gave it; the đồng the bank credited is booked
    separately. More decimals than the currency has are refused.
    """
    code = (currency or "").strip().upper()
    if code not in CURRENCY_EXPONENTS:
        raise InvalidAmount(f"unknown currency {currency!r}", field="currency", reason="unknown_currency")
    if isinstance(text, bool) or isinstance(text, float):
        raise InvalidAmount("foreign amount must be given as text or integer", field="fx_amount",
                            reason="not_exact")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidAmount(f"foreign amount {text!r} is not a number", field="fx_amount",
                            reason="not_number") from None
    exp = CURRENCY_EXPONENTS[code]
    minor = value.scaleb(exp)
    if not value.is_finite() or minor != minor.to_integral_value() or minor <= 0:
        raise InvalidAmount(f"foreign amount {text!r} is not a positive amount of {code}",
                            field="fx_amount", reason="not_exact")
    return int(minor), code


def format_foreign(minor: int, currency: str) -> str:
    """Return the original foreign amount as text, written the Vietnamese way in every currency: ``.`` between
    thousands, ``,`` before the fraction — ``1.000,00 USD``, ``100,50 USD``, ``12.000 JPY``."""
    exp = CURRENCY_EXPONENTS.get(currency, 2)
    text = f"{Decimal(minor).scaleb(-exp):,.{exp}f}"  # 1,000.00
    return f"{text.replace(',', '_').replace('.', ',').replace('_', '.')} {currency}"


def format_vnd(amount: int) -> str:
    """Return ``amount`` the Vietnamese way: ``1.500.000 đ`` (negative as ``-1.500.000 đ``)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,} đ".replace(",", ".")


def split_by_shares(total: int, shares: list[int]) -> list[int]:
    """Split ``total`` đồng across ``shares`` by the largest-remainder method; the pieces sum to ``total``.

    Ties in the remainder go to the earlier share, so the result is deterministic.
    """
    if not shares or any(s < 0 for s in shares) or sum(shares) <= 0:
        raise ValueError("shares must be non-negative and not all zero")
    whole = sum(shares)
    base = [total * s // whole for s in shares]
    rema = [(total * s % whole, -i) for i, s in enumerate(shares)]
    left = total - sum(base)
    for _, neg_i in sorted(rema, reverse=True)[:left]:
        base[-neg_i] += 1
    return base
