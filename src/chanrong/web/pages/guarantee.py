"""Guarantee pages: the guarantor's book (accepting requests), its claims (recording
recoveries) and its scheme positions; the government body's subsidy programmes and its pilot
dashboard. Every figure comes from ``guarantee.service``; forms carry the CSRF token."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.clock import month_bounds, parse_month
from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import fen_to_yuan, yuan_to_fen
from chanrong.guarantee import service as guarantee
from chanrong.identity.domain import InstitutionType, OrgKind, Role
from chanrong.web import charts, directory
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
fi_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
fi_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
gov_page = page_for(OrgKind.ANALYST, OrgKind.PLATFORM_OPERATOR)
gov_officer = action_for(OrgKind.ANALYST, role=Role.OFFICER)


def _yuan_float(fen: int) -> float:
    """For chart axes only; tables keep exact yuan."""
    return float(fen_to_yuan(fen))


def _book(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    rows = guarantee.list_guarantees(p.session, p.ctx.principal)
    claims = {g.id: guarantee.claim_of(p.session, g.id) for g in rows}
    fees = {g.id: sum(f.amount_fen for f in guarantee.fees_of(p.session, g.id)) for g in rows}
    names = directory.names(
        p.session, {g.borrower_org_id for g in rows} | {g.bank_org_id for g in rows}
    )
    schemes = {s.id: s.code for s in guarantee.list_schemes(p.session)}
    return render(
        request,
        "guarantee/book.html",
        p,
        locale=p.locale,
        status_code=status_code,
        rows=rows,
        claims=claims,
        fees=fees,
        names=names,
        schemes=schemes,
        live_fen=sum(g.principal_fen for g in rows if g.status == "active"),
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/guarantor/book", response_class=HTMLResponse)
def book(request: Request, p: Page = Depends(fi_page)) -> HTMLResponse:
    """The guaranteed book: requests to accept, active guarantees, fees, claims."""
    return _book(request, p)


@router.post("/guarantor/guarantees/{guarantee_id}/accept", response_class=HTMLResponse)
def accept(request: Request, guarantee_id: str, p: Page = Depends(fi_officer)) -> HTMLResponse:
    try:
        guarantee.accept_guarantee(p.session, p.ctx.principal, guarantee_id)
    except ChanrongError as exc:
        return _book(request, p, **failed(p, exc, request.url.path))
    return _book(request, p, ok=t("web.guar.accepted", p.locale))


def _claims(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    rows = guarantee.list_guarantees(p.session, p.ctx.principal)
    items = []
    for g in rows:
        c = guarantee.claim_of(p.session, g.id)
        if c is not None:
            items.append((g, c, guarantee.recoveries_of(p.session, c.id)))
    names = directory.names(
        p.session, {g.borrower_org_id for g, _, _ in items} | {g.bank_org_id for g, _, _ in items}
    )
    return render(
        request,
        "guarantee/claims.html",
        p,
        locale=p.locale,
        status_code=status_code,
        items=items,
        names=names,
        can_act=p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/guarantor/claims", response_class=HTMLResponse)
def claims(request: Request, p: Page = Depends(fi_page)) -> HTMLResponse:
    """Claims (代偿): the split of each default, the caps that bound, recoveries shared back."""
    return _claims(request, p)


@router.post("/guarantor/claims/{claim_id}/recoveries", response_class=HTMLResponse)
def recover(
    request: Request,
    claim_id: str,
    amount: Annotated[str, Form()],
    received_on: Annotated[str, Form()],
    p: Page = Depends(fi_officer),
) -> HTMLResponse:
    try:
        try:
            on = date.fromisoformat(received_on)
        except ValueError:
            raise ValidationFailed(
                "received_on: a date like 2025-09-01", field="received_on"
            ) from None
        guarantee.record_recovery(
            p.session, p.ctx.principal, claim_id, amount_fen=yuan_to_fen(amount), on=on
        )
    except ChanrongError as exc:
        return _claims(request, p, **failed(p, exc, request.url.path))
    return _claims(request, p, ok=t("web.guar.recovered", p.locale))


@router.get("/guarantor/schemes", response_class=HTMLResponse)
def schemes(request: Request, p: Page = Depends(fi_page)) -> HTMLResponse:
    """Each scheme's position: enrolled, loss rate against its breaker, losses by party, fees."""
    reports = [guarantee.scheme_report(p.session, s) for s in guarantee.list_schemes(p.session)]
    loss = t("web.guar.net_loss", p.locale)
    chart_of = {
        r.row.code: charts.bar(
            list(r.net_losses), {loss: [_yuan_float(v) for v in r.net_losses.values()]}
        )
        for r in reports
    }
    standing = None
    if p.ctx.principal.institution_type is InstitutionType.GUARANTOR:
        standing = guarantee.partner_standing(p.session, p.ctx.principal.org_id)
    return render(
        request,
        "guarantee/schemes.html",
        p,
        locale=p.locale,
        reports=reports,
        chart_of=chart_of,
        standing=standing,
    )


# -- government body ----------------------------------------------------------------------------


def _programmes(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    rows = guarantee.list_programmes(p.session, p.ctx.principal)
    return render(
        request,
        "guarantee/programmes.html",
        p,
        locale=p.locale,
        status_code=status_code,
        rows=rows,
        can_act=p.ctx.principal.org_kind is OrgKind.ANALYST
        and p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/analyst/programmes", response_class=HTMLResponse)
def programmes(request: Request, p: Page = Depends(gov_page)) -> HTMLResponse:
    """The government body's interest-subsidy programmes and their budget use."""
    return _programmes(request, p)


@router.post("/analyst/programmes", response_class=HTMLResponse)
def create_programme(
    request: Request,
    name: Annotated[str, Form()],
    mode: Annotated[str, Form()],
    value: Annotated[str, Form()],
    budget: Annotated[str, Form()],
    starts_on: Annotated[str, Form()],
    ends_on: Annotated[str, Form()],
    industries: Annotated[str, Form()] = "",
    regions: Annotated[str, Form()] = "",
    p: Page = Depends(gov_officer),
) -> HTMLResponse:
    try:
        try:
            v = Decimal(value)
        except InvalidOperation:
            raise ValidationFailed("value: a number", field="value") from None
        try:
            start, end = date.fromisoformat(starts_on), date.fromisoformat(ends_on)
        except ValueError:
            raise ValidationFailed("starts_on: dates like 2025-01-01", field="starts_on") from None
        rules: dict[str, Any] = {}
        if industries.strip():
            rules["industries"] = [x.strip() for x in industries.split(",") if x.strip()]
        if regions.strip():
            rules["regions"] = [x.strip() for x in regions.split(",") if x.strip()]
        guarantee.create_programme(
            p.session,
            p.ctx.principal,
            name=name,
            mode=mode,
            value=v,
            eligibility=rules,
            starts_on=start,
            ends_on=end,
            budget_fen=yuan_to_fen(budget, field="budget"),
        )
    except ChanrongError as exc:
        return _programmes(request, p, **failed(p, exc, request.url.path))
    return _programmes(request, p, ok=t("web.subsidy.created", p.locale))


def _programme(request: Request, p: Page, programme_id: str, **extra: Any) -> HTMLResponse:
    r = guarantee.programme_report(p.session, p.ctx.principal, programme_id)
    by_period = r.paid_by_period()
    paid = t("web.subsidy.paid", p.locale)
    chart = charts.bar(
        [d.strftime("%Y-%m") for d in by_period],
        {paid: [_yuan_float(v) for v in by_period.values()]},
    )
    names = directory.names(p.session, {e.borrower_org_id for e in r.enrolments})
    paid_by_loan: dict[str, int] = {}
    for x in r.payments:
        paid_by_loan[x.loan_id] = paid_by_loan.get(x.loan_id, 0) + x.amount_fen
    return render(
        request,
        "guarantee/programme.html",
        p,
        locale=p.locale,
        r=r,
        month_chart=chart,
        names=names,
        paid_by_loan=paid_by_loan,
        can_act=p.ctx.principal.org_kind is OrgKind.ANALYST
        and p.ctx.principal.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/analyst/programmes/{programme_id}", response_class=HTMLResponse)
def programme(request: Request, programme_id: str, p: Page = Depends(gov_page)) -> HTMLResponse:
    """One programme: budget use, subsidised loans, payments by month."""
    try:
        return _programme(request, p, programme_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)


@router.post("/analyst/programmes/{programme_id}/pay", response_class=HTMLResponse)
def pay(
    request: Request,
    programme_id: str,
    period: Annotated[str, Form()],
    p: Page = Depends(gov_officer),
) -> HTMLResponse:
    try:
        month = parse_month(period)
        guarantee.enrol_now(
            p.session,
            p.ctx.principal,
            programme_id,
            as_of=month_bounds(month)[1] - timedelta(days=1),
        )
        rows = guarantee.pay_now(p.session, p.ctx.principal, programme_id, month)
    except ChanrongError as exc:
        p.session.rollback()
        try:
            return _programme(request, p, programme_id, **failed(p, exc, request.url.path))
        except ChanrongError as again:
            return error_page(request, p, again)
    total = sum(x.amount_fen for x in rows)
    return _programme(
        request,
        p,
        programme_id,
        ok=t("web.subsidy.paid_now", p.locale, n=len(rows), amount=str(fen_to_yuan(total))),
    )


@router.get("/analyst/pilot", response_class=HTMLResponse)
def pilot(request: Request, p: Page = Depends(gov_page)) -> HTMLResponse:
    """The pilot dashboard from the platform's records (aggregates only)."""
    try:
        f = guarantee.pilot_figures(p.session, p.ctx.principal)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    loans, amount = t("web.pilot.loans", p.locale), t("web.pilot.amount_wan", p.locale)
    chart = charts.bar(
        list(f.by_month),
        {
            loans: [n for n, _ in f.by_month.values()],
            amount: [_yuan_float(v) / 10_000 for _, v in f.by_month.values()],
        },
    )
    return render(request, "guarantee/pilot.html", p, locale=p.locale, f=f, month_chart=chart)
