"""The worker's own upkeep: forget old windows of event-driven jobs.

Every window an event opens leaves a run record (the head-signing job alone may leave one per
tick under steady traffic). Periodic runs are kept: one per subject and period, and the latest
period's record is what stops a period from running twice. A finished event window is only a
history line, so those older than ``jobs_keep_event_runs_days`` are deleted daily, in batches.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from chanrong.jobs.orm import JobRun, RunStatus
from chanrong.jobs.registry import Cadence, JobContext, job, registered

PRUNE = "jobs.prune_event_runs"
BATCH = 5000


@job(PRUNE, cadence=Cadence.DAILY, cron="0 4 * * *", lease=timedelta(minutes=10))
def prune_event_runs(ctx: JobContext) -> str:
    """Delete the succeeded runs of event-driven jobs finished more than the kept days ago."""
    names = [n for n, j in registered().items() if j.cadence is Cadence.EVENT]
    before = ctx.now - timedelta(days=ctx.settings.jobs_keep_event_runs_days)
    deleted = 0
    while True:
        ids = list(
            ctx.session.scalars(
                select(JobRun.id)
                .where(
                    JobRun.name.in_(names),
                    JobRun.status == RunStatus.SUCCEEDED,
                    JobRun.finished_at < before,
                )
                .limit(BATCH)
            )
        )
        if not ids:
            break
        ctx.session.execute(delete(JobRun).where(JobRun.id.in_(ids)))
        deleted += len(ids)
    return f"{deleted} event run(s) finished before {before:%Y-%m-%d} deleted"
