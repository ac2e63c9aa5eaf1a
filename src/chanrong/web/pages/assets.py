"""Data assets, IP and asset pools in the console: the enterprise's register, valuations, IP
and pools; the bank's pools with their borrowing base and margin alerts; the valuation report
(both parties, through the assets service's visibility check). Actions: the enterprise pledges,
releases and substitutes assets and turns replenishment from intake on or off; the bank links
the pool's credit line, revalues, releases and acknowledges margin alerts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from chanrong.assets import service as assets
from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.money import yuan_to_fen
from chanrong.identity.domain import OrgKind, Role
from chanrong.telemetry import service as telemetry
from chanrong.web import (
    assets_messages,  # noqa: F401  (registers the pages' words)
    charts,
    directory,
)
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import error_page, failed
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
enterprise_page = page_for(OrgKind.ENTERPRISE)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
party_page = page_for(OrgKind.ENTERPRISE, OrgKind.FINANCIAL_INSTITUTION)
enterprise_officer = action_for(OrgKind.ENTERPRISE, role=Role.OFFICER)
bank_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
party_officer = action_for(OrgKind.ENTERPRISE, OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)


@router.get("/enterprise/assets", response_class=HTMLResponse)
def enterprise_assets(request: Request, p: Page = Depends(enterprise_page)) -> HTMLResponse:
    """The enterprise's data-resource register, IP rights, valuations, pools and alerts."""
    s, me = p.session, p.ctx.principal
    pools = assets.list_pools(s, me)
    names = directory.names(s, {x.bank_org_id for x in pools})
    return render(
        request,
        "enterprise/assets.html",
        p,
        locale=p.locale,
        resources=assets.list_register(s, me, me.org_id),
        ip=assets.list_ip(s, me, me.org_id),
        valuations=assets.list_valuations(s, me, me.org_id),
        pools=pools,
        alerts=assets.list_alerts(s, me),
        trend_alerts=assets.list_trend_alerts(s, me),
        names=names,
    )


def _bank_pools(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    s, me = p.session, p.ctx.principal
    pools = [x for x in assets.list_pools(s, me) if x.bank_org_id == me.org_id]
    alerts = assets.list_alerts(s, me)
    trend_alerts = assets.list_trend_alerts(s, me)
    names = directory.names(s, {x.org_id for x in pools})
    return render(
        request,
        "bank/pools.html",
        p,
        locale=p.locale,
        status_code=status_code,
        pools=pools,
        alerts=alerts,
        trend_alerts=trend_alerts,
        names=names,
        can_act=me.has_role(Role.OFFICER),
        **extra,
    )


@router.get("/bank/pools", response_class=HTMLResponse)
def bank_pools(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """The bank's pools: limit, borrowing base, drawn, available; margin alerts first, each
    acknowledged by an officer."""
    return _bank_pools(request, p)


def _pool_view(
    request: Request, p: Page, pool_id: str, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    s, me = p.session, p.ctx.principal
    try:
        pool = assets.get_pool(s, me, pool_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    history = list(reversed(assets.pool_history(s, me, pool_id)))
    chart = None
    if history:
        chart = charts.line(
            [h.as_of.isoformat() for h in history],
            {
                t("web.assets.base", p.locale): [h.base_fen / 100 for h in history],
                t("web.assets.drawn", p.locale): [h.drawn_fen / 100 for h in history],
            },
        )
    alerts = [a for a in assets.list_alerts(s, me) if a.pool_id == pool.id]
    trend_alerts = [a for a in assets.list_trend_alerts(s, me) if a.pool_id == pool.id]
    names = directory.names(s, {pool.org_id, pool.bank_org_id})
    officer = me.has_role(Role.OFFICER)
    return render(
        request,
        "pool.html",
        p,
        locale=p.locale,
        status_code=status_code,
        pool=pool,
        latest=history[-1] if history else None,
        chart=chart,
        alerts=alerts,
        trend_alerts=trend_alerts,
        names=names,
        pledges=assets.pool_pledges(s, me, pool_id),
        asset_types=[a.value for a in assets.AssetType],
        is_owner=officer and me.org_id == pool.org_id,
        is_bank=officer and me.org_id == pool.bank_org_id,
        today=_today().isoformat(),
        **extra,
    )


def _today() -> date:
    return shanghai_date(utcnow())


@router.get("/pools/{pool_id}", response_class=HTMLResponse)
def pool_page(request: Request, pool_id: str, p: Page = Depends(party_page)) -> HTMLResponse:
    """One pool for either party: its pledged assets' lines and the base over time; the
    enterprise's officers pledge, release and substitute, the bank's link the line, revalue
    and acknowledge alerts."""
    return _pool_view(request, p, pool_id)


def _yuan(value: str, field: str) -> int | None:
    return yuan_to_fen(value.strip(), field=field) if value.strip() else None


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{field}: a date as YYYY-MM-DD", field=field) from None


def _decimal(value: str, field: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation:
        raise ValidationFailed(f"{field}: a number", field=field) from None


def _spec(
    asset_type: str,
    asset_ref: str,
    declared_value: str,
    reference_date: str,
    quantity: str,
    delivery_date: str,
) -> assets.AssetSpec:
    return assets.AssetSpec(
        asset_type,
        asset_ref,
        _yuan(declared_value, "declared_value"),
        _day(reference_date, "reference_date"),
        quantity=_decimal(quantity, "quantity"),
        delivery_date=_day(delivery_date, "delivery_date"),
    )


@router.post("/pools/{pool_id}/pledges", response_class=HTMLResponse)
def pledge(
    request: Request,
    pool_id: str,
    p: Page = Depends(enterprise_officer),
    asset_type: Annotated[str, Form()] = "",
    asset_ref: Annotated[str, Form()] = "",
    declared_value: Annotated[str, Form()] = "",
    reference_date: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "",
    delivery_date: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The enterprise pledges an asset into the pool."""
    try:
        spec = _spec(asset_type, asset_ref, declared_value, reference_date, quantity, delivery_date)
        store = telemetry.open_store(p.ctx.settings)
        pl = assets.pledge_asset(
            p.session, p.ctx.principal, pool_id, spec, on=_today(), store=store
        )
    except ChanrongError as exc:
        return _pool_view(request, p, pool_id, **failed(p, exc, request.url.path))
    ok = t("web.assets.pledged", p.locale, asset=pl.asset_key)
    return _pool_view(request, p, pool_id, status_code=201, ok=ok)


@router.post("/pools/{pool_id}/pledges/{pledge_id}/release", response_class=HTMLResponse)
def release(
    request: Request, pool_id: str, pledge_id: str, p: Page = Depends(party_officer)
) -> HTMLResponse:
    """Release a pledged asset (the bank any time; the enterprise while the pool stays covered)."""
    try:
        pl = assets.release_asset(p.session, p.ctx.principal, pool_id, pledge_id, on=_today())
    except ChanrongError as exc:
        return _pool_view(request, p, pool_id, **failed(p, exc, request.url.path))
    return _pool_view(
        request, p, pool_id, ok=t("web.assets.released", p.locale, asset=pl.asset_key)
    )


@router.post("/pools/{pool_id}/pledges/{pledge_id}/substitute", response_class=HTMLResponse)
def substitute(
    request: Request,
    pool_id: str,
    pledge_id: str,
    p: Page = Depends(enterprise_officer),
    asset_type: Annotated[str, Form()] = "",
    asset_ref: Annotated[str, Form()] = "",
    declared_value: Annotated[str, Form()] = "",
    reference_date: Annotated[str, Form()] = "",
    quantity: Annotated[str, Form()] = "",
    delivery_date: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Swap a pledged asset for another in one step."""
    try:
        spec = _spec(asset_type, asset_ref, declared_value, reference_date, quantity, delivery_date)
        store = telemetry.open_store(p.ctx.settings)
        pl = assets.substitute_asset(
            p.session, p.ctx.principal, pool_id, pledge_id, spec, on=_today(), store=store
        )
    except ChanrongError as exc:
        return _pool_view(request, p, pool_id, **failed(p, exc, request.url.path))
    ok = t("web.assets.substituted", p.locale, asset=pl.asset_key)
    return _pool_view(request, p, pool_id, status_code=201, ok=ok)


@router.post("/pools/{pool_id}/line", response_class=HTMLResponse)
def link_line(
    request: Request,
    pool_id: str,
    p: Page = Depends(bank_officer),
    line_id: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The bank links the pool to the lending credit line it secures."""
    try:
        assets.link_pool_line(p.session, p.ctx.principal, pool_id, line_id=line_id, as_of=_today())
    except ChanrongError as exc:
        return _pool_view(request, p, pool_id, **failed(p, exc, request.url.path))
    return _pool_view(request, p, pool_id, ok=t("web.assets.linked", p.locale))


@router.post("/pools/{pool_id}/replenish", response_class=HTMLResponse)
def replenish(
    request: Request,
    pool_id: str,
    p: Page = Depends(enterprise_officer),
    on: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The enterprise turns replenishment from intake on or off; the pool is revalued at once
    so the receivables it takes in show."""
    try:
        assets.set_replenish(p.session, p.ctx.principal, pool_id, on=on == "1")
        assets.revalue_pool(p.session, p.ctx.principal, pool_id, as_of=_today())
    except ChanrongError as exc:
        return _pool_view(request, p, pool_id, **failed(p, exc, request.url.path))
    key = "web.assets.replenish_on" if on == "1" else "web.assets.replenish_off"
    return _pool_view(request, p, pool_id, ok=t(key, p.locale))


@router.post("/pools/{pool_id}/revalue", response_class=HTMLResponse)
def revalue(request: Request, pool_id: str, p: Page = Depends(party_officer)) -> HTMLResponse:
    """Either party revalues the pool now."""
    try:
        assets.revalue_pool(p.session, p.ctx.principal, pool_id, as_of=_today())
    except ChanrongError as exc:
        return _pool_view(request, p, pool_id, **failed(p, exc, request.url.path))
    return _pool_view(request, p, pool_id, ok=t("web.assets.revalued_now", p.locale))


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(request: Request, alert_id: str, p: Page = Depends(bank_officer)) -> HTMLResponse:
    """The bank acknowledges a margin alert (logged); back on its pools page."""
    try:
        assets.acknowledge_alert(p.session, p.ctx.principal, alert_id)
    except ChanrongError as exc:
        return _bank_pools(request, p, **failed(p, exc, request.url.path))
    return _bank_pools(request, p, ok=t("web.assets.acknowledged_now", p.locale))


@router.get("/valuations/{valuation_id}", response_class=HTMLResponse)
def valuation_report(
    request: Request, valuation_id: str, p: Page = Depends(party_page)
) -> HTMLResponse:
    """The valuation report (the enterprise's own, or a bank's pledged asset)."""
    try:
        v = assets.get_valuation(p.session, p.ctx.principal, valuation_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    return HTMLResponse(assets.render_report(v, p.locale))


@router.get("/valuations/{valuation_id}/pdf", response_class=Response)
def valuation_report_pdf(valuation_id: str, p: Page = Depends(party_page)) -> Response:
    """The valuation report as PDF, for the same readers as the page."""
    v = assets.get_valuation(p.session, p.ctx.principal, valuation_id)
    return Response(
        assets.render_pdf(v, p.locale),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="valuation-{v.id}.pdf"'},
    )


@router.get("/trend-alerts/{alert_id}", response_class=HTMLResponse)
def trend_alert_page(
    request: Request, alert_id: str, p: Page = Depends(party_page)
) -> HTMLResponse:
    """One trend alert for its bank or its enterprise: the month-end values, the pre-pool
    level, the seasonal factor and the log entry it was raised with."""
    s, me = p.session, p.ctx.principal
    try:
        a = assets.get_trend_alert(s, me, alert_id)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    names = directory.names(s, {a.org_id, a.bank_org_id})
    return render(request, "trend_alert.html", p, locale=p.locale, a=a, names=names)
