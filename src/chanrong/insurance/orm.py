"""Insurance tables: premium quotes priced from the equipment quality index."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class InsuranceQuote(Base):
    __tablename__ = "insurance_quotes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    insurer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    base_premium_fen: Mapped[int] = mapped_column(BigInteger)
    multiplier: Mapped[str] = mapped_column(String(16))
    premium_fen: Mapped[int] = mapped_column(BigInteger)
    index: Mapped[str] = mapped_column(String(16))
    band: Mapped[str] = mapped_column(String(2))
    devices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What priced it: "prior" (the hand-set index) or "model vN"; None on quotes made before.
    pricing: Mapped[str | None] = mapped_column(String(32))


class PricingModel(Base):
    """A claims-fitted pricing model version of one insurer: JSON coefficients, never pickle."""

    __tablename__ = "insurance_pricing_models"
    __table_args__ = (UniqueConstraint("insurer_org_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    insurer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    validation: Mapped[dict[str, Any]] = mapped_column(JSON)
    exposures: Mapped[int] = mapped_column(Integer)
    claims: Mapped[int] = mapped_column(Integer)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Policy(Base):
    """A bound policy: the quote it came from, its premium and how it is rated now."""

    __tablename__ = "insurance_policies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    insurer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    quote_id: Mapped[str] = mapped_column(ForeignKey("insurance_quotes.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16))  # bound | lapsed | cancelled | expired
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    base_premium_fen: Mapped[int] = mapped_column(BigInteger)
    multiplier: Mapped[str] = mapped_column(String(16))
    premium_fen: Mapped[int] = mapped_column(BigInteger)  # total, after every re-rating
    instalments: Mapped[int] = mapped_column(Integer)
    factors: Mapped[dict[str, str]] = mapped_column(JSON)  # what the current rating used
    log_index: Mapped[int] = mapped_column(BigInteger)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The day cover ended early or on time (lapsed, cancelled, expired); None while bound.
    ended_on: Mapped[date | None] = mapped_column(Date)


class PremiumInstalment(Base):
    __tablename__ = "insurance_premium_instalments"
    __table_args__ = (UniqueConstraint("policy_id", "seq"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    policy_id: Mapped[str] = mapped_column(ForeignKey("insurance_policies.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class PremiumPayment(Base):
    """A premium payment the insurer received on a policy (allocated to the instalments in
    order of their due dates: ``premiums.allocate``)."""

    __tablename__ = "insurance_premium_payments"
    __table_args__ = (UniqueConstraint("policy_id", "reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    policy_id: Mapped[str] = mapped_column(ForeignKey("insurance_policies.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(64))  # the bank transfer's reference
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Rating(Base):
    """A mid-term re-rating of a policy, with its reasons."""

    __tablename__ = "insurance_ratings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    policy_id: Mapped[str] = mapped_column(ForeignKey("insurance_policies.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    old_multiplier: Mapped[str] = mapped_column(String(16))
    new_multiplier: Mapped[str] = mapped_column(String(16))
    delta_fen: Mapped[int] = mapped_column(BigInteger)
    reasons: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalLine(Base):
    """One posting of the insurer's policy ledger (entries balance: ``core.ledger``)."""

    __tablename__ = "insurance_journal_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(String(36), index=True)
    insurer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("insurance_policies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    account: Mapped[str] = mapped_column(String(32))
    debit_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SafetyAlert(Base):
    """A safety-risk alert on an enterprise's device or site, with what to check."""

    __tablename__ = "insurance_safety_alerts"
    __table_args__ = (UniqueConstraint("org_id", "day", "code", "subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    code: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(8))
    evidence: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The site whose profile raised it (None for an enterprise without sites).
    site: Mapped[str | None] = mapped_column(String(64))


class SafetyProfileRow(Base):
    """An enterprise's safety-risk profile as computed on one day."""

    __tablename__ = "insurance_safety_profiles"
    __table_args__ = (UniqueConstraint("org_id", "day", "site"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(16))
    factors: Mapped[dict[str, int]] = mapped_column(JSON)
    devices: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "" is the whole enterprise; otherwise one of its sites ("-": devices given no site).
    site: Mapped[str] = mapped_column(String(64), default="", server_default="")


class Notification(Base):
    """A safety alert sent to one recipient: the insured enterprise (with what to check) or
    its insurer (under the insurance consent purpose). ``pending`` until the worker delivers
    it into the recipient's inbox; ``withheld`` (with the reason) when the insurer has no live
    grant, so nothing is dropped silently; ``read`` once the recipient has opened it."""

    __tablename__ = "insurance_notifications"
    # Named by hand: the convention's name would pass PostgreSQL's 63 characters.
    __table_args__ = (
        UniqueConstraint(
            "recipient_org_id", "org_id", "day", "code", "subject", name="uq_insurance_notice_once"
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    recipient_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    audience: Mapped[str] = mapped_column(String(8))  # insured | insurer
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(8))
    evidence: Mapped[dict[str, str]] = mapped_column(JSON)
    check: Mapped[dict[str, str]] = mapped_column(JSON)  # what to check, by language
    state: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeviceSite(Base):
    """Which of the enterprise's sites (premises: 厂区 / 车间) a device stands at, as the
    enterprise declares it for its insurance (the telemetry registry has no site)."""

    __tablename__ = "insurance_device_sites"
    __table_args__ = (UniqueConstraint("org_id", "device_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(100))
    site: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
