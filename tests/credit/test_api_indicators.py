"""The carbon-efficiency and equipment-quality indicators reach the API: an enterprise whose
profile the platform built from its own data sees both, labelled, on its profile."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.demo.park_loader import load_park_enterprise, read_tables
from chanrong.simulate.config import FaultRates, ParkConfig
from chanrong.simulate.service import write_park
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import add_member

NEW = {
    "carbon_efficiency": ("Carbon efficiency (intensity / industry benchmark)", "碳效比"),
    "equipment_quality": ("Equipment quality index", "设备质量指数"),
}


def test_enterprise_sees_its_carbon_efficiency_and_equipment_quality(
    app_client: TestClient, db: Database, settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "park"
    write_park(
        ParkConfig(enterprises=3, months=4, interval_minutes=240, seed=9, faults=FaultRates.none()),
        root,
    )
    tables = read_tables(root)
    store = telemetry.open_store(settings)
    with db.unit_of_work() as s:
        # Every firm of the park is on the platform, so the carbon benchmark has its peers.
        loaded = [
            load_park_enterprise(s, store, root, firm, tables, create_org=True)
            for firm in tables["enterprises"].to_pylist()
        ]
    org_id = loaded[0].org_id
    assert org_id is not None
    with db.unit_of_work() as s:
        snap = service.build_profile_from_platform(s, settings, org_id, date(2024, 4, 10))
        stored = dict(snap.features)
        viewer = add_member(s, org_id, "viewer")

    url = f"/credit/enterprises/{org_id}/profile"
    for lang, pick in (("en", 0), ("zh-CN", 1)):
        r = app_client.get(f"{url}?lang={lang}", headers=viewer.headers)
        assert r.status_code == 200, r.text
        shown = {f["feature"]: f for f in r.json()["features"]}
        for name, labels in NEW.items():
            value = shown[name]["value"]
            assert isinstance(value, float) and math.isfinite(value), name
            assert value == stored[name]
            assert shown[name]["label"].startswith(labels[pick])
    assert 0 < shown["equipment_quality"]["value"] <= 100
    assert shown["carbon_efficiency"]["value"] > 0
