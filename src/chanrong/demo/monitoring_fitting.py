"""Fitting the early warnings' scores on the tuning parks' truth (seeds 101–105 only).

``fit_score`` fits the machines' score (``telemetry_detectors.SCORE_WEIGHTS``) and
``fit_warning`` the daily warning's (``daily_warning.WARNING_WEIGHTS``): each a ridge-penalised
logistic regression of a defaulter's last ``SCORE_HORIZON_DAYS`` before its default against
healthy firms' days. Split from ``monitoring_evaluation`` (which replays and scores the
detectors) when that module grew past 600 lines.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from chanrong.core.errors import ValidationFailed
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


def fit_warning(
    parks: Sequence[ParkData],
    *,
    config: WarningConfig | None = None,
    warmup_months: int = 8,
    ridge: float = 1e-3,
) -> tuple[float, ...]:
    """Fit the daily warning's weights (intercept, then one per ``WARNING_FEATURES``) by
    logistic regression on tuning parks' truth: a defaulter's last ``SCORE_HORIZON_DAYS``
    before its default against healthy firms' days (every third). Tuning seeds only."""
    cfg = config or WarningConfig()
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    for park in parks:
        business = park_business(park)
        truth = park.tables.truth.to_pandas().set_index("uscc")
        watch_from = add_months(park.start, warmup_months)
        for uscc, daily in park.telemetry.items():
            row = truth.loc[uscc]
            defaulted = bool(row["defaulted"]) and not pd.isna(row["default_date"])
            if not defaulted and bool(row["deteriorating"]):
                continue
            a, b = max(0, daily.index(watch_from)), daily.days
            if defaulted:
                b = min(b, daily.index(pd.Timestamp(row["default_date"]).date()) + 1)
                a = max(a, b - SCORE_HORIZON_DAYS)
            if b <= a:
                continue
            x = judge(daily, business_of(business, uscc, daily), a, b, cfg).features
            x = x if defaulted else x[::3]
            x = x[~np.isnan(x).any(axis=1)]
            xs.append(x)
            ys.append(np.full(x.shape[0], 1.0 if defaulted else 0.0))
    if not xs:
        raise ValidationFailed("seeds: no firm could be scored", field="seeds")
    intercept, raw = _logistic(np.vstack(xs), np.concatenate(ys), ridge)
    assert len(raw) == len(WARNING_FEATURES)
    return (round(intercept, 4), *(round(float(v), 4) for v in raw))
