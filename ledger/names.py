"""Names of people and organizations: stored in Unicode NFC, matched by NFC + casefold + collapsed spaces.

Diacritics are never stripped from stored data (SPEC rule 9): "Nguyễn Văn An" and "Nguyen Van An"
are different names. A name that arrives decomposed (NFD) is refused by the ledger, so that what a
person typed is what is stored; the faces tell them how to fix it.
"""

from __future__ import annotations

import unicodedata

from .errors import InvalidName

MAX_NAME = 300
#: Characters that end a line: a single-line field (a name, a number, a reference) refuses them instead of
#: folding them into spaces — they could split a header, a CSV row or a printed line.
LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def clean_name(value: object, *, field: str = "name") -> str:
    """Return the name with outer whitespace trimmed and inner runs collapsed; refuse empty or non-NFC."""
    if not isinstance(value, str):
        raise InvalidName(f"{field} must be text", field=field, reason="not_text")
    if not LINE_BREAKS.isdisjoint(value):
        raise InvalidName(f"{field} must be one line", field=field, reason="line_break")
    name = " ".join(value.split())
    if not name:
        raise InvalidName(f"{field} is empty", field=field, reason="empty")
    if len(name) > MAX_NAME:
        raise InvalidName(f"{field} is longer than {MAX_NAME} characters", field=field, reason="too_long")
    if not unicodedata.is_normalized("NFC", name):
        raise InvalidName(
            f"{field} {name!r} is not in Unicode NFC (composed) form", field=field, reason="not_nfc"
        )
    if not name.isprintable():  # control, format, private-use or unassigned characters
        raise InvalidName(f"{field} contains control characters", field=field, reason="control_chars")
    return name


def single_line(value: object, *, field: str, size: int = 200) -> str:
    """Return a short free-text field (a bank reference) trimmed; refuse line breaks and control
    characters, and more than ``size`` characters. Empty is allowed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidName(f"{field} must be text", field=field, reason="not_text")
    if not LINE_BREAKS.isdisjoint(value):
        raise InvalidName(f"{field} must be one line", field=field, reason="line_break")
    text = value.strip()
    if text and not text.replace("\t", " ").isprintable():
        raise InvalidName(f"{field} contains control characters", field=field, reason="control_chars")
    if len(text) > size:
        raise InvalidName(f"{field} is longer than {size} characters", field=field, reason="too_long")
    return text


def match_key(name: str) -> str:
    """Return the key two names are compared by: NFC, casefolded, whitespace collapsed."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())
    return " ".join(folded.split())


_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


def strip_accents(text: str) -> str:
    """Return ``text`` without Vietnamese diacritics (đ/Đ → d/D), for *comparing* what banks print —
    they drop diacritics — with what Quỹ stores. Never used to store or show a name (SPEC rule 9)."""
    if text.isascii():  # what banks print: nothing to strip (and no need to look at each character)
        return text
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def fold(text: str) -> str:
    """Return the comparison form of bank text: accents stripped, upper case, whitespace collapsed."""
    # upper case can bring a combining mark back ("ǰ" → "J̌"), so accents are stripped again after it
    return " ".join(strip_accents(strip_accents(text).upper()).split())
