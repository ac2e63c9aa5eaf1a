"""A bank opens its joint-modelling page from the menu in Chromium after training a joint
model over HTTP: partners with the revoked grant, the finished run and the model with both
parties' fingerprints; then the same page in English and on a phone."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from chanrong.federated.client import BankClient
from tests.builders import build_park
from tests.e2e.conftest import Console, LiveServer
from tests.federated.test_http import CONFIG, KEY_BITS, N, Setup, _revoke

pytestmark = pytest.mark.browser


def test_bank_walks_the_joint_modelling_page(
    desktop: Console, phone: Console, live_server: LiveServer
) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    with httpx.Client(base_url=live_server.url) as http:
        setup = Setup(live_server.db, http, park)  # type: ignore[arg-type]
        http.headers.update(park["bank"]["officer"].headers)
        model = BankClient(http).train("jm", setup.bank_data, CONFIG, key_bits=KEY_BITS).model
    _revoke(live_server.db, setup.members[0], setup.grants[0])
    desktop.sign_in(park["bank"]["viewer"].key)
    page = desktop.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="联合建模").click()
    expect(page.locator("h1")).to_have_text("联合建模")
    expect(page.locator('#partners tr[data-status="live"]')).to_have_count(N - 6)
    expect(page.locator('#partners tr[data-status="revoked"]')).to_contain_text("已撤回")
    expect(page.locator("#runs tbody tr")).to_have_count(1)
    expect(page.locator("#runs tbody tr")).to_contain_text("已完成")
    row = page.locator('#joint-models tr[data-model="jm@1"]')
    expect(row).to_contain_text(model["platform_fingerprint"][:12])
    expect(row).to_contain_text(model["bank_fingerprint"][:12])
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("federated")
    desktop.go("/console/lang?to=en&next=/console/bank/federated")
    expect(page.locator("h1")).to_have_text("Joint modelling")
    expect(page.locator('#partners tr[data-status="revoked"]')).to_contain_text("Revoked")
    phone.sign_in(park["bank"]["viewer"].key)
    phone.go("/console/bank/federated")
    expect(phone.page.locator('#joint-models tr[data-model="jm@1"]')).to_be_visible()
    phone.assert_fits_width()
    phone.shot("federated-phone")


def test_bank_admin_reads_the_validation_and_approves_the_joint_model(
    desktop: Console, live_server: LiveServer
) -> None:
    from tests.federated.test_lifecycle import _split

    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    with httpx.Client(base_url=live_server.url) as http:
        setup = Setup(live_server.db, http, park)  # type: ignore[arg-type]
        http.headers.update(park["bank"]["officer"].headers)
        bank = BankClient(http)
        train, held = _split(setup.bank_data)
        part = bank.train("jm", train, CONFIG, key_bits=KEY_BITS).part
        v = bank.validate(part, held)["validation"]
    desktop.sign_in(park["bank"]["admin"].key)
    page = desktop.go("/console/bank/federated")
    row = page.locator('#joint-validation tr[data-model="jm@1"]')
    expect(row).to_contain_text(f"{v['auc']:.3f}")
    expect(row).to_contain_text("候选")
    row.get_by_role("button", name="批准").click()
    expect(page.locator("#fed-ok")).to_have_text("jm@1 已批准")
    page.locator('#joint-validation tr[data-model="jm@1"]').get_by_role(
        "button", name="设为冠军"
    ).click()
    expect(page.locator("#fed-ok")).to_have_text("jm@1 已设为冠军")
    expect(page.locator('#joint-validation tr[data-model="jm@1"]')).to_have_attribute(
        "data-state", "champion"
    )
    desktop.assert_labelled()
    desktop.assert_fits_width()
    desktop.shot("federated-approved")
    desktop.go("/console/lang?to=en&next=/console/bank/federated")
    expect(page.locator('#joint-validation tr[data-model="jm@1"]')).to_contain_text(
        "Champion (decides credit)"
    )
    expect(page.locator("#joint-validation")).to_contain_text("Held-out AUC")
