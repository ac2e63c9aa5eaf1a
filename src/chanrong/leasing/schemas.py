"""Leasing API input and output."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(description="funder | manufacturer | dealer | lessee")
    org_id: str
    bps: int = Field(default=0, description="basis points of what is left after fixed shares")
    fixed_fen: int = Field(default=0, description="fen taken first from every payment")


class ContractCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lessee_org_id: str
    device_id: str
    unit: str = Field(description="runtime_h | output_count | stitches")
    price_per_unit: Decimal = Field(description="yuan per unit of use")
    minimum_charge: Decimal = Field(description="monthly minimum, yuan")
    cost: Decimal = Field(description="the device's cost, yuan")
    design_life_units: int
    start_date: date
    end_date: date
    grace_days: int = 10
    max_gap_minutes: int = 120
    max_units_per_hour: Decimal | None = Field(
        default=None, description="use an hour can prove; faster jumps are disputed"
    )
    parties: list[PartyIn] | None = Field(
        default=None, description="a multi-party lease: every role and its share of payments"
    )
    remainder_role: str | None = Field(
        default=None, description="the party that takes each payment's rounding remainder"
    )


class ContractOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    lessor_org_id: str
    lessee_org_id: str
    device_id: str
    unit: str
    price_millifen_per_unit: int
    minimum_fen: int
    grace_days: int
    max_gap_minutes: int
    max_units_per_hour: str
    cost_fen: int
    design_life_units: int
    start_date: date
    end_date: date
    state: str
    created_at: datetime
    accepted_at: datetime | None = None
    remainder_role: str | None = None


class BillCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class BillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    contract_id: str
    period: date
    usage: str
    disputed_usage: str
    disputed_periods: int
    amount_fen: int
    paid_fen: int
    due_date: date
    log_index: int


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Decimal = Field(description="yuan")


class CommandOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    device_id: str
    command: str
    reason: str
    status: str
    sent_at: datetime
    acked_at: datetime | None
    log_index: int


class EnforcementOut(BaseModel):
    contract: ContractOut
    command: CommandOut | None
    overdue_fen: int


class ConditionOut(BaseModel):
    """The device's condition from its own telemetry (null: never reported, costs nothing)."""

    model_config = ConfigDict(from_attributes=True)

    running_hours: Decimal | None
    faults: int | None
    fault_hours: Decimal | None
    high_load_share: Decimal | None
    fault_penalty: Decimal
    fault_time_penalty: Decimal
    load_penalty: Decimal
    score: Decimal
    unknown: list[str]


class ResidualOut(BaseModel):
    used_units: Decimal
    design_life_units: int
    condition: ConditionOut
    residual_fen: int


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lessee_org_id: str
    device_id: str
    relation: str = Field(description="owns | finances")
    reference: str = Field(description="invoice or finance contract number")


class AssetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    lessor_org_id: str
    lessee_org_id: str
    device_id: str
    relation: str
    reference: str
    registered_at: datetime
    log_index: int


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(description="the role the caller signs for")
    contract_hash: str = Field(description="the SHA-256 of the terms the signer was shown")


class PartyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    role: str
    org_id: str
    share_bps: int
    fixed_fen: int
    signed_hash: str | None
    signed_at: datetime | None
    sign_log_index: int | None


class PartiesOut(BaseModel):
    contract_hash: str
    remainder_role: str
    parties: list[PartyOut]


class JournalLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    payment_id: str
    role: str
    org_id: str
    kind: str
    account: str
    debit_fen: int
    credit_fen: int
