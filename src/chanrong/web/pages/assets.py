"""Data assets, IP and asset pools in the console: the enterprise's register, valuations, IP
and pools; the bank's pools with their borrowing base and margin alerts; the valuation report
(both parties, through the assets service's visibility check)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from chanrong.assets import service as assets
from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.identity.domain import OrgKind
from chanrong.web import (
    assets_messages,  # noqa: F401  (registers the pages' words)
    charts,
    directory,
)
from chanrong.web.auth import Page, page_for
from chanrong.web.failures import error_page
from chanrong.web.render import render

router = APIRouter(prefix="/console", include_in_schema=False)
enterprise_page = page_for(OrgKind.ENTERPRISE)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
party_page = page_for(OrgKind.ENTERPRISE, OrgKind.FINANCIAL_INSTITUTION)


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
        names=names,
    )


@router.get("/bank/pools", response_class=HTMLResponse)
def bank_pools(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """The bank's pools: limit, borrowing base, drawn, available; margin alerts first."""
    s, me = p.session, p.ctx.principal
    pools = [x for x in assets.list_pools(s, me) if x.bank_org_id == me.org_id]
    alerts = assets.list_alerts(s, me)
    names = directory.names(s, {x.org_id for x in pools})
    return render(
        request, "bank/pools.html", p, locale=p.locale, pools=pools, alerts=alerts, names=names
    )


@router.get("/pools/{pool_id}", response_class=HTMLResponse)
def pool_page(request: Request, pool_id: str, p: Page = Depends(party_page)) -> HTMLResponse:
    """One pool for either party: its pledged assets' lines and the base over time."""
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
    names = directory.names(s, {pool.org_id, pool.bank_org_id})
    return render(
        request,
        "pool.html",
        p,
        locale=p.locale,
        pool=pool,
        latest=history[-1] if history else None,
        chart=chart,
        alerts=alerts,
        names=names,
    )


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
