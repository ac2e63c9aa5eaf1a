"""Telemetry tables: the device and metric registry, ingestion batches, business records,
and daily quality scores. Telemetry points themselves live in the Parquet store."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime

Quantity = Numeric(18, 4)


class Device(Base):
    __tablename__ = "telemetry_devices"
    __table_args__ = (UniqueConstraint("org_id", "device_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    identifier: Mapped[str | None] = mapped_column(String(120))  # industrial-internet handle
    name: Mapped[str | None] = mapped_column(String(200))
    rated_kw: Mapped[float | None] = mapped_column(Float)
    installed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MetricSetting(Base):
    """How one enterprise sends one metric: its unit and the plausible range and interval."""

    __tablename__ = "telemetry_metrics"
    __table_args__ = (UniqueConstraint("org_id", "metric"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    metric: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    expected_interval_s: Mapped[int] = mapped_column(Integer)


class IngestBatch(Base):
    """One arrival of data: where it came from, how much was taken and what was refused.

    Every door records one (an upload, a file import, an MQTT worker's flush per enterprise
    and source, an OPC UA connector's flush). ``rows_received = rows_accepted +
    rows_rejected``; ``rejected_by_reason`` splits ``rows_rejected`` by the field at fault.
    A row is a reading, a record, or (for a message that could not be read at all) the
    message. ``rows_duplicate`` counts accepted rows that repeat data: readings repeating the
    (device, metric, ts) of another reading written with them, records replacing one already
    stored under the same key.
    """

    __tablename__ = "telemetry_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))  # mqtt, sparkplug, opcua, http, file
    kind: Mapped[str] = mapped_column(String(32))  # telemetry, orders, invoices, ...
    filename: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # accepted, partial, rejected
    rows_received: Mapped[int] = mapped_column(Integer)
    rows_accepted: Mapped[int] = mapped_column(Integer)
    rows_rejected: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_duplicate: Mapped[int] = mapped_column(Integer, server_default="0")
    rejected_by_reason: Mapped[dict[str, int]] = mapped_column(JSON, server_default="{}")
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class _Record:
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("telemetry_batches.id"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Order(_Record, Base):
    __tablename__ = "business_orders"
    __table_args__ = (UniqueConstraint("org_id", "order_id"),)

    order_id: Mapped[str] = mapped_column(String(200))
    buyer_uscc: Mapped[str | None] = mapped_column(String(18))
    buyer_name: Mapped[str] = mapped_column(String(200))
    order_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Invoice(_Record, Base):
    __tablename__ = "business_invoices"
    __table_args__ = (UniqueConstraint("org_id", "invoice_id"),)

    invoice_id: Mapped[str] = mapped_column(String(200))
    order_id: Mapped[str | None] = mapped_column(String(200))
    buyer_uscc: Mapped[str | None] = mapped_column(String(18))
    buyer_name: Mapped[str] = mapped_column(String(200))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Receivable(_Record, Base):
    __tablename__ = "business_receivables"
    __table_args__ = (UniqueConstraint("org_id", "receivable_id"),)

    receivable_id: Mapped[str] = mapped_column(String(200))
    invoice_id: Mapped[str | None] = mapped_column(String(200))
    debtor_uscc: Mapped[str | None] = mapped_column(String(18))
    debtor_name: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    outstanding_fen: Mapped[int] = mapped_column(BigInteger)


class Payment(_Record, Base):
    __tablename__ = "business_payments"
    __table_args__ = (UniqueConstraint("org_id", "payment_id"),)

    payment_id: Mapped[str] = mapped_column(String(200))
    invoice_id: Mapped[str] = mapped_column(String(200))
    payer_uscc: Mapped[str | None] = mapped_column(String(18))
    paid_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    # The account paid into; a loan's collection account (回款账户) makes it a repayment.
    account: Mapped[str | None] = mapped_column(String(200), index=True)


class OutgoingPayment(_Record, Base):
    """Money the enterprise paid out (what post-loan fund-use tracking reads)."""

    __tablename__ = "business_outgoing_payments"
    __table_args__ = (UniqueConstraint("org_id", "payment_id"),)

    payment_id: Mapped[str] = mapped_column(String(200))
    payee_name: Mapped[str] = mapped_column(String(200))
    payee_uscc: Mapped[str | None] = mapped_column(String(18))
    payee_account: Mapped[str | None] = mapped_column(String(200))
    payee_industry: Mapped[str | None] = mapped_column(String(8))
    paid_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(200))


class EnergyBill(_Record, Base):
    __tablename__ = "business_energy_bills"
    __table_args__ = (UniqueConstraint("org_id", "month"),)

    month: Mapped[date] = mapped_column(Date)
    electricity_kwh: Mapped[Decimal] = mapped_column(Quantity)
    gas_m3: Mapped[Decimal | None] = mapped_column(Quantity)
    coal_t: Mapped[Decimal | None] = mapped_column(Quantity)
    steam_t: Mapped[Decimal | None] = mapped_column(Quantity)
    cost_fen: Mapped[int] = mapped_column(BigInteger)
    output_value_fen: Mapped[int | None] = mapped_column(BigInteger)


class CloudUsage(_Record, Base):
    __tablename__ = "business_cloud_usage"
    __table_args__ = (UniqueConstraint("org_id", "day"),)

    day: Mapped[date] = mapped_column(Date)
    compute_hours: Mapped[Decimal] = mapped_column(Quantity)
    api_calls: Mapped[Decimal] = mapped_column(Quantity)
    storage_gb: Mapped[Decimal] = mapped_column(Quantity)


class Claim(_Record, Base):
    """An insurance claim paid on a policy, for a device or a site."""

    __tablename__ = "business_claims"
    __table_args__ = (UniqueConstraint("org_id", "claim_id"),)

    claim_id: Mapped[str] = mapped_column(String(200))
    policy: Mapped[str] = mapped_column(String(200), index=True)
    device_id: Mapped[str | None] = mapped_column(String(200))
    site: Mapped[str | None] = mapped_column(String(200))
    loss_date: Mapped[date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class StockMovement(_Record, Base):
    """Goods in or out of an inventory lot or warehouse receipt, or a count of it."""

    __tablename__ = "business_stock_movements"
    __table_args__ = (UniqueConstraint("org_id", "movement_id"),)

    movement_id: Mapped[str] = mapped_column(String(200))
    item: Mapped[str] = mapped_column(String(200), index=True)
    moved_on: Mapped[date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(8))
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit: Mapped[str | None] = mapped_column(String(200))
    unit_value_fen: Mapped[int | None] = mapped_column(BigInteger)


RECORD_TABLES: dict[
    str,
    type[
        Order
        | Invoice
        | Receivable
        | Payment
        | OutgoingPayment
        | EnergyBill
        | CloudUsage
        | Claim
        | StockMovement
    ],
] = {
    "orders": Order,
    "invoices": Invoice,
    "receivables": Receivable,
    "payments": Payment,
    "outgoing_payments": OutgoingPayment,
    "energy_bills": EnergyBill,
    "cloud_usage": CloudUsage,
    "claims": Claim,
    "stock_movements": StockMovement,
}


class QualityScore(Base):
    """A day's quality score of one dataset, device or the whole enterprise, with reasons."""

    __tablename__ = "telemetry_quality_scores"
    __table_args__ = (UniqueConstraint("org_id", "day", "scope", "subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    scope: Mapped[str] = mapped_column(String(16))  # dataset, device, enterprise
    subject: Mapped[str] = mapped_column(String(100))
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    checked: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
