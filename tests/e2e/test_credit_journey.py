"""Done-when: a bank officer decides an application that the model refers, approves it with a
reason, and the enterprise sees the decision and its score — in Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from chanrong.identity import service as identity
from tests.builders import Park, build_park
from tests.e2e.conftest import Console, LiveServer
from tests.web.credit_builders import grant_for_credit, install_champion, record_profile

pytestmark = pytest.mark.browser


@pytest.fixture
def park(live_server: LiveServer) -> Park:
    install_champion(live_server.settings)
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
        ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
        record_profile(session, ent.org_id)
        grant_for_credit(session, identity.authenticate_api_key(session, ent.key), bank.org_id)
        return park


def test_officer_approves_a_referred_application(
    desktop: Console, phone: Console, park: Park
) -> None:
    bank, page = desktop, desktop.page
    bank.sign_in(park["bank"]["officer"].key)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="申请队列").click()
    form = page.get_by_role("form", name="新的授信申请")
    form.get_by_label("申请企业").select_option(label="enterprise")
    form.get_by_label("产品").select_option(label="秒批经营贷")
    form.get_by_label("申请金额（¥）").fill("80000.00")
    form.get_by_role("button", name="提交并自动决策").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("授信申请：enterprise")
    expect(page.locator("#app-status")).to_have_text("待人工审批")
    expect(page.locator("#reasons li").first).to_contain_text("设备开工率")
    bank.assert_labelled()
    bank.shot("referred")

    page.get_by_label("审批意见（必填）").fill("订单稳定，核心企业回款良好")
    page.get_by_role("button", name="批准").click()
    expect(page.get_by_role("status")).to_contain_text("已批准该申请")
    expect(page.locator("#app-status")).to_have_text("已批准")
    expect(page.locator("#officer-note")).to_have_text("订单稳定，核心企业回款良好")
    expect(page.get_by_role("form", name="人工审批")).to_have_count(0)
    bank.assert_fits_width()
    bank.shot("approved")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="申请队列").click()
    expect(page.locator("#kpi-referred")).to_have_text("0")
    expect(page.locator("#applications tbody tr").first).to_contain_text("已批准")
    bank.shot("queue")

    ent = phone
    ent.sign_in(park["enterprise"]["officer"].key)
    ent.page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="申请、贷款与凭证"
    ).click()
    expect(ent.page.locator("#my-applications tbody tr").first).to_contain_text("已批准")
    ent.assert_fits_width()
    ent.shot("my-applications")
    ent.page.get_by_role("navigation", name="主导航").get_by_role("link", name="画像与评分").click()
    expect(ent.page.locator("#score-gauge svg")).to_be_visible()
    expect(ent.page.locator("#reasons")).to_contain_text("设备开工率")
    ent.assert_fits_width()
    ent.assert_labelled()
    ent.shot("score")
