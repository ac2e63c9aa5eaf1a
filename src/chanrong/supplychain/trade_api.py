"""Trade routes: orders under a contract, deliveries and their evidence, invoices, statements
made from invoices (under /supplychain, beside the contracts and statements)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from chanrong.edge import Ctx, Idempotency, current, idempotency, require
from chanrong.identity.domain import OrgKind, Role
from chanrong.supplychain import service
from chanrong.supplychain.schemas import StatementOut
from chanrong.supplychain.trade_schemas import (
    DeliveryOut,
    EvidenceOut,
    InvoiceIn,
    InvoiceOut,
    OrderIn,
    OrderOut,
    PeriodIn,
    ReceiptIn,
    ShipmentIn,
)
from chanrong.telemetry import service as telemetry

router = APIRouter(prefix="/supplychain", tags=["trade"])

enterprise_officer = require(OrgKind.ENTERPRISE, role=Role.OFFICER)


@router.post("/contracts/{contract_id}/orders", response_model=OrderOut, status_code=201)
def place_order(
    contract_id: str,
    body: OrderIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The buyer orders part of the contract's quantity."""
    if (replay := idem.replay()) is not None:
        return replay
    order = service.place_order(
        ctx.session,
        ctx.principal,
        contract_id,
        reference=body.reference,
        quantity=body.quantity,
        ordered_on=body.ordered_on,
        deliver_by=body.deliver_by,
    )
    view = service.OrderView(order, [], {})
    return idem.save(201, OrderOut.of(view).model_dump(mode="json"))


@router.get("/contracts/{contract_id}/orders", response_model=list[OrderOut])
def list_orders(contract_id: str, ctx: Ctx = Depends(current)) -> list[OrderOut]:
    """A contract's orders with their deliveries and invoices (to its two parties)."""
    return [OrderOut.of(o) for o in service.orders_of(ctx.session, ctx.principal, contract_id)]


@router.post("/orders/{order_id}/deliveries", response_model=DeliveryOut, status_code=201)
def record_shipment(
    order_id: str,
    body: ShipmentIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The seller ships against an order, optionally with its production counters as evidence."""
    if (replay := idem.replay()) is not None:
        return replay
    delivery = service.record_shipment(
        ctx.session,
        ctx.principal,
        order_id,
        reference=body.reference,
        quantity=body.quantity,
        shipped_on=body.shipped_on,
        devices=body.devices,
        produced_from=body.produced_from,
        produced_to=body.produced_to,
        store=telemetry.open_store(ctx.settings) if body.devices else None,
    )
    return idem.save(201, DeliveryOut.of(delivery).model_dump(mode="json"))


@router.post("/deliveries/{delivery_id}/receipt", response_model=DeliveryOut)
def record_receipt(
    delivery_id: str, body: ReceiptIn, ctx: Ctx = Depends(enterprise_officer)
) -> DeliveryOut:
    """The buyer records what it received (its goods-received note)."""
    return DeliveryOut.of(
        service.record_receipt(
            ctx.session,
            ctx.principal,
            delivery_id,
            received_quantity=body.received_quantity,
            received_on=body.received_on,
            receipt_reference=body.receipt_reference,
            note=body.note,
        )
    )


@router.post("/deliveries/{delivery_id}/invoice", response_model=InvoiceOut, status_code=201)
def issue_invoice(
    delivery_id: str,
    body: InvoiceIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The seller invoices a received delivery (what was received, at the contract's price)."""
    if (replay := idem.replay()) is not None:
        return replay
    invoice = service.issue_invoice(
        ctx.session, ctx.principal, delivery_id, number=body.number, issued_on=body.issued_on
    )
    return idem.save(201, InvoiceOut.of(invoice).model_dump(mode="json"))


@router.post(
    "/contracts/{contract_id}/statements/from-invoices",
    response_model=StatementOut,
    status_code=201,
)
def statement_from_invoices(
    contract_id: str,
    body: PeriodIn,
    ctx: Ctx = Depends(enterprise_officer),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The seller puts the period's open invoices on a statement, a line per invoice."""
    if (replay := idem.replay()) is not None:
        return replay
    st = service.statement_from_invoices(
        ctx.session,
        ctx.principal,
        contract_id,
        period_start=body.period_start,
        period_end=body.period_end,
    )
    return idem.save(201, StatementOut.of(st).model_dump(mode="json"))


@router.get("/statements/{statement_id}/evidence", response_model=list[EvidenceOut])
def statement_evidence(statement_id: str, ctx: Ctx = Depends(current)) -> list[EvidenceOut]:
    """What stands behind each line of a statement made from invoices."""
    found = service.evidence_of(ctx.session, ctx.principal, statement_id)
    return [
        EvidenceOut(
            line_id=line_id,
            invoice=InvoiceOut.of(e.invoice),
            delivery=DeliveryOut.of(e.delivery),
            order_reference=e.order.reference,
        )
        for line_id, e in found.items()
    ]
