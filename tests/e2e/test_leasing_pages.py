"""In Chromium: the lessor opens a lease in arrears, locks the device over the real broker
(the gateway verifies the platform's signature) and unlocks it; the lessee, on a phone,
accepts a proposed lease and sees its device and bills."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.demo.device_gateway import SimulatedGateway
from chanrong.identity import service as identity
from chanrong.leasing import service as leasing
from chanrong.leasing.signing import CommandVerifier, load_or_create_signer
from chanrong.telemetry import service as telemetry
from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.leasing.test_leasing_flow import _contract, _setup

pytestmark = pytest.mark.browser


def test_lessor_locks_and_unlocks_and_the_lessee_accepts(
    desktop: Console, phone: Console, live_server: LiveServer, mqtt_port: int
) -> None:
    db, settings = live_server.db, live_server.settings
    assert settings.mqtt_port == mqtt_port
    with db.unit_of_work() as s:
        park = build_park(s)
    lessee_org, uscc = _setup(db, settings, park)
    contract = _contract(db, park)
    tomorrow = shanghai_date(utcnow()) + timedelta(days=1)
    with db.unit_of_work() as s:
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        leasing.issue_bill(
            s, lessor, telemetry.open_store(settings), contract["id"], date(2026, 9, 1)
        )
        # A second machine, proposed to the lessee for the lessee to accept.
        telemetry.upsert_device(s, org_id=lessee_org, device_id="sew-02", kind="sewing_machine")
        leasing.register_asset(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-02",
            relation="finances",
            reference="FL-2",
        )
        proposed = leasing.create_contract(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-02",
            unit="stitches",
            price_per_unit="0.0002",
            minimum_charge="50",
            cost="36000",
            design_life_units=400_000_000,
            start_date=tomorrow,
            end_date=tomorrow + timedelta(days=365),
        ).id
    key = load_or_create_signer(settings.var_dir).public_key
    gateway = SimulatedGateway(
        mqtt_port, uscc, "sew-01", verifier=CommandVerifier(key, uscc, "sew-01")
    )
    try:
        desktop.sign_in(park["lessor"]["officer"].key)
        page = desktop.page
        nav = page.get_by_role("navigation", name="主导航")
        nav.get_by_role("link", name="租赁合同").click()
        expect(page.locator("h1")).to_have_text("租赁合同")
        row = page.locator(f'tr[data-contract="{contract["id"]}"]')
        expect(row.locator('[data-figure="device"]')).to_have_text("可运行")
        expect(row).to_contain_text("427200")
        row.get_by_role("link", name="sew-01").click()
        expect(page.locator("#kpi-state")).to_have_text("履行中")
        expect(page.locator('[data-figure="used"]')).to_contain_text("427200 / 500000000")
        desktop.assert_labelled()
        page.get_by_role("button", name="远程锁机").click()
        expect(page.locator("p.ok")).to_contain_text("设备已锁定")
        expect(page.locator("#kpi-state")).to_have_text("已锁机")
        expect(page.locator("#kpi-device")).to_have_text("已锁定")
        assert gateway.locked
        desktop.shot("locked")
        page.get_by_role("button", name="解除锁机").click()
        expect(page.locator("p.ok")).to_contain_text("设备已解锁")
        expect(page.locator("#kpi-state")).to_have_text("履行中")
        assert not gateway.locked
        assert [c["command"] for c in gateway.received] == ["lock", "unlock"]
        expect(page.locator("#commands tbody tr")).to_have_count(2)
        expect(page.locator('#commands [data-figure="status"]').first).to_have_text("设备已确认")
        nav.get_by_role("link", name="租金账单").click()
        expect(page.locator("#lease-bills")).to_contain_text("2026-09")
        desktop.assert_fits_width()
        desktop.assert_clean()
    finally:
        gateway.close()

    phone.sign_in(park["enterprise"]["admin"].key)
    page = phone.page
    phone.go("/console/enterprise/leases")
    expect(page.locator("h1")).to_have_text("设备租赁")
    row = page.locator(f'tr[data-contract="{proposed}"]')
    expect(row.locator('[data-figure="state"]')).to_have_text("待承租方接受")
    row.get_by_role("link", name="sew-02").click()
    phone.assert_labelled()
    page.get_by_role("button", name="接受合同").click()
    expect(page.locator("p.ok")).to_contain_text("已接受合同")
    expect(page.locator("#kpi-state")).to_have_text("履行中")
    phone.go("/console/enterprise/leases")
    expect(page.locator(f'tr[data-contract="{contract["id"]}"]')).to_contain_text("¥85.44")
    phone.assert_fits_width()
    phone.shot("lessee")
    phone.assert_clean()
