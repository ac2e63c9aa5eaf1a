"""Safety profiles and alerts per site: the enterprise places its devices at its sites; each
site is profiled from its own machines and its alerts name it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.insurance import risk
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.insurance.builders import PROFILE_DAY, grant_insurer, insured_fleet


def test_profiles_and_alerts_per_site(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["officer"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    grant_insurer(db, ent, insurer.org_id)
    with db.unit_of_work() as s:
        telemetry.upsert_device(s, org_id=ent.org_id, device_id="press-9", kind="press")
    put = "/insurance/sites/{}"
    bad = app_client.put(put.format("cnc-good"), json={"site": ""}, headers=ent.headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "site")
    bad = app_client.put(put.format("cnc-good"), json={"site": "-"}, headers=ent.headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "site")
    bad = app_client.put(put.format("nope"), json={"site": "A"}, headers=ent.headers)
    assert (bad.status_code, bad.json()["field"]) == (404, "device_id")
    assert (
        app_client.put(put.format("cnc-good"), json={"site": "A"}, headers=insurer.headers)
    ).status_code == 403
    assert app_client.put(
        put.format("cnc-good"), json={"site": "B"}, headers=ent.headers
    ).is_success
    # Moving a device is placing it again.
    r = app_client.put(put.format("cnc-good"), json={"site": "A厂区"}, headers=ent.headers)
    assert r.json() == {"device_id": "cnc-good", "site": "A厂区"}
    assert app_client.put(
        put.format("cnc-bad"), json={"site": "B车间"}, headers=ent.headers
    ).is_success

    with db.unit_of_work() as s:
        risk.compute_profile(s, telemetry.open_store(settings), ent.org_id, PROFILE_DAY)
    url = f"/insurance/enterprises/{ent.org_id}/safety-risk"
    view = app_client.get(url, headers=insurer.headers).json()
    sites = {x["site"]: x for x in view["sites"]}
    assert set(sites) == {"A厂区", "B车间", "-"}  # press-9 placed nowhere
    assert sites["B车间"]["score"] > sites["A厂区"]["score"]
    assert sites["-"]["score"] == 0 and sites["-"]["factors"] == {}
    assert (
        "fault_burst" in sites["B车间"]["factors"]
        and "fault_burst" not in sites["A厂区"]["factors"]
    )
    bad_alerts = [a for a in view["alerts"] if a["subject"] == "cnc-bad"]
    assert bad_alerts and {a["site"] for a in bad_alerts} == {"B车间"}
    assert {a["site"] for a in view["alerts"]} <= {"A厂区", "B车间"}
    # The enterprise's score is still that of its whole fleet.
    assert view["score"] >= sites["B车间"]["score"]
    # Where the devices stand: the insurer under its grant; a bank without one is refused.
    placed = app_client.get(f"/insurance/enterprises/{ent.org_id}/sites", headers=insurer.headers)
    assert placed.json() == {"cnc-good": "A厂区", "cnc-bad": "B车间"}
    bank = park["bank"]["officer"].headers
    assert (
        app_client.get(f"/insurance/enterprises/{ent.org_id}/sites", headers=bank).status_code
        == 403
    )
    with db.unit_of_work() as s:
        # A recomputed day replaces the whole day's rows, sites included.
        risk.compute_profile(s, telemetry.open_store(settings), ent.org_id, PROFILE_DAY)
        officer = identity.authenticate_api_key(s, insurer.key)
        assert len(risk.risk_of(s, officer, ent.org_id).sites) == 3
