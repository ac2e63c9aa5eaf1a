"""Market API input and output. Money leaves as ``Decimal`` yuan, never fen or float."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanrong.core.money import fen_to_yuan
from chanrong.market.amounts import MINOR_PER_MAJOR
from chanrong.market.analytics import MarketReport
from chanrong.market.taxonomy import Classification


class ImportOut(BaseModel):
    dataset: str
    rows: int
    created: int
    updated: int
    skipped: int
    new_companies: list[str]
    new_investors: list[str]
    batch_id: str | None = None


class RowsIn(BaseModel):
    """Rows keyed by the data set's column names (as in the CSV template), or by names that
    ``map`` (or the saved ``template``) maps to them."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, str | int | None]] = Field(min_length=1, max_length=5000)
    map: dict[str, str] | None = Field(
        default=None, description='key as written → column, e.g. {"investor": "investors"}'
    )
    template: str | None = Field(default=None, max_length=80)


class TemplateIn(BaseModel):
    """A named column mapping for one data set."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    dataset: str = Field(max_length=16)
    map: dict[str, str] = Field(min_length=1)


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    dataset: str
    mapping: dict[str, str]


class BatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    dataset: str
    source: str
    sha256: str | None
    mapping: dict[str, str]
    rows: int
    created: int
    updated: int
    skipped: int
    new_companies: list[str]
    new_investors: list[str]
    created_at: datetime
    rolled_back_at: datetime | None


class DealOut(BaseModel):
    event_id: str
    event_date: date
    company: str
    round: str
    cny_low_yuan: Decimal | None = Field(description="null: the amount is not known")
    province_code: str | None = Field(description="null: the province is not known")
    field: str | None
    lead: bool


class InvestorProfileOut(BaseModel):
    """An investor's deals by year and round, co-investors, sectors and stages. Unknown
    amounts, provinces and fields are counted, never filled in; the average is over known
    amounts and null when none is known."""

    id: str
    name: str
    kind: str
    state_owned: bool
    deals: list[DealOut]
    by_year: dict[int, int]
    by_year_round: dict[int, dict[str, int]]
    by_stage: dict[str, int]
    by_field: dict[str, int]
    co_investors: list[dict[str, str | int]]
    amount_known_total_yuan: Decimal
    average_known_deal_yuan: Decimal | None
    amount_unknown: int
    province_unknown: int
    field_unknown: int

    @classmethod
    def of(cls, p: Any) -> InvestorProfileOut:
        """From a :class:`chanrong.market.profiles.InvestorProfile`."""
        avg = p.average_known_deal_fen
        return cls(
            id=p.investor.id,
            name=p.investor.name,
            kind=p.investor.kind,
            state_owned=p.investor.state_owned,
            deals=[
                DealOut(
                    event_id=d.event_id,
                    event_date=date.fromisoformat(d.event_date),
                    company=d.company,
                    round=d.round,
                    cny_low_yuan=None if d.amount_fen is None else fen_to_yuan(d.amount_fen),
                    province_code=d.province_code,
                    field=d.field,
                    lead=d.lead,
                )
                for d in p.deals
            ],
            by_year=p.by_year,
            by_year_round=p.by_year_round,
            by_stage=p.by_stage,
            by_field=p.by_field,
            co_investors=[{"name": n, "deals": k} for n, k in p.co_investors],
            amount_known_total_yuan=fen_to_yuan(p.amount_known_total_fen),
            average_known_deal_yuan=None if avg is None else fen_to_yuan(avg),
            amount_unknown=p.amount_unknown,
            province_unknown=p.province_unknown,
            field_unknown=p.field_unknown,
        )


class EventIn(BaseModel):
    """One financing event; the amount is text as reported ("超亿元", "5000万元", "$10M")."""

    model_config = ConfigDict(extra="forbid")

    date: str = Field(description="YYYY-MM-DD")
    company: str
    round: str = Field(description="种子/天使/Pre-A/A/A+/B/…/战略投资/IPO")
    amount: str = Field(default="未披露")
    investors: list[str] = Field(default_factory=list)
    province: str = Field(description="province name or GB/T 2260 code")
    city: str | None = None
    description: str | None = None
    field: str | None = None
    tags: list[str] | None = None

    def as_row(self) -> dict[str, Any]:
        """The event as one import row keyed by column name."""
        row = self.model_dump(exclude_none=True)
        row["investors"] = "、".join(self.investors)
        if self.tags is not None:
            row["tags"] = ",".join(self.tags)
        return row


class EventOut(BaseModel):
    id: str
    event_date: date
    company_id: str
    company: str
    round: str
    amount_text: str | None = Field(description="the amount as written; null when not given")
    amount_kind: str
    currency: str
    amount_low: Decimal | None = Field(description="lower bound, in the event's currency")
    amount_high: Decimal | None = Field(description="upper bound; null when open-ended")
    cny_low_yuan: Decimal | None
    cny_high_yuan: Decimal | None
    province_code: str | None = Field(description="null: the province is not known")
    city: str | None
    investors: list[str]


class ListingOut(BaseModel):
    id: str
    company_id: str
    company: str
    stock_code: str
    exchange: str
    board: str
    listing_date: date
    ipo_proceeds_yuan: Decimal | None
    market_value_yuan: Decimal | None


class CompanyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str | None
    province_code: str | None
    city: str | None
    field: str | None
    tags: list[str]
    field_method: str | None
    field_confidence_bp: int | None
    created_at: datetime


class InvestorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: str
    state_owned: bool


class ClassifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = Field(min_length=1, max_length=2000)


class ClassificationOut(BaseModel):
    field: str
    field_zh: str
    tags: list[str]
    method: str
    confidence: float
    reasons: list[str]

    @classmethod
    def of(cls, c: Classification) -> ClassificationOut:
        """The API form of a classification."""
        return cls(
            field=c.field.value,
            field_zh=c.field.label_zh,
            tags=sorted(t.value for t in c.tags),
            method=c.method.value,
            confidence=c.confidence,
            reasons=list(c.reasons),
        )


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="a field key or its Chinese name")
    tags: list[str] | None = None


class MatchOut(BaseModel):
    investor: str
    state_owned: bool
    score: float
    deals: int
    same_field: int
    same_stage: int
    same_province: int
    same_cluster: int
    last_deal: date | None
    reasons: list[str]


class BucketOut(BaseModel):
    key: str
    label: str
    events: int
    companies: int
    amount_yuan: Decimal
    share: float


class InvestorActivityOut(BaseModel):
    investor: str
    state_owned: bool
    deals: int
    early_deals: int
    stage_preference: str
    stages: dict[str, int]


class CompanyGrowthOut(BaseModel):
    stock_code: str
    company: str
    revenue_yuan: Decimal
    profit_yuan: Decimal
    revenue_growth: float | None
    profit_growth: float | None


class ListingFiguresOut(BaseModel):
    listed_total: int
    new_listings: int
    new_by_board: list[BucketOut]
    listed_by_board: list[BucketOut]
    listed_by_province: list[BucketOut]
    listed_by_field: list[BucketOut]
    ipo_proceeds_total_yuan: Decimal
    ipo_proceeds_average_yuan: Decimal | None
    new_listing_codes: list[str]
    revenue_growth_total: float | None
    profit_growth_total: float | None
    revenue_growth_median: float | None
    growth: list[CompanyGrowthOut]
    market_value_total_yuan: Decimal
    proceeds_uses: list[BucketOut] = Field(
        description="planned uses of the year's IPO proceeds; share is of the planned amount"
    )


class ReportOut(BaseModel):
    year: int
    events: int
    companies: int
    companies_two_or_more_rounds: int
    disclosed_events: int
    disclosed_share: float
    amount_total_yuan: Decimal
    average_deal_yuan: Decimal | None
    average_disclosed_deal_yuan: Decimal | None
    early_stage_events: int
    early_stage_share: float
    state_owned_events: int
    state_owned_share: float
    by_year: list[BucketOut]
    by_month: list[BucketOut]
    by_round: list[BucketOut]
    by_stage: list[BucketOut]
    by_field: list[BucketOut]
    by_province: list[BucketOut]
    by_cluster: list[BucketOut]
    top_investors: list[InvestorActivityOut]
    listings: ListingFiguresOut
    tagged: dict[str, int]
    province_unknown: int = Field(description="events whose province is not known")
    amount_unknown: int = Field(description="events whose amount is not known or disclosed")

    @classmethod
    def of(cls, report: MarketReport) -> ReportOut:
        """The API form of a report, money in yuan."""
        return cls.model_validate(_yuan(dataclasses.asdict(report)))


def _major(minor: int | None, currency: str) -> Decimal | None:
    if minor is None:
        return None
    return Decimal(minor) / MINOR_PER_MAJOR[currency]


def event_out(event: Any, company: str, investors: list[str]) -> EventOut:
    """An ORM event with its company and investors, money in major units (yuan for CNY)."""
    return EventOut(
        id=event.id,
        event_date=event.event_date,
        company_id=event.company_id,
        company=company,
        round=event.round,
        amount_text=event.amount_text or None,
        amount_kind=event.amount_kind,
        currency=event.currency,
        amount_low=_major(event.amount_low_minor, event.currency),
        amount_high=_major(event.amount_high_minor, event.currency),
        cny_low_yuan=None if event.cny_low_fen is None else fen_to_yuan(event.cny_low_fen),
        cny_high_yuan=None if event.cny_high_fen is None else fen_to_yuan(event.cny_high_fen),
        province_code=event.province_code,
        city=event.city,
        investors=investors,
    )


def listing_out(listing: Any, company: str) -> ListingOut:
    """An ORM listing with its company, money in yuan."""

    def yuan(fen: int | None) -> Decimal | None:
        return None if fen is None else fen_to_yuan(fen)

    return ListingOut(
        id=listing.id,
        company_id=listing.company_id,
        company=company,
        stock_code=listing.stock_code,
        exchange=listing.exchange,
        board=listing.board,
        listing_date=listing.listing_date,
        ipo_proceeds_yuan=yuan(listing.ipo_proceeds_fen),
        market_value_yuan=yuan(listing.market_value_fen),
    )


def _yuan(value: Any) -> Any:
    """Rename every ``*_fen`` key to ``*_yuan`` with a Decimal in yuan, all the way down."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k.endswith("_fen"):
                out[k[:-4] + "_yuan"] = None if v is None else fen_to_yuan(int(v))
            else:
                out[k] = _yuan(v)
        return out
    if isinstance(value, list):
        return [_yuan(v) for v in value]
    return value
