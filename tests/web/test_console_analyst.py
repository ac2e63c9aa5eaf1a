"""The analyst's investment & financing dashboard, from the market domain's report."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.market import service as market
from chanrong.storage.database import Database
from tests.builders import Park
from tests.market.builders import load_report_data
from tests.web.console import HTML, sign_in


def test_dashboard_shows_the_years_figures_and_charts(
    app_client: TestClient, park: Park, db: Database
) -> None:
    with db.unit_of_work() as s:
        load_report_data(s)
        expected = market.market_report(s, 2024)
    assert expected.events > 0
    sign_in(app_client, park["analyst"]["viewer"].key)
    r = app_client.get("/console/analyst/market", params={"year": 2024}, headers=HTML)
    assert r.status_code == 200
    assert f'id="kpi-events">{expected.events}<' in r.text
    for chart in ("market-month", "market-round", "market-field", "market-province"):
        assert f'id="{chart}"' in r.text
    top = expected.top_investors[0].investor
    assert top in r.text
    # Without a year the page opens on the latest year that has events.
    r = app_client.get("/console/analyst/market", headers=HTML)
    assert r.status_code == 200
    assert '<option value="2024" selected>' in r.text


def test_bad_year_is_a_clear_error_and_enterprises_are_refused(
    app_client: TestClient, park: Park
) -> None:
    sign_in(app_client, park["analyst"]["viewer"].key)
    r = app_client.get("/console/analyst/market", params={"year": 1800}, headers=HTML)
    assert r.status_code == 422
    assert "字段 year" in r.text
    ent = TestClient(app_client.app)
    sign_in(ent, park["enterprise"]["admin"].key)
    assert ent.get("/console/analyst/market", headers=HTML).status_code == 403


def test_big_amounts_read_as_yi_yuan_or_billions() -> None:
    from chanrong.web.render import big_yuan

    assert big_yuan(5_530_000_000_000, "zh-CN") == "553.00 亿元"
    assert big_yuan(5_530_000_000_000, "en") == "¥55.30 bn"
    assert big_yuan(None, "en") == "—"
