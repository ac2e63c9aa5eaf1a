"""Fund tables: funds, their dated cash flows with LPs, and NAV statements.

A fund belongs to the organisation that records it (its manager or the institution that
evaluates it); only that organisation reads or writes its records.
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
    ForeignKey,
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


class FundTerms(Base):
    """A fund's place in a guide-fund structure and what it is judged against, one row per
    fund (absent when none is recorded). ``parent_fund_id`` links a sub-fund to the guide fund
    that seeded it with ``guide_contribution_fen``; a guide fund carries its region (GB/T 2260),
    the required 返投 ratio, the mandated sectors (GB/T 4754 prefixes, comma-separated) and the
    government body (an analyst organisation) that sponsors it and may read its evaluation."""

    __tablename__ = "fund_terms"

    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), primary_key=True)
    parent_fund_id: Mapped[str | None] = mapped_column(ForeignKey("funds.id"), index=True)
    guide_contribution_fen: Mapped[int | None] = mapped_column(BigInteger)
    region_code: Mapped[str | None] = mapped_column(String(6))
    required_reinvest_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    mandated_sectors: Mapped[str | None] = mapped_column(String(400))
    sponsor_org_id: Mapped[str | None] = mapped_column(String(36), index=True)


class FundClose(Base):
    """A close of the fundraising (first, further, final) on a date."""

    __tablename__ = "fund_closes"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean, default=False)


class FundCommitment(Base):
    """An LP's commitment to a fund, taken at a close when known."""

    __tablename__ = "fund_commitments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    lp: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    close_id: Mapped[str | None] = mapped_column(ForeignKey("fund_closes.id"))


class FundInvestment(Base):
    """A portfolio investment: a platform enterprise (``company_org_id``) or a named company
    (with its USCC when known). Amount, sector (GB/T 4754) and region (GB/T 2260) may be
    unknown and then stay NULL."""

    __tablename__ = "fund_investments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    company_org_id: Mapped[str | None] = mapped_column(String(36), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    on: Mapped[date] = mapped_column(Date)
    sector_code: Mapped[str | None] = mapped_column(String(8))
    region_code: Mapped[str | None] = mapped_column(String(6))


class FundExit(Base):
    """An exit from a portfolio investment (IPO, M&A, buy-back, write-off) with its proceeds;
    ``flow_id`` is the distribution to the LPs that carried the proceeds into the fund's cash
    flows (None for a write-off or proceeds kept in the fund)."""

    __tablename__ = "fund_exits"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    investment_id: Mapped[str] = mapped_column(ForeignKey("fund_investments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # ipo | ma | buyback | writeoff
    on: Mapped[date] = mapped_column(Date)
    proceeds_fen: Mapped[int] = mapped_column(BigInteger)
    flow_id: Mapped[str | None] = mapped_column(ForeignKey("fund_flows.id"))


class FinancingNeed(Base):
    """An enterprise's financing need (供需对接): amount, instrument, stage, use of funds; its
    sector and region come from the enterprise's registration (None when not recorded)."""

    __tablename__ = "financing_needs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    instrument: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    stage: Mapped[str | None] = mapped_column(String(16))
    use_of_funds: Mapped[str] = mapped_column(String(500))
    sector_code: Mapped[str | None] = mapped_column(String(8))
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_on: Mapped[date | None] = mapped_column(Date)  # the round closed (equity needs)


class Mandate(Base):
    """An investor's or a bank's mandate: instruments, sectors, stages, regions (comma-separated;
    empty means any) and the ticket range (None: no bound)."""

    __tablename__ = "financing_mandates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    org_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200))
    instruments: Mapped[str] = mapped_column(String(100))
    sectors: Mapped[str] = mapped_column(String(400), default="")
    stages: Mapped[str] = mapped_column(String(200), default="")
    regions: Mapped[str] = mapped_column(String(400), default="")
    ticket_min_fen: Mapped[int | None] = mapped_column(BigInteger)
    ticket_max_fen: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EquityLoanLink(Base):
    """投贷联动: a bank's loan offer (a product and a limit) linked to an enterprise's equity
    round (its equity financing need). The limit opens when the round closes; the link is
    shown to both the bank and the enterprise."""

    __tablename__ = "equity_loan_links"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    bank_org_id: Mapped[str] = mapped_column(String(36), index=True)
    need_id: Mapped[str] = mapped_column(ForeignKey("financing_needs.id"), index=True)
    product_id: Mapped[str] = mapped_column(String(36))
    limit_fen: Mapped[int] = mapped_column(BigInteger)
    condition: Mapped[str] = mapped_column(String(24))  # round_closes
    status: Mapped[str] = mapped_column(String(16))  # pending | open
    opened_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PortfolioAlert(Base):
    """投后预警: a stored early warning on a fund's portfolio company, raised by the worker's
    monitoring pass under the company's ``investment_monitoring`` grant. Its lifecycle is
    new → acknowledged → closed; one alert per (fund, company, kind) is live at a time and a
    later detection refreshes it. ``closed_reason`` says why it ended: ``cleared`` (no longer
    detected), ``consent_<reason>`` (the grant ended: its evidence is wiped) or ``manual``."""

    __tablename__ = "fund_portfolio_alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    company_org_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))  # new | acknowledged | closed
    params: Mapped[dict[str, str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_detected_on: Mapped[date] = mapped_column(Date)
    last_detected_on: Mapped[date] = mapped_column(Date)
    acknowledged_by: Mapped[str | None] = mapped_column(String(36))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FundWatch(Base):
    """A company on a fund's watch list (by its name in the market data): a financing event of
    it in the market data enters the fund's deal pipeline."""

    __tablename__ = "fund_watchlist"
    __table_args__ = (UniqueConstraint("fund_id", "company_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FundDeal(Base):
    """A deal in a fund's pipeline (募投管退's 投): where it came from (a market financing event
    of a watched company, or entered by hand), its round, date and amount as known then (NULL:
    unknown), and its stage, which the fund manager moves (each move in ``fund_deal_moves``)."""

    __tablename__ = "fund_deals"
    __table_args__ = (UniqueConstraint("fund_id", "source_ref"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    fund_id: Mapped[str] = mapped_column(ForeignKey("funds.id"), index=True)
    company_name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(16))  # market_event | manual
    source_ref: Mapped[str | None] = mapped_column(String(36))  # the market event's id
    round: Mapped[str | None] = mapped_column(String(24))
    event_date: Mapped[date | None] = mapped_column(Date)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FundDealMove(Base):
    """One move of a deal from a stage to another, by whom and when, with a note."""

    __tablename__ = "fund_deal_moves"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    deal_id: Mapped[str] = mapped_column(ForeignKey("fund_deals.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    by_user: Mapped[str | None] = mapped_column(String(36))
    note: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DataRoom(Base):
    """A data room opened from a match (供需对接): the enterprise with the financing need lets
    the matched mandate's organisation read the business records it chose, until
    ``valid_until``, under its governance grant (``grant_id``) for
    ``investment_due_diligence``. Closing it revokes the grant; every read is checked and
    logged by governance."""

    __tablename__ = "fund_data_rooms"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    need_id: Mapped[str] = mapped_column(ForeignKey("financing_needs.id"), index=True)
    mandate_id: Mapped[str] = mapped_column(ForeignKey("financing_mandates.id"), index=True)
    enterprise_org_id: Mapped[str] = mapped_column(String(36), index=True)
    investor_org_id: Mapped[str] = mapped_column(String(36), index=True)
    grant_id: Mapped[str] = mapped_column(String(36))
    datasets: Mapped[str] = mapped_column(String(400))  # comma-separated catalog names
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
