"""VietQR payloads: the CRC, building, parsing (ours and published ones), folding Vietnamese text, drawing."""

from __future__ import annotations

import string
import unicodedata
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from receipts.vietqr import (
    MAX_PURPOSE,
    MAX_REFERENCE,
    InvalidPayload,
    VietQR,
    ascii_purpose,
    build_payload,
    crc16_ccitt_false,
    parse_payload,
    qr_png,
    qr_svg,
)

SVG_NS = "http://www.w3.org/2000/svg"
FREE_TEXT = string.ascii_letters + string.digits + " -./"


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def _seal(body: str) -> str:
    """``body`` (all fields but the CRC) with a correct CRC field appended."""
    body += "6304"
    return body + f"{crc16_ccitt_false(body.encode()):04X}"


GOOD_MERCHANT = (_tlv("00", "A000000727") + _tlv("01", _tlv("00", "970415") + _tlv("01", "1234"))
                 + _tlv("02", "QRIBFTTA"))


def _vietqr(bank_bin: str, account: str, amount: int | None = None, purpose: str | None = None,
            reference: str | None = None, service: str = "QRIBFTTA") -> VietQR:
    return VietQR(bank_bin=bank_bin, account=account, service=service, amount=amount, currency="704",
                  country="VN", purpose=purpose, reference=reference, dynamic=amount is not None)


# Published payloads, each with what it says. The build arguments, when given, must rebuild it byte for byte.
PUBLISHED = [
    pytest.param(  # the static example from the VietQR docs (BIN 970403), CRC computed here: 9E6F
        "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F",
        _vietqr("970403", "0011012345678"),
        dict(bank_bin="970403", account="0011012345678"),
        id="vietqr-docs-static"),
    pytest.param(  # github.com/subiz/vietqr README: 120,000 đ to VietinBank 0011001932418, "ung ho lu lut"
        "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA53037045406120000"
        "5802VN62170813ung ho lu lut6304C15C",
        _vietqr("970415", "0011001932418", 120_000, "ung ho lu lut"),
        dict(bank_bin="970415", account="0011001932418", amount=120_000, purpose="ung ho lu lut"),
        id="subiz-dynamic"),
    pytest.param(  # vietnam-qr-pay README: ACB static code for account 257678859
        "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F",
        _vietqr("970416", "257678859"),
        dict(bank_bin="970416", account="257678859"),
        id="acb-static"),
    pytest.param(  # vietnam-qr-pay README: the same account, 10,000 đ, "Chuyen tien"
        "00020101021238530010A0000007270123000697041601092576788590208QRIBFTTA53037045405100005802VN"
        "62150811Chuyen tien630453E6",
        _vietqr("970416", "257678859", 10_000, "Chuyen tien"),
        dict(bank_bin="970416", account="257678859", amount=10_000, purpose="Chuyen tien"),
        id="acb-dynamic"),
    pytest.param(  # a payOS payment link: MB virtual account with letters, 7,000 đ
        "00020101021238570010A000000727012700069704220113VQRQADAIJ55120208QRIBFTTA5303704540470005802VN"
        "62120808TL89 1006304E346",
        _vietqr("970422", "VQRQADAIJ5512", 7_000, "TL89 100"),
        dict(bank_bin="970422", account="VQRQADAIJ5512", amount=7_000, purpose="TL89 100"),
        id="payos-dynamic"),
    pytest.param(  # BIDV static code from a bank app, quoted in a public test suite
        "00020101021138540010A00000072701240006970418011088388319790208QRIBFTTA53037045802VN6304E72E",
        _vietqr("970418", "8838831979"),
        dict(bank_bin="970418", account="8838831979"),
        id="bidv-static"),
    pytest.param(  # NAPAS's card-transfer example: service QRIBFTTC, bill number 62/01 (not ours to build)
        "00020101021238600010A00000072701300006970403011697040311012345670208QRIBFTTC53037045406180000"
        "5802VN62340107NPS68690819thanh toan don hang6304A203",
        _vietqr("970403", "9704031101234567", 180_000, "thanh toan don hang", service="QRIBFTTC"),
        None,
        id="napas-card"),
]
BUILDABLE = [p for p in PUBLISHED if p.values[2] is not None]


# --- CRC ----------------------------------------------------------------------------------------


def test_the_crc_of_123456789_is_the_published_check_value_29b1():
    assert crc16_ccitt_false(b"123456789") == 0x29B1


def test_the_crc_of_nothing_is_the_initial_value():
    assert crc16_ccitt_false(b"") == 0xFFFF


# --- Published payloads -------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "says", "build_args"), PUBLISHED)
def test_a_published_payload_parses_to_what_it_says(payload, says, build_args):
    assert parse_payload(payload) == says


@pytest.mark.parametrize(("payload", "says", "build_args"), BUILDABLE)
def test_building_the_fields_of_a_published_payload_gives_the_identical_string(payload, says, build_args):
    assert build_payload(**build_args) == payload


def test_a_published_payload_with_a_valid_crc_but_a_truncated_account_field_is_refused():
    # Printed in circulation with "0112" before a 13-digit account: the CRC is right, the nesting is not.
    broken = "00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA53037045802VN6304F4E5"
    with pytest.raises(InvalidPayload, match="tag 38/01: truncated"):
        parse_payload(broken)


# --- Build → parse ------------------------------------------------------------------------------

bins = st.text(alphabet=string.digits, min_size=6, max_size=6)
accounts = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=19)
amounts = st.none() | st.integers(min_value=1, max_value=999_999_999_999)
purposes = st.none() | st.text(alphabet=FREE_TEXT, max_size=MAX_PURPOSE)
references = st.none() | st.text(alphabet=FREE_TEXT, max_size=MAX_REFERENCE)


@settings(deadline=None)
@given(bank_bin=bins, account=accounts, amount=amounts, purpose=purposes, reference=references)
def test_what_is_built_parses_back_to_the_same_transfer(bank_bin, account, amount, purpose, reference):
    payload = build_payload(bank_bin=bank_bin, account=account, amount=amount, purpose=purpose,
                            reference=reference)
    assert payload.isascii()
    assert payload.startswith("000201" + ("010212" if amount is not None else "010211"))
    assert parse_payload(payload) == _vietqr(bank_bin, account, amount, purpose or None, reference or None)


def test_tag_62_is_left_out_when_there_is_neither_purpose_nor_reference():
    payload = build_payload(bank_bin="970415", account="0011001932418", amount=5_000)
    assert payload.endswith("5802VN6304" + payload[-4:])


def test_the_reference_goes_in_tag_62_05_before_the_purpose_in_62_08():
    payload = build_payload(bank_bin="970415", account="1234", purpose="Hoc bong", reference="PT-2024/17")
    assert "62260510PT-2024/170808Hoc bong6304" in payload
    assert parse_payload(payload).reference == "PT-2024/17"


@settings(deadline=None)
@given(bank_bin=bins, account=accounts, amount=amounts, purpose=purposes, data=st.data())
def test_a_payload_with_any_one_character_changed_is_refused(bank_bin, account, amount, purpose, data):
    payload = build_payload(bank_bin=bank_bin, account=account, amount=amount, purpose=purpose)
    i = data.draw(st.integers(min_value=0, max_value=len(payload) - 1), label="position")
    new = data.draw(st.characters(min_codepoint=0x20, max_codepoint=0x7E), label="replacement")
    assume(new != payload[i])
    assume(not (i >= len(payload) - 4 and new.upper() == payload[i].upper()))  # CRC case is not checked
    with pytest.raises(InvalidPayload):
        parse_payload(payload[:i] + new + payload[i + 1:])


def test_a_payload_with_a_vietnamese_letter_slipped_in_is_refused():
    payload = build_payload(bank_bin="970415", account="1234", purpose="Ung ho")
    with pytest.raises(InvalidPayload, match="wrong CRC"):
        parse_payload(payload.replace("Ung", "Ưng"))


def test_a_payload_with_a_wrong_crc_is_refused_with_both_crcs_named():
    payload = build_payload(bank_bin="970415", account="1234")
    wrong = "0000" if payload[-4:] != "0000" else "FFFF"
    with pytest.raises(InvalidPayload, match=f"wrong CRC: payload says {wrong}, its content gives {payload[-4:]}"):
        parse_payload(payload[:-4] + wrong)


@pytest.mark.parametrize("text", ["", "6304", "not a payload", "000201010211", "0002010102116304GHIJ"])
def test_text_without_a_crc_field_at_the_end_is_refused(text):
    with pytest.raises(InvalidPayload, match="does not end with a CRC field"):
        parse_payload(text)


def test_a_payload_that_is_not_a_string_is_refused():
    with pytest.raises(InvalidPayload, match="must be a str"):
        parse_payload(b"000201")  # type: ignore[arg-type]


# --- What the parser accepts from banking apps ---------------------------------------------------


def test_the_parser_accepts_tags_in_any_order_and_ignores_tags_it_does_not_know():
    beneficiary = _tlv("01", "0011001932418") + _tlv("00", "970415")
    merchant = _tlv("02", "QRIBFTTA") + _tlv("03", "extra") + _tlv("01", beneficiary) + _tlv("00", "A000000727")
    additional = _tlv("07", "QUAY01") + _tlv("08", "Ung ho quy") + _tlv("01", "HD123")
    payload = _seal(_tlv("58", "VN") + _tlv("59", "HOI KHUYEN HOC") + _tlv("38", merchant) + _tlv("53", "704")
                    + _tlv("00", "01") + _tlv("62", additional) + _tlv("54", "250000") + _tlv("60", "HA NOI")
                    + _tlv("01", "12") + _tlv("99", "0004abcd"))
    assert parse_payload(payload) == _vietqr("970415", "0011001932418", 250_000, "Ung ho quy")


def test_a_code_without_a_point_of_initiation_is_read_as_static():
    payload = _seal(_tlv("00", "01") + _tlv("38", GOOD_MERCHANT) + _tlv("53", "704") + _tlv("58", "VN"))
    assert parse_payload(payload) == _vietqr("970415", "1234")


def test_an_amount_with_a_zero_fraction_is_read_as_whole_dong():
    payload = _seal(build_payload(bank_bin="970415", account="1234", amount=120_000)[:-8]
                    .replace("5406120000", "5409120000.00"))
    assert parse_payload(payload).amount == 120_000


def test_an_amount_with_a_fraction_of_a_dong_is_refused():
    payload = _seal(build_payload(bank_bin="970415", account="1234", amount=120_000)[:-8]
                    .replace("5406120000", "5409120000.50"))
    with pytest.raises(InvalidPayload, match="not a whole number of đồng"):
        parse_payload(payload)


def test_a_crc_in_lowercase_hex_and_surrounding_whitespace_are_accepted():
    payload = build_payload(bank_bin="970403", account="0011012345678")
    assert parse_payload(f"  {payload[:-4]}{payload[-4:].lower()}\n") == _vietqr("970403", "0011012345678")


# --- What the parser refuses --------------------------------------------------------------------

GOOD_ROOT = {"00": "01", "01": "11", "38": GOOD_MERCHANT, "53": "704", "58": "VN"}


def _payload_without(tag: str) -> str:
    return _seal("".join(_tlv(t, v) for t, v in GOOD_ROOT.items() if t != tag))


def test_the_good_payload_the_refusals_start_from_is_itself_accepted():
    assert parse_payload(_payload_without("none")) == _vietqr("970415", "1234")


@pytest.mark.parametrize(("tag", "what"), [("00", "payload format indicator"), ("38", "merchant account information"),
                                           ("53", "transaction currency"), ("58", "country code")])
def test_a_payload_missing_a_mandatory_tag_is_refused(tag, what):
    with pytest.raises(InvalidPayload, match=f"missing tag {tag} \\({what}\\)"):
        parse_payload(_payload_without(tag))


@pytest.mark.parametrize(("merchant", "message"), [
    (_tlv("01", _tlv("00", "970415") + _tlv("01", "1234")) + _tlv("02", "QRIBFTTA"), "missing tag 00 \\(GUID\\)"),
    (_tlv("00", "A000000727") + _tlv("02", "QRIBFTTA"), "missing tag 01 \\(beneficiary organisation\\)"),
    (_tlv("00", "A000000727") + _tlv("01", _tlv("00", "970415") + _tlv("01", "1234")), "missing tag 02"),
    (_tlv("00", "A000000727") + _tlv("01", _tlv("01", "1234")) + _tlv("02", "QRIBFTTA"), "missing tag 00 \\(bank BIN"),
    (_tlv("00", "A000000727") + _tlv("01", _tlv("00", "970415")) + _tlv("02", "QRIBFTTA"), "missing tag 01 \\(account"),
    (_tlv("00", "A000000775") + _tlv("01", _tlv("00", "970415") + _tlv("01", "1234")) + _tlv("02", "QRIBFTTA"),
     "GUID is 'A000000775', not NAPAS's"),
    (_tlv("00", "A000000727") + _tlv("01", _tlv("00", "97041") + _tlv("01", "1234")) + _tlv("02", "QRIBFTTA"),
     "bank BIN '97041' is not 6 digits"),
])
def test_a_merchant_account_field_that_is_incomplete_or_not_napas_is_refused(merchant, message):
    with pytest.raises(InvalidPayload, match=message):
        parse_payload(_seal(_tlv("00", "01") + _tlv("38", merchant) + _tlv("53", "704") + _tlv("58", "VN")))


@pytest.mark.parametrize(("body", "message"), [
    ("000201010211" + "38" + "5A" + GOOD_MERCHANT + "53037045802VN", "tag 38 has a bad length '5A'"),
    ("000201010211" + "3800" + "53037045802VN", "tag 38 has a bad length '00'"),
    ("000201010211" + "38" + "99" + GOOD_MERCHANT, "tag 38 is truncated"),
    ("00020101021" + "1" + "AB" + "04abcd", "bad tag 'AB'"),
    ("000201" + "000201" + _tlv("38", GOOD_MERCHANT) + "53037045802VN", "tag 00 appears twice"),
    ("000202" + _tlv("38", GOOD_MERCHANT) + "53037045802VN", "format indicator is '02'"),
    ("000201010213" + _tlv("38", GOOD_MERCHANT) + "53037045802VN", "point of initiation is '13'"),
    ("000201" + _tlv("38", GOOD_MERCHANT) + "53037045802VN" + "5404abcd", "amount 'abcd'"),
    ("000201" + _tlv("38", GOOD_MERCHANT) + "53037045802VN" + "6203080", "tag 62: truncated"),
])
def test_a_payload_with_a_malformed_field_but_a_valid_crc_is_refused(body, message):
    with pytest.raises(InvalidPayload, match=message):
        parse_payload(_seal(body))


def test_a_payload_whose_crc_field_is_swallowed_by_another_field_is_refused():
    body = "000201" + _tlv("38", GOOD_MERCHANT) + "53037045802VN" + "6210" + "ab"  # 62 takes "ab6304" and the CRC
    with pytest.raises(InvalidPayload, match="not the last one"):
        parse_payload(_seal(body))


def test_invalid_payload_is_a_value_error():
    assert issubclass(InvalidPayload, ValueError)


# --- What the builder refuses -------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1000.0, 1.5, True, False, "1000", Decimal("1000"), 0, -1, -50_000, 10**13])
def test_an_amount_that_is_not_a_positive_whole_number_of_dong_is_refused(amount):
    with pytest.raises(ValueError, match="amount"):
        build_payload(bank_bin="970415", account="1234", amount=amount)


def test_the_largest_amount_of_thirteen_digits_is_accepted():
    assert parse_payload(build_payload(bank_bin="970415", account="1234", amount=10**13 - 1)).amount == 10**13 - 1


@pytest.mark.parametrize("bank_bin", ["97041", "9704151", "97041a", " 970415", "", 970415, None])
def test_a_bin_that_is_not_six_digits_is_refused(bank_bin):
    with pytest.raises(ValueError, match="bank BIN must be 6 digits"):
        build_payload(bank_bin=bank_bin, account="1234")


@pytest.mark.parametrize("account", ["", "1" * 20, "0011-0019", "0011 0019", "Đ123", 1234, None])
def test_an_account_that_is_not_one_to_nineteen_letters_or_digits_is_refused(account):
    with pytest.raises(ValueError, match="account number"):
        build_payload(bank_bin="970415", account=account)


@pytest.mark.parametrize("field", ["purpose", "reference"])
@pytest.mark.parametrize("text", ["Ủng hộ quỹ", "Ung ho quy – dot 2", "café", "\u00a0Ung ho"])
def test_a_purpose_or_reference_that_is_not_ascii_is_refused(field, text):
    with pytest.raises(ValueError, match="not ASCII: pass it through ascii_purpose"):
        build_payload(bank_bin="970415", account="1234", **{field: text})


@pytest.mark.parametrize("text", ["Ung ho, dot 2", "#12", "a&b", "tab\there", "line\nbreak"])
def test_a_purpose_with_ascii_punctuation_other_than_dash_dot_slash_is_refused(text):
    with pytest.raises(ValueError, match="only letters, digits, space and - . /"):
        build_payload(bank_bin="970415", account="1234", purpose=text)


def test_a_purpose_of_fifty_characters_is_accepted_and_of_fifty_one_refused():
    assert parse_payload(build_payload(bank_bin="970415", account="1234", purpose="x" * 50)).purpose == "x" * 50
    with pytest.raises(ValueError, match="51 characters long, more than 50"):
        build_payload(bank_bin="970415", account="1234", purpose="x" * 51)


def test_a_reference_of_twenty_six_characters_is_refused():
    with pytest.raises(ValueError, match="26 characters long, more than 25"):
        build_payload(bank_bin="970415", account="1234", reference="x" * 26)


def test_an_empty_purpose_means_none():
    assert build_payload(bank_bin="970415", account="1234", purpose="") == build_payload(bank_bin="970415",
                                                                                         account="1234")


# --- ascii_purpose ------------------------------------------------------------------------------

# Every Vietnamese vowel with no tone and with the five tones (huyền, sắc, hỏi, ngã, nặng), written out.
VOWELS_LOWER = {
    "a": "aàáảãạ", "ă": "ăằắẳẵặ", "â": "âầấẩẫậ",
    "e": "eèéẻẽẹ", "ê": "êềếểễệ",
    "i": "iìíỉĩị",
    "o": "oòóỏõọ", "ô": "ôồốổỗộ", "ơ": "ơờớởỡợ",
    "u": "uùúủũụ", "ư": "ưừứửữự",
    "y": "yỳýỷỹỵ",
}
VOWELS_UPPER = {
    "A": "AÀÁẢÃẠ", "Ă": "ĂẰẮẲẴẶ", "Â": "ÂẦẤẨẪẬ",
    "E": "EÈÉẺẼẸ", "Ê": "ÊỀẾỂỄỆ",
    "I": "IÌÍỈĨỊ",
    "O": "OÒÓỎÕỌ", "Ô": "ÔỒỐỔỖỘ", "Ơ": "ƠỜỚỞỠỢ",
    "U": "UÙÚỦŨỤ", "Ư": "ƯỪỨỬỮỰ",
    "Y": "YỲÝỶỸỴ",
}
TONED = [pytest.param(letters, letters[0], id=vowel) for vowel, letters in {**VOWELS_LOWER, **VOWELS_UPPER}.items()]


def test_the_vowel_tables_hold_144_distinct_precomposed_letters_and_agree_on_case():
    letters = "".join(VOWELS_LOWER.values()) + "".join(VOWELS_UPPER.values())
    assert len(set(letters)) == 144
    assert unicodedata.is_normalized("NFC", letters)
    assert "".join(VOWELS_LOWER.values()).upper() == "".join(VOWELS_UPPER.values())


@pytest.mark.parametrize(("letters", "vowel"), TONED)
def test_every_tone_of_every_vowel_folds_to_the_bare_ascii_vowel(letters, vowel):
    bare = unicodedata.normalize("NFD", vowel)[0]
    assert ascii_purpose(letters) == bare * 6
    assert ascii_purpose(unicodedata.normalize("NFD", letters)) == bare * 6  # as typed on some systems


def test_d_with_stroke_folds_to_d_in_both_cases():
    assert ascii_purpose("đĐ") == "dD"
    assert ascii_purpose("Đặng Đức Đạt đóng góp") == "Dang Duc Dat dong gop"


@pytest.mark.parametrize(("text", "folded"), [
    ("Ủng hộ Quỹ học bổng Tô Hiệu", "Ung ho Quy hoc bong To Hieu"),
    ("Quỹ khuyến học xã Thạch Đà", "Quy khuyen hoc xa Thach Da"),
    ("Ủng hộ, đợt 2: (lớp 5/3) – #12", "Ung ho dot 2 lop 5/3 12"),
    ("  Nguyễn   Thị\tHường\n", "Nguyen Thi Huong"),
    ("PT-2024/17.", "PT-2024/17."),
    ("❤️ 😊", ""),
])
def test_ascii_purpose_folds_vietnamese_and_strips_other_characters(text, folded):
    assert ascii_purpose(text) == folded


@given(st.text())
def test_whatever_ascii_purpose_returns_is_accepted_by_the_builder(text):
    folded = ascii_purpose(text)
    assert ascii_purpose(folded) == folded
    purpose = folded[:MAX_PURPOSE]
    assert parse_payload(build_payload(bank_bin="970415", account="1234", purpose=purpose)).purpose == (
        purpose or None)


# --- Drawing ------------------------------------------------------------------------------------

STATIC_PAYLOAD = "00020101021138570010A00000072701270006970403011300110123456780208QRIBFTTA53037045802VN63049E6F"


def test_the_svg_is_well_formed_xml_without_a_declaration_or_any_external_reference():
    svg = qr_svg(STATIC_PAYLOAD)
    root = ET.fromstring(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert not svg.startswith("<?xml")
    assert "http" not in svg.replace(SVG_NS, "")
    assert "href" not in svg and "<image" not in svg and "<script" not in svg


def test_the_svg_scale_sets_pixels_per_module():
    small, large = ET.fromstring(qr_svg(STATIC_PAYLOAD, scale=2)), ET.fromstring(qr_svg(STATIC_PAYLOAD, scale=4))
    assert int(large.get("width")) == 2 * int(small.get("width"))
    assert int(small.get("width")) % 2 == 0


def test_the_png_is_a_png():
    png = qr_png(STATIC_PAYLOAD, 3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("draw", [qr_svg, qr_png])
def test_a_broken_payload_is_not_drawn(draw):
    with pytest.raises(InvalidPayload):
        draw(STATIC_PAYLOAD[:-1] + "0")


@pytest.mark.parametrize("scale", [0, -1, 1.5, True])
def test_a_scale_that_is_not_a_positive_int_is_refused(scale):
    with pytest.raises(ValueError, match="scale"):
        qr_svg(STATIC_PAYLOAD, scale=scale)


# --- fit_purpose: what a person typed, made into a description -----------------------------------

from receipts.vietqr import fit_purpose  # noqa: E402


def test_a_long_memo_is_cut_at_a_word_boundary_within_the_limit_and_says_so():
    memo = "Ủng hộ Quỹ học bổng Tô Hiệu nhân dịp kỷ niệm ngày sinh đồng chí Tô Hiệu năm 2025"
    text, shortened = fit_purpose(memo)
    assert shortened and len(text) <= MAX_PURPOSE
    folded = ascii_purpose(memo)
    assert folded.startswith(text) and folded[len(text)] == " "  # the next character is a space: a whole word
    assert text == "Ung ho Quy hoc bong To Hieu nhan dip ky niem ngay"
    assert parse_payload(build_payload(bank_bin="970415", account="1234", purpose=text)).purpose == text


def test_a_memo_that_ends_exactly_at_the_limit_or_before_is_kept_whole():
    assert fit_purpose("x" * 50) == ("x" * 50, False)
    assert fit_purpose("ab " * 16 + "cd") == (("ab " * 16 + "cd"), False)  # 50 characters
    assert fit_purpose("a" * 49 + " b") == ("a" * 49, True)


def test_one_word_longer_than_the_limit_is_cut_at_the_limit():
    assert fit_purpose("x" * 60) == ("x" * 50, True)


@pytest.mark.parametrize("memo", ["!!!", "???", "...", " - / ", "❤️❤️"])
def test_a_memo_with_nothing_a_bank_app_shows_falls_back_instead_of_being_dropped(memo):
    assert fit_purpose(memo, fallback="BN/25 0000123") == ("BN/25 0000123", False)
    assert fit_purpose(memo, fallback="CK12") == ("CK12", False)


def test_a_memo_keeps_its_meaningful_part_when_it_has_punctuation_too():
    assert fit_purpose("Ủng hộ!!! (lớp 12A)", fallback="X") == ("Ung ho lop 12A", False)
