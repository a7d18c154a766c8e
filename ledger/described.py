"""Words for a dataclass field that the JSON API shows beside it, and the rules the API holds its input to.

The API's response schemas are generated from the core's dataclasses (``web/api/schemas/common.py:out_of``,
with marshmallow-dataclass), so a field is declared once, here, with its type; ``described`` adds the
sentence a reader of ``/api/v1/docs`` sees::

    gifts: int = described("unreversed gifts")
    receipt_id: int | None = described("its newest receipt", default=None)

marshmallow-dataclass hands a field's ``metadata`` to the marshmallow field it makes, whose own ``metadata``
is what apispec writes into the OpenAPI document.

The request schemas are generated from the core's input dataclasses too (``web/api/schemas/common.py:in_of``).
A face hands those raw values (text from a form, a cell of a file) that the core checks itself, so their
annotations say little (``amount: Any``); the keyword rules say what the JSON API takes for the field, and the
core ignores them::

    fund: str = described("fund code", size=40, min_size=1)
    amount: Any = described(money=True)
    kind: str = described(choices=DONATION_KINDS, default="cash")
    start: Any = described("the period's first day", day=True, key="from")

A field with no default is required in the API, one with a default takes it when absent. The rules (each
optional; one of the kinds, or an annotation ``bool`` — a JSON ``true``/``false`` —, says what the field is):

=========== ========================================================================================
``size``     text of at most this many characters (its column's size) and no NUL
``min_size`` text of at least this many characters
``money``    whole đồng, a JSON integer from 1 (``"or_zero"``: from 0); a float, a fraction, a numeric
             string or a boolean is refused
``day``      a day, ``YYYY-MM-DD``
``choices``  one of these strings
``pattern``  a string matching this regular expression
``whole``    a JSON integer from ``lo`` to ``hi`` (``(lo, hi)``)
``id``       a record's id (a JSON integer from 1)
``items``    a list (a ``dict[...]`` annotation: an object) of such values, at most ``n`` of them, or
             ``(least, most)``
``keys``     an object's keys: text of 1 to this many characters
``key``      the name the API gives the field when it differs (``"from"``, ``"to"``)
``null``     JSON ``null`` is taken (as absent)
``example``  an example value, shown in the document
=========== ========================================================================================
"""

from __future__ import annotations

from dataclasses import MISSING, field
from typing import Any

#: the rules ``described`` takes, each explained in the module's docstring
RULES = frozenset({"size", "min_size", "money", "day", "choices", "pattern", "whole", "id", "items", "keys", "key",
                   "null", "example"})


def described(text: str = "", *, default: Any = MISSING, **rules: Any) -> Any:
    """A dataclass field (optionally with a default) described by ``text`` in the API's document, with the
    ``rules`` the API's request schema holds it to (see the module's docstring)."""
    unknown = set(rules) - RULES
    if unknown:
        raise TypeError(f"described() takes no rule {', '.join(sorted(unknown))}")
    meta: dict[str, Any] = {"metadata": {"description": text}} if text else {}
    if rules:
        meta["api"] = rules
    return field(metadata=meta) if default is MISSING else field(default=default, metadata=meta)
