"""What a document says, apart from how it is drawn: its canonical content and that content's hash.

A document's PDF bytes change when the rendering changes (a font package, weasyprint or a stylesheet updated on
the server) even when nothing it says did. So beside the sha256 of a first print's bytes, ``document_prints``
keeps the sha256 of its **canonical content** — the data the document states (number, date, donor, amount and
its words, fund, organization, signatories …), serialized as JSON with sorted keys, no insignificant
whitespace, text in Unicode NFC, dates in ISO form — and the content itself, so that a reprint can say what
changed. A reprint is then one of (:func:`verdict`):

* ``identical`` — the same bytes as the first print;
* ``same_data`` — the same content drawn differently ("cùng dữ liệu, khác cách trình bày");
* ``data_changed`` — the content differs, and :func:`changed_fields` names where;
* ``unknown`` — the bytes differ and the first print was recorded before contents were kept (revision
  0020): whether the data changed cannot be known, and the faces say so.

Pure module: standard library only.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import unicodedata
from datetime import date, datetime
from typing import Any

__all__ = ["IDENTICAL", "SAME_DATA", "DATA_CHANGED", "UNKNOWN", "canonical_json", "canonical_sha256",
           "changed_fields", "describe_changes", "verdict"]

IDENTICAL, SAME_DATA, DATA_CHANGED, UNKNOWN = "identical", "same_data", "data_changed", "unknown"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, str):
        return unicodedata.normalize("NFC", str(value))
    if value is None or isinstance(value, (bool, int)):
        return value
    raise TypeError(f"no canonical form for {type(value).__name__} (money is int, never float)")


def canonical_json(content: Any) -> str:
    """``content`` (dicts, lists, dataclasses, text, whole numbers, dates) as canonical JSON text.

    >>> canonical_json({"b": 1, "a": "Tô Hiệu"})
    '{"a":"Tô Hiệu","b":1}'
    """
    return json.dumps(_plain(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flatten(value: Any, path: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{path}.{k}" if path else k, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _flatten(v, f"{path}[{i}]", out)
        if not value:
            out[path] = []
    else:
        out[path] = value


def changed_fields(first: str, now: str) -> list[str]:
    """The dotted paths whose values differ between two canonical contents (added or removed ones too).

    >>> changed_fields('{"r":{"amount":1,"donor":"A"}}', '{"r":{"amount":1,"donor":"B"}}')
    ['r.donor']
    """
    a: dict[str, Any] = {}
    b: dict[str, Any] = {}
    _flatten(json.loads(first), "", a)
    _flatten(json.loads(now), "", b)
    return sorted(k for k in a.keys() | b.keys() if a.get(k, ...) != b.get(k, ...))


#: How a changed field is named to a Vietnamese reader (the last part of its path).
LABELS = {
    "number": "số", "date": "ngày", "donor": "nhà hảo tâm", "address": "địa chỉ", "fund": "quỹ",
    "campaign": "đợt vận động", "amount": "số tiền", "words": "số tiền bằng chữ", "how": "hình thức",
    "item": "hiện vật", "quantity": "số lượng", "unit": "đơn vị tính", "foreign": "nguyên tệ",
    "earmark": "theo địa chỉ", "to_principal": "vốn gốc", "reference": "chứng từ kèm theo",
    "replaces": "cấp thay cho", "void_reason": "lý do hủy", "verify_url": "địa chỉ kiểm tra (mã QR)",
    "name": "tên", "signatory_title": "chức danh người ký", "signatory_name": "người ký",
    "treasurer_name": "thủ quỹ", "message": "lời nhắn", "entry_no": "số thứ tự trong sổ vàng",
    "place": "nơi viết thư", "today": "ngày viết thư", "receipt": "số biên nhận", "kind": "hình thức",
}
_PARTS = {"organization": "tổ chức"}


def describe_changes(paths: list[str]) -> str:
    """``["organization.signatory_name", "receipt.amount"]`` → "người ký của tổ chức, số tiền"."""
    out: list[str] = []
    for p in paths:
        parts = p.replace("[", ".").replace("]", "").split(".")
        label = LABELS.get(parts[-1], parts[-1])
        if parts[0] in _PARTS:
            label = f"{label} của {_PARTS[parts[0]]}"
        if label not in out:
            out.append(label)
    return ", ".join(out)


def verdict(*, same_bytes: bool, first_canonical: str | None, canonical: str | None) -> str:
    """How a reprint compares with the first print (see the module's docstring)."""
    if same_bytes:
        return IDENTICAL
    if first_canonical is None or canonical is None:
        return UNKNOWN
    return SAME_DATA if canonical_sha256(first_canonical) == canonical_sha256(canonical) else DATA_CHANGED
