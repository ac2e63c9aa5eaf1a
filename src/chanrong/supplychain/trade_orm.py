"""Tables of trade inside a contract: orders, deliveries with their evidence, invoices.

Kept beside ``orm`` (which holds certificates and the contracts themselves) so trade grows
without crowding the certificate tables; links are string foreign keys.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
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


class PaymentGuarantee(Base):
    """保付: a bank or guarantor guarantees that the buyer pays a confirmed statement at
    maturity, for a fee; unpaid, the guarantor pays the seller and takes recourse."""

    __tablename__ = "scf_payment_guarantees"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    statement_id: Mapped[str] = mapped_column(ForeignKey("scf_recon_statements.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_contracts.id"))
    seller_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    guarantor_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    fee_payer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), index=True)
    fee_rate_percent: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    fee_fen: Mapped[int | None] = mapped_column(BigInteger)
    decline_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(Integer, default=1)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # released or paid out
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_flagged_on: Mapped[date | None] = mapped_column(Date)  # told the guarantor


class RecourseClaim(Base):
    """The guarantor's claim on the buyer after paying the seller for it (追偿), repaid on
    its own schedule."""

    __tablename__ = "scf_recourse_claims"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    guarantee_id: Mapped[str] = mapped_column(ForeignKey("scf_payment_guarantees.id"), unique=True)
    guarantor_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    repaid_fen: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecourseInstalment(Base):
    """One instalment of a recourse claim's schedule and what was paid of it."""

    __tablename__ = "scf_recourse_instalments"
    __table_args__ = (UniqueConstraint("claim_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    claim_id: Mapped[str] = mapped_column(ForeignKey("scf_recourse_claims.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    overdue_flagged_on: Mapped[date | None] = mapped_column(Date)  # told guarantor and buyer


class TradeJournalEntry(Base):
    """One balanced money movement of guaranteed trade or escrow; never edited."""

    __tablename__ = "scf_trade_journal_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(String(36), index=True)  # guarantee or escrow
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    log_index: Mapped[int | None] = mapped_column(BigInteger)


class TradeJournalLine(Base):
    """One side of a trade entry: an organisation's account debited or credited in fen."""

    __tablename__ = "scf_trade_journal_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_journal_entries.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))
    debit_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)


class Escrow(Base):
    """Conditional payment: the buyer's money for an order, held by an agent bank and released
    to the seller on confirmed delivery (or split as a dispute is resolved). The officer who
    approves a release and the one who executes it are different users."""

    __tablename__ = "scf_escrows"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    order_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_orders.id"), index=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_contracts.id"))
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    seller_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    agent_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    to_seller_fen: Mapped[int | None] = mapped_column(BigInteger)
    refund_fen: Mapped[int | None] = mapped_column(BigInteger)
    dispute_reason: Mapped[str | None] = mapped_column(String(500))
    disputed_by_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    resolution_note: Mapped[str | None] = mapped_column(String(500))
    approved_by_user_id: Mapped[str | None] = mapped_column(String(36))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_user_id: Mapped[str | None] = mapped_column(String(36))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TradeAlert(Base):
    """An alert on a guaranteed trade for one of its parties: the buyer's payment overdue, or
    the buyer's own data deteriorating (read under that party's consent from the buyer)."""

    __tablename__ = "scf_trade_alerts"
    __table_args__ = (UniqueConstraint("guarantee_id", "recipient_org_id", "kind"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    guarantee_id: Mapped[str] = mapped_column(ForeignKey("scf_payment_guarantees.id"), index=True)
    recipient_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    params: Mapped[dict[str, str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, object]] = mapped_column(JSON)
    as_of: Mapped[date] = mapped_column(Date)
    log_index: Mapped[int | None] = mapped_column(BigInteger)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
