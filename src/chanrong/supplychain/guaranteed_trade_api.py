"""Guaranteed trade routes (保付 and, below, escrow) under /trade: enterprises ask and pay,
banks and guarantors accept, pay out and are repaid."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from chanrong.core.money import yuan_to_fen
from chanrong.edge import Ctx, Idempotency, current, idempotency, require
from chanrong.identity.domain import OrgKind, Role
from chanrong.supplychain import service
from chanrong.supplychain.trade_schemas import (
    GuaranteeAcceptIn,
    GuaranteeOut,
    GuaranteeRequestIn,
    PayOutIn,
    ReasonIn,
    RepaymentIn,
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
