"""Carbon's job for the worker: the park's monthly carbon-efficiency assessment."""

from __future__ import annotations

from chanrong.carbon import service
from chanrong.jobs.registry import Cadence, JobContext, job


@job("carbon.monthly_assessment", cadence=Cadence.MONTHLY, cron="0 4 3 * *")
def monthly_assessment(ctx: JobContext) -> str:
    """Grade every enterprise's carbon efficiency for the month just ended (碳效码)."""
    rows = service.assess_month_as_pipeline(ctx.session, ctx.month)
    return f"{len(rows)} enterprise(s) graded for {ctx.period}"
