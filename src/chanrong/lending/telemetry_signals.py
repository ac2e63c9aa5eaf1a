"""How each machine signal of a firm stands against its own seasonal baseline, day by day.

Pure: no framework. The windows, thresholds and score weights of the daily equipment
detector (``TelemetryConfig``) and the judging of one signal on each day
(``signal_days``): its weekday profile, its usual level and spread, last year's season —
as ``telemetry_detectors`` describes. Split from ``telemetry_detectors`` (which scores the
signals and raises the alert) when that module grew past 600 lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from chanrong.lending.telemetry_days import DailySeries, FloatArray, Signal

# Fitted by ``fit_score`` on seeds 101–105 (see TelemetryConfig): intercept, then
# SCORE_FEATURES.
SCORE_WEIGHTS = (44.0688, 0.3338, 0.2332, 0.1519, -53.592)
SCORE_HORIZON_DAYS = 180

# The features of the warning score, in the order of ``TelemetryConfig.score_weights``.
SCORE_FEATURES = (
    "running_hours_z",  # each signal's shortfall against the firm's own seasonal baseline,
    "utilisation_z",  # in units of its usual spread (positive: worse), clipped to [-5, 8]
    "energy_per_unit_z",
    "utilisation_level",  # the share of switched-on readings spent running, last 12 weeks
)


@dataclass(frozen=True, slots=True)
class TelemetryConfig:
    """Windows and thresholds; chosen on tuning parks (seeds 101–105), never the evaluated ones.

    The warning score is a logistic model: ``score_weights`` are its intercept and one
    weight per ``SCORE_FEATURES`` entry, fitted on the tuning parks by
    ``chanrong.demo.monitoring_fitting.fit_score`` (target: the firm defaults within
    ``SCORE_HORIZON_DAYS``, against healthy firms); the score is its log-odds. An alert needs
    the score at or past ``score_threshold`` and the signals' mean shortfall at least
    ``min_shortfall`` usual spreads on each of the last ``persistence_days`` days (so every
    alert is a firm off its own baseline, as its evidence says, and not merely a weak one;
    None: no such condition). ``level_days`` is the window of the utilisation level.
    ``threshold`` only draws the band around each signal's baseline in the evidence; an alert
    is of high severity once the score reaches ``high_score`` (log-odds 4.5: about 99 %).
    """

    window_days: int = 28
    gap_days: int = 56
    history_days: int = 182
    min_history_days: int = 84
    min_weekday_values: int = 6
    season_days: int = 28
    persistence_days: int = 21
    threshold: float = 2.25
    score_weights: tuple[float, ...] = SCORE_WEIGHTS
    score_threshold: float = 1.0
    min_shortfall: float | None = 1.0
    level_days: int = 84
    high_score: float = 4.5
    floors: Mapping[Signal, float] = field(
        default_factory=lambda: {
            Signal.RUNNING_HOURS: 0.06,
            Signal.UTILISATION: 0.02,
            Signal.ENERGY_PER_UNIT: 0.02,
        }
    )
    evidence_days: int = 90


@dataclass(frozen=True, slots=True)
class _Baseline:
    profile: FloatArray  # 7 weekday medians (NaN: weekday not judged)
    centre: float  # the history's typical 4-week level (as a ratio to the profile)
    spread: float  # its usual deviation, floored
    season: float  # last year's dip (or peak) at this time, relative to then; 1 when none


def row_medians(rows: FloatArray, min_count: int = 1) -> FloatArray:
    """The median of each row's non-NaN values (NaN for a row with fewer than ``min_count``).

    Sorting puts NaN last, so each row's median sits among its first k values; numpy's
    nanmedian does the same row by row, many times slower.
    """
    out = np.full(rows.shape[0], np.nan)
    counts = np.sum(~np.isnan(rows), axis=1)
    ok = counts >= max(1, min_count)
    if ok.any():
        ordered = np.sort(rows[ok], axis=1)
        k = counts[ok]
        at = np.arange(k.size)
        out[ok] = (ordered[at, (k - 1) // 2] + ordered[at, k // 2]) / 2
    return out


def rolling_median(values: FloatArray, width: int, min_count: int) -> FloatArray:
    """Median of each window of ``width`` ending at each index (NaN until enough values)."""
    out = np.full(values.size, np.nan)
    if values.size >= width:
        windows = np.lib.stride_tricks.sliding_window_view(values, width)
        out[width - 1 :] = row_medians(windows, min_count)
    return out


def _profile(x: FloatArray, weekday: npt.NDArray[np.int64], lo: int, hi: int, k: int) -> FloatArray:
    """Median of each weekday (Monday = 0) over days [lo, hi), NaN for one seen fewer than
    ``k`` times or not above zero."""
    seg = x[lo:hi]
    weeks = -(-seg.size // 7)
    grid = np.full(weeks * 7, np.nan)
    grid[: seg.size] = seg
    # Row r of the grid holds the days lo + r, lo + r + 7, …: all one weekday.
    by_row = row_medians(grid.reshape(weeks, 7).T, k)
    prof = np.full(7, np.nan)
    if seg.size:
        prof[(int(weekday[lo]) + np.arange(7)) % 7] = by_row
    return np.where(prof > 0, prof, np.nan)


def _baseline(
    x: FloatArray,
    weekday: npt.NDArray[np.int64],
    monday: int,
    signal: Signal,
    cfg: TelemetryConfig,
) -> _Baseline | None:
    """The firm's baseline for the week starting at index ``monday`` (history before it)."""
    w = cfg.window_days
    end = monday - cfg.gap_days
    start = max(0, end - cfg.history_days)
    if end - start < cfg.min_history_days:
        return None
    profile = _profile(x, weekday, start, end, cfg.min_weekday_values)
    ratios = x[start:end] / profile[weekday[start:end]]
    levels = rolling_median(ratios, w, w // 3)[::-1][::7]  # every 7 days back from the end
    levels = levels[~np.isnan(levels)]
    if levels.size < 4:
        return None
    centre = float(np.median(levels))
    if not np.isfinite(centre) or centre <= 0:
        return None
    mad = 1.4826 * float(np.median(np.abs(levels - centre)))
    spread = max(mad, cfg.floors[signal] * centre)
    return _Baseline(profile, centre, spread, _season(x, weekday, monday, signal, cfg))


def _season(
    x: FloatArray,
    weekday: npt.NDArray[np.int64],
    monday: int,
    signal: Signal,
    cfg: TelemetryConfig,
) -> float:
    """How far the firm's level went this time last year (deepest dip, or highest peak of a
    bad-when-high figure, within ``season_days`` either side), relative to that half-year."""
    w, sw = cfg.window_days, cfg.season_days
    then = monday - 364  # same weekday a year before
    lo, hi = max(0, then - 91), min(x.size, then + 91)
    if then - sw - w < 0 or then + sw + 7 > x.size or hi - lo < 90:
        return 1.0
    profile = _profile(x, weekday, lo, hi, cfg.min_weekday_values)
    levels = rolling_median(x[lo:hi] / profile[weekday[lo:hi]], w, w // 3)
    near = levels[then - sw - lo : then + sw + 7 - lo]
    near = near[~np.isnan(near)]
    typical = levels[~np.isnan(levels)]
    if near.size < sw or typical.size == 0:
        return 1.0
    mid = float(np.median(typical))
    if mid <= 0:
        return 1.0
    extreme = float(near.min() if signal.low_is_bad else near.max())
    return extreme / mid


@dataclass(frozen=True, slots=True)
class SignalDays:
    """One signal's judgement on days ``start`` … ``start + len - 1`` (NaN: not judged)."""

    start: int
    z: FloatArray  # shortfall in units of the firm's usual spread (positive: worse)
    shortfall: FloatArray  # relative to the expected level (0.2: 20 % worse)
    expected: FloatArray  # expected value that day (weekday profile × level × season)
    low: FloatArray  # band: the expected value ∓ threshold × spread
    high: FloatArray


def signal_days(
    series: DailySeries, signal: Signal, start: int, end: int, cfg: TelemetryConfig
) -> SignalDays:
    """Judge ``signal`` on each day with index in [start, end) (point in time)."""
    x = series.values[signal]
    weekday = (np.arange(x.size) + series.first.weekday()) % 7
    n = max(0, end - start)
    z, short, expected, low, high = (np.full(n, np.nan) for _ in range(5))
    w = cfg.window_days
    monday = start - int(weekday[start]) if n else start
    while monday < end:
        base = _baseline(x, weekday, monday, signal, cfg)
        lo, hi = max(monday, start), min(monday + 7, end)
        if base is not None and lo < hi:
            first = max(0, lo - w + 1)
            ratios = x[first:hi] / base.profile[weekday[first:hi]]
            level = rolling_median(ratios, w, w // 3)[lo - first :]
            if signal.low_is_bad:
                expect = base.centre * min(1.0, base.season)
                # Worse than the usual level and than last year's season, whichever is less.
                gap = np.minimum(base.centre - level, expect - level)
            else:
                expect = base.centre * max(1.0, base.season)
                gap = np.minimum(level - base.centre, level - expect)
            prof = base.profile[weekday[lo:hi]]
            at = slice(lo - start, hi - start)
            z[at] = gap / base.spread
            short[at] = gap / base.centre
            expected[at] = prof * expect
            low[at] = prof * (expect - cfg.threshold * base.spread)
            high[at] = prof * (expect + cfg.threshold * base.spread)
        monday += 7
    return SignalDays(start, z, short, expected, low, high)


def combined_z(judged: Mapping[Signal, SignalDays]) -> FloatArray:
    """The mean standardised shortfall of the signals judged each day (NaN: none judged).

    Each z is clipped to [-5, 8] so one wild signal cannot carry or veto the others.
    """
    parts = [np.clip(s.z, -5.0, 8.0) for s in judged.values()]
    if not parts:
        return np.array([])
    stack = np.vstack(parts)
    counts = np.sum(~np.isnan(stack), axis=0)
    sums = np.nansum(stack, axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def held_days(zc: FloatArray, threshold: float) -> npt.NDArray[np.int64]:
    """For each day, how many days in a row up to it the figure has been past threshold."""
    run = np.zeros(zc.size, dtype=np.int64)
    count = 0
    for i, v in enumerate(zc):
        count = count + 1 if v >= threshold else 0  # NaN compares False: the run breaks
        run[i] = count
    return run
