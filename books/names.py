"""Beancount account names for Quỹ's (organization, fund, account) triples, and back.

A posting to account ``1121.BIDV`` of fund ``TOHIEU`` in organization ``SLA`` is written to

    Assets:SLA:TOHIEU:1121:BIDV

root by the account's kind, then the organization, the fund and the account's code path (a
sub-account whose code extends its parent's, ``1121.BIDV`` under ``1121``, is written as the
remainder). Fund-first names let beancount and Fava show each fund as its own tree and let a query
select a fund with ``account ~ '^[^:]+:SLA:TOHIEU:'``. Beancount allows only ASCII letters, digits and
hyphens in a name component (starting with a capital or a digit), so codes are transliterated; the
exact codes travel in each ``open`` directive's metadata, which is what an import reads.
"""

from __future__ import annotations

import re
import unicodedata

ROOTS = {"asset": "Assets", "liability": "Liabilities", "equity": "Equity", "income": "Income",
         "expense": "Expenses"}
KINDS = {v: k for k, v in ROOTS.items()}
_SEPARATORS = ".-_/:"


def component(text: str) -> str:
    """Return ``text`` as one beancount account-name component (``121.HD-01/2025`` → ``121-HD-01-2025``)."""
    t = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = re.sub(r"[^A-Za-z0-9-]+", "-", t).strip("-")
    if not t:
        return "X"
    if t[0].isdigit() or t[0].isupper():
        return t
    return t[0].upper() + t[1:] if t[0].isalpha() else "X" + t


def code_path(code: str, parent_path: tuple[str, ...] | None, parent_code: str | None) -> tuple[str, ...]:
    """Return an account's components below its fund: its parent's path and what its code adds."""
    if parent_path is None or parent_code is None:
        return (component(code),)
    rest = code[len(parent_code):] if code.startswith(parent_code) else ""
    if rest and rest[0] in _SEPARATORS and rest.strip(_SEPARATORS):
        return (*parent_path, component(rest.lstrip(_SEPARATORS)))
    return (*parent_path, component(code))


class Namer:
    """Assigns each (organization, fund, account) a beancount name, unique even when two codes
    transliterate alike (the later one, by code, gets ``-2``, ``-3`` …)."""

    def __init__(self) -> None:
        self._names: dict[tuple, str] = {}
        self._taken: set[str] = set()

    def name(self, key: tuple, kind: str, org: str, fund: str, path: tuple[str, ...]) -> str:
        found = self._names.get(key)
        if found is not None:
            return found
        base = ":".join((ROOTS[kind], component(org), component(fund), *path))
        name, n = base, 1
        while name in self._taken:
            n += 1
            name = f"{base}-{n}"
        self._names[key] = name
        self._taken.add(name)
        return name
