"""Revaluing many pools at once (the evidence read once for all) gives each pool exactly what
revaluing it alone gives — two enterprises whose records share ids, receivables, a receipt with
stock movements."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from chanrong.assets import service as assets
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.assets.builders import land
from tests.builders import Park
from tests.lending.builders import product

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


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_batch_reads_lines_and_raises_alerts_as_one_by_one(db: Database, park: Park) -> None:
    """Pools on lending credit lines drawn past their base: the batch reads the lines at once
    and logs its margin alerts under one lock, yet each pool gets the drawn balance, the
    alert and the log entry that revaluing it alone gives (one-by-one run first, rolled back)."""
    pools = []
    with db.unit_of_work() as s:
        officer = identity.system_principal(s, park["bank"]["officer"].org_id)
        prod = product(s, officer, code="RC", kind="revolving", method="interest_only")
    for n, who in enumerate(("enterprise", "other_enterprise", "enterprise"), start=1):
        org = park[who]["officer"].org_id
        if n < 3:
            land(
                db,
                org,
                "receivables",
                [{"receivable_id": "R1", "debtor_name": "客户", "due_date": "2026-06-20",
                  "amount": "300000", "outstanding": str(40000 * n)}],
            )  # fmt: skip
        with db.unit_of_work() as s:
            bank = identity.system_principal(s, park["bank"]["officer"].org_id)
            me = identity.system_principal(s, org)
            if n == 3:  # the third pool is the enterprise's pool with the other bank, no line
                bank = identity.system_principal(s, park["other_bank"]["officer"].org_id)
            pool = assets.open_pool(s, bank, enterprise_org_id=org, limit_fen=10**9)
            if n < 3:
                assets.pledge_asset(s, me, pool.id, assets.AssetSpec("receivable", "R1"), on=ON)
                line = lending.open_credit_line(
                    s,
                    bank,
                    product_id=prod.id,
                    borrower_org_id=org,
                    limit=Decimal("500000"),
                    opened_on=date(2026, 1, 1),
                    expires_on=date(2027, 1, 1),
                    purpose="working_capital",
                )
                assets.link_pool_line(s, bank, pool.id, line_id=line.id, as_of=ON)
                # Then drawn past the base the pledged receivable gives (outstanding × advance).
                lending.draw(s, me, line.id, amount=Decimal(60000 * n), term_months=6, on=ON)
            pools.append(pool.id)
    later = date(2026, 7, 1)

    def outcome(s: Session, rs: list[assets.Revalued]) -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        for r in rs:
            entry = None
            if r.alert is not None:
                bank = identity.system_principal(s, r.pool.bank_org_id)
                row = governance.get_log_entry(s, bank, r.alert.log_index)
                entry = (row.kind, row.actor_org_id, row.subject, json.loads(row.data)["payload"])
            alert = (r.alert.shortfall_fen, r.alert.drawn_fen) if r.alert else None
            out.append((r.pool.id, r.pool.drawn_fen, r.base.base_fen, alert, entry))
        return out

    s = db.sessions()
    try:
        one = [assets.revalue(s, p, as_of=later) for p in assets.pools_by_ids(s, pools)]
        alone = outcome(s, one)
    finally:
        s.rollback()
        s.close()
    with db.unit_of_work() as s:
        many = assets.revalue_many(s, assets.pools_by_ids(s, pools), as_of=later)
        batch = outcome(s, many)
        indexes = [r.alert.log_index for r in many if r.alert]
    assert batch == alone
    # Both lined pools are short (drawn 60,000 and 120,000 over bases below them) and alerted,
    # their entries consecutive in pool order; the unlined pool has nothing drawn.
    assert [b[3] is not None for b in batch] == [True, True, False]
    assert [b[1] for b in batch] == [6_000_000, 12_000_000, 0]
    assert indexes[1] == indexes[0] + 1
