"""In Chromium: an enterprise's financing need and an investor's mandate find each other —
the enterprise sees the mandate with its score and reasons, the investor sees the need."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.funds.test_matchmaking import post_pair

pytestmark = pytest.mark.browser


def test_two_way_match(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as s:
        park = build_park(s)
    with httpx.Client(base_url=live_server.url, timeout=30) as api:
        ids = post_pair(api, park)  # type: ignore[arg-type]

    desktop.sign_in(park["enterprise"]["viewer"].key)
    page = desktop.go("/console")
    page.get_by_role("link", name="融资需求与对接").first.click()
    row = page.locator(f'[data-need="{ids["need"]}"] [data-mandate="{ids["mandate"]}"]')
    expect(row.locator(".score")).to_have_text("100")
    expect(row.locator('[data-criterion="sector"]')).to_contain_text("符合")
    expect(page.locator(".matches tbody tr")).to_have_count(1)
    desktop.assert_fits_width()
    desktop.shot("enterprise-needs")

    desktop.sign_in(park["bank"]["viewer"].key)
    page = desktop.go("/console/mandates")
    row = page.locator(f'[data-mandate="{ids["mandate"]}"] [data-need="{ids["need"]}"]')
    expect(row).to_contain_text("enterprise")
    expect(row.locator(".score")).to_have_text("100")
    desktop.shot("bank-mandates")
    desktop.assert_clean()
