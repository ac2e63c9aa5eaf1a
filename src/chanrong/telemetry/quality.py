"""Data-quality checks of one enterprise's day of telemetry, run in DuckDB over the raw files.

Raw (not deduplicated) day files are read for arrival on purpose: duplicates and late
arrivals are only visible before compaction merges them, so quality is computed for a day
before it is compacted. The other rules read the deduplicated points of the days wherever
they are, day partitions or folded months.
"""

# SQL here is assembled from fixed fragments only; every user value is a bound parameter.

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import numpy as np

from chanrong.telemetry import accuracy, duck
from chanrong.telemetry.domain import (
    Finding,
    MetricKind,
    MetricSpec,
    Rule,
    default_spec,
)
from chanrong.telemetry.store import TelemetryStore

ENERGY_METRICS = frozenset({"energy_kwh", "gas_m3", "coal_t", "steam_t"})


def dataset_of(metric: str) -> str:
    """The governance catalog key a metric belongs to."""
    return "telemetry.energy" if metric in ENERGY_METRICS else "telemetry.equipment"


@dataclass
class DayQuality:
    """Findings of one day, by device and by dataset, plus the per-series detail."""

    day: date
    by_device: dict[str, list[Finding]] = field(default_factory=dict)
    by_dataset: dict[str, list[Finding]] = field(default_factory=dict)
    series: list[dict[str, object]] = field(default_factory=list)

    def enterprise(self) -> list[Finding]:
        return _merge([f for fs in self.by_dataset.values() for f in fs])


def _merge(findings: list[Finding]) -> list[Finding]:
    counts: dict[Rule, list[int]] = defaultdict(lambda: [0, 0])
    for f in findings:
        counts[f.rule][0] += f.count
        counts[f.rule][1] += f.checked
    return [Finding(rule, c, n) for rule, (c, n) in counts.items()]


# Arrival order is file order (UUIDv7 names) and row order within a file. A reading is late
# when a later reading of its series arrived before it; a repeat of a reading already
# received counts as a duplicate, not as late.
_ARRIVAL_SQL = """
WITH raw AS (
  SELECT device_id, metric, ts, CAST(ts AS DATE) AS day, filename, file_row_number AS rn
  FROM read_parquet(?, filename=true, file_row_number=true)
),
ordered AS (
  SELECT device_id, metric, ts, day,
         row_number() OVER (PARTITION BY device_id, metric, ts ORDER BY filename, rn) AS nth,
         max(ts) OVER (PARTITION BY device_id, metric, day ORDER BY filename, rn
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS seen
  FROM raw
)
SELECT device_id, metric, day, count(*) AS raw_n,
       count(*) FILTER (WHERE nth > 1) AS duplicate,
       count(*) FILTER (WHERE nth = 1 AND ts < seen) AS late
FROM ordered GROUP BY ALL
"""

# Deduplicated readings of the days and the day before them (context for runs and levels).
_POINTS_SQL = """
SELECT device_id, metric, epoch_us(ts) AS ts_us, value,
       CAST(datediff('day', CAST(? AS DATE), CAST(ts AS DATE)) AS INTEGER) AS day_index
FROM ({points})
ORDER BY device_id, metric, ts
"""


def _latest_day(con: duckdb.DuckDBPyConnection, store: TelemetryStore, org_id: str) -> date:
    """The newest day holding data of ``org_id``, in a day partition or a folded month."""
    days = store.days(org_id)
    months = store.months(org_id)
    if months and (not days or months[-1] > days[-1]):
        files = [str(f) for f in store.month_files(org_id, months[-1])]
        if files:
            row = con.sql("SELECT max(ts) FROM read_parquet(?)", params=[files]).fetchall()[0]
            if row[0] is not None:
                newest: date = row[0].astimezone(UTC).date()
                return newest
    return days[-1] if days else date.min


DAY_US = 86_400_000_000


def _median_step(ts: np.ndarray, first: np.ndarray) -> np.ndarray:
    steps = np.diff(ts, prepend=ts[:1])
    steps[first] = 0
    return accuracy._group_median(
        steps.astype(float), np.cumsum(first) - 1, steps > 0, int(np.sum(first))
    )


def check_day(
    store: TelemetryStore,
    org_id: str,
    day: date,
    specs: dict[str, MetricSpec],
    *,
    registered: frozenset[str] = frozenset(),
) -> DayQuality:
    """Run every telemetry rule over one day (with the day before as context)."""
    return check_days(
        store, org_id, day, day + timedelta(days=1), specs, registered=registered
    ).get(day, DayQuality(day))


def check_days(
    store: TelemetryStore,
    org_id: str,
    start: date,
    end: date,
    specs: dict[str, MetricSpec],
    *,
    registered: frozenset[str] = frozenset(),
) -> dict[date, DayQuality]:
    """Run every telemetry rule over the days in [start, end) in one pass, the day before
    ``start`` serving as context. Days without data are left out.

    ``specs`` give ranges and kinds; a series' expected interval is the registered one for
    metrics in ``registered`` (set by the enterprise), otherwise its own median step.
    """
    before = start - timedelta(days=1)
    # Every point of the days (and the day before), day partitions and folded months alike,
    # through the store's deduplicating read.
    rel = store.relation_sql(
        org_id,
        start=datetime.combine(before, time(0), tzinfo=UTC),
        end=datetime.combine(end, time(0), tzinfo=UTC),
    )
    if rel is None:
        return {}
    day_files = [
        str(f) for d in store.days(org_id) if start <= d < end for f in store.files(org_id, d)
    ]
    with duck.connection() as con:
        # Duplicates and late arrivals show only in day partitions: a fold merged them away
        # (the worker scores a day before folding it), so a folded day counts none.
        arrival = {
            (r["device_id"], r["metric"], r["day"]): r
            for r in (
                con.sql(_ARRIVAL_SQL, params=[day_files]).to_arrow_table().to_pylist()
                if day_files
                else []
            )
        }
        pts = con.sql(_POINTS_SQL.format(points=rel[0]), params=[before, *rel[1]]).to_arrow_table()
        if not any(i >= 1 for i in pts.column("day_index").to_pylist()):
            return {}
        energy = _energy_vs_output(con, pts, before)
        latest_day = _latest_day(con, store, org_id)
    device = pts.column("device_id").to_numpy(zero_copy_only=False)
    metric = pts.column("metric").to_numpy(zero_copy_only=False)
    ts = pts.column("ts_us").to_numpy()
    value = pts.column("value").to_numpy()
    day_idx = pts.column("day_index").to_numpy().astype(np.int64)
    first = np.r_[True, (device[1:] != device[:-1]) | (metric[1:] != metric[:-1])]
    sid = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    names = [(str(device[i]), str(metric[i])) for i in starts]
    spec_of = [specs.get(m) or default_spec(m) for _, m in names]
    is_counter = np.array([sp.kind is MetricKind.COUNTER for sp in spec_of])[sid]
    low = np.array([np.nan if sp.low is None else sp.low for sp in spec_of])[sid]
    high = np.array([np.nan if sp.high is None else sp.high for sp in spec_of])[sid]
    flags = accuracy.flag(sid, value, is_counter, low, high)
    step = _median_step(ts, first)
    interval = np.array(
        [
            sp.expected_interval_s * 1_000_000 if m in registered else step[i]
            for i, ((_, m), sp) in enumerate(zip(names, spec_of, strict=True))
        ]
    )
    interval = np.where(np.isfinite(interval) & (interval > 0), interval, 60_000_000).astype(
        np.int64
    )
    iv = interval[sid]
    groups, width = len(names), (end - before).days
    key = sid * width + day_idx  # one cell per (series, day)
    cells = groups * width
    in_range = day_idx >= 1

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(key[mask & in_range], minlength=cells)

    n_cell = count(np.ones_like(in_range))
    oor, unit, dec = (
        count(flags.out_of_range),
        count(flags.unit_suspect),
        count(flags.counter_decrease),
    )
    off_grid = count(ts % iv != 0)
    # Distinct reporting slots per (series, day), and the slots expected: the whole day,
    # except before a series' first reading and after the newest data of the enterprise.
    slot = (ts + iv // 2) // iv
    pairs = np.unique(np.stack([key[in_range], slot[in_range]]), axis=1)
    slots = np.bincount(pairs[0], minlength=cells)
    first_cell = np.full(cells, np.iinfo(np.int64).max)
    last_cell = np.zeros(cells, dtype=np.int64)
    np.minimum.at(first_cell, key[in_range], ts[in_range])
    np.maximum.at(last_cell, key[in_range], ts[in_range])
    series_first = ts[starts]
    base_us = int(datetime.combine(before, time(0), tzinfo=UTC).timestamp()) * 1_000_000
    result: dict[date, DayQuality] = {}
    device_f: dict[date, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    dataset_f: dict[date, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for cell in np.flatnonzero(n_cell):
        i, di = divmod(int(cell), width)
        day = before + timedelta(days=di)
        dev, met = names[i]
        n = int(n_cell[cell])
        step_us = int(interval[i])
        day_start = base_us + di * DAY_US
        lo = day_start if series_first[i] < day_start else int(first_cell[cell])
        hi = day_start + DAY_US if day < latest_day else int(last_cell[cell]) + step_us
        expected = max(int(slots[cell]), -(-max(hi - lo, 0) // step_us))
        arr = arrival.get((dev, met, day), {"raw_n": n, "duplicate": 0, "late": 0})
        raw_n = int(arr["raw_n"])
        findings = [
            Finding(Rule.OUT_OF_RANGE, int(oor[cell]), n),
            Finding(Rule.UNIT_SUSPECT, int(unit[cell]), n),
            Finding(Rule.COUNTER_DECREASE, int(dec[cell]), n),
            Finding(Rule.OFF_GRID, int(off_grid[cell]), n),
            Finding(Rule.GAP, expected - int(slots[cell]), expected),
            Finding(Rule.DUPLICATE, int(arr["duplicate"]), raw_n),
            Finding(Rule.LATE, int(arr["late"]), raw_n),
        ]
        dq = result.setdefault(day, DayQuality(day))
        dq.series.append(
            {
                "device_id": dev,
                "metric": met,
                "n": n,
                "expected": expected,
                "interval_us": step_us,
                "raw_n": raw_n,
            }
            | {f.rule.value: f.count for f in findings}
        )
        device_f[day][dev].extend(findings)
        dataset_f[day][dataset_of(met)].extend(findings)
    for (dev, day), finding in energy.items():
        if day in result:
            device_f[day][dev].append(finding)
            dataset_f[day]["telemetry.equipment"].append(finding)
    for day, dq in result.items():
        dq.by_device = {d: _merge(fs) for d, fs in device_f[day].items()}
        dq.by_dataset = {d: _merge(fs) for d, fs in dataset_f[day].items()}
    return result


_ENERGY_SQL = """
WITH h AS (
  SELECT device_id, day_index, ts_us // 3600000000 AS hour,
         max(value) FILTER (WHERE metric = 'output_count')
           - min(value) FILTER (WHERE metric = 'output_count') AS produced,
         max(value) FILTER (WHERE metric = 'power_kw') AS peak_kw,
         count(*) FILTER (WHERE metric = 'power_kw') AS power_n
  FROM day_points WHERE day_index >= 1 AND metric IN ('output_count', 'power_kw') GROUP BY ALL
)
SELECT device_id, day_index, count(*) FILTER (WHERE produced > 0) AS productive,
       count(*) FILTER (WHERE produced > 0 AND power_n > 0 AND peak_kw <= 0) AS bad
FROM h GROUP BY ALL HAVING count(*) FILTER (WHERE power_n > 0) > 0
"""


def _energy_vs_output(
    con: duckdb.DuckDBPyConnection, pts: object, before: date
) -> dict[tuple[str, date], Finding]:
    """Per device and day: in how many productive hours did it draw no power?"""
    con.register("day_points", pts)
    rows = con.sql(_ENERGY_SQL).to_arrow_table().to_pylist()
    return {
        (r["device_id"], before + timedelta(days=int(r["day_index"]))): Finding(
            Rule.ENERGY_VS_OUTPUT, int(r["bad"]), int(r["productive"])
        )
        for r in rows
        if r["productive"]
    }


__all__ = ["ENERGY_METRICS", "DayQuality", "check_day", "check_days", "dataset_of"]
