"""Insurance routes: equipment quality under consent, premium quotes."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from chanrong.edge import Ctx, Idempotency, current, idempotency
from chanrong.governance.routing import DataRead, data_route, enterprise_read
from chanrong.insurance import calibration, lifecycle, notices, policies, risk, service
from chanrong.insurance.schemas import (
    AlertOut,
    BindIn,
    CancelIn,
    ClaimIn,
    ClaimOut,
    DeviceQualityOut,
    EquipmentQualityOut,
    FitIn,
    InstalmentOut,
    InstalmentStatusOut,
    JournalLineOut,
    NotificationOut,
    PlaceIn,
    PolicyDetailOut,
    PolicyOut,
    PortfolioRowOut,
    PremiumIn,
    PremiumOut,
    PricingModelOut,
    QuoteCreate,
    QuoteOut,
    RatingOut,
    RerateIn,
    RiskOut,
    SiteRiskOut,
    TerminationOut,
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


def _policy_detail(v: policies.PolicyView) -> PolicyDetailOut:
    return PolicyDetailOut(
        policy=PolicyOut.model_validate(v.policy),
        schedule=[InstalmentOut.model_validate(i) for i in v.instalments],
        ratings=[RatingOut.model_validate(r) for r in v.ratings],
        journal=[JournalLineOut.model_validate(j) for j in v.journal],
    )


@router.post("/quotes/{quote_id}/bind", response_model=PolicyDetailOut, status_code=201)
def bind_quote(quote_id: str, body: BindIn, ctx: Ctx = Depends(current)) -> PolicyDetailOut:
    """The insured enterprise accepts its quote: the policy, its schedule and ledger."""
    p = policies.bind(ctx.session, ctx.principal, quote_id, instalments=body.instalments)
    return _policy_detail(policies.policy_view(ctx.session, ctx.principal, p.id))


@router.get("/policies", response_model=list[PolicyOut])
def list_policies(ctx: Ctx = Depends(current)) -> list[PolicyOut]:
    """Policies the caller wrote (insurer) or holds (enterprise)."""
    return [PolicyOut.model_validate(p) for p in policies.list_policies(ctx.session, ctx.principal)]


@router.get("/policies/{policy_id}", response_model=PolicyDetailOut)
def get_policy(policy_id: str, ctx: Ctx = Depends(current)) -> PolicyDetailOut:
    return _policy_detail(policies.policy_view(ctx.session, ctx.principal, policy_id))


@router.post("/policies/{policy_id}/rerate", response_model=RatingOut, status_code=201)
def rerate_policy(policy_id: str, body: RerateIn, ctx: Ctx = Depends(current)) -> RatingOut:
    """The insurer re-rates a policy from the last 30 days of live data."""
    r = policies.rerate(
        ctx.session, ctx.principal, telemetry.open_store(ctx.settings), policy_id, body.as_of
    )
    return RatingOut.model_validate(r)


@router.post("/policies/{policy_id}/premiums", response_model=PremiumOut, status_code=201)
def pay_premium(policy_id: str, body: PremiumIn, ctx: Ctx = Depends(current)) -> PremiumOut:
    """The insurer records a premium payment it received on its policy."""
    row = lifecycle.pay_premium(ctx.session, ctx.principal, policy_id, **body.model_dump())
    return PremiumOut.model_validate(row)


@router.get("/policies/{policy_id}/premiums", response_model=list[InstalmentStatusOut])
def premium_schedule(
    policy_id: str, as_of: date = Query(), ctx: Ctx = Depends(current)
) -> list[InstalmentStatusOut]:
    """Each instalment's payments and state (paid, late, overdue, missed, open) as of a day."""
    return [
        InstalmentStatusOut.model_validate(x)
        for x in lifecycle.schedule_status(ctx.session, ctx.principal, policy_id, as_of)
    ]


@router.post("/policies/{policy_id}/cancel", response_model=TerminationOut)
def cancel_policy(policy_id: str, body: CancelIn, ctx: Ctx = Depends(current)) -> TerminationOut:
    """The insured or the insurer cancels a policy: premium earned pro rata, the rest refunded."""
    ended = lifecycle.cancel(ctx.session, ctx.principal, policy_id, on=body.on, reason=body.reason)
    return TerminationOut.model_validate(ended.termination)


@router.post("/policies/{policy_id}/claims", response_model=ClaimOut, status_code=201)
def pay_claim(policy_id: str, body: ClaimIn, ctx: Ctx = Depends(current)) -> ClaimOut:
    """The insurer records a claim paid on its policy."""
    row = policies.pay_claim(ctx.session, ctx.principal, policy_id, **body.model_dump())
    return ClaimOut.model_validate(row)


@router.get("/policies/{policy_id}/claims", response_model=list[ClaimOut])
def policy_claims(policy_id: str, ctx: Ctx = Depends(current)) -> list[ClaimOut]:
    return [
        ClaimOut(
            claim_id=c.claim_id,
            policy=c.policy,
            device_id=c.device_id,
            site=c.site,
            loss_date=c.loss_date,
            cause=c.cause,
            amount_fen=c.amount_fen,
        )
        for c in policies.claims_of(ctx.session, ctx.principal, policy_id)
    ]


def risk_out(v: risk.RiskView) -> RiskOut:
    """The API shape of an enterprise's safety-risk view (shared with the console)."""
    p = v.profile
    return RiskOut(
        org_id=v.org_id,
        day=p.day if p else None,
        score=p.score if p else None,
        band=p.band if p else None,
        factors=dict(p.factors) if p else {},
        devices=list(p.devices) if p else [],
        alerts=[AlertOut.model_validate(a) for a in v.alerts],
        sites=[SiteRiskOut.model_validate(x) for x in v.sites],
    )


@router.get("/enterprises/{org_id}/safety-risk", response_model=RiskOut)
def safety_risk(org_id: str, ctx: Ctx = Depends(current)) -> RiskOut:
    """An enterprise's safety-risk profile and alerts (itself, or an insurer under consent)."""
    return risk_out(risk.risk_of(ctx.session, ctx.principal, org_id))


@router.get("/portfolio", response_model=list[PortfolioRowOut])
def portfolio(ctx: Ctx = Depends(current)) -> list[PortfolioRowOut]:
    """The insurer's book by enterprise with each one's risk, where it consents."""
    return [
        PortfolioRowOut(
            org_id=r.org_id,
            name=r.name,
            consented=r.consented,
            risk=risk_out(r.view) if r.view else None,
        )
        for r in risk.portfolio(ctx.session, ctx.principal)
    ]


@router.post("/models/fit", response_model=PricingModelOut, status_code=201)
def fit_model(body: FitIn, ctx: Ctx = Depends(current)) -> PricingModelOut:
    """Fit the insurer's pricing model to its book's claims and store it as a new version."""
    m = calibration.fit_from_claims(
        ctx.session, ctx.principal, telemetry.open_store(ctx.settings), body.start, body.end
    )
    return PricingModelOut.model_validate(m)


@router.get("/models", response_model=list[PricingModelOut])
def list_models(ctx: Ctx = Depends(current)) -> list[PricingModelOut]:
    return [
        PricingModelOut.model_validate(m) for m in calibration.models(ctx.session, ctx.principal)
    ]


@router.get("/notifications", response_model=list[NotificationOut])
def inbox(unread: bool = Query(False), ctx: Ctx = Depends(current)) -> list[NotificationOut]:
    """Safety alerts delivered to the caller: the insured's own (with what to check), or an
    insurer's about the enterprises it insures that consent."""
    return [
        NotificationOut.model_validate(n)
        for n in notices.inbox(ctx.session, ctx.principal, unread=unread)
    ]


@router.get("/notifications/sent", response_model=list[NotificationOut])
def sent_about(ctx: Ctx = Depends(current)) -> list[NotificationOut]:
    """Every notice about the caller's own alerts, to whom and in what state (withheld: why)."""
    return [
        NotificationOut.model_validate(n) for n in notices.sent_about(ctx.session, ctx.principal)
    ]


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut)
def mark_read(notification_id: str, ctx: Ctx = Depends(current)) -> NotificationOut:
    return NotificationOut.model_validate(
        notices.mark_read(ctx.session, ctx.principal, notification_id)
    )


@router.put("/sites/{device_id}", response_model=dict[str, str])
def place_device(device_id: str, body: PlaceIn, ctx: Ctx = Depends(current)) -> dict[str, str]:
    """The enterprise places one of its devices at one of its sites (safety profiles per site)."""
    row = risk.place_device(ctx.session, ctx.principal, device_id, body.site)
    return {"device_id": row.device_id, "site": row.site}


@router.get("/enterprises/{org_id}/sites", response_model=dict[str, str])
def device_sites(org_id: str, ctx: Ctx = Depends(current)) -> dict[str, str]:
    """Where an enterprise's devices stand (itself, or an insurer under consent)."""
    return risk.device_sites(ctx.session, ctx.principal, org_id)
