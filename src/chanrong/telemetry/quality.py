"""Data-quality checks of one enterprise's day of telemetry, run in DuckDB over the raw files.

Raw (not deduplicated) files are read on purpose: duplicates and late arrivals are only
visible before compaction merges them, so quality is computed for a day before it is compacted.
"""

# SQL here is assembled from fixed fragments only; every user value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from chanrong.telemetry.domain import (
    RESET_SHARE,
    UNIT_FACTOR,
    Finding,
    MetricKind,
    MetricSpec,
    Rule,
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


_SERIES_SQL = f"""
WITH raw AS (
  SELECT device_id, metric, ts, value, filename FROM read_parquet(?, filename=true)
),
pts AS (
  SELECT device_id, metric, ts, value FROM raw
  QUALIFY row_number() OVER (PARTITION BY device_id, metric, ts ORDER BY filename DESC) = 1
),
seq AS (
  SELECT *, value - lag(value) OVER w AS diff,
         epoch_us(ts) - lag(epoch_us(ts)) OVER w AS step
  FROM pts WINDOW w AS (PARTITION BY device_id, metric ORDER BY ts)
),
med AS (
  SELECT device_id, metric, median(abs(value)) AS med_v, median(step) AS med_step
  FROM seq GROUP BY ALL
),
joined AS (
  SELECT s.*, m.med_v,
         CAST(coalesce(sp.interval_us, m.med_step, 60000000) AS BIGINT) AS interval_us,
         sp.low, sp.high, coalesce(sp.kind, 'gauge') AS kind
  FROM seq s JOIN med m USING (device_id, metric) LEFT JOIN specs sp USING (metric)
)
SELECT device_id, metric, any_value(kind) AS kind, count(*) AS n,
       any_value(interval_us) AS interval_us,
       count(*) FILTER (WHERE value < low OR value > high) AS out_of_range,
       count(*) FILTER (WHERE med_v > 0 AND (abs(value) > {UNIT_FACTOR} * med_v
                        OR (value <> 0 AND abs(value) < med_v / {UNIT_FACTOR}
                            AND NOT (kind = 'counter' AND value < 1)))) AS unit_suspect,
       count(*) FILTER (WHERE kind = 'counter' AND diff < 0
                        AND value > {RESET_SHARE} * (value - diff)) AS counter_decrease,
       count(*) FILTER (WHERE epoch_us(ts) % interval_us <> 0) AS off_grid,
       count(DISTINCT epoch_us(ts) // interval_us) AS slots
FROM joined GROUP BY device_id, metric
"""


# A reading is late when it arrived (in a newer file) after a later reading of its series;
# a repeat of a reading already stored counts as a duplicate, not as late.
_ARRIVAL_SQL = """
WITH raw AS (
  SELECT device_id, metric, ts, filename,
         row_number() OVER (PARTITION BY device_id, metric, ts ORDER BY filename) AS nth
  FROM read_parquet(?, filename=true)
),
fmax AS (SELECT device_id, metric, filename, max(ts) AS mx FROM raw GROUP BY ALL),
prior AS (
  SELECT device_id, metric, filename,
         max(mx) OVER (PARTITION BY device_id, metric ORDER BY filename
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pm
  FROM fmax
)
SELECT r.device_id, r.metric, count(*) AS raw_n,
       count(*) FILTER (WHERE r.ts < p.pm AND r.nth = 1) AS late
FROM raw r JOIN prior p USING (device_id, metric, filename) GROUP BY ALL
"""


def _specs_table(specs: dict[str, MetricSpec]) -> pa.Table:
    return pa.table(
        {
            "metric": [s.name for s in specs.values()],
            "kind": [s.kind.value for s in specs.values()],
            "low": pa.array([s.low for s in specs.values()], pa.float64()),
            "high": pa.array([s.high for s in specs.values()], pa.float64()),
            "interval_us": pa.array(
                [
                    s.expected_interval_s * 1_000_000 if s.expected_interval_s else None
                    for s in specs.values()
                ],
                pa.int64(),
            ),
        }
    )


def check_day(
    store: TelemetryStore,
    org_id: str,
    day: date,
    specs: dict[str, MetricSpec],
    *,
    registered: frozenset[str] = frozenset(),
) -> DayQuality:
    """Run every telemetry rule over one day. ``specs`` give ranges and units; an expected
    interval is taken from ``specs`` only for metrics in ``registered`` (set by the enterprise),
    otherwise from the series' own median step."""
    result = DayQuality(day)
    files = [str(f) for f in store.files(org_id, day)]
    if not files:
        return result
    table = _specs_table(specs)
    if registered:
        keep = [m in registered for m in table.column("metric").to_pylist()]
        intervals = [
            v if k else None
            for v, k in zip(table.column("interval_us").to_pylist(), keep, strict=True)
        ]
        table = table.set_column(4, "interval_us", pa.array(intervals, pa.int64()))
    else:
        table = table.set_column(4, "interval_us", pa.nulls(len(table), pa.int64()))
    with duckdb.connect() as con:
        con.sql("SET TimeZone = 'UTC'")
        con.register("specs", table)
        series = con.sql(_SERIES_SQL, params=[files]).to_arrow_table().to_pylist()
        arrival = {
            (r["device_id"], r["metric"]): r
            for r in con.sql(
                _ARRIVAL_SQL,
                params=[files],
            )
            .to_arrow_table()
            .to_pylist()
        }
    day_us = 86_400_000_000
    device_findings: dict[str, list[Finding]] = defaultdict(list)
    dataset_findings: dict[str, list[Finding]] = defaultdict(list)
    for s in series:
        key = (s["device_id"], s["metric"])
        arr = arrival[key]
        n = int(s["n"])
        expected = max(n, day_us // int(s["interval_us"])) if s["interval_us"] else n
        findings = [
            Finding(Rule.OUT_OF_RANGE, int(s["out_of_range"]), n),
            Finding(Rule.UNIT_SUSPECT, int(s["unit_suspect"]), n),
            Finding(Rule.COUNTER_DECREASE, int(s["counter_decrease"]), n),
            Finding(Rule.OFF_GRID, int(s["off_grid"]), n),
            Finding(Rule.GAP, max(0, expected - int(s["slots"])), expected),
            Finding(Rule.DUPLICATE, int(arr["raw_n"]) - n, int(arr["raw_n"])),
            Finding(Rule.LATE, int(arr["late"]), int(arr["raw_n"])),
        ]
        s.update({"expected": expected, "raw_n": arr["raw_n"], "late": arr["late"]})
        s["duplicate"] = int(arr["raw_n"]) - n
        s["gap"] = max(0, expected - int(s["slots"]))
        result.series.append(s)
        device_findings[s["device_id"]].extend(findings)
        dataset_findings[dataset_of(s["metric"])].extend(findings)
    for device, fs in _energy_vs_output(store, org_id, day).items():
        device_findings[device].append(fs)
        dataset_findings["telemetry.equipment"].append(fs)
    result.by_device = {d: _merge(fs) for d, fs in device_findings.items()}
    result.by_dataset = {d: _merge(fs) for d, fs in dataset_findings.items()}
    return result


def _energy_vs_output(store: TelemetryStore, org_id: str, day: date) -> dict[str, Finding]:
    """Per device that reports both: was output counted in hours when it drew no power?"""
    rel = store.relation_sql(org_id, metrics=["output_count", "power_kw"])
    out: dict[str, Finding] = {}
    if rel is None:
        return out
    sql, params = rel
    query = f"""
      WITH p AS ({sql}),
      h AS (
        SELECT device_id, date_trunc('hour', ts) AS hour,
               max(value) FILTER (WHERE metric = 'output_count')
                 - min(value) FILTER (WHERE metric = 'output_count') AS produced,
               max(value) FILTER (WHERE metric = 'power_kw') AS peak_kw,
               count(*) FILTER (WHERE metric = 'power_kw') AS power_n
        FROM p WHERE CAST(ts AS DATE) = ? GROUP BY ALL
      )
      SELECT device_id, count(*) FILTER (WHERE produced > 0) AS productive,
             count(*) FILTER (WHERE produced > 0 AND power_n > 0 AND peak_kw <= 0) AS bad
      FROM h GROUP BY device_id HAVING count(*) FILTER (WHERE power_n > 0) > 0
    """
    with duckdb.connect() as con:
        con.sql("SET TimeZone = 'UTC'")
        rows = con.sql(query, params=[*params, day]).to_arrow_table().to_pylist()
    for r in rows:
        if r["productive"]:
            out[r["device_id"]] = Finding(
                Rule.ENERGY_VS_OUTPUT, int(r["bad"]), int(r["productive"])
            )
    return out


__all__ = ["ENERGY_METRICS", "DayQuality", "MetricKind", "check_day", "dataset_of"]
