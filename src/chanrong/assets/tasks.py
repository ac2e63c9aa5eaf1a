"""Assets' jobs for the worker: every active pool revalued nightly (one run per pool), and an
enterprise's pools revalued when new data for it lands (orders, receivables, payments,
quality scores move the borrowing base). Each raises or resolves the pool's margin alert."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from chanrong.assets import service
from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.jobs.queue import DATA_LANDED
from chanrong.jobs.registry import Cadence, JobContext, job


def active_pools(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every active pool."""
    return service.active_pool_ids(session)


def _summary(r: service.Revalued) -> str:
    alert = " margin alert raised" if r.alert else (" alert resolved" if r.resolved else "")
    return f"base {r.base.base_fen} fen, available {r.revaluation.available_fen} fen{alert}"


@job(
    "assets.revalue_pools",
    cadence=Cadence.DAILY,
    cron="30 5 * * *",
    subjects=active_pools,
    lease=timedelta(minutes=2),
)
def revalue_pools(ctx: JobContext) -> str:
    """Revalue one pool as of the day just ended."""
    pool = service.pool_by_id(ctx.session, ctx.subject)
    if pool is None or pool.status != "active":
        return "pool gone or closed"
    return _summary(service.revalue(ctx.session, pool, as_of=ctx.day))


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
