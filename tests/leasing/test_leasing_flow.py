"""Usage-based leasing end to end: telemetry counters → bill → arrears → lock over the real
broker → payment → unlock, with every step in the verifiable log; and the denials."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.demo.device_gateway import SimulatedGateway
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.leasing.schemas import ContractOut
from chanrong.leasing.signing import CommandVerifier, load_or_create_signer
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park, add_member, add_org
from tests.leasing.builders import running_lease
from tests.telemetry.builders import points

SEPT = datetime(2026, 9, 1, tzinfo=UTC)


@pytest.fixture
def client(settings: Settings, db: Database, mqtt_port: int) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"mqtt_port": mqtt_port}), db)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _stitches() -> list[float]:
    """Hourly stitch counter for September: +600/h, a reset at hour 100, a 5-hour gap at 200."""
    values, v = [], 1_000.0
    for h in range(30 * 24):
        if h == 100:
            v = 0.0
        elif h > 0:
            v += 600
        values.append(v)
    return values


def _setup(db: Database, settings: Settings, park: Park) -> tuple[str, str]:
    ent = park["enterprise"]["admin"]
    with db.unit_of_work() as s:
        telemetry.upsert_device(s, org_id=ent.org_id, device_id="sew-01", kind="sewing_machine")
        hours = [SEPT + timedelta(hours=h) for h in range(30 * 24)]
        vals = _stitches()
        keep = [i for i, h in enumerate(hours) if not 200 < i < 206]  # a gap: 5 readings lost
        table = points(
            "sew-01", "stitches", [vals[i] for i in keep], stamps=[hours[i] for i in keep]
        )
        telemetry.ingest_points(
            s, telemetry.open_store(settings), org_id=ent.org_id, batches=[table], source="http"
        )
        p = identity.authenticate_api_key(s, ent.key)
        governance.grant_consent(
            s,
            p,
            grantee_org_id=park["lessor"]["officer"].org_id,
            categories=["production"],
            max_grade=2,
            purpose="leasing_billing",
            valid_from=None,
            valid_until=datetime.now(UTC) + timedelta(days=365),
        )
        org = identity.find_organisation(s, ent.org_id)
        assert org is not None and org.uscc
        return ent.org_id, org.uscc


def _contract(db: Database, park: Park, device_id: str = "sew-01", **terms: object) -> dict:
    """A lease of the device accepted by the lessee the day before September 2026."""
    with db.unit_of_work() as s:
        c = running_lease(
            s,
            identity.authenticate_api_key(s, park["lessor"]["officer"].key),
            identity.authenticate_api_key(s, park["enterprise"]["admin"].key),
            device_id=device_id,
            start=date(2026, 9, 1),
            end=date(2027, 8, 31),
            **terms,
        )
        return ContractOut.model_validate(c).model_dump(mode="json")


def test_bill_lock_pay_unlock(
    client: TestClient, db: Database, settings: Settings, park: Park, mqtt_port: int
) -> None:
    _, uscc = _setup(db, settings, park)
    lessor = park["lessor"]["officer"]
    contract = _contract(db, park)

    r = client.post(
        f"/leasing/contracts/{contract['id']}/bills",
        json={"period": "2026-09"},
        headers=lessor.headers,
    )
    assert r.status_code == 201, r.text
    bill = r.json()
    # 719 hourly steps in September; the reset step (99→100) and the 6-hour step across the
    # gap (200→206) are not charged: 717 steps × 600 stitches … minus the gap's 6 × 600.
    assert bill["usage"] == str(600 * (719 - 1 - 6))
    assert bill["disputed_usage"] == "3600"
    assert bill["disputed_periods"] == 1
    assert bill["amount_fen"] == round(600 * 712 * 0.02)  # 0.0002 yuan = 0.02 fen per stitch
    again = client.post(
        f"/leasing/contracts/{contract['id']}/bills",
        json={"period": "2026-09"},
        headers=lessor.headers,
    )
    assert again.status_code == 409

    # The gateway obeys only commands signed with the platform's command key.
    key = load_or_create_signer(settings.var_dir).public_key
    gateway = SimulatedGateway(
        mqtt_port, uscc, "sew-01", verifier=CommandVerifier(key, uscc, "sew-01")
    )
    try:
        r = client.post(f"/leasing/contracts/{contract['id']}/enforce", headers=lessor.headers)
        assert r.status_code == 200, r.text
        out = r.json()
        assert out["command"]["command"] == "lock"
        assert out["command"]["status"] == "acknowledged"
        assert out["contract"]["state"] == "locked"
        assert out["overdue_fen"] == bill["amount_fen"]
        assert gateway.locked
        # Paying clears the arrears and the next enforcement unlocks the device.
        amount = f"{bill['amount_fen'] / 100:.2f}"
        r = client.post(
            f"/leasing/bills/{bill['id']}/payments", json={"amount": amount}, headers=lessor.headers
        )
        assert r.status_code == 201, r.text
        r = client.post(f"/leasing/contracts/{contract['id']}/enforce", headers=lessor.headers)
        assert r.json()["command"]["command"] == "unlock"
        assert r.json()["contract"]["state"] == "active"
        assert not gateway.locked
        assert [c["command"] for c in gateway.received] == ["lock", "unlock"]
        assert gateway.refused == []
        assert all(c["device_id"] == "sew-01" and c["signature"] for c in gateway.received)
    finally:
        gateway.close()

    cmds = client.get(
        f"/leasing/contracts/{contract['id']}/commands",
        headers=park["enterprise"]["viewer"].headers,
    ).json()
    assert [c["status"] for c in cmds] == ["acknowledged", "acknowledged"]
    with db.unit_of_work() as s:
        kinds = [
            governance.get_log_entry(
                s,
                identity.authenticate_api_key(s, park["enterprise"]["viewer"].key),
                c["log_index"],
            ).kind
            for c in cmds
        ]
    assert kinds == ["device.lock", "device.unlock"]
    r = client.get(
        f"/leasing/contracts/{contract['id']}/residual-value?condition=0.9", headers=lessor.headers
    )
    assert r.json()["residual_fen"] == round(4_800_000 * (1 - 427200 / 500_000_000) * 0.9)


def test_unanswered_lock_leaves_the_contract_active(
    client: TestClient, db: Database, settings: Settings, park: Park, mqtt_port: int
) -> None:
    _, uscc = _setup(db, settings, park)
    lessor = park["lessor"]["officer"]
    contract = _contract(db, park)
    client.post(
        f"/leasing/contracts/{contract['id']}/bills",
        json={"period": "2026-09"},
        headers=lessor.headers,
    )
    gateway = SimulatedGateway(mqtt_port, uscc, "sew-01", answer=False)
    try:
        with db.unit_of_work() as s:
            from chanrong.leasing import service
            from chanrong.leasing.commands import MqttCommander

            p = identity.authenticate_api_key(s, lessor.key)
            e = service.enforce(
                s,
                p,
                MqttCommander("127.0.0.1", mqtt_port, timeout_s=0.5),
                contract["id"],
                date(2026, 11, 22),
            )
        assert e.command is not None and e.command.status == "unanswered"
        assert e.contract.state == "active"
        assert gateway.received[0]["command"] == "lock"
    finally:
        gateway.close()


def test_denials(client: TestClient, db: Database, settings: Settings, park: Park) -> None:
    lessee_org, _ = _setup(db, settings, park)
    with db.unit_of_work() as s:
        other_lessor = add_member(
            s, add_org(s, "financial_institution", institution_type="lessor"), "officer"
        )
    asset = {
        "lessee_org_id": lessee_org,
        "device_id": "sew-01",
        "relation": "owns",
        "reference": "INV-1",
    }
    # A bank is not a lessor.
    r = client.post("/leasing/assets", json=asset, headers=park["bank"]["officer"].headers)
    assert r.status_code == 403
    # A lessor without the lessee's consent cannot see its devices.
    r = client.post("/leasing/assets", json=asset, headers=other_lessor.headers)
    assert r.status_code == 403
    assert r.json()["type"].endswith("/consent-required")
    contract = _contract(db, park)
    cid = contract["id"]
    # Other organisations do not see the contract; the lessee cannot bill or enforce.
    for member in (other_lessor, park["other_enterprise"]["admin"], park["bank"]["admin"]):
        assert client.get(f"/leasing/contracts/{cid}", headers=member.headers).status_code == 404
    r = client.post(
        f"/leasing/contracts/{cid}/enforce", headers=park["enterprise"]["admin"].headers
    )
    assert r.status_code == 403
    r = client.post(
        f"/leasing/contracts/{cid}/bills",
        json={"period": "2099-01"},
        headers=park["lessor"]["officer"].headers,
    )
    assert (r.status_code, r.json()["field"]) == (422, "period")
    assert (
        client.get(
            f"/leasing/contracts/{cid}", headers=park["enterprise"]["viewer"].headers
        ).status_code
        == 200
    )


def test_a_counter_spike_is_disputed_not_billed(
    client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    """A unit mix-up makes the counter leap a thousandfold for one reading: the leap is far
    above what a sewing head can do in an hour, so it is disputed, and the fall back is a
    reset; neither is charged."""
    lessee_org, _ = _setup(db, settings, park)
    with db.unit_of_work() as s:
        telemetry.upsert_device(s, org_id=lessee_org, device_id="sew-02", kind="sewing_machine")
        hours = [SEPT + timedelta(hours=h) for h in range(48)]
        vals = [1000.0 + 600 * h for h in range(48)]
        vals[20] *= 1000
        telemetry.ingest_points(
            s,
            telemetry.open_store(settings),
            org_id=lessee_org,
            source="http",
            batches=[points("sew-02", "stitches", vals, stamps=hours)],
        )
    lessor = park["lessor"]["officer"]
    c = _contract(db, park, "sew-02", minimum_charge="0", cost="1000", design_life_units=10**9)
    assert c["max_units_per_hour"] == "500000"
    bill = client.post(
        f"/leasing/contracts/{c['id']}/bills", json={"period": "2026-09"}, headers=lessor.headers
    ).json()
    assert bill["usage"] == str(600 * (47 - 2))
    assert bill["disputed_periods"] == 1
