"""Financial institution pages: application queue, enterprises under grant, loan book,
certificates offered for financing."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.identity.domain import OrgKind
from chanrong.web.auth import Page, page_for
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
    """Enterprises whose data the institution may read under a live grant."""
    return _pending(request, p, "web.nav.enterprises")


@router.get("/loans", response_class=HTMLResponse)
def loans(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """The loan book with delinquency and alerts."""
    return _pending(request, p, "web.nav.loans")


@router.get("/certificates", response_class=HTMLResponse)
def certificates(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """Supply-chain certificates offered to the institution for financing."""
    return _pending(request, p, "web.nav.certificates")
