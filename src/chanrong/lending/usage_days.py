"""Two more inputs of the daily warning, day by day, point in time. Pure: no framework.

* **idle rise** — of the time its production machines were switched on, the share they stood
  idle (running nothing) over the last ``IDLE_WINDOW_DAYS`` working days, against the same
  over the year before them. A firm short of work leaves machines switched on and idle; unlike
  running hours this share does not move with the firm's own size or shifts, so a rise says
  the firm's own work is thinning. Machines left on standby outside the shifts would blur it,
  so the idle readings of a firm's closed days (no machine ran) set its standby rate, and that
  share of the readings not running is taken off the working days' idle readings first.
* **cloud change** — the compute hours the firm used on the platform's cloud on its working
  days over the last ``CLOUD_WINDOW_DAYS`` days, against their mean over the year before
  them, as a log ratio: its systems (MES, ERP) work as much as its shop floor does.

A working day is a day on which some production machine ran. Both figures are NaN where
they cannot be read (too few working days, no history): such a day is not judged.
Chosen on the tuning parks (seeds 101–105) before any held-out park was evaluated
(benchmarks/RESULTS.md, 2026-12-07 morning).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from chanrong.lending.telemetry_days import FloatArray

IDLE_WINDOW_DAYS = 56
STANDBY_DAYS = 84  # closed days over which a firm's standby idling is read
CLOUD_WINDOW_DAYS = 14
HISTORY_DAYS = 365  # the year before ...
GAP_DAYS = 56  # ... ending this many days back (a slide already under way is not the baseline)
MIN_HISTORY_SPAN = 120  # days the year before must span to read the idle share's baseline
MIN_CLOUD_HISTORY = 60  # working days of cloud usage in the year before
COUNTS = ("readings", "running", "idle")  # run-state readings of the production machines


def _csum(x: FloatArray) -> FloatArray:
    return np.concatenate([[0.0], np.cumsum(x)])


def _last(c: FloatArray, t: np.ndarray, width: int) -> FloatArray:
    """Sums over the ``width`` days up to each day ``t`` (from cumulative sums ``c``)."""
    lo = np.maximum(t - width + 1, 0)
    out: FloatArray = c[t + 1] - c[lo]
    return out


def _history(c: FloatArray, t: np.ndarray) -> tuple[FloatArray, np.ndarray]:
    """Sums over the year before the last ``GAP_DAYS`` days, and how many days it spans."""
    lo, hi = np.maximum(t - HISTORY_DAYS + 1, 0), np.maximum(t - GAP_DAYS + 1, 0)
    out: FloatArray = c[hi] - c[lo]
    return out, hi - lo


def _idle_share(
    idle: FloatArray, readings: FloatArray, running: FloatArray, standby: FloatArray
) -> FloatArray:
    """Idle share of the switched-on time, the standby idling taken off."""
    in_use = (idle - standby * (readings - running)) / (1 - standby)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(running > 0, in_use / np.maximum(running + in_use, 1), np.nan)
    return out


def idle_shares(counts: Mapping[str, FloatArray], end: int) -> tuple[FloatArray, FloatArray]:
    """For each day in [0, end): the idle share over the last ``IDLE_WINDOW_DAYS`` and over the
    year before them (NaN where not readable)."""
    n = np.asarray(counts["readings"][:end], dtype=np.float64)
    run = np.asarray(counts["running"][:end], dtype=np.float64)
    idle = np.asarray(counts["idle"][:end], dtype=np.float64)
    t = np.arange(end)
    work = run > 0
    closed = ~work & (n > 0)
    c_idle, c_n = _csum(np.where(closed, idle, 0.0)), _csum(np.where(closed, n, 0.0))
    near_idle, near_n = _last(c_idle, t, STANDBY_DAYS), _last(c_n, t, STANDBY_DAYS)
    all_idle, all_n = c_idle[t + 1], c_n[t + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        standby = np.where(
            near_n > 0,
            near_idle / np.maximum(near_n, 1),
            np.where(all_n > 0, all_idle / np.maximum(all_n, 1), np.nan),
        )
    w_idle = _csum(np.where(work, idle, 0.0))
    w_n = _csum(np.where(work, n, 0.0))
    w_run = _csum(np.where(work, run, 0.0))
    w = IDLE_WINDOW_DAYS
    now = _idle_share(_last(w_idle, t, w), _last(w_n, t, w), _last(w_run, t, w), standby)
    (b_idle, span), (b_n, _), (b_run, _) = _history(w_idle, t), _history(w_n, t), _history(w_run, t)
    before = _idle_share(b_idle, b_n, b_run, standby)
    return now, np.where(span >= MIN_HISTORY_SPAN, before, np.nan)


def cloud_change(
    cloud_hours: FloatArray | None, running: FloatArray, start: int, end: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For days [start, end): the log ratio of the mean compute hours on working days (days
    ``running`` > 0) over the last ``CLOUD_WINDOW_DAYS`` to their mean over the year before the
    last ``GAP_DAYS``, and the two means. A firm with no cloud usage on record (None) gives 0
    (no evidence either way); a day without a record counts 0 hours."""
    n = max(0, end - start)
    if cloud_hours is None:
        return np.zeros(n), np.full(n, np.nan), np.full(n, np.nan)
    t = np.arange(end)
    work = np.asarray(running[:end]) > 0
    hours = np.nan_to_num(np.asarray(cloud_hours[:end], dtype=np.float64), nan=0.0)
    c_hours, c_days = _csum(np.where(work, hours, 0.0)), _csum(work.astype(np.float64))
    days_now = _last(c_days, t, CLOUD_WINDOW_DAYS)
    now = _last(c_hours, t, CLOUD_WINDOW_DAYS) / np.maximum(days_now, 1)
    sums, _ = _history(c_hours, t)
    days_before, _ = _history(c_days, t)
    before = sums / np.maximum(days_before, 1)
    ok = (days_now >= CLOUD_WINDOW_DAYS / 4) & (days_before >= MIN_CLOUD_HISTORY)
    ratio = np.log(np.maximum(now, 1e-9) / np.maximum(before, 1e-9))
    change: FloatArray = np.where(ok, ratio, np.nan)[start:end]
    return change, now[start:end], np.where(ok, before, np.nan)[start:end]
