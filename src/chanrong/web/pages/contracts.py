"""Trade contracts and reconciliation in the console: an enterprise's contracts (with the
payment terms flagged at creation) and their statements (对账单); the seller issues one, the
buyer confirms or disputes each line."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import yuan_to_fen
from chanrong.identity.domain import OrgKind, Role
from chanrong.supplychain import service as supplychain
from chanrong.web import directory
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
enterprise_page = page_for(OrgKind.ENTERPRISE)
enterprise_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)


def _page(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    contracts = sorted(
        supplychain.list_contracts(p.session, p.ctx.principal),
        key=lambda c: c.created_at,
        reverse=True,
    )
    rows = [
        {"contract": c, "statements": supplychain.statements_of(p.session, p.ctx.principal, c.id)}
        for c in contracts
    ]
    orgs = {c.seller_org_id for c in contracts} | {c.buyer_org_id for c in contracts}
    return render(
        request,
        "enterprise/contracts.html",
        p,
        locale=p.locale,
        status_code=status_code,
        rows=rows,
        me=p.ctx.principal.org_id,
        names=directory.names(p.session, orgs),
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/enterprise/contracts", response_class=HTMLResponse)
def contracts(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's trade contracts and their reconciliation statements."""
    return _page(request, p)


def _day(value: str, *, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{field}: a date such as 2026-11-30", field=field) from None


@router.post("/enterprise/contracts/{contract_id}/statements", response_class=HTMLResponse)
def issue_statement(
    request: Request,
    contract_id: str,
    p: Page = Depends(enterprise_officer),
    period_start: Annotated[str, Form()] = "",
    period_end: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The seller issues a one-line statement (the API takes any number of lines)."""
    try:
        supplychain.issue_statement(
            p.session,
            p.ctx.principal,
            contract_id,
            period_start=_day(period_start, field="period_start"),
            period_end=_day(period_end, field="period_end"),
            lines=[
                supplychain.LineIn(
                    reference=reference,
                    description=description,
                    amount_fen=yuan_to_fen(amount.strip() or "-", field="amount"),
                )
            ],
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, ok=t("web.trade.issued", p.locale))


@router.post("/enterprise/statement-lines/{line_id}", response_class=HTMLResponse)
def answer_line(
    request: Request,
    line_id: str,
    p: Page = Depends(enterprise_officer),
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The buyer confirms a line or disputes it, saying why."""
    try:
        if action not in ("confirm", "dispute"):
            raise ValidationFailed("action: confirm or dispute", field="action")
        supplychain.answer_line(
            p.session, p.ctx.principal, line_id, confirm=action == "confirm", reason=reason
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.trade.answered", p.locale))


@router.post("/enterprise/statements/{statement_id}/paid", response_class=HTMLResponse)
def record_payment(
    request: Request, statement_id: str, p: Page = Depends(enterprise_officer)
) -> HTMLResponse:
    """The buyer records that it paid a confirmed statement."""
    try:
        supplychain.record_payment(p.session, p.ctx.principal, statement_id)
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t("web.trade.paid_saved", p.locale))
