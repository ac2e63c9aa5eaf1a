"""In Chromium: an insurer walks its book, the portfolio risk map and one alert down to what
the enterprise is asked to check; the enterprise sees the same alert on its safety page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.insurance.builders import insured_book

pytestmark = pytest.mark.browser


def test_insurer_walks_portfolio_and_an_alert(desktop: Console, live_server: LiveServer) -> None:
    db = live_server.db
    with db.unit_of_work() as s:
        park = build_park(s)
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    ids = insured_book(db, live_server.settings, ent, insurer)
    desktop.sign_in(insurer.key)
    page = desktop.page
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="保单簿").click()
    expect(page.locator("h1")).to_have_text("保单簿")
    expect(page.locator(f'tr[data-policy="{ids["policy"]}"]')).to_contain_text("model v1")
    page.locator(f'tr[data-policy="{ids["policy"]}"] a').click()
    expect(page.locator("#policy-claims")).to_contain_text("¥8,800.50")
    expect(page.locator("#ratings")).to_contain_text("expected_claims_per_kh:")
    desktop.assert_labelled()
    nav.get_by_role("link", name="风险地图").click()
    row = page.locator(f'tr[data-org="{ent.org_id}"]')
    expect(row.locator('[data-factor="fault_burst"]')).to_have_text("1")
    expect(row.locator('[data-figure="score"]')).not_to_be_empty()
    desktop.shot("risk-map")
    page.get_by_role("link", name="风险预警 →").click()
    page.locator(f'tr[data-alert="{ids["alert"]}"] a').click()
    expect(page.locator("h1")).to_contain_text("故障频发")
    expect(page.locator('[data-check="fault_burst"]')).to_contain_text("查明近一周故障原因")
    desktop.assert_fits_width()
    desktop.shot("alert")
    nav.get_by_role("link", name="定价模型").click()
    expect(page.locator("#model-version")).to_have_text("v1")
    expect(page.locator('[data-metric="spearman_truth"]')).not_to_be_empty()
    desktop.assert_clean()


def test_enterprise_sees_what_to_check(desktop: Console, live_server: LiveServer) -> None:
    db = live_server.db
    with db.unit_of_work() as s:
        park = build_park(s)
    ent = park["enterprise"]["admin"]
    insured_book(db, live_server.settings, ent, park["insurer"]["officer"])
    desktop.sign_in(ent.key)
    page = desktop.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="安全预警").click()
    expect(page.locator('#safety-alerts [data-check="high_temperature"]')).to_contain_text(
        "检查散热"
    )
    desktop.assert_fits_width()
    desktop.assert_clean()
