"""A bank opens its credit-model page from the menu in Chromium: the alert, the models and
the shadow challenger's agreement."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.web.test_console_models import seed_models

pytestmark = pytest.mark.browser


def test_bank_reads_the_models_page(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    ref, ours, _ = seed_models(live_server.db, live_server.settings, park)
    desktop.sign_in(park["bank"]["viewer"].key)
    page = desktop.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="信用模型").click()
    expect(page.locator("h1")).to_have_text("信用模型")
    expect(page.get_by_role("alert").first).to_contain_text(ref)
    expect(page.locator(f'#models tr[data-model="{ref}"]')).to_contain_text("冠军")
    expect(page.locator(f'#stability tr[data-model="{ref}"]')).to_contain_text("告警")
    expect(page.locator("#shadow tbody tr")).to_have_count(len(ours))
    expect(page.locator("#agreement")).to_contain_text("100%")
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("models")
