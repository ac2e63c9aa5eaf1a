"""A pool replenished from intake: the enterprise's open receivables join it at revaluation and
paid ones leave, each change logged; a receivable backing another pool is never taken; only
the enterprise turns it on; the batch does what one revaluation does."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fastapi.testclient import TestClient

from chanrong.assets import service as assets
from chanrong.core.errors import Forbidden
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.assets.builders import land
from tests.builders import Park
from tests.web.console import HTML, csrf_of, sign_in

ON = date(2026, 6, 30)


def _rec(rid: str, outstanding: str) -> dict[str, str]:
    return {"receivable_id": rid, "debtor_name": f"客户{rid}", "due_date": "2026-07-20",
            "amount": "100000", "outstanding": outstanding}  # fmt: skip


def _pools(db: Database, park: Park) -> tuple[str, str, str]:
    """The enterprise's pool with the bank, and with the other bank holding R2 pledged."""
    org = park["enterprise"]["officer"].org_id
    land(db, org, "receivables", [_rec("R1", "100000"), _rec("R2", "50000"), _rec("R3", "0")])
    with db.unit_of_work() as s:
        me = identity.system_principal(s, org)
        bank = identity.system_principal(s, park["bank"]["officer"].org_id)
        other = identity.system_principal(s, park["other_bank"]["officer"].org_id)
        pool = assets.open_pool(s, bank, enterprise_org_id=org, limit_fen=10**9)
        elsewhere = assets.open_pool(s, other, enterprise_org_id=org, limit_fen=10**9)
        assets.pledge_asset(s, me, elsewhere.id, assets.AssetSpec("receivable", "R2"), on=ON)
        return org, pool.id, elsewhere.id


def _keys(db: Database, pool_id: str) -> set[str]:
    with db.unit_of_work() as s:
        pool = assets.pool_by_id(s, pool_id)
        assert pool is not None
        me = identity.system_principal(s, pool.org_id)
        return {p.asset_key for p in assets.pool_pledges(s, me, pool_id)}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_open_receivables_join_and_paid_ones_leave(db: Database, park: Park) -> None:
    org, pool_id, elsewhere = _pools(db, park)
    with db.unit_of_work() as s:
        bank = identity.system_principal(s, park["bank"]["officer"].org_id)
        with pytest.raises(Forbidden):  # the bank cannot pledge the enterprise's receivables
            assets.set_replenish(s, bank, pool_id, on=True)
        pool = assets.pool_by_id(s, pool_id)
        assert pool is not None and assets.revalue(s, pool, as_of=ON).base.base_fen == 0
    assert _keys(db, pool_id) == set()  # off: nothing joins
    with db.unit_of_work() as s:
        me = identity.system_principal(s, park["enterprise"]["officer"].org_id)
        assets.set_replenish(s, me, pool_id, on=True)
        pool = assets.pool_by_id(s, pool_id)
        assert pool is not None
        r = assets.revalue(s, pool, as_of=ON)
        # R1 alone: ¥100,000 outstanding × 0.80, one debtor capped at 30 % of it
        assert r.base.base_fen == 2_400_000
    # R2 backs the other bank's pool, R3 is paid: only R1 joined, in one logged entry.
    assert _keys(db, pool_id) == {f"receivable:{org}:R1"}
    assert _keys(db, elsewhere) == {f"receivable:{org}:R2"}
    land(db, org, "receivables", [_rec("R1", "0"), _rec("R4", "30000")])
    with db.unit_of_work() as s:
        pool = assets.pool_by_id(s, pool_id)
        assert pool is not None
        assert assets.revalue(s, pool, as_of=ON).base.base_fen == 720_000  # R4 only
        me = identity.system_principal(s, org)  # the entries' actor: its standing pledge
        entries = [
            json.loads(e.data)["payload"]
            for e in governance.list_log_entries(s, me, kind="assets.pool_replenished")
        ]
    assert [(e["added"], e["released"]) for e in entries] == [
        ([f"receivable:{org}:R1"], []),
        ([f"receivable:{org}:R4"], [f"receivable:{org}:R1"]),
    ]
    assert _keys(db, pool_id) == {f"receivable:{org}:R4"}
    # Off again: a new receivable stays out, the pledges made stay in.
    with db.unit_of_work() as s:
        me = identity.system_principal(s, org)
        assets.set_replenish(s, me, pool_id, on=False)
    land(db, org, "receivables", [_rec("R5", "70000")])
    with db.unit_of_work() as s:
        pool = assets.pool_by_id(s, pool_id)
        assert pool is not None
        assets.revalue(s, pool, as_of=ON)
    assert _keys(db, pool_id) == {f"receivable:{org}:R4"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_batch_replenishes_as_one_revaluation_does(db: Database, park: Park) -> None:
    org, pool_id, elsewhere = _pools(db, park)
    with db.unit_of_work() as s:
        me = identity.system_principal(s, org)
        assets.set_replenish(s, me, pool_id, on=True)
    with db.unit_of_work() as s:
        pools = assets.pools_by_ids(s, [pool_id, elsewhere])
        ev = assets.pools_evidence(s, pools, as_of=ON)
    with db.unit_of_work() as s:
        out = assets.revalue_many(
            s, assets.pools_by_ids(s, [pool_id, elsewhere]), as_of=ON, evidence=ev
        )
        assert [r.base.base_fen for r in out] == [2_400_000, 1_200_000]
    assert _keys(db, pool_id) == {f"receivable:{org}:R1"}


def test_api_and_console_turn_it_on(app_client: TestClient, db: Database, park: Park) -> None:
    org, pool_id, _ = _pools(db, park)
    bank = app_client.post(
        f"/assets/pools/{pool_id}/replenish",
        json={"on": True},
        headers=park["bank"]["officer"].headers,
    )
    assert bank.status_code == 403
    r = app_client.post(
        f"/assets/pools/{pool_id}/replenish", json={"on": "yes please"},
        headers=park["enterprise"]["officer"].headers,
    )  # fmt: skip
    assert r.status_code == 422 and "on" in r.text
    sign_in(app_client, park["enterprise"]["officer"].key)
    page = app_client.get(f"/console/pools/{pool_id}", headers=HTML)
    assert 'id="replenish"' in page.text and "未开启" in page.text
    r = app_client.post(
        f"/console/pools/{pool_id}/replenish",
        data={"csrf_token": csrf_of(page.text), "on": "1"},
        headers=HTML,
    )
    assert r.status_code == 200, r.text
    assert "已开启自动入池并重估" in r.text and f"receivable:{org}:R1" in r.text
    got = app_client.get(f"/assets/pools/{pool_id}", headers=park["enterprise"]["officer"].headers)
    assert got.json()["replenish"] is True
