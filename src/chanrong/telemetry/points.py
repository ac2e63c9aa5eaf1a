"""The shape of telemetry points in Arrow: the canonical schema, conforming what arrives to it,
and the checks the store makes of a batch (duplicates, order, days). Pure: no files, no SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SCHEMA = pa.schema(
    [
        ("device_id", pa.string()),
        ("metric", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("value", pa.float64()),
    ]
)


class StoreError(ValueError):
    """Data that does not fit the store's schema; the message names the column."""


@dataclass(frozen=True, slots=True)
class WriteResult:
    points: int
    files: tuple[Path, ...]

    @property
    def days(self) -> list[date]:
        return sorted({date.fromisoformat(p.parent.name.removeprefix("day=")) for p in self.files})


@dataclass(frozen=True, slots=True)
class CompactResult:
    partitions: int
    files_before: int
    rows_before: int
    rows_after: int


def conform(data: pa.Table | pa.RecordBatch) -> pa.Table:
    """Cast incoming columns to the store schema, naming the column that does not fit."""
    table = pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data
    missing = [f.name for f in SCHEMA if f.name not in table.column_names]
    if missing:
        raise StoreError(f"{missing[0]}: column is missing (need device_id, metric, ts, value)")
    columns = []
    for f in SCHEMA:
        col = table.column(f.name)
        if col.null_count:
            raise StoreError(f"{f.name}: {col.null_count} empty values")
        if col.type != f.type:
            try:
                if f.name == "ts" and pa.types.is_timestamp(col.type) and col.type.tz is None:
                    raise StoreError("ts: timestamps must carry a time zone (UTC)")
                col = col.cast(f.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise StoreError(f"{f.name}: cannot read as {f.type}: {exc}") from None
        columns.append(col)
    out = pa.Table.from_arrays(columns, schema=SCHEMA)
    finite = pc.is_finite(out.column("value"))
    bad = len(out) - pc.sum(finite).as_py() if len(out) else 0
    if bad:
        raise StoreError(f"value: {bad} values are NaN or infinite")
    return out


KEY = ("device_id", "metric", "ts")


def count_duplicates(table: pa.Table) -> int:
    """Readings of ``table`` that repeat the key (device_id, metric, ts) of another one in it.

    A table strictly ordered by time then device and metric (an export, a generated file)
    or by device, metric then time holds none, which a pass over neighbours shows; only
    otherwise are the distinct keys counted (about a third of what writing the table costs).
    """
    if len(table) < 2:
        return 0
    for order in (("ts", "device_id", "metric"), KEY):
        if _strictly_increasing(table, order):
            return 0
    return len(table) - _distinct_keys(table)


def _distinct_keys(table: pa.Table) -> int:
    # Each key packed into one integer (series number × time span + offset in the span), so
    # a single hash count does it: Acero's group-by costs as much on one core and, sharing the
    # machine's cores with the MQTT loop, stalls a flush for hundreds of milliseconds.
    devices = pc.dictionary_encode(table.column("device_id").combine_chunks())
    metrics = pc.dictionary_encode(table.column("metric").combine_chunks())
    ts = table.column("ts").combine_chunks().cast(pa.int64())
    bounds = pc.min_max(ts)
    lo, hi = int(bounds["min"].as_py()), int(bounds["max"].as_py())
    span, per_device = hi - lo + 1, len(metrics.dictionary)
    if len(devices.dictionary) * per_device * span < 2**62:
        series = pc.add(
            pc.multiply(devices.indices.cast(pa.int64()), per_device),
            metrics.indices.cast(pa.int64()),
        )
        packed = pc.add(pc.multiply(series, span), pc.subtract(ts, lo))
        return int(pc.count_distinct(packed).as_py())
    # Keys too wide to pack (readings centuries apart across many series): group them.
    keys = list(KEY)
    grouped = table.select(keys).group_by(keys, use_threads=False).aggregate([])
    return int(grouped.num_rows)


def _strictly_increasing(table: pa.Table, order: Sequence[str]) -> bool:
    """Whether each row's key, compared column by column in ``order``, exceeds the last."""
    n = len(table)
    first = table.column(order[0])
    # Most tables that are not ordered fail on their first column: one comparison says so.
    if not pc.all(pc.greater_equal(first.slice(1), first.slice(0, n - 1))).as_py():
        return False
    rising: pa.ChunkedArray | None = None
    tied: pa.ChunkedArray | None = None
    for name in order:
        col = table.column(name)
        prev, cur = col.slice(0, n - 1), col.slice(1)
        gt = pc.greater(cur, prev)
        step = gt if tied is None else pc.and_(tied, gt)
        rising = step if rising is None else pc.or_(rising, step)
        eq = pc.equal(cur, prev)
        tied = eq if tied is None else pc.and_(tied, eq)
    return bool(pc.all(rising).as_py())


_DAY_US = 86_400_000_000


def _by_day(table: pa.Table) -> list[tuple[date, pa.Table]]:
    """The table cut into its UTC days, in day order. Points arriving in time order (most
    uploads and every gateway buffer) are cut into slices without copying; others are put in
    day order once (a stable sort, so the order within a day is kept) and then sliced."""
    days = table.column("ts").cast(pa.int64()).to_numpy() // _DAY_US
    if len(days) == 0:
        return []
    if days[0] == days[-1] and (len(days) < 3 or bool(np.all(days == days[0]))):
        return [(_EPOCH + timedelta(days=int(days[0])), table)]
    if not bool(np.all(days[1:] >= days[:-1])):
        order = np.argsort(days, kind="stable")
        table = table.take(pa.array(order))
        days = days[order]
    cuts = np.flatnonzero(days[1:] != days[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(days)]
    return [
        (_EPOCH + timedelta(days=int(days[lo])), table.slice(lo, hi - lo))
        for lo, hi in pairwise(bounds)
    ]


_EPOCH = date(1970, 1, 1)


def sql_filter(
    time_column: str,
    start: datetime | None,
    end: datetime | None,
    devices: Sequence[str] | None,
    metrics: Sequence[str] | None,
) -> tuple[str, list[object]]:
    """The ``WHERE`` clause (or "") and its parameters selecting ``[start, end)`` on
    ``time_column`` and the given devices and metrics, for the store's DuckDB reads of raw
    points (``ts``) and of aggregates (``start``) alike."""
    where: list[str] = []
    params: list[object] = []
    if start:
        where.append(f"{time_column} >= ?")
        params.append(start)
    if end:
        where.append(f"{time_column} < ?")
        params.append(end)
    if devices:
        where.append("list_contains(?, device_id)")
        params.append(list(devices))
    if metrics:
        where.append("list_contains(?, metric)")
        params.append(list(metrics))
    return (" WHERE " + " AND ".join(where)) if where else "", params
