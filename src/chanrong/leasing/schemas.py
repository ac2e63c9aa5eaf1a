"""Leasing API input and output."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


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


class ResidualOut(BaseModel):
    used_units: Decimal
    design_life_units: int
    condition: Decimal
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
