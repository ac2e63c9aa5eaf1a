"""Guaranteed trade routes (保付 and, below, escrow) under /trade: enterprises ask and pay,
banks and guarantors accept, pay out and are repaid."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.money import yuan_to_fen
from chanrong.edge import Ctx, Idempotency, current, idempotency, require
from chanrong.identity.domain import OrgKind, Role
from chanrong.supplychain import service
from chanrong.supplychain.trade_schemas import (
    EscrowIn,
    EscrowOut,
    GuaranteeAcceptIn,
    GuaranteeOut,
    GuaranteeRequestIn,
    PayOutIn,
    ReasonIn,
    RepaymentIn,
    ResolveIn,
    TradeAlertOut,
    WatchIn,
    WatchOut,
)

router = APIRouter(prefix="/trade", tags=["trade"])

enterprise_officer = require(OrgKind.ENTERPRISE, role=Role.OFFICER)
institution_officer = require(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)


@router.post(
    "/statements/{statement_id}/payment-guarantees", response_model=GuaranteeOut, status_code=201
)
def request_guarantee(
    statement_id: str,
    body: GuaranteeRequestIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """A party to a confirmed statement asks a bank or guarantor to guarantee its payment."""
    if (replay := idem.replay()) is not None:
        return replay
    g = service.request_payment_guarantee(
        ctx.session, ctx.principal, statement_id, guarantor_org_id=body.guarantor_org_id
    )
    return idem.save(201, GuaranteeOut.of(service.GuaranteeView(g)).model_dump(mode="json"))


@router.get("/payment-guarantees", response_model=list[GuaranteeOut])
def list_guarantees(ctx: Ctx = Depends(current)) -> list[GuaranteeOut]:
    """Guarantees the caller is the guarantor, seller or buyer of."""
    return [GuaranteeOut.of(v) for v in service.payment_guarantees(ctx.session, ctx.principal)]


@router.get("/payment-guarantees/{guarantee_id}", response_model=GuaranteeOut)
def get_guarantee(guarantee_id: str, ctx: Ctx = Depends(current)) -> GuaranteeOut:
    return GuaranteeOut.of(service.get_payment_guarantee(ctx.session, ctx.principal, guarantee_id))


@router.post("/payment-guarantees/{guarantee_id}/accept", response_model=GuaranteeOut)
def accept_guarantee(
    guarantee_id: str, body: GuaranteeAcceptIn, ctx: Ctx = Depends(institution_officer)
) -> GuaranteeOut:
    """The guarantor accepts at a fee rate; the fee is charged at once."""
    service.accept_payment_guarantee(
        ctx.session, ctx.principal, guarantee_id, fee_rate_percent=body.fee_rate_percent
    )
    return GuaranteeOut.of(service.get_payment_guarantee(ctx.session, ctx.principal, guarantee_id))


@router.post("/payment-guarantees/{guarantee_id}/decline", response_model=GuaranteeOut)
def decline_guarantee(
    guarantee_id: str, body: ReasonIn, ctx: Ctx = Depends(institution_officer)
) -> GuaranteeOut:
    service.decline_payment_guarantee(ctx.session, ctx.principal, guarantee_id, reason=body.reason)
    return GuaranteeOut.of(service.get_payment_guarantee(ctx.session, ctx.principal, guarantee_id))


@router.post("/payment-guarantees/{guarantee_id}/call", response_model=GuaranteeOut)
def call_guarantee(guarantee_id: str, ctx: Ctx = Depends(enterprise_officer)) -> GuaranteeOut:
    """The seller calls on the guarantee after the due day passed unpaid."""
    service.call_payment_guarantee(ctx.session, ctx.principal, guarantee_id)
    return GuaranteeOut.of(service.get_payment_guarantee(ctx.session, ctx.principal, guarantee_id))


@router.post(
    "/payment-guarantees/{guarantee_id}/pay-out", response_model=GuaranteeOut, status_code=201
)
def pay_out(
    guarantee_id: str,
    body: PayOutIn,
    ctx: Ctx = Depends(institution_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The guarantor pays the seller (代偿) and opens its recourse claim on the buyer."""
    if (replay := idem.replay()) is not None:
        return replay
    v = service.pay_out(
        ctx.session,
        ctx.principal,
        guarantee_id,
        instalments=body.instalments,
        first_due_on=body.first_due_on,
    )
    return idem.save(201, GuaranteeOut.of(v).model_dump(mode="json"))


@router.post("/recourse-claims/{claim_id}/repayments", response_model=GuaranteeOut, status_code=201)
def repay(
    claim_id: str,
    body: RepaymentIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The buyer repays the guarantor's recourse claim, oldest instalment first."""
    if (replay := idem.replay()) is not None:
        return replay
    v = service.repay_recourse(
        ctx.session, ctx.principal, claim_id, amount_fen=yuan_to_fen(body.amount, field="amount")
    )
    return idem.save(201, GuaranteeOut.of(v).model_dump(mode="json"))


# -- escrow ----------------------------------------------------------------------------------


@router.post("/orders/{order_id}/escrows", response_model=EscrowOut, status_code=201)
def deposit(
    order_id: str,
    body: EscrowIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The buyer puts money for an order in escrow with a bank."""
    if (replay := idem.replay()) is not None:
        return replay
    e = service.deposit_escrow(
        ctx.session,
        ctx.principal,
        order_id,
        agent_org_id=body.agent_org_id,
        amount_fen=yuan_to_fen(body.amount, field="amount"),
    )
    return idem.save(201, EscrowOut.of(e).model_dump(mode="json"))


@router.get("/escrows", response_model=list[EscrowOut])
def list_escrows(ctx: Ctx = Depends(current)) -> list[EscrowOut]:
    """Escrows the caller deposited, is paid from, or holds as agent."""
    return [EscrowOut.of(e) for e in service.escrows(ctx.session, ctx.principal)]


@router.get("/escrows/{escrow_id}", response_model=EscrowOut)
def get_escrow(escrow_id: str, ctx: Ctx = Depends(current)) -> EscrowOut:
    return EscrowOut.of(service.get_escrow(ctx.session, ctx.principal, escrow_id))


@router.post("/escrows/{escrow_id}/approve", response_model=EscrowOut)
def approve(escrow_id: str, ctx: Ctx = Depends(institution_officer)) -> EscrowOut:
    """An agent officer approves the release once the buyer confirmed the whole delivery."""
    return EscrowOut.of(service.approve_release(ctx.session, ctx.principal, escrow_id))


@router.post("/escrows/{escrow_id}/dispute", response_model=EscrowOut)
def dispute(escrow_id: str, body: ReasonIn, ctx: Ctx = Depends(enterprise_officer)) -> EscrowOut:
    """The buyer or the seller disputes; nothing is released until the agent resolves."""
    return EscrowOut.of(
        service.dispute_escrow(ctx.session, ctx.principal, escrow_id, reason=body.reason)
    )


@router.post("/escrows/{escrow_id}/resolve", response_model=EscrowOut)
def resolve(escrow_id: str, body: ResolveIn, ctx: Ctx = Depends(institution_officer)) -> EscrowOut:
    """An agent officer approves a disputed escrow's split (another officer releases it)."""
    return EscrowOut.of(
        service.resolve_escrow(
            ctx.session,
            ctx.principal,
            escrow_id,
            to_seller_fen=yuan_to_fen(body.to_seller, field="to_seller"),
            note=body.note,
        )
    )


@router.post("/escrows/{escrow_id}/release", response_model=EscrowOut)
def release(escrow_id: str, ctx: Ctx = Depends(institution_officer)) -> EscrowOut:
    """Another agent officer, never the approver, pays out the approved release."""
    return EscrowOut.of(service.release_escrow(ctx.session, ctx.principal, escrow_id))


# -- alerts: overdue payments and default prevention --------------------------------------------


@router.get("/alerts", response_model=list[TradeAlertOut])
def list_alerts(ctx: Ctx = Depends(current)) -> list[TradeAlertOut]:
    """Alerts on guaranteed trades addressed to the caller (guarantor or seller)."""
    return [TradeAlertOut.of(a) for a in service.trade_alerts(ctx.session, ctx.principal)]


@router.post("/payment-guarantees/{guarantee_id}/watch", response_model=WatchOut)
def watch(guarantee_id: str, body: WatchIn, ctx: Ctx = Depends(current)) -> WatchOut:
    """The guarantor or the seller watches the buyer's records now, under its own grant from
    the buyer for ``trade_guarantee_monitoring``."""
    o = service.watch_now(
        ctx.session,
        ctx.principal,
        guarantee_id,
        as_of=body.as_of or shanghai_date(utcnow()),
    )
    return WatchOut(
        recipient_org_id=o.recipient_org_id,
        refusal=o.refusal,
        alerts=[TradeAlertOut.of(a) for a in o.alerts],
    )
