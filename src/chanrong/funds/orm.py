"""Fund tables: funds, their dated cash flows with LPs, and NAV statements.

A fund belongs to the organisation that records it (its manager or the institution that
evaluates it); only that organisation reads or writes its records.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chanrong.core.clock import utcnow
from chanrong.core.ids import new_id
from chanrong.storage.base import Base
from chanrong.storage.types import UTCDateTime


class Fund(Base):
    __tablename__ = "funds"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))  # guide_fund | sub_fund | vc | pe
    vintage: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FundFlow(Base):
    """A capital call (negative fen) or distribution (positive fen), with the LP if known."""

    __tablename__ = "fund_flows"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    lp: Mapped[str | None] = mapped_column(String(200))


class FundNav(Base):
    """A NAV statement on a date."""

    __tablename__ = "fund_navs"
    __table_args__ = (UniqueConstraint("fund_id", "on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    nav_fen: Mapped[int] = mapped_column(BigInteger)
