"""Supply-chain finance API input and output. Money is Decimal yuan here, integer fen inside."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from chanrong.core.money import fen_to_yuan
from chanrong.supplychain.certificates import (
    CertState,
    DayCount,
    FinancingState,
    Origin,
    PayableState,
)

# Yuan go over the wire as strings ("1234.50") so no client parses money as a float.
Yuan = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str)]
YuanIn = Annotated[
    Decimal,
    Field(description='Yuan with at most two decimals, as a string: "350000.00"'),
]


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else fen_to_yuan(fen)


class PayableCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    core_org_id: str = Field(description="The core enterprise that owes the invoice")
    amount: YuanIn
    maturity_date: date
    contract_ref: str = Field(min_length=1, max_length=100)
    invoice_ref: str = Field(min_length=1, max_length=100)


class FromInvoicesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    core_org_id: str = Field(description="Submit the invoices billed to this core enterprise")
    issued_from: date | None = Field(default=None, description="Invoices issued on or after")
    issued_before: date | None = Field(default=None, description="Invoices issued before")


class PayableReject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class PayableOut(BaseModel):
    id: str
    identifier: str
    supplier_org_id: str
    core_org_id: str
    amount: Yuan
    maturity_date: date
    contract_ref: str
    invoice_ref: str
    state: PayableState
    submitted_at: datetime
    decided_at: datetime | None
    settled_at: datetime | None
    reject_reason: str | None

    @classmethod
    def of(cls, p: Any) -> PayableOut:
        return cls(
            id=p.id,
            identifier=p.identifier,
            supplier_org_id=p.supplier_org_id,
            core_org_id=p.core_org_id,
            amount=fen_to_yuan(p.face_fen),
            maturity_date=p.maturity_date,
            contract_ref=p.contract_ref,
            invoice_ref=p.invoice_ref,
            state=PayableState(p.state),
            submitted_at=p.submitted_at,
            decided_at=p.decided_at,
            settled_at=p.settled_at,
            reject_reason=p.reject_reason,
        )


class CertificateOut(BaseModel):
    id: str
    identifier: str = Field(description="Industrial-internet handle, e.g. 88.608.8889/SCF.…")
    payable_id: str
    parent_id: str | None
    core_org_id: str
    holder_org_id: str
    face_value: Yuan
    maturity_date: date
    origin: Origin
    state: CertState
    created_at: datetime
    closed_at: datetime | None
    overdue_since: date | None = Field(
        default=None, description="The day it was found unpaid at maturity (when overdue)"
    )

    @classmethod
    def of(cls, c: Any) -> CertificateOut:
        return cls(
            id=c.id,
            identifier=c.identifier,
            payable_id=c.payable_id,
            parent_id=c.parent_id,
            core_org_id=c.core_org_id,
            holder_org_id=c.holder_org_id,
            face_value=fen_to_yuan(c.face_fen),
            maturity_date=c.maturity_date,
            origin=Origin(c.origin),
            state=CertState(c.state),
            created_at=c.created_at,
            closed_at=c.closed_at,
            overdue_since=c.overdue_since,
        )


class ConfirmOut(BaseModel):
    payable: PayableOut
    certificate: CertificateOut


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parts: list[YuanIn] = Field(
        min_length=1,
        description="Face values to split off; what is left stays with the holder as one more part",
    )


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_org_id: str = Field(description="The enterprise (your supplier) receiving the certificate")


class FinancingRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bank_org_id: str


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    annual_rate_percent: Decimal = Field(description='Annual discount rate in percent: "3.65"')
    day_count: DayCount = DayCount.ACT_360
    recourse: bool = Field(
        default=False,
        description="With recourse to the seller if the core enterprise does not pay (有追索权)",
    )


class FinancingOut(BaseModel):
    id: str
    certificate_id: str
    requester_org_id: str
    bank_org_id: str
    state: FinancingState
    annual_rate_percent: Decimal | None
    day_count: DayCount | None
    days: int | None
    discount: Yuan | None
    proceeds: Yuan | None
    bank_certificate_id: str | None
    recourse: bool
    requested_at: datetime
    quoted_at: datetime | None
    decided_at: datetime | None
    # What the bank prices (filled on the request listings): whose credit, how much, how long.
    certificate_identifier: str | None = None
    core_org_id: str | None = Field(default=None, description="Whose credit the rate prices")
    face_value: Yuan | None = None
    maturity_date: date | None = None

    @classmethod
    def of(cls, f: Any, cert: Any = None) -> FinancingOut:
        return cls(
            certificate_identifier=cert.identifier if cert is not None else None,
            core_org_id=cert.core_org_id if cert is not None else None,
            face_value=fen_to_yuan(cert.face_fen) if cert is not None else None,
            maturity_date=cert.maturity_date if cert is not None else None,
            id=f.id,
            certificate_id=f.certificate_id,
            requester_org_id=f.requester_org_id,
            bank_org_id=f.bank_org_id,
            state=FinancingState(f.state),
            annual_rate_percent=f.annual_rate_percent,
            day_count=DayCount(f.day_count) if f.day_count else None,
            days=f.days,
            discount=yuan(f.discount_fen),
            proceeds=yuan(f.proceeds_fen),
            bank_certificate_id=f.bank_certificate_id,
            recourse=bool(f.recourse),
            requested_at=f.requested_at,
            quoted_at=f.quoted_at,
            decided_at=f.decided_at,
        )


class SettlementOut(BaseModel):
    id: str
    payable_id: str
    certificate_id: str
    payee_org_id: str
    amount: Yuan
    settled_at: datetime

    @classmethod
    def of(cls, s: Any) -> SettlementOut:
        return cls(
            id=s.id,
            payable_id=s.payable_id,
            certificate_id=s.certificate_id,
            payee_org_id=s.payee_org_id,
            amount=fen_to_yuan(s.amount_fen),
            settled_at=s.settled_at,
        )


class EventOut(BaseModel):
    kind: str
    certificate_id: str | None
    actor_org_id: str | None
    at: datetime
    log_index: int | None = Field(description="Position in the verifiable log")
    leaf_hash: str | None


class LineageNodeOut(BaseModel):
    certificate: CertificateOut
    children: list[LineageNodeOut]


class LineageOut(BaseModel):
    payable: PayableOut
    tree: LineageNodeOut
    events: list[EventOut]
    financings: list[FinancingOut]
    settlements: list[SettlementOut]


class ExposureLimitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    core_org_id: str = Field(description="The core enterprise whose certificates the limit caps")
    limit: YuanIn = Field(description='The most held outstanding at once, yuan: "5000000.00"')


class ExposureOut(BaseModel):
    core_org_id: str
    limit: Yuan
    outstanding: Yuan = Field(description="Face of this core's certificates held, live or overdue")
    headroom: Yuan = Field(description="What may still be financed on this core enterprise")
    set_at: datetime

    @classmethod
    def of(cls, e: Any) -> ExposureOut:
        return cls(
            core_org_id=e.core_org_id,
            limit=fen_to_yuan(e.limit_fen),
            outstanding=fen_to_yuan(e.used_fen),
            headroom=fen_to_yuan(e.headroom_fen),
            set_at=e.set_at,
        )


class ContractIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    counterparty_org_id: str = Field(description="The other enterprise")
    we_are: str = Field(description="seller or buyer: the caller's side of the contract")
    reference: str = Field(min_length=1, max_length=100)
    goods: str = Field(min_length=1, max_length=200)
    quantity: int = Field(gt=0)
    unit_price: YuanIn
    delivery_terms: str = Field(min_length=1, max_length=200)
    payment_days: int = Field(ge=0, le=365, description="Days after delivery the buyer pays")
    pay_when_paid: bool = Field(
        default=False, description="Payment depends on the buyer being paid (背靠背)"
    )


class ContractOut(BaseModel):
    id: str
    seller_org_id: str
    buyer_org_id: str
    reference: str
    goods: str
    quantity: int
    unit_price: Yuan
    amount: Yuan
    delivery_terms: str
    payment_days: int
    pay_when_paid: bool
    flags: list[str] = Field(description="Payment-term rules broken (flagged, not refused)")
    created_at: datetime

    @classmethod
    def of(cls, c: Any) -> ContractOut:
        return cls(
            id=c.id,
            seller_org_id=c.seller_org_id,
            buyer_org_id=c.buyer_org_id,
            reference=c.reference,
            goods=c.goods,
            quantity=c.quantity,
            unit_price=fen_to_yuan(c.unit_price_fen),
            amount=fen_to_yuan(c.unit_price_fen * c.quantity),
            delivery_terms=c.delivery_terms,
            payment_days=c.payment_days,
            pay_when_paid=c.pay_when_paid,
            flags=list(c.flags),
            created_at=c.created_at,
        )


class LineInModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=100, description="Delivery or invoice ref")
    description: str = Field(min_length=1, max_length=200)
    amount: YuanIn


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start: date
    period_end: date
    lines: list[LineInModel] = Field(min_length=1, max_length=200)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: bool
    reason: str = Field(default="", max_length=500, description="Why, when disputing")


class LineOut(BaseModel):
    id: str
    position: int
    reference: str
    description: str
    amount: Yuan
    state: str
    dispute_reason: str | None


class StatementOut(BaseModel):
    id: str
    contract_id: str
    period_start: date
    period_end: date
    state: str
    total: Yuan
    due_on: date = Field(description="The buyer pays a confirmed statement by this day")
    paid_at: datetime | None
    payment_overdue_on: date | None = Field(description="When it was flagged unpaid")
    lines: list[LineOut]

    @classmethod
    def of(cls, st: Any) -> StatementOut:
        s, lines = st.statement, st.lines
        return cls(
            id=s.id,
            contract_id=s.contract_id,
            period_start=s.period_start,
            period_end=s.period_end,
            state=s.state,
            total=fen_to_yuan(sum(x.amount_fen for x in lines)),
            due_on=s.due_on,
            paid_at=s.paid_at,
            payment_overdue_on=s.payment_overdue_on,
            lines=[
                LineOut(
                    id=x.id,
                    position=x.position,
                    reference=x.reference,
                    description=x.description,
                    amount=fen_to_yuan(x.amount_fen),
                    state=x.state,
                    dispute_reason=x.dispute_reason,
                )
                for x in lines
            ],
        )
