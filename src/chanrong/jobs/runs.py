"""Claiming, renewing and closing runs in ``job_runs``: the exactly-once record.

A run is claimed by a compare-and-set in its own short transaction (a token and a lease);
the work then happens in one unit of work that also marks the run succeeded — only if the
token is still the worker's — so the work and the record commit together or not at all.
A failure is recorded with a back-off; a run whose worker died (its lease ran out) can be
claimed again.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import ColumnElement, CursorResult, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.jobs.orm import JobEvent, JobRun, RunStatus
from chanrong.jobs.queue import ensure_runs
from chanrong.jobs.registry import Job, subscribers
from chanrong.storage.database import Database

log = structlog.get_logger("chanrong.jobs")

_ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Claim:
    """A worker's hold on one run."""

    run_id: str
    token: str
    attempt: int
    name: str
    period: str
    subject: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a run was not claimed: ``done``, ``dead``, ``busy`` (another worker's live lease)
    or ``not_due`` (a debounce or back-off); ``until`` says when to look again."""

    reason: str
    until: datetime | None = None


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def find(session: Session, name: str, period: str, subject: str) -> JobRun | None:
    return session.scalars(
        select(JobRun).where(
            JobRun.name == name, JobRun.period == period, JobRun.subject == subject
        )
    ).one_or_none()


def claim(
    db: Database,
    job: Job,
    period: str,
    subject: str,
    *,
    worker: str,
    manual: bool = False,
    now: datetime | None = None,
) -> Claim | Refusal:
    """Take the run for this worker, or say why not. ``manual`` (an operator's ``jobs run``)
    ignores back-off and debounce and revives a dead run; it never repeats a succeeded one."""
    at = now or utcnow()
    token = new_id()
    with db.unit_of_work() as s:
        row = find(s, job.name, period, subject)
        if row is None:
            ensure_runs(s, job.name, period, [subject], due_at=at)
            row = find(s, job.name, period, subject)
            assert row is not None
        claimable: list[ColumnElement[bool]] = [
            JobRun.status.in_((RunStatus.PENDING, RunStatus.FAILED))
        ]
        claimable.append(and_(JobRun.status == RunStatus.RUNNING, JobRun.lease_until < at))
        if manual:
            claimable.append(JobRun.status == RunStatus.DEAD)
        cond: list[ColumnElement[bool]] = [JobRun.id == row.id, or_(*claimable)]
        if not manual:
            cond.append(JobRun.not_before <= at)
        taken = s.execute(
            update(JobRun)
            .where(*cond)
            .values(
                status=RunStatus.RUNNING,
                attempts=JobRun.attempts + 1,
                claim=token,
                worker=worker[:100],
                lease_until=at + job.lease,
                started_at=at,
                finished_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        if _rowcount(taken) != 1:
            s.expire(row)
            return _refusal(s.get(JobRun, row.id))
        s.expire(row)
        fresh = s.get(JobRun, row.id)
        assert fresh is not None
        return Claim(row.id, token, fresh.attempts, job.name, period, subject)


def _refusal(row: JobRun | None) -> Refusal:
    if row is None:  # pragma: no cover (rows are never deleted)
        return Refusal("done")
    if row.status == RunStatus.SUCCEEDED:
        return Refusal("done")
    if row.status == RunStatus.DEAD:
        return Refusal("dead")
    if row.status == RunStatus.RUNNING:
        return Refusal("busy", row.lease_until)
    return Refusal("not_due", row.not_before)


def finish(session: Session, c: Claim, detail: str | None, *, now: datetime | None = None) -> None:
    """Mark the run succeeded in the work's own transaction; a worker that lost its claim
    (its lease ran out and another worker took the run) raises, so its work rolls back."""
    done = session.execute(
        update(JobRun)
        .where(JobRun.id == c.run_id, JobRun.claim == c.token, JobRun.status == RunStatus.RUNNING)
        .values(
            status=RunStatus.SUCCEEDED,
            finished_at=now or utcnow(),
            lease_until=None,
            detail=(detail or "")[:500] or None,
        )
        .execution_options(synchronize_session=False)
    )
    if _rowcount(done) != 1:
        raise LostClaim(f"{c.name} {c.period} {c.subject}: another worker took this run over")


class LostClaim(RuntimeError):
    """The run's lease ran out and another worker claimed it: this attempt must not commit."""


def record_failure(
    db: Database, job: Job, c: Claim, exc: BaseException, *, now: datetime | None = None
) -> datetime | None:
    """Record a failed attempt; returns when to try again, or None when it is dead."""
    at = now or utcnow()
    dead = c.attempt >= job.max_attempts
    retry_at = None if dead else at + job.backoff(c.attempt)
    text = f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]
    with db.unit_of_work() as s:
        s.execute(
            update(JobRun)
            .where(JobRun.id == c.run_id, JobRun.claim == c.token)
            .values(
                status=RunStatus.DEAD if dead else RunStatus.FAILED,
                finished_at=at,
                lease_until=None,
                not_before=retry_at or at,
                error=text,
            )
            .execution_options(synchronize_session=False)
        )
    return retry_at


class Heartbeat:
    """Renews a claim's lease from a thread while the work runs, so a live worker keeps its
    run and a dead one (SIGKILL, lost machine) lets it go when the lease runs out."""

    def __init__(self, db: Database, c: Claim, lease: timedelta) -> None:
        self._db, self._claim, self._lease = db, c, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{c.run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _beat(self) -> None:
        every = max(self._lease.total_seconds() / 3, 0.2)
        while not self._stop.wait(every):
            try:
                with self._db.unit_of_work() as s:
                    s.execute(
                        update(JobRun)
                        .where(
                            JobRun.id == self._claim.run_id,
                            JobRun.claim == self._claim.token,
                            JobRun.status == RunStatus.RUNNING,
                        )
                        .values(lease_until=utcnow() + self._lease)
                        .execution_options(synchronize_session=False)
                    )
            except Exception as exc:  # a missed beat is retried; the lease has slack
                log.warning("lease renewal failed", run=self._claim.run_id, error=str(exc))


def window_key(at: datetime) -> str:
    """The period key of an event window opened at ``at``."""
    return at.strftime("w%Y-%m-%dT%H:%M:%S.%fZ")


def absorb_events(db: Database, *, limit: int = 2000) -> int:
    """Turn published events into debounced runs of the jobs subscribed to them.

    Each event is taken by exactly one worker (a delete that returns what it removed). An
    event joins the subject's open window (a pending run not started yet), pushing its start
    back by the debounce but never past the window's limit; otherwise it opens a new window.
    """
    with db.unit_of_work() as s:
        ids = select(JobEvent.id).order_by(JobEvent.at).limit(limit).scalar_subquery()
        taken = s.execute(
            delete(JobEvent)
            .where(JobEvent.id.in_(ids))
            .returning(JobEvent.topic, JobEvent.subject, JobEvent.at)
        ).all()
        for topic, subject, at in _first_and_last(taken):
            jobs = subscribers(topic)
            if not jobs:
                log.warning("event without subscriber", topic=topic, subject=subject)
            for j in jobs:
                _debounce(s, j, subject, at)
        return len(taken)


def _first_and_last(taken: Sequence[Any]) -> list[tuple[str, str, datetime]]:
    """Each (topic, subject)'s first and last event, in time order.

    Debouncing is monotone: the first event opens (or joins) a window and each later one only
    pushes its start back, capped at the window's limit, so the last event alone decides the
    outcome of all those in between. A busy topic (every log append publishes one) then costs
    two window updates per tick, not one per event.
    """
    seen: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    for topic, subject, at in sorted(taken, key=lambda e: e[2]):
        first = seen.get((topic, subject), (at, at))[0]
        seen[(topic, subject)] = (first, at)
    out = [(t, sub, at) for (t, sub), ends in seen.items() for at in dict.fromkeys(ends)]
    return sorted(out, key=lambda e: e[2])


def _debounce(s: Session, j: Job, subject: str, at: datetime) -> None:
    open_window = s.scalars(
        select(JobRun)
        .where(
            JobRun.name == j.name,
            JobRun.subject == subject,
            JobRun.status == RunStatus.PENDING,
            JobRun.window_closes_at.is_not(None),
        )
        .order_by(JobRun.created_at.desc())
        .limit(1)
    ).first()
    if open_window is not None and open_window.window_closes_at is not None:
        later = min(max(open_window.not_before, at + j.debounce), open_window.window_closes_at)
        # Only a window nobody has started may absorb the event: a run already claimed may
        # have read the data before this event's data committed.
        pushed = s.execute(
            update(JobRun)
            .where(JobRun.id == open_window.id, JobRun.status == RunStatus.PENDING)
            .values(not_before=later)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(pushed) == 1:
            return
    key = window_key(at)
    # Quiet for the debounce after its last event (an event seen late may be due at once).
    ensure_runs(s, j.name, key, [subject], due_at=at, not_before=at + j.debounce)
    s.execute(
        update(JobRun)
        .where(JobRun.name == j.name, JobRun.period == key, JobRun.subject == subject)
        .values(window_closes_at=at + j.debounce + j.max_wait)
        .execution_options(synchronize_session=False)
    )


def due_runs(
    session: Session,
    *,
    now: datetime,
    limit: int = 500,
    include_expired: bool = True,
    redispatch_after: timedelta | None = None,
) -> list[JobRun]:
    """Runs ready to start: pending or failed whose time has come, and (``include_expired``)
    running ones whose worker's lease ran out. ``redispatch_after`` leaves out runs handed
    to the queue more recently than that."""
    ready: list[ColumnElement[bool]] = [
        and_(
            JobRun.status.in_((RunStatus.PENDING, RunStatus.FAILED)),
            JobRun.not_before <= now,
        )
    ]
    if include_expired:
        ready.append(and_(JobRun.status == RunStatus.RUNNING, JobRun.lease_until < now))
    stmt = select(JobRun).where(or_(*ready))
    if redispatch_after is not None:
        stmt = stmt.where(
            or_(JobRun.dispatched_at.is_(None), JobRun.dispatched_at < now - redispatch_after)
        )
    return list(session.scalars(stmt.order_by(JobRun.not_before).limit(limit)))


def mark_dispatched(session: Session, run_ids: list[str], at: datetime) -> None:
    """Note that these runs were handed to the task queue (so the next tick skips them)."""
    for start in range(0, len(run_ids), 500):
        session.execute(
            update(JobRun)
            .where(JobRun.id.in_(run_ids[start : start + 500]))
            .values(dispatched_at=at)
            .execution_options(synchronize_session=False)
        )
