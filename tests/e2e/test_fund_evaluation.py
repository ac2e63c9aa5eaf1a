"""In Chromium: a fund manager walks from its funds to the guide fund's evaluation and the
annual report; the sponsoring government body opens the same evaluation from its guide funds."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.builders import add_member, add_org, build_park
from tests.e2e.conftest import Console, LiveServer
from tests.funds.test_guide_records import build_guide

pytestmark = pytest.mark.browser


def test_fund_evaluation_page(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as s:
        park = build_park(s)
        org = add_org(s, "financial_institution", institution_type="fund_manager", name="湖州产投")
        manager = add_member(s, org, "officer")
    with httpx.Client(base_url=live_server.url, timeout=30) as api:
        g = build_guide(api, park, manager)  # type: ignore[arg-type]

    desktop.sign_in(manager.key)
    page = desktop.go("/console")
    page.get_by_role("link", name="基金", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/console/funds$"))
    row = page.locator(f'#funds [data-fund="{g["guide"]}"]')
    expect(row).to_contain_text("湖州引导基金")
    row.get_by_role("link", name="绩效评价").click()
    expect(page).to_have_url(re.compile(f"/console/funds/{g['guide']}/evaluation$"))
    expect(page.locator('[data-figure="leverage"]')).to_have_text("5.00×")
    expect(page.locator('[data-figure="reinvestment"]')).to_contain_text("达标")
    expect(page.locator("#reinvestment .ids")).to_contain_text(g["investments"][0])
    expect(page.locator("#portfolio tbody tr")).to_have_count(4)
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("evaluation")
    page.locator("#report-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("政府引导基金年度绩效评价报告")

    gov = desktop  # the same tab, signed in as the sponsoring government body
    gov.sign_in(park["analyst"]["viewer"].key)
    page = gov.go("/console/analyst/guide-funds")
    gov.shot("guide-funds")
    page.locator(f'[data-fund="{g["guide"]}"]').get_by_role("link").click()
    expect(page).to_have_url(re.compile(f"/console/funds/{g['guide']}/evaluation$"))
    expect(page.locator('[data-figure="sectors"]')).to_contain_text("73.5 %")
    desktop.assert_clean()
