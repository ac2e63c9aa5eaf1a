"""Fresh evidence: a product decides only on a profile young enough for it. An older one is
rebuilt from the platform's data in the application's own transaction (the enterprise's own
application, in a worker thread), or the application is referred ``stale_profile`` (always on
the banks' event-loop route, where a rebuild would stall every other decision); no profile at
all is ``no_profile`` (never ``low_data_quality``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.clock import month_start, utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.domain import DEFAULT_PRODUCT
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.credit.builders import add_profile, consent, install_champion
from tests.lending import builders as lb


def _apply(client: TestClient, park: Park) -> dict[str, Any]:
    r = client.post(
        "/credit/applications",
        json={"enterprise_org_id": park["enterprise"]["officer"].org_id},
        headers=park["bank"]["officer"].headers,
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _stale_profile(db: Database, settings: Settings, park: Park) -> str:
    install_champion(settings)
    org = park["enterprise"]["officer"].org_id
    max_age = DEFAULT_PRODUCT.max_evidence_age_days
    assert max_age is not None
    with db.unit_of_work() as s:
        add_profile(s, org, as_of=utcnow().date() - timedelta(days=max_age + 1))
        consent(s, park["enterprise"]["officer"], park["bank"]["officer"].org_id)
    return org


def test_no_profile_is_its_own_reason_not_low_data_quality(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    install_champion(settings)
    with db.unit_of_work() as s:
        consent(s, park["enterprise"]["officer"], park["bank"]["officer"].org_id)
    out = _apply(app_client, park)
    assert out["decision"] == "decline"
    assert out["knockouts"] == ["no_profile"]
    assert [r["code"] for r in out["reasons"]] == ["KO_no_profile"]
    assert out["reasons"][0]["text"]["zh-CN"] and out["reasons"][0]["text"]["en"]


def test_a_stale_profile_without_platform_data_is_referred(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    _stale_profile(db, settings, park)
    out = _apply(app_client, park)
    assert out["decision"] == "refer" and out["status"] == "referred"
    assert out["knockouts"] == ["stale_profile"]
    assert out["pd"] is None and out["limit"] == "0.00"
    assert out["reasons"][0]["code"] == "KO_stale_profile"
    rep = app_client.get(
        f"/credit/applications/{out['id']}/replay", headers=park["bank"]["officer"].headers
    ).json()
    assert rep["matches"], rep


def test_a_profile_just_young_enough_is_decided_on(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    install_champion(settings)
    org = park["enterprise"]["officer"].org_id
    max_age = DEFAULT_PRODUCT.max_evidence_age_days
    assert max_age is not None
    with db.unit_of_work() as s:
        add_profile(s, org, as_of=utcnow().date() - timedelta(days=max_age))
        consent(s, park["enterprise"]["officer"], park["bank"]["officer"].org_id)
    out = _apply(app_client, park)
    assert out["knockouts"] == [] and out["decision"] == "approve"


def test_a_stale_profile_is_rebuilt_from_the_platform_data_before_deciding(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    org = _stale_profile(db, settings, park)
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
    # The bank's own route never rebuilds on the event loop: it refers.
    assert _apply(app_client, park)["knockouts"] == ["stale_profile"]
    with db.unit_of_work() as s:
        lb.product(s, lb.principal(s, park["bank"]["officer"]), code="op-loan")
    r = app_client.post(
        "/credit/enterprise-applications",
        json={
            "bank_org_id": park["bank"]["officer"].org_id,
            "product_code": "op-loan",
            "requested_amount": "100000.00",
        },
        headers=park["enterprise"]["officer"].headers,
    )
    assert r.status_code == 201, r.text
    out = r.json()["application"]
    assert "stale_profile" not in out["knockouts"]
    with db.unit_of_work() as s:
        (app,) = [a for a in service.list_applications_unchecked(s) if a.id == out["id"]]
        assert app.inputs["profile_as_of"] == today.isoformat()
        snap = service.latest_profile(s, org)
        assert snap.as_of == today and snap.source == "platform"
    rep = app_client.get(
        f"/credit/applications/{out['id']}/replay", headers=park["bank"]["officer"].headers
    ).json()
    assert rep["matches"], rep
