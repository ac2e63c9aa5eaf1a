"""Property: whatever sequence of pledges, releases, substitutions and stock movements the
parties attempt across several pools, no asset ever backs two pools, a refusal changes nothing,
and every pool's available amount stays within its borrowing base and its limit (one pool's
line drawn on lending, so the drawn balance is real)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from chanrong.assets import service as assets
from chanrong.assets.orm import Pledge
from chanrong.core.errors import Conflict
from chanrong.identity import service as identity
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.assets.builders import land
from tests.builders import Park
from tests.lending.builders import product

ON = date(2026, 6, 30)
ops = st.lists(
    st.tuples(
        st.sampled_from(["pledge", "release", "substitute", "stock_out", "stock_in"]),
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
        # The first pool secures a line with ¥1,000 drawn on it.
        pool_id, e, b = out[0]
        officer, borrower = identity.system_principal(s, b), identity.system_principal(s, e)
        prod = product(s, officer, code="RC", kind="revolving", method="interest_only")
        line = lending.open_credit_line(
            s,
            officer,
            product_id=prod.id,
            borrower_org_id=e,
            limit=Decimal("50000"),
            opened_on=date(2026, 1, 1),
            expires_on=date(2027, 1, 1),
            purpose="working_capital",
        )
        lending.draw(s, borrower, line.id, amount=Decimal("1000"), term_months=3, on=ON)
        assets.link_pool_line(s, officer, pool_id, line_id=line.id, as_of=ON)
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
    moved = 0
    stocked: set[tuple[str, str]] = set()
    for op, p, a, b in script:
        pool_id, ent, bank = pools[p]
        if op.startswith("stock_"):
            # Goods of receipt a move at the enterprise (whoever's pool holds it).
            moved += 1
            row = {
                "movement_id": f"{run}-{moved}",
                "item": receipts[a],
                "moved_on": ON.isoformat(),
                "direction": op.removeprefix("stock_"),
                "quantity": str(b * 7),
                "unit_value": "250",
            }
            land(db, ent, "stock_movements", [row])
            stocked.add((ent, receipts[a]))
            _check_available(db, pools)
            continue
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
            except Conflict as exc:
                s.rollback()
                # Refused only because the asset already backs a pool, or because the
                # enterprise's own stock movements left nothing of the lot.
                target = receipts[b] if op == "substitute" else receipts[a]
                if "nothing of this lot" in exc.detail:
                    assert (ent, target) in stocked
                else:
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
    _check_available(db, pools)


def _check_available(db: Database, pools: list[tuple[str, str, str]]) -> None:
    """Revalue every pool: available ≤ min(base, limit), and available + drawn ≤ that too
    unless the drawn balance is already over it (then nothing is available)."""
    with db.unit_of_work() as s:
        for pool_id, _ent, bank in pools:
            pool = assets.get_pool(s, identity.system_principal(s, bank), pool_id)
            r = assets.revalue(s, pool, as_of=ON)
            cap = min(pool.base_fen, pool.limit_fen)
            assert 0 <= pool.available_fen <= cap
            assert pool.available_fen == max(0, cap - pool.drawn_fen)
            assert r.revaluation.available_fen == pool.available_fen
