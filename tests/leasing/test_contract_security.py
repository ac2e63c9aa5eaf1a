"""The lessor's hole closed: a lease is a contract both sides make.

A lessor holding the lessee's leasing consent used to create an already-active, back-dated
contract on any device with any minimum and zero grace, bill it and lock the machine. Each
test here is one of those doors, shut, and fails if it opens again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import Conflict
from chanrong.core.settings import Settings
from chanrong.demo.device_gateway import SimulatedGateway
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.leasing import service as leasing
from chanrong.leasing.commands import MqttCommander
from chanrong.leasing.signing import CommandSigner, CommandVerifier, load_or_create_signer
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Member, Park, add_member, add_org
from tests.leasing.builders import running_lease
from tests.leasing.test_leasing_flow import _setup

TOMORROW = shanghai_date(utcnow()) + timedelta(days=1)


@pytest.fixture
def client(settings: Settings, db: Database, mqtt_port: int) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"mqtt_port": mqtt_port}), db)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _terms(lessee_org: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lessee_org_id": lessee_org,
        "device_id": "sew-01",
        "unit": "stitches",
        "price_per_unit": "0.0002",
        "minimum_charge": "50.00",
        "cost": "48000.00",
        "design_life_units": 500_000_000,
        "start_date": TOMORROW.isoformat(),
        "end_date": (TOMORROW + timedelta(days=365)).isoformat(),
    }
    return {**body, **over}


def _register(client: TestClient, lessor: Member, lessee_org: str, device: str = "sew-01") -> Any:
    return client.post(
        "/leasing/assets",
        json={
            "lessee_org_id": lessee_org,
            "device_id": device,
            "relation": "finances",
            "reference": "FL-2026-001",
        },
        headers=lessor.headers,
    )


def _second_lessor_with_consent(db: Database, park: Park, lessee_org: str) -> Member:
    with db.unit_of_work() as s:
        other = add_member(
            s, add_org(s, "financial_institution", institution_type="lessor"), "officer"
        )
        governance.grant_consent(
            s,
            identity.authenticate_api_key(s, park["enterprise"]["admin"].key),
            grantee_org_id=other.org_id,
            categories=["production"],
            max_grade=2,
            purpose="leasing_billing",
            valid_from=None,
            valid_until=datetime.now(UTC) + timedelta(days=365),
        )
    return other


def test_a_lessor_leases_only_its_own_registered_asset(
    client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    lessor = park["lessor"]["officer"]
    # A grant alone is not enough: the device is not the lessor's asset.
    r = client.post("/leasing/contracts", json=_terms(lessee_org), headers=lessor.headers)
    assert (r.status_code, r.json()["field"]) == (422, "device_id")
    assert "registered" in r.json()["detail"]
    # A device the lessee does not have cannot be registered.
    r = _register(client, lessor, lessee_org, device="not-there")
    assert (r.status_code, r.json()["field"]) == (422, "device_id")
    r = _register(client, lessor, lessee_org)
    assert r.status_code == 201, r.text
    assert r.json()["relation"] == "finances"
    # A second lessor with the same consent cannot claim the machine, nor lease it.
    other = _second_lessor_with_consent(db, park, lessee_org)
    r = _register(client, other, lessee_org)
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (
        409,
        "device_id",
        "already_registered",
    )
    r = client.post("/leasing/contracts", json=_terms(lessee_org), headers=other.headers)
    assert (r.status_code, r.json()["field"]) == (422, "device_id")
    # The lessee sees who registered what on its devices.
    seen = client.get("/leasing/assets", headers=park["enterprise"]["viewer"].headers).json()
    assert [(a["device_id"], a["lessor_org_id"]) for a in seen] == [("sew-01", lessor.org_id)]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"minimum_charge": "99999999.00"}, "minimum_charge"),  # the ¥99,999,999 probe
        ({"minimum_charge": "5000.01"}, "minimum_charge"),
        ({"grace_days": 0}, "grace_days"),
        ({"grace_days": 4}, "grace_days"),
        ({"price_per_unit": "0.02"}, "price_per_unit"),
        ({"price_per_unit": "0"}, "price_per_unit"),
        ({"max_units_per_hour": "600000"}, "max_units_per_hour"),
        ({"start_date": "2026-09-01"}, "start_date"),  # back-dated
        ({"unit": "smiles"}, "unit"),
        ({"end_date": (TOMORROW + timedelta(days=366 * 6)).isoformat()}, "end_date"),
    ],
)
def test_terms_outside_the_product_are_refused(
    client: TestClient,
    db: Database,
    settings: Settings,
    park: Park,
    over: dict[str, Any],
    field: str,
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    lessor = park["lessor"]["officer"]
    assert _register(client, lessor, lessee_org).status_code == 201
    r = client.post("/leasing/contracts", json=_terms(lessee_org, **over), headers=lessor.headers)
    assert (r.status_code, r.json()["field"]) == (422, field), r.text
    # At the bounds themselves the contract is written.
    ok = client.post(
        "/leasing/contracts",
        json=_terms(lessee_org, minimum_charge="5000.00", grace_days=5, price_per_unit="0.01"),
        headers=lessor.headers,
    )
    assert ok.status_code == 201, ok.text


def test_a_proposed_lease_runs_only_when_the_lessee_accepts(
    client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    lessee_org, _ = _setup(db, settings, park)
    lessor = park["lessor"]["officer"]
    assert _register(client, lessor, lessee_org).status_code == 201
    r = client.post("/leasing/contracts", json=_terms(lessee_org), headers=lessor.headers)
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["state"], c["accepted_at"]) == ("proposed", None)
    cid = c["id"]
    # Nothing runs on a proposal: no bill, no enforcement, no lock.
    for path, body in (("bills", {"period": "2026-09"}), ("enforce", None), ("lock", None)):
        r = client.post(f"/leasing/contracts/{cid}/{path}", json=body, headers=lessor.headers)
        assert (r.status_code, r.json()["reason"]) == (409, "not_accepted"), (path, r.text)
    # Only the lessee answers: not the lessor, not a viewer, not another enterprise.
    r = client.post(f"/leasing/contracts/{cid}/accept", headers=lessor.headers)
    assert r.status_code == 403
    r = client.post(
        f"/leasing/contracts/{cid}/accept", headers=park["enterprise"]["viewer"].headers
    )
    assert r.status_code == 403
    r = client.post(
        f"/leasing/contracts/{cid}/accept", headers=park["other_enterprise"]["admin"].headers
    )
    assert r.status_code == 404
    r = client.post(f"/leasing/contracts/{cid}/accept", headers=park["enterprise"]["admin"].headers)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "active"
    assert r.json()["accepted_at"] is not None
    again = client.post(
        f"/leasing/contracts/{cid}/accept", headers=park["enterprise"]["admin"].headers
    )
    assert (again.status_code, again.json()["reason"]) == (409, "not_proposed")
    # A declined proposal stays dead.
    with db.unit_of_work() as s:
        telemetry.upsert_device(s, org_id=lessee_org, device_id="sew-09", kind="sewing_machine")
    assert _register(client, lessor, lessee_org, device="sew-09").status_code == 201
    d = client.post(
        "/leasing/contracts", json=_terms(lessee_org, device_id="sew-09"), headers=lessor.headers
    ).json()
    r = client.post(
        f"/leasing/contracts/{d['id']}/decline", headers=park["enterprise"]["admin"].headers
    )
    assert r.json()["state"] == "declined"
    r = client.post(f"/leasing/contracts/{d['id']}/enforce", headers=lessor.headers)
    assert (r.status_code, r.json()["reason"]) == (409, "not_accepted")


def test_acceptance_after_the_start_date_is_refused(
    db: Database, settings: Settings, park: Park
) -> None:
    """A proposal left lying until after its start would be back-dated by accepting it."""
    lessee_org, _ = _setup(db, settings, park)
    proposed_at = datetime(2026, 8, 20, 2, tzinfo=UTC)
    with db.unit_of_work() as s:
        lessor = identity.authenticate_api_key(s, park["lessor"]["officer"].key)
        lessee = identity.authenticate_api_key(s, park["enterprise"]["admin"].key)
        leasing.register_asset(
            s, lessor, lessee_org_id=lessee_org, device_id="sew-01", relation="owns", reference="X"
        )
        c = leasing.create_contract(
            s,
            lessor,
            lessee_org_id=lessee_org,
            device_id="sew-01",
            unit="stitches",
            price_per_unit="0.0002",
            minimum_charge="0",
            cost="1000",
            design_life_units=10**9,
            start_date=date(2026, 9, 1),
            end_date=date(2027, 8, 31),
            now=proposed_at,
        )
        with pytest.raises(Conflict) as refused:
            leasing.accept_contract(s, lessee, c.id, now=datetime(2026, 9, 2, 2, tzinfo=UTC))
        assert refused.value.field == "start_date"
        assert refused.value.extra["reason"] == "start_before_acceptance"
        assert leasing.get_contract(s, lessee, c.id).state == "proposed"


def test_use_before_the_contract_started_is_not_billed(
    client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    """The counter ran all September; a lease from the 15th pays from the 15th only."""
    _setup(db, settings, park)
    with db.unit_of_work() as s:
        c = running_lease(
            s,
            identity.authenticate_api_key(s, park["lessor"]["officer"].key),
            identity.authenticate_api_key(s, park["enterprise"]["admin"].key),
            device_id="sew-01",
            start=date(2026, 9, 15),
            end=date(2027, 8, 31),
            minimum_charge="0",
        )
        cid = c.id
    r = client.post(
        f"/leasing/contracts/{cid}/bills",
        json={"period": "2026-09"},
        headers=park["lessor"]["officer"].headers,
    )
    assert r.status_code == 201, r.text
    # Hourly readings from 2026-09-15T00:00Z (hour 336) to hour 719: 383 steps of 600.
    assert r.json()["usage"] == str(383 * 600)


def test_a_lock_needs_arrears_past_grace(
    client: TestClient, db: Database, settings: Settings, park: Park, mqtt_port: int
) -> None:
    _, uscc = _setup(db, settings, park)
    lessor = park["lessor"]["officer"]
    with db.unit_of_work() as s:
        c = running_lease(
            s,
            identity.authenticate_api_key(s, lessor.key),
            identity.authenticate_api_key(s, park["enterprise"]["admin"].key),
            device_id="sew-01",
            start=date(2026, 9, 1),
            end=date(2027, 8, 31),
            grace_days=10,
        )
        cid = c.id
    # No bill yet: nothing is owed.
    r = client.post(f"/leasing/contracts/{cid}/lock", headers=lessor.headers)
    assert (r.status_code, r.json()["reason"], r.json()["field"]) == (409, "no_arrears", "state")
    bill = client.post(
        f"/leasing/contracts/{cid}/bills", json={"period": "2026-09"}, headers=lessor.headers
    ).json()
    assert bill["due_date"] == "2026-10-11"
    commander = MqttCommander("127.0.0.1", mqtt_port, timeout_s=2)

    def lock_on(day: date) -> str | None:
        with db.unit_of_work() as s:
            p = identity.authenticate_api_key(s, lessor.key)
            try:
                leasing.lock(s, p, commander, cid, day)
            except Conflict as refused:
                return str(refused.extra["reason"])
        return None

    assert lock_on(date(2026, 10, 11)) == "no_arrears"  # due today, not yet late
    assert lock_on(date(2026, 10, 21)) == "within_grace"  # 10 days late = the grace
    gateway = SimulatedGateway(mqtt_port, uscc, "sew-01")
    try:
        assert lock_on(date(2026, 10, 22)) is None  # past grace: locked
        assert gateway.locked
        assert lock_on(date(2026, 10, 23)) == "already_locked"
    finally:
        gateway.close()


def test_a_command_the_gateway_refuses_is_recorded_and_changes_nothing(
    client: TestClient, db: Database, settings: Settings, park: Park, mqtt_port: int
) -> None:
    """The gateway trusts only the platform's key; a lock signed with another key is refused,
    the refusal is recorded and logged, and the contract stays active."""
    _, uscc = _setup(db, settings, park)
    lessor = park["lessor"]["officer"]
    with db.unit_of_work() as s:
        c = running_lease(
            s,
            identity.authenticate_api_key(s, lessor.key),
            identity.authenticate_api_key(s, park["enterprise"]["admin"].key),
            device_id="sew-01",
            start=date(2026, 9, 1),
            end=date(2027, 8, 31),
        )
        cid = c.id
    client.post(
        f"/leasing/contracts/{cid}/bills", json={"period": "2026-09"}, headers=lessor.headers
    )
    platform = load_or_create_signer(settings.var_dir)
    gateway = SimulatedGateway(
        mqtt_port, uscc, "sew-01", verifier=CommandVerifier(platform.public_key, uscc, "sew-01")
    )
    try:
        impostor = CommandSigner(Ed25519PrivateKey.generate())
        with db.unit_of_work() as s:
            p = identity.authenticate_api_key(s, lessor.key)
            e = leasing.enforce(
                s,
                p,
                MqttCommander("127.0.0.1", mqtt_port, timeout_s=3, signer=impostor),
                cid,
                date(2026, 11, 1),
            )
            assert e.command is not None and e.command.status == "refused"
            assert e.contract.state == "active"
            entry = governance.get_log_entry(s, p, e.command.log_index)
            assert "bad_signature" in entry.data
        assert not gateway.locked and gateway.refused == ["bad_signature"]
    finally:
        gateway.close()
