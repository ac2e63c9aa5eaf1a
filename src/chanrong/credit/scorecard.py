"""The champion: a binned WoE scorecard with points, reasons and a calibrated PD.

Per characteristic, bins come from a shallow decision tree on that characteristic alone —
monotone in the direction the training data show, or free — with missing values as their own
bin; weights of evidence feed an L2 logistic regression scaled to points. Which binning plan and
which regularisation strength are used is chosen by nested cross-validation inside the training
rows (bins are refitted in every inner fold), so nothing depends on the data set's name. What is
kept is a plain table — per characteristic its bins and points — that scores rows with numpy
alone, so the stored model is data (JSON), not code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from pandas import DataFrame
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from chanrong.credit.calibration import PlattCalibration, fit_platt
from chanrong.credit.metrics import auc

# Points scaling: 600 points at odds 50:1 good:bad, 20 points to double the odds.
PDO, ODDS, BASE_POINTS = 20.0, 50.0, 600.0
FACTOR = PDO / math.log(2.0)
OFFSET = BASE_POINTS - FACTOR * math.log(ODDS)


@dataclass(frozen=True)
class BinningPlan:
    """How every characteristic is binned: at most ``max_bins`` tree leaves of at least
    ``min_share`` of the non-missing rows each, monotone in the data's direction or free."""

    name: str
    max_bins: int
    min_share: float
    monotone: bool


# Candidates measured on the shared sets (benchmarks/RESULTS.md); which one a model uses is
# decided by inner cross-validation on its own training rows.
PLANS = (
    BinningPlan("monotone, up to 12 bins of 1 %", 12, 0.01, True),
    BinningPlan("monotone, up to 16 bins of 0.5 %", 16, 0.005, True),
    BinningPlan("free, up to 10 bins", 10, 0.0, False),
)
STRENGTHS = (0.03, 0.3, 3.0)  # inverse L2 strengths C tried in the inner folds
# Categories seen fewer times than this share one "other" bin.
MIN_CATEGORY_ROWS = 20


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


@dataclass(frozen=True)
class _Binned:
    """One characteristic's bins as fitted, with the WoE (log bad/good share) of each bin."""

    char: Characteristic
    woe: np.ndarray  # per bin, the missing/unseen bin last


def _woe(bins: np.ndarray, y: np.ndarray, n: int) -> np.ndarray:
    # Half a row added to each side keeps an all-good or all-bad bin finite.
    bad = np.bincount(bins, weights=y, minlength=n) + 0.5
    good = np.bincount(bins, weights=1.0 - y, minlength=n) + 0.5
    out = np.log(bad / bad.sum()) - np.log(good / good.sum())
    # A bin nobody fell into in training (missing, unseen category) is scored as neutral.
    seen = np.bincount(bins, minlength=n) > 0
    return np.where(seen, out, 0.0)


def _bin_numeric(name: str, col: pd.Series, y: np.ndarray, plan: BinningPlan, seed: int) -> _Binned:
    v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(v)
    splits: tuple[float, ...] = ()
    trend = "free"
    leaf = max(1, math.ceil(plan.min_share * int(ok.sum())))
    if ok.sum() >= 2 * leaf and np.unique(v[ok]).size > 1 and 0 < y[ok].sum() < ok.sum():
        direction = 0
        if plan.monotone:
            rho = float(spearmanr(v[ok], y[ok]).statistic)
            direction = int(np.sign(rho)) if np.isfinite(rho) else 0
            trend = {1: "risk ascending", -1: "risk descending", 0: "free"}[direction]
        tree = DecisionTreeClassifier(
            max_leaf_nodes=plan.max_bins,
            min_samples_leaf=leaf,
            monotonic_cst=[direction] if direction else None,
            random_state=seed,
        ).fit(v[ok, None], y[ok])
        thresholds = np.sort(tree.tree_.threshold[tree.tree_.feature >= 0])
        # The tree sends x ≤ t left; scoring counts splits ≤ x, so each split sits just above t.
        splits = tuple(float(np.nextafter(t, np.inf)) for t in thresholds)
    labels = _interval_labels(splits)
    # Placeholder points: bin_of numbers the missing bin after the regular ones.
    char = Characteristic(
        name=name,
        kind="numerical",
        splits=splits,
        labels=labels,
        points=(0.0,) * len(labels),
        trend=trend,
    )
    b = char.bin_of(v)
    return _Binned(char, _woe(b, y, len(labels) + 1))


def _interval_labels(splits: Sequence[float]) -> tuple[str, ...]:
    edges = [-math.inf, *splits, math.inf]
    return tuple(f"[{edges[i]:.6g}, {edges[i + 1]:.6g})" for i in range(len(edges) - 1))


def _bin_categorical(name: str, col: pd.Series, y: np.ndarray) -> _Binned:
    values = col.astype("string")
    counts = values.value_counts(dropna=True)
    common = sorted(str(c) for c, n in counts.items() if n >= MIN_CATEGORY_ROWS)
    rare = tuple(sorted(str(c) for c, n in counts.items() if n < MIN_CATEGORY_ROWS))
    cats = tuple((c,) for c in common) + ((rare,) if rare else ())
    labels = tuple(", ".join(c) if len(c) == 1 else "other: " + ", ".join(c) for c in cats)
    char = Characteristic(
        name=name, kind="categorical", categories=cats, labels=labels, points=(0.0,) * len(cats)
    )
    b = char.bin_of(col.to_numpy(dtype=object))
    return _Binned(char, _woe(b, y, len(cats) + 1))


def _bin_all(x: pd.DataFrame, y: np.ndarray, plan: BinningPlan, seed: int) -> list[_Binned]:
    return [
        _bin_numeric(str(c), x[c], y, plan, seed)
        if pd.api.types.is_numeric_dtype(x[c])
        else _bin_categorical(str(c), x[c], y)
        for c in x.columns
    ]


def _woe_matrix(binned: Sequence[_Binned], x: pd.DataFrame) -> np.ndarray:
    out = np.empty((len(x), len(binned)), dtype=float)
    for j, b in enumerate(binned):
        col = x[b.char.name]
        values = (
            col.to_numpy(dtype=float) if b.char.kind == "numerical" else col.to_numpy(dtype=object)
        )
        out[:, j] = b.woe[b.char.bin_of(values)]
    return out


def _regression(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000, random_state=seed)


def fit_scorecard(
    x: pd.DataFrame, y: np.ndarray, *, seed: int = 42, inner_folds: int = 3
) -> ScorecardTable:
    """Fit the champion: choose the binning plan and L2 strength by nested inner CV (bins
    refitted per inner fold), fit both on every row, calibrate PD on the out-of-fold log-odds."""
    y = np.asarray(y).astype(int)
    x = x.reset_index(drop=True)
    folds = list(StratifiedKFold(inner_folds, shuffle=True, random_state=seed).split(x, y))
    oof = {(p, c): np.zeros(len(y)) for p in range(len(PLANS)) for c in STRENGTHS}
    for p, plan in enumerate(PLANS):
        for tr, te in folds:
            binned = _bin_all(x.iloc[tr], y[tr], plan, seed)
            w_tr, w_te = _woe_matrix(binned, x.iloc[tr]), _woe_matrix(binned, x.iloc[te])
            for c in STRENGTHS:
                oof[(p, c)][te] = _regression(c, seed).fit(w_tr, y[tr]).decision_function(w_te)
    # Ties keep the earlier (monotone, then stronger-regularised) choice.
    quality = {k: auc(y, v) for k, v in oof.items()}
    best = max(quality, key=lambda k: (round(quality[k], 6), -k[0], -k[1]))
    plan, strength = PLANS[best[0]], best[1]
    binned = _bin_all(x, y, plan, seed)
    lr = _regression(strength, seed).fit(_woe_matrix(binned, x), y)
    coef, b0 = lr.coef_[0], float(lr.intercept_[0])
    chars = []
    for b, beta in zip(binned, coef, strict=True):
        # Log-odds of bad rise by β·WoE; points fall by FACTOR per unit of log-odds.
        pts = -FACTOR * float(beta) * b.woe
        chars.append(
            Characteristic(
                name=b.char.name,
                kind=b.char.kind,
                splits=b.char.splits,
                categories=b.char.categories,
                labels=b.char.labels,
                points=tuple(float(p) for p in pts[:-1]),
                woe=tuple(float(w) for w in b.woe[:-1]),
                missing_points=float(pts[-1]),
                trend=b.char.trend,
            )
        )
    # score = OFFSET − FACTOR·z, so a Platt fit on the out-of-fold log-odds z maps onto points.
    on_logit = fit_platt(oof[best], y)
    calibration = PlattCalibration(
        intercept=on_logit.intercept + on_logit.slope * OFFSET / FACTOR,
        slope=-on_logit.slope / FACTOR,
    )
    meta = {
        "binning_plan": plan.name,
        "l2_c": strength,
        "inner_cv_auc": round(quality[best], 6),
        "seed": seed,
    }
    return ScorecardTable(
        characteristics=tuple(chars),
        intercept=OFFSET - FACTOR * b0,
        calibration=calibration,
        meta=meta,
    )
