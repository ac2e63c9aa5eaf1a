"""Supply-chain certificates in the console: the holder's certificates and financing requests,
and the bank's certificates offered for financing (quote or decline)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import yuan_to_fen
from chanrong.identity.domain import InstitutionType, OrgKind, Role
from chanrong.supplychain import permits
from chanrong.supplychain import service as supplychain
from chanrong.supplychain.certificates import DayCount
from chanrong.web import directory
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
bank_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
holder_page = page_for(OrgKind.ENTERPRISE)


def _permitted(write: str) -> Callable[..., Page]:
    """The console's gate for a certificate write: the same kinds and least role as its API
    route and the command link (``supplychain.permits``), so the three cannot drift."""
    permit = permits.WRITES[write]
    if permit.core:  # action_for has no core gate; none of the console's writes needs one
        raise ValueError(f"{write}: a core enterprise's write has no console gate here")
    return action_for(*permit.kinds, role=permit.role)


quoting = _permitted("finance_quote")
turning_back = _permitted("recourse")
offering = _permitted("finance_request")
accepting = _permitted("finance_accept")


def _offers(p: Page) -> list[dict[str, Any]]:
    financings = sorted(
        supplychain.list_financings(p.session, p.ctx.principal),
        key=lambda f: f.requested_at,
        reverse=True,
    )
    return [
        {
            "fin": fin,
            "cert": supplychain.get_certificate(p.session, p.ctx.principal, fin.certificate_id),
        }
        for fin in financings
    ]


def _bank(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    rows = _offers(p)
    # Limits are a bank's (an insurer or lessor sees offers but keeps none).
    is_bank = p.ctx.principal.institution_type is InstitutionType.BANK
    limits = supplychain.exposure_limits(p.session, p.ctx.principal) if is_bank else []
    overdue = supplychain.overdue_certificates(p.session, p.ctx.principal)
    orgs = (
        {r["fin"].requester_org_id for r in rows}
        | {r["cert"].core_org_id for r in rows}
        | {e.core_org_id for e in limits}
        | {c.core_org_id for c in overdue}
    )
    return render(
        request,
        "bank/certificates.html",
        p,
        locale=p.locale,
        status_code=status_code,
        rows=rows,
        limits=limits,
        overdue=overdue,
        cores=directory.core_enterprises(p.session) if is_bank else [],
        names=directory.names(p.session, orgs),
        day_counts=[d.value for d in DayCount],
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/bank/certificates", response_class=HTMLResponse)
def offered(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """Certificates offered to the institution for discounting, with their state and quotes."""
    return _bank(request, p)


def _rate(value: str) -> Decimal:
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise ValidationFailed(
            "annual_rate_percent: give a number such as 3.20", field="annual_rate_percent"
        ) from None


def _day_count(value: str) -> DayCount:
    try:
        return DayCount(value)
    except ValueError:
        allowed = ", ".join(d.value for d in DayCount)
        raise ValidationFailed(f"day_count: one of {allowed}", field="day_count") from None


@router.post("/bank/financings/{financing_id}", response_class=HTMLResponse)
def decide(
    request: Request,
    financing_id: str,
    # Quoting and declining are both the offered bank officer's (``permits``: one gate).
    p: Page = Depends(quoting),
    action: Annotated[str, Form()] = "",
    annual_rate_percent: Annotated[str, Form()] = "",
    day_count: Annotated[str, Form()] = "ACT/360",
    recourse: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Quote a discount rate (with or without recourse) on a certificate offered to the bank,
    or decline it."""
    try:
        if action == "quote":
            supplychain.quote_financing(
                p.session,
                p.ctx.principal,
                financing_id,
                annual_rate_percent=_rate(annual_rate_percent),
                day_count=_day_count(day_count),
                recourse=_checked(recourse, field="recourse"),
            )
        elif action == "decline":
            supplychain.decline_financing(p.session, p.ctx.principal, financing_id)
        else:
            raise ValidationFailed("action: quote or decline", field="action")
    except ChanrongError as exc:
        return _bank(request, p, **failed(p, exc, request.url.path))
    return _bank(request, p, ok=t("web.cert.saved", p.locale))


def _checked(value: str, *, field: str) -> bool:
    """A checkbox: absent or "on"."""
    if value not in ("", "on"):
        raise ValidationFailed(f"{field}: a checkbox is on or absent", field=field)
    return value == "on"


@router.post("/bank/exposure-limits", response_class=HTMLResponse)
def set_limit(
    request: Request,
    p: Page = Depends(bank_officer),
    core_org_id: Annotated[str, Form()] = "",
    limit: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Set the bank's exposure limit (授信额度) on a core enterprise, in yuan."""
    try:
        supplychain.set_exposure_limit(
            p.session,
            p.ctx.principal,
            core_org_id=core_org_id,
            limit_fen=yuan_to_fen(limit.strip() or "-", field="limit"),
        )
    except ChanrongError as exc:
        return _bank(request, p, **failed(p, exc, request.url.path))
    return _bank(request, p, ok=t("web.cert.limit_saved", p.locale))


@router.post("/bank/certificates/{cert_id}/recourse", response_class=HTMLResponse)
def recourse_to_seller(
    request: Request, cert_id: str, p: Page = Depends(turning_back)
) -> HTMLResponse:
    """追索: turn back to the seller for an overdue certificate financed with recourse."""
    try:
        supplychain.execute_recourse(p.session, p.ctx.principal, cert_id)
    except ChanrongError as exc:
        return _bank(request, p, **failed(p, exc, request.url.path))
    return _bank(request, p, ok=t("web.cert.recoursed", p.locale))


def _holder(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    certs = sorted(
        supplychain.list_certificates(p.session, p.ctx.principal),
        key=lambda c: c.created_at,
        reverse=True,
    )
    financings = sorted(
        supplychain.list_financings(p.session, p.ctx.principal),
        key=lambda f: f.requested_at,
        reverse=True,
    )
    overdue = supplychain.overdue_certificates(p.session, p.ctx.principal)
    orgs = (
        {c.core_org_id for c in certs}
        | {f.bank_org_id for f in financings}
        | {c.holder_org_id for c in overdue}
        | {c.core_org_id for c in overdue}
    )
    banks = [(oid, name) for oid, name in directory.institutions(p.session)]
    return render(
        request,
        "enterprise/certificates.html",
        p,
        locale=p.locale,
        status_code=status_code,
        certs=certs,
        financings=financings,
        overdue=overdue,
        names=directory.names(p.session, orgs),
        banks=banks,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/enterprise/certificates", response_class=HTMLResponse)
def held(request: Request, p: Page = Depends(holder_page)) -> HTMLResponse:
    """Certificates the enterprise holds or held, and its financing requests."""
    return _holder(request, p)


@router.post("/enterprise/certificates/{cert_id}/finance", response_class=HTMLResponse)
def request_financing(
    request: Request,
    cert_id: str,
    p: Page = Depends(offering),
    bank_org_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Offer a certificate to a bank for discounting."""
    try:
        supplychain.request_financing(p.session, p.ctx.principal, cert_id, bank_org_id=bank_org_id)
    except ChanrongError as exc:
        return _holder(request, p, **failed(p, exc, request.url.path))
    return _holder(request, p, status_code=201, ok=t("web.cert.requested", p.locale))


@router.post("/enterprise/financings/{financing_id}/accept", response_class=HTMLResponse)
def accept_quote(request: Request, financing_id: str, p: Page = Depends(accepting)) -> HTMLResponse:
    """Accept a bank's quote: the bank takes the certificate and pays the proceeds."""
    try:
        supplychain.accept_financing(p.session, p.ctx.principal, financing_id)
    except ChanrongError as exc:
        return _holder(request, p, **failed(p, exc, request.url.path))
    return _holder(request, p, ok=t("web.cert.accepted", p.locale))
