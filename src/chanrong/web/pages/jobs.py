"""The operator's view of the worker: each job's runs, failures and lag; the recent runs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.identity.domain import OrgKind
from chanrong.jobs import catalog
from chanrong.jobs import service as jobs
from chanrong.web.auth import Page, page_for
from chanrong.web.render import render

router = APIRouter(prefix="/console/operator", include_in_schema=False)
operator_page = page_for(OrgKind.PLATFORM_OPERATOR)
RECENT_RUNS = 50


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, p: Page = Depends(operator_page)) -> HTMLResponse:
    """Jobs (schedule, runs by state, waiting, lag), recent failures and recent runs."""
    declared = catalog.load(p.ctx.settings)
    rows = jobs.overview(p.session, declared)
    failures = jobs.recent_runs(p.session, status="failed", limit=RECENT_RUNS)
    failures += jobs.recent_runs(p.session, status="dead", limit=RECENT_RUNS)
    failures.sort(key=lambda r: r.finished_at or r.due_at, reverse=True)
    return render(
        request,
        "operator/jobs.html",
        p,
        locale=p.locale,
        rows=rows,
        failures=failures[:RECENT_RUNS],
        recent=jobs.recent_runs(p.session, limit=RECENT_RUNS),
        total_failures=sum(r.failures for r in rows),
        total_waiting=sum(r.waiting for r in rows),
        worst_lag=max((r.lag_s for r in rows if r.lag_s is not None), default=None),
    )
