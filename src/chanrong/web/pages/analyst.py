"""Analyst pages: investment and financing dashboards."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.identity.domain import OrgKind
from chanrong.web.auth import Page, page_for
from chanrong.web.render import render

router = APIRouter(prefix="/console/analyst", include_in_schema=False)
analyst_page = page_for(OrgKind.ANALYST)


@router.get("/market", response_class=HTMLResponse)
def market(request: Request, p: Page = Depends(analyst_page)) -> HTMLResponse:
    """Investment and financing in the industrial-internet sector."""
    return render(
        request,
        "pending.html",
        p,
        locale=p.locale,
        title_key="web.nav.market",
        missing=("web.nav.market",),
    )
