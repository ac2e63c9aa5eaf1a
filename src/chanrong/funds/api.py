"""Fund routes: performance figures from cash flows posted with the request.

Funds, LPs and their records are not stored yet; this computes a fund's figures from the
flows the caller gives. Readers are those who evaluate funds: analysts (government and
research), financial institutions and the platform operator; enterprises are refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import yuan_to_fen
from chanrong.edge import Ctx, require
from chanrong.funds.performance import CashFlow, FundMetricError, performance
from chanrong.funds.schemas import PerformanceIn, PerformanceOut
from chanrong.identity.domain import OrgKind

router = APIRouter(prefix="/funds", tags=["funds"])

read = require(OrgKind.ANALYST, OrgKind.PLATFORM_OPERATOR, OrgKind.FINANCIAL_INSTITUTION)


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
