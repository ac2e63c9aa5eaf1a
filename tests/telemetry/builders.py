"""Small telemetry fixtures: series of points on a grid, with faults injected where asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

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
