"""Fund records and their performance: the surface the routes call. Flushes, never commits.

A fund is read and written only by the organisation that recorded it; another organisation
asking for it is told it does not exist (no existence leak).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.funds.dataroom import (
    ROOM_DATASETS,
    close_room,
    is_live,
    open_room,
    read_room,
    rooms_of,
)
from chanrong.funds.evaluation import (
    GuideEvaluation,
    PerformanceResult,
    evaluate_guide_fund,
    recorded_performance,
)
from chanrong.funds.exits import EXIT_KINDS, Realised, add_exit, exits_of, realised
from chanrong.funds.links import close_round, link_loan_to_round, links_of
from chanrong.funds.matching import INSTRUMENTS, STAGES
from chanrong.funds.matchmaking import (
    MandateInput,
    MandateMatch,
    NeedMatch,
    mandates_of,
    matches_for_mandate,
    matches_for_need,
    needs_of,
    post_mandate,
    post_need,
)
from chanrong.funds.monitoring import CompanyWatch, watch_portfolio
from chanrong.funds.orm import DataRoom, Fund, FundFlow, FundNav, PortfolioAlert
from chanrong.funds.performance import CashFlow, FundMetricError, Performance, performance
from chanrong.funds.pipeline import STAGES as DEAL_STAGES
from chanrong.funds.pipeline import (
    Synced,
    deals_of,
    funds_watching,
    move_deal,
    moves_of,
    sync_from_market,
    watch_company,
    watchlist,
)
from chanrong.funds.portfolio_alerts import (
    Pass,
    acknowledge_alert,
    close_alert,
    list_alerts,
    refresh_alerts,
    watched_funds,
)
from chanrong.funds.records import (
    InvestmentInput,
    TermsInput,
    add_close,
    add_commitment,
    add_investment,
    closes_of,
    commitments_of,
    committed_total,
    investments_of,
    readable_fund,
    set_terms,
    sponsored_funds,
    sub_funds,
    terms_of,
)
from chanrong.funds.report import percent, ratio, render_report
from chanrong.funds.report_pdf import render_pdf

# Guide-fund structure, portfolio records and evaluation live in their own modules; the
# routes, the console and other domains call them through this surface.
__all__ = [
    "DEAL_STAGES",
    "EXIT_KINDS",
    "INSTRUMENTS",
    "ROOM_DATASETS",
    "STAGES",
    "CompanyWatch",
    "DataRoom",
    "GuideEvaluation",
    "InvestmentInput",
    "MandateInput",
    "MandateMatch",
    "NeedMatch",
    "Pass",
    "PerformanceResult",
    "PortfolioAlert",
    "Realised",
    "Synced",
    "TermsInput",
    "acknowledge_alert",
    "add_close",
    "add_commitment",
    "add_exit",
    "add_flow",
    "add_investment",
    "add_nav",
    "annual_evaluation",
    "close_alert",
    "close_room",
    "close_round",
    "closes_of",
    "commitments_of",
    "committed_total",
    "create_fund",
    "deals_of",
    "evaluate_guide_fund",
    "exits_of",
    "fund_performance",
    "funds_of",
    "funds_watching",
    "get_fund",
    "investments_of",
    "is_live",
    "link_loan_to_round",
    "links_of",
    "list_alerts",
    "mandates_of",
    "matches_for_mandate",
    "matches_for_need",
    "move_deal",
    "moves_of",
    "needs_of",
    "open_room",
    "percent",
    "post_mandate",
    "post_need",
    "ratio",
    "read_room",
    "readable_fund",
    "realised",
    "recorded_performance",
    "refresh_alerts",
    "render_pdf",
    "render_report",
    "rooms_of",
    "set_terms",
    "sponsored_funds",
    "sub_funds",
    "sync_from_market",
    "terms_of",
    "watch_company",
    "watch_portfolio",
    "watched_funds",
    "watchlist",
]

KINDS = ("guide_fund", "sub_fund", "vc", "pe")


def create_fund(session: Session, org_id: str, *, name: str, kind: str, vintage: int) -> Fund:
    """Record a fund of ``org_id``."""
    if kind not in KINDS:
        raise ValidationFailed(f"kind: {kind!r} is not one of {', '.join(KINDS)}", field="kind")
    taken = session.scalar(select(Fund).where(Fund.org_id == org_id, Fund.name == name))
    if taken is not None:
        raise Conflict(f"a fund named {name!r} is already recorded")
    fund = Fund(org_id=org_id, name=name, kind=kind, vintage=vintage)
    session.add(fund)
    session.flush()
    return fund


def funds_of(session: Session, org_id: str) -> Sequence[Fund]:
    """The organisation's funds by name."""
    return session.scalars(select(Fund).where(Fund.org_id == org_id).order_by(Fund.name)).all()


def get_fund(session: Session, org_id: str, fund_id: str) -> Fund:
    """The organisation's fund, or NotFound (also for another organisation's fund)."""
    fund = session.get(Fund, fund_id)
    if fund is None or fund.org_id != org_id:
        raise NotFound(f"no fund {fund_id}")
    return fund


def add_flow(
    session: Session, org_id: str, fund_id: str, *, on: date, amount_fen: int, lp: str | None
) -> FundFlow:
    """Record a capital call (negative) or distribution (positive)."""
    fund = get_fund(session, org_id, fund_id)
    if amount_fen == 0:
        raise ValidationFailed("amount_yuan: a flow cannot be zero", field="amount_yuan")
    flow = FundFlow(fund_id=fund.id, on=on, amount_fen=amount_fen, lp=lp)
    session.add(flow)
    session.flush()
    return flow


def add_nav(session: Session, org_id: str, fund_id: str, *, on: date, nav_fen: int) -> FundNav:
    """Record a NAV statement (one per date)."""
    fund = get_fund(session, org_id, fund_id)
    if nav_fen < 0:
        raise ValidationFailed("nav_yuan: a NAV cannot be negative", field="nav_yuan")
    taken = session.scalar(select(FundNav).where(FundNav.fund_id == fund.id, FundNav.on == on))
    if taken is not None:
        raise Conflict(f"a NAV on {on} is already recorded")
    nav = FundNav(fund_id=fund.id, on=on, nav_fen=nav_fen)
    session.add(nav)
    session.flush()
    return nav


def fund_performance(
    session: Session,
    org_id: str,
    fund_id: str,
    index: Mapping[date, Decimal] | None = None,
) -> Performance:
    """The figures at the latest NAV, from the flows up to that date."""
    fund = get_fund(session, org_id, fund_id)
    nav = session.scalar(
        select(FundNav).where(FundNav.fund_id == fund.id).order_by(FundNav.on.desc()).limit(1)
    )
    if nav is None:
        raise ValidationFailed("nav: record a NAV statement first", field="nav")
    flows = [
        CashFlow(f.on, f.amount_fen)
        for f in session.scalars(
            select(FundFlow).where(FundFlow.fund_id == fund.id, FundFlow.on <= nav.on)
        )
    ]
    try:
        return performance(flows, nav.nav_fen, nav.on, index)
    except FundMetricError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from None


def annual_evaluation(session: Session, org_id: str, fund_id: str, year: int) -> GuideEvaluation:
    """The guide fund's evaluation from the records dated up to the end of ``year``."""
    if not 1990 <= year <= 2100:
        raise ValidationFailed("year: between 1990 and 2100", field="year")
    return evaluate_guide_fund(session, org_id, fund_id, as_of=date(year, 12, 31))
