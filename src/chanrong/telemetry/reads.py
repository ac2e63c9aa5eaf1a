"""Reading telemetry: deduplicated points and daily aggregates, under governance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

import orjson
import pyarrow as pa
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.telemetry import quality, result_cache
from chanrong.telemetry.access import authorize_datasets
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
    authorize_datasets(
        session,
        principal,
        owner_org_id=org_id,
        datasets=_datasets(metrics),
        purpose=purpose,
        batch=batch,
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
    authorize_datasets(
        session,
        principal,
        owner_org_id=org_id,
        datasets=_datasets(metrics),
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


def encoded_daily(table: pa.Table) -> bytes:
    """A ``daily_metrics`` table as the API's JSON (``{"count", "rows"}``), kept per read.

    Turning a firm's month of daily rows (thousands) into Python objects and JSON was the
    server's largest single cost under the mixed load; the same read over the same files
    (the same fingerprint) gives the same bytes, so they are kept beside the table.
    """
    found = result_cache.fingerprint(table)
    key = (found, "daily.json")
    if found is not None and (body := result_cache.ENCODED.get(key)) is not None:
        return body
    rows = table.to_pylist()
    # orjson writes the days as ISO dates itself, at about half the CPU of the standard
    # encoder.
    body = orjson.dumps({"count": len(rows), "rows": rows})
    if found is not None:
        result_cache.ENCODED.put(key, body)
    return body
