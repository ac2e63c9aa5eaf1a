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
