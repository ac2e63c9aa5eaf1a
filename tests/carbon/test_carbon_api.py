"""Carbon codes through the platform: energy bills in, codes out under consent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park, add_org


def _bill(db: Database, org_id: str, kwh: int, output_yuan: int) -> None:
    with db.unit_of_work() as s:
        report = telemetry.import_records(
            s,
            org_id=org_id,
            kind="energy_bills",
            source="http",
            rows=[
                (
                    1,
                    {
                        "month": "2026-09-01",
                        "electricity_kwh": str(kwh),
                        "cost": "1000.00",
                        "output_value": str(output_yuan),
                    },
                )
            ],
        )
        assert report.ok, report.errors


def test_assessment_codes_and_consent(app_client: TestClient, db: Database, park: Park) -> None:
    ent = park["enterprise"]["admin"]
    with db.unit_of_work() as s:
        peers = [
            add_org(s, "enterprise", industry_code="C34", region_code="330500") for _ in range(2)
        ]
    # Value added defaults to 25% of output: 4,000,000 yuan output → 100 万元 value added.
    _bill(db, ent.org_id, 100_000, 4_000_000)  # 55 t (East China 2023 factor) → L 0.55
    _bill(db, peers[0], 200_000, 4_000_000)  # L 1.10
    _bill(db, peers[1], 300_000, 4_000_000)  # L 1.65

    op = park["operator"]["officer"]
    assert (
        app_client.post(
            "/carbon/assessments", json={"period": "2026-09"}, headers=ent.headers
        ).status_code
        == 403
    )
    r = app_client.post("/carbon/assessments", json={"period": "2026-09"}, headers=op.headers)
    assert r.status_code == 200, r.text
    assert r.json()["assessed"] == 3
    assert r.json()["grades"] == {"1": 1, "3": 1, "4": 1}

    mine = app_client.get(f"/carbon/enterprises/{ent.org_id}/codes", headers=ent.headers)
    assert mine.status_code == 200
    code = mine.json()["codes"][0]
    assert Decimal(code["intensity"]) == Decimal("0.55")
    assert Decimal(code["industry_intensity"]) == Decimal("1.1")
    assert code["grade"] == 1 and code["level"] == "low"
    assert mine.json()["peer_grades"] == {"1": 1, "3": 1, "4": 1}
    assert "electricity:east_china:2023" in code["factor_versions"]

    bank = park["bank"]["officer"]
    url = f"/carbon/enterprises/{ent.org_id}/codes?purpose=credit_assessment"
    denied = app_client.get(url, headers=bank.headers)
    assert denied.status_code == 403
    assert denied.json()["type"].endswith("/consent-required")
    with db.unit_of_work() as s:
        governance.grant_consent(
            s,
            identity.authenticate_api_key(s, ent.key),
            grantee_org_id=bank.org_id,
            categories=["external"],
            max_grade=1,
            purpose="credit_assessment",
            valid_from=None,
            valid_until=datetime.now(UTC) + timedelta(days=30),
        )
    assert app_client.get(url, headers=bank.headers).json()["latest_grade"] == 1
    # The enterprise sees that read in its access list.
    accesses = app_client.get("/governance/access", headers=ent.headers)
    assert accesses.status_code == 200
    assert [a["dataset"] for a in accesses.json()].count("derived.carbon") == 1

    assert app_client.get(
        "/carbon/park/2026-09", headers=park["analyst"]["viewer"].headers
    ).json() == {"1": 1, "3": 1, "4": 1}
    assert app_client.get("/carbon/park/2026-09", headers=bank.headers).status_code == 403
    bad = app_client.post("/carbon/assessments", json={"period": "2026-13"}, headers=op.headers)
    assert bad.status_code == 422
