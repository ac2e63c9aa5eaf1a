"""The worker on PostgreSQL: procrastinate shares the runs among any number of workers.

procrastinate (a PostgreSQL task queue; its schema lives in the ``procrastinate`` schema,
installed by the ``jobs`` migration) brings what a home-made queue would get wrong: jobs
fetched with row locks so each goes to one worker, LISTEN/NOTIFY wake-ups, a periodic
deferrer that defers each tick once across all workers, queueing locks, retries at a given
time, and worker heartbeats that tell which running jobs a dead worker left behind.

Two tasks:
- ``chanrong.tick`` (periodic, every ``CHANRONG_JOBS_TICK_SECONDS``): events into runs,
  fan-outs of periodic jobs that fell due, due runs handed to the queue (a queueing lock per
  run, so a run is never queued twice), and stalled jobs of dead workers queued again;
- ``chanrong.run_job(name, period, subject)``: one run through the shared runner, which
  keeps the exactly-once record. A failure, a debounce or another worker's live lease comes
  back as a retry at the time the record says.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import datetime, timedelta
from typing import Any

import procrastinate
import structlog
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from sqlalchemy.engine import make_url

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.jobs import runner, runs
from chanrong.jobs.registry import FAN_OUT, Job
from chanrong.storage.database import Database

log = structlog.get_logger("chanrong.jobs")

QUEUE_SCHEMA = "procrastinate"
# A run handed to the queue is handed again only after this, in case its job was lost.
REDISPATCH_AFTER = timedelta(minutes=5)


class RetryLater(Exception):
    """Bring this run back at ``at`` (its back-off, debounce or another worker's lease)."""

    def __init__(self, what: str, at: datetime | None) -> None:
        super().__init__(what)
        self.at = at


class RunDead(Exception):
    """Every attempt failed: the queue marks the job failed; the record says why."""


class _AsTheRecordSays(BaseRetryStrategy):
    """Retry when chanrong's record says, never on anything else (its own bugs surface)."""

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if isinstance(exception, RetryLater):
            return RetryDecision(retry_at=exception.at or utcnow())
        return None


def conninfo(url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def lock_of(name: str, period: str, subject: str) -> str:
    return f"run:{name}|{period}|{subject}"


class Engine:
    """A procrastinate app wired to chanrong's jobs."""

    def __init__(self, db: Database, settings: Settings, jobs: dict[str, Job]) -> None:
        self.db = db
        self.settings = settings
        self.jobs: dict[str, Job] = jobs
        self.worker = runner.worker_name()
        self.heartbeat = settings.jobs_heartbeat_seconds
        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(settings.effective_database_url),
            kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"},
            min_size=1,
            max_size=4,
        )
        # max_delay: a tick missed while no worker ran is not made up (the next one is).
        self.app = procrastinate.App(connector=connector, periodic_defaults={"max_delay": 60})
        self._register()

    def _register(self) -> None:
        run_task = self.app.task(
            name="chanrong.run_job", retry=_AsTheRecordSays(), pass_context=False
        )(self._run_job)
        self.run_task = run_task
        every = self.settings.jobs_tick_seconds
        tick_task = self.app.task(
            name="chanrong.tick", queueing_lock="chanrong.tick", pass_context=False
        )(self._tick)
        # croniter's optional sixth field is seconds.
        self.app.periodic(cron=f"* * * * * */{every}", periodic_id="tick")(tick_task)

    def _run_job(self, name: str, period: str, subject: str) -> str:
        job = self.jobs.get(name)
        if job is None:
            raise RunDead(f"no job {name!r} in this worker (is it deployed everywhere?)")
        if subject == FAN_OUT:
            out = runner.fan_out(self.db, self.settings, job, period, worker=self.worker)
        else:
            out = runner.run_one(self.db, self.settings, job, period, subject, worker=self.worker)
        if out.status == "dead":
            raise RunDead(out.detail or "every attempt failed")
        if out.status in ("failed", "busy", "not_due"):
            raise RetryLater(f"{name} {period} {subject}: {out.status}", out.retry_at)
        return out.status

    async def _tick(self, timestamp: int) -> None:
        await asyncio.to_thread(runner.tick, self.db, self.settings, self.jobs, worker=self.worker)
        await self.dispatch()
        await self.requeue_stalled()

    async def dispatch(self) -> int:
        """Hand every due run to the queue; a queueing lock per run stops a second copy."""
        now = utcnow()

        def due() -> list[tuple[str, str, str]]:
            with self.db.unit_of_work() as s:
                rows = runs.due_runs(
                    s,
                    now=now,
                    limit=2000,
                    include_expired=False,
                    redispatch_after=REDISPATCH_AFTER,
                )
                runs.mark_dispatched(s, [r.id for r in rows], now)
                return [(r.name, r.period, r.subject) for r in rows]

        handed = 0
        for name, period, subject in await asyncio.to_thread(due):
            try:
                await self.run_task.configure(
                    queueing_lock=lock_of(name, period, subject)
                ).defer_async(name=name, period=period, subject=subject)
                handed += 1
            except AlreadyEnqueued:
                pass  # queued already (or waiting for its retry): nothing to add
        return handed

    async def requeue_stalled(self) -> int:
        """Queue again the jobs a dead worker was running (its heartbeats stopped)."""
        stalled = list(
            await self.app.job_manager.get_stalled_jobs(seconds_since_heartbeat=self.heartbeat * 3)
        )
        for job in stalled:
            try:
                await self.app.job_manager.retry_job(job)
                log.warning("stalled job queued again", job=job.task_name, args=job.task_kwargs)
            except Exception as exc:  # e.g. a second copy queued meanwhile holds the lock
                log.warning("stalled job not requeued", job=job.id, error=str(exc))
        return len(stalled)

    async def serve(self, *, stop: threading.Event | None = None, until_idle: bool = False) -> None:
        """Run the procrastinate worker (until SIGINT/SIGTERM, ``stop``, or idle)."""
        async with self.app.open_async():
            if until_idle:
                await self._tick(int(utcnow().timestamp()))
            worker = asyncio.create_task(
                self.app.run_worker_async(
                    name=self.worker,
                    concurrency=1,
                    wait=not until_idle,
                    update_heartbeat_interval=self.heartbeat,
                    stalled_worker_timeout=self.heartbeat * 3,
                    delete_jobs="successful",
                    fetch_job_polling_interval=max(self.settings.jobs_tick_seconds / 2, 0.5),
                    install_signal_handlers=stop is None,
                )
            )
            log.info(
                "worker started", engine="procrastinate", jobs=len(self.jobs), worker=self.worker
            )
            if stop is not None:
                while not worker.done() and not stop.is_set():
                    await asyncio.sleep(0.2)
                if not worker.done():
                    worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            log.info("worker stopped", engine="procrastinate", worker=self.worker)
