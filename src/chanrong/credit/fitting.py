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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.stats import rankdata, spearmanr
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from chanrong.credit.additive import fit_additive_scorecard, fit_platt, interval_labels
from chanrong.credit.boosting import BoostedModel, safe_name
from chanrong.credit.calibration import (
    Calibration,
    IsotonicBlendCalibration,
    PlattCalibration,
)
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
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    seed: int = 42,
    inner_folds: int = 3,
    calibration: str = "platt",
) -> ScorecardTable:
    """Fit the champion scorecard: the additive boosted scorecard (``additive``), its rounds
    chosen in ``inner_folds`` inner folds of the training rows; ``calibration="venn-abers"`` is
    the measured small-set variant (``additive.VENN_ABERS_BELOW_ROWS``)."""
    return fit_additive_scorecard(x, y, seed=seed, inner_folds=inner_folds, calibration=calibration)


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
# Two folds, not three: on Australian two cost 2.2× the default LightGBM's CPU time (the floor is
# 3×); three add about one default fit for a gain inside the sampling noise (per-fold ECE 0.0616
# against 0.0636, a calibrated model's 0.063; benchmarks/RESULTS.md, issue 24 fourth pass).
CALIBRATION_FOLDS = 2
# Below this many training rows PD is Platt-scaled on out-of-fold log-odds: 31-leaf trees on a
# few hundred rows are over-confident (Australian ECE 0.10 → 0.06), and a held-out quarter of
# them is too few rows for an isotonic map. From it on, PD is the isotonic blend below.
CALIBRATE_BELOW_ROWS = 2000
# From CALIBRATE_BELOW_ROWS on: a booster fitted on 3/4 of the rows scores the held-out quarter,
# an isotonic map of its log-odds is fitted there, and PD is the mean of that map and the full
# booster's own PD (applied to the full booster's log-odds). Neither alone transfers from the
# 3/4-row booster to the full one: on HMEQ the held-out maps over-correct (Platt ECE 0.027,
# isotonic 0.026 against the own PD's 0.024), on Polish year 5 the own PD is far too confident
# (0.027; Platt 0.015); the mean held 0.016 and 0.012 (benchmarks/RESULTS.md). Which one
# transfers cannot be measured inside the training rows without fitting more boosters than the
# cost floor allows, so the share is fixed, not chosen per data set.
HOLDOUT_FOLDS = 4
OWN_SHARE = 0.5
# The held-out quarter's booster bins each characteristic into at most 63 values instead of 255:
# it only places the isotonic map, and the coarser histograms take about half its fit time off
# (HMEQ: the challenger 3.1× → 2.4× the default's CPU time at ECE 0.0167; RESULTS.md). Below
# 2,000 rows it gained nothing measurable (Australian 0.28 against 0.29 CPU s), so the 2-fold
# boosters there keep LightGBM's 255 bins.
HOLDOUT_PARAMS: dict[str, Any] = {"max_bin": 63}
# A held-out quarter with fewer defaulters (or fewer goods) than this cannot place an isotonic
# map: the booster's own PD is kept.
MIN_HELD_OUT_CLASS = 10


def _spearman(v: np.ndarray, y: np.ndarray) -> float:
    """Spearman's ρ as the Pearson correlation of average ranks (``scipy.stats.spearmanr``
    without its per-call checks, 0.8 ms a column); NaN where either side is constant."""
    rv, ry = rankdata(v), rankdata(y)
    rv, ry = rv - rv.mean(), ry - ry.mean()
    den = float(np.sqrt(np.dot(rv, rv) * np.dot(ry, ry)))
    return float(np.dot(rv, ry)) / den if den > 0 else float("nan")


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
        rho = _spearman(col[ok].to_numpy(dtype=float), y[ok])
        out[str(name)] = (
            0 if not np.isfinite(rho) or abs(rho) < MIN_DIRECTION_RHO else int(np.sign(rho))
        )
    return out


def fit_isotonic_blend(
    raw: np.ndarray, y: np.ndarray, *, own: float = OWN_SHARE
) -> IsotonicBlendCalibration:
    """An isotonic map of held-out log-odds ``raw`` to outcomes ``y``, blended with the
    booster's own PD (share ``own``)."""
    iso = IsotonicRegression(out_of_bounds="clip", increasing=True).fit(raw, y)
    return IsotonicBlendCalibration(
        knots_raw=tuple(float(v) for v in iso.X_thresholds_),
        knots_pd=tuple(float(v) for v in iso.y_thresholds_),
        own=own,
    )


@dataclass(frozen=True)
class _Prepared:
    """Rows shaped for LightGBM and the parameters every fit of one model shares."""

    shell: BoostedModel
    matrix: pd.DataFrame
    cat_cols: list[str]
    params: dict[str, Any]

    def train(
        self, rows: np.ndarray | None, y: np.ndarray, rounds: int, **extra: Any
    ) -> lgb.Booster:
        m = self.matrix if rows is None else self.matrix.iloc[rows]
        yy = y if rows is None else y[rows]
        data = lgb.Dataset(m, yy, categorical_feature=self.cat_cols or "auto")
        # keep_training_booster: LightGBM otherwise writes every fitted booster to text and
        # reads it back (to free the rows), 40 of a 110-ms fit on Australian; the trees and
        # their outputs are the same either way.
        return lgb.train(
            self.params | extra, data, num_boost_round=rounds, keep_training_booster=True
        )


def _prepare(
    x: pd.DataFrame, y: np.ndarray, seed: int, constrained: dict[str, Any] = CONSTRAINED_PARAMS
) -> _Prepared:
    categories = {
        str(c): sorted({str(v) for v in x[c].dropna()})
        for c in x.columns
        if not pd.api.types.is_numeric_dtype(x[c])
    }
    constraints = monotone_directions(x, y)
    features = tuple(str(c) for c in x.columns)
    shell = BoostedModel("", features, categories, constraints, PlattCalibration(0.0, 1.0))
    cat_cols = [safe_name(i, f) for i, f in enumerate(features) if f in categories]
    params = dict(PARAMS, seed=seed)
    if any(constraints.values()):
        # Only then: an all-zero constraint vector still runs LightGBM's constrained search,
        # twice the fit time and a different model for nothing (Polish sets, RESULTS.md).
        params |= constrained
        params["monotone_constraints"] = [constraints[f] for f in features]
    return _Prepared(shell, shell.matrix(x), cat_cols, params)


def _held_out_quarter(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    splitter = StratifiedKFold(HOLDOUT_FOLDS, shuffle=True, random_state=seed)
    tr, va = next(splitter.split(np.zeros(len(y)), y))
    return tr, va


def _enough_held_out(y: np.ndarray) -> bool:
    bads = int(y.sum())
    return min(bads, len(y) - bads) >= MIN_HELD_OUT_CLASS


def fit_boosted(
    x: pd.DataFrame, y: np.ndarray, *, seed: int = 42, calibration_folds: int = CALIBRATION_FOLDS
) -> BoostedModel:
    """Fit the challenger on every row; on fewer than ``CALIBRATE_BELOW_ROWS`` rows calibrate
    PD by Platt scaling on out-of-fold log-odds, otherwise by the isotonic blend on a held-out
    quarter (``HOLDOUT_FOLDS``, ``OWN_SHARE``)."""
    y = np.asarray(y).astype(int)
    prep = _prepare(x, y, seed)
    m = prep.matrix
    # The identity: PD is the booster's own sigmoid of its log-odds.
    calibration: Calibration = PlattCalibration(0.0, 1.0)
    calibrated_by = "the booster's own PD"
    if len(y) < CALIBRATE_BELOW_ROWS:
        calibrated_by = f"Platt on {calibration_folds}-fold out-of-fold log-odds"
        # Out-of-fold log-odds over every training row (a single held-out share leaves too few
        # defaulters on small sets); the final booster then sees every row.
        oof = np.zeros(len(y))
        splitter = StratifiedKFold(calibration_folds, shuffle=True, random_state=seed)
        for tr, va in splitter.split(m, y):
            oof[va] = prep.train(tr, y, ROUNDS).predict(m.iloc[va], raw_score=True)
        calibration = fit_platt(oof, y)
    else:
        tr, va = _held_out_quarter(y, seed)
        if _enough_held_out(y[va]):
            booster = prep.train(tr, y, ROUNDS, **HOLDOUT_PARAMS)
            held = np.asarray(booster.predict(m.iloc[va], raw_score=True))
            calibration = fit_isotonic_blend(held, y[va])
            calibrated_by = (
                f"isotonic blend: {OWN_SHARE:g} own PD, the rest isotonic on a held-out "
                f"1/{HOLDOUT_FOLDS}"
            )
    booster = prep.train(None, y, ROUNDS)
    text = booster.model_to_string()
    meta = {"rounds": ROUNDS, "seed": seed, "calibration": calibrated_by}
    s = prep.shell
    return BoostedModel(text, s.features, s.categories, s.constraints, calibration, meta)


# --- the tuned challenger: a nested random search with a cost budget (a benchmark row) ---------

# LightGBM's settings the search draws from; every draw keeps the challenger's data-chosen
# monotone constraints. Optuna was not used: the cost floor (3× one default fit) leaves room for
# a handful of trials, fewer than its sampler's ten random start-up trials, so it would run this
# same random search with one more dependency (README).
SEARCH_SPACE: dict[str, tuple[float, ...]] = {
    "num_leaves": (15, 31, 63),
    "min_child_samples": (5, 10, 20, 40),
    "lambda_l2": (0.0, 1.0, 10.0),
    "feature_fraction": (0.5, 0.75, 1.0),
}
SEARCH_RATE = 0.2  # four times the default's rate: fewer rounds a trial, more trials a budget
SEARCH_MAX_ROUNDS = 150
SEARCH_PATIENCE = 15  # rounds without a better held-out AUC before a trial stops
SEARCH_METRIC = "auc"  # what early stopping watches on the held-out quarter
# The search's budget in units of one default fit (ROUNDS rounds over every feature and row),
# spent as rounds × feature share × row share: a deterministic stand-in for CPU time, so the
# same rows always give the same model. With the final refit (at most 200 rounds) it is meant to
# keep the tuned row within 3× the default's CPU time (measured: benchmarks/RESULTS.md).
SEARCH_BUDGET = 1.0
MIN_TRIAL_ROUNDS = 30  # a trial the remaining budget cannot give this many rounds is not run
INT_PARAMS = ("num_leaves", "min_child_samples")
# LightGBM's cheapest constraint method: "intermediate" (the challenger's) costs about 1.6× an
# unconstrained fit per round on HMEQ, which would leave the budget one or two trials.
SEARCH_CONSTRAINED_PARAMS: dict[str, Any] = {"monotone_constraints_method": "basic"}
DEFAULT_TREES: dict[str, Any] = {
    "num_leaves": 31,
    "min_child_samples": 20,
    "lambda_l2": 0.0,
    "feature_fraction": 1.0,
}


def _cost(rounds: float, cand: dict[str, Any], row_share: float) -> float:
    """Rounds × feature share × row share, in units of one default fit (``ROUNDS`` rounds over
    every row and feature). Leaves are not counted: on a few thousand rows a round costs
    about the same at 15 or 63 leaves."""
    return rounds * float(cand["feature_fraction"]) * row_share / ROUNDS


def _draws(rng: np.random.Generator) -> Iterator[dict[str, Any]]:
    """LightGBM's default trees first, then distinct random draws from ``SEARCH_SPACE``."""
    seen = [DEFAULT_TREES]
    yield dict(DEFAULT_TREES)
    for _ in range(1000):
        draw = {k: v[int(rng.integers(len(v)))] for k, v in SEARCH_SPACE.items()}
        draw = {k: int(v) if k in INT_PARAMS else float(v) for k, v in draw.items()}
        if draw not in seen:
            seen.append(draw)
            yield draw


def fit_boosted_tuned(
    x: pd.DataFrame, y: np.ndarray, *, seed: int = 42, budget: float = SEARCH_BUDGET
) -> BoostedModel:
    """The challenger with its tree settings searched inside the training rows, within
    ``budget`` default fits: LightGBM's default trees first, then random draws from
    ``SEARCH_SPACE``, each fitted on 3/4 of the rows with early stopping on the held-out
    quarter's AUC; the best is refitted on every row with its best round count scaled by 4/3
    for the extra rows. PD as the challenger's: the isotonic blend on the winner's held-out
    log-odds (Platt there below ``CALIBRATE_BELOW_ROWS`` rows). Nested: nothing outside ``x``
    and ``y`` is seen."""
    y = np.asarray(y).astype(int)
    prep = _prepare(x, y, seed, SEARCH_CONSTRAINED_PARAMS)
    m = prep.matrix
    tr, va = _held_out_quarter(y, seed)
    share = len(tr) / len(y)
    valid_y = y[va]
    fit_rows = lgb.Dataset(
        m.iloc[tr],
        y[tr],
        categorical_feature=prep.cat_cols or "auto",
        free_raw_data=False,
        # Binned once for every trial; trials may then set a smaller min_child_samples.
        params={"feature_pre_filter": False},
    )
    valid = lgb.Dataset(m.iloc[va], valid_y, reference=fit_rows)
    best: tuple[float, dict[str, Any], int, np.ndarray] | None = None
    tried: list[dict[str, Any]] = []
    left = budget
    for cand in _draws(np.random.default_rng(seed)):
        cap = min(SEARCH_MAX_ROUNDS, int(left / _cost(1, cand, share)))
        if cap < MIN_TRIAL_ROUNDS:
            break
        params = prep.params | cand | {"learning_rate": SEARCH_RATE, "metric": SEARCH_METRIC}
        with warnings.catch_warnings():
            # Each trial sets its own tree parameters on the once-binned rows, on purpose.
            warnings.filterwarnings("ignore", "Overriding the parameters from Reference Dataset")
            booster = lgb.train(
                params,
                fit_rows,
                num_boost_round=cap,
                valid_sets=[valid],
                callbacks=[lgb.early_stopping(SEARCH_PATIENCE, verbose=False)],
                keep_training_booster=True,  # no text round trip per trial (see _Prepared)
            )
        # Every round the trial trained, its patience included (kept as trained, the booster
        # still has them; reloaded from text it kept only the best ones and the budget
        # under-counted a trial by its patience).
        left -= _cost(booster.current_iteration(), cand, share)
        rounds = max(1, int(booster.best_iteration or cap))
        raw = np.asarray(booster.predict(m.iloc[va], raw_score=True, num_iteration=rounds))
        quality = auc(valid_y, raw) if 0 < valid_y.sum() < len(valid_y) else 0.5
        tried.append({**cand, "rounds": rounds, "held_out_auc": round(quality, 6)})
        # Ties keep the earlier candidate: LightGBM's default trees first.
        if best is None or quality > best[0]:
            best = (quality, cand, rounds, raw)
    if best is None:
        raise ValueError("budget: too small for one trial")
    quality, cand, rounds, raw = best
    final_rounds = math.ceil(rounds * HOLDOUT_FOLDS / (HOLDOUT_FOLDS - 1))
    booster = prep.train(None, y, final_rounds, **cand, learning_rate=SEARCH_RATE)
    calibration: Calibration = PlattCalibration(0.0, 1.0)
    calibrated_by = "the booster's own PD"
    if _enough_held_out(valid_y):
        if len(y) < CALIBRATE_BELOW_ROWS:
            calibration, calibrated_by = fit_platt(raw, valid_y), "Platt on the held-out quarter"
        else:
            calibration = fit_isotonic_blend(raw, valid_y)
            calibrated_by = f"isotonic blend: {OWN_SHARE:g} own PD, held-out 1/{HOLDOUT_FOLDS}"
    meta = {
        "rounds": final_rounds,
        "seed": seed,
        "calibration": calibrated_by,
        "search": {"chosen": cand, "held_out_auc": round(quality, 6), "trials": tried},
    }
    s = prep.shell
    return BoostedModel(
        booster.model_to_string(), s.features, s.categories, s.constraints, calibration, meta
    )
