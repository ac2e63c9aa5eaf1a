"""Accuracy and timeliness flags of sorted telemetry series, computed with numpy.

Pure: arrays in, boolean arrays out, no framework. Input rows are deduplicated and sorted by
(series, ts); ``series`` is an integer id that changes at each new (device, metric).

- A *spike* is a reading far above both neighbours and the series' usual level: an
  impossible value (out of range), not a unit error.
- Gauges (power, state): a *unit suspect* is a reading about ``UNIT_FACTOR`` or more times the
  series' usual non-zero level (kW sent as W).
- Counters: a step whose ratio is about 1000 or 1/1000 starts or ends a run in the wrong
  unit (kWh sent as MWh); every reading inside such a run is a unit suspect. A drop to below
  ``RESET_SHARE`` of the last value that is not such a step is a genuine reset; any other
  drop is a counter decrease.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chanrong.telemetry.domain import RESET_SHARE, UNIT_FACTOR

# A unit slip multiplies by 1000 (W/kW, kWh/MWh, kg/t, L/m³); allow half to double that.
_UNIT_RATIO = (500.0, 2000.0)


@dataclass(frozen=True, slots=True)
class Flags:
    out_of_range: np.ndarray
    unit_suspect: np.ndarray
    counter_decrease: np.ndarray
    reset: np.ndarray


def _group_median(values: np.ndarray, groups: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Median of ``values[mask]`` per group id (0..n-1); NaN where a group has none."""
    out = np.full(n, np.nan)
    g, v = groups[mask], values[mask]
    if g.size == 0:
        return out
    order = np.lexsort((v, g))
    g, v = g[order], v[order]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], g.size]
    lo = v[starts + (ends - starts - 1) // 2]
    hi = v[starts + (ends - starts) // 2]
    out[g[starts]] = (lo + hi) / 2.0
    return out


def _shift(a: np.ndarray, first: np.ndarray, k: int) -> np.ndarray:
    """``a`` moved by one within each series (k=1: previous, k=-1: next), NaN at the edge."""
    out = np.roll(a.astype(float), k)
    if k == 1:
        out[first] = np.nan
    else:
        last = np.r_[first[1:], True]
        out[last] = np.nan
    return out


def flag(
    series: np.ndarray,
    value: np.ndarray,
    is_counter: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
) -> Flags:
    """Accuracy flags per row; ``is_counter``, ``low`` and ``high`` are given per row."""
    n = value.size
    if n == 0:
        empty = np.zeros(0, dtype=bool)
        return Flags(empty, empty, empty, empty)
    first = np.r_[True, series[1:] != series[:-1]]
    sid = np.cumsum(first) - 1
    groups = int(sid[-1]) + 1
    absval = np.abs(value)
    # The usual level ignores readings beyond the plausible range: a long run sent in the
    # wrong unit must not become the yardstick itself.
    plausible = (absval > 0) & ~(value > np.where(np.isnan(high), np.inf, high))
    level = _group_median(absval, sid, plausible, groups)[sid]
    level = np.nan_to_num(level, nan=0.0)
    prev_abs = np.nan_to_num(np.abs(_shift(value, first, 1)), nan=0.0)
    next_abs = np.nan_to_num(np.abs(_shift(value, first, -1)), nan=0.0)
    spike = absval > UNIT_FACTOR * np.maximum(np.maximum(prev_abs, next_abs), level)
    spike &= level > 0
    below = value < np.where(np.isnan(low), -np.inf, low)
    unit = ~is_counter & ~spike & (level > 0) & (absval > UNIT_FACTOR * level)

    # Counters: walk the readings that are neither spikes nor negative.
    keep = is_counter & ~spike & ~below
    reset = np.zeros(n, dtype=bool)
    decrease = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(keep)
    if idx.size:
        ks, kv = sid[idx], value[idx]
        kfirst = np.r_[True, ks[1:] != ks[:-1]]
        prev = np.roll(kv, 1)
        prev[kfirst] = np.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = kv / prev
        valid = (prev > 0) & np.isfinite(ratio)
        up = valid & (ratio >= _UNIT_RATIO[0]) & (ratio <= _UNIT_RATIO[1])
        down = valid & (ratio >= 1 / _UNIT_RATIO[1]) & (ratio <= 1 / _UNIT_RATIO[0])
        toggle = up | down
        # Parity of unit steps since the start of the series: odd = inside a wrong-unit run.
        csum = np.cumsum(toggle)
        base = np.maximum.accumulate(np.where(kfirst, csum - toggle, 0))
        in_run = ((csum - base) % 2) == 1
        unit[idx] |= in_run
        dropped = valid & (kv < prev) & ~toggle
        is_reset = dropped & (kv < RESET_SHARE * prev)
        reset[idx] = is_reset
        decrease[idx] = dropped & ~is_reset & ~in_run
    above = value > np.where(np.isnan(high), np.inf, high)
    out_of_range = spike | below | (above & ~unit)
    return Flags(out_of_range, unit & ~out_of_range, decrease, reset)
