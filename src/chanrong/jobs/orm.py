"""The worker's durable record: one row per job, period and subject; events not yet handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class RunStatus:
    """The states of a run (strings in the table)."""

    PENDING = "pending"  # recorded, waiting for its time (debounce, retry back-off)
    RUNNING = "running"  # claimed by a worker whose lease is renewed while it works
    SUCCEEDED = "succeeded"  # done, committed with the work itself: never run again
    FAILED = "failed"  # the last attempt raised; tried again after a back-off
    DEAD = "dead"  # every attempt failed; an operator runs it again by hand

    ALL = (PENDING, RUNNING, SUCCEEDED, FAILED, DEAD)


class JobRun(Base):
    """A period's job for a subject: done at most once, even across workers and restarts."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("name", "period", "subject"),
        Index("ix_job_runs_status_not_before", "status", "not_before"),
        Index("ix_job_runs_name_created_at", "name", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the work became due (the scheduled time, or the first event of a window): the
    # lag of a run is how long after this it started.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    # An event window may be pushed back by later events only up to here.
    window_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    worker: Mapped[str | None] = mapped_column(String(100))
    claim: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    detail: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JobEvent(Base):
    """Something happened that event jobs subscribe to (written in the caller's transaction,
    turned into debounced runs by the worker)."""

    __tablename__ = "job_events"
    __table_args__ = (UniqueConstraint("topic", "subject", "bucket"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    # The second it happened in: events of a topic and subject within one second share a row
    # (its ``at`` the latest), since the worker's debounce reads only a subject's first and
    # last event. A busy topic (every log append publishes one) then writes one row a second.
    bucket: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
