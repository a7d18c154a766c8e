"""Names are stored NFC and matched by NFC + casefold + collapsed whitespace; diacritics are kept."""

import unicodedata

import pytest

from ledger.donations import loose_key
from ledger.errors import InvalidName
from ledger.names import clean_name, match_key


def test_nfc_name_is_kept_with_its_diacritics_and_inner_spaces_collapsed():
    assert clean_name("  Nguyễn   Thị  Thu Hương ") == "Nguyễn Thị Thu Hương"


def test_nfd_name_is_refused_with_a_reason():
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert nfd != "Nguyễn Văn An"
    with pytest.raises(InvalidName) as e:
        clean_name(nfd)
    assert e.value.params["reason"] == "not_nfc"


@pytest.mark.parametrize("bad", ["", "   ", None, 12, "a\x00b", "x" * 301])
def test_empty_or_malformed_name_is_refused(bad):
    with pytest.raises(InvalidName):
        clean_name(bad)


def test_match_key_ignores_case_and_spacing_but_not_diacritics():
    assert match_key("NGUYỄN  văn An") == match_key("Nguyễn Văn An")
    assert match_key("Nguyen Van An") != match_key("Nguyễn Văn An")
    assert match_key("Đặng Thị Lan") == "đặng thị lan"


def test_loose_key_only_surfaces_duplicates_it_does_not_change_names():
    assert loose_key("Nguyễn Văn An") == loose_key("NGUYEN VAN AN")
    assert loose_key("Đỗ Đức Đạt") == "do duc dat"
