"""Amounts of Vietnamese đồng in words, as Vietnamese accounting writes them on receipts ("Bằng chữ").

``amount_in_words(2_224_402_000)`` gives ``"Hai tỷ hai trăm hai mươi tư triệu bốn trăm linh hai nghìn đồng"``;
``words_to_amount`` reads such text back. Pure: standard library only, no I/O. Output is Unicode NFC.

Reading rules:

* Groups of three digits, from the right: units, ``nghìn`` (10^3), ``triệu`` (10^6), ``tỷ`` (10^9).
* The ``nghìn tỷ`` level (10^12): the part of the amount at or above 10^9 is a count of tỷ, itself read as a
  number up to 999 999 with ``nghìn``, followed by one ``tỷ``. So the amount is five groups
  ``[nghìn-tỷ, tỷ, triệu, nghìn, units]``; when the tỷ group is zero the word ``tỷ`` still follows the
  nghìn-tỷ group, giving ``nghìn tỷ``:
  1 000 000 000 000 → "Một nghìn tỷ đồng", 1 001 000 000 000 → "Một nghìn không trăm linh một tỷ đồng",
  1 000 000 001 000 → "Một nghìn tỷ không trăm linh một nghìn đồng". ``tỷ`` appears at most once.
* A group that is entirely zero is skipped with its unit word (1 000 000 000 → "Một tỷ đồng").
* The leading (first non-zero) group is read as short as possible: 5 → "năm", 21 000 → "hai mươi mốt nghìn".
  Every later non-zero group is read in full, with ``không trăm`` for a zero hundreds digit:
  1 050 000 → "Một triệu không trăm năm mươi nghìn đồng".
* Tens and units: 10 "mười", 20 "hai mươi"; a units 1 is "mốt" after tens ≥ 2 (21 "hai mươi mốt") but "một"
  after "mười" and alone; a units 4 is "tư" after tens ≥ 2 (option ``four="bốn"``), "bốn" in 14 and alone;
  a units 5 is "lăm" after any tens digit (15 "mười lăm", 25 "hai mươi lăm"), "năm" alone or after ``linh``.
* A zero tens digit before a non-zero units digit, in a group read with its hundreds, is ``linh``
  (option ``zero_tens="lẻ"``): 101 → "một trăm linh một", 1 005 → "một nghìn không trăm linh năm".
* First letter capitalised; the unit word ends the text, followed by "chẵn" when ``whole=True`` and the amount
  is not zero. Zero is "Không đồng".
"""

from __future__ import annotations

import unicodedata

__all__ = ["MAX_AMOUNT", "amount_in_words", "words_to_amount"]

MAX_AMOUNT = 999_999_999_999_999

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_FOURS = ("tư", "bốn")
_ZERO_TENS = ("linh", "lẻ")
_WHOLE = "chẵn"

_DIGIT_VALUE = {word: value for value, word in enumerate(_DIGITS)}
# Words that may stand for a units digit after "mười", "mươi", "linh" or "lẻ".
_UNIT_VALUE = {**{w: v for w, v in _DIGIT_VALUE.items() if v}, "mốt": 1, "tư": 4, "lăm": 5}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _option(value: object, allowed: tuple[str, ...], name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    value = _nfc(value.strip())
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _unit(unit: object) -> str:
    if not isinstance(unit, str):
        raise TypeError(f"unit must be a str, not {type(unit).__name__}")
    cleaned = " ".join(_nfc(unit).split())
    if not cleaned:
        raise ValueError("unit must not be empty")
    return cleaned


def _group_words(n: int, *, full: bool, four: str, zero_tens: str) -> list[str]:
    """Words for one group 1..999; ``full`` reads the hundreds even when zero ("không trăm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(zero_tens)
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: four, 5: "lăm"}.get(units, _DIGITS[units]))
    return words


def _number_words(amount: int, four: str, zero_tens: str) -> list[str]:
    if amount == 0:
        return [_DIGITS[0]]
    g4, g3, g2, g1, g0 = (amount // 10**k % 1000 for k in (12, 9, 6, 3, 0))
    labelled = [
        (g4, ["nghìn"] if g3 else ["nghìn", "tỷ"]),
        (g3, ["tỷ"]),
        (g2, ["triệu"]),
        (g1, ["nghìn"]),
        (g0, []),
    ]
    words: list[str] = []
    for group, label in labelled:
        if group:
            words += _group_words(group, full=bool(words), four=four, zero_tens=zero_tens) + label
    return words


def amount_in_words(
    amount: int,
    *,
    unit: str = "đồng",
    whole: bool = False,
    four: str = "tư",
    zero_tens: str = "linh",
) -> str:
    """The amount in Vietnamese words, e.g. 1_005 → "Một nghìn không trăm linh năm đồng".

    ``amount`` is an int from 0 to 999 999 999 999 999 (bool, float and str are refused with TypeError,
    out-of-range values with ValueError). ``whole=True`` appends "chẵn" to a non-zero amount.
    ``four`` ("tư" or "bốn") is the units 4 after a tens digit ≥ 2; ``zero_tens`` ("linh" or "lẻ") reads a
    zero tens digit before a non-zero units digit. The result is NFC.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, not {type(amount).__name__}")
    if not 0 <= amount <= MAX_AMOUNT:
        raise ValueError(f"amount must be between 0 and {MAX_AMOUNT}; got {amount}")
    four = _option(four, _FOURS, "four")
    zero_tens = _option(zero_tens, _ZERO_TENS, "zero_tens")
    words = _number_words(amount, four, zero_tens) + [_unit(unit)]
    if whole and amount:
        words.append(_WHOLE)
    text = " ".join(words)
    return _nfc(text[0].upper() + text[1:])


def _read_group(tokens: list[str]) -> int:
    """The value 0..999 of one group's words (structure only; spelling is checked by re-rendering)."""
    value = 0
    if len(tokens) >= 2 and tokens[1] == "trăm":
        if tokens[0] not in _DIGIT_VALUE:
            raise ValueError(f"cannot read {tokens[0]!r} before 'trăm'")
        value = 100 * _DIGIT_VALUE[tokens[0]]
        tokens = tokens[2:]
    if not tokens:
        return value
    first, rest = tokens[0], tokens[1:]
    if first in _ZERO_TENS:
        if len(rest) != 1 or rest[0] not in _UNIT_VALUE:
            raise ValueError(f"'{first}' must be followed by one units digit")
        return value + _UNIT_VALUE[rest[0]]
    if first == "mười":
        tens, units = 10, rest
    elif len(tokens) >= 2 and tokens[1] == "mươi":
        if _DIGIT_VALUE.get(first, 0) < 2:
            raise ValueError(f"cannot read {first!r} before 'mươi'")
        tens, units = 10 * _DIGIT_VALUE[first], tokens[2:]
    elif len(tokens) == 1 and first in _DIGIT_VALUE:
        return value + _DIGIT_VALUE[first]
    else:
        raise ValueError(f"cannot read {' '.join(tokens)!r}")
    if not units:
        return value + tens
    if len(units) != 1 or units[0] not in _UNIT_VALUE:
        raise ValueError(f"cannot read {' '.join(units)!r} as a units digit")
    return value + tens + _UNIT_VALUE[units[0]]


def _read_scaled(tokens: list[str], scales: tuple[tuple[str, int], ...]) -> int:
    """A number below 1000 × the smallest scale, e.g. "hai trăm triệu không trăm linh một nghìn năm"."""
    total = 0
    for word, size in scales:
        if word in tokens:
            at = tokens.index(word)
            group = _read_group(tokens[:at])
            if not group:
                raise ValueError(f"'{word}' needs a non-zero number before it")
            total += group * size
            tokens = tokens[at + 1 :]
    if any(word in tokens for word, _ in scales):
        raise ValueError("a scale word is repeated or out of order")
    return total + (_read_group(tokens) if tokens else 0)


def _read_number(tokens: list[str]) -> int:
    if not tokens:
        raise ValueError("no number")
    if "tỷ" in tokens:
        at = tokens.index("tỷ")
        billions = _read_scaled(tokens[:at], (("nghìn", 1000),)) if at else 0
        if not billions:
            raise ValueError("'tỷ' needs a non-zero number before it")
        rest = tokens[at + 1 :]
        return billions * 10**9 + (_read_scaled(rest, (("triệu", 10**6), ("nghìn", 1000))) if rest else 0)
    return _read_scaled(tokens, (("triệu", 10**6), ("nghìn", 1000)))


def words_to_amount(text: str, *, unit: str = "đồng") -> int:
    """Read back an amount written by :func:`amount_in_words` with any of its options.

    Letter case, spacing and Unicode normalisation (NFC or NFD) do not matter; the wording must be exactly
    what ``amount_in_words`` would write for some choice of ``four`` and ``zero_tens`` (one choice for the
    whole text), with the given ``unit`` and an optional trailing "chẵn". Raises ValueError otherwise.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, not {type(text).__name__}")
    unit_tokens = _unit(unit).casefold().split()
    tokens = _nfc(text).casefold().split()
    whole = bool(tokens) and tokens[-1] == _WHOLE
    if whole:
        tokens = tokens[:-1]
    if tokens[-len(unit_tokens) :] != unit_tokens:
        raise ValueError(f"cannot read {text!r}: it must end with {unit!r}")
    amount = _read_number(tokens[: -len(unit_tokens)])
    if amount > MAX_AMOUNT:
        raise ValueError(f"cannot read {text!r}: above {MAX_AMOUNT}")
    wanted = " ".join(tokens + ([_WHOLE] if whole else []))
    for four in _FOURS:
        for zero_tens in _ZERO_TENS:
            written = amount_in_words(amount, unit=unit, whole=whole, four=four, zero_tens=zero_tens)
            if written.casefold() == wanted:
                return amount
    raise ValueError(f"cannot read {text!r}: not the usual wording of {amount}")
