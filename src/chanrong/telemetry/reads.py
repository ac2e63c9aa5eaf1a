"""Reading telemetry: deduplicated points and daily aggregates, under governance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

import pyarrow as pa
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.telemetry import quality
from chanrong.telemetry.access import authorize
from chanrong.telemetry.store import TelemetryStore


def _window(start: datetime | None, end: datetime | None) -> None:
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(
                f"{name}: give a time zone (e.g. 2026-01-01T00:00:00Z)", field=name
            )
    if start and end and start >= end:
        raise ValidationFailed("end: must be after start", field="end")


def _datasets(metrics: Sequence[str] | None) -> list[str]:
    if not metrics:
        return ["telemetry.equipment", "telemetry.energy"]
    return sorted({quality.dataset_of(m) for m in metrics})


def day_start(day: date) -> datetime:
    """Midnight UTC opening ``day`` (the store partitions by UTC day)."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def query_points(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    *,
    org_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    devices: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    purpose: str | None = None,
) -> pa.Table:
    """Deduplicated points (device_id, metric, ts, value) in [start, end) as an Arrow table."""
    _window(start, end)
    batch = governance.LogBatch()
    for dataset in _datasets(metrics):
        authorize(
            session, principal, owner_org_id=org_id, dataset=dataset, purpose=purpose, batch=batch
        )
    table = store.query(org_id, start=start, end=end, devices=devices, metrics=metrics)
    # Logged after the scan, in the same transaction: the log append takes the database's
    # write lock (on SQLite, until the request commits), which no write should wait behind a
    # scan for.
    governance.append_batch(session, batch)
    return table


def daily_metrics(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    *,
    org_id: str,
    start: date | None = None,
    end: date | None = None,
    devices: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    purpose: str | None = None,
) -> pa.Table:
    """Per device, metric and day: n, min, max, mean, first, last, increase (Arrow table).

    Days in [start, end). ``increase`` is what a counter added that day, resets included.
    """
    batch = governance.LogBatch()
    for dataset in _datasets(metrics):
        authorize(
            session,
            principal,
            owner_org_id=org_id,
            dataset=dataset,
            purpose=purpose,
            aggregate=True,
            batch=batch,
        )
    table = store.daily(
        org_id,
        start=day_start(start) if start else None,
        end=day_start(end) if end else None,
        devices=devices,
        metrics=metrics,
    )
    governance.append_batch(session, batch)  # after the scan (see query_points)
    return table
