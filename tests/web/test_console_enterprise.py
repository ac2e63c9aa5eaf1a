"""The enterprise's own pages: devices with data quality, finance."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park, add_org
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


def _bill(session: Session, org_id: str, month: str, kwh: int, output_yuan: int) -> None:
    row = {"month": month, "electricity_kwh": str(kwh), "cost": "1000.00"}
    row["output_value"] = str(output_yuan)
    report = telemetry.import_records(
        session, org_id=org_id, kind="energy_bills", source="test", rows=[(1, row)]
    )
    assert report.ok, report.errors


def test_carbon_grade_trend_and_peers(app_client: TestClient, park: Park, db: Database) -> None:
    ent = park["enterprise"]["viewer"]
    sign_in(app_client, ent.key)
    assert "尚无碳效评价" in app_client.get("/console/enterprise/carbon", headers=HTML).text
    with db.unit_of_work() as s:
        peers = [add_org(s, "enterprise", industry_code="C34", region_code="330500") for _ in "ab"]
        for month in ("2026-08-01", "2026-09-01"):
            _bill(s, ent.org_id, month, 100_000, 4_000_000)  # the most efficient of three
            _bill(s, peers[0], month, 200_000, 4_000_000)
            _bill(s, peers[1], month, 300_000, 4_000_000)
            carbon.assess_month_as_pipeline(s, date.fromisoformat(month))
    r = app_client.get("/console/enterprise/carbon", headers=HTML)
    assert r.status_code == 200
    assert 'id="carbon-grade">1 级<' in r.text
    assert 'id="carbon-trend"' in r.text
    assert 'id="carbon-peers"' in r.text
    assert r.text.count("<tr><td>2026-0") == 2
