"""The role × endpoint matrix: every route that needs an action refuses anonymous users (401, or the
login page for a browser GET) and roles that may not take it (403), and lets those that may through.
The routes are read from the app itself, so a new route without a declared action fails here."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import services
from ledger.donations import DonationInput, DonorInput
from web.permissions import ACTIONS

from .webutil import PEOPLE, csrf_token, demo_app, login

#: Routes that need no action: public pages, login, static files, the API's description.
OPEN = {"static", "auth.login", "auth.logout", "auth.language", "ui.home", "public.index", "public.gold_book",
        "public.disclosure", "api.organizations", "api_docs", "public_docs.verify", "public_docs.give",
        "public_docs.gold_book_public_pdf", "api.verify_receipt", "api.vietqr", "public.disclosure_report",
        "public.disclosure_pdf", "api.disclosure", "health.healthz", "health.readyz",
        # the proofs that every gift is counted: public by design (issue 27)
        "public_docs.proofcheck_script", "api.proof_log", "api.proof_roots", "api.proof_key", "api.receipt_proof",
        "api.proof_context", "api.receipt_proof_compact"}
SLA_ROLES = {role: who for who, (org, role) in PEOPLE.items() if org == "SLA"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from ledger.db import Database
    from ledger.migrate import upgrade

    tmp = tmp_path_factory.mktemp("roles")
    db = Database(f"sqlite:///{tmp / 'quy.sqlite3'}")
    upgrade(db)
    app = demo_app(db, tmp)
    pledge = services.record_donation(db, "SLA", DonationInput(
        fund="TOHIEU", amount=5_000_000, date=date(2025, 5, 1), kind="pledge",
        donor=DonorInput(name="Lò Văn Cam")), user="test")
    from receipts import jobs

    env = pytest.MonkeyPatch()
    env.setenv("QUY_PRINTS", str(tmp / "prints"))  # batch prints go to the test's folder
    job_id = jobs.start(db, "SLA", "certificate", user="test", year=2025, wait=True)
    from books import export_jobs, registers
    from ledger.orgs import org_id_by_code

    with db.read() as c:
        sla = org_id_by_code(c, "SLA")
    export = export_jobs.start(db, sla, lambda c: registers.receipts_register(c, sla, 2025, "BN", lazy=True),
                               "xlsx", "bien-nhan-2025.xlsx", wait=True)  # a long register's background export
    services.vote_batch(db, "SLA", 1, approve=True, on=date(2025, 6, 5), user="hoidong")  # seed 000's batch:
    services.pay_batch(db, "SLA", 1, line_nos=[1], on=date(2025, 6, 10), user="thuquy")  # its PDFs exist
    voucher = services.add_income(db, "SLA", on=date(2025, 5, 2), fund="KHT", received_into="111", category="dues",
                                  amount=10_000_000, memo="Hội phí", user="thuquy")  # an ordinary voucher to print
    services.lock_period(db, "SLA", "2024-12-31")  # the opening balances: the auditor package has a period
    ids = {"org": "SLA", "pledge_id": pledge["donation_id"], "tx_id": pledge["tx_id"], "kind": "decision",
           "donor_id": pledge["donor_id"], "id": pledge["donor_id"], "fund": "TOHIEU", "job_id": job_id,
           "doc_id": 1, "donation_id": 1, "entry_id": 1, "campaign": "TOHIEU-2025", "fmt": "csv",
           "register_kind": "receipts", "token": export, "voucher_id": voucher["id"]}
    tokens = {role: services.create_token(db, who, "SLA", role)["token"] for role, who in SLA_ROLES.items()}
    # the token the revoke route is tried on: the admin's to spare (others may not see it: 404)
    ids["token_id"] = services.create_token(db, "quantri", "SLA", "admin", name="spare")["id"]
    clients = {}
    for role, who in SLA_ROLES.items():
        c = app.test_client()
        assert login(c, who).status_code == 302
        clients[role] = c
    yield app, ids, tokens, clients
    env.undo()


def _routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN or rule.endpoint.startswith("api.openapi") or "/openapi" in rule.rule:
            continue
        view = app.view_functions[rule.endpoint]
        action = getattr(view, "required_action", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule, method, action))
    return out


def _url(rule, ids) -> str:
    values = {a: ids.get(a, 1) for a in rule.arguments}
    return rule.build(values, append_unknown=False)[1]


def test_every_route_declares_the_action_it_needs(world):
    app, *_ = world
    undeclared = [f"{m} {r.rule}" for r, m, a in _routes(app) if a is None]
    unknown = [f"{m} {r.rule}: {a}" for r, m, a in _routes(app) if a is not None and a not in ACTIONS]
    assert not undeclared, f"routes without a required action: {undeclared}"
    assert not unknown


def test_anonymous_users_are_refused_everywhere(world):
    app, ids, _tokens, _clients = world
    anon = app.test_client()
    token = csrf_token(anon)
    checked = 0
    for rule, method, _action in _routes(app):
        url = _url(rule, ids)
        if rule.rule.startswith("/api/"):
            r = anon.open(url, method=method, json={})
            assert r.status_code == 401, f"{method} {url}: {r.status_code}"
        elif method == "GET":
            r = anon.get(url)
            assert r.status_code == 302 and "/login" in r.headers["Location"], f"GET {url}"
        else:
            r = anon.open(url, method=method, data={"csrf_token": token})
            assert r.status_code == 401, f"{method} {url}: {r.status_code}"
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("role", sorted(SLA_ROLES))
def test_each_role_gets_exactly_what_its_actions_allow(world, role):
    app, ids, tokens, clients = world
    client = clients[role]
    token = csrf_token(client, "/o/SLA/")
    api = app.test_client()
    for rule, method, action in _routes(app):
        url = _url(rule, ids)
        may = role in ACTIONS[action]
        if rule.rule.startswith("/api/"):
            r = api.open(url, method=method, json={}, headers={"Authorization": f"Bearer {tokens[role]}"})
        elif method == "GET":
            r = client.get(url)
        else:
            r = client.open(url, method=method, data={"csrf_token": token})
        if may:
            assert r.status_code not in (401, 403), f"{role} {method} {url} ({action}): {r.status_code}"
            if method == "GET":
                assert r.status_code == 200, f"{role} GET {url}: {r.status_code}"
        else:
            assert r.status_code == 403, f"{role} {method} {url} ({action}): {r.status_code}"


def test_auditors_read_and_export_but_change_nothing(world):
    app, ids, _tokens, clients = world
    reads = [(r, m, a) for r, m, a in _routes(app) if a in ("read", "export", "audit.read") and m == "GET"]
    changes = [(r, m, a) for r, m, a in _routes(app) if m != "GET"]
    assert reads and changes
    assert all("auditor" in ACTIONS[a] for _r, _m, a in reads)
    # a long register's export is asked for with a POST (it starts a background job) but changes no book
    assert not [a for _r, _m, a in changes if "auditor" in ACTIONS[a]
                and a not in ("token.create", "token.revoke", "export")]
    r = clients["auditor"].get("/o/SLA/donations.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"


def test_a_role_in_one_organization_gives_nothing_in_another(world):
    app, ids, _tokens, _clients = world
    c = app.test_client()
    login(c, "thuquy.tch")
    assert c.get("/o/SLA-TCH/").status_code == 200
    assert c.get("/o/SLA/").status_code == 403
    token = csrf_token(c, "/o/SLA-TCH/")
    r = c.post("/o/SLA/donations/new", data={"csrf_token": token, "donor_name": "X", "amount": "1000",
                                             "fund": "TOHIEU", "date": "2025-05-01", "kind": "cash"})
    assert r.status_code == 403
