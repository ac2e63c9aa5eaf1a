"""Sign in as each role in Chromium, at 1366×768 and at phone width, in both languages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.builders import Park, build_park
from tests.e2e.conftest import Console, LiveServer

pytestmark = pytest.mark.browser

# The first section each role lands on from the menu, and a heading it must show there.
ROLE_SECTIONS = {
    "enterprise": ("数据授权", "数据授权"),
    "bank": ("申请队列", "申请队列"),
    "operator": ("园区概览", "园区概览"),
    "analyst": ("投融资分析", "投融资分析"),
}


@pytest.fixture
def park(live_server: LiveServer) -> Park:
    with live_server.db.unit_of_work() as session:
        return build_park(session)


@pytest.mark.parametrize("role", sorted(ROLE_SECTIONS))
def test_each_role_signs_in_and_sees_its_menu(desktop: Console, park: Park, role: str) -> None:
    desktop.sign_in(park[role]["officer"].key)
    page = desktop.page
    menu = page.get_by_role("navigation", name="主导航")
    link, heading = ROLE_SECTIONS[role]
    expect(menu.get_by_role("link", name=link)).to_be_visible()
    for other, (other_link, _) in ROLE_SECTIONS.items():
        if other != role:
            expect(menu.get_by_role("link", name=other_link)).to_have_count(0)
    desktop.shot(f"{role}-home")
    menu.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(menu.get_by_role("link", name=link)).to_have_attribute("aria-current", "page")
    desktop.assert_fits_width()
    desktop.assert_labelled()
    desktop.shot(f"{role}-section")


def test_failed_sign_in_says_why_and_language_switches(desktop: Console, park: Park) -> None:
    desktop.allow(r"status of 401")
    page = desktop.go("/console/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_label("API 密钥", exact=True).fill("crk_000000000000_not-a-key")
    page.locator("form:has(#api_key) button[type=submit]").click()
    expect(page.get_by_role("alert")).to_contain_text("unknown API key")
    desktop.shot("sign-in-refused")
    page.get_by_role("link", name="切换语言").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    page.get_by_label("Organisation (name, USCC or id)").fill("nobody")
    expect(page.get_by_label("Username", exact=True)).to_be_visible()
    desktop.shot("sign-in-english")


def test_unauthenticated_console_page_goes_to_sign_in_and_back(
    desktop: Console, park: Park
) -> None:
    page = desktop.go("/console/organisation")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next=/console/organisation"))
    page.get_by_label("API 密钥", exact=True).fill(park["enterprise"]["admin"].key)
    page.locator("form:has(#api_key) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/organisation$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("组织与用户")


def test_admin_adds_a_user_and_issues_a_key(desktop: Console, park: Park) -> None:
    desktop.sign_in(park["enterprise"]["admin"].key)
    page = desktop.go("/console/organisation")
    page.get_by_label("用户名", exact=True).fill("cfo")
    page.get_by_label("显示名").fill("财务总监")
    page.get_by_label("经办").check()
    page.get_by_label("初始密码（至少 8 位，可留空）").fill("finance-pass-1")
    page.get_by_role("button", name="添加用户").click()
    expect(page.get_by_role("status")).to_contain_text("已添加用户 cfo")
    expect(page.get_by_role("cell", name="财务总监")).to_be_visible()
    page.get_by_role("button", name="为我签发新密钥").click()
    expect(page.locator("#new-key")).to_have_text(re.compile(r"^crk_"))
    desktop.assert_labelled()
    desktop.shot("org-key-issued")


def test_phone_width_menu_and_pages_fit(phone: Console, park: Park) -> None:
    phone.sign_in(park["operator"]["admin"].key)
    page = phone.page
    phone.assert_fits_width()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="园区概览").click()
    expect(page.locator("#kinds-chart svg")).to_be_visible()
    phone.assert_fits_width()
    phone.shot("operator-park")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="组织与用户").click()
    # Measured on the new page, not on the old one while it navigates away.
    expect(page).to_have_url(re.compile(r"/console/organisation$"))
    phone.assert_fits_width()
    phone.shot("organisation")


@pytest.mark.parametrize("role", ["enterprise", "bank", "operator", "analyst"])
def test_every_page_of_a_role_in_english_on_a_phone(phone: Console, park: Park, role: str) -> None:
    phone.sign_in(park[role]["admin"].key)
    page = phone.page
    page.get_by_role("link", name="切换语言").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    links = page.get_by_role("navigation", name="Main navigation").get_by_role("link")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) >= 3
    for href in hrefs:
        assert href is not None
        response = page.goto(phone.base + href)
        assert response is not None and response.status == 200, href
        expect(page.locator("html")).to_have_attribute("lang", "en")
        # No message key leaks onto the page, and no Chinese UI text remains in the chrome.
        assert "web." not in page.locator("main").inner_text(), href
        phone.assert_fits_width()
        phone.assert_labelled()
    phone.shot(f"{role}-english")
