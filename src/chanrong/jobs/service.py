"""What the operator sees of the worker (``chanrong jobs status``, the console): each job's
runs by state, its failures and its lag, and the recent runs themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import ValidationFailed
from chanrong.jobs.orm import JobRun, RunStatus
from chanrong.jobs.registry import FAN_OUT, Job

__all__ = ["JobStatus", "RunView", "overview", "recent_runs"]


@dataclass(frozen=True, slots=True)
class RunView:
    """One run as shown to the operator."""

    name: str
    period: str
    subject: str
    status: str
    attempts: int
    due_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker: str | None
    detail: str | None
    error: str | None
    lag_s: int | None  # how long after it fell due it started (None: not started)

    @classmethod
    def of(cls, r: JobRun) -> RunView:
        return cls(
            name=r.name,
            period=r.period,
            subject=r.subject,
            status=r.status,
            attempts=r.attempts,
            due_at=r.due_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
            worker=r.worker,
            detail=r.detail,
            error=r.error,
            lag_s=_seconds(r.started_at - r.due_at) if r.started_at else None,
        )


@dataclass(frozen=True, slots=True)
class JobStatus:
    """One job: its schedule, its runs by state, and how far behind it is."""

    job: Job
    counts: dict[str, int]
    last_period: str | None
    last_success_at: datetime | None
    waiting: int  # runs due now and not started (pending or failed past their back-off)
    lag_s: int | None  # age of the oldest of those: how far behind the worker is

    @property
    def failures(self) -> int:
        return self.counts.get(RunStatus.FAILED, 0) + self.counts.get(RunStatus.DEAD, 0)


def _seconds(delta: timedelta) -> int:
    return max(int(delta.total_seconds()), 0)


def overview(
    session: Session, jobs: dict[str, Job], *, now: datetime | None = None
) -> list[JobStatus]:
    """Every registered job with its runs (fan-out records left out) by state and its lag."""
    at = now or utcnow()
    counts: dict[str, dict[str, int]] = {}
    for name, status, n in session.execute(
        select(JobRun.name, JobRun.status, func.count())
        .where(JobRun.subject != FAN_OUT)
        .group_by(JobRun.name, JobRun.status)
    ):
        counts.setdefault(name, {})[status] = int(n)
    last: dict[str, tuple[str | None, datetime | None]] = {}
    for job_name, max_period, done in session.execute(
        select(JobRun.name, func.max(JobRun.period), func.max(JobRun.finished_at))
        .where(JobRun.subject != FAN_OUT)
        .group_by(JobRun.name)
    ):
        last[job_name] = (max_period, done)
    waiting: dict[str, tuple[int, datetime | None]] = {}
    for wait_name, n_due, first_due in session.execute(
        select(JobRun.name, func.count(), func.min(JobRun.due_at))
        .where(
            JobRun.status.in_((RunStatus.PENDING, RunStatus.FAILED)),
            JobRun.not_before <= at,
        )
        .group_by(JobRun.name)
    ):
        waiting[wait_name] = (int(n_due), first_due)
    succeeded_at = dict(
        session.execute(
            select(JobRun.name, func.max(JobRun.finished_at))
            .where(JobRun.status == RunStatus.SUCCEEDED, JobRun.subject != FAN_OUT)
            .group_by(JobRun.name)
        ).all()
    )
    out = []
    for name, job in jobs.items():
        n_wait, oldest = waiting.get(name, (0, None))
        oldest_at = _aware(oldest)
        period, _ = last.get(name, (None, None))
        out.append(
            JobStatus(
                job=job,
                counts=counts.get(name, {}),
                last_period=period,
                last_success_at=_aware(succeeded_at.get(name)),
                waiting=n_wait,
                lag_s=_seconds(at - oldest_at) if oldest_at is not None else None,
            )
        )
    return out


def _aware(value: datetime | None) -> datetime | None:
    # Aggregates bypass the column type: SQLite hands back naive UTC (or text).
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def recent_runs(
    session: Session,
    *,
    name: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[RunView]:
    """The latest runs (newest first), of one job or state if asked."""
    if status is not None and status not in RunStatus.ALL:
        raise ValidationFailed(
            f"status: {status!r} is not one of {', '.join(RunStatus.ALL)}", field="status"
        )
    stmt = select(JobRun).where(JobRun.subject != FAN_OUT)
    if name is not None:
        stmt = stmt.where(JobRun.name == name)
    if status is not None:
        stmt = stmt.where(JobRun.status == status)
    stmt = stmt.order_by(JobRun.created_at.desc(), JobRun.id.desc()).limit(limit)
    return [RunView.of(r) for r in session.scalars(stmt)]
