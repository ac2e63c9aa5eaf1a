"""The operator opens the background-jobs page from the menu in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.web.test_console_jobs import seed_runs

pytestmark = pytest.mark.browser


def test_operator_reads_the_jobs_page(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    seed_runs(live_server.db, live_server.settings)
    desktop.sign_in(park["operator"]["viewer"].key)
    page = desktop.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="后台任务").click()
    expect(page.locator("h1")).to_have_text("后台任务")
    expect(page.locator("#kpi-failures")).to_have_text("1")
    expect(page.locator("#job-lending-daily_close")).to_contain_text("30 0 * * *")
    expect(page.locator("#job-failures")).to_contain_text("nobank/noloan")
    expect(page.locator("#job-runs")).to_contain_text("carbon.monthly_assessment")
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("jobs")
