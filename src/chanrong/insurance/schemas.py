"""Insurance API input and output."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DeviceQualityOut(BaseModel):
    device_id: str
    index: Decimal
    band: str
    failure_rate_per_kh: Decimal
    downtime_share: Decimal
    stress: Decimal


class EquipmentQualityOut(BaseModel):
    org_id: str
    start: date
    end: date
    index: Decimal | None
    band: str | None
    multiplier: Decimal | None
    worst_devices: list[str]
    devices: list[DeviceQualityOut]


class QuoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_id: str
    base_premium: Decimal = Field(description="yuan, before the equipment-quality multiplier")
    start: date
    end: date


class QuoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    insurer_org_id: str
    org_id: str
    start: date
    end: date
    base_premium_fen: int
    multiplier: str
    premium_fen: int
    index: str
    band: str
    devices: list[dict[str, Any]]
    log_index: int
    created_at: datetime
    pricing: str | None = None


class BindIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instalments: int = Field(description="1, 2, 4 or 12 payments over the year")


class InstalmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    due_date: date
    amount_fen: int


class RatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    as_of: date
    old_multiplier: str
    new_multiplier: str
    delta_fen: int
    reasons: list[dict[str, str]]
    log_index: int


class JournalLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    entry_id: str
    kind: str
    account: str
    debit_fen: int
    credit_fen: int


class PolicyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    insurer_org_id: str
    org_id: str
    quote_id: str
    state: str
    start: date
    end: date
    base_premium_fen: int
    multiplier: str
    premium_fen: int
    instalments: int
    factors: dict[str, str]
    log_index: int
    ended_on: date | None = None


class PremiumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(description="yuan received")
    paid_on: date
    reference: str = Field(min_length=1, max_length=64, description="the transfer's reference")


class PremiumOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    policy_id: str
    paid_on: date
    amount_fen: int
    reference: str
    log_index: int


class InstalmentStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    due_date: date
    amount_fen: int
    paid_fen: int
    covered_on: date | None
    state: str = Field(description="paid | late | overdue | missed | open")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date = Field(description="the first day no longer covered (today or later)")
    reason: str = Field(min_length=1, max_length=200)


class TerminationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    on: date
    earned_fen: int
    unearned_fen: int
    receivable_cancelled_fen: int
    refund_fen: int
    still_owed_fen: int


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    recipient_org_id: str
    audience: str = Field(description="insured | insurer")
    org_id: str
    day: date
    code: str
    subject: str
    severity: str
    evidence: dict[str, str]
    check: dict[str, str] = Field(description="what to check, by language")
    state: str = Field(description="pending | delivered | withheld | read")
    reason: str | None
    delivered_at: datetime | None
    read_at: datetime | None


class PolicyDetailOut(BaseModel):
    policy: PolicyOut
    schedule: list[InstalmentOut]
    ratings: list[RatingOut]
    journal: list[JournalLineOut]


class RerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: str = Field(min_length=1, max_length=200)
    loss_date: date
    cause: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(description="yuan paid")
    device_id: str | None = None
    site: str | None = None


class ClaimOut(BaseModel):
    claim_id: str
    policy: str
    device_id: str | None
    site: str | None
    loss_date: date
    cause: str
    amount_fen: int


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    day: date
    code: str
    subject: str
    severity: str
    evidence: dict[str, str]
    site: str | None = None


class SiteRiskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    site: str = Field(description="a site of the enterprise; '-' for devices placed nowhere")
    score: int
    band: str
    factors: dict[str, int]


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: str = Field(min_length=1, max_length=64)


class RiskOut(BaseModel):
    org_id: str
    day: date | None
    score: int | None
    band: str | None
    factors: dict[str, int]
    devices: list[dict[str, str]]
    alerts: list[AlertOut]
    sites: list[SiteRiskOut] = []


class PortfolioRowOut(BaseModel):
    org_id: str
    name: str
    consented: bool
    risk: RiskOut | None


class FitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: date
    end: date


class PricingModelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    version: int
    model: dict[str, Any]
    validation: dict[str, Any]
    exposures: int
    claims: int
    log_index: int
    created_at: datetime
