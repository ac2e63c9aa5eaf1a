"""Financial institution pages: application queue, enterprises under grant, loan book,
certificates offered for financing."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.core.clock import utcnow
from chanrong.core.errors import ChanrongError
from chanrong.identity.domain import OrgKind
from chanrong.web import directory, profile
from chanrong.web.auth import Page, page_for
from chanrong.web.failures import error_page
from chanrong.web.grants import grant_rows
from chanrong.web.render import render

router = APIRouter(prefix="/console/bank", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)


def _pending(request: Request, p: Page, title_key: str) -> HTMLResponse:
    return render(
        request, "pending.html", p, locale=p.locale, title_key=title_key, missing=(title_key,)
    )


@router.get("/applications", response_class=HTMLResponse)
def applications(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """The institution's credit applications with decisions and reasons."""
    return _pending(request, p, "web.nav.applications")


@router.get("/enterprises", response_class=HTMLResponse)
def enterprises(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """Enterprises that granted the institution access, with each grant's terms and state."""
    rows = grant_rows(p.session, p.ctx.principal, utcnow())
    names = directory.names(p.session, {r["grant"].owner_org_id for r in rows})
    return render(request, "bank/enterprises.html", p, locale=p.locale, rows=rows, names=names)


@router.get("/enterprises/{org_id}", response_class=HTMLResponse)
def enterprise_profile(
    request: Request,
    org_id: str,
    p: Page = Depends(bank_page),
    purpose: str = "credit_assessment",
) -> HTMLResponse:
    """The enterprise's operating picture, read under the institution's grant (each read is
    checked and logged by the governance service; without a live grant nothing is shown)."""
    name = directory.names(p.session, [org_id])[org_id]
    try:
        panels = profile.operating_panels(
            p.session,
            p.ctx.principal,
            p.ctx.settings,
            org_id=org_id,
            purpose=purpose,
            locale=p.locale,
            route=request.url.path,
        )
    except ChanrongError as exc:
        return error_page(request, p, exc)
    derived = profile.derived_facts(
        p.session,
        p.ctx.principal,
        org_id=org_id,
        purpose=purpose,
        locale=p.locale,
        route=request.url.path,
    )
    refused = all(panel.refused for panel in panels) and derived.features_refused
    if refused:
        # Do not reveal even the name of an enterprise that has not granted access.
        name = ""
    return render(
        request,
        "bank/profile.html",
        p,
        locale=p.locale,
        status_code=403 if refused else 200,
        panels=panels,
        name=name,
        refused=refused,
        org_id=org_id,
        derived=derived,
    )
