"""Done-when: an enterprise grants, the bank officer reads its profile, the enterprise revokes
and the officer loses access — in Chromium, the enterprise on a phone, the bank at 1366×768."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.builders import Park, build_park
from tests.e2e.conftest import Console, LiveServer
from tests.web.builders import seed_operating_data

pytestmark = pytest.mark.browser


@pytest.fixture
def park(live_server: LiveServer) -> Park:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
        seed_operating_data(session, live_server.settings, park["enterprise"]["admin"].org_id)
        return park


def test_enterprise_revokes_a_grant_and_the_officer_loses_access(
    desktop: Console, phone: Console, park: Park
) -> None:
    enterprise, bank = phone, desktop
    ent_page, bank_page = enterprise.page, bank.page
    # The refused profile answers 403 on purpose; Chromium logs that status as an error.
    bank.allow(r"status of 403")

    enterprise.sign_in(park["enterprise"]["officer"].key)
    ent_page.get_by_role("navigation", name="主导航").get_by_role("link", name="数据授权").click()
    form = ent_page.get_by_role("form", name="新增授权")
    form.get_by_label("被授权机构").select_option(label="bank")
    form.get_by_label("用途").select_option(label="授信评估")
    form.get_by_label("生产数据域").check()
    form.get_by_label("管理数据域").check()
    form.get_by_label("最高级别").select_option(label="2 级")
    form.get_by_role("button", name="授权").click()
    expect(ent_page.get_by_role("status")).to_contain_text("已授权 bank")
    row = ent_page.locator("tr[data-grant]")
    expect(row).to_have_count(1)
    expect(row.locator(".state-live")).to_have_text("有效")
    enterprise.assert_fits_width()
    enterprise.assert_labelled()
    enterprise.shot("granted")

    bank.sign_in(park["bank"]["officer"].key)
    bank_page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="授权企业画像"
    ).click()
    bank_page.get_by_role("link", name=re.compile("查看画像")).click()
    expect(bank_page.get_by_role("heading", level=1)).to_have_text("企业画像：enterprise")
    for chart in ("utilisation", "output", "energy", "orders", "payments"):
        expect(bank_page.locator(f"#chart-{chart} svg")).to_be_visible()
    # The utilisation line is drawn from the telemetry: 62.5 % on the full days.
    expect(bank_page.get_by_role("img", name="设备利用率（日）")).to_be_visible()
    bank.assert_fits_width()
    bank.assert_labelled()
    bank.shot("profile-under-grant")
    profile_url = bank_page.url

    ent_page.get_by_role("button", name=re.compile("^撤销 bank")).click()  # confirm accepted
    expect(ent_page.get_by_role("status")).to_contain_text("已撤销对 bank 的授权")
    expect(row.locator(".state-revoked")).to_have_text("已撤销")
    enterprise.shot("revoked")

    bank_page.goto(profile_url)
    expect(bank_page.get_by_role("alert")).to_contain_text("没有对贵机构的有效数据授权")
    expect(bank_page.locator(".chart")).to_have_count(0)
    bank.shot("access-lost")

    ent_page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="数据访问记录"
    ).click()
    rows = ent_page.locator("#access-list tbody tr")
    expect(rows.filter(has_text="telemetry.equipment").first).to_contain_text("bank")
    expect(rows.filter(has_text="business.payments").first).to_contain_text("授信评估")
    enterprise.assert_fits_width()
    enterprise.shot("access-list")


def test_enterprise_grants_one_dataset_only(
    desktop: Console, park: Park, live_server: LiveServer
) -> None:
    from chanrong.governance import service as governance

    ent = park["enterprise"]["officer"]
    with live_server.db.unit_of_work() as s:
        governance.ensure_default_catalog(s, ent.org_id)
    page = desktop.page
    desktop.sign_in(ent.key)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="数据授权").click()
    form = page.get_by_role("form", name="新增授权")
    form.get_by_label("被授权机构").select_option(label="bank")
    form.get_by_label("生产数据域", exact=True).check()
    expect(form.get_by_role("group", name="仅限这些数据集（可选）")).to_be_visible()
    form.get_by_role("checkbox", name=re.compile(r"^telemetry\.equipment ")).check()
    form.get_by_role("button", name="授权").click()
    expect(page.get_by_role("status")).to_contain_text("已授权 bank")
    row = page.locator("tr[data-grant]")
    expect(row).to_have_count(1)
    expect(row.locator(".grant-scope")).to_have_text("telemetry.equipment")
    desktop.assert_labelled()
    desktop.shot("granted-one-dataset")
