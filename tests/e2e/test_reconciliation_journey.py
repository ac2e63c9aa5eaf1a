"""A reconciliation in Chromium: the buyer opens its contracts from the finance tabs, confirms
one line of the seller's statement and disputes the other, saying why."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.web.test_console_contracts import seed_contract

pytestmark = pytest.mark.browser


def test_buyer_reconciles_a_statement(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
        contract_id, (first, second) = seed_contract(session, park)
    desktop.sign_in(park["core"]["officer"].key)
    page = desktop.go("/console/enterprise/finance")
    page.get_by_role("link", name="合同与对账").click()
    expect(page.locator(f'[data-contract="{contract_id}"]')).to_contain_text("HT-2026-07")
    expect(page.locator('[data-flag="sme_payment_over_60_days"]')).to_be_visible()
    page.locator(f'[data-line="{first}"]').get_by_role("button", name="确认").click()
    expect(page.locator(f'[data-line="{first}"]')).to_contain_text("已确认")
    row = page.locator(f'[data-line="{second}"]')
    row.get_by_label("异议原因 GRN-1115").fill("短少 20 件")
    row.get_by_role("button", name="提出异议").click()
    expect(page.locator(f'[data-line="{second}"]')).to_contain_text("有异议 · 短少 20 件")
    expect(page.locator(".state").first).to_have_text("有异议")
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("reconciliation")
