"""The lessor's and the lessee's leasing pages, in Chinese and English: contracts with the
device's lock state and usage, bills, the contract page with its residual value, lock and
unlock over the real broker, the lessee's acceptance and a party's signature."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.settings import Settings
from chanrong.demo.device_gateway import SimulatedGateway
from chanrong.identity import service as identity
from chanrong.leasing import service as leasing
from chanrong.leasing.signing import CommandVerifier, load_or_create_signer
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park, add_org
from tests.leasing.test_leasing_flow import _contract, _setup
from tests.web.console import HTML, csrf_of, sign_in


@pytest.fixture
def client(settings: Settings, db: Database, mqtt_port: int) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"mqtt_port": mqtt_port}), db)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_lessor_locks_and_unlocks_from_the_contract_page(
    client: TestClient, db: Database, settings: Settings, park: Park, mqtt_port: int
) -> None:
    _, uscc = _setup(db, settings, park)
    contract = _contract(db, park)
    with db.unit_of_work() as s:
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        bill = leasing.issue_bill(
            s, lessor, telemetry.open_store(settings), contract["id"], date(2026, 9, 1)
        )
        assert bill.due_date + timedelta(days=10) < shanghai_date(utcnow())  # past grace
    c = sign_in(client, park["lessor"]["officer"].key)
    r = c.get("/console/lessor/contracts", headers=HTML)
    assert r.status_code == 200
    assert 'href="/console/lessor/bills"' in r.text and "租赁合同" in r.text
    assert f'data-contract="{contract["id"]}"' in r.text and "可运行" in r.text
    assert "427200" in r.text  # last month's usage
    r = c.get("/console/lessor/bills", headers=HTML)
    assert bill.id in r.text and "⚠" in r.text
    page = f"/console/leases/{contract['id']}"
    r = c.get(page, headers=HTML)
    assert r.status_code == 200 and "远程锁机" in r.text and "按设备自身遥测" in r.text
    assert "<td>0.0002</td>" in r.text  # the price as exact decimal yuan
    key = load_or_create_signer(settings.var_dir).public_key
    gateway = SimulatedGateway(
        mqtt_port, uscc, "sew-01", verifier=CommandVerifier(key, uscc, "sew-01")
    )
    try:
        r = c.post(f"{page}/lock", data={"csrf_token": csrf_of(r.text)}, headers=HTML)
        assert r.status_code == 200, r.text
        assert "设备已锁定" in r.text and "已锁机" in r.text and "解除锁机" in r.text
        assert gateway.locked
        # Without the form token the action is refused and nothing is sent.
        r2 = c.post(f"{page}/unlock", data={}, headers=HTML)
        assert r2.status_code == 403 and gateway.locked
        r = c.post(f"{page}/unlock", data={"csrf_token": csrf_of(r.text)}, headers=HTML)
        assert "设备已解锁" in r.text and not gateway.locked
    finally:
        gateway.close()
    # The English page of the same contract.
    r = c.get(page, params={"lang": "en"}, headers=HTML)
    assert r.status_code == 200 and "Residual value" in r.text and "Unlocked" in r.text


def test_lessee_accepts_a_proposed_lease_and_sees_its_device(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    tomorrow = shanghai_date(utcnow()) + timedelta(days=1)
    with db.unit_of_work() as s:
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        leasing.register_asset(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-01",
            relation="owns",
            reference="INV-1",
        )
        cid = leasing.create_contract(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-01",
            unit="stitches",
            price_per_unit="0.0002",
            minimum_charge="50",
            cost="48000",
            design_life_units=500_000_000,
            start_date=tomorrow,
            end_date=tomorrow + timedelta(days=365),
        ).id
    c = sign_in(app_client, park["enterprise"]["admin"].key)
    r = c.get("/console/enterprise/leases", headers=HTML)
    assert r.status_code == 200 and "设备租赁" in r.text and "待承租方接受" in r.text
    r = c.get(f"/console/leases/{cid}", headers=HTML)
    assert "接受合同" in r.text and "远程锁机" not in r.text
    r = c.post(f"/console/leases/{cid}/accept", data={"csrf_token": csrf_of(r.text)}, headers=HTML)
    assert r.status_code == 200 and "已接受合同" in r.text and "履行中" in r.text
    # Accepting twice is refused, naming why.
    r = c.post(f"/console/leases/{cid}/accept", data={"csrf_token": csrf_of(r.text)}, headers=HTML)
    assert r.status_code == 409 and "not proposed" in r.text
    r = c.get("/console/enterprise/leases", params={"lang": "en"}, headers=HTML)
    assert "Equipment leases" in r.text and "Active" in r.text
    # The lessor's pages are not the lessee's.
    assert c.get("/console/lessor/contracts", headers=HTML).status_code == 403


def test_a_party_signs_a_multi_party_lease_on_its_page(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    tomorrow = shanghai_date(utcnow()) + timedelta(days=1)
    with db.unit_of_work() as s:
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        maker = add_org(s, "enterprise", name="缝纫机厂")
        dealer = add_org(s, "enterprise", name="经销商")
        leasing.register_asset(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-01",
            relation="owns",
            reference="INV-1",
        )
        cid = leasing.create_contract(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-01",
            unit="stitches",
            price_per_unit="0.0002",
            minimum_charge="50",
            cost="48000",
            design_life_units=500_000_000,
            start_date=tomorrow,
            end_date=tomorrow + timedelta(days=365),
            parties=[
                leasing.PartyShare("funder", lessor.org_id, bps=8_000),
                leasing.PartyShare("manufacturer", maker, bps=2_000),
                leasing.PartyShare("dealer", dealer, fixed_fen=1_000),
                leasing.PartyShare("lessee", lessee_org),
            ],
            remainder_role="funder",
        ).id
    c = sign_in(app_client, park["enterprise"]["admin"].key)
    r = c.get(f"/console/leases/{cid}", headers=HTML)
    assert "各方与清分" in r.text and "缝纫机厂" in r.text and "80.00%" in r.text
    assert "清分分录" in r.text  # the settlement journal (empty until a payment)
    r = c.post(f"/console/leases/{cid}/accept", data={"csrf_token": csrf_of(r.text)}, headers=HTML)
    assert "已接受，待各方签署" in r.text
    # A tampered hash is refused, naming the field; the page's own hash signs.
    r = c.post(
        f"/console/leases/{cid}/sign",
        data={"csrf_token": csrf_of(r.text), "role": "lessee", "contract_hash": "0" * 64},
        headers=HTML,
    )
    assert r.status_code == 422 and "contract_hash" in r.text
    with db.unit_of_work() as s:
        view = leasing.parties_of(
            s, identity.authenticate_api_key(s, park["enterprise"]["admin"].key), cid
        )
        assert view is not None
        h = view.contract_hash
    r = c.post(
        f"/console/leases/{cid}/sign",
        data={"csrf_token": csrf_of(r.text), "role": "lessee", "contract_hash": h},
        headers=HTML,
    )
    assert r.status_code == 200 and "已签署" in r.text
    assert 'data-role="lessee"' in r.text and "#" in r.text.split('data-role="lessee"')[1][:400]
