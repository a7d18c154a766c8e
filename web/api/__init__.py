"""The JSON API under ``/api/v1``: flask-smorest views over ``ledger.services`` and ``ledger.queries``.

Every view whose URL names an organization (``<org>``, its code) is wrapped first by
``auth.api_requires(action)`` — a Bearer token scoped to that organization and a role, or a browser
session sending ``X-CSRFToken`` — so the action each needs is on the registered view
(``required_action``); only the public list of organizations, the OpenAPI document
(``/api/v1/openapi.json``) and its page (``/api/v1/docs``) need nothing.

Conventions, the same on every endpoint:

* amounts are JSON integers of đồng (``web/schemas.py``'s ``Dong``), dates ISO ``YYYY-MM-DD``;
* a POST takes an optional ``Idempotency-Key`` header: the same key with the same body gives the first
  result again (status 200, ``"replayed": true``); with another body, 422 ``idempotency_key_reused``;
* lists that grow (donors, donations, pledges, journal, audit) are paged with ``?page=1&page_size=50``
  (at most 500) and answer ``{"items": [...], "page", "page_size", "total"}``; short lists answer
  ``{"items": [...]}``;
* an error is ``{"code", "message", "errors": {field: [reasons]}}`` (ledger errors add ``message_vi``),
  with 400 for a malformed body, 401 without a valid token, 403 for a role that may not, 404 for an
  unknown organization or record, 409 for a conflict with the books, 422 for invalid input.
"""

from __future__ import annotations

from flask import Flask

# Each feature module attaches its views to ``bp`` when imported, in this order (the order of the OpenAPI
# document's paths).
# isort: off
from . import (  # noqa: F401
    orgs, donors, donations, journal, documents, deposits, disbursements, audit, bank, books, regimes,
)
from . import opening  # noqa: F401
from . import expenses  # noqa: F401
from . import reported  # noqa: F401
from . import proofs  # noqa: F401
# isort: on
from .common import PREFIX, PUBLIC, Api, bp
from .docs import docs_page
from .schemas import donations as donation_schemas


def init_api(app: Flask, csrf) -> None:
    """Register the API on ``app``: the views, the OpenAPI document and its page."""
    for key, value in {
        "API_TITLE": "Quỹ API", "API_VERSION": "v1", "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": PREFIX, "OPENAPI_JSON_PATH": "openapi.json",
        # The machine may be offline and the CSP is default-src 'self': no Swagger UI, ReDoc or
        # RapiDoc from a CDN. /api/v1/docs is our own page.
        "OPENAPI_SWAGGER_UI_PATH": None, "OPENAPI_REDOC_PATH": None, "OPENAPI_RAPIDOC_PATH": None,
        "API_SPEC_OPTIONS": {"info": {"description": __doc__.split("\n\n", 1)[1].strip()}},
    }.items():
        app.config.setdefault(key, value)
    api = Api(app)
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "An API token (quy_…) scoped to one organization and one role; make one on the "
                       "Tokens page or with `quy token create`."})
    for name in ("DonorRef", "NewDonor"):  # the two shapes of DonationIn.donor (oneOf)
        api.spec.components.schema(name, schema=getattr(donation_schemas, name))
    csrf.exempt(bp)  # api_requires checks X-CSRFToken itself for browser sessions
    api.register_blueprint(bp)
    app.add_url_rule(f"{PREFIX}/docs", "api_docs", docs_page)
    app.extensions["quy_api"] = api
    for endpoint, view in app.view_functions.items():
        if endpoint.startswith("api.") and endpoint not in PUBLIC and not hasattr(view, "required_action"):
            raise RuntimeError(f"API view {endpoint} does not say which action it needs")

