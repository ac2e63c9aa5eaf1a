"""Insurance routes: equipment quality under consent, premium quotes."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from chanrong.edge import Ctx, Idempotency, current, idempotency
from chanrong.governance.routing import DataRead, data_route, enterprise_read
from chanrong.insurance import service
from chanrong.insurance.schemas import (
    DeviceQualityOut,
    EquipmentQualityOut,
    QuoteCreate,
    QuoteOut,
)
from chanrong.telemetry import service as telemetry

router = APIRouter(prefix="/insurance", tags=["insurance"])


@router.get(
    "/enterprises/{org_id}/equipment-quality",
    response_model=EquipmentQualityOut,
    openapi_extra=data_route(service.DATASET),
)
def equipment_quality(
    org_id: str,
    start: date = Query(),
    end: date = Query(),
    read: DataRead = Depends(enterprise_read(service.DATASET)),
) -> EquipmentQualityOut:
    """Each machine's quality index and the enterprise's safety-risk profile."""
    ctx = read.ctx
    q = service.equipment_quality(
        ctx.session, ctx.principal, telemetry.open_store(ctx.settings), org_id, start, end
    )
    return EquipmentQualityOut(
        org_id=org_id,
        start=start,
        end=end,
        index=q.risk.index if q.risk else None,
        band=q.risk.band if q.risk else None,
        multiplier=q.risk.multiplier if q.risk else None,
        worst_devices=list(q.risk.worst_devices) if q.risk else [],
        devices=[
            DeviceQualityOut(
                device_id=d.device_id,
                index=d.index,
                band=d.band,
                failure_rate_per_kh=d.failure_rate_per_kh,
                downtime_share=d.downtime_share,
                stress=d.stress,
            )
            for d in q.devices
        ],
    )


@router.post("/quotes", response_model=QuoteOut, status_code=201)
def create_quote(
    body: QuoteCreate, ctx: Ctx = Depends(current), idem: Idempotency = Depends(idempotency)
) -> JSONResponse:
    """An insurer prices an enterprise's equipment policy from its quality index."""
    if (replay := idem.replay()) is not None:
        return replay
    q = service.quote(
        ctx.session, ctx.principal, telemetry.open_store(ctx.settings), **body.model_dump()
    )
    return idem.save(201, QuoteOut.model_validate(q).model_dump(mode="json"))


@router.get("/quotes", response_model=list[QuoteOut])
def list_quotes(ctx: Ctx = Depends(current)) -> list[QuoteOut]:
    return [QuoteOut.model_validate(q) for q in service.list_quotes(ctx.session, ctx.principal)]
