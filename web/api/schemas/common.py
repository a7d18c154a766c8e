"""The marshmallow schemas of the JSON API (``web/api/``): what each endpoint accepts and returns.

Request schemas refuse unknown fields (marshmallow's RAISE). Amounts are :class:`Dong`: a JSON integer
of đồng, checked by ``ledger.money.parse_amount`` (a float — even ``1.0`` —, a numeric string, a
boolean, zero, a negative or more than 999.999.999.999.999 is refused, naming the field). Free text is
:class:`Text`: bounded by the length of its database column and without NUL characters, so no input
can make the database refuse a row the API accepted.

Schemas are generated from the core's dataclasses where it has them, so a field is declared once: a response's
from what a read returns (:func:`out_of`, :func:`shape`, :func:`result`), a request's from the input dataclass
a face hands to the use case, with the API's rules beside each field (:func:`in_of`, ``ledger/described.py``).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

import marshmallow as ma
import marshmallow_dataclass
from marshmallow import fields, validate

from ledger.errors import InvalidAmount
from ledger.money import MAX_AMOUNT, parse_amount

#: The largest id a path or body may name (ids are BIGINT; anything larger cannot exist).
MAX_ID = 10**18 - 1


class Dong(fields.Integer):
    """An amount of đồng: a JSON integer from 1 to 999.999.999.999.999, nothing else."""

    def __init__(self, **kw: Any) -> None:
        meta = {"minimum": 1, "maximum": MAX_AMOUNT, "description": "whole đồng (JSON integer)"}
        meta.update(kw.pop("metadata", {}))
        super().__init__(strict=True, metadata=meta, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            return parse_amount(value, field=self.data_key or self.name or "amount")
        except InvalidAmount as err:
            raise ma.ValidationError(err.message) from None


class DongOrZero(Dong):
    """An amount of đồng that may be zero (a reported total): a JSON integer from 0, never negative or a float."""

    def __init__(self, **kw: Any) -> None:
        meta = {"minimum": 0, **kw.pop("metadata", {})}
        super().__init__(metadata=meta, **kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        name = self.data_key or self.name or "amount"
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise ma.ValidationError(f"{name} must not be negative, got {value}")
        try:
            return parse_amount(value, field=name, allow_zero=True)
        except InvalidAmount as err:
            raise ma.ValidationError(err.message) from None


class DongQuery(Dong):
    """An amount of đồng in a query string: digits only (``?amount=500000``), no dots, signs or fractions."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 15:
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


def _no_nul(value: str) -> bool:
    if "\x00" in value:
        raise ma.ValidationError("Text may not contain NUL characters.")
    return True


class Text(fields.String):
    """Text of at most ``max_length`` characters (the column's size), without NUL characters."""

    def __init__(self, max_length: int, *, min_length: int | None = None, **kw: Any) -> None:
        checks = [validate.Length(min=min_length, max=max_length), _no_nul]
        super().__init__(validate=checks, **kw)


class Flag(fields.Boolean):
    """A JSON ``true`` or ``false`` (not ``1``, ``"yes"`` or ``"on"``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def Id(**kw: Any) -> fields.Integer:  # noqa: N802 - reads like a field class
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kw)


class RecipientRef(fields.Field):
    """A recipient: its id (a JSON integer), or its full name when one recipient has it (``#12`` also
    names recipient 12); a name several share is refused with them listed (``ambiguous_recipient``)."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("metadata", {})
        kw["metadata"] = {"oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            {"type": "string", "minLength": 1, "maxLength": 300, "pattern": "\\S"}], **kw["metadata"]}
        super().__init__(**kw)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
            return value
        if isinstance(value, str) and value.strip() and len(value) <= 300 and "\x00" not in value:
            return value
        raise ma.ValidationError("A recipient's id (integer) or full name (1 to 300 characters).")


class Strict(ma.Schema):
    """Request bodies: unknown fields are an error, never silently dropped."""

    class Meta:
        unknown = ma.RAISE


class Out(ma.Schema):
    """Responses (fields come out in the order they are declared)."""


class _Model(Out):
    """The base of the response schemas generated from the core's dataclasses: a response carries every
    field of its dataclass (``X | None`` ones as ``null``), so each is required in the document."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if getattr(field_obj, "as_declared", False):  # a marshmallow field given as is says for itself
            return
        field_obj.required = True
        field_obj.load_default = field_obj.dump_default = ma.missing  # a default is the model's, not the API's


#: the schema generated from a dataclass → the API's named schema of it, so that a dataclass nested in another
#: is shown by the name the API gave it (``Figures``, not ``FundBalance``)
_NAMED: dict[type, type] = {}


def out_of(model: type, name: str, /, *, exclude: tuple[str, ...] = (), **more: Any) -> type[Out]:
    """The response schema ``name`` generated from the dataclass ``model`` (marshmallow-dataclass): a field
    for each of its fields, in order, typed by its annotation and described by ``ledger.described`` —
    declared once, in the core — less ``exclude``, then the fields in ``more`` (as ``shape`` takes them):
    what the API adds, or shows otherwise (one in a dataclass field's place keeps its description)."""
    base = marshmallow_dataclass.class_schema(model, base_schema=_Model)
    attrs = {n: _by_name(f) or f for n, f in base._declared_fields.items() if n not in exclude}
    for n, kind in more.items():  # an API field in a dataclass field's place keeps its words
        f = _field(kind)
        if n in attrs:
            f.metadata = {**attrs[n].metadata, **f.metadata}
        attrs[n] = f
    schema = type(name, (_Model,), attrs)
    _NAMED.setdefault(base, schema)
    return schema


def shape(name: str, /, **kinds: Any) -> type[Out]:
    """A response schema declared by its fields' Python types, as a dataclass would (``id=int``,
    ``receipt=str | None``, ``seq=(int, "position in the hash chain")`` with its description), for what a use
    case returns as a plain dict; a marshmallow field where a type says too little (a list of a schema).
    Typed by marshmallow-dataclass, like ``out_of``."""
    return type(name, (_Model,), {n: _field(k) for n, k in kinds.items()})


def _field(kind: Any) -> fields.Field:
    """A type (a schema, or a list of one, nests it), ``(type, "description")``, or a marshmallow field."""
    if isinstance(kind, fields.Field):
        kind.as_declared = True
        return kind
    typ, about = kind if isinstance(kind, tuple) else (kind, None)
    meta = {"metadata": {"description": about}} if about else {}
    if typing.get_origin(typ) is list and _is_schema(typing.get_args(typ)[0]):
        return fields.List(fields.Nested(typing.get_args(typ)[0]), required=True, **meta)
    if _is_schema(typ):
        return fields.Nested(typ, required=True, **meta)
    return marshmallow_dataclass.field_for_schema(typ, metadata=meta, base_schema=_Model)


def _is_schema(typ: Any) -> bool:
    return isinstance(typ, type) and issubclass(typ, ma.Schema)


def result(name: str, /, **kinds: Any) -> type[Out]:
    """The ``shape`` of what a POST returns: its fields, then ``replayed`` (``@replayable``)."""
    return shape(name, **kinds, replayed=REPLAYED)


#: ``true`` when an Idempotency-Key replayed an earlier request (the result is the first request's)
REPLAYED = fields.Boolean(required=True, metadata={"description": "true when an Idempotency-Key replayed an "
                                                                  "earlier request"})


def _by_name(f: fields.Field) -> fields.Field | None:
    """``f`` again, nesting the named schema of a dataclass that has one (None when nothing changes)."""
    if isinstance(f, fields.List):
        inner = _by_name(f.inner)
        return inner and fields.List(inner, allow_none=f.allow_none, metadata=f.metadata)
    if isinstance(f, fields.Nested) and f.nested in _NAMED:
        return fields.Nested(_NAMED[f.nested], allow_none=f.allow_none, metadata=f.metadata)
    return None


# ------------------------------------------------------------------ request schemas from the core's input dataclasses


def in_of(model: type, name: str, /, *, exclude: tuple[str, ...] = (), only: tuple[str, ...] | None = None,
          required: tuple[str, ...] = (), **more: fields.Field) -> type[Strict]:
    """The request schema ``name`` (:class:`Strict`: an unknown field is refused) generated from the core's input
    dataclass ``model``: a field for each of its fields (``only`` those, less ``exclude``), required when it has
    no default (or is named in ``required``), else taking the default when absent, of the kind its rules say —
    ``ledger.described``: the text's size, money, a day, choices, the name the API spells it by, its words —
    declared once, beside the dataclass field. ``more``: marshmallow fields for what the API takes otherwise
    (``recipient=RecipientRef()``: in a dataclass field's place it keeps that field's words, default and
    required-ness) or adds (a field the core's dataclass has not)."""
    hints = typing.get_type_hints(model)
    attrs: dict[str, fields.Field] = {}
    for f in dataclasses.fields(model):
        if f.name in exclude or (only is not None and f.name not in only):
            continue
        given = more.pop(f.name, None)
        attrs[f.name] = _in_field(f, hints[f.name], given, f.name in required, model.__name__)
    attrs.update(more)
    return type(name, (Strict,), attrs)


def _in_field(f: dataclasses.Field, typ: Any, given: fields.Field | None, required: bool, model: str) -> fields.Field:
    rules = dict(f.metadata.get("api", {}))
    made = given if given is not None else _kind(rules, typ, f"{model}.{f.name}")
    made.metadata = {**made.metadata, **f.metadata.get("metadata", {}),
                     **({"example": rules["example"]} if "example" in rules else {})}
    default = f.default if f.default is not dataclasses.MISSING else f.default_factory
    if required or default is dataclasses.MISSING:
        made.required = True
    elif default is not None or rules.get("null"):
        made.load_default = default  # a None default is the API's only when null is taken: else absent means it
    if rules.get("null"):
        made.allow_none = True
    if "key" in rules:
        made.data_key = rules["key"]
    return made


def _kind(rules: dict, typ: Any, where: str) -> fields.Field:
    """The marshmallow field a dataclass field's API rules (and, for a flag or an object, its type) make."""
    if typing.get_origin(typ) is dict:
        return fields.Dict(keys=Text(rules["keys"], min_length=1), values=_one(rules, Any, where),
                           validate=_count(rules.get("items")))
    if "items" in rules:
        return fields.List(_one(rules, Any, where), validate=_count(rules["items"]))
    return _one(rules, typ, where)


def _count(items: int | tuple[int, int] | None) -> validate.Length | None:
    if items is None:
        return None
    least, most = items if isinstance(items, tuple) else (None, items)
    return validate.Length(min=least, max=most)


def _one(rules: dict, typ: Any, where: str) -> fields.Field:
    """One value's field: money, a day, one of the choices, a pattern, a whole number, an id, text, a flag."""
    if rules.get("money"):
        return DongOrZero() if rules["money"] == "or_zero" else Dong()
    if rules.get("day"):
        return fields.Date()
    if "choices" in rules:
        return fields.String(validate=validate.OneOf(rules["choices"]))
    if "whole" in rules:
        least, most = rules["whole"]
        return fields.Integer(strict=True, validate=validate.Range(min=least, max=most))
    if rules.get("id"):
        return Id()
    if "size" in rules:
        text = Text(rules["size"], min_length=rules.get("min_size"))
        if "pattern" in rules:
            text.validators.append(validate.Regexp(rules["pattern"]))
        return text
    if "pattern" in rules:
        return fields.String(validate=validate.Regexp(rules["pattern"]))
    if bool in (typ, *typing.get_args(typ)):
        return Flag()
    raise TypeError(f"{where}: no rule of ledger.described says what the API takes (size=, money=, day=, …)")


# ------------------------------------------------------------------ errors and pages


class ErrorSchema(Out):
    code = fields.String(required=True, metadata={"description": "machine code, e.g. invalid_input"})
    message = fields.String(required=True, metadata={"description": "what went wrong, in English"})
    message_vi = fields.String(metadata={"description": "the same in Vietnamese (ledger errors)"})
    errors = fields.Dict(keys=fields.String(), required=True,
                         metadata={"description": "the failing fields: {field: [reasons]}"})
    request_id = fields.String(metadata={"description": "the request's id, as in the X-Request-ID header and "
                                                        "the server's log"})


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6),
                          metadata={"description": "page number, from 1"})
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500),
                               metadata={"description": "items per page (at most 500)"})


class PageMeta(Out):
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "items on all pages"})


def _items(item: type[ma.Schema]) -> dict[str, fields.Field]:
    return {"items": fields.List(fields.Nested(item), required=True)}


def paged(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The page envelope ``{items, page, page_size, total}`` around ``item``."""
    return type(name, (PageMeta,), _items(item))


def listed(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The list envelope ``{items}`` around ``item`` (every item, no pages)."""
    return type(name, (Out,), _items(item))


class AsOfArgs(ma.Schema):
    as_of = fields.Date(metadata={"description": "figures at the end of this day (YYYY-MM-DD)"})


class Created(Out):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    replayed = fields.Boolean(required=True, metadata={"description": "true when an Idempotency-Key "
                                                                       "replayed an earlier request"})


class PeriodArgs(ma.Schema):
    start = fields.Date(data_key="from", metadata={"description": "first day (default: 1 January this year)"})
    end = fields.Date(data_key="to", metadata={"description": "last day (default: today)"})
