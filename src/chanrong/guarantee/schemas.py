"""Guarantee and subsidy API input and output. Yuan travel as strings ("1234.50"); fen inside."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanrong.core.money import fen_to_yuan

YUAN = r"^-?\d+(\.\d{1,2})?$"


def y(fen: int) -> str:
    return f"{fen_to_yuan(fen):.2f}"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SchemeIn(_In):
    preset: str = Field(description="national-fund | pingshan-pool")
    code: str = Field(min_length=1, max_length=40)
    starts_on: date
    ends_on: date
    sharer_orgs: dict[str, str] = Field(description='party → organisation id, e.g. {"pool": "…"}')


class SchemeOut(BaseModel):
    code: str
    name: str
    definition: dict[str, Any]
    sharer_orgs: dict[str, str]
    starts_on: date
    ends_on: date
    enrolled: str
    defaulted: str
    loss_rate: str | None = Field(
        description="defaulted ÷ enrolled principal, absent before any loan"
    )
    breaker_tripped: bool
    claims: int
    losses: dict[str, str]
    recovered: dict[str, str]
    fees: dict[str, str]
    log_index: int


class GuaranteeIn(_In):
    loan_id: str
    guarantor_org_id: str
    scheme: str = Field(description="the scheme's code")


class FeesIn(_In):
    through: date


class FeeOut(BaseModel):
    name: str
    payer_org_id: str
    payee_org_id: str
    period_start: date
    period_end: date
    rate_pct: str
    amount: str


class ClaimIn(_In):
    on: date


class RecoveryIn(_In):
    amount: str = Field(pattern=YUAN, description='yuan as a string: "10000.00"')
    on: date


class RecoveryOut(BaseModel):
    id: str
    claim_id: str
    received_on: date
    amount: str
    shares: dict[str, str]
    log_index: int


class ClaimOut(BaseModel):
    id: str
    guarantee_id: str
    default_on: date
    unpaid: str
    bank: str
    compensation: str
    guarantor: str
    sharers: dict[str, str]
    limited_by: dict[str, str]
    log_index: int
    recoveries: list[RecoveryOut] = []


class GuaranteeOut(BaseModel):
    id: str
    scheme_id: str
    loan_id: str
    guarantor_org_id: str
    bank_org_id: str
    borrower_org_id: str
    principal: str
    starts_on: date
    status: str
    fees_through: date
    log_index: int | None
    fees: list[FeeOut] = []
    claim: ClaimOut | None = None


class ProgrammeIn(_In):
    name: str = Field(min_length=1, max_length=200)
    mode: str = Field(description="rate (points a year on principal) | share (of interest)")
    value: str = Field(pattern=r"^\d+(\.\d+)?$")
    eligibility: dict[str, Any] = Field(
        default_factory=dict,
        description="industries, sizes, max_carbon_grade, purposes, regions",
    )
    starts_on: date
    ends_on: date
    budget: str = Field(pattern=YUAN)


class EnrolIn(_In):
    as_of: date


class PayIn(_In):
    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class EnrolmentOut(BaseModel):
    loan_id: str
    borrower_org_id: str
    bank_org_id: str
    principal: str
    annual_rate: str
    facts: dict[str, Any]
    enrolled_on: date


class PaymentOut(BaseModel):
    loan_id: str
    borrower_org_id: str
    period: date
    interest_paid: str
    computed: str
    amount: str
    limited_by: str | None
    log_index: int | None


class ProgrammeOut(BaseModel):
    id: str
    name: str
    mode: str
    value: str
    eligibility: dict[str, Any]
    starts_on: date
    ends_on: date
    budget: str
    spent: str
    status: str
    log_index: int
    enrolments: list[EnrolmentOut] = []
    payments: list[PaymentOut] = []
