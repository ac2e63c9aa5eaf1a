"""Assets API input and output. Money in: yuan (Decimal, two places at most); out: fen ints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResourceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    dataset: str
    catalog_entry_id: str
    category: str
    grade: int
    quality_score: str | None
    consented_reads: int
    reads_log_indexes: list[int]
    held_for: str
    formed_by: str
    controlled: bool
    benefits_probable: bool
    useful_life_months: int | None
    ready_on: date | None


class CostCreate(_In):
    kind: str = Field(description="collection | storage | processing | staff | purchase | research")
    amount: Decimal = Field(description="yuan; negative corrects an earlier record")
    incurred_on: date
    evidence: str = Field(max_length=300)


class CostOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    resource_id: str
    kind: str
    amount_fen: int
    incurred_on: date
    evidence: str
    log_index: int


class TreatmentIn(_In):
    held_for: str = Field(description="own_use | sale | undecided")
    formed_by: str = Field(description="purchased | developed | other")
    controlled: bool
    benefits_probable: bool
    useful_life_months: int | None = Field(default=None, ge=1, le=600)
    ready_on: date | None = None


class ComparableIn(_In):
    name: str
    price: Decimal = Field(description="yuan")
    adjustments: dict[str, Decimal]
    weight: Decimal = Decimal(1)


class LiftIn(_In):
    metric: str
    with_data: Decimal
    without_data: Decimal
    baseline: Decimal
    source: str


class DataValuationIn(_In):
    as_of: date
    reasonable_return: Decimal = Decimal("0.10")
    timeliness: Decimal = Decimal(1)
    quality_assumed: Decimal | None = None
    business_flows: list[Decimal] = Field(default_factory=list, description="yuan per year")
    share: Decimal | None = None
    lift: LiftIn | None = None
    discount_rate: Decimal = Decimal("0.10")
    comparables: list[ComparableIn] = Field(default_factory=list)
    weights: dict[str, Decimal] = Field(default_factory=dict)


class IpCreate(_In):
    kind: str
    number: str
    title: str = Field(max_length=300)
    owner_name: str = Field(max_length=200)
    status: str = "valid"
    filed_on: date | None = None
    registered_on: date | None = None
    published_on: date | None = None
    fees_paid_until: date | None = None
    annual_fee: Decimal | None = Field(default=None, description="yuan")


class IpUpdate(_In):
    status: str | None = None
    fees_paid_until: date | None = None


class IpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    kind: str
    number: str
    title: str
    owner_name: str
    status: str
    filed_on: date | None
    registered_on: date | None
    published_on: date | None
    fees_paid_until: date | None
    annual_fee_fen: int | None
    expires_on: date
    log_index: int


class IpPledgeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    ip_id: str
    pledgee_org_id: str
    registration_no: str
    state: str
    registered_on: date
    closed_on: date | None
    log_index: int
    close_log_index: int | None


class IpValuationIn(_In):
    as_of: date
    revenues: list[Decimal] = Field(min_length=1, description="yuan per year")
    royalty_rate: Decimal
    tax_rate: Decimal = Decimal("0.25")
    discount_rate: Decimal = Decimal("0.12")


class ValuationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    subject_type: str
    subject_id: str
    subject_name: str
    as_of: date
    value_fen: int
    approaches: list[dict[str, Any]]
    reconciliation: dict[str, Any]
    sensitivity: list[dict[str, Any]]
    evidence: dict[str, Any]
    accounting: dict[str, Any] | None
    log_index: int


class PoolCreate(_In):
    enterprise_org_id: str
    limit: Decimal = Field(description="yuan")


class PoolOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    bank_org_id: str
    limit_fen: int
    line_id: str | None
    drawn_fen: int
    base_fen: int
    available_fen: int
    revalued_on: date | None
    status: str
    log_index: int
    replenish: bool = False


class ReplenishIn(_In):
    on: bool = Field(description="true: open receivables join the pool as they land")


class PledgeIn(_In):
    asset_type: str
    asset_ref: str
    declared_value: Decimal | None = Field(default=None, description="yuan; stock and receipts")
    reference_date: date | None = None
    debtor: str | None = None
    registration_no: str | None = None
    quantity: Decimal | None = Field(default=None, description="orders: units ordered")
    delivery_date: date | None = Field(default=None, description="orders: delivery due")
    on: date


class PledgeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    pool_id: str
    asset_type: str
    asset_ref: str
    asset_key: str
    declared_value_fen: int | None
    debtor: str | None
    status: str
    pledged_at: datetime
    released_at: datetime | None
    replaced_by: str | None
    log_index: int
    release_log_index: int | None
    quantity: str | None = None
    delivery_date: date | None = None
    capacity: dict[str, Any] | None = None


class ReleaseIn(_In):
    on: date


class LineIn(_In):
    line_id: str = Field(description="the lending credit line the pool secures")
    as_of: date


class RevalueIn(_In):
    as_of: date


class RevaluationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    pool_id: str
    as_of: date
    gross_fen: int
    base_fen: int
    limit_fen: int
    drawn_fen: int
    available_fen: int
    lines: list[dict[str, Any]]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    pool_id: str
    org_id: str
    bank_org_id: str
    raised_on: date
    shortfall_fen: int
    base_fen: int
    drawn_fen: int
    status: str
    resolved_on: date | None
    log_index: int
    line_id: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_log_index: int | None


class TrendAlertOut(BaseModel):
    """A trend alert: the pool's value falling, with the figures it was raised on."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    pool_id: str
    org_id: str
    bank_org_id: str
    raised_on: date
    ratio: str
    seasonal_factor: str | None
    adjusted: str
    threshold: str
    level_fen: int
    reference_fen: int
    evidence: dict[str, Any]
    status: str
    resolved_on: date | None
    log_index: int
