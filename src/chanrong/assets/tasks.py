"""Assets' jobs for the worker: every active pool revalued nightly, in batches of pools (one
run per batch and day, so a batch is retried alone and never done twice), and an
enterprise's pools revalued when new data for it lands (orders, receivables, payments,
quality scores move the borrowing base). Each raises or resolves the pool's margin alert."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from chanrong.assets import service
from chanrong.core.clock import month_start
from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.jobs.queue import DATA_LANDED
from chanrong.jobs.registry import Cadence, JobContext, job

# Pools per nightly run: one unit of work revalues them with ``revalue_many`` (each kind of
# evidence, their pledges, lines and alerts read once per batch).
BATCH_SIZE = 500
_RANGE = ".."


def pool_batches(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """The active pools as batches of id ranges, ``low..high`` (an empty bound is open):
    the ranges cover every id, so each pool is in exactly one batch of the period."""
    return [f"{lo}{_RANGE}{hi}" for lo, hi in service.pool_batches(session, BATCH_SIZE)]


def _summary(r: service.Revalued) -> str:
    alert = " margin alert raised" if r.alert else (" alert resolved" if r.resolved else "")
    return f"base {r.base.base_fen} fen, available {r.revaluation.available_fen} fen{alert}"


def _batch_summary(done: Sequence[service.Revalued]) -> str:
    base = sum(r.base.base_fen for r in done)
    available = sum(r.revaluation.available_fen for r in done)
    raised = sum(r.alert is not None for r in done)
    resolved = sum(r.resolved is not None for r in done)
    return (
        f"{len(done)} pool(s): base {base} fen, available {available} fen, "
        f"{raised} margin alert(s) raised, {resolved} resolved"
    )


@job(
    "assets.revalue_pools",
    cadence=Cadence.DAILY,
    cron="30 5 * * *",
    subjects=pool_batches,
    lease=timedelta(minutes=5),
)
def revalue_pools(ctx: JobContext) -> str:
    """Revalue one batch of pools as of the day just ended (``revalue_many``)."""
    if _RANGE not in ctx.subject:
        # A run recorded for one pool (before batches, or an operator's ``--subject <pool>``).
        pool = service.pool_by_id(ctx.session, ctx.subject)
        if pool is None or pool.status != "active":
            return "pool gone or closed"
        return _summary(service.revalue(ctx.session, pool, as_of=ctx.day))
    low, high = ctx.subject.split(_RANGE, 1)
    pools = service.pools_between(ctx.session, low, high)
    if not pools:
        return "0 pool(s)"
    return _batch_summary(service.revalue_many(ctx.session, list(pools), as_of=ctx.day))


@job(
    "assets.revalue_on_data",
    cadence=Cadence.EVENT,
    triggers=(DATA_LANDED,),
    debounce=timedelta(minutes=2),
    max_wait=timedelta(minutes=30),
    lease=timedelta(minutes=2),
)
def revalue_on_data(ctx: JobContext) -> str:
    """Revalue the pools of an enterprise whose data just landed, as of today."""
    principal = identity.system_principal(ctx.session, ctx.subject)
    done = []
    for pool in service.list_pools(ctx.session, principal):
        if pool.org_id == ctx.subject and pool.status == "active":
            done.append(_summary(service.revalue(ctx.session, pool, as_of=ctx.today)))
    return "; ".join(done) or "no pool"


@job(
    "assets.trend_alerts",
    cadence=Cadence.MONTHLY,
    # 09:00 on the 1st: after the 05:30 revaluation of the month-end (the day just ended).
    cron="0 9 1 * *",
    lease=timedelta(minutes=5),
    # While the month-end's revaluation is still running, tried again every hour (after 15,
    # 30 min) for the three days it is waited for, then once more to read without it.
    retry_base=timedelta(minutes=15),
    max_attempts=80,
)
def trend_alerts(ctx: JobContext) -> str:
    """Run the borrowing-base trend rule over every active pool's month-end history (the
    month just ended), raising a trend alert once per pool per breach."""
    month_end = month_start(ctx.month, 1) - timedelta(days=1)
    waiting = service.pools_awaiting_month_end(ctx.session, month_end=month_end)
    # The month-end's revaluation runs before this job is due, but nothing makes it finish
    # first: while pools still wait for it, fail and be retried after the back-off. Two days
    # on, a pool that still has no value is read as unknown rather than holding up the rest.
    if waiting and ctx.now < datetime.combine(month_end + timedelta(days=3), time(), UTC):
        raise service.MonthEndNotRevalued(
            f"{waiting} pool(s) not revalued at {month_end} yet; the trend rule waits for them"
        )
    return service.check_trends(ctx.session, month_end=month_end).summary()
