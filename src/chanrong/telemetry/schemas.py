"""Telemetry API input and output."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanrong.telemetry.domain import FieldType, RecordSpec


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(min_length=1, max_length=100)
    kind: str = Field(
        description="cnc, injection_moulder, sewing_machine, compressor, press, meter_*"
    )
    identifier: str | None = Field(default=None, max_length=120, description="标识解析 handle")
    name: str | None = Field(default=None, max_length=200)
    rated_kw: float | None = Field(default=None, ge=0, le=100_000)
    installed_on: date | None = None


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    device_id: str
    org_id: str
    kind: str
    identifier: str | None
    name: str | None
    rated_kw: float | None
    installed_on: date | None


class MetricIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(description="the unit the enterprise sends, e.g. MWh; converted on arrival")
    low: float | None = None
    high: float | None = None
    expected_interval_s: int | None = Field(default=None, ge=1, le=86_400)


class MetricOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    metric: str
    unit: str
    kind: str
    low: float | None
    high: float | None
    expected_interval_s: int


class PointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(min_length=1, max_length=100)
    metric: str = Field(min_length=1, max_length=64)
    ts: datetime
    value: float = Field(allow_inf_nan=False)


class PointsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: list[PointIn] = Field(min_length=1)


class RowErrorOut(BaseModel):
    row: int | None = Field(description="row as the user counts it; null: the whole upload")
    column: str
    reason: str


class BatchCounts(BaseModel):
    """What one arrival did, as its batch records it: the same for every door (uploads,
    file imports, MQTT and Sparkplug B flushes, OPC UA flushes)."""

    source: str = Field(description="mqtt, sparkplug, opcua, http or file")
    kind: str = Field(description="telemetry, or the kind of business record")
    status: str = Field(description="accepted, partial (some rows refused) or rejected")
    rows_received: int = Field(description="rows_accepted + rows_rejected")
    rows_accepted: int
    rows_rejected: int
    rows_duplicate: int = Field(
        description="accepted rows repeating data: readings repeating the (device, metric, ts)"
        " of another written with them; records replacing one stored under the same key"
    )
    rejected_by_reason: dict[str, int] = Field(description="rows_rejected by the field at fault")


class IngestOut(BatchCounts):
    batch_id: str
    points: int
    days: list[date]
    errors: list[RowErrorOut]


class ImportOut(BatchCounts):
    batch_id: str
    errors: list[RowErrorOut]


class BatchOut(BatchCounts):
    model_config = ConfigDict(from_attributes=True)

    id: str
    org_id: str
    filename: str | None
    errors: list[dict[str, Any]]
    created_at: datetime


class QualityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    day: date
    scope: str
    subject: str
    score: Decimal
    checked: int
    reasons: list[dict[str, Any]]


def record_to_dict(spec: RecordSpec, rec: Any) -> dict[str, Any]:
    """A business record for output: money as yuan strings with 2 places, dates ISO."""
    out: dict[str, Any] = {"id": rec.id, "batch_id": rec.batch_id, "source": rec.source}
    for f in spec.fields:
        if f.type is FieldType.MONEY:
            fen = getattr(rec, f"{f.name}_fen")
            out[f.name] = None if fen is None else str((Decimal(fen) / 100).quantize(_CENT))
        else:
            value = getattr(rec, f.name)
            out[f.name] = (
                None
                if value is None
                else (value.isoformat() if isinstance(value, date) else str(value))
            )
    return out


_CENT = Decimal("0.01")
