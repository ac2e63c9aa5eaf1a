"""In Chromium: a guarantor accepts a guarantee, sees the bank's claim (代偿) split and records
a recovery; a government body creates an interest-subsidy programme, pays a month and reads
its pilot dashboard."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from chanrong.core.money import fen_to_yuan
from chanrong.guarantee import service as guarantee
from chanrong.lending import service as lending
from tests.builders import add_member, add_org, build_park
from tests.e2e.conftest import Console, LiveServer
from tests.lending.builders import active_loan, principal

pytestmark = pytest.mark.browser


def test_guarantor_walks_a_claim(desktop: Console, live_server: LiveServer) -> None:
    db = live_server.db
    with db.unit_of_work() as s:
        park = build_park(s)
        org = add_org(s, "financial_institution", institution_type="guarantor", name="坪山担保")
        officer = add_member(s, org, "officer")
        gov = principal(s, park["analyst"]["officer"])
        guarantee.create_scheme(
            s,
            gov,
            preset="pingshan-pool",
            code="ps",
            starts_on=date(2025, 1, 1),
            ends_on=date(2027, 12, 31),
            sharer_orgs={"pool": gov.org_id},
        )
        bank = principal(s, park["bank"]["officer"])
        loan = active_loan(s, bank, principal(s, park["enterprise"]["officer"]), amount="100000.00")
        gid = guarantee.request_guarantee(
            s, bank, loan_id=loan.id, guarantor_org_id=org, scheme_code="ps"
        ).id
    desktop.sign_in(officer.key)
    page = desktop.page
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="担保业务").click()
    expect(page.locator("h1")).to_have_text("担保业务")
    page.locator(f'tr[data-guarantee="{gid}"] button').click()
    expect(page.locator("p.ok")).to_contain_text("已承保")
    expect(page.locator(f'tr[data-guarantee="{gid}"]')).to_contain_text("在保")
    desktop.assert_labelled()
    # The borrower stops paying; by 30 June the bank claims.
    with db.unit_of_work() as s:
        bank = principal(s, park["bank"]["officer"])
        guarantee.collect_fees(s, gid, date(2025, 2, 10))
        lending.close_books(s, bank, as_of=date(2025, 6, 30))
        claim = guarantee.file_claim(s, bank, gid, on=date(2025, 6, 30))
    nav.get_by_role("link", name="代偿与追偿").click()
    box = page.locator(f'section[data-claim="{claim.id}"]')
    expect(box.locator('[data-figure="compensation"]')).to_have_text("¥80,000.00")
    expect(box.locator('[data-figure="sharer-pool"]')).to_have_text("¥169.86")
    expect(box.locator('[data-figure="guarantor"]')).to_have_text("¥79,830.14")
    desktop.shot("claim")
    box.get_by_label("金额（元）").fill("10000.00")
    box.get_by_label("收回日期").fill("2025-09-01")
    box.get_by_role("button", name="登记追偿回收").click()
    expect(page.locator("p.ok")).to_contain_text("已登记回收")
    box = page.locator(f'section[data-claim="{claim.id}"]')
    expect(box.locator("table.recoveries")).to_contain_text("pool ¥16.99")
    expect(box.locator("table.recoveries")).to_contain_text("guarantor ¥7,983.01")
    # The claim is a leaf of the verifiable log; its page checks the inclusion proof.
    box.get_by_role("link", name=f"#{claim.payout_log_index}").click()
    expect(page.locator("body")).to_contain_text("已验证")
    nav.get_by_role("link", name="风险分担").click()
    expect(page.locator('[data-figure="loss-rate"]')).to_have_text("100.00%")
    desktop.assert_fits_width()
    desktop.shot("schemes")
    desktop.assert_clean()


def test_government_runs_a_subsidy_programme(desktop: Console, live_server: LiveServer) -> None:
    db = live_server.db
    with db.unit_of_work() as s:
        park = build_park(s)
        bank = principal(s, park["bank"]["officer"])
        loan = active_loan(s, bank, principal(s, park["enterprise"]["officer"]), amount="100000.00")
        first = lending.loan_view(s, bank, loan.id).instalments[0]
        lending.repay(
            s,
            bank,
            loan.id,
            amount=fen_to_yuan(first.principal_fen + first.interest_fen),
            paid_on=first.due,
            reference="r1",
        )
    desktop.sign_in(park["analyst"]["officer"].key)
    page = desktop.page
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="贷款贴息").click()
    expect(page.locator("h1")).to_have_text("贷款贴息")
    form = page.locator("#new-programme")
    form.get_by_label("项目名称").fill("制造业贷款贴息")
    form.get_by_label("贴息方式").select_option("share")
    form.get_by_label("比例或百分点").fill("0.5")
    form.get_by_label("预算").fill("1000.00")
    form.get_by_label("开始日期").fill("2025-01-01")
    form.get_by_label("结束日期").fill("2025-12-31")
    form.get_by_label("行业代码（前缀，逗号分隔）").fill("C")
    desktop.assert_labelled()
    form.get_by_role("button", name="创建").click()
    expect(page.locator("p.ok")).to_contain_text("贴息项目已创建")
    page.get_by_role("link", name="制造业贷款贴息").click()
    page.get_by_label("月份").fill("2025-02")
    page.get_by_role("button", name="筛选并拨付该月贴息").click()
    # Half of the ¥310.00 interest paid in February.
    expect(page.locator("#kpi-spent")).to_have_text("¥155.00")
    expect(page.locator("#kpi-left")).to_have_text("¥845.00")
    expect(page.locator("#subsidised")).to_contain_text("¥155.00")
    desktop.shot("programme")
    nav.get_by_role("link", name="试点成效").click()
    expect(page.locator("#kpi-loans")).to_have_text("1")
    expect(page.locator("#kpi-subsidy")).to_have_text("¥155.00")
    desktop.assert_fits_width()
    desktop.assert_clean()
