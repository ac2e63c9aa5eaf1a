"""Data assets and pools in the console: the enterprise's register and report, the bank's
pools with the margin alert, and who may not see them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from tests.assets.scenario import margin_story
from tests.builders import Park
from tests.web.console import HTML, csrf_of, sign_in


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


def test_console_actions_pledge_substitute_release_and_acknowledge(
    app_client: TestClient, db: Database, park: Park, settings: Settings
) -> None:
    """The enterprise's officer pledges, substitutes and is refused a release that would
    uncover the line; the bank's officer acknowledges the margin alert; viewers only look."""
    story = margin_story(app_client, db, park, settings)
    pool_url = f"/console/pools/{story.pool_id}"
    sign_in(app_client, park["enterprise"]["officer"].key)
    page = app_client.get(pool_url, headers=HTML)
    assert page.status_code == 200 and 'id="pledge-form"' in page.text
    csrf = csrf_of(page.text)
    receipt = {
        "csrf_token": csrf,
        "asset_type": "warehouse_receipt",
        "asset_ref": "88.608.8889/WR-C1",
        "declared_value": "40000",
        "reference_date": "2026-06-01",
    }
    r = app_client.post(f"{pool_url}/pledges", data=receipt, headers=HTML)
    assert r.status_code == 201, r.text
    assert "88.608.8889/WR-C1" in r.text and 'role="status"' in r.text
    # The same receipt again: refused, the page says why, nothing added.
    r = app_client.post(f"{pool_url}/pledges", data=receipt, headers=HTML)
    assert r.status_code == 409 and "already backs a pool" in r.text
    # A bad identifier names the field.
    r = app_client.post(f"{pool_url}/pledges", data={**receipt, "asset_ref": "WR-9"}, headers=HTML)
    assert r.status_code == 422
    pledge_id = re.search(
        r'data-pledge="([^"]+)"><td class="mono">warehouse_receipt:88\.608\.8889/WR-C1', r.text
    )
    assert pledge_id is not None
    r = app_client.post(
        f"{pool_url}/pledges/{pledge_id.group(1)}/substitute",
        data={**receipt, "asset_ref": "88.608.8889/WR-C2"},
        headers=HTML,
    )
    assert r.status_code == 201, r.text
    assert "warehouse_receipt:88.608.8889/WR-C2" in r.text
    assert "warehouse_receipt:88.608.8889/WR-C1" not in r.text.split('id="pledges"')[1]
    # The line is in shortfall: the enterprise may not release what remains.
    new_id = re.search(
        r'data-pledge="([^"]+)"><td class="mono">warehouse_receipt:88\.608\.8889/WR-C2', r.text
    )
    assert new_id is not None
    r = app_client.post(
        f"{pool_url}/pledges/{new_id.group(1)}/release", data={"csrf_token": csrf}, headers=HTML
    )
    assert r.status_code == 409 and 'role="alert"' in r.text
    assert "warehouse_receipt:88.608.8889/WR-C2" in r.text.split('id="pledges"')[1]
    # The bank's pages are not the enterprise's to act on.
    assert (
        app_client.post(
            f"/console/alerts/{story.alert_id}/acknowledge", data={"csrf_token": csrf}, headers=HTML
        ).status_code
        == 403
    )

    bank = TestClient(app_client.app)
    sign_in(bank, park["bank"]["viewer"].key)
    page = bank.get("/console/bank/pools", headers=HTML)
    assert f'id="ack-{story.alert_id}"' not in page.text  # a viewer sees, does not act
    sign_in(bank, park["bank"]["officer"].key)
    page = bank.get("/console/bank/pools", headers=HTML)
    assert f'id="ack-{story.alert_id}"' in page.text
    r = bank.post(
        f"/console/alerts/{story.alert_id}/acknowledge",
        data={"csrf_token": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 200, r.text
    assert f'id="ack-{story.alert_id}"' not in r.text and "已确认" in r.text
    r = bank.post(
        f"/console/alerts/{story.alert_id}/acknowledge",
        data={"csrf_token": csrf_of(page.text)},
        headers=HTML,
    )
    assert r.status_code == 409
    # The pool page shows the line the pool secures.
    page = bank.get(pool_url, headers=HTML)
    assert 'id="pool-line"' in page.text and 'class="mono"' in page.text


def test_trend_alert_pages_for_both_parties(
    app_client: TestClient, db: Database, park: Park, settings: Settings
) -> None:
    """The worker's trend alert on the enterprise's assets page, the bank's pools page, the
    pool page and its own page with the evidence (zh-CN, then en); not for another bank."""
    from tests.assets.trend_scenario import trend_story

    story = trend_story(db, park, settings)
    sign_in(app_client, park["enterprise"]["viewer"].key)
    r = app_client.get("/console/enterprise/assets", headers=HTML)
    assert r.status_code == 200
    assert f'role="alert" data-trend-alert="{story.alert_id}"' in r.text
    assert "低于其入池前水平的 70 %" in r.text
    page = app_client.get(f"/console/trend-alerts/{story.alert_id}", headers=HTML)
    assert page.status_code == 200
    assert 'id="kpi-ratio">65.0 %' in page.text and 'id="kpi-factor">100.0 %' in page.text
    assert page.text.count('data-kind="reference"') == 3
    assert page.text.count('data-kind="level"') == 2
    # ¥30,000 still open in April, lent at 80 %: ¥24,000, against ¥80,000 before.
    assert '<td class="num">¥24,000.00</td>' in page.text
    assert 'id="trend-reference">¥80,000.00' in page.text
    assert 'id="trend-level">¥52,000.00' in page.text
    assert f'href="/console/log/{story.log_index}"' in page.text
    en = app_client.get(f"/console/trend-alerts/{story.alert_id}?lang=en", headers=HTML)
    assert "Seasonal factor (park median)" in en.text and "Pre-pool level" in en.text
    bank = TestClient(app_client.app)
    sign_in(bank, park["bank"]["viewer"].key)
    r = bank.get("/console/bank/pools", headers=HTML)
    assert r.status_code == 200
    row = re.search(rf'<tr data-trend-alert="{story.alert_id}">.*?</tr>', r.text)
    assert row is not None and "65.0 %" in row.group(0) and "未解除" in row.group(0)
    r = bank.get(f"/console/pools/{story.pool_id}", headers=HTML)
    assert f'data-trend-alert="{story.alert_id}"' in r.text
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["viewer"].key)
    assert story.alert_id not in other.get("/console/bank/pools", headers=HTML).text
    assert other.get(f"/console/trend-alerts/{story.alert_id}", headers=HTML).status_code == 404
    # The API gives the same alert with its evidence to the parties only.
    api = bank.get("/assets/trend-alerts", headers=park["bank"]["viewer"].headers).json()
    assert [a["id"] for a in api] == [story.alert_id]
    assert api[0]["evidence"]["pools_in_factor"] == 6
    one = f"/assets/trend-alerts/{story.alert_id}"
    assert bank.get(one, headers=park["other_bank"]["viewer"].headers).status_code == 404
