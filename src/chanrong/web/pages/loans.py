"""Loans in the console: the bank's loan book with delinquency and alerts, a loan's schedule,
and the borrower's own loans (accepting a booked loan)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.identity.domain import OrgKind, Role
from chanrong.lending import service as lending
from chanrong.web import charts, directory
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import page_view, render

router = APIRouter(prefix="/console", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
bank_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
either_page = page_for(OrgKind.FINANCIAL_INSTITUTION, OrgKind.ENTERPRISE)
borrower_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)

CATEGORIES = ["normal", "special_mention", "substandard", "doubtful", "loss"]
BUCKETS = ["current", "M1", "M2", "M3+"]


def _book_context(p: Page) -> dict[str, Any]:
    loans = list(lending.list_loans(p.session, p.ctx.principal))
    alerts = [
        a
        for a in lending.list_alerts(p.session, p.ctx.principal)
        if a.status in ("open", "acknowledged")
    ]
    names = directory.names(p.session, {x.borrower_org_id for x in loans})
    by_category = Counter(x.category for x in loans if x.status == "active")
    by_bucket = Counter(x.bucket for x in loans if x.status == "active")
    live = [x for x in loans if x.status in ("active", "booked", "accepted")]
    return {
        "loans": sorted(loans, key=lambda x: (-x.dpd, x.created_at)),
        "alerts": sorted(alerts, key=lambda a: (a.status != "open", a.detected_on)),
        "names": names,
        "total_fen": sum(x.principal_fen for x in live),
        "delinquent": sum(1 for x in loans if x.dpd > 0),
        "category_chart": charts.pie(
            {t(f"web.loan.cat.{c}", p.locale): by_category[c] for c in CATEGORIES if by_category[c]}
        ),
        "bucket_chart": charts.bar(
            BUCKETS, {t("web.loan.count", p.locale): [by_bucket.get(b, 0) for b in BUCKETS]}
        ),
        "can_act": p.ctx.principal.has_role(Role.OFFICER),
    }


_book = page_view("bank/loans.html", _book_context)


@router.get("/bank/loans", response_class=HTMLResponse)
def loan_book(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """The institution's loans with days past due, bucket and five-category class, and alerts."""
    return _book(request, p)


@router.post("/bank/alerts/{alert_id}", response_class=HTMLResponse)
def handle_alert(
    request: Request,
    alert_id: str,
    p: Page = Depends(bank_officer),
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Acknowledge or resolve an early-warning alert (resolving needs a note)."""
    try:
        lending.update_alert(p.session, p.ctx.principal, alert_id, action=action, note=note)
    except ChanrongError as exc:
        return _book(request, p, **failed(p, exc))
    return _book(request, p, ok=t("web.alert.saved", p.locale))


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
def loan_detail(request: Request, loan_id: str, p: Page = Depends(either_page)) -> HTMLResponse:
    """One loan (the lender's or the borrower's): schedule paid and owed, balances, history."""
    try:
        view = lending.loan_view(p.session, p.ctx.principal, loan_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    loan = view.loan
    names = directory.names(p.session, [loan.borrower_org_id, loan.lender_org_id])
    return render(request, "loan.html", p, locale=p.locale, view=view, loan=loan, names=names)


def _mine(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    loans = list(lending.list_loans(p.session, p.ctx.principal))
    names = directory.names(p.session, {x.lender_org_id for x in loans})
    return render(
        request,
        "enterprise/loans.html",
        p,
        locale=p.locale,
        status_code=status_code,
        loans=loans,
        names=names,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/enterprise/loans", response_class=HTMLResponse)
def my_loans(request: Request, p: Page = Depends(page_for(OrgKind.ENTERPRISE))) -> HTMLResponse:
    """The enterprise's loans from every lender."""
    return _mine(request, p)


@router.post("/enterprise/loans/{loan_id}/accept", response_class=HTMLResponse)
def accept(request: Request, loan_id: str, p: Page = Depends(borrower_officer)) -> HTMLResponse:
    """The borrower accepts a booked loan and its schedule."""
    try:
        lending.accept_loan(p.session, p.ctx.principal, loan_id)
    except ChanrongError as exc:
        return _mine(request, p, **failed(p, exc))
    return _mine(request, p, ok=t("web.loan.accepted", p.locale))
