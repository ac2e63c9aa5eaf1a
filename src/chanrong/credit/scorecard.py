"""The champion: an optimal-binning scorecard with monotonic trends, points and a calibrated PD.

Training uses optbinning (optimal binning, WoE, logistic regression, points scaling). What is
kept is a plain table — per characteristic its bins and points — that scores rows with numpy
alone, so the stored model is data (JSON), not code.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from pandas import DataFrame
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold

from chanrong.credit.calibration import PlattCalibration, fit_platt
from chanrong.credit.metrics import auc

# Points scaling: 600 points at odds 50:1 good:bad, 20 points to double the odds.
PDO, ODDS, BASE_POINTS = 20.0, 50.0, 600.0
# A characteristic may bend once (peak or valley) only when that adds this much information value.
UNIMODAL_IV_GAIN = 1.1


@dataclass(frozen=True)
class Characteristic:
    """One scored variable: its bins and the points each bin earns (higher = safer)."""

    name: str
    kind: str  # "numerical" | "categorical"
    splits: tuple[float, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()
    labels: tuple[str, ...] = ()
    points: tuple[float, ...] = ()
    woe: tuple[float, ...] = ()
    missing_points: float = 0.0
    trend: str = ""

    @property
    def best_points(self) -> float:
        return max((*self.points, self.missing_points))

    def bin_of(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """Bin index per value; ``len(points)`` means missing (or an unseen category)."""
        n = len(self.points)
        if self.kind == "numerical":
            if isinstance(values, np.ndarray) and values.dtype.kind == "f":
                x = values  # already numbers: skip pandas, which dominates one-row scoring
            else:
                x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            idx = np.searchsorted(np.asarray(self.splits, dtype=float), x, side="right")
            return np.where(np.isnan(x), n, idx)
        lookup = {c: i for i, cats in enumerate(self.categories) for c in cats}
        return np.array(
            [lookup.get(str(v), n) if not _is_missing(v) else n for v in values], dtype=np.int64
        )

    def points_of(self, values: pd.Series) -> np.ndarray:
        table = np.asarray((*self.points, self.missing_points), dtype=float)
        return np.asarray(table[self.bin_of(values)], dtype=float)

    def label_of(self, index: int) -> str:
        return self.labels[index] if index < len(self.labels) else "Missing"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "splits": list(self.splits),
            "categories": [list(c) for c in self.categories],
            "labels": list(self.labels),
            "points": list(self.points),
            "woe": list(self.woe),
            "missing_points": self.missing_points,
            "trend": self.trend,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Characteristic:
        return cls(
            name=str(d["name"]),
            kind=str(d["kind"]),
            splits=tuple(float(s) for s in d["splits"]),
            categories=tuple(tuple(str(c) for c in cats) for cats in d["categories"]),
            labels=tuple(str(x) for x in d["labels"]),
            points=tuple(float(p) for p in d["points"]),
            woe=tuple(float(w) for w in d["woe"]),
            missing_points=float(d["missing_points"]),
            trend=str(d.get("trend", "")),
        )


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


# Rows to score: a frame, or columns of equal length by name (a decision scores one row, and
# building a DataFrame for it costs more than the scoring).
Columns: TypeAlias = DataFrame | Mapping[str, np.ndarray]


def one_row(features: Mapping[str, Any], names: Sequence[str]) -> dict[str, np.ndarray]:
    """One row of features as scoring columns; None becomes missing."""
    out: dict[str, np.ndarray] = {}
    for n in names:
        v = features.get(n)
        if v is None or isinstance(v, int | float):
            out[n] = np.array([np.nan if v is None else v], dtype=float)
        else:
            out[n] = np.array([v], dtype=object)
    return out


@dataclass(frozen=True)
class PointsBreakdown:
    """Per row: the total score and what each characteristic contributed."""

    score: np.ndarray
    points: dict[str, np.ndarray]
    bins: dict[str, np.ndarray]


@dataclass(frozen=True)
class ScorecardTable:
    """A fitted scorecard as data: characteristics, intercept points and PD calibration."""

    characteristics: tuple[Characteristic, ...]
    intercept: float
    calibration: PlattCalibration
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [c.name for c in self.characteristics]

    def breakdown(self, x: Columns) -> PointsBreakdown:
        """Score rows and keep each characteristic's points and bin (for reasons)."""
        missing = [c.name for c in self.characteristics if c.name not in x]
        if missing:
            raise KeyError(f"missing characteristics: {', '.join(missing)}")
        rows = len(x) if isinstance(x, DataFrame) else len(x[self.characteristics[0].name])
        score = np.full(rows, self.intercept, dtype=float)
        points: dict[str, np.ndarray] = {}
        bins: dict[str, np.ndarray] = {}
        for ch in self.characteristics:
            b = ch.bin_of(x[ch.name])
            p = np.asarray((*ch.points, ch.missing_points), dtype=float)[b]
            points[ch.name], bins[ch.name] = p, b
            score += p
        return PointsBreakdown(score=score, points=points, bins=bins)

    def score(self, x: DataFrame) -> np.ndarray:
        """Scorecard points per row (higher = safer)."""
        return self.breakdown(x).score

    def pd(self, x: DataFrame) -> np.ndarray:
        """Calibrated probability of default per row."""
        return self.calibration.pd(self.score(x))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "scorecard",
            "intercept": self.intercept,
            "calibration": self.calibration.to_json(),
            "characteristics": [c.to_json() for c in self.characteristics],
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ScorecardTable:
        if d.get("kind") != "scorecard":
            raise ValueError("not a scorecard table")
        return cls(
            characteristics=tuple(Characteristic.from_json(c) for c in d["characteristics"]),
            intercept=float(d["intercept"]),
            calibration=PlattCalibration.from_json(d["calibration"]),
            meta=dict(d.get("meta", {})),
        )


def _categorical_columns(x: pd.DataFrame) -> list[str]:
    return [str(c) for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]


def _binning_process(x: pd.DataFrame, trends: Mapping[str, str]) -> Any:
    from optbinning import BinningProcess

    cats = _categorical_columns(x)
    return BinningProcess(
        [str(c) for c in x.columns],
        categorical_variables=cats,
        binning_fit_params={n: {"monotonic_trend": t} for n, t in trends.items()},
    )


def _optbinning_scorecard(
    x: pd.DataFrame, y: np.ndarray, trends: Mapping[str, str], seed: int
) -> Any:
    from optbinning import Scorecard

    est = _estimator(seed)
    sc = Scorecard(
        binning_process=_binning_process(x, trends),
        estimator=est,
        scaling_method="pdo_odds",
        scaling_method_params={"pdo": PDO, "odds": ODDS, "scorecard_points": BASE_POINTS},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # Missing values keep their own observed WoE: absence is often the strongest signal.
        sc.fit(x, y, metric_missing="empirical", metric_special="empirical")
    return sc


def _woe(bp: Any, x: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out: pd.DataFrame = bp.transform(
            x, metric="woe", metric_missing="empirical", metric_special="empirical"
        )
    return out


def candidate_trends(
    x: pd.DataFrame, y: np.ndarray
) -> tuple[dict[str, dict[str, str]], dict[str, pd.DataFrame]]:
    """Two trend plans — every numeric characteristic monotonic, or unimodal where that adds
    information value — and each plan's WoE matrix (binned once per trend, on all rows)."""
    from optbinning import BinningProcess

    cats = set(_categorical_columns(x))
    nums = [str(c) for c in x.columns if str(c) not in cats]
    ivs: dict[str, pd.Series] = {}
    woes: dict[str, pd.DataFrame] = {}
    for trend in ("auto_asc_desc", "auto_heuristic"):
        bp = BinningProcess(
            [str(c) for c in x.columns],
            categorical_variables=sorted(cats),
            binning_fit_params={n: {"monotonic_trend": trend} for n in nums},
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bp.fit(x, y)
        ivs[trend] = bp.summary().set_index("name")["iv"]
        woes[trend] = _woe(bp, x)
    mono = {n: "auto_asc_desc" for n in nums}
    bent = {
        n: (
            "auto_heuristic"
            if float(ivs["auto_heuristic"][n]) > UNIMODAL_IV_GAIN * float(ivs["auto_asc_desc"][n])
            else "auto_asc_desc"
        )
        for n in nums
    }
    bent_woe = woes["auto_asc_desc"].copy()
    for n, t in bent.items():
        bent_woe[n] = woes[t][n]
    plans = {"monotonic": mono, "unimodal_where_it_pays": bent}
    return plans, {"monotonic": woes["auto_asc_desc"], "unimodal_where_it_pays": bent_woe}


def _table_from(sc: Any, calibration: PlattCalibration, meta: dict[str, Any]) -> ScorecardTable:
    table = sc.table(style="detailed")
    bp = sc.binning_process_
    chars = []
    for name in bp.get_support(names=True):
        ob = bp.get_binned_variable(name)
        rows = table[table["Variable"] == name]
        regular = rows[~rows["Bin"].astype(str).isin(["Special", "Missing"])]
        missing = rows[rows["Bin"].astype(str) == "Missing"]
        if ob.dtype == "categorical":
            cats = tuple(tuple(str(c) for c in group) for group in ob.splits)
            labels = tuple(", ".join(c) for c in cats)
            splits: tuple[float, ...] = ()
        else:
            cats = ()
            splits = tuple(float(s) for s in ob.splits)
            labels = tuple(str(b) for b in regular["Bin"])
        chars.append(
            Characteristic(
                name=str(name),
                kind=str(ob.dtype),
                splits=splits,
                categories=cats,
                labels=labels,
                points=tuple(float(p) for p in regular["Points"]),
                woe=tuple(float(w) for w in regular["WoE"]),
                missing_points=float(missing["Points"].iloc[0]) if len(missing) else 0.0,
                trend=str(getattr(ob, "monotonic_trend", "")),
            )
        )
    return ScorecardTable(
        characteristics=tuple(chars),
        intercept=float(getattr(sc, "intercept_", 0.0)),
        calibration=calibration,
        meta=meta,
    )


def _estimator(seed: int) -> LogisticRegressionCV:
    return LogisticRegressionCV(
        Cs=8,
        cv=3,
        scoring="roc_auc",
        max_iter=2000,
        random_state=seed,
        l1_ratios=(0.0,),  # plain L2, stated so scikit-learn 1.10 keeps the same model
        use_legacy_attributes=False,
    )


def fit_scorecard(
    x: pd.DataFrame, y: np.ndarray, *, seed: int = 42, inner_folds: int = 3
) -> ScorecardTable:
    """Fit the champion: pick the trend plan by inner CV, calibrate PD on out-of-fold log-odds.

    Bins are fitted once per trend on all training rows; the inner folds refit only the
    regression, which keeps training affordable on wide data (64 ratios) at a small optimism.
    """
    y = np.asarray(y).astype(int)
    plans, woes = candidate_trends(x, y)
    folds = StratifiedKFold(inner_folds, shuffle=True, random_state=seed)
    best: tuple[float, str, np.ndarray] | None = None
    for plan_name, woe in plans_and(woes):
        oof = np.zeros(len(y))
        for tr, te in folds.split(woe, y):
            lr = _estimator(seed).fit(woe.iloc[tr], y[tr])
            oof[te] = lr.decision_function(woe.iloc[te])
        quality = auc(y, oof)
        if best is None or quality > best[0] + 1e-9:
            best = (quality, plan_name, oof)
    assert best is not None
    inner_auc, plan_name, oof = best
    final = _optbinning_scorecard(x, y, plans[plan_name], seed)
    # Points are an affine function of the final regression's log-odds; map the out-of-fold
    # Platt fit (on log-odds) onto points so PD is a function of the stored score alone.
    z = final.estimator_.decision_function(_woe(final.binning_process_, x))
    slope_pts, offset_pts = np.polyfit(z, final.score(x), 1)
    on_logit = fit_platt(oof, y)
    calibration = PlattCalibration(
        intercept=on_logit.intercept - on_logit.slope * offset_pts / slope_pts,
        slope=on_logit.slope / slope_pts,
    )
    meta = {"trend_plan": plan_name, "inner_cv_auc": round(inner_auc, 6), "seed": seed}
    return _table_from(final, calibration, meta)


def plans_and(woes: dict[str, pd.DataFrame]) -> list[tuple[str, pd.DataFrame]]:
    """Plans in a fixed order (monotonic first, so ties keep the simpler plan)."""
    return [(k, woes[k]) for k in ("monotonic", "unimodal_where_it_pays")]
