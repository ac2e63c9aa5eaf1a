"""Carbon tables: one assessment (碳效码) per enterprise per month."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class CarbonAssessment(Base):
    __tablename__ = "carbon_assessments"
    __table_args__ = (UniqueConstraint("org_id", "period"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    period: Mapped[date] = mapped_column(Date, index=True)
    industry_code: Mapped[str] = mapped_column(String(5))
    # Decimals as text so every backend keeps them exact.
    emissions_t: Mapped[str] = mapped_column(String(40))
    by_carrier_t: Mapped[dict[str, Any]] = mapped_column(JSON)
    value_added_fen: Mapped[int] = mapped_column(BigInteger)
    intensity: Mapped[str] = mapped_column(String(40))
    industry_intensity: Mapped[str] = mapped_column(String(40))
    k: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(8))
    grade: Mapped[int] = mapped_column(Integer)
    benchmark_scope: Mapped[str] = mapped_column(String(5))
    peers: Mapped[int] = mapped_column(Integer)
    factor_versions: Mapped[list[str]] = mapped_column(JSON)
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
