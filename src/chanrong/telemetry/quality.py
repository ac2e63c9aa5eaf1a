"""Data-quality checks of one enterprise's day of telemetry, run in DuckDB over the raw files.

Raw (not deduplicated) files are read on purpose: duplicates and late arrivals are only
visible before compaction merges them, so quality is computed for a day before it is compacted.
"""

# SQL here is assembled from fixed fragments only; every user value is a bound parameter.

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import numpy as np

from chanrong.telemetry import accuracy
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
  SELECT device_id, metric, ts, filename, file_row_number AS rn
  FROM read_parquet(?, filename=true, file_row_number=true)
),
ordered AS (
  SELECT device_id, metric, ts,
         row_number() OVER (PARTITION BY device_id, metric, ts ORDER BY filename, rn) AS nth,
         max(ts) OVER (PARTITION BY device_id, metric ORDER BY filename, rn
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS seen
  FROM raw
)
SELECT device_id, metric, count(*) AS raw_n,
       count(*) FILTER (WHERE nth > 1) AS duplicate,
       count(*) FILTER (WHERE nth = 1 AND ts < seen) AS late
FROM ordered GROUP BY ALL
"""

# Deduplicated readings of the day and the day before (context for runs and levels).
_POINTS_SQL = """
SELECT device_id, metric, epoch_us(ts) AS ts_us, value, CAST(ts AS DATE) = ? AS in_day
FROM read_parquet(?, filename=true)
QUALIFY row_number() OVER (PARTITION BY device_id, metric, ts ORDER BY filename DESC) = 1
ORDER BY device_id, metric, ts
"""

DAY_US = 86_400_000_000


def _median_step(series: np.ndarray, ts: np.ndarray, first: np.ndarray) -> np.ndarray:
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
    """Run every telemetry rule over one day (with the day before as context).

    ``specs`` give ranges and kinds; a series' expected interval is the registered one for
    metrics in ``registered`` (set by the enterprise), otherwise its own median step.
    """
    result = DayQuality(day)
    day_files = [str(f) for f in store.files(org_id, day)]
    if not day_files:
        return result
    prev_files = [str(f) for f in store.files(org_id, day - timedelta(days=1))]
    with duckdb.connect() as con:
        con.sql("SET TimeZone = 'UTC'")
        arrival = {
            (r["device_id"], r["metric"]): r
            for r in con.sql(_ARRIVAL_SQL, params=[day_files]).to_arrow_table().to_pylist()
        }
        pts = con.sql(_POINTS_SQL, params=[day, prev_files + day_files]).to_arrow_table()
        energy = _energy_vs_output(con, pts)
    device = pts.column("device_id").to_numpy(zero_copy_only=False)
    metric = pts.column("metric").to_numpy(zero_copy_only=False)
    ts = pts.column("ts_us").to_numpy()
    value = pts.column("value").to_numpy()
    in_day = pts.column("in_day").to_numpy(zero_copy_only=False).astype(bool)
    first = np.r_[True, (device[1:] != device[:-1]) | (metric[1:] != metric[:-1])]
    sid = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    names = [(str(device[i]), str(metric[i])) for i in starts]
    spec_of = [specs.get(m) or default_spec(m) for _, m in names]
    is_counter = np.array([s.kind is MetricKind.COUNTER for s in spec_of])[sid]
    low = np.array([np.nan if s.low is None else s.low for s in spec_of])[sid]
    high = np.array([np.nan if s.high is None else s.high for s in spec_of])[sid]
    flags = accuracy.flag(sid, value, is_counter, low, high)
    step = _median_step(sid, ts, first)
    interval = np.array(
        [
            s.expected_interval_s * 1_000_000 if m in registered else step[i]
            for i, ((_, m), s) in enumerate(zip(names, spec_of, strict=True))
        ]
    )
    interval = np.where(np.isfinite(interval) & (interval > 0), interval, 60_000_000)
    iv = interval[sid].astype(np.int64)
    groups = len(names)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(sid[mask & in_day], minlength=groups)

    n_day = count(np.ones_like(in_day))
    oor, unit, dec = (
        count(flags.out_of_range),
        count(flags.unit_suspect),
        count(flags.counter_decrease),
    )
    off_grid = count(ts % iv != 0)
    had_context = np.bincount(sid[~in_day], minlength=groups) > 0
    latest_day = max(store.days(org_id))
    day_start = int(datetime.combine(day, time(0), tzinfo=UTC).timestamp()) * 1_000_000
    device_findings: dict[str, list[Finding]] = defaultdict(list)
    dataset_findings: dict[str, list[Finding]] = defaultdict(list)
    # Distinct reporting slots per series in the day, and the slots expected: the whole day,
    # except before a series' first reading ever and after the newest data.
    rows_day = in_day
    slot = (ts + iv // 2) // iv
    pairs = np.unique(np.stack([sid[rows_day], slot[rows_day]]), axis=1)
    slots = np.bincount(pairs[0], minlength=groups)
    first_ts = np.full(groups, np.iinfo(np.int64).max)
    last_ts = np.zeros(groups, dtype=np.int64)
    np.minimum.at(first_ts, sid[rows_day], ts[rows_day])
    np.maximum.at(last_ts, sid[rows_day], ts[rows_day])
    lo = np.where(had_context, day_start, first_ts)
    hi = day_start + DAY_US if day < latest_day else last_ts + interval.astype(np.int64)
    span = np.maximum(hi - lo, 0)
    expected_all = np.maximum(slots, -(-span // interval.astype(np.int64)))
    for i, (dev, met) in enumerate(names):
        n = int(n_day[i])
        if n == 0:
            continue
        step_us = int(interval[i])
        expected = int(expected_all[i])
        gap = expected - int(slots[i])
        arr = arrival.get((dev, met), {"raw_n": n, "duplicate": 0, "late": 0})
        raw_n = int(arr["raw_n"])
        findings = [
            Finding(Rule.OUT_OF_RANGE, int(oor[i]), n),
            Finding(Rule.UNIT_SUSPECT, int(unit[i]), n),
            Finding(Rule.COUNTER_DECREASE, int(dec[i]), n),
            Finding(Rule.OFF_GRID, int(off_grid[i]), n),
            Finding(Rule.GAP, gap, expected),
            Finding(Rule.DUPLICATE, int(arr["duplicate"]), raw_n),
            Finding(Rule.LATE, int(arr["late"]), raw_n),
        ]
        result.series.append(
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
        device_findings[dev].extend(findings)
        dataset_findings[dataset_of(met)].extend(findings)
    for dev, finding in energy.items():
        device_findings[dev].append(finding)
        dataset_findings["telemetry.equipment"].append(finding)
    result.by_device = {d: _merge(fs) for d, fs in device_findings.items()}
    result.by_dataset = {d: _merge(fs) for d, fs in dataset_findings.items()}
    return result


_ENERGY_SQL = """
WITH h AS (
  SELECT device_id, ts_us // 3600000000 AS hour,
         max(value) FILTER (WHERE metric = 'output_count')
           - min(value) FILTER (WHERE metric = 'output_count') AS produced,
         max(value) FILTER (WHERE metric = 'power_kw') AS peak_kw,
         count(*) FILTER (WHERE metric = 'power_kw') AS power_n
  FROM day_points WHERE in_day AND metric IN ('output_count', 'power_kw') GROUP BY ALL
)
SELECT device_id, count(*) FILTER (WHERE produced > 0) AS productive,
       count(*) FILTER (WHERE produced > 0 AND power_n > 0 AND peak_kw <= 0) AS bad
FROM h GROUP BY device_id HAVING count(*) FILTER (WHERE power_n > 0) > 0
"""


def _energy_vs_output(con: duckdb.DuckDBPyConnection, pts: object) -> dict[str, Finding]:
    """Per device that reports both: in how many productive hours did it draw no power?"""
    con.register("day_points", pts)
    rows = con.sql(_ENERGY_SQL).to_arrow_table().to_pylist()
    return {
        r["device_id"]: Finding(Rule.ENERGY_VS_OUTPUT, int(r["bad"]), int(r["productive"]))
        for r in rows
        if r["productive"]
    }


__all__ = ["ENERGY_METRICS", "DayQuality", "check_day", "dataset_of"]
