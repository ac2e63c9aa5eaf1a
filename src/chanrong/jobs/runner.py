"""Running one run, fanning a period out to its subjects, and the tick both engines share.

The engines (``engines.py``: procrastinate on PostgreSQL, one local loop on SQLite) differ
only in who calls these functions and how a failed run is brought back: the schedule, the
fan-out, the exactly-once record and the retry timing live here, once.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.jobs import runs
from chanrong.jobs.orm import JobRun, RunStatus
from chanrong.jobs.queue import ensure_runs
from chanrong.jobs.registry import FAN_OUT, WHOLE, Cadence, Job, JobContext, parse_period
from chanrong.storage.database import Database

log = structlog.get_logger("chanrong.jobs")


def worker_name(role: str = "worker") -> str:
    """Who holds a claim: host and process, readable on the console."""
    return f"{role}@{socket.gethostname()}:{os.getpid()}"


# Outcomes of a run this worker did not take (someone else has it, or it is not time yet).
NOT_TAKEN = frozenset({"done", "dead", "busy", "not_due"})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one attempt to run a run."""

    name: str
    period: str
    subject: str
    status: str  # succeeded | failed | dead | done | busy | not_due
    detail: str | None = None
    retry_at: datetime | None = None


def job_of(jobs: dict[str, Job], name: str) -> Job:
    """The job called ``name``, or a NotFound naming it."""
    try:
        return jobs[name]
    except KeyError:
        raise NotFound(
            f"job: no job {name!r} (known: {', '.join(sorted(jobs))})", field="job"
        ) from None


def run_one(
    db: Database,
    settings: Settings,
    job: Job,
    period: str,
    subject: str,
    *,
    worker: str,
    manual: bool = False,
) -> Outcome:
    """Claim the run and, if this worker got it, do the work and record it as one commit."""
    got = runs.claim(db, job, period, subject, worker=worker, manual=manual)
    if isinstance(got, runs.Refusal):
        return Outcome(job.name, period, subject, got.reason, retry_at=got.until)
    bound = log.bind(job=job.name, period=period, subject=subject, attempt=got.attempt)
    bound.info("job started")
    try:
        with runs.Heartbeat(db, got, job.lease), db.unit_of_work() as session:
            ctx = JobContext(
                session=session,
                settings=settings,
                job=job.name,
                period=period,
                subject=subject,
                attempt=got.attempt,
                now=utcnow(),
            )
            detail = job.run(ctx)
            runs.finish(session, got, detail)
    except Exception as exc:
        retry_at = runs.record_failure(db, job, got, exc)
        bound.warning(
            "job failed",
            error=f"{type(exc).__name__}: {exc}",
            retry_at=retry_at.isoformat() if retry_at else None,
        )
        status = RunStatus.FAILED if retry_at else RunStatus.DEAD
        return Outcome(job.name, period, subject, status, f"{type(exc).__name__}: {exc}", retry_at)
    bound.info("job done", detail=detail)
    return Outcome(job.name, period, subject, RunStatus.SUCCEEDED, detail)


def fan_out_job(job: Job, settings: Settings) -> Job:
    """The fan-out of a periodic job as a job of its own: it records a pending run for each
    subject due in the period (one run under subject ``*``), in one commit."""

    def fan(ctx: JobContext) -> str:
        found = list(job.subjects(ctx.session, settings, ctx.period)) if job.subjects else [WHOLE]
        ensure_runs(ctx.session, job.name, ctx.period, found, due_at=_due_at(ctx, job))
        return f"{len(found)} subject(s)"

    return Job(
        name=job.name,
        run=fan,
        summary=job.summary,
        cadence=job.cadence,
        max_attempts=job.max_attempts,
        lease=job.lease,
        retry_base=job.retry_base,
    )


def _due_at(ctx: JobContext, job: Job) -> datetime:
    fired = job.last_firing(ctx.now)
    return fired if fired is not None and job.period_of(fired) == ctx.period else ctx.now


def fan_out(
    db: Database,
    settings: Settings,
    job: Job,
    period: str,
    *,
    worker: str,
    manual: bool = False,
) -> Outcome:
    """Record the period's runs of a periodic job, once (its own run, subject ``*``)."""
    return run_one(
        db, settings, fan_out_job(job, settings), period, FAN_OUT, worker=worker, manual=manual
    )


def tick(
    db: Database,
    settings: Settings,
    jobs: dict[str, Job],
    *,
    worker: str,
    now: datetime | None = None,
) -> list[Outcome]:
    """What every worker does every few seconds: turn events into runs, and fan out each
    periodic job's latest period if that has not happened yet (a worker that was down when
    a job fell due catches up on its start)."""
    at = now or utcnow()
    runs.absorb_events(db)
    out = []
    for job in jobs.values():
        fired = job.last_firing(at)
        if fired is None:
            continue
        period = job.period_of(fired)
        with db.unit_of_work() as s:
            row = runs.find(s, job.name, period, FAN_OUT)
            if row is None:
                ensure_runs(s, job.name, period, [FAN_OUT], due_at=fired)
            elif row.status in (RunStatus.SUCCEEDED, RunStatus.DEAD):
                continue
        out.append(fan_out(db, settings, job, period, worker=worker))
    return out


def run_manually(
    db: Database,
    settings: Settings,
    jobs: dict[str, Job],
    name: str,
    *,
    subject: str | None = None,
    period: str | None = None,
) -> list[Outcome]:
    """``chanrong jobs run``: a job's period now, in this process, under the same record.

    Without ``--period`` a periodic job runs its latest due period and an event job opens a
    new window; without ``--subject`` a fan-out job runs every subject due in the period.
    A run already done in that period is not done again.
    """
    job = job_of(jobs, name)
    who = worker_name("manual")
    now = utcnow()
    if period is None:
        fired = job.last_firing(now)
        period = job.period_of(fired) if fired is not None else runs.window_key(now)
    elif job.cadence is not Cadence.EVENT:
        parse_period(job.cadence, period)
    if subject is not None:
        return [run_one(db, settings, job, period, subject, worker=who, manual=True)]
    if job.cadence is Cadence.EVENT:
        raise ValidationFailed("subject: an event job runs for one subject", field="subject")
    outcomes = [fan_out(db, settings, job, period, worker=who, manual=True)]
    with db.unit_of_work() as s:
        subjects = [r.subject for r in _period_runs(s, job.name, period)]
    outcomes += [
        run_one(db, settings, job, period, sub, worker=who, manual=True) for sub in subjects
    ]
    return outcomes


def _period_runs(session: Session, name: str, period: str) -> list[JobRun]:
    return list(
        session.scalars(
            select(JobRun)
            .where(JobRun.name == name, JobRun.period == period, JobRun.subject != FAN_OUT)
            .order_by(JobRun.subject)
        )
    )
