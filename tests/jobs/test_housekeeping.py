"""The worker forgets old finished windows of event-driven jobs, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.core.settings import Settings
from chanrong.jobs import catalog, runner
from chanrong.jobs.housekeeping import PRUNE
from chanrong.jobs.orm import JobRun
from chanrong.storage.database import Database

sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _run(name: str, status: str, days_ago: int, period: str = "w1") -> dict[str, object]:
    at = utcnow() - timedelta(days=days_ago)
    return {
        "id": new_id(), "name": name, "period": period, "subject": "-", "status": status,
        "attempts": 1, "due_at": at, "not_before": at, "finished_at": at, "created_at": at,
    }  # fmt: skip


@sqlite_only
def test_old_succeeded_event_windows_are_deleted_and_the_rest_kept(
    db: Database, settings: Settings
) -> None:
    keep = settings.jobs_keep_event_runs_days
    rows = {
        "old window": _run("governance.sign_head", "succeeded", keep + 2, "w-old"),
        "recent window": _run("governance.sign_head", "succeeded", 1, "w-new"),
        "old dead window": _run("credit.profile_on_data", "dead", keep + 2),
        "old daily run": _run("lending.daily_close", "succeeded", keep + 40, "2020-01-01"),
    }
    with db.unit_of_work() as s:
        s.execute(JobRun.__table__.insert(), list(rows.values()))
    [out] = runner.run_manually(db, settings, catalog.load(settings), PRUNE, subject="-")
    assert out.status == "succeeded" and out.detail is not None
    assert out.detail.startswith("1 event run(s)")
    with db.unit_of_work() as s:
        left = set(s.scalars(select(JobRun.id)))
    assert rows["old window"]["id"] not in left
    for what in ("recent window", "old dead window", "old daily run"):
        assert rows[what]["id"] in left, what
