"""Credit API input and output."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_org_id: str = Field(min_length=1, max_length=36)
    product_code: str = Field(default="op-loan", min_length=1, max_length=40)
    requested_amount: Decimal | None = Field(
        default=None, description="Amount asked for, yuan with at most 2 decimals"
    )
    as_of: date | None = Field(default=None, description="Decision date (default today, UTC)")
    term_months: int | None = Field(
        default=None, description="Term asked for, months (default: the product's term)"
    )


class ReasonOut(BaseModel):
    code: str
    feature: str | None
    weight: float
    text: dict[str, str]


class LogRef(BaseModel):
    index: int
    leaf_hash: str


class ApplicationOut(BaseModel):
    id: str
    enterprise_org_id: str
    bank_org_id: str
    product_code: str
    as_of: date
    decision: Literal["approve", "decline", "refer"]
    status: Literal["approved", "declined", "referred"]
    knockouts: list[str]
    grade: str | None
    score: float | None
    pd: float | None
    limit: Decimal = Field(description="Granted limit, yuan")
    rate_pct: Decimal | None = Field(
        description="Annual rate, percent (LPR + spread, with the green adjustment)"
    )
    carbon_grade: int | None = Field(description="碳效等级 read under the bank's grant, 1 best")
    green_adjust_bp: int = Field(description="Green pricing applied to the rate, basis points")
    requested_amount: Decimal | None
    term_months: int | None = Field(description="Term asked for, months (None: the product's)")
    reasons: list[ReasonOut]
    model: str | None
    model_manifest_sha256: str | None
    inputs_sha256: str
    log: LogRef
    officer_note: str | None
    officer_log_index: int | None
    review_inputs_sha256: str | None = Field(
        default=None,
        description="An officer's approval of a stale-profile referral: the SHA-256 of the "
        "refreshed decision's inputs its limit and rate come from",
    )
    decided_at: datetime | None
    created_at: datetime


class OfficerDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["approve", "decline"]
    note: str = Field(min_length=1, max_length=500)


class ReplayOut(BaseModel):
    matches: bool
    inputs_intact: bool
    logged: bool
    differences: list[str]


class FeatureOut(BaseModel):
    feature: str
    label: str
    value: float | None


class ProfileOut(BaseModel):
    org_id: str
    as_of: date
    features: list[FeatureOut]
    revenue_12m: Decimal
    open_orders: Decimal
    receivables: Decimal
    latest_decision: ApplicationOut | None = Field(
        default=None, description="For the enterprise itself: its latest decision and why"
    )


class ProductOut(BaseModel):
    code: str
    definition: dict[str, Any]


# --- the enterprise's own journey -------------------------------------------------------------


class DatasetTermOut(BaseModel):
    dataset: str
    category: str
    grade: int


class ConsentTermsOut(BaseModel):
    purpose: str
    categories: list[str]
    max_grade: int
    days: int = Field(description="How long the grant lasts from the day it is given")
    datasets: list[DatasetTermOut] = Field(description="The datasets the product decides on")
    also_covers: list[DatasetTermOut] = Field(
        description="Other catalog datasets the same categories and grade make readable"
    )


class OfferOut(BaseModel):
    bank_org_id: str
    bank_name: str
    product_code: str
    name: dict[str, str]
    lending_product_id: str
    lending_product_code: str
    term_months: int
    max_term_months: int
    max_amount: Decimal
    lpr_pct: Decimal
    auto_disburse_limit: Decimal = Field(description="Largest loan paid out without an officer")
    max_evidence_age_days: int | None
    consent: ConsentTermsOut


class EnterpriseApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bank_org_id: str = Field(min_length=1, max_length=36)
    product_code: str = Field(min_length=1, max_length=40)
    requested_amount: Decimal = Field(description="Amount asked for, yuan with at most 2 decimals")
    term_months: int | None = Field(default=None, description="Default: the product's term")


class InstalmentOut(BaseModel):
    number: int
    due_on: date
    principal: Decimal
    interest: Decimal
    total: Decimal


class GrantRef(BaseModel):
    grant_id: str
    created: bool = Field(description="False when a live grant already covered the product")
    terms: ConsentTermsOut


class EnterpriseApplicationOut(BaseModel):
    application: ApplicationOut
    consent: GrantRef
    term_months: int
    schedule: list[InstalmentOut] | None = Field(
        description="The repayment schedule on the granted limit (approved decisions only)"
    )
    total_interest: Decimal | None


class AcceptOffer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term_months: int | None = Field(default=None, description="Default: the product's term")
    purpose: Literal["raw_materials", "equipment", "working_capital", "energy_saving"] = (
        "working_capital"
    )


class AcceptanceOut(BaseModel):
    loan_id: str
    status: str
    disbursed: bool = Field(description="Paid out at once (within the automatic limit)")
    principal: Decimal
    terms_sha256: str
    terms: dict[str, Any]
    offer_log_index: int
    acceptance_log_index: int
