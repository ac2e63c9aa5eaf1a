"""The nightly revaluation runs in batches of pools (``revalue_many``), one recorded run per
batch and day: a batch that fails rolls back alone and is retried alone; the others are
neither lost nor done twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from chanrong.assets import service as assets
from chanrong.assets import tasks
from chanrong.assets.orm import Pool, PoolRevaluation
from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.jobs import catalog
from chanrong.jobs.orm import JobRun
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from tests.assets.builders import land
from tests.builders import Park, add_org

ON = date(2026, 6, 30)
PERIOD = "2026-06-30"  # the nightly run of 1 July covers the day just ended


def _pools(db: Database, park: Park, n: int) -> list[str]:
    ids = []
    for i in range(n):
        with db.unit_of_work() as s:
            org = add_org(s, "enterprise")
        land(
            db,
            org,
            "receivables",
            [{"receivable_id": "R1", "debtor_name": f"客户{i}", "due_date": "2026-06-20",
              "amount": str(100000 + i), "outstanding": str(100000 + i)}],
        )  # fmt: skip
        with db.unit_of_work() as s:
            bank = identity.system_principal(s, park["bank"]["officer"].org_id)
            me = identity.system_principal(s, org)
            pool = assets.open_pool(s, bank, enterprise_org_id=org, limit_fen=10**9)
            assets.pledge_asset(s, me, pool.id, assets.AssetSpec("receivable", "R1"), on=ON)
            ids.append(pool.id)
    return sorted(ids)


def _revalued(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        rows = s.execute(
            select(PoolRevaluation.pool_id, func.count())
            .where(PoolRevaluation.as_of == ON)
            .group_by(PoolRevaluation.pool_id)
        ).all()
    return {pid: int(n) for pid, n in rows}


def _runs(db: Database) -> dict[str, tuple[str, int, str | None]]:
    with db.unit_of_work() as s:
        rows = s.scalars(
            select(JobRun).where(
                JobRun.name == "assets.revalue_pools",
                JobRun.period == PERIOD,
                JobRun.subject != "*",
            )
        ).all()
        return {r.subject: (r.status, r.attempts, r.detail) for r in rows}


def test_batches_partition_every_pool(db: Database, park: Park) -> None:
    """Cut into ranges of two, five pools make three batches whose ranges hold each pool
    once; a pool opened after the cut falls in the last (open) range."""
    ids = _pools(db, park, 5)
    with db.unit_of_work() as s:
        cut = assets.pool_batches(s, 2)
        assert cut[0][0] == "" and cut[-1][1] == "" and len(cut) == 3
        held = [p.id for lo, hi in cut for p in assets.pools_between(s, lo, hi)]
    assert held == ids
    late = _pools(db, park, 1)[0]
    with db.unit_of_work() as s:
        assert [p.id for p in assets.pools_between(s, *cut[-1])][-1] == late
        assert late not in [p.id for lo, hi in cut[:-1] for p in assets.pools_between(s, lo, hi)]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_failed_batch_neither_loses_nor_doubles_the_others(
    db: Database, park: Park, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _pools(db, park, 6)
    monkeypatch.setattr(tasks, "BATCH_SIZE", 2)
    jobs = catalog.load(settings)
    # The second batch's first pool cannot be written tonight (a real database failure).
    with db.unit_of_work() as s:
        s.execute(
            text(
                "CREATE TRIGGER boom BEFORE INSERT ON asset_pool_revaluations "
                f"WHEN NEW.pool_id = '{ids[2]}' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        )
    out = run_manually(db, settings, jobs, "assets.revalue_pools", period=PERIOD)
    assert [o.status for o in out] == ["succeeded", "succeeded", "failed", "succeeded"], out
    assert "disk full" in (out[2].detail or "")
    # The failed batch rolled back whole (its other pool too); the others are committed.
    assert _revalued(db) == {p: 1 for p in ids[:2] + ids[4:]}
    runs = _runs(db)
    assert sorted(st for st, _, _ in runs.values()) == ["failed", "succeeded", "succeeded"]
    done = [d or "" for st, _, d in runs.values() if st == "succeeded"]
    assert all(
        d.startswith("2 pool(s): base ") and d.endswith("0 margin alert(s) raised, 0 resolved")
        for d in done
    ), done
    with db.unit_of_work() as s:
        s.execute(text("DROP TRIGGER boom"))
    # Run again for the same period: only the failed batch runs, and every pool is revalued
    # exactly once; the batches done before are not run again.
    again = run_manually(db, settings, jobs, "assets.revalue_pools", period=PERIOD)
    assert [o.status for o in again] == ["done", "done", "succeeded", "done"], again
    assert _revalued(db) == {p: 1 for p in ids}
    runs = _runs(db)
    assert sorted((st, n) for st, n, _ in runs.values()) == [
        ("succeeded", 1),
        ("succeeded", 1),
        ("succeeded", 2),
    ]
    with db.unit_of_work() as s:
        assert {p.revalued_on for p in s.scalars(select(Pool))} == {date(2026, 6, 30)}
        assert all(p.base_fen > 0 for p in s.scalars(select(Pool)))
