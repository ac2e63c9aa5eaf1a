"""The exactly-once record on both backends: claims, failures and back-off, lost leases, and
events debounced into windows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.credit import tasks as credit_tasks
from chanrong.jobs import queue, runner, runs
from chanrong.jobs.orm import JobRun
from chanrong.jobs.registry import Cadence, Job, JobContext
from chanrong.storage.database import Database


def _job(fn: object, **kw: object) -> Job:
    return Job(
        name="test.job",
        run=fn,
        summary="test",
        cadence=Cadence.DAILY,  # type: ignore[arg-type]
        cron="0 1 * * *",
        **kw,  # type: ignore[arg-type]
    )


def _row(db: Database, subject: str = "x") -> JobRun:
    with db.unit_of_work() as s:
        row = runs.find(s, "test.job", "2026-01-01", subject)
        assert row is not None
        return row


def test_a_run_is_done_once_and_its_work_commits_with_its_record(
    db: Database, settings: Settings
) -> None:
    calls: list[int] = []

    def work(ctx: JobContext) -> str:
        calls.append(ctx.attempt)
        queue.publish(ctx.session, "test.topic", ctx.subject)  # the job's own write
        return "ok"

    job = _job(work)
    first = runner.run_one(db, settings, job, "2026-01-01", "x", worker="w1")
    again = runner.run_one(db, settings, job, "2026-01-01", "x", worker="w2")
    by_hand = runner.run_one(db, settings, job, "2026-01-01", "x", worker="w3", manual=True)
    assert (first.status, again.status, by_hand.status) == ("succeeded", "done", "done")
    assert calls == [1]
    row = _row(db)
    assert (row.status, row.attempts, row.detail, row.worker) == ("succeeded", 1, "ok", "w1")
    assert row.started_at is not None and row.started_at >= row.due_at


def test_failures_back_off_then_give_up_and_roll_back_their_work(
    db: Database, settings: Settings
) -> None:
    def boom(ctx: JobContext) -> str:
        queue.publish(ctx.session, "test.topic", "never-kept")
        raise RuntimeError(f"attempt {ctx.attempt} broke")

    job = _job(boom, max_attempts=2, retry_base=timedelta(seconds=30))
    out = runner.run_one(db, settings, job, "2026-01-01", "x", worker="w1")
    assert out.status == "failed" and out.retry_at is not None
    row = _row(db)
    assert (row.status, row.attempts, row.error) == ("failed", 1, "RuntimeError: attempt 1 broke")
    assert timedelta(seconds=29) < row.not_before - row.finished_at <= timedelta(seconds=30)
    # Not before its back-off: a worker leaves it; an operator's run does not wait.
    assert runner.run_one(db, settings, job, "2026-01-01", "x", worker="w1").status == "not_due"
    out = runner.run_one(db, settings, job, "2026-01-01", "x", worker="w1", manual=True)
    assert out.status == "dead" and out.retry_at is None
    with db.unit_of_work() as s:
        assert s.scalars(select(JobRun).where(JobRun.subject == "never-kept")).all() == []
        from chanrong.jobs.orm import JobEvent

        assert s.scalars(select(JobEvent).where(JobEvent.subject == "never-kept")).all() == []


def test_a_run_whose_lease_ran_out_is_taken_over_and_the_old_attempt_cannot_commit(
    db: Database, settings: Settings
) -> None:
    job = _job(lambda ctx: "second", lease=timedelta(seconds=30))
    first = runs.claim(db, job, "2026-01-01", "x", worker="dead-worker")
    assert isinstance(first, runs.Claim)
    busy = runs.claim(db, job, "2026-01-01", "x", worker="w2")
    assert isinstance(busy, runs.Refusal) and busy.reason == "busy"
    with db.unit_of_work() as s:  # the dead worker's lease runs out
        s.execute(update(JobRun).values(lease_until=utcnow() - timedelta(seconds=1)))
    out = runner.run_one(db, settings, job, "2026-01-01", "x", worker="w2")
    assert out.status == "succeeded"
    assert _row(db).attempts == 2
    # The first worker wakes up and tries to record its own finish: refused, rolled back.
    with pytest.raises(runs.LostClaim), db.unit_of_work() as s:
        runs.finish(s, first, "first")
    assert _row(db).detail == "second"


def test_events_are_debounced_into_one_window_per_subject(db: Database) -> None:
    job = credit_tasks.profile_on_data  # triggered by data.landed, debounce 2 min, cap 30 min
    assert job is not None
    t0 = utcnow()
    with db.unit_of_work() as s:
        for k in range(3):
            queue.publish(s, queue.DATA_LANDED, "org-a", at=t0 + timedelta(seconds=20 * k))
        queue.publish(s, queue.DATA_LANDED, "org-b", at=t0)
    assert runs.absorb_events(db) == 4
    with db.unit_of_work() as s:
        rows = {
            r.subject: r
            for r in s.scalars(select(JobRun).where(JobRun.name == "credit.profile_on_data"))
        }
    assert set(rows) == {"org-a", "org-b"}
    a = rows["org-a"]
    assert a.status == "pending" and a.due_at == t0
    assert a.not_before == t0 + timedelta(seconds=40) + timedelta(minutes=2)
    # A steady stream still runs: the window never moves past its cap.
    with db.unit_of_work() as s:
        queue.publish(s, queue.DATA_LANDED, "org-a", at=t0 + timedelta(hours=1))
    assert runs.absorb_events(db) == 1
    with db.unit_of_work() as s:
        [a] = s.scalars(
            select(JobRun).where(JobRun.name == "credit.profile_on_data", JobRun.subject == "org-a")
        ).all()
    assert a.not_before == a.window_closes_at == t0 + timedelta(minutes=32)
    assert runs.absorb_events(db) == 0  # each event is taken once


def test_events_within_a_second_share_a_row_until_the_worker_takes_it(db: Database) -> None:
    from chanrong.jobs.orm import JobEvent

    t0 = utcnow().replace(microsecond=100_000)
    with db.unit_of_work() as s:
        # Every log append publishes one: a burst within a second keeps one row, at the latest.
        for k in range(50):
            queue.publish(s, queue.LOG_GROWN, "-", at=t0 + timedelta(milliseconds=10 * k))
        queue.publish(s, queue.LOG_GROWN, "-", at=t0 + timedelta(milliseconds=5))  # out of order
        queue.publish(s, queue.DATA_LANDED, "org-a", at=t0)  # another topic: its own row
    with db.unit_of_work() as s:
        rows = {e.topic: e for e in s.scalars(select(JobEvent))}
    assert set(rows) == {queue.LOG_GROWN, queue.DATA_LANDED}
    assert rows[queue.LOG_GROWN].at == t0 + timedelta(milliseconds=490)
    assert runs.absorb_events(db) == 2
    # Taken by the worker, the second's row is gone: a later event of that second is new.
    with db.unit_of_work() as s:
        queue.publish(s, queue.LOG_GROWN, "-", at=t0 + timedelta(milliseconds=600))
    assert runs.absorb_events(db) == 1
