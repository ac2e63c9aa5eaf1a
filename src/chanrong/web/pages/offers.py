"""The enterprise applies for itself in the console: the banks' offers with the consent each
needs spelled out, applying (the consent granted in the same step), the decision with its
repayment schedule and reasons, and accepting the offer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.identity.domain import OrgKind, Role
from chanrong.lending import service as lending
from chanrong.web import forms
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
enterprise_page = page_for(OrgKind.ENTERPRISE)
enterprise_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)


def _offers(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    offers = lending.list_offers(p.session, p.ctx.principal, p.ctx.settings)
    return render(
        request,
        "enterprise/apply.html",
        p,
        locale=p.locale,
        status_code=status_code,
        offers=offers,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/enterprise/apply", response_class=HTMLResponse)
def offers(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """Every bank's offers, each with the consent applying grants."""
    return _offers(request, p)


def _term(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise ValidationFailed(
            "term_months: a whole number of months", field="term_months"
        ) from None


@router.post("/enterprise/apply", response_model=None)
def apply(
    request: Request,
    p: Page = Depends(enterprise_officer),
    bank_org_id: Annotated[str, Form()] = "",
    product_code: Annotated[str, Form()] = "",
    requested_amount: Annotated[str, Form()] = "",
    term_months: Annotated[str, Form()] = "",
) -> Response:
    """Grant the offer's consent and apply; the decision comes back at once."""
    try:
        if not requested_amount.strip():
            raise ValidationFailed(
                "requested_amount: give an amount in yuan", field="requested_amount"
            )
        out = lending.apply_for_offer(
            p.session,
            p.ctx.principal,
            p.ctx.settings,
            bank_org_id=bank_org_id,
            product_code=product_code,
            requested_yuan=requested_amount.strip(),
            term_months=_term(term_months),
        )
    except ChanrongError as exc:
        return _offers(request, p, **failed(p, exc, request.url.path))
    app = out.decision
    return render(
        request,
        "enterprise/decision.html",
        p,
        locale=p.locale,
        status_code=201,
        app=app,
        offer=out.offer,
        grant_created=out.grant_created,
        term_months=out.term_months,
        schedule=out.schedule,
        reasons=forms.reason_texts(app, p.locale),
        can_accept=app.status == "approved" and app.limit_fen > 0,
    )


@router.post("/enterprise/applications/{app_id}/accept", response_model=None)
def accept(
    request: Request,
    app_id: str,
    p: Page = Depends(enterprise_officer),
    term_months: Annotated[str, Form()] = "",
) -> Response:
    """Accept an approved offer: the loan is booked, its terms logged; paid out at once within
    the product's automatic limit, otherwise the bank's officer disburses it."""
    try:
        acc = lending.accept_offer(
            p.session, p.ctx.principal, p.ctx.settings, app_id, term_months=_term(term_months)
        )
    except ChanrongError as exc:
        return error_page(request, p, exc)
    # The loan page shows where it stands: active (paid out) or accepted (the officer's queue).
    return RedirectResponse(f"/console/loans/{acc.loan.id}", status_code=303)
