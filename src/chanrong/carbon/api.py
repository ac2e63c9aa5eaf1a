"""Carbon routes: the monthly assessment, an enterprise's codes under consent, park statistics."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from chanrong.carbon import service
from chanrong.carbon.schemas import AssessOut, AssessRequest, CarbonCodeOut, CarbonProfileOut
from chanrong.core.clock import parse_month
from chanrong.edge import Ctx, current
from chanrong.governance.routing import DataRead, data_route, enterprise_read

router = APIRouter(prefix="/carbon", tags=["carbon"])


@router.post("/assessments", response_model=AssessOut)
def assess(body: AssessRequest, ctx: Ctx = Depends(current)) -> AssessOut:
    """Compute every enterprise's carbon code for a month (platform operator officers)."""
    period = parse_month(body.period)
    rows = service.assess_month(ctx.session, ctx.principal, period)
    grades: dict[int, int] = {}
    for r in rows:
        grades[r.grade] = grades.get(r.grade, 0) + 1
    return AssessOut(period=period, assessed=len(rows), grades=dict(sorted(grades.items())))


@router.get(
    "/enterprises/{org_id}/codes",
    response_model=CarbonProfileOut,
    openapi_extra=data_route(service.DATASET),
)
def codes(
    org_id: str, read: DataRead = Depends(enterprise_read(service.DATASET))
) -> CarbonProfileOut:
    """An enterprise's monthly carbon codes, trend and peers (itself, or under consent)."""
    profile = service.enterprise_codes(read.ctx.session, org_id)
    out = [CarbonCodeOut.model_validate(c) for c in profile.codes]
    return CarbonProfileOut(
        org_id=org_id,
        codes=out,
        latest_grade=out[-1].grade if out else None,
        trend=[c.grade for c in out],
        peer_grades=profile.peer_grades,
    )


@router.get("/park/{period}", response_model=dict[int, int])
def park(period: str, ctx: Ctx = Depends(current)) -> dict[int, int]:
    """How many enterprises hold each grade in a month (operator and analysts)."""
    return service.park_distribution(ctx.session, ctx.principal, parse_month(period))
