"""How each kind of model is fitted: the champion scorecard (``fit_scorecard``: an additive
model of depth-2 boosted trees read into bins, points and two-way tables, ``additive``), the
earlier WoE scorecard (tree binning per characteristic, WoE, L2 logistic regression, chosen by
nested inner CV; ``fit_woe_scorecard``, kept as a benchmark row), the LightGBM challenger and
their Platt calibration; and optbinning's scorecard, which the tests and benchmarks compare
against.

Kept apart from the models themselves (``scorecard``, ``boosting``, ``calibration``), which only
score: a decision loads and scores a stored model and never imports scikit-learn, optbinning
or this module (an import contract says so). Training (``training``), the benchmarks and the
tests fit here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from chanrong.credit.additive import fit_additive_scorecard, fit_platt, interval_labels
from chanrong.credit.boosting import BoostedModel, safe_name
from chanrong.credit.calibration import PlattCalibration
from chanrong.credit.metrics import auc
from chanrong.credit.scorecard import (
    BASE_POINTS,
    FACTOR,
    ODDS,
    OFFSET,
    PDO,
    Characteristic,
    ScorecardTable,
)

# --- the champion scorecard --------------------------------------------------------------------


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
    labels = interval_labels(splits)
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
    """Fit the champion scorecard: the additive boosted scorecard (``additive``), its rounds
    chosen in ``inner_folds`` inner folds of the training rows."""
    return fit_additive_scorecard(x, y, seed=seed, inner_folds=inner_folds)


def fit_woe_scorecard(
    x: pd.DataFrame, y: np.ndarray, *, seed: int = 42, inner_folds: int = 3
) -> ScorecardTable:
    """Fit the earlier champion: choose the binning plan and L2 strength by nested inner CV (bins
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


# --- optbinning's scorecard (the reference the tests and benchmarks compare against) ------------


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


def optbinning_scorecard(
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


# --- the LightGBM challenger -------------------------------------------------------------------

# A numeric characteristic is constrained only when its rank correlation with the outcome is
# at least this strong; weaker directions are left to the data rather than imposed (at 0.15 the
# constraints cost 0.004–0.018 AUC against an unconstrained default LightGBM on the shared sets).
MIN_DIRECTION_RHO = 0.3
# LightGBM's own defaults for the trees (31 leaves, 20 rows a leaf, 300 rounds at 0.05): smaller
# trees over half the features lost 0.004 AUC to them on HMEQ (benchmarks/RESULTS.md). The
# constraints, where the data set them, are the challenger's only departure.
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_child_samples": 20,
    # One thread: on a shared, loaded machine LightGBM's OpenMP threads spin against each other
    # and a fit can take minutes instead of seconds.
    "num_threads": 1,
    "verbose": -1,
}
# "intermediate" kept the AUC of "advanced" on HMEQ and Australian (0.9735 / 0.9304 against
# 0.9738 / 0.9308) at about half its extra fit time.
CONSTRAINED_PARAMS: dict[str, Any] = {"monotone_constraints_method": "intermediate"}
ROUNDS = 300
# Two folds, not three: on Australian three cost 4.0× the default LightGBM's CPU time (the floor
# is 3×), two 2.8×, at the same pooled out-of-fold ECE (0.024) (benchmarks/RESULTS.md).
CALIBRATION_FOLDS = 2
# Below this many training rows PD is Platt-scaled on out-of-fold log-odds: 31-leaf trees on a
# few hundred rows are over-confident (Australian ECE 0.10 → 0.06). From it on, LightGBM's own
# log-loss fit is as calibrated as the out-of-fold Platt fit (HMEQ ECE 0.022 against 0.025) and
# the extra fits would triple the training cost (benchmarks/RESULTS.md).
CALIBRATE_BELOW_ROWS = 2000


def monotone_directions(x: pd.DataFrame, y: np.ndarray) -> dict[str, int]:
    """+1 where risk rises with the value, −1 where it falls, 0 where the data do not say."""
    out: dict[str, int] = {}
    for name in x.columns:
        col = x[name]
        if not pd.api.types.is_numeric_dtype(col):
            out[str(name)] = 0
            continue
        ok = col.notna().to_numpy()
        if ok.sum() < 10 or col[ok].nunique() < 2:
            out[str(name)] = 0
            continue
        rho = float(spearmanr(col[ok].to_numpy(dtype=float), y[ok]).statistic)
        out[str(name)] = (
            0 if not np.isfinite(rho) or abs(rho) < MIN_DIRECTION_RHO else int(np.sign(rho))
        )
    return out


def fit_boosted(
    x: pd.DataFrame, y: np.ndarray, *, seed: int = 42, calibration_folds: int = CALIBRATION_FOLDS
) -> BoostedModel:
    """Fit the challenger on every row; on fewer than ``CALIBRATE_BELOW_ROWS`` rows calibrate
    PD by Platt scaling on out-of-fold log-odds, otherwise keep the booster's own PD."""
    y = np.asarray(y).astype(int)
    categories = {
        str(c): sorted({str(v) for v in x[c].dropna()})
        for c in x.columns
        if not pd.api.types.is_numeric_dtype(x[c])
    }
    constraints = monotone_directions(x, y)
    features = tuple(str(c) for c in x.columns)
    shell = BoostedModel("", features, categories, constraints, PlattCalibration(0.0, 1.0))
    m = shell.matrix(x)
    cat_cols = [safe_name(i, f) for i, f in enumerate(features) if f in categories]
    params = dict(PARAMS, seed=seed)
    if any(constraints.values()):
        # Only then: an all-zero constraint vector still runs LightGBM's constrained search,
        # twice the fit time and a different model for nothing (Polish sets, RESULTS.md).
        params |= CONSTRAINED_PARAMS
        params["monotone_constraints"] = [constraints[f] for f in features]
    # The identity: PD is the booster's own sigmoid of its log-odds.
    calibration = PlattCalibration(0.0, 1.0)
    calibrated_by = "the booster's own PD"
    if len(y) < CALIBRATE_BELOW_ROWS:
        calibrated_by = f"Platt on {calibration_folds}-fold out-of-fold log-odds"
        # Out-of-fold log-odds over every training row (a single held-out share leaves too few
        # defaulters on small sets); the final booster then sees every row.
        oof = np.zeros(len(y))
        splitter = StratifiedKFold(calibration_folds, shuffle=True, random_state=seed)
        for tr, va in splitter.split(m, y):
            held = lgb.train(
                params,
                lgb.Dataset(m.iloc[tr], y[tr], categorical_feature=cat_cols or "auto"),
                num_boost_round=ROUNDS,
            )
            oof[va] = held.predict(m.iloc[va], raw_score=True)
        calibration = fit_platt(oof, y)
    booster = lgb.train(
        params, lgb.Dataset(m, y, categorical_feature=cat_cols or "auto"), num_boost_round=ROUNDS
    )
    text = booster.model_to_string()
    meta = {"rounds": ROUNDS, "seed": seed, "calibration": calibrated_by}
    return BoostedModel(text, features, categories, constraints, calibration, meta)
