"""Revaluing many pools at once (the evidence read once for all) gives each pool exactly what
revaluing it alone gives — two enterprises whose records share ids, receivables, a receipt with
stock movements."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.assets import service as assets
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.assets.builders import land
from tests.builders import Park

ON = date(2026, 6, 30)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_batch_equals_one_by_one(db: Database, park: Park) -> None:
    pools = []
    for n, who in enumerate(("enterprise", "other_enterprise"), start=1):
        org = park[who]["officer"].org_id
        land(
            db,
            org,
            "receivables",
            [
                {"receivable_id": f"R{i}", "debtor_name": f"客户{i}", "due_date": "2026-06-20",
                 "amount": "300000", "outstanding": str(100000 * i // (n + 2))}
                for i in (1, 2, 3)
            ],
        )  # fmt: skip
        land(
            db,
            org,
            "stock_movements",
            [
                {"movement_id": "M1", "item": f"88.608.8889/WR-{n}", "moved_on": "2026-06-01",
                 "direction": "in", "quantity": str(50 * n), "unit_value": "300"},
                {"movement_id": "M2", "item": f"88.608.8889/WR-{n}", "moved_on": "2026-06-20",
                 "direction": "out", "quantity": "20"},
            ],
        )  # fmt: skip
        with db.unit_of_work() as s:
            bank = identity.system_principal(s, park["bank"]["officer"].org_id)
            me = identity.system_principal(s, org)
            pool = assets.open_pool(s, bank, enterprise_org_id=org, limit_fen=10**9)
            for i in (1, 2, 3):
                assets.pledge_asset(s, me, pool.id, assets.AssetSpec("receivable", f"R{i}"), on=ON)
            spec = assets.AssetSpec("warehouse_receipt", f"88.608.8889/WR-{n}", None, ON)
            assets.pledge_asset(s, me, pool.id, spec, on=ON)
            pools.append(pool.id)
    with db.unit_of_work() as s:
        one = {}
        for pid in pools:
            pool = assets.pool_by_id(s, pid)
            assert pool is not None
            r = assets.revalue(s, pool, as_of=ON)
            one[pid] = (r.base.base_fen, r.revaluation.available_fen, r.revaluation.lines)
    with db.unit_of_work() as s:
        batch = assets.revalue_many(
            s, [p for p in (assets.pool_by_id(s, x) for x in pools) if p], as_of=ON
        )
        many = {
            r.pool.id: (r.base.base_fen, r.revaluation.available_fen, r.revaluation.lines)
            for r in batch
        }
    assert many == one
    # The two enterprises' same-named receivables were kept apart, and the stock moved.
    bases = [one[p][0] for p in pools]
    assert bases[0] != bases[1] and all(b > 0 for b in bases)
    wr = next(ln for ln in one[pools[0]][2] if ln["type"] == "warehouse_receipt")
    assert wr["value_fen"] == 30 * 30_000  # 50 in, 20 out, ¥300 each
