"""Inject realistic data faults into a clean firm-month, and record every one of them.

Each point is hit by at most one fault, and a run never overlaps another fault, so the
recorded faults add up exactly to what was done to the data: a run's record covers every
reading of its device (or series) from ``start`` to ``end``. Rates are shares of the clean
points (see ``FaultRates``):

- ``gap``: a device sends nothing for a run of slots (all its metrics);
- ``clock_skew``: a device's clock is off by seconds to minutes for a run of slots
  (``magnitude`` = offset in seconds, always less than half an interval);
- ``unit_mixup``: a power or energy series reported in the wrong unit for a run of slots
  (``magnitude`` = factor applied: 1000 for kW sent as W, 0.001 for kWh sent as MWh);
- ``out_of_range``: a single impossible value (``magnitude`` = the value sent);
- ``duplicate``: a reading sent twice (the copy follows the original);
- ``late_arrival``: a reading that arrives after later ones (``magnitude`` = delay in seconds);
  in files it is moved to the end of its month's file, in ``--stream`` it is published late.

Genuine counter resets are not faults but are recorded alongside as ``counter_reset``
(``magnitude`` = the counter's value just before it went back to zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chanrong.simulate.config import FaultRates
from chanrong.simulate.population import STREAM_FAULTS, rng_for
from chanrong.simulate.telemetry import METRIC_INDEX, TelemetryMonth

FAULT_RECORD_KINDS = (
    "gap",
    "duplicate",
    "out_of_range",
    "unit_mixup",
    "clock_skew",
    "late_arrival",
    "counter_reset",
)
KIND_INDEX = {k: i for i, k in enumerate(FAULT_RECORD_KINDS)}
_MIXUP_METRICS = (METRIC_INDEX["power_kw"], METRIC_INDEX["energy_kwh"])
_SPAN_HOURS = (1.0, 12.0)


@dataclass(frozen=True, slots=True)
class FaultRecords:
    """Columnar fault records of one firm-month; ``metric`` is -1 for whole-device faults."""

    kind: np.ndarray  # int8 index into FAULT_RECORD_KINDS
    device: np.ndarray  # int32 index into the month's device_ids
    metric: np.ndarray  # int8 index into METRICS, or -1
    start_us: np.ndarray  # int64 true timestamp of the first reading hit
    end_us: np.ndarray  # int64 true timestamp of the last reading hit
    points: np.ndarray  # int64 readings hit
    magnitude: np.ndarray  # float64, meaning per kind (see module doc)

    def __len__(self) -> int:
        return int(self.kind.size)


@dataclass(frozen=True, slots=True)
class FaultyMonth:
    """The rows as delivered: series index, timestamp, value (late rows last), plus faults."""

    series: np.ndarray  # int32 index into the month's series
    ts_us: np.ndarray  # int64
    value: np.ndarray  # float64
    late_delay_us: np.ndarray  # int64, 0 for on-time rows
    faults: FaultRecords


class _Recorder:
    def __init__(self) -> None:
        self.cols: list[tuple[np.ndarray, ...]] = []

    def add(
        self,
        kind: str,
        device: np.ndarray,
        metric: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        points: np.ndarray,
        magnitude: np.ndarray,
    ) -> None:
        n = device.size
        if n:
            self.cols.append(
                (
                    np.full(n, KIND_INDEX[kind], dtype=np.int8),
                    device.astype(np.int32),
                    metric.astype(np.int8),
                    start.astype(np.int64),
                    end.astype(np.int64),
                    points.astype(np.int64),
                    magnitude.astype(np.float64),
                )
            )

    def build(self) -> FaultRecords:
        if not self.cols:
            e = np.zeros(0)
            return FaultRecords(
                e.astype(np.int8),
                e.astype(np.int32),
                e.astype(np.int8),
                e.astype(np.int64),
                e.astype(np.int64),
                e.astype(np.int64),
                e,
            )
        parts = list(zip(*self.cols, strict=True))
        return FaultRecords(*(np.concatenate(p) for p in parts))


def _spans(
    rng: np.random.Generator,
    rate: float,
    points_per_unit: int,
    units: int,
    slots: int,
    per_hour: float,
) -> list[tuple[int, int, int]]:
    """(unit, start, end) runs so that about ``rate`` of all points fall inside them."""
    lo = max(1, round(_SPAN_HOURS[0] * per_hour))
    hi = max(lo, min(slots, round(_SPAN_HOURS[1] * per_hour)))
    mean_len = (lo + hi) / 2.0
    total_points = points_per_unit * units * slots
    expected = rate * total_points / (mean_len * points_per_unit) if points_per_unit else 0.0
    n = int(rng.poisson(expected))
    out = []
    for _ in range(n):
        length = int(rng.integers(lo, hi + 1))
        start = int(rng.integers(0, max(1, slots - length + 1)))
        out.append((int(rng.integers(0, units)), start, min(slots, start + length)))
    return out


def inject_faults(
    seed: int, firm_index: int, month_index: int, month: TelemetryMonth, rates: FaultRates
) -> FaultyMonth:
    """Apply ``rates`` to ``month`` deterministically and return the delivered rows."""
    rng = rng_for(seed, STREAM_FAULTS, firm_index, month_index)
    values = month.values.copy()
    s_count, t = values.shape
    ts_grid = month.grid.ts_us
    per_hour = 60.0 / month.grid.interval_minutes
    taken = np.zeros((s_count, t), dtype=bool)
    dropped = np.zeros((s_count, t), dtype=bool)
    shift = np.zeros((s_count, t), dtype=np.int64)
    rec = _Recorder()
    n_dev = len(month.device_ids)
    dev_series = [np.flatnonzero(month.series_device == d) for d in range(n_dev)]
    mean_series = s_count / max(1, n_dev)

    def device_span_faults(kind: str, rate: float) -> list[tuple[int, int, int, np.ndarray]]:
        # Whole-device runs; spans are drawn per device in proportion to its series count.
        hits: list[tuple[int, int, int, np.ndarray]] = []
        if rate <= 0:
            return hits
        for dev, a, b in _spans(rng, rate, max(1, round(mean_series)), n_dev, t, per_hour):
            rows = dev_series[dev]
            free = ~taken[rows, a:b]
            # Runs never overlap another fault, so a recorded run is exactly what it hit.
            if not free.all():
                continue
            taken[rows, a:b] |= free
            hits.append((dev, a, b, free))
        return hits

    gaps = device_span_faults("gap", rates.gap)
    for dev, a, b, free in gaps:
        rows = dev_series[dev]
        dropped[rows, a:b] |= free
        cols = np.flatnonzero(free.any(axis=0)) + a
        rec.add(
            "gap",
            np.array([dev]),
            np.array([-1]),
            np.array([ts_grid[cols[0]]]),
            np.array([ts_grid[cols[-1]]]),
            np.array([int(free.sum())]),
            np.array([0.0]),
        )

    skews = device_span_faults("clock_skew", rates.clock_skew)
    max_skew_s = max(1, min(900, month.grid.interval_minutes * 30 - 1))
    for dev, a, b, free in skews:
        rows = dev_series[dev]
        sign = 1 if rng.random() < 0.5 else -1
        skew_s = sign * int(rng.integers(max(1, min(20, max_skew_s)), max_skew_s + 1))
        block = shift[rows, a:b]
        block[free] = skew_s * 1_000_000
        shift[rows, a:b] = block
        cols = np.flatnonzero(free.any(axis=0)) + a
        rec.add(
            "clock_skew",
            np.array([dev]),
            np.array([-1]),
            np.array([ts_grid[cols[0]]]),
            np.array([ts_grid[cols[-1]]]),
            np.array([int(free.sum())]),
            np.array([float(skew_s)]),
        )

    # Unit mix-ups hit one power or energy series at a time.
    eligible = np.flatnonzero(np.isin(month.series_metric, _MIXUP_METRICS))
    if rates.unit_mixup > 0 and eligible.size:
        share = eligible.size / s_count
        for k, a, b in _spans(rng, rates.unit_mixup / share, 1, eligible.size, t, per_hour):
            row = int(eligible[k])
            free = ~taken[row, a:b]
            if not free.all():
                continue
            taken[row, a:b] |= free
            is_energy = month.series_metric[row] == METRIC_INDEX["energy_kwh"]
            factor = 0.001 if is_energy else 1000.0
            seg = values[row, a:b]
            seg[free] = seg[free] * factor
            values[row, a:b] = seg
            cols = np.flatnonzero(free) + a
            rec.add(
                "unit_mixup",
                np.array([month.series_device[row]]),
                np.array([month.series_metric[row]]),
                np.array([ts_grid[cols[0]]]),
                np.array([ts_grid[cols[-1]]]),
                np.array([cols.size]),
                np.array([factor]),
            )

    def point_faults(rate: float) -> tuple[np.ndarray, np.ndarray]:
        if rate <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        # Draw how many, then where: O(faults) rather than a random number per reading.
        n = int(rng.binomial(s_count * t, rate))
        flat = np.unique(rng.integers(0, s_count * t, n))
        flat = flat[~taken.ravel()[flat]]
        taken.ravel()[flat] = True
        return flat // t, flat % t

    r_oor, c_oor = point_faults(rates.out_of_range)
    if r_oor.size:
        # Half absurdly large, half negative: both impossible for every metric here.
        big = rng.random(r_oor.size) < 0.5
        bad = np.where(
            big, np.abs(values[r_oor, c_oor]) * 1000.0 + 1e7, -np.abs(values[r_oor, c_oor]) - 1.0
        )
        values[r_oor, c_oor] = bad
        ts = ts_grid[c_oor]
        rec.add(
            "out_of_range",
            month.series_device[r_oor],
            month.series_metric[r_oor],
            ts,
            ts,
            np.ones(r_oor.size),
            bad,
        )

    r_dup, c_dup = point_faults(rates.duplicate)
    ts = ts_grid[c_dup]
    rec.add(
        "duplicate",
        month.series_device[r_dup],
        month.series_metric[r_dup],
        ts,
        ts,
        np.ones(r_dup.size),
        np.zeros(r_dup.size),
    )

    r_late, c_late = point_faults(rates.late_arrival)
    delay_us = rng.integers(3600, 3 * 86400, r_late.size) * 1_000_000
    ts = ts_grid[c_late]
    rec.add(
        "late_arrival",
        month.series_device[r_late],
        month.series_metric[r_late],
        ts,
        ts,
        np.ones(r_late.size),
        delay_us / 1e6,
    )

    for r in month.resets:
        dev = month.device_ids.index(r.device_id)
        ts = np.array([ts_grid[r.slot]])
        rec.add(
            "counter_reset",
            np.array([dev]),
            np.array([METRIC_INDEX[r.metric]]),
            ts,
            ts,
            np.array([1]),
            np.array([r.value_before]),
        )

    # Assemble the delivered rows: on-time rows in (series, slot) order with duplicates
    # right after their original, then late rows.
    late = np.zeros((s_count, t), dtype=bool)
    late[r_late, c_late] = True
    repeat = (~dropped & ~late).astype(np.int64)
    repeat[r_dup, c_dup] += 1
    flat_repeat = repeat.ravel()
    idx = np.repeat(np.arange(s_count * t, dtype=np.int64), flat_repeat)
    late_flat = np.flatnonzero(late.ravel())
    order = np.concatenate([idx, late_flat])
    series = (order // t).astype(np.int32)
    slot = order % t
    ts_all = ts_grid[slot] + shift.ravel()[order]
    delays = np.zeros(order.size, dtype=np.int64)
    if late_flat.size:
        late_delay = np.zeros(s_count * t, dtype=np.int64)
        late_delay[r_late * t + c_late] = delay_us
        delays[idx.size :] = late_delay[late_flat]
    return FaultyMonth(
        series=series,
        ts_us=ts_all,
        value=values.ravel()[order],
        late_delay_us=delays,
        faults=rec.build(),
    )
