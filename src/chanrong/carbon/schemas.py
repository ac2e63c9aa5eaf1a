"""Carbon API output."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AssessRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")


class CarbonCodeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    org_id: str
    period: date
    industry_code: str
    emissions_t: str
    by_carrier_t: dict[str, Any]
    value_added_fen: int
    intensity: str = Field(description="tCO2 per 10,000 yuan of value added (L)")
    industry_intensity: str
    k: str = Field(description="L / L(industry); lower is better")
    level: str = Field(description="low 低碳 | medium 中碳 | high 高碳")
    grade: int = Field(description="1 (most efficient) … 5")
    benchmark_scope: str
    peers: int
    factor_versions: list[str]
    log_index: int


class CarbonProfileOut(BaseModel):
    org_id: str
    codes: list[CarbonCodeOut]
    latest_grade: int | None
    trend: list[int] = Field(description="grade by month, oldest first")
    peer_grades: dict[int, int]


class AssessOut(BaseModel):
    period: date
    assessed: int
    grades: dict[int, int]
