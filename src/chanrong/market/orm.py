"""Market tables: companies, investors, financing events, listings, financials, use of proceeds.

Public-fact data about the sector, not enterprise data: no organisation owns these rows.
Amounts are integer minor units of their currency, with the CNY fen figures beside them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class MarketCompany(Base):
    __tablename__ = "market_companies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    province_code: Mapped[str | None] = mapped_column(String(6), index=True)
    city: Mapped[str | None] = mapped_column(String(50))
    field: Mapped[str | None] = mapped_column(String(32), index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    field_method: Mapped[str | None] = mapped_column(String(16))
    # Classifier confidence in basis points (0–10000), so both backends store it exactly.
    field_confidence_bp: Mapped[int | None] = mapped_column(Integer)
    # Raised by one at every classification by the operator or again from the description:
    # the reports' cache compares the sum, so a change made by any process is seen at once.
    classifications: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarketInvestor(Base):
    __tablename__ = "market_investors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    state_owned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarketEvent(Base):
    __tablename__ = "market_events"
    __table_args__ = (UniqueConstraint("company_id", "event_date", "round"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    event_date: Mapped[date] = mapped_column(Date, index=True)
    company_id: Mapped[str] = mapped_column(ForeignKey("market_companies.id"), index=True)
    round: Mapped[str] = mapped_column(String(24))
    amount_text: Mapped[str] = mapped_column(String(100))
    amount_kind: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    amount_low_minor: Mapped[int | None] = mapped_column(BigInteger)
    amount_high_minor: Mapped[int | None] = mapped_column(BigInteger)
    cny_low_fen: Mapped[int | None] = mapped_column(BigInteger)
    cny_high_fen: Mapped[int | None] = mapped_column(BigInteger)
    # NULL: the province is not known (public tables often print none); never a placeholder.
    province_code: Mapped[str | None] = mapped_column(String(6), index=True)
    city: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The import that created the event, so that the import can be rolled back.
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("market_import_batches.id"), index=True)


class MarketImportBatch(Base):
    """One import: what came in, how it was mapped, what it created; can be rolled back."""

    __tablename__ = "market_import_batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    dataset: Mapped[str] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str | None] = mapped_column(String(64))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    # Names of the companies and investors this import created (removed on rollback when
    # nothing else refers to them).
    new_companies: Mapped[list[str]] = mapped_column(JSON, default=list)
    new_investors: Mapped[list[str]] = mapped_column(JSON, default=list)
    actor_org_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rolled_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MarketImportTemplate(Base):
    """A named column mapping (header as written → column), reused across imports."""

    __tablename__ = "market_import_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    dataset: Mapped[str] = mapped_column(String(16))
    mapping: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarketEventInvestor(Base):
    __tablename__ = "market_event_investors"

    event_id: Mapped[str] = mapped_column(ForeignKey("market_events.id"), primary_key=True)
    investor_id: Mapped[str] = mapped_column(
        ForeignKey("market_investors.id"), primary_key=True, index=True
    )
    lead: Mapped[bool] = mapped_column(Boolean, default=False)


class MarketListing(Base):
    __tablename__ = "market_listings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(ForeignKey("market_companies.id"), unique=True)
    stock_code: Mapped[str] = mapped_column(String(12), unique=True)
    exchange: Mapped[str] = mapped_column(String(8))
    board: Mapped[str] = mapped_column(String(12), index=True)
    listing_date: Mapped[date] = mapped_column(Date, index=True)
    ipo_proceeds_fen: Mapped[int | None] = mapped_column(BigInteger)
    market_value_fen: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MarketFinancials(Base):
    """A listed company's revenue and net profit for one fiscal year."""

    __tablename__ = "market_financials"

    listing_id: Mapped[str] = mapped_column(ForeignKey("market_listings.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    revenue_fen: Mapped[int] = mapped_column(BigInteger)
    profit_fen: Mapped[int] = mapped_column(BigInteger)


class MarketProceedsUse(Base):
    """One project the IPO proceeds are raised for (募集资金投向)."""

    __tablename__ = "market_proceeds_uses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    listing_id: Mapped[str] = mapped_column(ForeignKey("market_listings.id"), index=True)
    project: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
