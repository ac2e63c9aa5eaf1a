"""Funds' jobs for the worker: the daily portfolio-monitoring pass (投后管理), one run per
fund with platform portfolio companies — it raises, refreshes, clears and, for a company
whose ``investment_monitoring`` grant has ended, stops the fund's stored alerts; and the daily
pipeline sync, one run per fund with a watch list — a market financing event of a watched
company enters the fund's deal pipeline."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.funds import service
from chanrong.identity import service as identity
from chanrong.jobs.registry import Cadence, JobContext, job


def watched_funds(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """``<manager org id>/<fund id>`` for every fund with a platform portfolio company."""
    return service.watched_funds(session)


@job(
    "funds.portfolio_watch",
    cadence=Cadence.DAILY,
    cron="15 6 * * *",
    subjects=watched_funds,
    lease=timedelta(minutes=5),
)
def portfolio_watch(ctx: JobContext) -> str:
    """One fund's monitoring pass as of the day just ended, read under each company's grant."""
    org_id, fund_id = ctx.subject.split("/", 1)
    manager = identity.system_principal(ctx.session, org_id)
    return service.refresh_alerts(ctx.session, manager, fund_id, as_of=ctx.day).summary()


def funds_watching(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every fund with a watch list."""
    return service.funds_watching(session)


@job(
    "funds.pipeline_sync",
    cadence=Cadence.DAILY,
    cron="45 6 * * *",
    subjects=funds_watching,
    lease=timedelta(minutes=2),
)
def pipeline_sync(ctx: JobContext) -> str:
    """The market's financing events of the fund's watched companies enter its pipeline."""
    return service.sync_from_market(ctx.session, ctx.subject).summary()
