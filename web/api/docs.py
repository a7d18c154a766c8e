"""The API's documentation as a page of this site, ``/api/v1/docs``, made from the OpenAPI document."""

from __future__ import annotations

import json
import re

from flask import current_app, render_template
from markupsafe import Markup, escape

from .common import Api


def _inline(text: str) -> Markup:
    """Docstring text for the page: ```code``` and ``code`` spans as <code>, the rest escaped."""
    parts = re.split(r"``?([^`]+)``?", text or "")
    return Markup("").join(Markup("<code>%s</code>") % p if i % 2 else escape(p) for i, p in enumerate(parts))


def _schema_ref(schema: dict | None) -> dict | None:
    """How the docs page shows a schema: links to named ones, or a short type text."""
    if not schema:
        return None
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return {"links": [name], "text": ""}
    if "oneOf" in schema:
        alts = [_schema_ref(x) or {"links": [], "text": "any"} for x in schema["oneOf"]]
        return {"links": [n for a in alts for n in a["links"]], "text": "one of", "prefix": True}
    if schema.get("type") == "array":
        inner = _schema_ref(schema.get("items")) or {"links": [], "text": "any"}
        return {**inner, "text": f"array of {inner['text']}".strip(), "prefix": True}
    text = schema.get("type", "any")
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("enum"):
        text += ": " + " | ".join(str(x) for x in schema["enum"])
    limits = [f"{k} {schema[k]}" for k in ("minimum", "maximum", "minLength", "maxLength", "pattern")
              if k in schema]
    if limits:
        text += " [" + ", ".join(limits) + "]"
    if "default" in schema:
        text += f", default {json.dumps(schema['default'], ensure_ascii=False)}"
    if schema.get("nullable"):
        text += ", or null"
    return {"links": [], "text": text}


def _status_order(code: str) -> tuple[int, str]:
    code = str(code)
    return (int(code), code) if code.isdigit() else (999, code)


def _docs_model(spec: dict) -> dict:
    comps = spec.get("components", {})
    responses = comps.get("responses", {})
    operations = []
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in ("get", "post", "put", "patch", "delete"):
            op = item.get(method)
            if op is None:
                continue
            params = [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                       "type": _schema_ref(p.get("schema")), "description": _inline(p.get("description", ""))}
                      for p in shared + op.get("parameters", [])]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            resps = []
            for code in sorted(op.get("responses", {}), key=_status_order):
                r = op["responses"][code]
                if "$ref" in r:
                    r = responses.get(r["$ref"].rsplit("/", 1)[-1], {})
                schema = r.get("content", {}).get("application/json", {}).get("schema")
                resps.append({"code": code, "description": r.get("description", ""),
                              "schema": _schema_ref(schema)})
            operations.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": _inline(op.get("description", "")), "tags": op.get("tags", []),
                "anchor": "op-" + method + re.sub(r"[^A-Za-z0-9_]+", "-", path),
                "auth": bool(op.get("security", spec.get("security", []))), "params": params,
                "body": _schema_ref(body.get("schema")), "example": body.get("example"),
                "body_required": op.get("requestBody", {}).get("required", False), "responses": resps})
    schemas = []
    for name, sch in comps.get("schemas", {}).items():
        if name == "PaginationMetadata":  # flask-smorest's own, unused here (pages carry their envelope)
            continue
        required = set(sch.get("required", []))
        props = [{"name": k, "type": _schema_ref(v), "required": k in required,
                  "description": _inline(v.get("description", ""))}
                 for k, v in sch.get("properties", {}).items()]
        closed = sch.get("additionalProperties") is False
        schemas.append({"name": name, "properties": props, "closed": closed})
    return {"operations": operations, "schemas": schemas}


def docs_page():
    """The API's documentation as a page of this site (no CDN, no scripts)."""
    api: Api = current_app.extensions["quy_api"]
    spec = api.spec.to_dict()
    return render_template("api_docs.html", spec=spec, model=_docs_model(spec))
