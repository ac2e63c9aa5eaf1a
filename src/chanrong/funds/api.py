"""Fund routes: performance figures from cash flows posted with the request.

``POST /funds/performance`` computes the figures from flows the caller gives; funds recorded
here (with their calls, distributions and NAVs) belong to the organisation that recorded them.
Callers are those who manage or evaluate funds: analysts (government and research), financial
institutions and the platform operator; enterprises are refused. Recording needs an officer.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import yuan_to_fen
from chanrong.edge import Ctx, require
from chanrong.funds import service
from chanrong.funds.performance import CashFlow, FundMetricError, performance
from chanrong.funds.schemas import (
    FundFlowIn,
    FundIn,
    FundOut,
    NavIn,
    PerformanceIn,
    PerformanceOut,
    RecordedOut,
)
from chanrong.identity.domain import OrgKind, Role

router = APIRouter(prefix="/funds", tags=["funds"])

KINDS = (OrgKind.ANALYST, OrgKind.PLATFORM_OPERATOR, OrgKind.FINANCIAL_INSTITUTION)
read = require(*KINDS)
edit = require(*KINDS, role=Role.OFFICER)


@router.post("/performance", response_model=PerformanceOut)
def fund_performance(body: PerformanceIn, ctx: Ctx = Depends(read)) -> PerformanceOut:
    """IRR, DPI, RVPI, TVPI and (with index levels) KS-PME and direct alpha. Flows that admit
    no rate are a 422 naming ``irr`` (or ``direct_alpha``), never a null."""
    flows = [
        CashFlow(f.date, yuan_to_fen(f.amount_yuan, field=f"flows[{i}].amount_yuan"))
        for i, f in enumerate(body.flows)
    ]
    nav = yuan_to_fen(body.nav_yuan, field="nav_yuan")
    index = {x.date: x.level for x in body.index} if body.index is not None else None
    try:
        return PerformanceOut.of(performance(flows, nav, body.nav_date, index))
    except FundMetricError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from None


@router.post("", response_model=FundOut, status_code=201)
def create_fund(body: FundIn, ctx: Ctx = Depends(edit)) -> FundOut:
    """Record a fund of the caller's organisation."""
    fund = service.create_fund(
        ctx.session, ctx.principal.org_id, name=body.name, kind=body.kind, vintage=body.vintage
    )
    return FundOut.model_validate(fund)


@router.get("", response_model=list[FundOut])
def list_funds(ctx: Ctx = Depends(read)) -> list[FundOut]:
    """The caller's organisation's funds."""
    return [FundOut.model_validate(f) for f in service.funds_of(ctx.session, ctx.principal.org_id)]


@router.post("/{fund_id}/flows", response_model=RecordedOut, status_code=201)
def add_flow(fund_id: str, body: FundFlowIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """Record a capital call (negative) or distribution (positive)."""
    flow = service.add_flow(
        ctx.session,
        ctx.principal.org_id,
        fund_id,
        on=body.date,
        amount_fen=yuan_to_fen(body.amount_yuan, field="amount_yuan"),
        lp=body.lp,
    )
    return RecordedOut(id=flow.id)


@router.post("/{fund_id}/navs", response_model=RecordedOut, status_code=201)
def add_nav(fund_id: str, body: NavIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """Record a NAV statement."""
    nav = service.add_nav(
        ctx.session,
        ctx.principal.org_id,
        fund_id,
        on=body.date,
        nav_fen=yuan_to_fen(body.nav_yuan, field="nav_yuan"),
    )
    return RecordedOut(id=nav.id)


@router.get("/{fund_id}/performance", response_model=PerformanceOut)
def recorded_performance(fund_id: str, ctx: Ctx = Depends(read)) -> PerformanceOut:
    """IRR, DPI, RVPI and TVPI at the latest NAV from the recorded flows (no rate: 422)."""
    return PerformanceOut.of(service.fund_performance(ctx.session, ctx.principal.org_id, fund_id))
