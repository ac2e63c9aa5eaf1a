"""The worker on the embedded SQLite default: one process runs every job, one at a time.

SQLite lets one writer in at a time, so several workers would only queue behind each other;
the same job definitions, schedule and exactly-once record (``job_runs``) are used as on
PostgreSQL, and the queue is the record itself: the loop ticks (events, fan-outs), then runs
every run that is due — pending, failed past its back-off, or left running by a dead worker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.jobs import runner, runs
from chanrong.jobs.registry import FAN_OUT, Job
from chanrong.storage.database import Database

log = structlog.get_logger("chanrong.jobs")


def run_due(
    db: Database,
    settings: Settings,
    jobs: dict[str, Job],
    *,
    worker: str,
    stop: threading.Event,
    limit: int = 200,
) -> int:
    """Run every due run (up to ``limit``); returns how many this worker took."""
    with db.unit_of_work() as s:
        due = [(r.name, r.period, r.subject) for r in runs.due_runs(s, now=utcnow(), limit=limit)]
    n = 0
    for name, period, subject in due:
        if stop.is_set():
            break
        job = jobs.get(name)
        if job is None:
            log.warning("run of an unknown job left alone", job=name, period=period)
            continue
        if subject == FAN_OUT:
            out = runner.fan_out(db, settings, job, period, worker=worker)
        else:
            out = runner.run_one(db, settings, job, period, subject, worker=worker)
        n += out.status not in runner.NOT_TAKEN
    return n


def serve(
    db: Database,
    settings: Settings,
    jobs: dict[str, Job],
    *,
    stop: threading.Event,
    until_idle: bool = False,
    on_tick: Callable[[], None] | None = None,
) -> None:
    """Tick and run due work until ``stop`` is set (or, ``until_idle``, nothing is due)."""
    worker = runner.worker_name()
    log.info("worker started", engine="local", jobs=len(jobs), worker=worker)
    while not stop.is_set():
        runner.tick(db, settings, jobs, worker=worker)
        ran = run_due(db, settings, jobs, worker=worker, stop=stop)
        if on_tick:
            on_tick()
        if ran:
            continue  # more may have become due meanwhile (a fan-out's runs)
        if until_idle:
            break
        stop.wait(settings.jobs_tick_seconds)
    log.info("worker stopped", engine="local", worker=worker)
