"""Post-loan early warning on device telemetry at daily resolution. Pure: no framework.

Monthly bills say how a borrower did last month, a month late. Its machines say it every day:
how many hours the production machines ran (运行时长), how much of the time they were
switched on they spent running rather than idling or in fault (利用率), and how much
electricity each unit of output took (单位产出能耗). A firm in trouble runs fewer hours,
leaves machines idling, breaks down more, and its base load is spread over less output.

Each signal is judged against the firm's own past, never against other firms:

* **weekday profile** — the median of each weekday over the history (half a year, ending
  ``gap_days`` before the week judged, so a slow decline cannot hide inside its own
  baseline); a day is read as its ratio to its weekday's profile;
* **level** — the median ratio over the last ``window_days``; the history's own 4-week
  levels give the centre and, by their median absolute deviation, the firm's usual spread
  (never below a floor per signal, since half a year holds few independent months);
* **season** — the same weeks a year before: if the firm then dipped as deep (the Spring
  Festival, a yearly slack), that dip is expected now and is not a warning;
* **closed days** — a day on which no production machine ran (weekends, holidays, the
  festival shutdown) is not judged at all: it says when the firm works, not how well.

The three standardised shortfalls, with the firm's utilisation over the last twelve weeks
(the share of switched-on time its machines ran: an ailing firm leaves them idling, whatever
its size or shifts; twelve weeks, because a slow decline shows in a long level sooner than
in a noisy four-week one), go into a warning score: a logistic model fitted on simulated
tuning parks (seeds 101–105) to tell a firm's last six months before default from healthy
firms' days, read as log-odds. An alert needs the score past ``score_threshold`` and the
shortfalls at least ``min_shortfall`` usual spreads on average on every one of the last
``persistence_days`` days (three weeks), so a bad day or a short slump does not raise one,
and a firm that is merely weak but steady is not "off its baseline". Threshold, persistence
and shortfall floor are the longest mean lead on the tuning seeds with their false alarms
under 8 % (not 10 %: the tuning seeds flatter a choice made on them; a first choice under
10 % had up to 6 points more out of sample). Baselines are rebuilt each Monday from the
history up to then, which is also how the evaluation replays a park day by day without
looking ahead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from chanrong.core.i18n import register
from chanrong.lending.monitoring import AlertKind, Detection, Severity
from chanrong.lending.telemetry_days import (
    DEVICE_KINDS as DEVICE_KINDS,
)
from chanrong.lending.telemetry_days import (
    ELECTRICITY_METER as ELECTRICITY_METER,
)
from chanrong.lending.telemetry_days import (
    MAX_RUN_HOURS_PER_DAY as MAX_RUN_HOURS_PER_DAY,
)
from chanrong.lending.telemetry_days import (
    METRICS as METRICS,
)
from chanrong.lending.telemetry_days import (
    PRODUCTION_KINDS as PRODUCTION_KINDS,
)
from chanrong.lending.telemetry_days import (
    DailySeries as DailySeries,
)
from chanrong.lending.telemetry_days import (
    DeviceDays as DeviceDays,
)
from chanrong.lending.telemetry_days import (
    FloatArray as FloatArray,
)
from chanrong.lending.telemetry_days import (
    Signal as Signal,
)
from chanrong.lending.telemetry_days import (
    firm_series as firm_series,
)

register(
    {
        "lending.alert.equipment_slowdown": {
            "zh-CN": (
                "设备运行连续 {days} 天偏离自身季节基线: 运行时长 {running_hours}, "
                "利用率 {utilisation}, 单位产出能耗 {energy_per_unit}; "
                "近 {weeks} 周运行时间占开机时间 {level}"
            ),
            "en": (
                "Machines off their own seasonal baseline for {days} days: running hours "
                "{running_hours}, utilisation {utilisation}, energy per unit {energy_per_unit}; "
                "running {level} of their switched-on time over {weeks} weeks"
            ),
        },
        "lending.signal.running_hours": {"zh-CN": "运行时长", "en": "Running hours"},
        "lending.signal.utilisation": {"zh-CN": "利用率", "en": "Utilisation"},
        "lending.signal.energy_per_unit": {"zh-CN": "单位产出能耗", "en": "Energy per unit"},
    }
)

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
    ``chanrong.demo.monitoring_evaluation.fit_score`` (target: the firm defaults within
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


def _row_medians(rows: FloatArray, min_count: int = 1) -> FloatArray:
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


def _rolling_median(values: FloatArray, width: int, min_count: int) -> FloatArray:
    """Median of each window of ``width`` ending at each index (NaN until enough values)."""
    out = np.full(values.size, np.nan)
    if values.size >= width:
        windows = np.lib.stride_tricks.sliding_window_view(values, width)
        out[width - 1 :] = _row_medians(windows, min_count)
    return out


def _profile(x: FloatArray, weekday: npt.NDArray[np.int64], lo: int, hi: int, k: int) -> FloatArray:
    """Median of each weekday (Monday = 0) over days [lo, hi), NaN for one seen fewer than
    ``k`` times or not above zero."""
    seg = x[lo:hi]
    weeks = -(-seg.size // 7)
    grid = np.full(weeks * 7, np.nan)
    grid[: seg.size] = seg
    # Row r of the grid holds the days lo + r, lo + r + 7, …: all one weekday.
    by_row = _row_medians(grid.reshape(weeks, 7).T, k)
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
    levels = _rolling_median(ratios, w, w // 3)[::-1][::7]  # every 7 days back from the end
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
    levels = _rolling_median(x[lo:hi] / profile[weekday[lo:hi]], w, w // 3)
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
            level = _rolling_median(ratios, w, w // 3)[lo - first :]
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


def _held(zc: FloatArray, threshold: float) -> npt.NDArray[np.int64]:
    """For each day, how many days in a row up to it the figure has been past threshold."""
    run = np.zeros(zc.size, dtype=np.int64)
    count = 0
    for i, v in enumerate(zc):
        count = count + 1 if v >= threshold else 0  # NaN compares False: the run breaks
        run[i] = count
    return run


def score_features(
    series: DailySeries, judged: Mapping[Signal, SignalDays], cfg: TelemetryConfig
) -> FloatArray:
    """The warning score's inputs (rows: the judged days; columns: ``SCORE_FEATURES``).

    A signal not judged that day contributes a shortfall of 0 (no evidence either way); a
    day without a utilisation level or baseline, or with no signal judged, is all NaN.
    """
    start = next(iter(judged.values())).start
    n = next(iter(judged.values())).z.size
    level = utilisation_level(series, start, start + n, cfg)
    zs = np.vstack([np.clip(judged[s].z, -5.0, 8.0) for s in Signal])
    none = np.all(np.isnan(zs), axis=0)
    out = np.column_stack([*np.nan_to_num(zs, nan=0.0), level])
    out[none | np.isnan(level)] = np.nan
    return out


def utilisation_level(
    series: DailySeries, start: int, end: int, cfg: TelemetryConfig
) -> FloatArray:
    """The median share of switched-on time the machines ran over the ``level_days`` up to
    each day in [start, end) (NaN with fewer than a third of those days judged)."""
    util = series.values[Signal.UTILISATION]
    w = cfg.level_days
    lo = max(0, start - w + 1)
    # Near the series' start the window reaches before its first day: pad so it lines up.
    padded = np.concatenate([np.full(w - 1 - (start - lo), np.nan), util[lo:end]])
    out: FloatArray = _rolling_median(padded, w, w // 3)[w - 1 :]
    return out


def risk_score(features: FloatArray, cfg: TelemetryConfig) -> FloatArray:
    """The log-odds that the firm is on its way to default (NaN: not judged that day)."""
    weights = np.asarray(cfg.score_weights, dtype=np.float64)
    if weights.size != len(SCORE_FEATURES) + 1:
        raise ValueError(f"score_weights: need {len(SCORE_FEATURES) + 1} numbers")
    if features.size == 0:
        return np.full(features.shape[0], np.nan)
    out: FloatArray = weights[0] + features @ weights[1:]
    return out


def _judge(
    series: DailySeries, a: int, b: int, cfg: TelemetryConfig
) -> tuple[dict[Signal, SignalDays], FloatArray, FloatArray]:
    """Judge days [a, b): each signal, the warning score, and the score where the signals'
    mean shortfall is too small to count (NaN there, so a run of alert days breaks)."""
    judged = {s: signal_days(series, s, a, b, cfg) for s in Signal}
    score = risk_score(score_features(series, judged, cfg), cfg)
    if cfg.min_shortfall is None:
        return judged, score, score
    counted = np.where(combined_z(judged) >= cfg.min_shortfall, score, np.nan)
    return judged, score, counted


def first_alert(
    series: DailySeries,
    *,
    start: date,
    end: date,
    config: TelemetryConfig | None = None,
    severity: Severity = Severity.MEDIUM,
) -> date | None:
    """The first day in [start, end] on which ``detect_slowdown`` would raise an alert of at
    least ``severity`` (a replay of the daily runs, computed in one pass)."""
    cfg = config or TelemetryConfig()
    a = max(0, series.index(start) - cfg.persistence_days + 1)
    b = min(series.days, series.index(end) + 1)
    if b <= a:
        return None
    _, score, counted = _judge(series, a, b, cfg)
    hit = _held(counted, cfg.score_threshold) >= cfg.persistence_days
    if severity is Severity.HIGH:
        hit &= score >= cfg.high_score
    first = max(0, series.index(start) - a)
    hits = np.nonzero(hit[first:])[0]
    return series.day(a + first + int(hits[0])) if hits.size else None


def _pct(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:+.0%}"


def _num(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None


def detect_slowdown(
    series: DailySeries,
    *,
    as_of: date,
    config: TelemetryConfig | None = None,
    reads: Sequence[Mapping[str, Any]] = (),
) -> Detection | None:
    """Alert when the warning score has stayed past its threshold, with the machines not
    better than their own seasonal baseline, on each of the last ``persistence_days`` days up
    to ``as_of``; the evidence is chart-ready (each signal against its baseline, the score
    and the utilisation level day by day).

    ``reads`` (dataset, log index and leaf hash of each governed read) travel in the
    evidence, so whoever opens the alert can prove where its data came from.
    """
    cfg = config or TelemetryConfig()
    end = series.index(as_of) + 1
    if end <= 0 or end > series.days:
        return None
    start = max(0, end - max(cfg.evidence_days, cfg.persistence_days))
    judged, score, counted = _judge(series, start, end, cfg)
    zc = combined_z(judged)
    run = _held(counted, cfg.score_threshold)
    if run.size == 0 or run[-1] < cfg.persistence_days:
        return None
    held = int(run[-1])
    days = np.arange(start, end)
    window = slice(len(days) - cfg.persistence_days, len(days))
    recent = {s: float(_row_medians(j.shortfall[window][None, :])[0]) for s, j in judged.items()}
    # Shown as the change of the figure: running hours −20 %, energy per unit +9 %.
    change = {s: -v if s.low_is_bad else v for s, v in recent.items()}
    severity = Severity.HIGH if float(score[-1]) >= cfg.high_score else Severity.MEDIUM
    levels = utilisation_level(series, start, end, cfg)
    level = float(levels[-1])
    triggered = [series.day(int(d)).isoformat() for d in days[len(days) - held :]]
    signals = []
    for s, j in judged.items():
        x = series.values[s][start:end]
        signals.append(
            {
                "signal": s.value,
                "unit": s.unit,
                "dataset": s.dataset,
                "change": _num(change[s]),
                "series": [
                    {
                        "day": series.day(int(d)).isoformat(),
                        "value": _num(x[i]),
                        "baseline": _num(j.expected[i]),
                        "low": _num(j.low[i]),
                        "high": _num(j.high[i]),
                        "z": _num(j.z[i]),
                    }
                    for i, d in enumerate(days)
                ],
            }
        )
    return Detection(
        AlertKind.EQUIPMENT_SLOWDOWN,
        severity,
        {
            "days": str(held),
            "running_hours": _pct(change[Signal.RUNNING_HOURS]),
            "utilisation": _pct(change[Signal.UTILISATION]),
            "energy_per_unit": _pct(change[Signal.ENERGY_PER_UNIT]),
            "level": "—" if not np.isfinite(level) else f"{level:.0%}",
            "weeks": str(cfg.level_days // 7),
        },
        {
            "type": "daily",
            "as_of": as_of.isoformat(),
            "window_days": cfg.window_days,
            "threshold": cfg.score_threshold,
            "score": _num(score[-1]),
            "z": _num(zc[-1]),
            "min_shortfall": cfg.min_shortfall,
            # The score's inputs on the day: the shortfalls are in ``signals``; the running
            # share of switched-on time over ``level_days`` is the firm's own, not a peer's.
            "utilisation_level": _num(level),
            "level_days": cfg.level_days,
            "triggered": triggered,
            "combined": [
                {
                    "day": series.day(int(d)).isoformat(),
                    "z": _num(zc[i]),
                    "score": _num(score[i]),
                    "level": _num(levels[i]),
                }
                for i, d in enumerate(days)
            ],
            "signals": signals,
            "reads": [dict(r) for r in reads],
        },
    )
