"""How each kind of model is fitted: the champion scorecard (optbinning), the LightGBM
challenger and their Platt calibration.

Kept apart from the models themselves (``scorecard``, ``boosting``, ``calibration``), which only
score: a decision loads and scores a stored model and never imports scikit-learn, optbinning
or this module (an import contract says so). Training (``training``), the benchmarks and the
tests fit here.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold, train_test_split

from chanrong.credit.boosting import BoostedModel, safe_name
from chanrong.credit.calibration import PlattCalibration
from chanrong.credit.metrics import auc
from chanrong.credit.scorecard import BASE_POINTS, ODDS, PDO, Characteristic, ScorecardTable

# A characteristic may bend once (peak or valley) only when that adds this much information value.
UNIMODAL_IV_GAIN = 1.1
# A numeric characteristic is constrained only when its rank correlation with the outcome is
# at least this strong; weaker directions are left to the data rather than imposed.
MIN_DIRECTION_RHO = 0.15
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 31,
    "min_child_samples": 10,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "feature_fraction": 0.5,
    "monotone_constraints_method": "advanced",
    "verbose": -1,
}
ROUNDS = 400


# --- calibration -------------------------------------------------------------------------------


def fit_platt(raw: ArrayLike, y: ArrayLike) -> PlattCalibration:
    """Fit Platt scaling on held-out raw outputs and their outcomes."""
    x = np.asarray(raw, dtype=float).reshape(-1, 1)
    # Scale first so the regulariser does not depend on the units of the raw output.
    mu, sd = float(x.mean()), float(x.std()) or 1.0
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit((x - mu) / sd, np.asarray(y))
    slope = float(lr.coef_[0, 0]) / sd
    intercept = float(lr.intercept_[0]) - slope * mu
    return PlattCalibration(intercept=intercept, slope=slope)


# --- the champion scorecard --------------------------------------------------------------------


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
    final = optbinning_scorecard(x, y, plans[plan_name], seed)
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


# --- the LightGBM challenger -------------------------------------------------------------------


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
    x: pd.DataFrame, y: np.ndarray, *, seed: int = 42, valid_share: float = 0.15
) -> BoostedModel:
    """Fit the challenger with early stopping on a held-out share, then calibrate on it."""
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
    tr, va = train_test_split(
        np.arange(len(y)), test_size=valid_share, stratify=y, random_state=seed
    )
    params = dict(PARAMS, seed=seed, monotone_constraints=[constraints[f] for f in features])
    # Rounds are fixed: early stopping on a small validation share with few defaulters stops
    # too soon. The held-out share only calibrates; the final booster then sees every row.
    held = lgb.train(
        params,
        lgb.Dataset(m.iloc[tr], y[tr], categorical_feature=cat_cols or "auto"),
        num_boost_round=ROUNDS,
    )
    calibration = fit_platt(held.predict(m.iloc[va], raw_score=True), y[va])
    booster = lgb.train(
        params, lgb.Dataset(m, y, categorical_feature=cat_cols or "auto"), num_boost_round=ROUNDS
    )
    text = booster.model_to_string()
    meta = {"rounds": ROUNDS, "seed": seed}
    return BoostedModel(text, features, categories, constraints, calibration, meta)
