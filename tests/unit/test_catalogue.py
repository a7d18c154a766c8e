"""Every piece of user-facing text in the web app is in the Vietnamese message catalogue, translated,
and the compiled catalogue the app loads says the same as the one people edit."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "web"
PO = WEB / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _msgids_in_code() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    return {msg if isinstance(msg, str) else msg[0]
            for _f, _l, msg, _c, _ctx in extract_from_dir(str(WEB), method_map,
                                                           keywords={"_": None, "gettext": None})}


def test_every_message_in_the_code_has_a_vietnamese_translation():
    with PO.open("rb") as f:
        catalogue = read_po(f, locale="vi")
    translated = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    in_code = _msgids_in_code()
    assert len(in_code) > 150
    missing = sorted(in_code - set(translated))
    assert not missing, f"not in web/translations/vi (run `make i18n`, then translate): {missing[:10]}"


def test_compiled_catalogue_matches_the_edited_one():
    with PO.open("rb") as f:
        po = {m.id: m.string for m in read_po(f, locale="vi") if m.id}
    with MO.open("rb") as f:
        mo = {m.id: m.string for m in read_mo(f) if m.id}
    assert po == mo, "web/translations/vi/LC_MESSAGES/messages.mo is stale: run `make i18n`"


def test_placeholders_survive_translation():
    with PO.open("rb") as f:
        for m in read_po(f, locale="vi"):
            if m.id and "%(" in m.id:
                import re

                assert sorted(re.findall(r"%\(\w+\)s", m.id)) == sorted(re.findall(r"%\(\w+\)s", m.string)), m.id
