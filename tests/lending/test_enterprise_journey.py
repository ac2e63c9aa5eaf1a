"""The enterprise's own journey over HTTP on SQLite and PostgreSQL: the banks' offers with the
consent each needs, applying with that consent granted in the same step, the decision with its
schedule and reasons, accepting the offer (terms document hashed into the log with both
parties' acceptance), automatic disbursement within the product's limit or the officer's queue
above it, and who may not do any of it."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.builders import add_profile, consent, install_champion
from tests.lending import builders as lb


def _ready(db: Database, settings: Settings, park: Park, *, product: bool = True) -> None:
    """A champion model, a fresh profile of the enterprise, and the bank's lending product the
    default credit product books on (no consent yet: the application grants it)."""
    install_champion(settings)
    with db.unit_of_work() as s:
        add_profile(
            s, park["enterprise"]["officer"].org_id, as_of=utcnow().date() - timedelta(days=1)
        )
        if product:
            lb.product(s, lb.principal(s, park["bank"]["officer"]), code="op-loan", rate="4.35")


def _apply(client: TestClient, park: Park, amount: str, who: str = "enterprise") -> Any:
    return client.post(
        "/credit/enterprise-applications",
        json={
            "bank_org_id": park["bank"]["officer"].org_id,
            "product_code": "op-loan",
            "requested_amount": amount,
        },
        headers=park[who]["officer"].headers,
    )


def _entry(db: Database, park: Park, index: int) -> dict[str, Any]:
    with db.unit_of_work() as s:
        row = governance.get_log_entry(s, lb.principal(s, park["bank"]["officer"]), index)
        data: dict[str, Any] = json.loads(row.data)
        return {"kind": row.kind, "payload": data.get("payload", {})}


def test_offers_show_each_banks_product_with_the_consent_it_needs(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    r = app_client.get("/credit/offers", headers=park["enterprise"]["viewer"].headers)
    assert r.status_code == 200, r.text
    (offer,) = r.json()
    assert offer["bank_org_id"] == park["bank"]["officer"].org_id
    assert offer["product_code"] == "op-loan" and offer["name"]["zh-CN"] and offer["name"]["en"]
    consent = offer["consent"]
    assert consent["purpose"] == "credit_assessment"
    assert consent["categories"] == ["external"] and consent["max_grade"] == 2
    assert consent["days"] == 365
    assert [d["dataset"] for d in consent["datasets"]] == ["derived.profile"]
    assert "derived.carbon" in [d["dataset"] for d in consent["also_covers"]]
    # Another bank has no lending product of that code: it offers nothing.
    other = app_client.get("/credit/offers", headers=park["other_bank"]["officer"].headers)
    assert other.json() == []


def test_an_enterprise_applies_granting_the_consent_and_gets_schedule_and_reasons(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    r = _apply(app_client, park, "500000.00")
    assert r.status_code == 201, r.text
    out = r.json()
    app = out["application"]
    assert app["decision"] == "approve" and app["status"] == "approved"
    assert app["bank_org_id"] == park["bank"]["officer"].org_id
    assert app["enterprise_org_id"] == park["enterprise"]["officer"].org_id
    assert Decimal(app["limit"]) == Decimal("500000.00")
    assert app["reasons"] and all(x["text"]["zh-CN"] and x["text"]["en"] for x in app["reasons"])
    assert out["consent"]["created"] is True
    assert out["term_months"] == 12
    schedule = out["schedule"]
    assert len(schedule) == 12
    assert sum(Decimal(i["principal"]) for i in schedule) == Decimal("500000.00")
    assert Decimal(out["total_interest"]) == sum(Decimal(i["interest"]) for i in schedule)
    with db.unit_of_work() as s:
        (grant,) = governance.list_grants(s, lb.principal(s, park["enterprise"]["officer"]))
        assert grant.id == out["consent"]["grant_id"]
        assert grant.grantee_org_id == park["bank"]["officer"].org_id
        assert grant.purpose == "credit_assessment" and grant.categories == ["external"]
        assert grant.max_grade == 2
    # A second application runs under the live grant: no new one.
    again = _apply(app_client, park, "100000.00").json()
    assert again["consent"] == {**out["consent"], "created": False}


def test_accepting_books_the_loan_logs_the_terms_and_pays_out_within_the_automatic_limit(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    app = _apply(app_client, park, "500000.00").json()["application"]
    r = app_client.post(
        f"/credit/applications/{app['id']}/accept",
        json={},
        headers=park["enterprise"]["admin"].headers,
    )
    assert r.status_code == 201, r.text
    acc = r.json()
    assert acc["disbursed"] is True and acc["status"] == "active"
    assert acc["terms_sha256"] == lending.terms_sha256(acc["terms"])
    assert acc["terms"]["application_id"] == app["id"]
    assert acc["terms"]["decision_log_index"] == app["log"]["index"]
    offered = _entry(db, park, acc["offer_log_index"])
    accepted = _entry(db, park, acc["acceptance_log_index"])
    assert offered["kind"] == "loan.terms_offered" and accepted["kind"] == "loan.accepted"
    assert offered["payload"]["terms_sha256"] == accepted["payload"]["terms_sha256"]
    assert accepted["payload"]["terms_sha256"] == acc["terms_sha256"]
    assert offered["payload"]["terms"] == acc["terms"]
    # The enterprise sees its loan and the repayment schedule it accepted.
    loan = app_client.get(
        f"/lending/loans/{acc['loan_id']}", headers=park["enterprise"]["viewer"].headers
    )
    assert loan.status_code == 200, loan.text
    body = loan.json()
    assert body["loan"]["status"] == "active"
    got = [(i["due"], round(Decimal(i["interest"]) * 100)) for i in body["instalments"]]
    terms = [(i["due_on"], i["interest_fen"]) for i in acc["terms"]["schedule"]]
    assert got == terms
    # Accepting the same offer twice is a conflict.
    twice = app_client.post(
        f"/credit/applications/{app['id']}/accept",
        json={},
        headers=park["enterprise"]["officer"].headers,
    )
    assert twice.status_code == 409


def test_above_the_automatic_limit_the_loan_waits_for_an_officer(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    app = _apply(app_client, park, "3000000.00").json()["application"]
    assert Decimal(app["limit"]) == Decimal("3000000.00")
    acc = app_client.post(
        f"/credit/applications/{app['id']}/accept",
        json={"term_months": 6},
        headers=park["enterprise"]["officer"].headers,
    ).json()
    assert acc["disbursed"] is False and acc["status"] == "accepted"
    assert len(acc["terms"]["schedule"]) == 6
    queue = app_client.get("/lending/loans", headers=park["bank"]["officer"].headers).json()
    assert [x["status"] for x in queue if x["id"] == acc["loan_id"]] == ["accepted"]
    r = app_client.post(
        f"/lending/loans/{acc['loan_id']}/disburse",
        json={"on": utcnow().date().isoformat()},
        headers=park["bank"]["officer"].headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "active"


def test_who_may_not_apply_or_accept(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    assert _apply(app_client, park, "100000.00", who="insurer").status_code == 403
    assert _apply(app_client, park, "100000.00", who="bank").status_code == 403
    viewer = app_client.post(
        "/credit/enterprise-applications",
        json={
            "bank_org_id": park["bank"]["officer"].org_id,
            "product_code": "op-loan",
            "requested_amount": "100000.00",
        },
        headers=park["enterprise"]["viewer"].headers,
    )
    assert viewer.status_code == 403
    # Asking above the bank's product maximum is refused naming the field, with nothing granted.
    too_much = _apply(app_client, park, "6000000.00")
    assert too_much.status_code == 422 and "requested_amount" in too_much.text
    # A bank without the product: 404 naming the bank.
    r = app_client.post(
        "/credit/enterprise-applications",
        json={
            "bank_org_id": park["other_bank"]["officer"].org_id,
            "product_code": "op-loan",
            "requested_amount": "100000.00",
        },
        headers=park["enterprise"]["officer"].headers,
    )
    assert r.status_code == 404 and "bank_org_id" in r.text
    with db.unit_of_work() as s:
        assert governance.list_grants(s, lb.principal(s, park["enterprise"]["officer"])) == []
    app = _apply(app_client, park, "100000.00").json()["application"]
    url = f"/credit/applications/{app['id']}/accept"
    # Another enterprise cannot see it, the bank cannot accept its own offer.
    other = app_client.post(url, json={}, headers=park["other_enterprise"]["officer"].headers)
    assert other.status_code == 404
    bank = app_client.post(url, json={}, headers=park["bank"]["officer"].headers)
    assert bank.status_code == 403
    view = app_client.post(url, json={}, headers=park["enterprise"]["viewer"].headers)
    assert view.status_code == 403
    unknown = app_client.post(url, json={"nope": 1}, headers=park["enterprise"]["officer"].headers)
    assert unknown.status_code == 422


def test_the_term_asked_for_is_stored_and_the_accepted_loan_runs_for_it(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    ent = park["enterprise"]["officer"]
    r = app_client.post(
        "/credit/enterprise-applications",
        json={
            "bank_org_id": park["bank"]["officer"].org_id,
            "product_code": "op-loan",
            "requested_amount": "240000.00",
            "term_months": 9,
        },
        headers=ent.headers,
    )
    assert r.status_code == 201, r.text
    out = r.json()
    app = out["application"]
    assert app["term_months"] == out["term_months"] == 9 and len(out["schedule"]) == 9
    assert app["rate_pct"] is not None and Decimal(app["limit"]) == Decimal("240000.00")
    # The decision as the bank reads it back carries the term, with the reasons in both languages.
    seen = app_client.get(
        f"/credit/applications/{app['id']}", headers=park["bank"]["officer"].headers
    ).json()
    assert seen["term_months"] == 9
    assert all(x["text"]["zh-CN"] and x["text"]["en"] for x in seen["reasons"])
    # Accepted without naming a term again, the loan runs for the term asked for.
    acc = app_client.post(
        f"/credit/applications/{app['id']}/accept", json={}, headers=ent.headers
    ).json()
    assert acc["terms"]["term_months"] == 9 and len(acc["terms"]["schedule"]) == 9
    assert [i["due_on"] for i in acc["terms"]["schedule"]] == [i["due_on"] for i in out["schedule"]]


def test_a_term_out_of_range_is_refused_naming_the_field(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _ready(db, settings, park)
    bank = park["bank"]["officer"]
    r = app_client.post(
        "/credit/enterprise-applications",
        json={
            "bank_org_id": bank.org_id,
            "product_code": "op-loan",
            "requested_amount": "100000.00",
            "term_months": 0,
        },
        headers=park["enterprise"]["officer"].headers,
    )
    assert r.status_code == 422 and "term_months" in r.text, r.text
    with db.unit_of_work() as s:
        consent(s, park["enterprise"]["officer"], bank.org_id)
    r = app_client.post(
        "/credit/applications",
        json={"enterprise_org_id": park["enterprise"]["officer"].org_id, "term_months": 400},
        headers=bank.headers,
    )
    assert r.status_code == 422 and "term_months" in r.text, r.text
    r = app_client.post(
        "/credit/applications",
        json={"enterprise_org_id": park["enterprise"]["officer"].org_id, "term_months": 18},
        headers=bank.headers,
    )
    assert r.status_code == 201 and r.json()["term_months"] == 18, r.text
