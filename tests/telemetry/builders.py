"""Small telemetry fixtures: series of points on a grid, with faults injected where asked,
and the batch records every ingestion door leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from chanrong.storage.database import Database
from chanrong.telemetry.orm import IngestBatch
from chanrong.telemetry.repository import TelemetryRepository
from chanrong.telemetry.schemas import BatchOut

if TYPE_CHECKING:
    from chanrong.telemetry.store import TelemetryStore
    from tests.telemetry.conftest import Plant

T0 = datetime(2026, 3, 2, tzinfo=UTC)


def points(
    device_id: str,
    metric: str,
    values: list[float] | np.ndarray,
    *,
    start: datetime = T0,
    step: timedelta = timedelta(minutes=15),
    stamps: list[datetime] | None = None,
) -> pa.Table:
    """One series on a regular grid (or at ``stamps``)."""
    vals = np.asarray(values, dtype=float)
    ts = stamps or [start + i * step for i in range(len(vals))]
    return pa.table(
        {
            "device_id": pa.array([device_id] * len(vals), pa.string()),
            "metric": pa.array([metric] * len(vals), pa.string()),
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "value": pa.array(vals, pa.float64()),
        }
    )


def many_points(n: int, *, devices: int = 10, start: datetime = T0, seed: int = 1) -> pa.Table:
    """``n`` distinct power readings spread over ``devices`` devices, one a minute each."""
    rng = np.random.default_rng(seed)
    idx = np.arange(n)
    base = np.datetime64(start.replace(tzinfo=None), "us")
    ts = base + (idx // devices) * np.timedelta64(60, "s")
    return pa.table(
        {
            "device_id": pa.array([f"dev-{i % devices:03d}" for i in idx], pa.string()),
            "metric": pa.array(["power_kw"] * n, pa.string()),
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "value": pa.array(rng.uniform(1, 50, n), pa.float64()),
        }
    )


# The batch record every door leaves, as the API shows it.
BATCH_FIELDS = {
    "id",
    "org_id",
    "source",
    "kind",
    "filename",
    "status",
    "rows_received",
    "rows_accepted",
    "rows_rejected",
    "rows_duplicate",
    "rejected_by_reason",
    "errors",
    "created_at",
}


def assert_batch_shape(batch: IngestBatch | dict[str, object]) -> dict[str, object]:
    """The batch as the API answers it, checked against the rules every door keeps."""
    out = BatchOut.model_validate(batch).model_dump() if isinstance(batch, IngestBatch) else batch
    assert set(out) == BATCH_FIELDS, sorted(out)
    received, accepted, rejected = out["rows_received"], out["rows_accepted"], out["rows_rejected"]
    duplicate, reasons = out["rows_duplicate"], out["rejected_by_reason"]
    assert isinstance(received, int) and isinstance(accepted, int) and isinstance(rejected, int)
    assert isinstance(duplicate, int) and isinstance(reasons, dict)
    assert received == accepted + rejected
    assert sum(reasons.values()) == rejected
    assert all(n > 0 for n in reasons.values())
    assert 0 <= duplicate <= accepted
    expected = "accepted" if not rejected else "partial" if accepted else "rejected"
    assert out["status"] == expected
    assert out["source"] in ("mqtt", "sparkplug", "opcua", "http", "file")
    return out


def recorded_batches(plant: Plant) -> list[IngestBatch]:
    """Every batch recorded for the plant's enterprise, oldest first."""
    db = Database(plant.db_url)
    try:
        with db.unit_of_work() as session:
            return list(reversed(TelemetryRepository(session).batches(plant.org_id, limit=10_000)))
    finally:
        db.dispose()


MACHINES_START = datetime(2026, 1, 20, 3, 7, tzinfo=UTC)


def machines(store: TelemetryStore, org: str = "o", seed: int = 5) -> None:
    """Two machines from 20 January to mid-March. ``m1`` reads at irregular gaps (7 minutes to
    5 hours, so holds cross midnights and exceed the hour's cap) with two fault runs across
    midnights and a state that is not one (7); power at every reading, some negative or far
    above any rating. ``m2`` reads once a day or less (days of a single reading, days of none)."""
    rng = np.random.default_rng(seed)
    gaps = rng.choice([7, 20, 60, 60, 95, 300], size=1100)
    stamps = [MACHINES_START + timedelta(minutes=int(m)) for m in np.cumsum(gaps)]
    states = rng.choice([0.0, 1.0, 2.0, 7.0], p=[0.15, 0.15, 0.67, 0.03], size=len(stamps))
    # Two fault runs, each across a midnight (few enough failures that no index clips at 0).
    for near in (300, 700):
        cross = next(i for i in range(near, len(stamps)) if stamps[i].day != stamps[i + 1].day)
        states[cross - 2 : cross + 3] = 3.0
    store.write(org, points("m1", "run_state", states, stamps=stamps), durable=False)
    store.write(
        org,
        points("m1", "power_kw", rng.uniform(-2, 90, len(stamps)), stamps=stamps),
        durable=False,
    )
    days = np.cumsum(rng.choice([1, 1, 2, 3], size=30))
    once = [
        MACHINES_START + timedelta(days=int(d), hours=int(h))
        for d, h in zip(days, days % 7, strict=True)
    ]
    store.write(
        org,
        points("m2", "run_state", rng.choice([2.0, 3.0], p=[0.9, 0.1], size=30), stamps=once),
        durable=False,
    )
    store.write(org, points("m2", "power_kw", rng.uniform(0, 20, 30), stamps=once), durable=False)
