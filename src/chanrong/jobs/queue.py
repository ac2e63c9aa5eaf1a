"""What the rest of the platform calls to hand work to the worker, inside its own transaction.

``publish`` is the event hook: the door where data lands (telemetry's ingest service) calls
``publish(session, DATA_LANDED, org_id)`` — and ``PAYMENTS_LANDED`` too when payment records
came in — in the same transaction that stores the data. Nothing runs then: the row commits or
rolls back with the data, and the worker turns events into debounced runs of every job that
subscribes to the topic (``triggers=`` in ``<domain>/tasks.py``). ``enqueue`` asks for one
job's run for one subject and period directly (a job that must follow another one's commit).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Insert, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.jobs.orm import JobEvent, JobRun, RunStatus
from chanrong.storage.driver import Prepared

# Topics (kept here so publishers and subscribers spell them alike).
DATA_LANDED = "data.landed"  # subject: the enterprise's org id; any telemetry or records
PAYMENTS_LANDED = "payments.landed"  # subject: the payee's org id; payment records arrived
# subject: the payer's org id; records of its outgoing payments arrived (fund-use tracking)
OUTGOING_PAYMENTS_LANDED = "outgoing_payments.landed"
# subject: "-" (the one log); entries were appended to the verifiable log (a head is due)
LOG_GROWN = "log.grown"


def publish(session: Session, topic: str, subject: str, *, at: datetime | None = None) -> None:
    """Record that ``topic`` happened for ``subject``; the worker debounces it into runs."""
    # A Core statement: this runs inside every log append (the decision route's among them),
    # where an ORM object's unit of work cost more than the row. Within one second a topic
    # and subject keep one row not yet taken by the worker, moved to the latest time: the
    # debounce needs no more, and the worker's turn through the events stays short.
    when = at or utcnow()
    row = {
        "id": new_id(),
        "topic": topic,
        "subject": subject,
        "bucket": when.strftime("%Y-%m-%dT%H:%M:%S"),
        "at": when,
    }
    _PUBLISH[_on_postgresql(session)].execute(session, row)


def _upsert_event(pg: bool) -> Executable:
    stmt = (postgresql.insert if pg else sqlite.insert)(JobEvent)
    latest = (func.greatest if pg else func.max)(JobEvent.at, stmt.excluded.at)
    return stmt.on_conflict_do_update(
        index_elements=["topic", "subject", "bucket"], set_={"at": latest}
    )


# Built once per dialect, values bound at execution, and compiled once (``Prepared``): on
# SQLite inside a writing transaction (every log append, once per group-commit batch) it
# runs on the DBAPI cursor; elsewhere through SQLAlchemy as before. Pending ORM changes are
# flushed first either way, as the ORM's own execution of the statement did.
_PUBLISH = {
    pg: Prepared(
        cast(Insert, _upsert_event(pg)).values(
            {k: bindparam(k) for k in ("id", "topic", "subject", "bucket", "at")}
        )
    )
    for pg in (False, True)
}


def _on_postgresql(session: Session) -> bool:
    # Both dialects' INSERT … ON CONFLICT; SQLite's two-argument max() is PostgreSQL's greatest().
    return session.get_bind().dialect.name == "postgresql"


def ensure_runs(
    session: Session,
    name: str,
    period: str,
    subjects: list[str],
    *,
    due_at: datetime,
    not_before: datetime | None = None,
) -> None:
    """Record a pending run per subject unless one exists for (name, period, subject)."""
    if not subjects:
        return
    now = utcnow()
    rows = [
        {
            "id": new_id(),
            "name": name,
            "period": period,
            "subject": s,
            "status": RunStatus.PENDING,
            "attempts": 0,
            "due_at": due_at,
            "not_before": not_before or due_at,
            "created_at": now,
        }
        for s in dict.fromkeys(subjects)
    ]
    stmt = (postgresql.insert if _on_postgresql(session) else sqlite.insert)(JobRun)
    # Whoever recorded the run first wins; a second fan-out or enqueue changes nothing.
    for start in range(0, len(rows), 500):
        session.execute(
            stmt.on_conflict_do_nothing(index_elements=["name", "period", "subject"]),
            rows[start : start + 500],
        )


def enqueue(
    session: Session,
    name: str,
    subject: str,
    period: str,
    *,
    not_before: datetime | None = None,
) -> None:
    """Ask for ``name``'s run for ``subject`` in ``period`` (once: asking again changes
    nothing), in the caller's transaction."""
    now = utcnow()
    ensure_runs(session, name, period, [subject], due_at=now, not_before=not_before or now)


def succeeded_periods(session: Session, name: str, subject: str, periods: list[str]) -> set[str]:
    """Which of ``periods`` the job ``name`` has done for ``subject`` (a job that must not act
    before another one has, e.g. a merge that would hide what a quality run counts)."""
    if not periods:
        return set()
    rows = session.execute(
        select(JobRun.period).where(
            JobRun.name == name,
            JobRun.subject == subject,
            JobRun.status == RunStatus.SUCCEEDED,
            JobRun.period.in_(periods),
        )
    ).scalars()
    return set(rows)
