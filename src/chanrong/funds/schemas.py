"""Request and response bodies of the fund routes (money in yuan as decimal strings)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from chanrong.core.money import fen_to_yuan
from chanrong.funds.performance import Performance


class FlowIn(BaseModel):
    """One cash flow: negative yuan is a capital call, positive a distribution."""

    model_config = ConfigDict(extra="forbid")

    date: date
    amount_yuan: Decimal


class IndexLevelIn(BaseModel):
    """The public index's level on a date (for the PMEs)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    level: Decimal = Field(gt=0)


class PerformanceIn(BaseModel):
    """A fund's dated cash flows, its NAV on a date and, for the PMEs, index levels on every
    flow date and the NAV date."""

    model_config = ConfigDict(extra="forbid")

    flows: list[FlowIn] = Field(min_length=1, max_length=10_000)
    nav_yuan: Decimal = Field(ge=0)
    nav_date: date
    index: list[IndexLevelIn] | None = Field(default=None, max_length=20_000)


class PerformanceOut(BaseModel):
    paid_in_yuan: Decimal
    distributed_yuan: Decimal
    nav_yuan: Decimal
    dpi: Decimal
    rvpi: Decimal
    tvpi: Decimal
    irr: Decimal = Field(description="annual, XIRR actual/365")
    ks_pme: Decimal | None = Field(description="null only when no index was given")
    direct_alpha: Decimal | None = Field(description="annual; null only when no index")

    @classmethod
    def of(cls, p: Performance) -> PerformanceOut:
        """From the pure figures, money in yuan."""
        return cls(
            paid_in_yuan=fen_to_yuan(p.paid_in_fen),
            distributed_yuan=fen_to_yuan(p.distributed_fen),
            nav_yuan=fen_to_yuan(p.nav_fen),
            dpi=p.dpi,
            rvpi=p.rvpi,
            tvpi=p.tvpi,
            irr=p.irr,
            ks_pme=p.ks_pme,
            direct_alpha=p.direct_alpha,
        )


class FundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(max_length=24, description="guide_fund | sub_fund | vc | pe")
    vintage: int = Field(ge=1990, le=2100)


class FundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: str
    vintage: int


class FundFlowIn(BaseModel):
    """A capital call (negative yuan) or a distribution (positive), with the LP if known."""

    model_config = ConfigDict(extra="forbid")

    date: date
    amount_yuan: Decimal
    lp: str | None = Field(default=None, max_length=200)


class NavIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    nav_yuan: Decimal = Field(ge=0)


class RecordedOut(BaseModel):
    id: str
