"""What a request may carry: a ``next=`` target that stays on this site, and input that is well-formed text.

:func:`safe_next` is the one judge of every redirect target a request names (the login form, the language
switch). :func:`check_request` runs before any view: bytes that are not UTF-8 (in the query string, a form or a
JSON body), a lone surrogate or a control character in JSON text, JSON nested deeper than :data:`MAX_DEPTH`, and
control characters in the query string are refused with 400 ``malformed_input`` and a ``reason`` — never a
500, never a replacement character stored in the books. Line breaks in a single-line field (a name, a reference)
are the ledger's to refuse (``ledger.names``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import request

from ledger.errors import MalformedInput

#: The deepest JSON the API reads; its bodies are at most three levels deep.
MAX_DEPTH = 32
#: Form fields may hold line breaks and tabs (a textarea); no other control character.
_FORM_CONTROLS = {chr(c) for c in range(32) if chr(c) not in "\t\r\n"} | {"\x7f"}
_ALL_CONTROLS = {chr(c) for c in range(32)} | {"\x7f"}


def safe_next(target: object) -> str | None:
    """Return ``target`` when it is a path on this site (``/o/SLA/?page=2``), else None.

    Refused: anything not starting with one ``/``; a scheme or a host (``https://…``, ``//evil``); a backslash
    (browsers read ``/\\evil`` as ``//evil``); any control or non-printing character (tab, CR, LF …, which
    browsers drop: ``/\\t/evil`` is ``//evil``) — each also when percent-encoded, once or more."""
    if not isinstance(target, str) or not target or len(target) > 2000:
        return None
    forms = [target]
    for _ in range(3):  # %25 decodes to %, so %2509 is a tab two decodings away
        forms.append(unquote(forms[-1]))
    for text in forms:
        if not text.startswith("/") or text.startswith("//") or "\\" in text or not text.isprintable():
            return None
        parts = urlsplit(text)
        if parts.scheme or parts.netloc:
            return None
    return target


def _refuse(reason: str, where: str) -> MalformedInput:
    return MalformedInput(f"the request's {where} cannot be read: {reason}", reason=reason, field=where)


def _pairs(raw: bytes, where: str, controls: set[str]) -> None:
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise _refuse("not_utf8", where) from None
    for name, value in pairs:
        if not controls.isdisjoint(name) or not controls.isdisjoint(value):
            raise _refuse("control_characters", where)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(raw: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets inside strings skipped), without
    parsing it: what the parser would recurse into."""
    if raw.count("[") + raw.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRING.sub("", raw)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _strings(value: object):
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def check_json(raw: bytes) -> None:
    """Refuse a JSON body that is not UTF-8, nests deeper than MAX_DEPTH, or holds a lone surrogate or a
    control character other than tab, CR and LF in a string. Syntax errors are left to the API's parser."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse("not_utf8", "body") from None
    if json_depth(text) > MAX_DEPTH:
        raise _refuse("too_deep", "body")
    try:
        value = json.loads(text)
    except ValueError:
        return
    for s in _strings(value):
        if not _FORM_CONTROLS.isdisjoint(s):
            raise _refuse("control_characters", "body")
        try:
            s.encode("utf-8")
        except UnicodeEncodeError:
            raise _refuse("lone_surrogate", "body") from None


def check_request() -> None:
    """Before every view: refuse (400 ``malformed_input``) what cannot be read as text."""
    if request.query_string:
        _pairs(request.query_string, "query", _ALL_CONTROLS)
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.content_length:
        return
    mimetype = request.mimetype
    if mimetype == "application/x-www-form-urlencoded":
        _pairs(request.get_data(cache=True), "form", _FORM_CONTROLS)
    elif mimetype == "multipart/form-data":
        for value in request.form.values():  # werkzeug put U+FFFD where the bytes were not UTF-8
            if "\ufffd" in value:
                raise _refuse("not_utf8", "form")
            if not _FORM_CONTROLS.isdisjoint(value):
                raise _refuse("control_characters", "form")
    elif request.is_json or request.path.startswith("/api/"):
        check_json(request.get_data(cache=True))
