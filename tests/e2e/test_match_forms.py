"""In Chromium: an enterprise officer posts a financing need through the console form, a bank
officer posts a mandate through its form, and each sees the other matched with a score."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer

pytestmark = pytest.mark.browser


def test_need_and_mandate_forms(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as s:
        park = build_park(s)

    desktop.sign_in(park["enterprise"]["officer"].key)
    page = desktop.go("/console/enterprise/needs")
    form = page.locator("#new-need")
    form.get_by_label("融资方式").select_option("equity")
    form.get_by_label("金额（元）").fill("5000000")
    form.get_by_label("发展阶段").select_option("a")
    form.get_by_label("资金用途").fill("新产线")
    desktop.assert_labelled()
    form.get_by_role("button", name="发布需求").click()
    expect(page.get_by_role("status")).to_have_text("已发布")
    expect(page.locator("section[data-need] h2")).to_contain_text("¥5,000,000.00")

    desktop.sign_in(park["bank"]["officer"].key)
    page = desktop.go("/console/mandates")
    form = page.locator("#new-mandate")
    form.get_by_label("名称").fill("智能制造 A 轮")
    form.get_by_label("股权融资").check()
    form.get_by_label("行业（GB/T 4754").fill("C34")
    form.get_by_label("A 轮").check()
    form.get_by_label("单笔上限（元，可空）").fill("一千万")
    desktop.allow(r"status of 422 .*/console/mandates$")  # the refused ticket below
    form.get_by_role("button", name="发布偏好").click()
    # A bad ticket is named and what was typed stays.
    expect(page.locator(".error, [role=alert]").first).to_contain_text("ticket_max")
    expect(page.locator("#m-sectors")).to_have_value("C34")
    page.locator("#m-max").fill("10000000")
    page.locator("#new-mandate").get_by_role("button", name="发布偏好").click()
    expect(page.get_by_role("status")).to_have_text("已发布")
    row = page.locator("section[data-mandate] tr[data-need]")
    expect(row).to_have_count(1)
    expect(row.locator(".score")).to_have_text("100")
    desktop.assert_fits_width()
    desktop.shot("mandate-form")

    desktop.sign_in(park["enterprise"]["viewer"].key)
    page = desktop.go("/console/enterprise/needs")
    expect(page.locator("tr[data-mandate]")).to_contain_text("智能制造 A 轮")
    expect(page.locator("#new-need")).to_have_count(0)
    desktop.assert_clean()
