"""The enterprise's own pages: devices with data quality, finance."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.web.builders import seed_operating_data
from tests.web.console import HTML, sign_in


def test_devices_and_daily_quality_scores(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent = park["enterprise"]["viewer"]
    sign_in(app_client, ent.key)
    r = app_client.get("/console/enterprise/devices", headers=HTML)
    assert r.status_code == 200
    assert "尚无数据质量评分" in r.text
    with db.unit_of_work() as s:
        seed_operating_data(s, settings, ent.org_id)
        store = telemetry.open_store(settings)
        for day in (date(2026, 3, 2), date(2026, 3, 3)):
            scores = telemetry.compute_quality(s, store, org_id=ent.org_id, day=day)
        overall = next(x for x in scores if x.scope == "enterprise")
    r = app_client.get("/console/enterprise/devices", headers=HTML)
    assert r.status_code == 200
    for device in ("cnc-1", "cnc-2", "meter-1"):
        assert f'<td class="mono">{device}</td>' in r.text
    assert 'id="quality-chart"' in r.text
    assert "2026-03-03" in r.text
    assert str(float(overall.score)) in r.text  # the chart carries the day's score
    # Another enterprise sees only its own (empty) registry.
    other = TestClient(app_client.app)
    sign_in(other, park["other_enterprise"]["viewer"].key)
    assert "cnc-1" not in other.get("/console/enterprise/devices", headers=HTML).text


def test_own_profile_shows_operating_charts_without_logging_a_read(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent = park["enterprise"]["viewer"]
    with db.unit_of_work() as s:
        seed_operating_data(s, settings, ent.org_id)
    sign_in(app_client, ent.key)
    r = app_client.get("/console/enterprise/profile", headers=HTML)
    assert r.status_code == 200
    for chart in ("utilisation", "output", "energy", "orders", "payments"):
        assert f'id="chart-{chart}"' in r.text
    # The owner reads its own data freely: nothing appears in its access list.
    access = app_client.get("/console/enterprise/access", headers=HTML)
    assert "telemetry.equipment" not in access.text
