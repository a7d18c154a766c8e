"""Words for a dataclass field that the JSON API shows beside it.

The API's response schemas are generated from the core's dataclasses (``web/api/schemas/common.py:out_of``,
with marshmallow-dataclass), so a field is declared once, here, with its type; ``described`` adds the
sentence a reader of ``/api/v1/docs`` sees::

    gifts: int = described("unreversed gifts")
    receipt_id: int | None = described("its newest receipt", default=None)

marshmallow-dataclass hands a field's ``metadata`` to the marshmallow field it makes, whose own ``metadata``
is what apispec writes into the OpenAPI document.
"""

from __future__ import annotations

from dataclasses import MISSING, field
from typing import Any


def described(text: str, *, default: Any = MISSING) -> Any:
    """A dataclass field (optionally with a default) described by ``text`` in the API's document."""
    meta = {"metadata": {"description": text}}
    return field(metadata=meta) if default is MISSING else field(default=default, metadata=meta)
