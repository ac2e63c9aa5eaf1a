"""Device days: what each device did on each Asia/Shanghai calendar day, under consent.

``daily_metrics`` summarises UTC days, which is right for the store's partitions but splits
a Chinese factory's working day at 08:00; post-loan monitoring compares a firm's weekdays
with its own weekdays, so it needs local days. Per device, metric and local day this gives
the readings seen, what a counter added (resets counted as a restart from zero, as
``daily_metrics`` does) and, for ``run_state``, how many readings found the machine running,
idle or in fault.

``device_days`` is the reduction itself (numpy over an Arrow table of points, no database),
so a simulated park and the platform's store are reduced the same way; ``device_days_of``
reads one enterprise's hourly aggregates from the store (``device_days_from_hours``, the same
rows) after governance has allowed the read, and
returns the access records so the caller can cite the log entry of each read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.telemetry.quality import dataset_of
from chanrong.telemetry.repository import TelemetryRepository
from chanrong.telemetry.store import TelemetryStore

SHANGHAI = timedelta(hours=8)  # China keeps no daylight saving: local time is UTC+8 all year
_DAY_US = 86_400_000_000
RUN_RUNNING, RUN_IDLE, RUN_FAULT = 2.0, 1.0, 3.0

DEVICE_DAYS = pa.schema(
    [
        ("device_id", pa.string()),
        ("metric", pa.string()),
        ("day", pa.date32()),
        ("n", pa.int64()),
        ("increase", pa.float64()),
        ("running", pa.int64()),
        ("idle", pa.int64()),
        ("fault", pa.int64()),
    ]
)


def device_days(points: pa.Table, *, first_day: date | None = None) -> pa.Table:
    """Reduce points (device_id, metric, ts, value) to one row per device, metric and local day.

    Rows may come in any order and twice (a duplicate counts once). ``increase`` is what a
    counter added since the reading before (a drop is a reset, so the new value is what it
    added); the first reading of each series has nothing before it and adds nothing, which
    is why a caller reads from the day before ``first_day`` and drops it.
    ``running`` / ``idle`` / ``fault`` count ``run_state`` readings in states 2 / 1 / 3 (0 for
    other metrics).
    """
    if points.num_rows == 0:
        return DEVICE_DAYS.empty_table()
    dev = pc.dictionary_encode(points.column("device_id")).combine_chunks()
    met = pc.dictionary_encode(points.column("metric")).combine_chunks()
    n_met = len(met.dictionary)
    series = dev.indices.to_numpy().astype(np.int64) * n_met + met.indices.to_numpy()
    ts = points.column("ts").cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy()
    value = points.column("value").to_numpy()
    order = np.lexsort((ts, series))
    series, ts, value = series[order], ts[order], value[order]
    # A duplicate (same series and instant) is one reading: keep the last copy.
    keep = np.ones(series.size, dtype=bool)
    keep[:-1] = (series[1:] != series[:-1]) | (ts[1:] != ts[:-1])
    series, ts, value = series[keep], ts[keep], value[keep]
    same = series[1:] == series[:-1]
    rise = value[1:] - value[:-1]
    increase = np.zeros(series.size)
    increase[1:] = np.where(same, np.where(rise >= 0, rise, value[1:]), 0.0)
    day = (ts + int(SHANGHAI.total_seconds()) * 1_000_000) // _DAY_US
    lo = int(day.min())
    key = series * (int(day.max()) - lo + 1) + (day - lo)
    groups, inverse = np.unique(key, return_inverse=True)
    is_state = np.asarray(met.dictionary.to_pylist(), dtype=object)[series % n_met] == "run_state"
    counts = np.bincount(inverse)
    out_series = groups // (int(day.max()) - lo + 1)
    out_day = groups % (int(day.max()) - lo + 1) + lo

    def count_state(state: float) -> np.ndarray:
        return np.bincount(inverse, weights=(is_state & (value == state)).astype(np.float64))

    table = pa.table(
        {
            "device_id": dev.dictionary.take(pa.array(out_series // n_met)),
            "metric": met.dictionary.take(pa.array(out_series % n_met)),
            "day": pa.array(out_day.astype(np.int32), pa.int32()).cast(pa.date32()),
            "n": pa.array(counts, pa.int64()),
            "increase": pa.array(np.bincount(inverse, weights=increase)),
            "running": pa.array(count_state(RUN_RUNNING).astype(np.int64)),
            "idle": pa.array(count_state(RUN_IDLE).astype(np.int64)),
            "fault": pa.array(count_state(RUN_FAULT).astype(np.int64)),
        }
    ).cast(DEVICE_DAYS)
    if first_day is not None:
        table = table.filter(pc.greater_equal(table.column("day"), pa.scalar(first_day)))
    return table


def device_days_from_hours(hours: pa.Table, *, first_day: date | None = None) -> pa.Table:
    """``device_days`` from hourly aggregates (``TelemetryStore.series(every="1h")``, increase
    stitched across hours) instead of raw points: the same rows, since an Asia/Shanghai day is
    a whole number of UTC hours and every column of an hour adds up into its local day."""
    if hours.num_rows == 0:
        return DEVICE_DAYS.empty_table()
    local = pc.add(hours.column("start"), pa.scalar(SHANGHAI, pa.duration("us")))
    day = pc.cast(pc.cast(local, pa.timestamp("us")), pa.date32())
    table = pa.table(
        {
            "device_id": hours.column("device_id"),
            "metric": hours.column("metric"),
            "day": day,
            "n": hours.column("n"),
            "increase": hours.column("increase"),
            "running": hours.column("running"),
            "idle": hours.column("idle"),
            "fault": hours.column("fault"),
        }
    )
    summed = table.group_by(["device_id", "metric", "day"], use_threads=False).aggregate(
        [(c, "sum") for c in ("n", "increase", "running", "idle", "fault")]
    )
    summed = summed.rename_columns([c.removesuffix("_sum") for c in summed.column_names])
    out = summed.select(DEVICE_DAYS.names).sort_by(
        [("device_id", "ascending"), ("metric", "ascending"), ("day", "ascending")]
    )
    if first_day is not None:
        out = out.filter(pc.greater_equal(out.column("day"), pa.scalar(first_day)))
    return out.cast(DEVICE_DAYS)


@dataclass(frozen=True, slots=True)
class DeviceDaysRead:
    """One enterprise's device days, each device's kind, and the logged reads behind them."""

    table: pa.Table  # DEVICE_DAYS plus ``kind``
    reads: tuple[governance.AccessRecord, ...]  # one per dataset read (log is None when own)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC) - SHANGHAI


def device_days_of(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    *,
    org_id: str,
    start: date,
    end: date,
    metrics: Sequence[str],
    kinds: Sequence[str] | None = None,
    purpose: governance.Purpose | None,
) -> DeviceDaysRead:
    """The device days in [start, end) of ``org_id``'s devices (of ``kinds``, if given).

    Every dataset the metrics belong to is authorised by governance for ``purpose`` first
    (as daily aggregates); a refusal raises ``ConsentRequired`` before anything is read.
    """
    if start >= end:
        raise ValidationFailed("end: must be after start", field="end")
    if not metrics:
        raise ValidationFailed("metrics: name at least one metric", field="metrics")
    if identity.find_organisation(session, org_id) is None:
        raise NotFound(f"organisation {org_id} not found")
    reads = tuple(
        governance.authorize_read(
            session,
            principal,
            owner_org_id=org_id,
            dataset=dataset,
            purpose=purpose,
            aggregate=True,
        )
        for dataset in sorted({dataset_of(m) for m in metrics})
    )
    kind_of = {d.device_id: d.kind for d in TelemetryRepository(session).devices(org_id)}
    chosen = sorted(d for d, k in kind_of.items() if kinds is None or k in kinds)
    if not chosen:
        empty = DEVICE_DAYS.append(pa.field("kind", pa.string())).empty_table()
        return DeviceDaysRead(empty, reads)
    # Hourly aggregates, not raw points (folded months are read from their rollups); from
    # the day before: a counter's first reading of the window needs the one before.
    hours = store.series(
        org_id,
        every="1h",
        start=_local_midnight(start - timedelta(days=1)),
        end=_local_midnight(end),
        devices=chosen,
        metrics=list(metrics),
    )
    table = device_days_from_hours(hours, first_day=start)
    table = table.append_column(
        "kind",
        pa.array([kind_of.get(d) for d in table.column("device_id").to_pylist()], pa.string()),
    )
    return DeviceDaysRead(table, reads)
