"""In Chromium: from a match, the enterprise opens a data room on its energy bills for the
investor until a date; the investor reads them (logged on the enterprise's access list); the
enterprise closes the room and the investor's reads stop."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect

from chanrong.core.clock import shanghai_date, utcnow
from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.funds.test_matchmaking import post_pair
from tests.funds.test_monitoring import _bills

pytestmark = pytest.mark.browser


def test_data_room_from_a_match(desktop: Console, live_server: LiveServer) -> None:
    with live_server.db.unit_of_work() as s:
        park = build_park(s)
    _bills(live_server.db, park["enterprise"]["officer"].org_id)
    with httpx.Client(base_url=live_server.url, timeout=30) as api:
        ids = post_pair(api, park)  # type: ignore[arg-type]

    desktop.sign_in(park["enterprise"]["officer"].key)
    page = desktop.go("/console/enterprise/needs")
    row = page.locator(f'[data-need="{ids["need"]}"] [data-mandate="{ids["mandate"]}"]')
    row.get_by_text("向对方开放数据室").click()
    row.get_by_label("business.energy_bills").check()
    row.get_by_label("有效期至").fill((shanghai_date(utcnow()) + timedelta(days=14)).isoformat())
    desktop.assert_labelled()
    row.get_by_role("button", name="授权并开放").click()
    expect(page.get_by_role("status")).to_have_text("已开放数据室")
    room = page.locator("#data-rooms tr[data-room]")
    expect(room).to_have_attribute("data-live", "yes")
    room_id = room.get_attribute("data-room")

    desktop.sign_in(park["bank"]["officer"].key)
    page = desktop.go("/console/mandates")
    page.locator(f'#data-rooms [data-room="{room_id}"]').get_by_role(
        "link", name="business.energy_bills"
    ).click()
    expect(page.locator("#room-records tbody tr")).to_have_count(26)
    expect(page.locator("#room-records")).to_contain_text("1800000")
    desktop.shot("data-room")

    desktop.sign_in(park["enterprise"]["officer"].key)
    page = desktop.go("/console/enterprise/access")
    expect(page.locator("body")).to_contain_text("投资尽调（数据室）")
    page = desktop.go("/console/enterprise/needs")
    page.locator(f'[data-room="{room_id}"]').get_by_role("button", name="关闭并撤销授权").click()
    expect(page.get_by_role("status")).to_have_text("已关闭数据室，授权已撤销")
    expect(page.locator(f'[data-room="{room_id}"]')).to_have_attribute("data-live", "no")

    desktop.sign_in(park["bank"]["officer"].key)
    page = desktop.go("/console/mandates")
    expect(page.locator(f'[data-room="{room_id}"] a')).to_have_count(0)
    desktop.allow(r"status of 409")  # the closed room, asked for directly
    desktop.go(f"/console/data-rooms/{room_id}/business.energy_bills")
    expect(page.locator("body")).to_contain_text("closed")
    desktop.assert_clean()
