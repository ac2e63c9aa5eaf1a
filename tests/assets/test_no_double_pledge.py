"""Property: whatever sequence of pledges, releases and substitutions the parties attempt
across several pools, no asset ever backs two pools, and a refusal changes nothing."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from chanrong.assets import service as assets
from chanrong.assets.orm import Pledge
from chanrong.core.errors import Conflict
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Park

ON = date(2026, 6, 30)
ops = st.lists(
    st.tuples(
        st.sampled_from(["pledge", "release", "substitute"]),
        st.integers(0, 2),
        st.integers(0, 3),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def pools(db: Database, park: Park) -> list[tuple[str, str, str]]:
    """Three pools: (pool id, enterprise org, bank org)."""
    pairs = [("enterprise", "bank"), ("enterprise", "other_bank"), ("other_enterprise", "bank")]
    out = []
    with db.unit_of_work() as s:
        for ent, bank in pairs:
            e, b = park[ent]["officer"].org_id, park[bank]["officer"].org_id
            pool = assets.open_pool(
                s, identity.system_principal(s, b), enterprise_org_id=e, limit_fen=10**9
            )
            out.append((pool.id, e, b))
    return out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=ops)
def test_no_asset_backs_two_pools(
    db: Database, pools: list[tuple[str, str, str]], script: list[tuple[str, int, int, int]]
) -> None:
    run = uuid.uuid4().hex[:8]  # fresh receipts per example: the database is shared
    receipts = [f"88.608.8889/WR-{run}-{i}" for i in range(4)]
    active: dict[str, str] = {}  # receipt -> pool (the model)
    for op, p, a, b in script:
        pool_id, ent, bank = pools[p]
        spec = assets.AssetSpec("warehouse_receipt", receipts[a], 1_000_000, ON)
        with db.unit_of_work() as s:
            owner = identity.system_principal(s, ent)
            lender = identity.system_principal(s, bank)
            mine = {pl.asset_ref: pl for pl in assets.pool_pledges(s, lender, pool_id)}
            try:
                if op == "pledge":
                    assets.pledge_asset(s, owner, pool_id, spec, on=ON)
                    assert receipts[a] not in active, "a pledged receipt was accepted again"
                    active[receipts[a]] = pool_id
                elif op == "release" and receipts[a] in mine:
                    assets.release_asset(s, lender, pool_id, mine[receipts[a]].id, on=ON)
                    del active[receipts[a]]
                elif op == "substitute" and receipts[a] in mine:
                    new = assets.AssetSpec("warehouse_receipt", receipts[b], 1_000_000, ON)
                    assets.substitute_asset(s, owner, pool_id, mine[receipts[a]].id, new, on=ON)
                    assert receipts[b] not in active or (receipts[b] == receipts[a] and False)
                    del active[receipts[a]]
                    active[receipts[b]] = pool_id
            except Conflict:
                s.rollback()
                # Refused only because the asset already backs a pool.
                target = receipts[b] if op == "substitute" else receipts[a]
                assert target in active
        with db.unit_of_work() as s:
            rows = s.execute(
                select(Pledge.asset_ref, Pledge.pool_id).where(
                    Pledge.status == "pledged", Pledge.asset_ref.in_(receipts)
                )
            ).all()
            counts = s.execute(
                select(Pledge.asset_ref, func.count())
                .where(Pledge.status == "pledged", Pledge.asset_ref.in_(receipts))
                .group_by(Pledge.asset_ref)
            ).all()
        assert all(n == 1 for _, n in counts)
        assert dict(rows) == active
