"""Data assets and pools in the console: the enterprise's register and report, the bank's
pools with the margin alert, and who may not see them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from tests.assets.scenario import margin_story
from tests.builders import Park
from tests.web.console import HTML, sign_in


def test_enterprise_and_bank_pages(
    app_client: TestClient, db: Database, park: Park, settings: Settings
) -> None:
    story = margin_story(app_client, db, park, settings)
    sign_in(app_client, park["enterprise"]["viewer"].key)
    r = app_client.get("/console/enterprise/assets", headers=HTML)
    assert r.status_code == 200
    assert 'data-dataset="business.orders"' in r.text
    assert f'data-alert="{story.alert_id}"' in r.text
    assert f"/console/valuations/{story.valuation_id}" in r.text
    rep = app_client.get(f"/console/valuations/{story.valuation_id}", headers=HTML)
    assert rep.status_code == 200 and "资产评估报告" in rep.text
    pdf = app_client.get(f"/console/valuations/{story.valuation_id}/pdf", headers=HTML)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    app_client.cookies.set("chanrong_locale", "en")
    rep = app_client.get(f"/console/valuations/{story.valuation_id}?lang=en", headers=HTML)
    assert rep.status_code == 200
    # The bank's pages are not the enterprise's.
    assert app_client.get("/console/bank/pools", headers=HTML).status_code == 403


def test_bank_sees_alert_other_bank_does_not(
    app_client: TestClient, db: Database, park: Park, settings: Settings
) -> None:
    story = margin_story(app_client, db, park, settings)
    sign_in(app_client, park["bank"]["viewer"].key)
    r = app_client.get("/console/bank/pools", headers=HTML)
    assert r.status_code == 200
    assert f'data-alert="{story.alert_id}"' in r.text and "open" in r.text
    r = app_client.get(f"/console/pools/{story.pool_id}", headers=HTML)
    assert r.status_code == 200 and 'id="pool-lines"' in r.text and "receivable:" in r.text
    assert (
        app_client.get(f"/console/valuations/{story.valuation_id}", headers=HTML).status_code == 200
    )
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["viewer"].key)
    r = other.get("/console/bank/pools", headers=HTML)
    assert r.status_code == 200 and story.alert_id not in r.text
    assert other.get(f"/console/pools/{story.pool_id}", headers=HTML).status_code == 404
    assert other.get(f"/console/valuations/{story.valuation_id}", headers=HTML).status_code == 404
    assert (
        other.get(f"/console/valuations/{story.valuation_id}/pdf", headers=HTML).status_code == 404
    )
