"""Leasing tables: contracts, monthly bills, payments and remote device commands."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class LeaseContract(Base):
    __tablename__ = "lease_contracts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lessor_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    lessee_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(32))  # the counter metric billed
    # Price per unit in thousandths of a fen, so sub-fen unit prices stay exact integers.
    price_millifen_per_unit: Mapped[int] = mapped_column(BigInteger)
    minimum_fen: Mapped[int] = mapped_column(BigInteger)
    max_gap_minutes: Mapped[int] = mapped_column(Integer)
    # The most use an hour can prove; a counter jumping faster is a data fault, not use.
    max_units_per_hour: Mapped[str] = mapped_column(String(40))
    grace_days: Mapped[int] = mapped_column(Integer)
    cost_fen: Mapped[int] = mapped_column(BigInteger)
    design_life_units: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # proposed (by the lessor) | active (accepted by the lessee) | locked | declined | ended
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the lessee accepted; null while proposed (and for contracts from before acceptance).
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class LeaseBill(Base):
    __tablename__ = "lease_bills"
    __table_args__ = (UniqueConstraint("contract_id", "period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(ForeignKey("lease_contracts.id"), index=True)
    period: Mapped[date] = mapped_column(Date)  # first day of the month billed
    usage: Mapped[str] = mapped_column(String(40))  # Decimal as text: exact on every backend
    disputed_usage: Mapped[str] = mapped_column(String(40))
    disputed_periods: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    due_date: Mapped[date] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeasePayment(Base):
    __tablename__ = "lease_payments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bill_id: Mapped[str] = mapped_column(ForeignKey("lease_bills.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    log_index: Mapped[int] = mapped_column(BigInteger)


class DeviceCommand(Base):
    __tablename__ = "lease_device_commands"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    contract_id: Mapped[str] = mapped_column(ForeignKey("lease_contracts.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(100))
    command: Mapped[str] = mapped_column(String(16))  # lock | unlock
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # sent | acknowledged | unanswered
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    log_index: Mapped[int] = mapped_column(BigInteger)


class LeaseAsset(Base):
    """A device a lessor owns or finances, registered before it can be leased."""

    __tablename__ = "lease_assets"
    # One lessor per device: a second lessor cannot register (and so lease) the same machine.
    __table_args__ = (UniqueConstraint("lessee_org_id", "device_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lessor_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    lessee_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    device_id: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str] = mapped_column(String(16))  # owns | finances
    reference: Mapped[str] = mapped_column(String(100))  # invoice or finance contract number
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    log_index: Mapped[int] = mapped_column(BigInteger)
