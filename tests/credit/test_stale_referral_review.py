"""A ``stale_profile`` referral approved by an officer once the profile is fresh ends with a
real limit and rate: the review decides again on the refreshed profile (rebuilt from the
platform's data when need be), logs that decision's inputs hash with the review, replays, and
the enterprise can accept the loan for that limit. Approving while the evidence is still too
old, or when the fresh decision declines, is refused; others may not review."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.clock import month_start, utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.domain import DEFAULT_PRODUCT
from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.credit.builders import BAD, add_profile, consent, install_champion
from tests.lending import builders as lb


def _referred(client: TestClient, db: Database, settings: Settings, park: Park) -> str:
    """The bank applies on a profile older than the product accepts: referred, limit 0."""
    install_champion(settings)
    org = park["enterprise"]["officer"].org_id
    max_age = DEFAULT_PRODUCT.max_evidence_age_days
    assert max_age is not None
    with db.unit_of_work() as s:
        add_profile(s, org, as_of=utcnow().date() - timedelta(days=max_age + 5))
        consent(s, park["enterprise"]["officer"], park["bank"]["officer"].org_id)
    r = client.post(
        "/credit/applications",
        json={"enterprise_org_id": org, "requested_amount": "400000.00"},
        headers=park["bank"]["officer"].headers,
    )
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["status"] == "referred" and out["knockouts"] == ["stale_profile"]
    assert out["limit"] == "0.00" and out["rate_pct"] is None
    return str(out["id"])


def _review(client: TestClient, park: Park, app_id: str, outcome: str, who: str = "bank") -> Any:
    return client.post(
        f"/credit/applications/{app_id}/decision",
        json={"outcome": outcome, "note": "profile refreshed, checked the books"},
        headers=park[who]["officer"].headers,
    )


def test_approving_a_stale_referral_after_the_refresh_grants_a_real_limit(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    app_id = _referred(app_client, db, settings, park)
    # Still stale, and no data on the platform to rebuild from: the approval is refused.
    r = _review(app_client, park, app_id, "approve")
    assert r.status_code == 409 and "status" in r.text, r.text
    # Others may not review it at all.
    assert _review(app_client, park, app_id, "approve", who="other_bank").status_code == 404
    assert _review(app_client, park, app_id, "approve", who="enterprise").status_code == 403

    # The profile is refreshed (as the worker's nightly job writes it).
    with db.unit_of_work() as s:
        fresh = add_profile(s, park["enterprise"]["officer"].org_id, as_of=utcnow().date())
    r = _review(app_client, park, app_id, "approve")
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "approved" and out["decision"] == "refer"
    assert Decimal(out["limit"]) == Decimal("400000.00")
    assert out["rate_pct"] is not None and Decimal(out["rate_pct"]) > 0
    assert out["review_inputs_sha256"]
    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        app = service.get_application(s, officer, app_id)
        assert app.review_inputs is not None and app.review_inputs["profile_id"] == fresh
        entry = governance.get_log_entry(s, officer, out["officer_log_index"])
        review = json.loads(entry.data)["payload"]["review"]
    assert entry.kind == "credit.reviewed"
    assert review["inputs_sha256"] == out["review_inputs_sha256"]
    assert review["limit_fen"] == 40_000_000 and review["rate_pct"] == out["rate_pct"]
    rep = app_client.get(
        f"/credit/applications/{app_id}/replay", headers=park["bank"]["officer"].headers
    ).json()
    assert rep["matches"], rep

    # The enterprise accepts the approved offer: the loan is for the limit, at the rate.
    with db.unit_of_work() as s:
        lb.product(s, lb.principal(s, park["bank"]["officer"]), code="op-loan")
    acc = app_client.post(
        f"/credit/applications/{app_id}/accept",
        json={},
        headers=park["enterprise"]["officer"].headers,
    )
    assert acc.status_code == 201, acc.text
    assert acc.json()["principal"] == "400000.00"
    assert acc.json()["terms"]["annual_rate_pct"] == out["rate_pct"]


def test_the_review_decides_on_a_profile_rebuilt_from_platform_data(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    app_id = _referred(app_client, db, settings, park)
    org = park["enterprise"]["officer"].org_id
    today = utcnow().date()
    with db.unit_of_work() as s:
        report = telemetry.import_records(
            s,
            org_id=org,
            kind="energy_bills",
            source="test",
            rows=[
                (
                    1,
                    {
                        "month": month_start(today, -1).strftime("%Y-%m"),
                        "electricity_kwh": "36000",
                        "cost": "25000.00",
                        "output_value": "900000.00",
                    },
                )
            ],
        )
        assert report.ok
    r = _review(app_client, park, app_id, "approve")
    # The review rebuilt the profile from that one month of bills and decided on it: too thin
    # for the product (the stale profile it replaced was of good quality). Refused, nothing
    # written; the officer declines instead.
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "outcome" and "low_data_quality" in r.json()["detail"]
    with db.unit_of_work() as s:
        assert service.latest_profile(s, org).as_of < today
    r = _review(app_client, park, app_id, "decline")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "declined" and r.json()["limit"] == "0.00"
    assert r.json()["review_inputs_sha256"] is None


def test_a_fresh_decline_cannot_be_approved(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    app_id = _referred(app_client, db, settings, park)
    with db.unit_of_work() as s:
        add_profile(s, park["enterprise"]["officer"].org_id, as_of=utcnow().date(), features=BAD)
    r = _review(app_client, park, app_id, "approve")
    assert r.status_code == 409 and "outcome" in r.text and "decline" in r.text, r.text
    with db.unit_of_work() as s:
        app = service.get_application(s, lb.principal(s, park["bank"]["officer"]), app_id)
        assert app.status == "referred" and app.limit_fen == 0
