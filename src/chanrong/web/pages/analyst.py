"""Analyst pages: investment and financing dashboards from the market domain."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.core.clock import utcnow
from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.core.money import fen_to_yuan
from chanrong.identity.domain import OrgKind
from chanrong.market import service as market
from chanrong.web import charts
from chanrong.web.auth import Page, page_for
from chanrong.web.failures import error_page
from chanrong.web.render import render

router = APIRouter(prefix="/console/analyst", include_in_schema=False)
# Market figures are public facts: analysts, the operator and institutions may read them.
market_page = page_for(OrgKind.ANALYST, OrgKind.PLATFORM_OPERATOR, OrgKind.FINANCIAL_INSTITUTION)


def _yi(fen: int) -> float:
    """Fen as 亿元 (100 million yuan) for chart axes; tables keep exact yuan."""
    return float(fen_to_yuan(fen) / 100_000_000)


def _charts(report: Any, locale: str) -> dict[str, dict[str, Any]]:
    events = t("web.market.events", locale)
    amount = t("web.market.amount_yi", locale)
    return {
        "by_year": charts.bar(
            [b.label for b in report.by_year],
            {events: [b.events for b in report.by_year]},
        ),
        "by_month": charts.bar(
            [b.label for b in report.by_month],
            {
                events: [b.events for b in report.by_month],
                amount: [_yi(b.amount_fen) for b in report.by_month],
            },
        ),
        "by_round": charts.bar(
            [b.label for b in report.by_round], {events: [b.events for b in report.by_round]}
        ),
        "by_field": charts.pie({b.label: b.events for b in report.by_field}),
        "by_province": charts.bar(
            [b.label for b in report.by_province[:10]][::-1],
            {events: [b.events for b in report.by_province[:10]][::-1]},
            horizontal=True,
        ),
    }


@router.get("/market", response_class=HTMLResponse)
def dashboard(
    request: Request, p: Page = Depends(market_page), year: int | None = None
) -> HTMLResponse:
    """The year's financing events by month, round, field and province; investors; listings."""
    try:
        chosen = year or utcnow().year
        report = market.market_report(p.session, chosen)
        if year is None and report.events == 0 and report.by_year:
            # Without a chosen year, open on the latest year that has events.
            with_events = [b for b in report.by_year if b.events]
            if with_events:
                chosen = int(with_events[-1].label)
                report = market.market_report(p.session, chosen)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    years = [int(b.label) for b in report.by_year if b.label.isdigit()]
    return render(
        request,
        "analyst/market.html",
        p,
        locale=p.locale,
        report=report,
        year=chosen,
        years=sorted(set(years) | {chosen}),
        charts=_charts(report, p.locale),
    )


@router.get("/market/investors/{investor}", response_class=HTMLResponse)
def investor_page(investor: str, request: Request, p: Page = Depends(market_page)) -> HTMLResponse:
    """An investor's deals by year and round, co-investors, sectors and stages; unknown
    amounts and provinces are shown as unknown, never filled in."""
    try:
        profile = market.investor_profile(p.session, investor)
    except ChanrongError as exc:
        return error_page(request, p, exc)
    return render(request, "analyst/investor.html", p, locale=p.locale, profile=profile)
