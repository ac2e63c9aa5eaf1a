"""Trade inside a contract: orders → deliveries with their evidence → invoices → statements.

The buyer places orders under a contract (never more than the contract's quantity in all);
the seller ships against an order, and may attach its own production counters as evidence
(the units its devices' ``output_count`` counters added over a window, read from its own
telemetry at the time); the buyer records what it received (goods-received note, 收货单);
the seller invoices a received delivery at the contract's price (what was received, not what
was shipped); and the seller puts its open invoices of a period on a reconciliation statement
(对账单), one line per invoice, which the buyer then confirms or disputes line by line
(``contracts.answer_line``). Evidence that speaks against a delivery (received short, counters
below what was shipped) is flagged for both sides, not refused. Each step is a leaf of the
verifiable log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.identity.domain import Principal
from chanrong.supplychain import access, contracts, trade_terms
from chanrong.supplychain.certificates import require_positive_fen
from chanrong.supplychain.orm import TradeContract
from chanrong.supplychain.trade_orm import TradeDelivery, TradeInvoice, TradeOrder
from chanrong.supplychain.trade_repository import TradeRepository
from chanrong.supplychain.writes import stamp, writer
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

OUTPUT_METRIC = "output_count"  # the production counter devices report
MAX_EVIDENCE_DAYS = 366


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order with its deliveries and the invoices issued on them."""

    order: TradeOrder
    deliveries: Sequence[TradeDelivery]
    invoices: dict[str, TradeInvoice]  # by delivery id

    @property
    def shipped(self) -> int:
        return sum(d.quantity_shipped for d in self.deliveries)

    @property
    def received(self) -> int:
        return sum(d.received_quantity or 0 for d in self.deliveries)


def _quantity(value: int, *, field: str) -> int:
    return require_positive_fen(value, field=field)  # a positive whole number, bools refused


def _party(session: Session, principal: Principal, contract_id: str, *, side: str) -> TradeContract:
    """The contract, when the caller is a party; Forbidden when it is the wrong side."""
    contract = contracts.get_contract(session, principal, contract_id)
    own = contract.seller_org_id if side == "seller" else contract.buyer_org_id
    if principal.org_id != own:
        raise Forbidden(f"only the {side} does this on the contract")
    access.require_officer(principal)
    return contract


def place_order(
    session: Session,
    principal: Principal,
    contract_id: str,
    *,
    reference: str,
    quantity: int,
    ordered_on: date,
    deliver_by: date | None = None,
    now: datetime | None = None,
) -> TradeOrder:
    """The buyer orders part of the contract's quantity (never more than is left of it)."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    if repo.contract(contract_id, lock=True) is None:  # orders of one contract one at a time
        raise NotFound(f"contract {contract_id} not found")
    contract = _party(session, principal, contract_id, side="buyer")
    _quantity(quantity, field="quantity")
    if deliver_by is not None and deliver_by < ordered_on:
        raise ValidationFailed("deliver_by: on or after ordered_on", field="deliver_by")
    left = trade_terms.remaining(
        contract.quantity, [o.quantity for o in repo.orders_of(contract.id)]
    )
    trade_terms.check_fits(quantity, left, field="quantity", of="contract")
    ref = contracts.text(reference, field="reference", limit=100)
    if any(o.reference == ref for o in repo.orders_of(contract.id)):
        raise Conflict(f"reference: order {ref} exists on this contract", field="reference")
    order = TradeOrder(
        contract_id=contract.id,
        reference=ref,
        quantity=quantity,
        ordered_on=ordered_on,
        deliver_by=deliver_by,
        placed_by_org_id=principal.org_id,
        created_at=at,
    )
    repo.add(order)
    contracts.log(
        session,
        "order.placed",
        principal.org_id,
        contract.seller_org_id,
        f"order/{order.id}",
        {"order_id": order.id, "contract_id": contract.id, "reference": ref, "quantity": quantity},
    )
    return order


def orders_of(session: Session, principal: Principal, contract_id: str) -> list[OrderView]:
    """A contract's orders with their deliveries and invoices, to its two parties."""
    contract = contracts.get_contract(session, principal, contract_id)
    repo = TradeRepository(session)
    orders = repo.orders_of(contract.id)
    deliveries = repo.deliveries_of([o.id for o in orders])
    invoices = {i.delivery_id: i for i in repo.invoices_of(contract.id)}
    return [
        OrderView(
            o,
            [d for d in deliveries if d.order_id == o.id],
            {d.id: invoices[d.id] for d in deliveries if d.order_id == o.id and d.id in invoices},
        )
        for o in orders
    ]


def _order_for(
    session: Session, principal: Principal, order_id: str, *, side: str
) -> tuple[TradeOrder, TradeContract]:
    order = TradeRepository(session).order(order_id)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    try:
        contract = _party(session, principal, order.contract_id, side=side)
    except NotFound:
        raise NotFound(f"order {order_id} not found") from None
    return order, contract


def production_count(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    *,
    devices: Sequence[str],
    start: date,
    end: date,
) -> int:
    """Units the caller's own devices' production counters added over [start, end] (local
    days; resets counted as restarts). Devices it has not registered are a 4xx."""
    if end < start:
        raise ValidationFailed("produced_to: on or after produced_from", field="produced_to")
    if (end - start).days >= MAX_EVIDENCE_DAYS:
        raise ValidationFailed(
            f"produced_to: a window of at most {MAX_EVIDENCE_DAYS} days", field="produced_to"
        )
    known = {d.device_id for d in telemetry.devices_of(session, principal, principal.org_id)}
    for i, device in enumerate(devices):
        if device not in known:
            raise ValidationFailed(
                f"devices.{i}: {device!r} is not one of your registered devices",
                field=f"devices.{i}",
            )
    table = telemetry.daily_metrics(
        session,
        principal,
        store,
        org_id=principal.org_id,
        start=start,
        end=end + timedelta(days=1),
        devices=list(devices),
        metrics=[OUTPUT_METRIC],
    )
    # Counters are whole units; the store keeps floats, so round each day's increase once.
    return sum(
        int(Decimal(repr(v)).to_integral_value())
        for v in table.column("increase").to_pylist()
        if v is not None
    )


def record_shipment(
    session: Session,
    principal: Principal,
    order_id: str,
    *,
    reference: str,
    quantity: int,
    shipped_on: date,
    devices: Sequence[str] = (),
    produced_from: date | None = None,
    produced_to: date | None = None,
    store: TelemetryStore | None = None,
    now: datetime | None = None,
) -> TradeDelivery:
    """The seller ships against an order; naming its devices and a window attaches what their
    production counters added as evidence (read from its own telemetry now)."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    order, contract = _order_for(session, principal, order_id, side="seller")
    if repo.contract(contract.id, lock=True) is None:  # shipments of one contract in turn
        raise NotFound(f"order {order_id} not found")
    _quantity(quantity, field="quantity")
    shipped = [d.quantity_shipped for d in repo.deliveries_of([order.id])]
    trade_terms.check_fits(
        quantity, trade_terms.remaining(order.quantity, shipped), field="quantity", of="order"
    )
    ref = contracts.text(reference, field="reference", limit=100)
    if any(d.reference == ref for d in repo.deliveries_of([order.id])):
        raise Conflict(f"reference: delivery {ref} exists on this order", field="reference")
    produced: int | None = None
    if devices:
        if produced_from is None or produced_to is None or store is None:
            raise ValidationFailed(
                "produced_from: give the window of the production evidence", field="produced_from"
            )
        produced = production_count(
            session, principal, store, devices=devices, start=produced_from, end=produced_to
        )
    delivery = TradeDelivery(
        order_id=order.id,
        reference=ref,
        quantity_shipped=quantity,
        shipped_on=shipped_on,
        produced_count=produced,
        produced_devices=list(devices) if devices else None,
        produced_from=produced_from if devices else None,
        produced_to=produced_to if devices else None,
        flags=[
            f.value
            for f in trade_terms.delivery_flags(shipped=quantity, received=None, produced=produced)
        ],
        created_at=at,
    )
    repo.add(delivery)
    contracts.log(
        session,
        "delivery.shipped",
        principal.org_id,
        contract.buyer_org_id,
        f"delivery/{delivery.id}",
        {
            "delivery_id": delivery.id,
            "order_id": order.id,
            "reference": ref,
            "quantity": quantity,
            "shipped_on": shipped_on.isoformat(),
            "produced_count": produced,
            "produced_devices": delivery.produced_devices,
            "flags": delivery.flags,
        },
    )
    return delivery


def _delivery_for(
    session: Session, principal: Principal, delivery_id: str, *, side: str
) -> tuple[TradeDelivery, TradeOrder, TradeContract]:
    repo = TradeRepository(session)
    delivery = repo.delivery(delivery_id)
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} not found")
    order = repo.order(delivery.order_id)
    assert order is not None  # a foreign key
    try:
        contract = _party(session, principal, order.contract_id, side=side)
    except NotFound:
        raise NotFound(f"delivery {delivery_id} not found") from None
    return delivery, order, contract


def record_receipt(
    session: Session,
    principal: Principal,
    delivery_id: str,
    *,
    received_quantity: int,
    received_on: date,
    receipt_reference: str,
    note: str = "",
    now: datetime | None = None,
) -> TradeDelivery:
    """The buyer records what it received of a delivery (its goods-received note)."""
    at = stamp(now)
    writer(session)
    delivery, _order, contract = _delivery_for(session, principal, delivery_id, side="buyer")
    if delivery.received_at is not None:
        raise Conflict("the delivery's receipt is already recorded")
    if (
        isinstance(received_quantity, bool)
        or not 0 <= received_quantity <= delivery.quantity_shipped
    ):
        raise ValidationFailed(
            f"received_quantity: 0 to the {delivery.quantity_shipped} shipped",
            field="received_quantity",
        )
    if received_on < delivery.shipped_on:
        raise ValidationFailed("received_on: on or after the day shipped", field="received_on")
    delivery.received_quantity = received_quantity
    delivery.received_on = received_on
    delivery.receipt_reference = contracts.text(
        receipt_reference, field="receipt_reference", limit=100
    )
    delivery.receipt_note = note.strip()[:500] or None
    delivery.received_at = at
    delivery.flags = [
        f.value
        for f in trade_terms.delivery_flags(
            shipped=delivery.quantity_shipped,
            received=received_quantity,
            produced=delivery.produced_count,
        )
    ]
    session.flush()
    contracts.log(
        session,
        "delivery.received",
        principal.org_id,
        contract.seller_org_id,
        f"delivery/{delivery.id}",
        {
            "delivery_id": delivery.id,
            "receipt_reference": delivery.receipt_reference,
            "received_quantity": received_quantity,
            "shipped": delivery.quantity_shipped,
            "flags": delivery.flags,
        },
    )
    return delivery


def issue_invoice(
    session: Session,
    principal: Principal,
    delivery_id: str,
    *,
    number: str,
    issued_on: date,
    now: datetime | None = None,
) -> TradeInvoice:
    """The seller invoices a received delivery: what was received at the contract's price."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    delivery, _order, contract = _delivery_for(session, principal, delivery_id, side="seller")
    if delivery.received_quantity is None:
        raise Conflict(
            "delivery_id: the buyer has not recorded receiving this delivery", field="delivery_id"
        )
    if repo.invoice_for_delivery(delivery.id) is not None:
        raise Conflict("delivery_id: this delivery is already invoiced", field="delivery_id")
    num = contracts.text(number, field="number", limit=100)
    if any(i.number == num for i in repo.invoices_of(contract.id)):
        raise Conflict(f"number: invoice {num} exists on this contract", field="number")
    if delivery.received_on is not None and issued_on < delivery.received_on:
        raise ValidationFailed("issued_on: on or after the day received", field="issued_on")
    invoice = TradeInvoice(
        contract_id=contract.id,
        delivery_id=delivery.id,
        number=num,
        amount_fen=trade_terms.invoice_amount_fen(
            delivery.received_quantity, contract.unit_price_fen
        ),
        issued_on=issued_on,
        created_at=at,
    )
    repo.add(invoice)
    contracts.log(
        session,
        "invoice.issued",
        principal.org_id,
        contract.buyer_org_id,
        f"invoice/{invoice.id}",
        {
            "invoice_id": invoice.id,
            "delivery_id": delivery.id,
            "number": num,
            "amount_fen": invoice.amount_fen,
        },
    )
    return invoice


def describe(delivery: TradeDelivery) -> str:
    """A statement line's description of the delivery behind an invoice, with its evidence."""
    parts = [
        f"{delivery.reference}",
        f"{delivery.receipt_reference or '-'}",
        f"{delivery.received_quantity}/{delivery.quantity_shipped}",
    ]
    if delivery.produced_count is not None:
        parts.append(f"counters +{delivery.produced_count}")
    return " · ".join(parts)[:200]


def statement_from_invoices(
    session: Session,
    principal: Principal,
    contract_id: str,
    *,
    period_start: date,
    period_end: date,
    now: datetime | None = None,
) -> contracts.Statement:
    """The seller puts its invoices of the period not yet on a statement on a new one, a
    line per invoice (the buyer answers each line with the delivery's evidence beside it)."""
    writer(session)
    repo = TradeRepository(session)
    contract = _party(session, principal, contract_id, side="seller")
    if period_end < period_start:
        raise ValidationFailed("period_end: on or after period_start", field="period_end")
    open_invoices = [
        i
        for i in repo.invoices_of(contract.id)
        if i.statement_id is None and period_start <= i.issued_on <= period_end
    ]
    if not open_invoices:
        raise ValidationFailed(
            "period_start: no invoice of this period is waiting for a statement",
            field="period_start",
        )
    deliveries = {i.id: repo.delivery(i.delivery_id) for i in open_invoices}
    lines = []
    for i in open_invoices:
        d = deliveries[i.id]
        assert d is not None  # a foreign key
        lines.append(
            contracts.LineIn(reference=i.number, description=describe(d), amount_fen=i.amount_fen)
        )
    st = contracts.issue_statement(
        session,
        principal,
        contract.id,
        period_start=period_start,
        period_end=period_end,
        lines=lines,
        now=now,
    )
    for invoice, line in zip(open_invoices, st.lines, strict=True):
        invoice.statement_id = st.statement.id
        invoice.line_id = line.id
    session.flush()
    return st


@dataclass(frozen=True, slots=True)
class LineEvidence:
    """What stands behind one statement line: its invoice and the delivery's evidence."""

    invoice: TradeInvoice
    delivery: TradeDelivery
    order: TradeOrder


def evidence_of(
    session: Session, principal: Principal, statement_id: str
) -> dict[str, LineEvidence]:
    """For each line of a statement made from invoices, the evidence behind it (by line id)."""
    st = contracts.get_statement(session, principal, statement_id)
    repo = TradeRepository(session)
    out: dict[str, LineEvidence] = {}
    for inv in repo.invoices_on(st.statement.id):
        d = repo.delivery(inv.delivery_id)
        o = repo.order(d.order_id) if d is not None else None
        if d is not None and o is not None and inv.line_id is not None:
            out[inv.line_id] = LineEvidence(inv, d, o)
    return out
