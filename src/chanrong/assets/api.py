"""Assets routes: the data-resource register, IP, valuations and their report, pools, alerts.

Enterprises act on their own register and pools; banks on the pools they hold; every route
authenticates, and the service checks the caller's organisation and role (another
organisation's record is a 404)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, JSONResponse, Response

from chanrong.assets import service
from chanrong.assets.schemas import (
    AlertOut,
    CostCreate,
    CostOut,
    DataValuationIn,
    IpCreate,
    IpOut,
    IpPledgeOut,
    IpUpdate,
    IpValuationIn,
    LineIn,
    PledgeIn,
    PledgeOut,
    PoolCreate,
    PoolOut,
    ReleaseIn,
    ReplenishIn,
    ResourceOut,
    RevaluationOut,
    RevalueIn,
    TreatmentIn,
    TrendAlertOut,
    ValuationOut,
)
from chanrong.core.errors import ValidationFailed
from chanrong.core.money import yuan_to_fen
from chanrong.edge import Ctx, Idempotency, current, idempotency, require
from chanrong.identity.domain import OrgKind, Role
from chanrong.telemetry import service as telemetry

router = APIRouter(prefix="/assets", tags=["assets"])
enterprise_officer = require(OrgKind.ENTERPRISE, role=Role.OFFICER)
bank_officer = require(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)


def _flows(values: list[Decimal], field: str) -> tuple[int, ...]:
    return tuple(yuan_to_fen(str(v), field=field) for v in values)


def _weights(raw: Mapping[str, Decimal]) -> dict[service.Approach, Decimal]:
    out = {}
    for k, w in raw.items():
        try:
            out[service.Approach(k)] = w
        except ValueError as exc:
            raise ValidationFailed(f"weights: unknown approach {k}", field="weights") from exc
    return out


# --- data-resource register ------------------------------------------------------------------


@router.post("/register/build", response_model=list[ResourceOut])
def build_register(ctx: Ctx = Depends(enterprise_officer)) -> list[ResourceOut]:
    """Build or refresh the caller's register from its catalog and the verifiable log."""
    rows = service.build_register(ctx.session, ctx.principal, ctx.principal.org_id)
    return [ResourceOut.model_validate(r) for r in rows]


@router.get("/register", response_model=list[ResourceOut])
def register(ctx: Ctx = Depends(require(OrgKind.ENTERPRISE))) -> list[ResourceOut]:
    """The caller's data resources."""
    rows = service.list_register(ctx.session, ctx.principal, ctx.principal.org_id)
    return [ResourceOut.model_validate(r) for r in rows]


@router.post("/register/{resource_id}/costs", response_model=CostOut, status_code=201)
def add_cost(resource_id: str, body: CostCreate, ctx: Ctx = Depends(enterprise_officer)) -> CostOut:
    """Record a cost that formed the resource (logged)."""
    c = service.add_cost(
        ctx.session,
        ctx.principal,
        resource_id,
        kind=body.kind,
        amount_fen=yuan_to_fen(str(body.amount), field="amount"),
        incurred_on=body.incurred_on,
        evidence=body.evidence,
    )
    return CostOut.model_validate(c)


@router.get("/register/{resource_id}/costs", response_model=list[CostOut])
def costs(resource_id: str, ctx: Ctx = Depends(current)) -> list[CostOut]:
    """The resource's cost records."""
    return [
        CostOut.model_validate(c)
        for c in service.list_costs(ctx.session, ctx.principal, resource_id)
    ]


@router.put("/register/{resource_id}/treatment", response_model=ResourceOut)
def set_treatment(
    resource_id: str, body: TreatmentIn, ctx: Ctx = Depends(enterprise_officer)
) -> ResourceOut:
    """Why the resource is held and how it was formed (decides its accounting treatment)."""
    r = service.set_treatment(ctx.session, ctx.principal, resource_id, **body.model_dump())
    return ResourceOut.model_validate(r)


@router.post("/register/{resource_id}/valuations", response_model=ValuationOut, status_code=201)
def value_resource(
    resource_id: str, body: DataValuationIn, ctx: Ctx = Depends(enterprise_officer)
) -> ValuationOut:
    """Value a data resource (cost approach always; income share and market when given)."""
    inputs = service.DataInputs(
        reasonable_return=body.reasonable_return,
        timeliness=body.timeliness,
        quality_assumed=body.quality_assumed,
        business_flows_fen=_flows(body.business_flows, "business_flows"),
        share=body.share,
        lift=service.Lift(**body.lift.model_dump()) if body.lift else None,
        discount_rate=body.discount_rate,
        comparables=tuple(
            service.Comparable(
                c.name,
                yuan_to_fen(str(c.price), field="comparables.price"),
                c.adjustments,
                c.weight,
            )
            for c in body.comparables
        ),
        weights=_weights(body.weights),
    )
    v = service.value_data_resource(
        ctx.session, ctx.principal, resource_id, inputs, as_of=body.as_of
    )
    return ValuationOut.model_validate(v)


# --- IP -------------------------------------------------------------------------------------


@router.post("/ip", response_model=IpOut, status_code=201)
def register_ip(
    body: IpCreate, ctx: Ctx = Depends(enterprise_officer), idem: Idempotency = Depends(idempotency)
) -> JSONResponse:
    """Register a patent, trademark, software copyright or layout design (number checked)."""
    if (replay := idem.replay()) is not None:
        return replay
    data = body.model_dump(exclude={"annual_fee"})
    fee = None if body.annual_fee is None else yuan_to_fen(str(body.annual_fee), field="annual_fee")
    ip = service.register_ip(ctx.session, ctx.principal, annual_fee_fen=fee, **data)
    return idem.save(201, IpOut.model_validate(ip).model_dump(mode="json"))


@router.get("/ip", response_model=list[IpOut])
def list_ip(ctx: Ctx = Depends(require(OrgKind.ENTERPRISE))) -> list[IpOut]:
    """The caller's IP rights."""
    return [
        IpOut.model_validate(i)
        for i in service.list_ip(ctx.session, ctx.principal, ctx.principal.org_id)
    ]


@router.patch("/ip/{ip_id}", response_model=IpOut)
def update_ip(ip_id: str, body: IpUpdate, ctx: Ctx = Depends(enterprise_officer)) -> IpOut:
    """Record a legal-status change or a fee payment."""
    ip = service.update_ip(ctx.session, ctx.principal, ip_id, **body.model_dump())
    return IpOut.model_validate(ip)


@router.get("/ip/{ip_id}/pledges", response_model=list[IpPledgeOut])
def ip_pledges(ip_id: str, ctx: Ctx = Depends(current)) -> list[IpPledgeOut]:
    """The right's pledge registrations."""
    return [
        IpPledgeOut.model_validate(p) for p in service.ip_pledges(ctx.session, ctx.principal, ip_id)
    ]


@router.post("/ip/{ip_id}/valuations", response_model=ValuationOut, status_code=201)
def value_ip(
    ip_id: str, body: IpValuationIn, ctx: Ctx = Depends(enterprise_officer)
) -> ValuationOut:
    """Value a right by relief from royalty over its remaining life and legal status."""
    inputs = service.IpInputs(
        revenues_fen=_flows(body.revenues, "revenues"),
        royalty_rate=body.royalty_rate,
        tax_rate=body.tax_rate,
        discount_rate=body.discount_rate,
    )
    v = service.value_ip(ctx.session, ctx.principal, ip_id, inputs, as_of=body.as_of)
    return ValuationOut.model_validate(v)


# --- valuations -----------------------------------------------------------------------------


@router.get("/valuations", response_model=list[ValuationOut])
def valuations(ctx: Ctx = Depends(require(OrgKind.ENTERPRISE))) -> list[ValuationOut]:
    """The caller's valuations, newest first."""
    rows = service.list_valuations(ctx.session, ctx.principal, ctx.principal.org_id)
    return [ValuationOut.model_validate(v) for v in rows]


@router.get("/valuations/{valuation_id}", response_model=ValuationOut)
def valuation(valuation_id: str, ctx: Ctx = Depends(current)) -> ValuationOut:
    """One valuation (its enterprise, or a bank holding the asset in a pool)."""
    return ValuationOut.model_validate(
        service.get_valuation(ctx.session, ctx.principal, valuation_id)
    )


@router.get("/valuations/{valuation_id}/report.html", response_class=HTMLResponse)
def valuation_report(valuation_id: str, ctx: Ctx = Depends(current)) -> HTMLResponse:
    """The valuation report as an HTML page in the caller's language."""
    v = service.get_valuation(ctx.session, ctx.principal, valuation_id)
    pdf = f"/assets/valuations/{v.id}/report.pdf"
    return HTMLResponse(service.render_report(v, ctx.locale, pdf_href=pdf))


@router.get("/valuations/{valuation_id}/report.pdf", response_class=Response)
def valuation_report_pdf(valuation_id: str, ctx: Ctx = Depends(current)) -> Response:
    """The valuation report as PDF (summary page and sensitivity chart)."""
    v = service.get_valuation(ctx.session, ctx.principal, valuation_id)
    return Response(
        service.render_pdf(v, ctx.locale),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="valuation-{v.id}.pdf"'},
    )


# --- pools ----------------------------------------------------------------------------------


@router.post("/pools", response_model=PoolOut, status_code=201)
def open_pool(
    body: PoolCreate, ctx: Ctx = Depends(bank_officer), idem: Idempotency = Depends(idempotency)
) -> JSONResponse:
    """The bank opens an enterprise's asset pool with a line limit."""
    if (replay := idem.replay()) is not None:
        return replay
    pool = service.open_pool(
        ctx.session,
        ctx.principal,
        enterprise_org_id=body.enterprise_org_id,
        limit_fen=yuan_to_fen(str(body.limit), field="limit"),
    )
    return idem.save(201, PoolOut.model_validate(pool).model_dump(mode="json"))


@router.get("/pools", response_model=list[PoolOut])
def pools(ctx: Ctx = Depends(current)) -> list[PoolOut]:
    """The caller's pools (as enterprise or as bank)."""
    return [PoolOut.model_validate(p) for p in service.list_pools(ctx.session, ctx.principal)]


@router.get("/pools/{pool_id}", response_model=PoolOut)
def pool(pool_id: str, ctx: Ctx = Depends(current)) -> PoolOut:
    """One pool (its enterprise or its bank)."""
    return PoolOut.model_validate(service.get_pool(ctx.session, ctx.principal, pool_id))


@router.get("/pools/{pool_id}/pledges", response_model=list[PledgeOut])
def pledges(pool_id: str, ctx: Ctx = Depends(current), released: bool = False) -> list[PledgeOut]:
    """The pool's pledged assets (``released=true`` includes released ones)."""
    rows = service.pool_pledges(ctx.session, ctx.principal, pool_id, active_only=not released)
    return [PledgeOut.model_validate(p) for p in rows]


@router.post("/pools/{pool_id}/pledges", response_model=PledgeOut, status_code=201)
def pledge(pool_id: str, body: PledgeIn, ctx: Ctx = Depends(enterprise_officer)) -> PledgeOut:
    """Pledge an asset into the pool (409 if it already backs a pool)."""
    p = service.pledge_asset(
        ctx.session,
        ctx.principal,
        pool_id,
        _spec(body),
        on=body.on,
        store=telemetry.open_store(ctx.settings),
    )
    return PledgeOut.model_validate(p)


def _spec(body: PledgeIn) -> service.AssetSpec:
    declared = (
        None
        if body.declared_value is None
        else yuan_to_fen(str(body.declared_value), field="declared_value")
    )
    return service.AssetSpec(
        body.asset_type,
        body.asset_ref,
        declared,
        body.reference_date,
        body.debtor,
        body.registration_no,
        body.quantity,
        body.delivery_date,
    )


@router.post("/pools/{pool_id}/pledges/{pledge_id}/release", response_model=PledgeOut)
def release(
    pool_id: str, pledge_id: str, body: ReleaseIn, ctx: Ctx = Depends(current)
) -> PledgeOut:
    """Release a pledged asset (the bank; the enterprise while the pool stays covered)."""
    p = service.release_asset(ctx.session, ctx.principal, pool_id, pledge_id, on=body.on)
    return PledgeOut.model_validate(p)


@router.post("/pools/{pool_id}/pledges/{pledge_id}/enforce", response_model=PledgeOut)
def enforce(
    pool_id: str, pledge_id: str, body: ReleaseIn, ctx: Ctx = Depends(bank_officer)
) -> PledgeOut:
    """The bank enforces its security over a pledged asset (质权实现)."""
    p = service.enforce_pledge(ctx.session, ctx.principal, pool_id, pledge_id, on=body.on)
    return PledgeOut.model_validate(p)


@router.post(
    "/pools/{pool_id}/pledges/{pledge_id}/substitute", response_model=PledgeOut, status_code=201
)
def substitute(
    pool_id: str, pledge_id: str, body: PledgeIn, ctx: Ctx = Depends(enterprise_officer)
) -> PledgeOut:
    """Swap a pledged asset for another in one step."""
    p = service.substitute_asset(
        ctx.session,
        ctx.principal,
        pool_id,
        pledge_id,
        _spec(body),
        on=body.on,
        store=telemetry.open_store(ctx.settings),
    )
    return PledgeOut.model_validate(p)


@router.put("/pools/{pool_id}/line", response_model=PoolOut)
def line(pool_id: str, body: LineIn, ctx: Ctx = Depends(bank_officer)) -> PoolOut:
    """The bank links the pool to the lending credit line it secures; from then on the drawn
    balance is read from lending at every revaluation."""
    r = service.link_pool_line(
        ctx.session, ctx.principal, pool_id, line_id=body.line_id, as_of=body.as_of
    )
    return PoolOut.model_validate(r.pool)


@router.post("/pools/{pool_id}/replenish", response_model=PoolOut)
def replenish(pool_id: str, body: ReplenishIn, ctx: Ctx = Depends(current)) -> PoolOut:
    """The enterprise turns replenishment from intake on or off (logged): its open receivables
    join the pool, and paid ones leave, at each revaluation."""
    pool = service.set_replenish(ctx.session, ctx.principal, pool_id, on=body.on)
    return PoolOut.model_validate(pool)


@router.post("/pools/{pool_id}/revalue", response_model=RevaluationOut)
def revalue(pool_id: str, body: RevalueIn, ctx: Ctx = Depends(current)) -> RevaluationOut:
    """Revalue the pool from today's evidence (either party)."""
    r = service.revalue_pool(ctx.session, ctx.principal, pool_id, as_of=body.as_of)
    return RevaluationOut.model_validate(r.revaluation)


@router.get("/pools/{pool_id}/revaluations", response_model=list[RevaluationOut])
def revaluations(pool_id: str, ctx: Ctx = Depends(current)) -> list[RevaluationOut]:
    """The pool's recent revaluations, newest first."""
    return [
        RevaluationOut.model_validate(r)
        for r in service.pool_history(ctx.session, ctx.principal, pool_id)
    ]


@router.get("/alerts", response_model=list[AlertOut])
def alerts(ctx: Ctx = Depends(current)) -> list[AlertOut]:
    """Margin alerts the caller is party to."""
    return [AlertOut.model_validate(a) for a in service.list_alerts(ctx.session, ctx.principal)]


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(alert_id: str, ctx: Ctx = Depends(bank_officer)) -> AlertOut:
    """The bank acknowledges a margin alert (logged)."""
    return AlertOut.model_validate(service.acknowledge_alert(ctx.session, ctx.principal, alert_id))


@router.get("/trend-alerts", response_model=list[TrendAlertOut])
def trend_alerts(ctx: Ctx = Depends(current)) -> list[TrendAlertOut]:
    """Trend alerts (the pool's value falling) the caller is party to, newest first."""
    return [
        TrendAlertOut.model_validate(a)
        for a in service.list_trend_alerts(ctx.session, ctx.principal)
    ]


@router.get("/trend-alerts/{alert_id}", response_model=TrendAlertOut)
def trend_alert(alert_id: str, ctx: Ctx = Depends(current)) -> TrendAlertOut:
    """One trend alert with its evidence, for its bank or its enterprise."""
    alert = service.get_trend_alert(ctx.session, ctx.principal, alert_id)
    return TrendAlertOut.model_validate(alert)
