"""Equipment quality and a premium quote from real telemetry, under the insurer's grant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.telemetry.builders import points

T0 = datetime(2026, 9, 1, tzinfo=UTC)
HOURS = 24 * 20


def _machine(device: str, fault_every: int | None) -> list:
    """Hourly run states (running by day, idle at night) and power; faults where asked."""
    state = np.array([2.0 if 8 <= h % 24 < 20 else 1.0 for h in range(HOURS)])
    if fault_every:
        for h in range(fault_every, HOURS, fault_every):
            state[h : h + 3] = 3.0
    power = np.where(state == 2, 8.0, 0.5)
    stamps = [T0 + timedelta(hours=h) for h in range(HOURS)]
    return [
        points(device, "run_state", state, stamps=stamps),
        points(device, "power_kw", power, stamps=stamps),
    ]


def test_quote_prices_the_riskier_fleet_higher(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent = park["enterprise"]["admin"]
    insurer = park["insurer"]["officer"]
    with db.unit_of_work() as s:
        for dev in ("cnc-good", "cnc-bad"):
            telemetry.upsert_device(s, org_id=ent.org_id, device_id=dev, kind="cnc", rated_kw=10)
        telemetry.ingest_points(
            s,
            telemetry.open_store(settings),
            org_id=ent.org_id,
            source="http",
            batches=[*_machine("cnc-good", None), *_machine("cnc-bad", 30)],
        )
    body = {
        "org_id": ent.org_id,
        "base_premium": "20000.00",
        "start": "2026-09-01",
        "end": "2026-09-21",
    }
    denied = app_client.post("/insurance/quotes", json=body, headers=insurer.headers)
    assert denied.status_code == 403
    assert denied.json()["type"].endswith("/consent-required")
    with db.unit_of_work() as s:
        governance.grant_consent(
            s,
            identity.authenticate_api_key(s, ent.key),
            grantee_org_id=insurer.org_id,
            categories=["production", "external"],
            max_grade=2,
            purpose="insurance_pricing",
            valid_from=None,
            valid_until=datetime.now(UTC) + timedelta(days=30),
        )
    assert (
        app_client.post(
            "/insurance/quotes", json=body, headers=park["bank"]["officer"].headers
        ).status_code
        == 403
    )
    r = app_client.post("/insurance/quotes", json=body, headers=insurer.headers)
    assert r.status_code == 201, r.text
    quote = r.json()
    devices = {d["device_id"]: d for d in quote["devices"]}
    assert float(devices["cnc-good"]["index"]) == 100.0
    assert float(devices["cnc-bad"]["index"]) < 80
    assert float(devices["cnc-bad"]["failure_rate_per_kh"]) > 0
    # The premium is the base times the band's multiplier, to the fen.
    from decimal import Decimal

    assert quote["premium_fen"] == int(2_000_000 * Decimal(quote["multiplier"]))
    q = app_client.get(
        f"/insurance/enterprises/{ent.org_id}/equipment-quality"
        "?start=2026-09-01&end=2026-09-21&purpose=insurance_pricing",
        headers=insurer.headers,
    )
    assert q.status_code == 200
    assert q.json()["worst_devices"][0] == "cnc-bad"
    # The enterprise sees the quote it received; another enterprise does not.
    assert len(app_client.get("/insurance/quotes", headers=ent.headers).json()) == 1
    assert (
        app_client.get(
            "/insurance/quotes", headers=park["other_enterprise"]["admin"].headers
        ).json()
        == []
    )
    bad = app_client.post(
        "/insurance/quotes", json={**body, "base_premium": "-1"}, headers=insurer.headers
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "base_premium")
