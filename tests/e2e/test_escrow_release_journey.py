"""Escrow in Chromium, the agent bank's main task: an officer finds the escrow whose order the
buyer received in full, approves its release, and another officer of the bank executes it
(four eyes); the held and paid figures move with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.web.test_console_escrow import seed_escrows

pytestmark = pytest.mark.browser


def test_one_officer_approves_an_escrow_release_another_executes_it(
    desktop: Console, live_server: LiveServer
) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    received, awaiting, _disputed = seed_escrows(live_server.db, park)
    desktop.sign_in(park["bank"]["officer"].key)
    page = desktop.go("/console")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="资金托管").click()
    expect(page.locator("#kpi-es-held")).to_have_text("¥14,000.00")
    row = page.locator(f'[data-escrow="{received}"]')
    expect(row).to_contain_text("买方已全部收货")
    expect(page.locator(f'[data-escrow="{awaiting}"]')).to_contain_text("待买方收货")
    row.get_by_role("button", name="审批放款").click()
    expect(page.get_by_role("status")).to_contain_text("已审批放款")
    row = page.locator(f'[data-escrow="{received}"]')
    expect(row.locator(".es-state")).to_have_text("已审批待放款")
    expect(row).to_contain_text("须由另一名经办人执行")
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("bank-escrow-approved")
    # Another officer of the bank executes the release.
    desktop.sign_in(park["bank"]["admin"].key)
    page = desktop.go("/console/bank/escrows")
    page.locator(f'[data-escrow="{received}"]').get_by_role("button", name="执行放款").click()
    expect(page.get_by_role("status")).to_contain_text("已放款")
    expect(page.locator(f'[data-escrow="{received}"] .es-state')).to_have_text("已放款")
    expect(page.locator("#kpi-es-released")).to_have_text("¥10,000.00")
    expect(page.locator("#kpi-es-held")).to_have_text("¥4,000.00")
    desktop.shot("bank-escrow-released")
