"""Supply-chain finance tables: payables, certificates, financing, settlements, events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class Payable(Base):
    """A supplier's invoice to a core enterprise, and its confirmation (应付账款确权)."""

    __tablename__ = "scf_payables"
    # One invoice becomes at most one payable: the first guard against double financing.
    __table_args__ = (UniqueConstraint("supplier_org_id", "invoice_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    identifier: Mapped[str] = mapped_column(String(255), unique=True)
    supplier_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    core_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    face_fen: Mapped[int] = mapped_column(BigInteger)
    maturity_date: Mapped[date] = mapped_column(Date)
    contract_ref: Mapped[str] = mapped_column(String(100))
    invoice_ref: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str | None] = mapped_column(String(500))


class Certificate(Base):
    """A certificate (凭证): a claim on the core enterprise for ``face_fen`` at maturity."""

    __tablename__ = "scf_certificates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    identifier: Mapped[str] = mapped_column(String(255), unique=True)
    payable_id: Mapped[str] = mapped_column(ForeignKey("scf_payables.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("scf_certificates.id"), index=True)
    core_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    holder_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    face_fen: Mapped[int] = mapped_column(BigInteger)
    maturity_date: Mapped[date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_since: Mapped[date | None] = mapped_column(Date)


class Financing(Base):
    """A holder's request to discount a certificate with a bank, the quote, the acceptance."""

    __tablename__ = "scf_financings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    certificate_id: Mapped[str] = mapped_column(ForeignKey("scf_certificates.id"), index=True)
    requester_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    annual_rate_percent: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    day_count: Mapped[str | None] = mapped_column(String(8))
    days: Mapped[int | None] = mapped_column(Integer)
    discount_fen: Mapped[int | None] = mapped_column(BigInteger)
    proceeds_fen: Mapped[int | None] = mapped_column(BigInteger)
    bank_certificate_id: Mapped[str | None] = mapped_column(ForeignKey("scf_certificates.id"))
    # Agreed with the quote: whether the bank may turn back to the seller if the core
    # enterprise does not pay at maturity (有追索权) or bears that risk itself (无追索权).
    recourse: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    version: Mapped[int] = mapped_column(Integer, default=1)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    quoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Settlement(Base):
    """What the core enterprise paid one holder at maturity."""

    __tablename__ = "scf_settlements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    payable_id: Mapped[str] = mapped_column(ForeignKey("scf_payables.id"), index=True)
    certificate_id: Mapped[str] = mapped_column(ForeignKey("scf_certificates.id"), unique=True)
    payee_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CertificateEvent(Base):
    """Every state change of a tree, with where it sits in the verifiable log."""

    __tablename__ = "scf_events"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    payable_id: Mapped[str] = mapped_column(ForeignKey("scf_payables.id"), index=True)
    certificate_id: Mapped[str | None] = mapped_column(ForeignKey("scf_certificates.id"))
    kind: Mapped[str] = mapped_column(String(48))
    actor_org_id: Mapped[str | None] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    log_index: Mapped[int | None] = mapped_column(BigInteger)
    leaf_hash: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class ExposureLimit(Base):
    """A bank's exposure limit on one core enterprise (授信额度): the most it will hold of that
    enterprise's certificates, outstanding (live or overdue), at once."""

    __tablename__ = "scf_exposure_limits"
    __table_args__ = (UniqueConstraint("bank_org_id", "core_org_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    core_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[int] = mapped_column(Integer, default=1)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalEntry(Base):
    """One balanced money movement of supply-chain finance; never edited."""

    __tablename__ = "scf_journal_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    payable_id: Mapped[str] = mapped_column(ForeignKey("scf_payables.id"), index=True)
    certificate_id: Mapped[str | None] = mapped_column(ForeignKey("scf_certificates.id"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalLine(Base):
    """One side of an entry: an organisation's account debited or credited in fen."""

    __tablename__ = "scf_journal_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(ForeignKey("scf_journal_entries.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    account: Mapped[str] = mapped_column(String(32))
    debit_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)


class TradeContract(Base):
    """A trade contract between two enterprises: goods, price, delivery and payment terms,
    and the payment-term rules it breaks (flagged at creation)."""

    __tablename__ = "scf_trade_contracts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    seller_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    goods: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(BigInteger)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    delivery_terms: Mapped[str] = mapped_column(String(200))
    payment_days: Mapped[int] = mapped_column(Integer)
    pay_when_paid: Mapped[bool] = mapped_column(Boolean)
    flags: Mapped[list[str]] = mapped_column(JSON)
    created_by_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReconStatement(Base):
    """A reconciliation statement (对账单) the seller issues on a contract for a period."""

    __tablename__ = "scf_recon_statements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(ForeignKey("scf_trade_contracts.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The buyer pays a confirmed statement within the contract's payment days of period_end.
    due_on: Mapped[date] = mapped_column(Date)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payment_overdue_on: Mapped[date | None] = mapped_column(Date)  # flagged to the seller


class ReconLine(Base):
    """One line of a statement: what was delivered and billed, and the buyer's answer."""

    __tablename__ = "scf_recon_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    statement_id: Mapped[str] = mapped_column(ForeignKey("scf_recon_statements.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16))
    dispute_reason: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
