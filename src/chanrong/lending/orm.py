"""Lending tables. Money is integer fen; rates are exact decimals kept as text.

Journal entries and lines, repayments and their allocations are append-only facts: balances
are sums over them. Instalment rows are versioned (a prepayment writes a new version).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class DecimalText(TypeDecorator[Decimal]):
    """An exact ``Decimal`` kept as text: the same on SQLite (no native decimal) and PostgreSQL."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise ValueError("DecimalText needs a Decimal")
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


class Product(Base):
    """A loan product a lender offers: shape, method, day count, pricing, allocation order."""

    __tablename__ = "lending_products"
    __table_args__ = (UniqueConstraint("lender_org_id", "code"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lender_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(24))
    day_count: Mapped[str] = mapped_column(String(8))
    rate_type: Mapped[str] = mapped_column(String(8))
    fixed_rate: Mapped[Decimal | None] = mapped_column(DecimalText())
    spread: Mapped[Decimal | None] = mapped_column(DecimalText())
    lpr_tenor: Mapped[str | None] = mapped_column(String(4))
    repricing: Mapped[str | None] = mapped_column(String(16))
    allocation_order: Mapped[str] = mapped_column(String(32))
    penalty_markup_pct: Mapped[Decimal] = mapped_column(DecimalText())
    max_term_months: Mapped[int] = mapped_column(Integer)
    max_amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LprFixing(Base):
    """A published Loan Prime Rate (贷款市场报价利率) and the day it took effect."""

    __tablename__ = "lending_lpr_fixings"
    __table_args__ = (UniqueConstraint("tenor", "effective_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    tenor: Mapped[str] = mapped_column(String(4))
    effective_on: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(DecimalText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CreditLine(Base):
    """A revolving line: drawdowns are loans under it; repaid principal frees the limit."""

    __tablename__ = "lending_credit_lines"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(ForeignKey("lending_products.id"), index=True)
    lender_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    borrower_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    decision_id: Mapped[str | None] = mapped_column(String(36))
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate: Mapped[Decimal | None] = mapped_column(DecimalText())
    opened_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    purpose: Mapped[str] = mapped_column(String(32))
    sweep_share_pct: Mapped[Decimal] = mapped_column(DecimalText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Loan(Base):
    """A loan (a term loan, or one drawdown of a credit line)."""

    __tablename__ = "lending_loans"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    product_id: Mapped[str] = mapped_column(ForeignKey("lending_products.id"), index=True)
    line_id: Mapped[str | None] = mapped_column(ForeignKey("lending_credit_lines.id"), index=True)
    lender_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    borrower_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    decision_id: Mapped[str | None] = mapped_column(String(36))
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(24))
    day_count: Mapped[str] = mapped_column(String(8))
    allocation_order: Mapped[str] = mapped_column(String(32))
    annual_rate: Mapped[Decimal] = mapped_column(DecimalText())
    spread: Mapped[Decimal | None] = mapped_column(DecimalText())
    lpr_tenor: Mapped[str | None] = mapped_column(String(4))
    repricing: Mapped[str | None] = mapped_column(String(16))
    penalty_markup_pct: Mapped[Decimal] = mapped_column(DecimalText())
    purpose: Mapped[str] = mapped_column(String(32))
    sweep_share_pct: Mapped[Decimal] = mapped_column(DecimalText())
    # 回款账户: customer payments into this account repay the loan; the rest is released.
    collection_account: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Related parties the bank declared (name, USCC): loan money paid to them is a finding.
    related_parties: Mapped[list[dict[str, str]]] = mapped_column(JSON, server_default="[]")
    status: Mapped[str] = mapped_column(String(16), index=True)
    start_on: Mapped[date | None] = mapped_column(Date)
    schedule_version: Mapped[int] = mapped_column(Integer, default=0)
    # Derived state kept for queries; the daily close recomputes it from the facts.
    dpd: Mapped[int] = mapped_column(Integer, default=0)
    bucket: Mapped[str] = mapped_column(String(8), default="current")
    category: Mapped[str] = mapped_column(String(20), default="normal")
    # The day a non-performing loan was last brought current (starts its observation period).
    cured_on: Mapped[date | None] = mapped_column(Date)
    # Accrual booked so far (the close checks these against the journal).
    accrued_interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    accrued_penalty_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    closed_through: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    booked_by_user_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Instalment(Base):
    """One instalment of one schedule version."""

    __tablename__ = "lending_instalments"
    __table_args__ = (UniqueConstraint("loan_id", "version", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"))
    version: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    start_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    accrual_start: Mapped[date] = mapped_column(Date)
    carried_interest_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class JournalEntry(Base):
    """One balanced money movement of one loan; never edited, reversed by a new entry."""

    __tablename__ = "lending_journal_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    effective_on: Mapped[date] = mapped_column(Date)
    reverses_id: Mapped[str | None] = mapped_column(String(36))
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class JournalLine(Base):
    __tablename__ = "lending_journal_lines"
    __table_args__ = (Index("ix_lending_journal_lines_loan_account", "loan_id", "account"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    entry_id: Mapped[str] = mapped_column(ForeignKey("lending_journal_entries.id"), index=True)
    loan_id: Mapped[str] = mapped_column(String(36))
    account: Mapped[str] = mapped_column(String(32))
    debit_fen: Mapped[int] = mapped_column(BigInteger)
    credit_fen: Mapped[int] = mapped_column(BigInteger)


class Repayment(Base):
    """Money received for a loan (or a prepayment, or a sweep from collections)."""

    __tablename__ = "lending_repayments"
    __table_args__ = (UniqueConstraint("loan_id", "reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str] = mapped_column(String(100))
    entry_id: Mapped[str] = mapped_column(ForeignKey("lending_journal_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Collection(Base):
    """A customer payment into a loan's collection account: what the loan took, what was
    released to the enterprise. One per payment reference and loan: it never applies twice."""

    __tablename__ = "lending_collections"
    __table_args__ = (UniqueConstraint("loan_id", "reference"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100))
    account: Mapped[str] = mapped_column(String(40))
    payer: Mapped[str | None] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    applied_fen: Mapped[int] = mapped_column(BigInteger)
    released_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    # The day the bank's books took it (later than paid_on when those days were closed).
    booked_on: Mapped[date] = mapped_column(Date)
    repayment_id: Mapped[str | None] = mapped_column(ForeignKey("lending_repayments.id"))
    release_entry_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Allocation(Base):
    """Part of a repayment settling one component of one instalment (0: loan penalty)."""

    __tablename__ = "lending_allocations"
    __table_args__ = (Index("ix_lending_allocations_loan_instalment", "loan_id", "instalment"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    repayment_id: Mapped[str] = mapped_column(ForeignKey("lending_repayments.id"), index=True)
    loan_id: Mapped[str] = mapped_column(String(36))
    instalment: Mapped[int] = mapped_column(Integer)
    component: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class ClassificationChange(Base):
    """A loan moved between the five categories, and the rule that moved it."""

    __tablename__ = "lending_classifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    from_category: Mapped[str] = mapped_column(String(20))
    to_category: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(200))
    dpd: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DailyClose(Base):
    """One run of the daily close and the proof that the books balanced."""

    __tablename__ = "lending_daily_closes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    lender_org_id: Mapped[str | None] = mapped_column(String(36), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    loans: Mapped[int] = mapped_column(Integer)
    interest_accrued_fen: Mapped[int] = mapped_column(BigInteger)
    penalty_accrued_fen: Mapped[int] = mapped_column(BigInteger)
    total_debit_fen: Mapped[int] = mapped_column(BigInteger)
    total_credit_fen: Mapped[int] = mapped_column(BigInteger)
    balanced: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Alert(Base):
    """An early warning about a borrower, with evidence and a lifecycle."""

    __tablename__ = "lending_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    loan_id: Mapped[str] = mapped_column(ForeignKey("lending_loans.id"), index=True)
    lender_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    borrower_org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    detected_on: Mapped[date] = mapped_column(Date)
    acknowledged_by: Mapped[str | None] = mapped_column(String(36))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(36))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
