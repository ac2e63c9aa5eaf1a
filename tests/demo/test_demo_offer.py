"""The demo seeds the bank's lending product behind its credit product (``op-loan``): an
enterprise sees it among the offers with the consent it needs and an automatic disbursement
limit, applies for itself, and an accepted offer within the limit is paid out without an
officer."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.demo import credit_live
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.builders import add_profile, install_champion


def test_the_demo_offer_is_seen_applied_for_and_paid_out_within_the_automatic_limit(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    bank, ent = park["bank"]["officer"], park["enterprise"]["officer"]
    install_champion(settings)
    with db.unit_of_work() as s:
        add_profile(s, ent.org_id, as_of=utcnow().date() - timedelta(days=1))
        seeded = credit_live.seed_offer(s, settings, bank.org_id)
        # A rerun of the demo finds it again rather than failing on the code.
        assert credit_live.seed_offer(s, settings, bank.org_id) == seeded
    prod = credit.product(settings, credit_live.PRODUCT)

    r = app_client.get("/credit/offers", headers=ent.headers)
    assert r.status_code == 200, r.text
    (offer,) = r.json()
    assert offer["bank_org_id"] == bank.org_id and offer["product_code"] == "op-loan"
    assert offer["lending_product_code"] == prod.lending_code
    consent = offer["consent"]
    assert [d["dataset"] for d in consent["datasets"]] == list(prod.datasets)
    assert consent["max_grade"] == 2 and consent["days"] == prod.consent_days
    auto = prod.auto_disburse_limit_fen
    assert auto > 0 and offer["auto_disburse_limit"] == f"{auto / 100:.2f}"

    r = app_client.post(
        "/credit/enterprise-applications",
        json={
            "bank_org_id": bank.org_id,
            "product_code": "op-loan",
            "requested_amount": "300000.00",
            "term_months": 12,
        },
        headers=ent.headers,
    )
    assert r.status_code == 201, r.text
    app = r.json()["application"]
    assert app["status"] == "approved" and app["limit"] == "300000.00"
    assert len(r.json()["schedule"]) == 12
    r = app_client.post(f"/credit/applications/{app['id']}/accept", json={}, headers=ent.headers)
    assert r.status_code == 201, r.text
    acc = r.json()
    assert acc["disbursed"] is True and acc["status"] == "active"
    assert acc["principal"] == "300000.00"
