"""Trade API input and output: orders, deliveries, invoices (and, later, 保付 and escrow).
Money is Decimal yuan here, integer fen inside."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanrong.core.money import fen_to_yuan
from chanrong.supplychain.schemas import Yuan, YuanIn


class OrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=100, description="The buyer's order number")
    quantity: int = Field(gt=0)
    ordered_on: date
    deliver_by: date | None = None


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=100, description="The delivery note (发货单)")
    quantity: int = Field(gt=0)
    shipped_on: date
    devices: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="The seller's devices whose production counters are the evidence",
    )
    produced_from: date | None = None
    produced_to: date | None = None


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_quantity: int = Field(ge=0)
    received_on: date
    receipt_reference: str = Field(min_length=1, max_length=100, description="收货单 (GRN)")
    note: str = Field(default="", max_length=500)


class InvoiceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=100)
    issued_on: date


class PeriodIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start: date
    period_end: date


class InvoiceOut(BaseModel):
    id: str
    delivery_id: str
    number: str
    amount: Yuan
    issued_on: date
    statement_id: str | None
    line_id: str | None

    @classmethod
    def of(cls, i: Any) -> InvoiceOut:
        return cls(
            id=i.id,
            delivery_id=i.delivery_id,
            number=i.number,
            amount=fen_to_yuan(i.amount_fen),
            issued_on=i.issued_on,
            statement_id=i.statement_id,
            line_id=i.line_id,
        )


class DeliveryOut(BaseModel):
    id: str
    order_id: str
    reference: str
    quantity_shipped: int
    shipped_on: date
    produced_count: int | None = Field(description="Units the seller's counters added")
    produced_devices: list[str] | None
    produced_from: date | None
    produced_to: date | None
    received_quantity: int | None
    received_on: date | None
    receipt_reference: str | None
    receipt_note: str | None
    flags: list[str] = Field(description="What the evidence says against the delivery")
    received_at: datetime | None

    @classmethod
    def of(cls, d: Any) -> DeliveryOut:
        return cls(
            id=d.id,
            order_id=d.order_id,
            reference=d.reference,
            quantity_shipped=d.quantity_shipped,
            shipped_on=d.shipped_on,
            produced_count=d.produced_count,
            produced_devices=d.produced_devices,
            produced_from=d.produced_from,
            produced_to=d.produced_to,
            received_quantity=d.received_quantity,
            received_on=d.received_on,
            receipt_reference=d.receipt_reference,
            receipt_note=d.receipt_note,
            flags=list(d.flags),
            received_at=d.received_at,
        )


class OrderOut(BaseModel):
    id: str
    contract_id: str
    reference: str
    quantity: int
    ordered_on: date
    deliver_by: date | None
    shipped: int
    received: int
    deliveries: list[DeliveryOut]
    invoices: list[InvoiceOut]

    @classmethod
    def of(cls, o: Any) -> OrderOut:
        order = o.order
        return cls(
            id=order.id,
            contract_id=order.contract_id,
            reference=order.reference,
            quantity=order.quantity,
            ordered_on=order.ordered_on,
            deliver_by=order.deliver_by,
            shipped=o.shipped,
            received=o.received,
            deliveries=[DeliveryOut.of(d) for d in o.deliveries],
            invoices=[InvoiceOut.of(i) for i in o.invoices.values()],
        )


class EvidenceOut(BaseModel):
    line_id: str
    invoice: InvoiceOut
    delivery: DeliveryOut
    order_reference: str


class GuaranteeRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guarantor_org_id: str = Field(description="A bank or guarantor (融资担保机构)")


class GuaranteeAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fee_rate_percent: Decimal = Field(description='Fee as % of the amount guaranteed: "0.50"')


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class PayOutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instalments: int = Field(default=3, ge=1, le=24, description="Recourse instalments")
    first_due_on: date | None = Field(default=None, description="Default: 30 days on")


class RepaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: YuanIn


class InstalmentOut(BaseModel):
    position: int
    due_on: date
    amount: Yuan
    paid: Yuan


class ClaimOut(BaseModel):
    id: str
    amount: Yuan
    repaid: Yuan
    outstanding: Yuan
    state: str
    instalments: list[InstalmentOut]


class GuaranteeOut(BaseModel):
    id: str
    statement_id: str
    contract_id: str
    seller_org_id: str
    buyer_org_id: str
    guarantor_org_id: str
    fee_payer_org_id: str
    amount: Yuan
    due_on: date
    state: str
    fee_rate_percent: Decimal | None
    fee: Yuan | None
    decline_reason: str | None
    requested_at: datetime
    called_at: datetime | None
    recourse: ClaimOut | None

    @classmethod
    def of(cls, v: Any) -> GuaranteeOut:
        g, c = v.guarantee, v.claim
        return cls(
            id=g.id,
            statement_id=g.statement_id,
            contract_id=g.contract_id,
            seller_org_id=g.seller_org_id,
            buyer_org_id=g.buyer_org_id,
            guarantor_org_id=g.guarantor_org_id,
            fee_payer_org_id=g.fee_payer_org_id,
            amount=fen_to_yuan(g.amount_fen),
            due_on=g.due_on,
            state=g.state,
            fee_rate_percent=g.fee_rate_percent,
            fee=None if g.fee_fen is None else fen_to_yuan(g.fee_fen),
            decline_reason=g.decline_reason,
            requested_at=g.requested_at,
            called_at=g.called_at,
            recourse=None
            if c is None
            else ClaimOut(
                id=c.id,
                amount=fen_to_yuan(c.amount_fen),
                repaid=fen_to_yuan(c.repaid_fen),
                outstanding=fen_to_yuan(c.amount_fen - c.repaid_fen),
                state=c.state,
                instalments=[
                    InstalmentOut(
                        position=i.position,
                        due_on=i.due_on,
                        amount=fen_to_yuan(i.amount_fen),
                        paid=fen_to_yuan(i.paid_fen),
                    )
                    for i in v.instalments
                ],
            ),
        )


class EscrowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_org_id: str = Field(description="The bank that holds the money")
    amount: YuanIn


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_seller: YuanIn = Field(description="What the seller gets; the rest goes back")
    note: str = Field(min_length=1, max_length=500)


class EscrowOut(BaseModel):
    id: str
    order_id: str
    contract_id: str
    buyer_org_id: str
    seller_org_id: str
    agent_org_id: str
    amount: Yuan
    state: str
    to_seller: Yuan | None
    refund: Yuan | None
    dispute_reason: str | None
    resolution_note: str | None
    approved_by_user_id: str | None
    released_by_user_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, e: Any) -> EscrowOut:
        return cls(
            id=e.id,
            order_id=e.order_id,
            contract_id=e.contract_id,
            buyer_org_id=e.buyer_org_id,
            seller_org_id=e.seller_org_id,
            agent_org_id=e.agent_org_id,
            amount=fen_to_yuan(e.amount_fen),
            state=e.state,
            to_seller=None if e.to_seller_fen is None else fen_to_yuan(e.to_seller_fen),
            refund=None if e.refund_fen is None else fen_to_yuan(e.refund_fen),
            dispute_reason=e.dispute_reason,
            resolution_note=e.resolution_note,
            approved_by_user_id=e.approved_by_user_id,
            released_by_user_id=e.released_by_user_id,
            created_at=e.created_at,
        )


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = Field(default=None, description="Default: today")


class TradeAlertOut(BaseModel):
    id: str
    guarantee_id: str
    buyer_org_id: str
    kind: str
    severity: str
    params: dict[str, str]
    as_of: date
    log_index: int | None
    raised_at: datetime
    refreshed_at: datetime

    @classmethod
    def of(cls, a: Any) -> TradeAlertOut:
        return cls(
            id=a.id,
            guarantee_id=a.guarantee_id,
            buyer_org_id=a.buyer_org_id,
            kind=a.kind,
            severity=a.severity,
            params=dict(a.params),
            as_of=a.as_of,
            log_index=a.log_index,
            raised_at=a.raised_at,
            refreshed_at=a.refreshed_at,
        )


class WatchOut(BaseModel):
    recipient_org_id: str
    refusal: str | None = Field(description="Why nothing of the buyer was read, if so")
    alerts: list[TradeAlertOut]
