"""Request schemas generated from the core's input dataclasses (``web/api/schemas/common.py:in_of``): the API's
rules for a field are declared once, beside the dataclass field (``ledger/described.py``), and the generated
schema holds a request to them — unknown fields, floats for money and overlong text refused, naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma
import pytest

from ledger.described import described
from ledger.donations import DonationInput
from web.api.schemas.common import Strict, in_of
from web.api.schemas.donations import DonationIn
from web.api.schemas.reported import ReportedTotalsIn

GIFT = {"fund": "TOHIEU", "amount": 1_500_000, "date": "2025-03-05", "donor": {"name": "Nguyễn Văn An"}}


def refused(schema: ma.Schema, body: dict) -> dict:
    with pytest.raises(ma.ValidationError) as err:
        schema.load(body)
    return err.value.messages


def test_a_generated_request_schema_takes_a_gift_as_the_core_declares_it():
    body = DonationIn().load(GIFT)
    assert body["amount"] == 1_500_000 and body["kind"] == "cash" and body["reference"] == ""
    assert set(body) <= {f for f in DonationInput.__dataclass_fields__}  # what the core's dataclass takes


def test_a_generated_request_schema_refuses_an_unknown_field_by_name():
    assert refused(DonationIn(), {**GIFT, "amout": 5}) == {"amout": ["Unknown field."]}


@pytest.mark.parametrize("amount", [1.0, 1_500_000.5, "1500000", True])
def test_a_generated_request_schema_refuses_money_that_is_not_a_json_integer(amount):
    errors = refused(DonationIn(), {**GIFT, "amount": amount})
    assert list(errors) == ["amount"] and "amount" in errors["amount"][0]


def test_a_generated_request_schema_refuses_overlong_text_and_nul_by_name():
    assert list(refused(DonationIn(), {**GIFT, "message": "x" * 1001})) == ["message"]
    assert list(refused(DonationIn(), {**GIFT, "reference": "BN\x00"})) == ["reference"]
    assert list(refused(DonationIn(), {**GIFT, "donor": {"name": "A" * 301}})) == ["donor"]
    assert DonationIn().load({**GIFT, "message": "x" * 1000})["message"] == "x" * 1000


def test_a_field_without_a_default_is_required_and_names_the_api_spells_differently_are_used():
    errors = refused(ReportedTotalsIn(), {"fund": "Quỹ Khuyến học xã Chiềng Cơi", "start": "2025-01-01"})
    assert {"from", "to", "raised", "awarded", "awards", "balance", "source"} <= set(errors)
    assert errors["start"] == ["Unknown field."]  # the API says "from"
    assert "fund" not in errors


def test_a_field_with_no_rule_for_the_api_is_refused_when_the_schema_is_made():
    @dataclass
    class Loose:
        note: str = described("a note")  # text without its size

    with pytest.raises(TypeError, match=r"Loose\.note"):
        in_of(Loose, "LooseIn")


def test_an_unknown_rule_is_refused_where_it_is_declared():
    with pytest.raises(TypeError, match="max_size"):
        described(max_size=40)


def test_in_of_makes_a_strict_schema_with_the_fields_rules_and_words():
    @dataclass
    class Sample:
        fund: str = described("fund code", size=4, min_size=1, example="TOHI")
        amount: Any = described(money="or_zero", key="sum")
        kinds: Any = described(choices=("a", "b"), items=2, default=())
        ok: bool = True
        note: str | None = described(size=10, null=True, default=None)

    schema = in_of(Sample, "SampleIn", exclude=("note",))
    assert issubclass(schema, Strict) and list(schema._declared_fields) == ["fund", "amount", "kinds", "ok"]
    assert schema._declared_fields["fund"].metadata == {"description": "fund code", "example": "TOHI"}
    assert schema().load({"fund": "TOHI", "sum": 0}) == {"fund": "TOHI", "amount": 0, "kinds": (), "ok": True}
    errors = refused(schema(), {"fund": "", "sum": 0.5, "kinds": ["a", "c", "b"], "ok": 1})
    assert set(errors) == {"fund", "sum", "kinds", "ok"}
    assert in_of(Sample, "SampleNoteIn", only=("note",))().load({"note": None}) == {"note": None}
