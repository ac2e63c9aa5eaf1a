"""Guarantee routes: schemes, guaranteed loans, fees, claims (代偿), recoveries, and interest
subsidy programmes (贴息). Thin: parse, call the service, shape the answer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends

from chanrong.core.clock import parse_month
from chanrong.core.errors import Forbidden
from chanrong.core.money import yuan_to_fen
from chanrong.edge import Ctx, current
from chanrong.guarantee import service
from chanrong.guarantee.schemas import (
    ClaimIn,
    ClaimOut,
    EnrolIn,
    EnrolmentOut,
    FeeOut,
    FeesIn,
    GuaranteeIn,
    GuaranteeOut,
    PayIn,
    PaymentOut,
    ProgrammeIn,
    ProgrammeOut,
    RecoveryIn,
    RecoveryOut,
    SchemeIn,
    SchemeOut,
    y,
)
from chanrong.identity.domain import OrgKind

router = APIRouter(prefix="/guarantee", tags=["guarantee"])


def _scheme_out(ctx: Ctx, code: str) -> SchemeOut:
    r = service.scheme_report(ctx.session, service.get_scheme(ctx.session, code))
    rate = r.position.loss_rate
    return SchemeOut(
        code=r.row.code,
        name=r.row.name,
        definition=r.row.definition,
        sharer_orgs=r.row.sharer_orgs,
        starts_on=r.row.starts_on,
        ends_on=r.row.ends_on,
        enrolled=y(r.position.enrolled_fen),
        defaulted=y(r.position.defaulted_fen),
        loss_rate=None if rate is None else f"{rate:.6f}",
        breaker_tripped=r.breaker_tripped,
        claims=r.claims,
        losses={k: y(v) for k, v in r.losses.items()},
        recovered={k: y(v) for k, v in r.recovered.items()},
        fees={k: y(v) for k, v in r.fees.items()},
        log_index=r.row.log_index,
    )


def _no_enterprises(ctx: Ctx) -> None:
    # Schemes are the rules and figures of the parties to them, not enterprises' business.
    if ctx.principal.org_kind is OrgKind.ENTERPRISE:
        raise Forbidden("schemes are read by guarantors, banks, government bodies and the operator")


@router.get("/schemes", response_model=list[SchemeOut])
def schemes(ctx: Ctx = Depends(current)) -> list[SchemeOut]:
    """Every scheme with its position and each party's losses, recoveries and fees."""
    _no_enterprises(ctx)
    return [_scheme_out(ctx, r.code) for r in service.list_schemes(ctx.session)]


@router.post("/schemes", response_model=SchemeOut, status_code=201)
def create_scheme(body: SchemeIn, ctx: Ctx = Depends(current)) -> SchemeOut:
    """A government body's officer (or the operator's admin) sets up a scheme from a preset."""
    row = service.create_scheme(
        ctx.session,
        ctx.principal,
        preset=body.preset,
        code=body.code,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        sharer_orgs=body.sharer_orgs,
    )
    return _scheme_out(ctx, row.code)


@router.get("/schemes/{code}", response_model=SchemeOut)
def scheme(code: str, ctx: Ctx = Depends(current)) -> SchemeOut:
    """One scheme's position."""
    _no_enterprises(ctx)
    return _scheme_out(ctx, code)


def _claim_out(ctx: Ctx, guarantee_id: str) -> ClaimOut | None:
    c = service.claim_of(ctx.session, guarantee_id)
    if c is None:
        return None
    return ClaimOut(
        id=c.id,
        guarantee_id=c.guarantee_id,
        default_on=c.default_on,
        unpaid=y(c.unpaid_fen),
        bank=y(c.bank_fen),
        compensation=y(c.compensation_fen),
        guarantor=y(c.guarantor_fen),
        sharers={k: y(int(v)) for k, v in c.sharers.items()},
        limited_by=dict(c.limited_by),
        log_index=c.log_index,
        recoveries=[_recovery_out(r) for r in service.recoveries_of(ctx.session, c.id)],
    )


def _recovery_out(r: Any) -> RecoveryOut:
    return RecoveryOut(
        id=r.id,
        claim_id=r.claim_id,
        received_on=r.received_on,
        amount=y(r.amount_fen),
        shares={k: y(int(v)) for k, v in r.shares.items()},
        log_index=r.log_index,
    )


def _fee_out(f: Any) -> FeeOut:
    return FeeOut(
        name=f.name,
        payer_org_id=f.payer_org_id,
        payee_org_id=f.payee_org_id,
        period_start=f.period_start,
        period_end=f.period_end,
        rate_pct=f.rate_pct,
        amount=y(f.amount_fen),
    )


def _guarantee_out(ctx: Ctx, g: Any, *, detail: bool = True) -> GuaranteeOut:
    return GuaranteeOut(
        id=g.id,
        scheme_id=g.scheme_id,
        loan_id=g.loan_id,
        guarantor_org_id=g.guarantor_org_id,
        bank_org_id=g.bank_org_id,
        borrower_org_id=g.borrower_org_id,
        principal=y(g.principal_fen),
        starts_on=g.starts_on,
        status=g.status,
        fees_through=g.fees_through,
        log_index=g.log_index,
        fees=[_fee_out(f) for f in service.fees_of(ctx.session, g.id)] if detail else [],
        claim=_claim_out(ctx, g.id) if detail else None,
    )


@router.get("/guarantees", response_model=list[GuaranteeOut])
def guarantees(ctx: Ctx = Depends(current)) -> list[GuaranteeOut]:
    """The guarantor's book, the bank's guaranteed loans, or the enterprise's guarantees."""
    return [_guarantee_out(ctx, g) for g in service.list_guarantees(ctx.session, ctx.principal)]


@router.post("/guarantees", response_model=GuaranteeOut, status_code=201)
def request_guarantee(body: GuaranteeIn, ctx: Ctx = Depends(current)) -> GuaranteeOut:
    """The lending bank asks a guarantor to guarantee one of its active loans."""
    g = service.request_guarantee(
        ctx.session,
        ctx.principal,
        loan_id=body.loan_id,
        guarantor_org_id=body.guarantor_org_id,
        scheme_code=body.scheme,
    )
    return _guarantee_out(ctx, g)


@router.get("/guarantees/{guarantee_id}", response_model=GuaranteeOut)
def guarantee(guarantee_id: str, ctx: Ctx = Depends(current)) -> GuaranteeOut:
    """One guarantee with its fees, claim and recoveries (its parties only)."""
    return _guarantee_out(ctx, service.get_guarantee(ctx.session, ctx.principal, guarantee_id))


@router.post("/guarantees/{guarantee_id}/accept", response_model=GuaranteeOut)
def accept(guarantee_id: str, ctx: Ctx = Depends(current)) -> GuaranteeOut:
    """The guarantor accepts; 409 naming the reason when the scheme refuses the loan."""
    return _guarantee_out(ctx, service.accept_guarantee(ctx.session, ctx.principal, guarantee_id))


@router.post("/guarantees/{guarantee_id}/fees", response_model=list[FeeOut])
def fees(guarantee_id: str, body: FeesIn, ctx: Ctx = Depends(current)) -> list[FeeOut]:
    """The guarantor charges the fees due through a date (the worker does it monthly)."""
    rows = service.charge_fees(ctx.session, ctx.principal, guarantee_id, through=body.through)
    return [_fee_out(f) for f in rows]


@router.post("/guarantees/{guarantee_id}/claim", response_model=ClaimOut, status_code=201)
def claim(guarantee_id: str, body: ClaimIn, ctx: Ctx = Depends(current)) -> ClaimOut:
    """The lending bank claims on a defaulted loan: 代偿 and the scheme's shares, logged."""
    service.file_claim(ctx.session, ctx.principal, guarantee_id, on=body.on)
    out = _claim_out(ctx, guarantee_id)
    assert out is not None
    return out


@router.post("/claims/{claim_id}/recoveries", response_model=RecoveryOut, status_code=201)
def recovery(claim_id: str, body: RecoveryIn, ctx: Ctx = Depends(current)) -> RecoveryOut:
    """The guarantor records money recovered; it is shared back by loss borne."""
    amount = yuan_to_fen(body.amount, field="amount")
    return _recovery_out(
        service.record_recovery(ctx.session, ctx.principal, claim_id, amount_fen=amount, on=body.on)
    )


# -- interest subsidies ---------------------------------------------------------------------


def _programme_out(ctx: Ctx, programme_id: str) -> ProgrammeOut:
    r = service.programme_report(ctx.session, ctx.principal, programme_id)
    p = r.row
    return ProgrammeOut(
        id=p.id,
        name=p.name,
        mode=p.mode,
        value=p.value,
        eligibility=p.eligibility,
        starts_on=p.starts_on,
        ends_on=p.ends_on,
        budget=y(p.budget_fen),
        spent=y(p.spent_fen),
        status=p.status,
        log_index=p.log_index,
        enrolments=[
            EnrolmentOut(
                loan_id=e.loan_id,
                borrower_org_id=e.borrower_org_id,
                bank_org_id=e.bank_org_id,
                principal=y(e.principal_fen),
                annual_rate=e.annual_rate,
                facts=e.facts,
                enrolled_on=e.enrolled_on,
            )
            for e in r.enrolments
        ],
        payments=[_payment_out(x) for x in r.payments],
    )


def _payment_out(x: Any) -> PaymentOut:
    return PaymentOut(
        loan_id=x.loan_id,
        borrower_org_id=x.borrower_org_id,
        period=x.period,
        interest_paid=y(x.interest_paid_fen),
        computed=y(x.computed_fen),
        amount=y(x.amount_fen),
        limited_by=x.limited_by,
        log_index=x.log_index,
    )


@router.post("/programmes", response_model=ProgrammeOut, status_code=201)
def create_programme(body: ProgrammeIn, ctx: Ctx = Depends(current)) -> ProgrammeOut:
    """A government body's officer defines an interest-subsidy programme (贴息)."""
    p = service.create_programme(
        ctx.session,
        ctx.principal,
        name=body.name,
        mode=body.mode,
        value=Decimal(body.value),
        eligibility=body.eligibility,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        budget_fen=yuan_to_fen(body.budget, field="budget"),
    )
    return _programme_out(ctx, p.id)


@router.get("/programmes", response_model=list[ProgrammeOut])
def programmes(ctx: Ctx = Depends(current)) -> list[ProgrammeOut]:
    """The government body's programmes with their loans and payments."""
    return [_programme_out(ctx, p.id) for p in service.list_programmes(ctx.session, ctx.principal)]


@router.get("/programmes/{programme_id}", response_model=ProgrammeOut)
def programme(programme_id: str, ctx: Ctx = Depends(current)) -> ProgrammeOut:
    return _programme_out(ctx, programme_id)


@router.post("/programmes/{programme_id}/enrol", response_model=list[EnrolmentOut])
def enrol(programme_id: str, body: EnrolIn, ctx: Ctx = Depends(current)) -> list[EnrolmentOut]:
    """Find the eligible loans now (the worker does it monthly)."""
    rows = service.enrol_now(ctx.session, ctx.principal, programme_id, as_of=body.as_of)
    return [
        EnrolmentOut(
            loan_id=e.loan_id,
            borrower_org_id=e.borrower_org_id,
            bank_org_id=e.bank_org_id,
            principal=y(e.principal_fen),
            annual_rate=e.annual_rate,
            facts=e.facts,
            enrolled_on=e.enrolled_on,
        )
        for e in rows
    ]


@router.post("/programmes/{programme_id}/pay", response_model=list[PaymentOut])
def pay(programme_id: str, body: PayIn, ctx: Ctx = Depends(current)) -> list[PaymentOut]:
    """Pay one month now (the worker does it monthly); a month is paid once."""
    period = parse_month(body.period)
    rows = service.pay_now(ctx.session, ctx.principal, programme_id, period)
    return [_payment_out(x) for x in rows]
