"""Credit applications in the console: the bank's queue with decisions and reasons, an officer's
review of a referred application, and the enterprise's own applications and score."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chanrong.core.clock import utcnow
from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.credit import service as credit
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind, Role
from chanrong.lending import service as lending
from chanrong.web import charts, directory, forms
from chanrong.web.auth import Page, action_for, page, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
bank_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
enterprise_page = page_for(OrgKind.ENTERPRISE)
STATUSES = ("referred", "approved", "declined")


def _queue(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    apps = list(credit.list_applications(p.session, p.ctx.principal))
    # Referred applications wait for an officer: they come first, oldest first.
    apps.sort(key=lambda a: (a.status != "referred", -a.created_at.timestamp()))
    names = directory.names(p.session, {a.enterprise_org_id for a in apps})
    counts = {s: sum(1 for a in apps if a.status == s) for s in STATUSES}
    live = {
        g.owner_org_id
        for g in governance.list_grants(p.session, p.ctx.principal)
        if governance.grant_status(g) == "live" and g.purpose == "credit_assessment"
    }
    products = credit.products(p.ctx.settings)
    return render(
        request,
        "bank/applications.html",
        p,
        locale=p.locale,
        status_code=status_code,
        apps=apps,
        names=names,
        counts=counts,
        reasons={a.id: forms.reason_texts(a, p.locale) for a in apps},
        status_chart=charts.pie({t(f"web.app.status.{s}", p.locale): counts[s] for s in STATUSES}),
        applicants=sorted(directory.names(p.session, live).items(), key=lambda kv: kv[1]),
        products=[
            (c, prod.name_zh if p.locale == "zh-CN" else prod.name_en)
            for c, prod in products.items()
        ],
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/bank/applications", response_class=HTMLResponse)
def queue(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """The institution's credit applications: referred ones first, with decisions and reasons."""
    return _queue(request, p)


def _yuan(value: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise ValidationFailed(
            "requested_amount: give an amount in yuan such as 500000.00", field="requested_amount"
        ) from None


@router.post("/bank/applications", response_model=None)
def apply(
    request: Request,
    p: Page = Depends(bank_officer),
    enterprise_org_id: Annotated[str, Form()] = "",
    product_code: Annotated[str, Form()] = "",
    requested_amount: Annotated[str, Form()] = "",
) -> Response:
    """Decide a new application for an enterprise that granted access (approve, decline, refer)."""
    try:
        app = credit.apply(
            p.session,
            p.ctx.principal,
            p.ctx.settings,
            enterprise_org_id=enterprise_org_id,
            product_code=product_code,
            requested_yuan=_yuan(requested_amount),
        )
    except ChanrongError as exc:
        return _queue(request, p, **failed(p, exc, request.url.path))
    return RedirectResponse(f"/console/applications/{app.id}", status_code=303)


def _detail(
    request: Request, p: Page, app_id: str, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    app = credit.get_application(p.session, p.ctx.principal, app_id)
    names = directory.names(p.session, [app.enterprise_org_id, app.bank_org_id])
    return render(
        request,
        "application.html",
        p,
        locale=p.locale,
        status_code=status_code,
        app=app,
        names=names,
        reasons=forms.reason_texts(app, p.locale),
        limit_yuan=credit.fen_to_yuan(app.limit_fen),
        can_review=(
            app.status == "referred"
            and p.ctx.principal.org_id == app.bank_org_id
            and p.ctx.principal.has_role(Role.OFFICER)
        ),
        can_accept=_can_accept(p, app),
        **extra,
    )


def _can_accept(p: Page, app: Any) -> bool:
    """The applicant's officer may accept an approved offer no loan was booked on yet."""
    principal = p.ctx.principal
    if principal.org_id != app.enterprise_org_id or not principal.has_role(Role.OFFICER):
        return False
    if app.status != "approved" or app.limit_fen <= 0:
        return False
    return not any(x.decision_id == app.id for x in lending.list_loans(p.session, principal))


@router.get("/applications/{app_id}", response_class=HTMLResponse)
def detail(request: Request, app_id: str, p: Page = Depends(page)) -> HTMLResponse:
    """One application as its bank or its applicant sees it; others get a not-found."""
    try:
        return _detail(request, p, app_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)


@router.post("/bank/applications/{app_id}/review", response_class=HTMLResponse)
def review(
    request: Request,
    app_id: str,
    p: Page = Depends(bank_officer),
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """An officer approves or declines a referred application, saying why (logged)."""
    try:
        credit.review_referred(
            p.session, p.ctx.principal, p.ctx.settings, app_id, outcome=outcome, note=note
        )
    except ChanrongError as exc:
        return _detail(request, p, app_id, **failed(p, exc, request.url.path))
    return _detail(request, p, app_id, ok=t(f"web.app.reviewed.{outcome}", p.locale))


@router.get("/enterprise/finance", response_class=HTMLResponse)
def my_applications(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's applications with each decision and the reasons behind it."""
    apps = sorted(
        credit.list_applications(p.session, p.ctx.principal),
        key=lambda a: a.created_at,
        reverse=True,
    )
    names = directory.names(p.session, {a.bank_org_id for a in apps})
    return render(
        request,
        "enterprise/applications.html",
        p,
        locale=p.locale,
        apps=apps,
        names=names,
        reasons={a.id: forms.reason_texts(a, p.locale) for a in apps},
        today=utcnow().date(),
    )
