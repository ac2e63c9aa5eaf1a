"""Insurance tables: premium quotes priced from the equipment quality index."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String
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
