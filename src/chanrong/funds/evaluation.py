"""A guide fund's evaluation from its records: leverage, 返投, 投向, J-curve and performance,
each with the ids of the records it was computed from.

The investments judged are those of the sub-funds the guide fund seeded and the guide fund's
own direct investments; the 返投 base is the guide fund's contribution to its sub-funds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.funds import guide
from chanrong.funds.exits import Realised, exits_of, realised
from chanrong.funds.orm import Fund, FundExit, FundFlow, FundInvestment, FundNav, FundTerms
from chanrong.funds.performance import CashFlow, FundMetricError, Performance, performance
from chanrong.funds.records import (
    committed_total,
    investments_of,
    readable_fund,
    sub_funds,
    terms_of,
)


@dataclass(frozen=True, slots=True)
class PerformanceResult:
    """The figures at the latest NAV, or why there are none (no NAV, no rate)."""

    figures: Performance | None
    missing: str | None
    nav_id: str | None
    flow_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GuideEvaluation:
    fund: Fund
    terms: FundTerms | None
    seeded: tuple[tuple[Fund, FundTerms, int | None], ...]  # sub-fund, terms, committed
    investments: tuple[FundInvestment, ...]
    exits: tuple[FundExit, ...]
    realised: Realised
    leverage: guide.Leverage
    reinvestment: guide.Reinvestment | None  # None: no region recorded
    sectors: guide.SectorShare | None  # None: no mandated sectors recorded
    j_curve: guide.JCurve
    performance: PerformanceResult
    as_of: date | None
    flow_ids: tuple[str, ...]  # the guide fund's own flows behind the J-curve


def recorded_performance(
    session: Session, fund_id: str, as_of: date | None = None
) -> PerformanceResult:
    """The fund's figures at its latest NAV (on or before ``as_of``) from its flows up to that
    date, or the reason there are none (``missing``: the field at fault)."""
    navs = select(FundNav).where(FundNav.fund_id == fund_id)
    if as_of is not None:
        navs = navs.where(FundNav.on <= as_of)
    nav = session.scalar(navs.order_by(FundNav.on.desc()).limit(1))
    if nav is None:
        return PerformanceResult(None, "nav: no NAV statement recorded", None, ())
    rows = session.scalars(
        select(FundFlow)
        .where(FundFlow.fund_id == fund_id, FundFlow.on <= nav.on)
        .order_by(FundFlow.on, FundFlow.id)
    ).all()
    ids = tuple(f.id for f in rows)
    try:
        figures = performance([CashFlow(f.on, f.amount_fen) for f in rows], nav.nav_fen, nav.on)
    except FundMetricError as exc:
        return PerformanceResult(None, str(exc), nav.id, ids)
    return PerformanceResult(figures, None, nav.id, ids)


def _as_investment(i: FundInvestment) -> guide.Investment:
    return guide.Investment(i.id, i.amount_fen, i.region_code, i.sector_code)


def evaluate_guide_fund(
    session: Session, org_id: str, fund_id: str, as_of: date | None = None
) -> GuideEvaluation:
    """The evaluation of a guide fund for its manager or its sponsoring government body, from
    the records dated on or before ``as_of`` (all records when None)."""
    fund = readable_fund(session, org_id, fund_id)
    if fund.kind != "guide_fund":
        raise ValidationFailed("fund_id: only a guide fund is evaluated so", field="fund_id")
    terms = terms_of(session, fund.id)
    seeded = tuple((f, t, committed_total(session, f.id)) for f, t in sub_funds(session, fund.id))
    lev = guide.leverage(
        [guide.SeededFund(f.id, total, t.guide_contribution_fen or 0) for f, t, total in seeded]
    )
    invs = tuple(
        i
        for i in investments_of(session, [fund.id, *(f.id for f, _, _ in seeded)])
        if as_of is None or i.on <= as_of
    )
    pure = [_as_investment(i) for i in invs]
    exits = tuple(
        x for x in exits_of(session, [i.id for i in invs]) if as_of is None or x.on <= as_of
    )
    reinvest = None
    if terms is not None and terms.region_code:
        reinvest = guide.reinvestment(
            pure, terms.region_code, lev.guide_contribution_fen, terms.required_reinvest_ratio
        )
    sectors = None
    if terms is not None and terms.mandated_sectors:
        sectors = guide.sector_share(pure, terms.mandated_sectors.split(","))
    flows = session.scalars(
        select(FundFlow).where(FundFlow.fund_id == fund.id).order_by(FundFlow.on, FundFlow.id)
    ).all()
    curve = guide.j_curve([(f.on, f.amount_fen) for f in flows if as_of is None or f.on <= as_of])
    return GuideEvaluation(
        fund=fund,
        terms=terms,
        seeded=seeded,
        investments=invs,
        exits=exits,
        realised=realised(invs, exits),
        leverage=lev,
        reinvestment=reinvest,
        sectors=sectors,
        j_curve=curve,
        performance=recorded_performance(session, fund.id, as_of),
        as_of=as_of,
        flow_ids=tuple(f.id for f in flows if as_of is None or f.on <= as_of),
    )
