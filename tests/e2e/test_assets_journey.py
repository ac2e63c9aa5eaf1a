"""In Chromium: the enterprise opens a data asset's valuation report and follows a figure to
its log entry; the bank finds the margin alert, opens the pool and the alert's log entry."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from chanrong.core.money import format_yuan
from tests.assets.scenario import margin_story
from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer

pytestmark = pytest.mark.browser


def test_valuation_report_and_margin_alert(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as s:
        park = build_park(s)
    with httpx.Client(base_url=live_server.url, timeout=30) as api:
        story = margin_story(api, live_server.db, park, live_server.settings)  # type: ignore[arg-type]

    desktop.sign_in(park["enterprise"]["officer"].key)
    page = desktop.go("/console/enterprise/assets")
    expect(page.locator(f'[data-alert="{story.alert_id}"]')).to_be_visible()
    desktop.assert_labelled()
    desktop.shot("enterprise-assets")
    page.locator(f'[data-report="{story.valuation_id}"]').click()
    expect(page.get_by_test_id("report-title")).to_have_text("资产评估报告")
    expect(page.get_by_test_id("report-value")).to_have_text(format_yuan(story.value_fen))
    expect(page.get_by_test_id("approach")).to_have_count(2)
    expect(page.get_by_test_id("share-source")).to_contain_text("假设")
    expect(page.get_by_test_id("sensitivity").locator("tr")).to_have_count(7)
    desktop.shot("valuation-report")
    page.get_by_test_id("report-log").click()
    expect(page).to_have_url(re.compile(r"/console/log/\d+$"))
    expect(page.get_by_text("已验证", exact=False)).to_be_visible()

    bank = desktop  # the same tab, signed in as the bank's officer
    bank.sign_in(park["bank"]["officer"].key)
    page = bank.go("/console/bank/pools")
    row = page.locator(f'#margin-alerts [data-alert="{story.alert_id}"]')
    expect(row).to_contain_text("open")
    expect(row.locator(".shortfall")).not_to_have_text("¥0.00")
    desktop.shot("bank-pools")
    row.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(f"/console/pools/{story.pool_id}$"))
    expect(page.locator("#pool-lines")).to_contain_text("receivable:")
    expect(page.get_by_role("alert")).to_be_visible()
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("pool")
    expect(page.locator("#pool-line .mono")).to_be_visible()  # the lending line it secures
    # The bank's officer acknowledges the alert from the pool page: logged, shown on its pools.
    page.locator(f"#ack-{story.alert_id}").click()
    expect(page).to_have_url(re.compile(f"/console/alerts/{story.alert_id}/acknowledge$"))
    expect(page.get_by_role("status")).to_contain_text("已确认预警")
    row = page.locator(f'#margin-alerts [data-alert="{story.alert_id}"]')
    expect(row).to_contain_text("已确认")
    expect(page.locator(f"#ack-{story.alert_id}")).to_have_count(0)
    page = bank.go(f"/console/pools/{story.pool_id}")
    page.get_by_role("alert").get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(f"/console/log/{story.log_index}$"))
    expect(page.get_by_text("已验证", exact=False)).to_be_visible()
    desktop.assert_clean()


def test_enterprise_pledges_in_english(desktop: Console, live_server: LiveServer) -> None:
    """The enterprise's officer pledges a warehouse receipt from the pool page, in English."""
    with live_server.db.unit_of_work() as s:
        park = build_park(s)
    with httpx.Client(base_url=live_server.url, timeout=30) as api:
        story = margin_story(api, live_server.db, park, live_server.settings)  # type: ignore[arg-type]
    desktop.sign_in(park["enterprise"]["officer"].key)
    page = desktop.go(f"/console/lang?to=en&next=/console/pools/{story.pool_id}")
    expect(page.locator("#pledge-h")).to_have_text("Pledge an asset")
    page.locator("#asset_type").select_option("warehouse_receipt")
    page.locator("#asset_ref").fill("88.608.8889/WR-E2E")
    page.locator("#declared_value").fill("30000")
    page.get_by_role("button", name="Pledge", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text(
        "Pledged: warehouse_receipt:88.608.8889/WR-E2E"
    )
    expect(page.locator("#pledges")).to_contain_text("88.608.8889/WR-E2E")
    desktop.assert_labelled()
    desktop.shot("pool-pledge-en")
    # Its receivables join as they land: turned on from the same page, the pool revalued.
    expect(page.locator("#pool-replenish")).to_contain_text("Off")
    page.locator("#replenish").click()
    expect(page.get_by_role("status")).to_contain_text("Replenishment on; pool revalued")
    expect(page.locator("#pool-replenish")).to_contain_text("On: at each revaluation")
    expect(page.locator("#replenish")).to_have_text("Turn off")
