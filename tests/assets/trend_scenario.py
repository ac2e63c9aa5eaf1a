"""Pools whose month-end history the worker builds, for the trend-alert tests (service, console,
browser): enterprises each with one receivable of ¥100,000 due at year end pledged into a pool
with the park's bank, revalued by the nightly job at each month-end, the monthly trend job run
after it; one firm's receivable mostly paid and not replaced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from chanrong.assets import service as assets
from chanrong.assets.orm import TrendAlert
from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from tests.assets.builders import land
from tests.builders import Park, add_org

MONTHS = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]


def pools_of(
    db: Database, park: Park, n: int, *, orgs: list[str] | None = None
) -> list[tuple[str, str]]:
    """``n`` enterprises (``orgs`` first, then new ones) with their pools; (org, pool) each."""
    out = []
    for i in range(n):
        if orgs and i < len(orgs):
            org = orgs[i]
        else:
            with db.unit_of_work() as s:
                org = add_org(s, "enterprise")
        receivable(db, org, i, "100000")
        with db.unit_of_work() as s:
            bank = identity.system_principal(s, park["bank"]["officer"].org_id)
            me = identity.system_principal(s, org)
            pool = assets.open_pool(s, bank, enterprise_org_id=org, limit_fen=10**9)
            spec = assets.AssetSpec("receivable", "R1")
            assets.pledge_asset(s, me, pool.id, spec, on=date(2026, 1, 1))
            out.append((org, pool.id))
    return out


def receivable(db: Database, org: str, i: int, outstanding: str) -> None:
    """The firm's receivable R1 (¥100,000) with ``outstanding`` yuan still open."""
    land(
        db,
        org,
        "receivables",
        [{"receivable_id": "R1", "debtor_name": f"客户{i}", "due_date": "2026-12-31",
          "amount": "100000", "outstanding": outstanding}],
    )  # fmt: skip


def month(db: Database, settings: Settings, day: str) -> str | None:
    """The worker's nightly revaluation of ``day``, then its monthly trend run; the trend
    run's summary."""
    jobs = catalog.load(settings)
    out = run_manually(db, settings, jobs, "assets.revalue_pools", period=day)
    assert all(o.status == "succeeded" for o in out), out
    *_, trend = run_manually(db, settings, jobs, "assets.trend_alerts", period=day[:7])
    assert trend.subject == "-" and trend.status == "succeeded", trend
    return trend.detail


def alerts(db: Database) -> list[TrendAlert]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(TrendAlert).order_by(TrendAlert.raised_on)))


@dataclass(frozen=True)
class TrendStory:
    alert_id: str
    pool_id: str
    org_id: str
    log_index: int


def trend_story(db: Database, park: Park, settings: Settings) -> TrendStory:
    """The park's enterprise and five others; the enterprise's receivable falls to ¥30,000 in
    April: the April trend run raises its trend alert."""
    ent = park["enterprise"]["officer"].org_id
    pools = pools_of(db, park, 6, orgs=[ent])
    for day in MONTHS[:3]:
        month(db, settings, day)
    receivable(db, ent, 0, "30000")
    month(db, settings, MONTHS[3])
    [a] = alerts(db)
    assert a.pool_id == pools[0][1]
    return TrendStory(a.id, a.pool_id, a.org_id, a.log_index)
