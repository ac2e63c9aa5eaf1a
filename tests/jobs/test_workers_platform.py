"""Two worker processes on PostgreSQL with the platform's own jobs (not a sample): over a park
with data, a loan, a lease and landed payments, every periodic job the domains declare runs
once per period and subject — each run one attempt, and what it writes (the daily close and
its proof, the lease bill, the carbon grades) written once, while both workers keep ticking."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.governance.orm import LogEntryRow
from chanrong.jobs import catalog
from chanrong.jobs.orm import JobRun
from chanrong.leasing.orm import LeaseBill
from chanrong.lending.orm import DailyClose
from chanrong.storage.database import Database
from tests.builders import Park
from tests.jobs.test_every_job import _park_with_work
from tests.jobs.test_workers import Workers, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def _periodic_runs(db: Database, names: set[str]) -> list[JobRun]:
    with db.unit_of_work() as s:
        return list(s.scalars(select(JobRun).where(JobRun.name.in_(names))))


@pytest.fixture
def platform_workers(db_url: str, settings: Settings) -> Iterator[Workers]:
    """Worker processes on the test's database with the platform's catalogue, every job,
    reading the park's data and models from the test's var dir."""
    w = Workers(
        db_url, settings.var_dir, {"CHANRONG_JOBS_MODULES": "", "CHANRONG_JOBS_ENABLED": ""}
    )
    yield w
    w.stop()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_workers_run_each_platform_periodic_job_once(
    db_url: str,
    db: Database,
    settings: Settings,
    park: Park,
    platform_workers: Workers,
) -> None:
    _park_with_work(db, settings, park)
    periodic = {n for n, j in catalog.load(settings).items() if j.periodic}
    assert {"lending.daily_close", "lending.watch", "leasing.billing"} <= periodic
    w = platform_workers
    w.start()
    w.start()

    def settled() -> bool:
        runs = _periodic_runs(db, periodic)
        names = {r.name for r in runs if r.subject != "*"}
        return names == periodic and all(r.status == "succeeded" for r in runs)

    wait_for(settled, "every periodic job's runs", w, timeout=150)
    before = sorted((r.name, r.period, r.subject, r.attempts) for r in _periodic_runs(db, periodic))
    # Both workers go on ticking (every second): nothing runs again for these periods.
    time.sleep(4)
    runs = _periodic_runs(db, periodic)
    assert sorted((r.name, r.period, r.subject, r.attempts) for r in runs) == before
    assert all(r.attempts == 1 for r in runs), [(r.name, r.subject, r.attempts) for r in runs]
    keys = Counter((r.name, r.period, r.subject) for r in runs)
    assert max(keys.values()) == 1
    # The close's day: the period of its latest firing (00:30 Shanghai time closes yesterday).
    close = catalog.load(settings)["lending.daily_close"]
    fired = close.last_firing(utcnow())
    assert fired is not None
    as_of = date.fromisoformat(close.period_of(fired))
    lender = park["bank"]["officer"].org_id
    with db.unit_of_work() as s:
        closes = s.scalars(
            select(DailyClose).where(DailyClose.as_of == as_of, DailyClose.lender_org_id == lender)
        ).all()
        assert len(closes) == 1 and closes[0].balanced
        assert len(s.scalars(select(LeaseBill)).all()) == 1
        closes_logged = s.scalar(
            select(func.count())
            .select_from(LogEntryRow)
            .where(LogEntryRow.kind == "lending.daily_close")
        )
        all_closes = s.scalar(select(func.count()).select_from(DailyClose))
    # Each close (one per lender and day) logged once, by whichever worker ran it.
    assert closes_logged == all_closes
    # Both processes were there to race for it (each ran its own tick).
    assert all(p.poll() is None for p in w.procs)
