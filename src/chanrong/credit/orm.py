"""Credit tables: profile snapshots and credit applications with their decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
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


class ProfileSnapshot(Base):
    """An enterprise's operating profile (企业画像) as of a date: features and limit evidence."""

    __tablename__ = "credit_profiles"
    __table_args__ = (Index("ix_credit_profiles_org_as_of", "org_id", "as_of"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    as_of: Mapped[date] = mapped_column(Date)
    features: Mapped[dict[str, Any]] = mapped_column(JSON)
    revenue_12m_fen: Mapped[int] = mapped_column(BigInteger)
    open_orders_fen: Mapped[int] = mapped_column(BigInteger)
    receivables_fen: Mapped[int] = mapped_column(BigInteger)
    last_default_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DefaultEvent(Base):
    """A default on the enterprise's record: a loan on the platform turning non-performing
    (90+ days past due, 次级 or worse) or one reported from outside. Decisions knock out an
    enterprise whose latest default falls within the product's look-back period."""

    __tablename__ = "credit_default_events"
    __table_args__ = (
        UniqueConstraint("source", "reference", "occurred_on"),
        Index("ix_credit_default_events_org_on", "org_id", "occurred_on"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Application(Base):
    """A credit application and the decision on it, with everything needed to replay it."""

    __tablename__ = "credit_applications"
    __table_args__ = (
        # Pages of a bank's (or an enterprise's) applications, newest first.
        Index("ix_credit_applications_bank_created", "bank_org_id", "created_at"),
        Index("ix_credit_applications_enterprise_created", "enterprise_org_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    enterprise_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    applied_by: Mapped[str] = mapped_column(String(36))
    product_code: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date] = mapped_column(Date)
    requested_fen: Mapped[int | None] = mapped_column(BigInteger)
    # The term asked for (months); None when the applicant left it to the product's default.
    term_months: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))  # the automatic decision
    status: Mapped[str] = mapped_column(String(12), index=True)  # approved/declined/referred
    knockouts: Mapped[list[str]] = mapped_column(JSON)
    grade: Mapped[str | None] = mapped_column(String(4))
    score: Mapped[str | None] = mapped_column(String(24))  # exact decimal text of the float
    pd: Mapped[str | None] = mapped_column(String(24))
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    rate_pct: Mapped[Any] = mapped_column(Numeric(7, 2), nullable=True)
    # Green pricing as decided: the carbon grade the decision read and the basis points it
    # moved the rate by (already in rate_pct), kept so nothing recomputes them to show them.
    carbon_grade: Mapped[int | None] = mapped_column(Integer)
    green_adjust_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs_sha256: Mapped[str] = mapped_column(String(64))
    model_ref: Mapped[str | None] = mapped_column(String(120))
    model_manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    # The approved challenger's answer on the same inputs (shadow scoring): recorded for
    # comparison and monitoring, never used for the outcome.
    shadow_model_ref: Mapped[str | None] = mapped_column(String(120))
    shadow_pd: Mapped[str | None] = mapped_column(String(24))
    shadow_score: Mapped[str | None] = mapped_column(String(24))
    log_index: Mapped[int] = mapped_column(Integer)
    log_leaf_hash: Mapped[str] = mapped_column(String(64))
    # An officer approving a ``stale_profile`` referral decides on the refreshed profile: the
    # inputs of that decision (same record shape as ``inputs``), whose limit and rate the
    # application then carries; the automatic decision's own columns stay as decided.
    review_inputs: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    review_inputs_sha256: Mapped[str | None] = mapped_column(String(64))
    officer_id: Mapped[str | None] = mapped_column(String(36))
    officer_note: Mapped[str | None] = mapped_column(String(500))
    officer_log_index: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ModelMonitoring(Base):
    """One day's stability figures of a model version: the PSI of its score and the CSI of
    each characteristic of the live applications in a window against the development sample,
    and the level they reached (stable / warning above 0.1 / alert above 0.25)."""

    __tablename__ = "credit_model_monitoring"
    __table_args__ = (UniqueConstraint("model_ref", "as_of"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    model_ref: Mapped[str] = mapped_column(String(120), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer)
    applications: Mapped[int] = mapped_column(Integer)
    psi: Mapped[str | None] = mapped_column(String(24))  # exact decimal text of the float
    csi: Mapped[dict[str, Any]] = mapped_column(JSON)
    live_score: Mapped[list[float]] = mapped_column(JSON)
    level: Mapped[str] = mapped_column(String(10))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
