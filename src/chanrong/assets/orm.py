"""Assets tables: the data-resource register and its cost records, IP rights and their pledge
registrations, valuations, pools with their pledged assets, revaluations and margin alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class DataResource(Base):
    """One dataset of an enterprise as a data resource (数据资源), built from the catalog."""

    __tablename__ = "asset_data_resources"
    __table_args__ = (UniqueConstraint("org_id", "dataset"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    dataset: Mapped[str] = mapped_column(String(100))
    catalog_entry_id: Mapped[str] = mapped_column(String(36))
    description: Mapped[str] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(32))
    grade: Mapped[int] = mapped_column(Integer)
    # Numeric text so a score is exact; None while telemetry has not scored the dataset.
    quality_score: Mapped[str | None] = mapped_column(String(12))
    consented_reads: Mapped[int] = mapped_column(Integer, default=0)
    reads_log_indexes: Mapped[list[int]] = mapped_column(JSON, default=list)
    held_for: Mapped[str] = mapped_column(String(16), default="undecided")
    formed_by: Mapped[str] = mapped_column(String(16), default="developed")
    controlled: Mapped[bool] = mapped_column(Boolean, default=True)
    benefits_probable: Mapped[bool] = mapped_column(Boolean, default=False)
    useful_life_months: Mapped[int | None] = mapped_column(Integer)
    ready_on: Mapped[date | None] = mapped_column(Date)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CostRecord(Base):
    """A cost that formed a data resource, typed by the enterprise with its evidence. Never
    edited: a correction is a new record with a negative amount."""

    __tablename__ = "asset_cost_records"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    resource_id: Mapped[str] = mapped_column(ForeignKey("asset_data_resources.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    incurred_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(String(300))
    entered_by: Mapped[str] = mapped_column(String(36))
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IpRight(Base):
    """A patent, trademark, software copyright or layout design held by an enterprise."""

    __tablename__ = "asset_ip_rights"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    owner_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    filed_on: Mapped[date | None] = mapped_column(Date)
    registered_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    fees_paid_until: Mapped[date | None] = mapped_column(Date)
    annual_fee_fen: Mapped[int | None] = mapped_column(BigInteger)
    expires_on: Mapped[date] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IpPledge(Base):
    """A pledge registration (质押登记) of an IP right with a pledgee."""

    __tablename__ = "asset_ip_pledges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    ip_id: Mapped[str] = mapped_column(ForeignKey("asset_ip_rights.id"), index=True)
    pledgee_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    registration_no: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(12))
    registered_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(BigInteger)
    close_log_index: Mapped[int | None] = mapped_column(BigInteger)


class Valuation(Base):
    """A valuation of a data resource or IP right: every approach's working, the reconciled
    value, the sensitivity table and the evidence each figure came from."""

    __tablename__ = "asset_valuations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    subject_type: Mapped[str] = mapped_column(String(8))  # data | ip
    subject_id: Mapped[str] = mapped_column(String(36), index=True)
    subject_name: Mapped[str] = mapped_column(String(300))
    as_of: Mapped[date] = mapped_column(Date)
    value_fen: Mapped[int] = mapped_column(BigInteger)
    approaches: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reconciliation: Mapped[dict[str, Any]] = mapped_column(JSON)
    sensitivity: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    accounting: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    valued_by: Mapped[str] = mapped_column(String(36))
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Pool(Base):
    """An enterprise's asset pool (资产池) with one bank, and the line it secures."""

    __tablename__ = "asset_pools"
    __table_args__ = (UniqueConstraint("org_id", "bank_org_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    # The lending credit line this pool secures (lending's id; no cross-domain key): its
    # drawn balance is read from lending at each revaluation, never typed in.
    line_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    drawn_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    base_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    available_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    revalued_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Replenished from intake (the enterprise's standing pledge, ``replenish``): at each
    # revaluation its open receivables join the pool and paid ones leave.
    replenish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Pledge(Base):
    """One asset pledged into a pool. ``active_key`` equals ``asset_key`` while pledged and is
    NULL once released: its unique index is what keeps one asset out of two pools, even
    between two concurrent transactions."""

    __tablename__ = "asset_pledges"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pool_id: Mapped[str] = mapped_column(ForeignKey("asset_pools.id"), index=True)
    asset_type: Mapped[str] = mapped_column(String(20))
    asset_ref: Mapped[str] = mapped_column(String(200))
    asset_key: Mapped[str] = mapped_column(String(230), index=True)
    active_key: Mapped[str | None] = mapped_column(String(230), unique=True)
    declared_value_fen: Mapped[int | None] = mapped_column(BigInteger)
    debtor: Mapped[str | None] = mapped_column(String(200))
    reference_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="pledged")
    pledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replaced_by: Mapped[str | None] = mapped_column(String(36))
    log_index: Mapped[int] = mapped_column(BigInteger)
    release_log_index: Mapped[int | None] = mapped_column(BigInteger)
    # Orders: units ordered, the delivery date and the production-capacity check at pledging
    # (``capacity.Capacity.as_json``), whose share of the order's amount is what it lends.
    quantity: Mapped[str | None] = mapped_column(String(40))
    delivery_date: Mapped[date | None] = mapped_column(Date)
    capacity: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class PoolRevaluation(Base):
    """A pool's borrowing base on one day, with each asset's line (history for the bank)."""

    __tablename__ = "asset_pool_revaluations"
    __table_args__ = (UniqueConstraint("pool_id", "as_of"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pool_id: Mapped[str] = mapped_column(ForeignKey("asset_pools.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    gross_fen: Mapped[int] = mapped_column(BigInteger)
    base_fen: Mapped[int] = mapped_column(BigInteger)
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    drawn_fen: Mapped[int] = mapped_column(BigInteger)
    available_fen: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The lendable value before the concentration limits (Σ lines' lendable_fen): what the
    # trend rule follows month to month (the per-debtor cap moves with the mix of debtors).
    lendable_fen: Mapped[int | None] = mapped_column(BigInteger)


class MarginAlert(Base):
    """Drawn above what the pool supports: raised to the bank and the enterprise."""

    __tablename__ = "asset_margin_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pool_id: Mapped[str] = mapped_column(ForeignKey("asset_pools.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    raised_on: Mapped[date] = mapped_column(Date)
    shortfall_fen: Mapped[int] = mapped_column(BigInteger)
    base_fen: Mapped[int] = mapped_column(BigInteger)
    drawn_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="open")
    resolved_on: Mapped[date | None] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(BigInteger)
    line_id: Mapped[str | None] = mapped_column(String(36))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(36))
    ack_log_index: Mapped[int | None] = mapped_column(BigInteger)


class TrendAlert(Base):
    """The pool's value falling (the trend rule, ``assets.trend``): raised once per breach to
    the bank and the enterprise by the monthly run, with the figures it was raised on."""

    __tablename__ = "asset_trend_alerts"
    __table_args__ = (UniqueConstraint("pool_id", "raised_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    pool_id: Mapped[str] = mapped_column(ForeignKey("asset_pools.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    raised_on: Mapped[date] = mapped_column(Date)  # the month-end of the breach
    # Decimal text (exact): level ÷ reference, the seasonal factor, ratio ÷ factor.
    ratio: Mapped[str] = mapped_column(String(20))
    seasonal_factor: Mapped[str | None] = mapped_column(String(20))
    adjusted: Mapped[str] = mapped_column(String(20))
    threshold: Mapped[str] = mapped_column(String(12))
    level_fen: Mapped[int] = mapped_column(BigInteger)
    reference_fen: Mapped[int] = mapped_column(BigInteger)
    # The month-end values and months behind each figure, the rule, the pools in the factor.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="open")
    resolved_on: Mapped[date | None] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
