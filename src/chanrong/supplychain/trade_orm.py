"""Tables of trade inside a contract: orders, deliveries with their evidence, invoices.

Kept beside ``orm`` (which holds certificates and the contracts themselves) so trade grows
without crowding the certificate tables; links are string foreign keys.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class TradeOrder(Base):
    """An order the buyer places under a contract (a call-off of part of its quantity)."""

    __tablename__ = "scf_trade_orders"
    __table_args__ = (UniqueConstraint("contract_id", "reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_contracts.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(BigInteger)
    ordered_on: Mapped[date] = mapped_column(Date)
    deliver_by: Mapped[date | None] = mapped_column(Date)
    placed_by_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TradeDelivery(Base):
    """A shipment against an order: what the seller shipped (with its production counters
    where it gave them) and what the buyer recorded as received (goods-received note)."""

    __tablename__ = "scf_trade_deliveries"
    __table_args__ = (UniqueConstraint("order_id", "reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_orders.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))  # the delivery note (发货单)
    quantity_shipped: Mapped[int] = mapped_column(BigInteger)
    shipped_on: Mapped[date] = mapped_column(Date)
    # Device evidence: units the seller's counters (output_count) added over the window.
    produced_count: Mapped[int | None] = mapped_column(BigInteger)
    produced_devices: Mapped[list[str] | None] = mapped_column(JSON)
    produced_from: Mapped[date | None] = mapped_column(Date)
    produced_to: Mapped[date | None] = mapped_column(Date)
    received_quantity: Mapped[int | None] = mapped_column(BigInteger)
    received_on: Mapped[date | None] = mapped_column(Date)
    receipt_reference: Mapped[str | None] = mapped_column(String(100))  # 收货单 (GRN)
    receipt_note: Mapped[str | None] = mapped_column(String(500))
    flags: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TradeInvoice(Base):
    """The seller's invoice for one received delivery; it becomes a statement line."""

    __tablename__ = "scf_trade_invoices"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_contracts.id"), index=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_deliveries.id"), unique=True)
    number: Mapped[str] = mapped_column(String(100))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    issued_on: Mapped[date] = mapped_column(Date)
    statement_id: Mapped[str | None] = mapped_column(
        ForeignKey("scf_recon_statements.id"), index=True
    )
    line_id: Mapped[str | None] = mapped_column(ForeignKey("scf_recon_lines.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
