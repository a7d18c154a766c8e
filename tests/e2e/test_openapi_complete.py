"""The OpenAPI document stays as complete as it was before the response schemas were generated from the
core's dataclasses (issue 25): every path, operation, parameter, response and component of the document
of that day (``tests/data/openapi-before-issue-25.json``) is still there with every word it had — type,
format, nullability, bounds, required fields and descriptions. New words may be added, none lost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.db import Database
from web.app import create_app

BEFORE = Path(__file__).parents[1] / "data" / "openapi-before-issue-25.json"


def missing(old, new, where: str = "") -> list[str]:
    """What ``old`` says that ``new`` does not: dict keys recursively, lists and scalars whole."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [m for k, v in old.items()
                for m in ([f"{where}/{k}: gone"] if k not in new else missing(v, new[k], f"{where}/{k}"))]
    if isinstance(old, list) and isinstance(new, list) and all(isinstance(x, str) for x in old + new):
        return [f"{where}: lost {sorted(set(old) - set(new))}"] if set(old) - set(new) else []
    if isinstance(old, list) and isinstance(new, list) and all(_named(x) for x in old + new):
        # parameters, known by where they go and their name: each old one is still there, new ones may be added
        return missing({_key(x): x for x in old}, {_key(x): x for x in new}, where)
    return [] if old == new or where in REWORDED else [f"{where}: {old!r} became {new!r}"]


def _named(x) -> bool:
    return isinstance(x, dict) and "name" in x and "in" in x


def _key(x: dict) -> str:
    return f"{x['in']}:{x['name']}"


#: Words changed on purpose, by where they are, and why.
REWORDED = {"/components/schemas/ProgramFigure/properties/count/description":
            "issue 26: awards in kind (bicycles) are counted apart from the awards in money"}


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'quy.sqlite3'}")
    yield create_app(db, {"SECRET_KEY": "test", "TESTING": True}).test_client().get("/api/v1/openapi.json").get_json()
    db.dispose()


def test_the_api_document_says_everything_it_said_before(spec):
    before = json.loads(BEFORE.read_text())
    gaps = missing(before, spec)
    assert not gaps, f"{len(gaps)} things the API document no longer says:\n" + "\n".join(gaps[:40])


#: Fields a later feature added on purpose, by schema (issue 26: the disclosure cites the regime in force; a
#: stipend commitment's months paid before Quỹ).
ADDED = {"DisclosureOut": {"regime", "regime_code", "regime_citation", "deadline", "duty", "cap_default_pct",
                           "cap_max_pct",
                           "published"},  # the period's signed roots, the key's fingerprint, the log's head (issue 27)
         # the figures in the seeds' full shape (issue 26, item 5) and units that report totals (item 3)
         "ProgramFigure": {"in_kind_count", "in_kind_amount"},
         "ConsolidatedOut": {"reported", "booked", "to_reported", "from_parent"},
         "FiguresOut": {"raised_in_kind", "named_recipient", "state_budget", "per_capita", "in_kind_count",
                        "in_kind_total", "period_from", "period_to", "previous", "raised_change", "raised_change_pct",
                        "reported_raised", "reported_held", "reported_units"},
         "Commitment": {"paid_before", "paid_through"}, "CommitmentIn": {"paid_through"},
         "CommitmentTotals": {"paid_before"}}


def test_every_shape_has_the_fields_it_had_and_no_more(spec):
    """A schema generated from a dataclass shows no field the API did not show before (a response carries
    nothing new, a request accepts nothing new), but those a later feature added on purpose (``ADDED``)."""
    before = json.loads(BEFORE.read_text())["components"]["schemas"]
    now = spec["components"]["schemas"]
    grown = {name: sorted(set(now[name].get("properties", {})) - set(old.get("properties", {}))
                          - ADDED.get(name, set()))
             for name, old in before.items() if name in now}
    assert not {k: v for k, v in grown.items() if v}


def test_the_comparison_sees_a_lost_word():
    before = {"components": {"schemas": {"Donor": {"properties": {"total": {"type": "integer",
                                                                             "description": "their sum"}},
                                                   "required": ["id", "total"]}}}}
    assert missing(before, before) == []
    lost = {"components": {"schemas": {"Donor": {"properties": {"total": {"type": "integer"}},
                                                 "required": ["id"]}}}}
    assert missing(before, lost) == ["/components/schemas/Donor/properties/total/description: gone",
                                     "/components/schemas/Donor/required: lost ['total']"]
    assert missing({"a": {"nullable": True}}, {"a": {"nullable": False}}) == ["/a/nullable: True became False"]


def test_the_comparison_sees_a_lost_or_changed_parameter_and_lets_new_ones_in():
    year = {"in": "query", "name": "year", "schema": {"type": "integer"}}
    half = {"in": "query", "name": "half", "schema": {"type": "integer"}}
    old = {"parameters": [year, half]}
    assert missing(old, {"parameters": [{"in": "query", "name": "to"}, half, year]}) == []
    assert missing(old, {"parameters": [year]}) == ["/parameters/query:half: gone"]
    assert missing(old, {"parameters": [year, {**half, "schema": {"type": "string"}}]}) == [
        "/parameters/query:half/schema/type: 'integer' became 'string'"]
