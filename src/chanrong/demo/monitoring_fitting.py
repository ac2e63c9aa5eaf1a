"""Fitting the early warnings' scores on the tuning parks' truth (seeds 101–105 only).

``fit_score`` fits the machines' score (``telemetry_detectors.SCORE_WEIGHTS``) and
``fit_warning`` the daily warning's (``daily_warning.WARNING_WEIGHTS``): each a ridge-penalised
logistic regression of a defaulter's last days before its default (``SCORE_HORIZON_DAYS``;
for the daily warning a chosen horizon) against healthy firms' days. ``watched_days`` judges
each watched firm once, so that ``choose_rule`` can replay a grid of alert rules on the
scores in seconds, scored as the evaluation scores them (``benchmarks/fit_warning.py``).
Split from ``monitoring_evaluation`` (which replays and scores the detectors) when that
module grew past 600 lines."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from chanrong.core.errors import ValidationFailed
from chanrong.demo.lending_evaluation import borrower_series, month_end
from chanrong.demo.monitoring_evaluation import (
    Detectors,
    FirmAlerts,
    SeedResult,
    default_date_of,
    score,
    summarise,
)
from chanrong.demo.monitoring_parks import (
    FloatArray,
    ParkData,
    business_of,
    park_business,
)
from chanrong.lending.daily_warning import WARNING_FEATURES, WarningConfig, judge
from chanrong.lending.schedule import add_months
from chanrong.lending.telemetry_detectors import (
    SCORE_FEATURES,
    SCORE_HORIZON_DAYS,
    Signal,
    TelemetryConfig,
    score_features,
    signal_days,
)


def _labelled_days(
    park: ParkData, cfg: TelemetryConfig, warmup_months: int
) -> Iterator[tuple[FloatArray, FloatArray]]:
    """Each firm's score features on its watched days, with the label: 1 on a defaulter's
    days within ``SCORE_HORIZON_DAYS`` of its default, 0 on a healthy firm's (every third
    day, consecutive days being nearly the same); other days are left out."""
    truth = park.tables.truth.to_pandas().set_index("uscc")
    watch_from = add_months(park.start, warmup_months)
    for uscc, daily in park.telemetry.items():
        row = truth.loc[uscc]
        defaulted = bool(row["defaulted"]) and not pd.isna(row["default_date"])
        if not defaulted and bool(row["deteriorating"]):
            continue
        a = max(0, daily.index(watch_from))
        b = daily.days
        if defaulted:
            default_date = pd.Timestamp(row["default_date"]).date()
            b = min(b, daily.index(default_date) + 1)
            a = max(a, b - SCORE_HORIZON_DAYS)
        if b <= a:
            continue
        judged = {s: signal_days(daily, s, a, b, cfg) for s in Signal}
        x = score_features(daily, judged, cfg)
        if not defaulted:
            x = x[::3]
        x = x[~np.isnan(x).any(axis=1)]
        yield x, np.full(x.shape[0], 1.0 if defaulted else 0.0)


def fit_score(
    parks: Sequence[ParkData],
    *,
    config: TelemetryConfig | None = None,
    warmup_months: int = 8,
    ridge: float = 1e-3,
) -> tuple[float, ...]:
    """Fit the telemetry warning score (intercept, then one weight per ``SCORE_FEATURES``) by
    logistic regression on tuning parks' truth: a defaulter's last ``SCORE_HORIZON_DAYS``
    before its default against healthy firms' days. Run only on the tuning seeds."""
    cfg = config or TelemetryConfig()
    parts = [p for park in parks for p in _labelled_days(park, cfg, warmup_months)]
    if not parts:
        raise ValidationFailed("seeds: no firm could be scored", field="seeds")
    intercept, raw = _logistic(
        np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), ridge
    )
    assert len(raw) == len(SCORE_FEATURES)
    return (round(intercept, 4), *(round(float(v), 4) for v in raw))


def _logistic(x: FloatArray, y: FloatArray, ridge: float) -> tuple[float, FloatArray]:
    """Intercept and weights (in raw units) of a ridge-penalised logistic regression."""
    # Standardise so the ridge treats every feature alike, then map back to raw units.
    mu, sd = x.mean(axis=0), x.std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    a = np.column_stack([np.ones(len(y)), (x - mu) / sd])
    w = np.zeros(a.shape[1])
    penalty = ridge * np.eye(a.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(50):  # Newton steps; the log-likelihood is concave
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) / len(y) + penalty @ w
        hess = (a * (p * (1 - p))[:, None]).T @ a / len(y) + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-9:
            break
    raw: FloatArray = w[1:] / sd
    return float(w[0] - raw @ mu), raw


@dataclass(frozen=True, slots=True)
class WatchedDays:
    """One watched firm's daily warning inputs (``judge``'s features, point in time) from
    ``lookback`` days before its watch began to its default or the park's end."""

    uscc: str
    features: FloatArray  # (days, len(WARNING_FEATURES)); NaN rows: not judged
    first: date  # the day of row 0
    watch_from: int  # row of the watch's first day
    default_row: int | None  # row of the default date; None: it did not default
    deteriorating: bool


def watched_days(
    park: ParkData,
    *,
    watched: Collection[str] | None = None,
    warmup_months: int = 8,
    config: WarningConfig | None = None,
    lookback: int = 60,
) -> Iterator[WatchedDays]:
    """Every watched firm's daily warning inputs (all firms, or those in ``watched``: the
    loans), as ``evaluate_park`` watches them: firms that defaulted before the watch began
    are left out. ``lookback`` days before the watch are kept so that an alert rule needing
    several days in a row can fire on the watch's first day, as the live job's can."""
    cfg = config or WarningConfig()
    business = park_business(park)
    truth = park.tables.truth.to_pandas().set_index("uscc")
    watch_from = add_months(park.start, warmup_months)
    months = sorted({p.period for s in borrower_series(park.tables).values() for p in s.output})
    last_day = month_end(months[-1]) if months else watch_from
    for uscc, daily in park.telemetry.items():
        if watched is not None and uscc not in watched:
            continue
        row = truth.loc[uscc]
        default_date = default_date_of(row)
        if default_date is not None and default_date < watch_from:
            continue
        w = daily.index(watch_from)
        a = max(0, w - lookback)
        end = min(default_date, last_day) if default_date else last_day
        b = min(daily.days, daily.index(end) + 1)
        if b <= max(a, w):
            continue
        x = judge(daily, business_of(business, uscc, daily), a, b, cfg).features
        yield WatchedDays(
            uscc,
            x,
            daily.day(a),
            w - a,
            None if default_date is None else daily.index(default_date) - a,
            bool(row["deteriorating"]),
        )


def fit_warning(
    parks: Sequence[Sequence[WatchedDays]],
    *,
    horizon_days: int = SCORE_HORIZON_DAYS,
    ridge: float = 1e-3,
) -> tuple[float, ...]:
    """Fit the daily warning's weights (intercept, then one per ``WARNING_FEATURES``) by
    logistic regression on tuning parks' truth: a defaulter's last ``horizon_days`` up to its
    default against healthy firms' watched days (every third: consecutive days are nearly
    the same). Deteriorating firms that did not default are left out. Tuning seeds only."""
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    for firms in parks:
        for f in firms:
            if f.default_row is None and f.deteriorating:
                continue
            if f.default_row is not None:
                d = f.default_row
                x = f.features[max(f.watch_from, d + 1 - horizon_days) : d + 1]
            else:
                x = f.features[f.watch_from :: 3]
            x = x[~np.isnan(x).any(axis=1)]
            xs.append(x)
            ys.append(np.full(x.shape[0], 0.0 if f.default_row is None else 1.0))
    y = np.concatenate(ys) if ys else np.zeros(0)
    if not 0 < y.sum() < y.size:
        raise ValidationFailed(
            "seeds: a fit needs both a defaulter's days and a healthy firm's days", field="seeds"
        )
    intercept, raw = _logistic(np.vstack(xs), y, ridge)
    assert len(raw) == len(WARNING_FEATURES)
    return (round(intercept, 4), *(round(float(v), 4) for v in raw))


# The rules ``choose_rule`` tries: days in a row, and thresholds 1.0, 1.1, … 3.0 (log-odds).
GRID_DAYS = (3, 5, 7, 10, 14, 21, 28)
GRID_THRESHOLDS = tuple(round(1.0 + 0.1 * k, 1) for k in range(21))
# The worst tuning park's false alarms a rule may have: two points under the goal's 10 %, as
# held-out parks run worse.
MAX_TUNING_FALSE_ALARMS = 0.08


@dataclass(frozen=True, slots=True)
class RuleFigures:
    """An alert rule (``persistence_days`` in a row at or past ``threshold``) on the tuning
    parks: the median lead and false-alarm rate, mean and worst over the parks."""

    persistence_days: int
    threshold: float
    mean_lead: float
    worst_lead: float
    mean_false_alarms: float
    worst_false_alarms: float

    @property
    def preference(self) -> tuple[float, float]:
        """Larger is better: the longer mean lead, then the fewer false alarms."""
        return (self.mean_lead, -self.mean_false_alarms)


def _first_alert(
    f: WatchedDays, score: FloatArray, persistence: int, threshold: float
) -> date | None:
    """The first watched day whose last ``persistence`` days were all at or past
    ``threshold`` (``held_days``' rule, vectorised: the grid replays it thousands of times)."""
    past = np.concatenate([[0], np.cumsum(np.nan_to_num(score, nan=-np.inf) >= threshold)])
    i = np.arange(max(f.watch_from, persistence - 1), score.size)
    rows = i[past[i + 1] - past[i + 1 - persistence] >= persistence]
    return f.first + timedelta(days=int(rows[0])) if rows.size else None


def rule_figures(
    parks: Sequence[Sequence[WatchedDays]],
    weights: Sequence[float],
    persistence: int,
    threshold: float,
) -> RuleFigures:
    """One rule replayed on every watched firm with ``weights``, scored as the evaluation
    scores the daily warning (``monitoring_evaluation.score``: misses count 0)."""
    w = np.asarray(weights, dtype=np.float64)
    results = []
    for n, firms in enumerate(parks):
        alerts = [
            FirmAlerts(
                uscc=f.uscc,
                defaulted=f.default_row is not None,
                deteriorating=f.deteriorating,
                default_date=(
                    None if f.default_row is None else f.first + timedelta(days=f.default_row)
                ),
                monthly=None,
                telemetry=None,
                daily=_first_alert(f, w[0] + f.features @ w[1:], persistence, threshold),
            )
            for f in firms
        ]
        results.append(SeedResult(str(n), {Detectors.DAILY: score(alerts, Detectors.DAILY)}))
    s = summarise(results, Detectors.DAILY)
    return RuleFigures(
        persistence,
        threshold,
        s.mean_lead,
        s.worst_lead,
        s.mean_false_alarms,
        s.worst_false_alarms,
    )


def admissible(
    rows: Sequence[RuleFigures], max_false_alarms: float = MAX_TUNING_FALSE_ALARMS
) -> list[RuleFigures]:
    """The rules whose worst tuning park alerts at most ``max_false_alarms`` of its healthy
    firms, most preferred (``preference``) first."""
    ok = (r for r in rows if r.worst_false_alarms <= max_false_alarms)
    return sorted(ok, key=lambda r: r.preference, reverse=True)


def choose_rule(
    parks: Sequence[Sequence[WatchedDays]],
    weights: Sequence[float],
    *,
    persistence: Sequence[int] = GRID_DAYS,
    thresholds: Sequence[float] = GRID_THRESHOLDS,
    max_false_alarms: float = MAX_TUNING_FALSE_ALARMS,
) -> tuple[RuleFigures | None, list[RuleFigures]]:
    """The alert rule for ``weights``: the most preferred of the grid's ``admissible`` rules;
    also every rule's figures. None when no rule is admissible."""
    rows = [rule_figures(parks, weights, p, t) for p in persistence for t in thresholds]
    ok = admissible(rows, max_false_alarms)
    return (ok[0] if ok else None), rows
