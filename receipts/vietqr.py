"""VietQR payloads for bank transfers to a fund's account: build, parse, draw.

VietQR is NAPAS's profile of the EMVCo Merchant-Presented QR specification. A payload is a string of
TLV fields, each an ID (2 digits), a length (2 digits, counted in characters) and a value. A transfer
to a bank account carries::

    00 "01"                 payload format indicator
    01 "11" | "12"          point of initiation: static (no amount) or dynamic (with amount)
    38 merchant account     00 GUID "A000000727" (NAPAS)
                            01 beneficiary       00 bank BIN (6 digits), 01 account number
                            02 service code "QRIBFTTA" (transfer to an account)
    53 "704"                currency (đồng)
    54 amount               only on a dynamic code: whole đồng, digits only
    58 "VN"                 country
    62 additional data      05 reference label, 08 purpose of the transfer (omitted when empty)
    63 CRC                  CRC-16/CCITT-FALSE, 4 uppercase hex digits, over everything before it
                            including its own "6304"

The purpose is what the donor's banking app puts in the transfer's description. Apps show it without
diacritics and some refuse other characters, so :func:`build_payload` accepts only letters, digits, space
and ``- . /`` (use :func:`ascii_purpose` to fold Vietnamese text). NAPAS allows up to 99 characters in the
field, but many apps cut the description at 25: we allow 50 (``MAX_PURPOSE``) and recommend keeping the
part that matters (the receipt number) at the start. :func:`fit_purpose` makes a description from what a
person typed: folded, cut at a word boundary within the limit, and never empty when a fallback is given. A
reference label is limited to 25 (``MAX_REFERENCE``), the EMVCo limit.

:func:`parse_payload` reads payloads made by real banking apps too: it does not require the tags in order,
ignores tags it does not know, accepts service "QRIBFTTC" (transfer to a card) and an amount written with
a zero fraction ("120000.00"). It refuses, with :class:`InvalidPayload`, a wrong CRC, a truncated field,
a bad length, a missing mandatory tag or a GUID other than NAPAS's.

Pure module: standard library only, except :func:`qr_svg` and :func:`qr_png`, which draw with ``segno``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # lazy: segno only when a code is drawn
    import segno

__all__ = [
    "CURRENCY_VND",
    "COUNTRY_VN",
    "MAX_PURPOSE",
    "MAX_REFERENCE",
    "NAPAS_GUID",
    "SERVICE_TO_ACCOUNT",
    "SERVICE_TO_CARD",
    "InvalidPayload",
    "VietQR",
    "ascii_purpose",
    "build_payload",
    "fit_purpose",
    "crc16_ccitt_false",
    "parse_payload",
    "qr_png",
    "qr_svg",
]

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
SERVICE_TO_CARD = "QRIBFTTC"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
PAYLOAD_FORMAT = "01"
STATIC = "11"
DYNAMIC = "12"

MAX_PURPOSE = 50
"""Our limit on the purpose (tag 62/08). NAPAS allows 99, but many banking apps cut at 25."""
MAX_REFERENCE = 25
"""Limit on the reference label (tag 62/05), as in EMVCo."""
MAX_AMOUNT_DIGITS = 13
"""EMVCo's limit on the length of the amount (tag 54)."""

_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_FREE_TEXT = re.compile(r"[0-9A-Za-z ./-]*")
_NOT_FREE_TEXT = re.compile(r"[^0-9A-Za-z ./-]+")
_AMOUNT = re.compile(r"([0-9]+)(?:\.(0*))?")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_TWO_DIGITS = re.compile(r"[0-9]{2}")

# Letters that Unicode does not decompose into a base letter and a combining mark.
_FOLD = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L"})


class InvalidPayload(ValueError):
    """The text is not a well-formed VietQR payload."""


@dataclass(frozen=True, slots=True)
class VietQR:
    """What a VietQR payload says."""

    bank_bin: str
    account: str
    service: str
    amount: int | None
    currency: str
    country: str
    purpose: str | None
    reference: str | None
    dynamic: bool


# --- CRC ----------------------------------------------------------------------------------------


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_CRC_TABLE = _crc_table()


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR.

    >>> hex(crc16_ccitt_false(b"123456789"))
    '0x29b1'
    """
    crc = 0xFFFF
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _CRC_TABLE[(crc >> 8) ^ byte]
    return crc


def _crc_hex(text: str) -> str:
    return f"{crc16_ccitt_false(text.encode('utf-8')):04X}"


# --- Text ---------------------------------------------------------------------------------------


def ascii_purpose(text: str) -> str:
    """Fold Vietnamese (or other Latin) text into what a transfer description may hold.

    Diacritics are dropped (đ/Đ become d/D), then every character other than an ASCII letter, a digit,
    a space and ``- . /`` is removed, runs of spaces become one and the ends are trimmed. The result is
    not cut to ``MAX_PURPOSE``; it may be empty.

    >>> ascii_purpose("Ủng hộ Quỹ học bổng Tô Hiệu")
    'Ung ho Quy hoc bong To Hieu'
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = "".join(" " if c.isspace() else c for c in bare)
    return " ".join(_NOT_FREE_TEXT.sub("", bare).split())


def fit_purpose(text: str | None, *, fallback: str = "", limit: int = MAX_PURPOSE) -> tuple[str, bool]:
    """The transfer description to put in a code, and whether it had to be shortened.

    ``text`` is folded with :func:`ascii_purpose`. If nothing meaningful is left (no letter or digit: a
    memo of ``"!!!"``), ``fallback`` (the receipt's or pledge's reference, or "Ung ho <fund>") is used
    instead, so a memo is never dropped silently. A description longer than ``limit`` is cut at the last
    space within the limit — never mid-word, unless one word alone is longer than the limit.

    >>> fit_purpose("!!!", fallback="CK12")
    ('CK12', False)
    >>> fit_purpose("Ung ho Quy hoc bong To Hieu nam hoc 2025 2026 lop 12A1", limit=30)
    ('Ung ho Quy hoc bong To Hieu', True)
    """
    folded = ascii_purpose(text or "")
    if not any(c.isalnum() for c in folded):
        folded = ascii_purpose(fallback or "")
        if not any(c.isalnum() for c in folded):
            return "", False
    if len(folded) <= limit:
        return folded, False
    head = folded[:limit + 1]  # a space right after the limit is a word boundary too
    cut = head.rfind(" ")
    short = (head[:cut] if cut > 0 else folded[:limit]).rstrip(" -./")
    return short or folded[:limit], True


def _check_free_text(name: str, value: str, limit: int) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a str, not {type(value).__name__}")
    if not value.isascii():
        raise ValueError(f"{name} {value!r} is not ASCII: pass it through ascii_purpose() first")
    if not _FREE_TEXT.fullmatch(value):
        raise ValueError(f"{name} {value!r} may hold only letters, digits, space and - . / "
                         "(ascii_purpose() removes the rest)")
    if len(value) > limit:
        raise ValueError(f"{name} is {len(value)} characters long, more than {limit}")


# --- Build --------------------------------------------------------------------------------------


def _tlv(tag: str, value: str) -> str:
    if not 1 <= len(value) <= 99:
        raise ValueError(f"tag {tag}: value of {len(value)} characters does not fit in a field (1 to 99)")
    return f"{tag}{len(value):02d}{value}"


def build_payload(*, bank_bin: str, account: str, amount: int | None = None, purpose: str | None = None,
                  reference: str | None = None) -> str:
    """The VietQR payload for a transfer to ``account`` at the bank with NAPAS BIN ``bank_bin``.

    ``amount`` (whole đồng, a positive ``int``) makes a dynamic code; without it the code is static and the
    donor types the amount. ``purpose`` (tag 62/08) and ``reference`` (tag 62/05) must already be plain
    ASCII: letters, digits, space and ``- . /`` (see :func:`ascii_purpose`), at most ``MAX_PURPOSE`` and
    ``MAX_REFERENCE`` characters; an empty string means none. Raises :class:`ValueError` on bad input.
    """
    if not isinstance(bank_bin, str) or not _BIN.fullmatch(bank_bin):
        raise ValueError(f"bank BIN must be 6 digits, not {bank_bin!r}")
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
        raise ValueError(f"account number must be 1 to 19 letters or digits, not {account!r}")
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise ValueError(f"amount must be a whole number of đồng (int), not {type(amount).__name__}")
        if amount <= 0:
            raise ValueError(f"amount must be positive, not {amount}")
        if len(str(amount)) > MAX_AMOUNT_DIGITS:
            raise ValueError(f"amount {amount} has more than {MAX_AMOUNT_DIGITS} digits")
    if purpose is not None:
        _check_free_text("purpose", purpose, MAX_PURPOSE)
    if reference is not None:
        _check_free_text("reference", reference, MAX_REFERENCE)

    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    parts = [
        _tlv("00", PAYLOAD_FORMAT),
        _tlv("01", STATIC if amount is None else DYNAMIC),
        _tlv("38", merchant),
        _tlv("53", CURRENCY_VND),
    ]
    if amount is not None:
        parts.append(_tlv("54", str(amount)))
    parts.append(_tlv("58", COUNTRY_VN))
    additional = (_tlv("05", reference) if reference else "") + (_tlv("08", purpose) if purpose else "")
    if additional:
        parts.append(_tlv("62", additional))
    body = "".join(parts) + "6304"
    return body + _crc_hex(body)


# --- Parse --------------------------------------------------------------------------------------


def _fields(text: str, where: str) -> dict[str, str]:
    """Split ``text`` into its TLV fields, in any order; a tag may appear once."""
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        head = text[pos:pos + 4]
        if len(head) < 4:
            raise InvalidPayload(f"{where}: truncated field at position {pos} ({head!r})")
        tag, length = head[:2], head[2:]
        if not _TWO_DIGITS.fullmatch(tag):
            raise InvalidPayload(f"{where}: bad tag {tag!r} at position {pos}")
        if not _TWO_DIGITS.fullmatch(length) or length == "00":
            raise InvalidPayload(f"{where}: tag {tag} has a bad length {length!r}")
        end = pos + 4 + int(length)
        if end > len(text):
            raise InvalidPayload(f"{where}: tag {tag} is truncated: length {length} but only "
                                 f"{len(text) - pos - 4} characters left")
        if tag in fields:
            raise InvalidPayload(f"{where}: tag {tag} appears twice")
        fields[tag] = text[pos + 4:end]
        pos = end
    return fields


def _required(fields: dict[str, str], tag: str, where: str, what: str) -> str:
    try:
        return fields[tag]
    except KeyError:
        raise InvalidPayload(f"{where}: missing tag {tag} ({what})") from None


def _parse_amount(text: str) -> int:
    match = _AMOUNT.fullmatch(text)
    if not match:
        raise InvalidPayload(f"tag 54: amount {text!r} is not a whole number of đồng")
    return int(match.group(1))


def parse_payload(payload: str) -> VietQR:
    """Read a VietQR payload (ours or a banking app's). Raises :class:`InvalidPayload` if it is not one."""
    if not isinstance(payload, str):
        raise InvalidPayload(f"payload must be a str, not {type(payload).__name__}")
    payload = payload.strip()
    if len(payload) < 8 or payload[-8:-4] != "6304" or not _HEX4.fullmatch(payload[-4:]):
        raise InvalidPayload("payload does not end with a CRC field (6304 and 4 hex digits)")
    expected = _crc_hex(payload[:-4])
    if payload[-4:].upper() != expected:
        raise InvalidPayload(f"wrong CRC: payload says {payload[-4:]}, its content gives {expected}")

    root = _fields(payload, "payload")
    if list(root)[-1] != "63":  # the CRC field is the last one, found by the check above
        raise InvalidPayload("payload: the CRC field (tag 63) is not the last one")
    if _required(root, "00", "payload", "payload format indicator") != PAYLOAD_FORMAT:
        raise InvalidPayload(f"payload: format indicator is {root['00']!r}, not {PAYLOAD_FORMAT!r}")
    initiation = root.get("01")
    if initiation not in (None, STATIC, DYNAMIC):
        raise InvalidPayload(f"payload: point of initiation is {initiation!r}, not {STATIC!r} or {DYNAMIC!r}")

    merchant = _fields(_required(root, "38", "payload", "merchant account information"), "tag 38")
    guid = _required(merchant, "00", "tag 38", "GUID")
    if guid.upper() != NAPAS_GUID:
        raise InvalidPayload(f"tag 38: GUID is {guid!r}, not NAPAS's {NAPAS_GUID!r}")
    beneficiary = _fields(_required(merchant, "01", "tag 38", "beneficiary organisation"), "tag 38/01")
    bank_bin = _required(beneficiary, "00", "tag 38/01", "bank BIN")
    if not _BIN.fullmatch(bank_bin):
        raise InvalidPayload(f"tag 38/01: bank BIN {bank_bin!r} is not 6 digits")
    account = _required(beneficiary, "01", "tag 38/01", "account or card number")
    service = _required(merchant, "02", "tag 38", "service code")

    additional = _fields(root["62"], "tag 62") if "62" in root else {}
    return VietQR(
        bank_bin=bank_bin,
        account=account,
        service=service,
        amount=_parse_amount(root["54"]) if "54" in root else None,
        currency=_required(root, "53", "payload", "transaction currency"),
        country=_required(root, "58", "payload", "country code"),
        purpose=additional.get("08"),
        reference=additional.get("05"),
        dynamic=initiation == DYNAMIC,
    )


# --- Draw ---------------------------------------------------------------------------------------


def _qr(payload: str, scale: int) -> segno.QRCode:
    import segno  # only the drawing helpers need it

    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ValueError(f"scale must be a positive int, not {scale!r}")
    parse_payload(payload)  # never draw a code that a banking app would refuse
    return segno.make_qr(payload.strip(), error="M", boost_error=False)


def qr_svg(payload: str, *, scale: int = 4, fit: bool = False) -> str:
    """The QR code of a VietQR ``payload`` as an inline SVG element: error correction level M, a 4-module
    quiet zone, ``scale`` pixels a module, no XML declaration and no external reference.

    With ``fit`` (web pages) the SVG has a ``viewBox`` and no fixed size, and paints its quiet zone white:
    the page's CSS scales the whole code, quiet zone included, to the box it gives it, so the code is
    never cropped, whatever the screen. Without it the SVG is ``scale`` pixels a module (the PDFs)."""
    out = io.BytesIO()
    extra = {"omitsize": True, "light": "#fff"} if fit else {}
    _qr(payload, scale).save(out, kind="svg", scale=scale, xmldecl=False, svgns=True, nl=False,
                             svgclass="vietqr", lineclass=None, **extra)
    return out.getvalue().decode("utf-8")


def qr_png(payload: str, scale: int = 4) -> bytes:
    """The QR code of a VietQR ``payload`` as a PNG image (error correction level M, ``scale`` pixels a
    module, a 4-module quiet zone)."""
    out = io.BytesIO()
    _qr(payload, scale).save(out, kind="png", scale=scale)
    return out.getvalue()


def link_svg(url: str, *, scale: int = 4) -> str:
    """Any text (a verification page's address) as an inline QR SVG element, drawn like :func:`qr_svg`."""
    # lazy: segno only when a code is drawn
    import segno

    out = io.BytesIO()
    segno.make_qr(url, error="M", boost_error=False).save(out, kind="svg", scale=scale, xmldecl=False, svgns=True,
                                                         nl=False, svgclass="qr", lineclass=None)
    return out.getvalue().decode("utf-8")
