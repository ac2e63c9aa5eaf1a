"""Trade in Chromium: the buyer records a goods-received note, the seller invoices and makes a
statement from its invoices, the buyer confirms the line with the delivery's evidence (the
seller's production counters) beside it, and the seller asks a guarantor for a 保付, which
the guarantor accepts on its page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.supplychain.trade_builders import add_guarantor
from tests.web.test_console_trade import seed_shipped

pytestmark = pytest.mark.browser


def test_a_reconciliation_from_delivery_evidence_to_a_guarantee(
    desktop: Console, live_server: LiveServer
) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
        add_guarantor(session, park)
        contract_id, delivery_id = seed_shipped(session, live_server.settings, park)
    # The buyer receives the lot.
    desktop.sign_in(park["core"]["officer"].key)
    page = desktop.go("/console/enterprise/finance")
    page.get_by_role("link", name="合同与对账").click()
    row = page.locator(f'[data-delivery="{delivery_id}"]')
    expect(row).to_contain_text("生产计数 +520（press-1）")
    row.get_by_label("收货日期 DN-77").fill("2025-09-05")
    row.get_by_label("收货单 DN-77").fill("GRN-77")
    row.get_by_role("button", name="登记收货").click()
    expect(page.get_by_role("status")).to_contain_text("已登记收货")
    expect(page.locator(f'[data-delivery="{delivery_id}"]')).to_contain_text("500 · GRN-77")
    # The seller invoices the delivery and puts the invoice on a statement.
    desktop.sign_in(park["enterprise"]["officer"].key)
    page = desktop.go("/console/enterprise/contracts")
    row = page.locator(f'[data-delivery="{delivery_id}"]')
    row.get_by_label("发票号 DN-77").fill("INV-77")
    row.get_by_label("开票日期 DN-77").fill("2025-09-06")
    row.get_by_role("button", name="开具发票").click()
    expect(page.locator(f'[data-delivery="{delivery_id}"]')).to_contain_text("INV-77 · ¥60,250.00")
    form = page.locator(f'[data-from-invoices="{contract_id}"]')
    form.get_by_label("按发票生成对账单 对账期起").fill("2025-09-01")
    form.get_by_label("按发票生成对账单 对账期止").fill("2025-09-30")
    form.get_by_role("button", name="按发票生成对账单").click()
    expect(page.get_by_role("status")).to_contain_text("已按发票生成对账单")
    # The buyer confirms the line, the evidence beside it.
    desktop.sign_in(park["core"]["officer"].key)
    page = desktop.go("/console/enterprise/contracts")
    line = page.locator("tr[data-line]").filter(has_text="INV-77")
    expect(line).to_contain_text("收货单 GRN-77: 500/500")
    expect(line).to_contain_text("生产计数 +520")
    line.get_by_role("button", name="确认").click()
    expect(page.locator("tr[data-line]").filter(has_text="INV-77")).to_contain_text("已确认")
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("trade-reconciliation")
    # The seller asks the guarantor, which accepts at 0.5 %.
    desktop.sign_in(park["enterprise"]["officer"].key)
    page = desktop.go("/console/enterprise/contracts")
    ask = page.locator("[data-ask-guarantee]")
    ask.get_by_label("担保方").select_option(label="担保")
    ask.get_by_role("button", name="申请保付").click()
    expect(page.locator("[data-payment-guarantee] .pg-state")).to_have_text("待承保")
    desktop.sign_in(park["guarantor"]["officer"].key)
    page = desktop.go("/console/guarantor/trade")
    page.get_by_role("button", name="承保").click()
    expect(page.locator("[data-payment-guarantee] .pg-state")).to_have_text("保证中")
    expect(page.locator("#kpi-pg-fees")).to_have_text("¥301.25")
    desktop.assert_labelled()
    desktop.shot("guaranteed-trade")
