"""An insurer fits its pricing model to the claims on its book, and prices with it."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.insurance import service as insurance
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.insurance.builders import HOURS, T0, grant_insurer
from tests.telemetry.builders import points


def _fleet_with_claims(db: Database, settings: Settings, org_id: str) -> None:
    """Sixteen machines: the more often one faults, the more claims were paid on it."""
    stamps = [T0 + timedelta(hours=h) for h in range(HOURS)]
    batches, claims = [], []
    with db.unit_of_work() as s:
        for k in range(16):
            dev = f"m{k:02d}"
            telemetry.upsert_device(s, org_id=org_id, device_id=dev, kind="cnc", rated_kw=10)
            state = np.array([2.0 if 8 <= (h + 8) % 24 < 20 else 1.0 for h in range(HOURS)])
            every = 200 - 12 * k  # m15 faults every 20 h, m00 every 200 h
            for h in range(every, HOURS, every):
                state[h] = 3.0
            batches += [
                points(dev, "run_state", state, stamps=stamps),
                points(dev, "power_kw", np.where(state == 2, 7.0, 0.4), stamps=stamps),
            ]
            for j in range(k // 3):
                claims.append(
                    (
                        len(claims) + 1,
                        {
                            "claim_id": f"C-{dev}-{j}",
                            "policy": "P-OLD",
                            "device_id": dev,
                            "loss_date": (date(2026, 9, 2) + timedelta(days=j)).isoformat(),
                            "cause": "breakdown",
                            "amount": f"{5000 + 700 * k}.00",
                        },
                    )
                )
        telemetry.ingest_points(
            s, telemetry.open_store(settings), org_id=org_id, source="http", batches=batches
        )
        assert telemetry.import_records(
            s, org_id=org_id, kind="claims", rows=claims, source="test"
        ).ok


def test_the_insurer_fits_to_its_claims_and_then_prices_with_the_model(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    _fleet_with_claims(db, settings, ent.org_id)
    window = {"start": "2026-09-01", "end": "2026-09-21"}
    grant_insurer(db, ent, insurer.org_id)
    q = app_client.post(
        "/insurance/quotes",
        json={**window, "org_id": ent.org_id, "base_premium": "10000.00"},
        headers=insurer.headers,
    )
    assert q.status_code == 201
    prior_multiplier = q.json()["multiplier"]
    r = app_client.post("/insurance/models/fit", json=window, headers=insurer.headers)
    assert r.status_code == 201, r.text
    m = r.json()
    assert (m["version"], m["exposures"], m["claims"]) == (1, 16, sum(k // 3 for k in range(16)))
    assert m["model"]["format"] == "chanrong.insurance.glm/1"
    # More faults, more claims: the fitted frequency rises with the failure rate.
    assert m["model"]["frequency"]["coef"][0] > 0
    assert m["validation"]["train"]["claims"] > 0
    assert m["validation"]["enterprises_without_consent"] == 0
    again = app_client.post("/insurance/models/fit", json=window, headers=insurer.headers)
    assert again.json()["version"] == 2
    listed = app_client.get("/insurance/models", headers=insurer.headers).json()
    assert [x["version"] for x in listed] == [2, 1]
    with db.unit_of_work() as s:
        officer = identity.authenticate_api_key(s, insurer.key)
        rated = insurance.rate(
            s, officer, telemetry.open_store(settings), ent.org_id, date(2026, 9, 1),
            date(2026, 9, 21),
        )  # fmt: skip
    assert rated.factors["pricing"] == "model v2"
    assert str(rated.multiplier) != prior_multiplier or rated.factors["band"]
    bad = app_client.post(
        "/insurance/models/fit",
        json={"start": "2026-09-21", "end": "2026-09-01"},
        headers=insurer.headers,
    )
    assert (bad.status_code, bad.json()["field"]) == (422, "end")
    assert (
        app_client.post(
            "/insurance/models/fit", json=window, headers=park["bank"]["officer"].headers
        ).status_code
        == 403
    )
