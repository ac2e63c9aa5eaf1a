"""In Chromium: the worker's monthly run raised a trend alert (the pool's value falling); the
bank finds it on its pools page, opens it, reads its evidence (the month-end values, the
pre-pool level, the seasonal factor) and follows it to its log entry; the enterprise sees the
same alert on its assets page, in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.assets.trend_scenario import trend_story
from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer

pytestmark = pytest.mark.browser


def test_bank_and_enterprise_walk_to_a_trend_alert(
    desktop: Console, live_server: LiveServer
) -> None:
    with live_server.db.unit_of_work() as s:
        park = build_park(s)
    story = trend_story(live_server.db, park, live_server.settings)  # type: ignore[arg-type]

    bank = desktop
    bank.sign_in(park["bank"]["officer"].key)
    page = bank.go("/console/bank/pools")
    expect(page.locator("#trend-h")).to_have_text("借款基础下滑预警")
    row = page.locator(f'#trend-alerts [data-trend-alert="{story.alert_id}"]')
    expect(row).to_contain_text("未解除")
    expect(row.locator(".adjusted")).to_have_text("65.0 %")
    bank.assert_labelled()
    bank.shot("bank-trend-alerts")
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(f"/console/trend-alerts/{story.alert_id}$"))
    expect(page.get_by_role("alert")).to_contain_text("70 %")
    expect(page.locator("#kpi-ratio")).to_have_text("65.0 %")
    expect(page.locator("#kpi-factor")).to_have_text("100.0 %")
    expect(page.locator('#trend-evidence tr[data-kind="reference"]')).to_have_count(3)
    expect(page.locator('#trend-evidence tr[data-kind="level"]')).to_have_count(2)
    expect(page.locator("#trend-reference")).to_have_text("¥80,000.00")
    expect(page.locator("#trend-level")).to_have_text("¥52,000.00")
    expect(page.locator("#trend-pools")).to_have_text("6")
    bank.assert_labelled()
    bank.assert_fits_width()
    bank.shot("trend-alert")
    page.locator("#trend-log").click()
    expect(page).to_have_url(re.compile(f"/console/log/{story.log_index}$"))
    expect(page.get_by_text("已验证", exact=False)).to_be_visible()

    ent = desktop  # the same tab, signed in as the enterprise's officer
    ent.sign_in(park["enterprise"]["officer"].key)
    page = ent.go("/console/lang?to=en&next=/console/enterprise/assets")
    banner = page.locator(f'[role="alert"][data-trend-alert="{story.alert_id}"]')
    expect(banner).to_contain_text("fallen below 70 % of its pre-pool level")
    expect(page.locator("#trend-h")).to_have_text("Trend alerts: the pool's value falling")
    ent.shot("enterprise-trend-alert-en")
    banner.get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/console/trend-alerts/{story.alert_id}$"))
    expect(page.locator("#trend-evidence")).to_contain_text("Pre-pool level")
    ent.assert_labelled()
    ent.assert_clean()
