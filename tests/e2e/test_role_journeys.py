"""Each role's main task in Chromium: the operator confirms the catalog and checks the log,
the analyst reads the financing dashboard, the bank works its loan book and certificates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from chanrong.governance import keys
from chanrong.governance import service as governance
from chanrong.lending import service as lending
from chanrong.supplychain import service as supplychain
from tests.builders import Park, build_park
from tests.e2e.conftest import Console, LiveServer
from tests.lending.builders import active_loan, principal, product
from tests.market.builders import load_report_data
from tests.web.builders import seed_operating_data

pytestmark = pytest.mark.browser


@pytest.fixture
def park(live_server: LiveServer) -> Park:
    with live_server.db.unit_of_work() as session:
        return build_park(session)


def test_operator_confirms_classification_and_reads_the_log(
    desktop: Console, park: Park, live_server: LiveServer
) -> None:
    ent = park["enterprise"]["admin"].org_id
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with live_server.db.unit_of_work() as s:
        governance.ensure_default_catalog(s, ent)
        seed_operating_data(s, live_server.settings, ent, start=today - timedelta(days=3))
        governance.sign_tree_head(s, keys.load_or_create(live_server.settings.var_dir))
    desktop.allow(r"status of 422")  # the override without a reason is refused on purpose
    desktop.sign_in(park["operator"]["officer"].key)
    page = desktop.page
    menu = page.get_by_role("navigation", name="主导航")
    menu.get_by_role("link", name="园区概览").click()
    expect(page.locator("#kpi-online")).to_have_text("1")
    expect(page.locator("#ingestion-chart svg")).to_be_visible()
    desktop.shot("park")

    menu.get_by_role("link", name="数据目录").click()
    row = page.locator("tr", has=page.locator("text=business.orders"))
    row.get_by_label("最高级别 business.orders").select_option(label="3 级")
    row.get_by_role("button", name="确认 / 修改").click()
    expect(page.get_by_role("alert")).to_contain_text("字段 reason")
    row = page.locator("tr", has=page.locator("text=business.orders"))
    row.get_by_label("最高级别 business.orders").select_option(label="3 级")
    row.get_by_label("修改原因 business.orders").fill("含大客户价格")
    row.get_by_role("button", name="确认 / 修改").click()
    expect(page.get_by_role("status")).to_contain_text("已保存 business.orders")
    row = page.locator("tr", has=page.locator("text=business.orders"))
    expect(row).to_contain_text("已确认")
    expect(row).to_contain_text("3 级")
    desktop.assert_labelled()
    desktop.shot("catalog")

    menu.get_by_role("link", name="可验证日志").click()
    expect(page.locator("#log-entries")).to_contain_text("catalog.overridden")
    size = int(page.locator("#log-size").inner_text())
    assert size > 10
    expect(page.locator("#sth")).to_contain_text("size")
    desktop.shot("log")


def test_analyst_reads_the_financing_dashboard(
    desktop: Console, phone: Console, park: Park, live_server: LiveServer
) -> None:
    with live_server.db.unit_of_work() as s:
        load_report_data(s)
    for console in (desktop, phone):
        console.sign_in(park["analyst"]["viewer"].key)
        page = console.page
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="投融资分析").click()
        expect(page.get_by_label("年份")).to_have_value("2024")
        for chart in ("market-month", "market-round", "market-field", "market-province"):
            expect(page.locator(f"#{chart} svg")).to_be_visible()
        expect(page.locator("#top-investors tbody tr").first).not_to_contain_text("暂无记录")
        page.get_by_label("年份").select_option("2019")
        page.get_by_role("button", name="查看").click()
        expect(page).to_have_url(re.compile(r"year=2019"))
        expect(page.locator("#kpi-events")).not_to_have_text("0")
        console.assert_fits_width()
        console.assert_labelled()
        console.shot("market-2019")
    # The English switch keeps the page and translates it.
    desktop.page.get_by_role("link", name="切换语言").click()
    expect(desktop.page.get_by_role("heading", level=1)).to_have_text("Investment & financing")
    desktop.shot("market-english")


def test_bank_works_its_loan_book_and_quotes_a_certificate(
    desktop: Console, park: Park, live_server: LiveServer
) -> None:
    bank_m, ent_m = park["bank"]["officer"], park["enterprise"]["officer"]
    with live_server.db.unit_of_work() as s:
        bank, ent = principal(s, bank_m), principal(s, ent_m)
        active_loan(s, bank, ent, prod=product(s, bank), amount="30000.00", start=date(2025, 1, 10))
        lending.daily_close(s, as_of=date(2025, 3, 15), lender_org_id=bank.org_id)
        payable = supplychain.submit_payable(
            s,
            supplychain.principal_for_org(s, ent_m.org_id),
            core_org_id=park["core"]["officer"].org_id,
            amount_fen=10_000_000,
            maturity_date=(datetime.now(UTC) + timedelta(days=90)).date(),
            contract_ref="HT-9",
            invoice_ref="INV-9",
        )
        cert = supplychain.confirm_payable(
            s, supplychain.principal_for_org(s, park["core"]["officer"].org_id), payable.id
        )
        supplychain.request_financing(
            s, supplychain.principal_for_org(s, ent_m.org_id), cert.id, bank_org_id=bank.org_id
        )
    desktop.sign_in(bank_m.key)
    page = desktop.page
    menu = page.get_by_role("navigation", name="主导航")
    menu.get_by_role("link", name="贷款台账").click()
    expect(page.locator("#kpi-delinquent")).to_have_text("1")
    expect(page.locator("#loans")).to_contain_text("M2")
    expect(page.locator("#loan-buckets svg")).to_be_visible()
    desktop.shot("loan-book")
    page.get_by_role("link", name=re.compile("^详情")).first.click()
    expect(page.locator("#schedule tbody tr")).to_have_count(3)
    desktop.shot("loan")

    menu.get_by_role("link", name="凭证融资").click()
    row = page.locator("#offers tbody tr").first
    row.get_by_label(re.compile("^年贴现率")).fill("3.60")
    row.get_by_role("button", name="报价").click()
    expect(page.get_by_role("status")).to_contain_text("已处理融资申请")
    expect(page.locator("#offers")).to_contain_text("已报价 · 3.6")
    desktop.assert_labelled()
    desktop.shot("certificate-quoted")
