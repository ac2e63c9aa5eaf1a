"""Guarantee tables: schemes, guaranteed loans, fees, claims (代偿), recoveries, the journal,
and interest-subsidy programmes with their enrolments and payments. Decimals are stored as
text so every backend keeps them exact; money is integer fen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class SchemeRow(Base):
    """A risk-sharing scheme: its rules as data (``definition``) and who plays each sharer."""

    __tablename__ = "guarantee_schemes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    sharer_orgs: Mapped[dict[str, str]] = mapped_column(JSON)  # party → organisation id
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GuaranteeRow(Base):
    """A guaranteed loan: requested by the lending bank, accepted by the guarantor."""

    __tablename__ = "guarantee_guarantees"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    scheme_id: Mapped[str] = mapped_column(ForeignKey("guarantee_schemes.id"), index=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"), unique=True)
    guarantor_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    borrower_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    # requested → active → claimed (or refused / released)
    status: Mapped[str] = mapped_column(String(16), index=True)
    fees_through: Mapped[date] = mapped_column(Date)
    refusal: Mapped[str | None] = mapped_column(String(40))
    log_index: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeeRow(Base):
    """One fee for one period of one guaranteed loan."""

    __tablename__ = "guarantee_fees"
    __table_args__ = (UniqueConstraint("guarantee_id", "name", "period_start"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    guarantee_id: Mapped[str] = mapped_column(ForeignKey("guarantee_guarantees.id"), index=True)
    scheme_id: Mapped[str] = mapped_column(ForeignKey("guarantee_schemes.id"), index=True)
    name: Mapped[str] = mapped_column(String(24))
    payer_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    payee_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    rate_pct: Mapped[str] = mapped_column(String(40))
    base_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    counts_for_caps: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ClaimRow(Base):
    """A default's claim (代偿) and how its unpaid principal was split."""

    __tablename__ = "guarantee_claims"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    guarantee_id: Mapped[str] = mapped_column(ForeignKey("guarantee_guarantees.id"), unique=True)
    scheme_id: Mapped[str] = mapped_column(ForeignKey("guarantee_schemes.id"), index=True)
    default_on: Mapped[date] = mapped_column(Date)
    unpaid_fen: Mapped[int] = mapped_column(BigInteger)
    bank_fen: Mapped[int] = mapped_column(BigInteger)
    compensation_fen: Mapped[int] = mapped_column(BigInteger)
    guarantor_fen: Mapped[int] = mapped_column(BigInteger)
    sharers: Mapped[dict[str, int]] = mapped_column(JSON)  # party → fen reimbursed
    limited_by: Mapped[dict[str, str]] = mapped_column(JSON)
    log_index: Mapped[int] = mapped_column(BigInteger)  # the bank's claim entry
    payout_log_index: Mapped[int] = mapped_column(BigInteger)  # the guarantor's 代偿 entry
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryRow(Base):
    """Money recovered from a defaulted borrower, shared back by loss borne."""

    __tablename__ = "guarantee_recoveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    claim_id: Mapped[str] = mapped_column(ForeignKey("guarantee_claims.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    shares: Mapped[dict[str, int]] = mapped_column(JSON)  # party → fen
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalEntryRow(Base):
    """One party's balanced entry for one money movement (``event_id`` ties both sides)."""

    __tablename__ = "guarantee_journal_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref_id: Mapped[str] = mapped_column(String(36), index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalLineRow(Base):
    __tablename__ = "guarantee_journal_lines"
    __table_args__ = (Index("ix_guarantee_journal_lines_org_account", "org_id", "account"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(ForeignKey("guarantee_journal_entries.id"), index=True)
    org_id: Mapped[str] = mapped_column(String(36))
    account: Mapped[str] = mapped_column(String(32))
    debit_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)


class ProgrammeRow(Base):
    """An interest-subsidy programme (贴息) of a government body."""

    __tablename__ = "subsidy_programmes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    gov_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(40))
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    budget_fen: Mapped[int] = mapped_column(BigInteger)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16))  # open | exhausted | ended
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EnrolmentRow(Base):
    """A loan found eligible for a programme."""

    __tablename__ = "subsidy_enrolments"
    __table_args__ = (UniqueConstraint("programme_id", "loan_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    programme_id: Mapped[str] = mapped_column(ForeignKey("subsidy_programmes.id"), index=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"), index=True)
    borrower_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    bank_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    enrolled_on: Mapped[date] = mapped_column(Date)


class SubsidyPaymentRow(Base):
    """One loan's subsidy for one period, paid to the borrower."""

    __tablename__ = "subsidy_payments"
    __table_args__ = (UniqueConstraint("programme_id", "loan_id", "period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    programme_id: Mapped[str] = mapped_column(ForeignKey("subsidy_programmes.id"), index=True)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"))
    borrower_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    period: Mapped[date] = mapped_column(Date)
    interest_paid_fen: Mapped[int] = mapped_column(BigInteger)
    computed_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    limited_by: Mapped[str | None] = mapped_column(String(16))
    log_index: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
