"""The challenger: LightGBM, monotone only where the data are clearly monotone; reasons from
per-row contributions.

Stored as LightGBM's own text model plus a JSON header (feature names, category codes,
constraints, calibration) — never pickle.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from pandas import DataFrame
from scipy.stats import spearmanr
from sklearn.model_selection import StratifiedKFold

from chanrong.credit.calibration import PlattCalibration, fit_platt

# A numeric characteristic is constrained only when its rank correlation with the outcome is
# at least this strong; weaker directions are left to the data rather than imposed (at 0.15 the
# constraints cost 0.004–0.018 AUC against an unconstrained default LightGBM on the shared sets).
MIN_DIRECTION_RHO = 0.3
# Smaller trees over half the features per tree, more of them: as accurate as LightGBM's
# defaults on the shared sets and about a third of their fit time (benchmarks/RESULTS.md).
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 20,
    "feature_fraction": 0.5,
    "monotone_constraints_method": "advanced",
    # One thread: on a shared, loaded machine LightGBM's OpenMP threads spin against each other
    # and a fit can take minutes instead of seconds.
    "num_threads": 1,
    "verbose": -1,
}
ROUNDS = 450
CALIBRATION_FOLDS = 3


def _safe_name(i: int, name: str) -> str:
    # LightGBM refuses JSON-special characters in names; keep a readable stem.
    stem = re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_")[:40]
    return f"f{i}_{stem}" if stem else f"f{i}"


@dataclass(frozen=True)
class BoostedModel:
    """A fitted challenger: the booster text and how to shape rows for it."""

    model_text: str
    features: tuple[str, ...]
    categories: dict[str, list[str]]
    constraints: dict[str, int]
    calibration: PlattCalibration
    meta: dict[str, Any] = field(default_factory=dict)
    _booster: list[lgb.Booster] = field(default_factory=list, compare=False, repr=False)

    @property
    def booster(self) -> lgb.Booster:
        if not self._booster:
            self._booster.append(lgb.Booster(model_str=self.model_text))
        return self._booster[0]

    def matrix(self, x: DataFrame) -> DataFrame:
        """Rows in the booster's column order, categories coded as at training."""
        missing = [f for f in self.features if f not in x.columns]
        if missing:
            raise KeyError(f"missing characteristics: {', '.join(missing)}")
        out = pd.DataFrame(index=range(len(x)))
        for i, name in enumerate(self.features):
            col = x[name].reset_index(drop=True)
            if name in self.categories:
                codes = {c: k for k, c in enumerate(self.categories[name])}
                out[_safe_name(i, name)] = [
                    float(codes[str(v)]) if str(v) in codes else np.nan for v in col
                ]
            else:
                out[_safe_name(i, name)] = pd.to_numeric(col, errors="coerce").astype(float)
        return out

    def raw(self, x: DataFrame) -> np.ndarray:
        """Log-odds of default per row."""
        return np.asarray(self.booster.predict(self.matrix(x), raw_score=True), dtype=float)

    def pd(self, x: DataFrame) -> np.ndarray:
        """Calibrated probability of default per row."""
        return self.calibration.pd(self.raw(x))

    def contributions(self, x: DataFrame) -> np.ndarray:
        """Per row and feature the log-odds contribution (SHAP values); last column = bias."""
        return np.asarray(self.booster.predict(self.matrix(x), pred_contrib=True), dtype=float)

    def header(self) -> dict[str, Any]:
        return {
            "kind": "lightgbm",
            "features": list(self.features),
            "categories": self.categories,
            "constraints": self.constraints,
            "calibration": self.calibration.to_json(),
            "meta": self.meta,
        }

    @classmethod
    def from_parts(cls, header: Mapping[str, Any], model_text: str) -> BoostedModel:
        if header.get("kind") != "lightgbm":
            raise ValueError("not a LightGBM model header")
        return cls(
            model_text=model_text,
            features=tuple(str(f) for f in header["features"]),
            categories={str(k): [str(c) for c in v] for k, v in header["categories"].items()},
            constraints={str(k): int(v) for k, v in header["constraints"].items()},
            calibration=PlattCalibration.from_json(header["calibration"]),
            meta=dict(header.get("meta", {})),
        )


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
    """Fit the challenger on every row; calibrate PD by Platt scaling on out-of-fold log-odds."""
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
    cat_cols = [_safe_name(i, f) for i, f in enumerate(features) if f in categories]
    params = dict(PARAMS, seed=seed, monotone_constraints=[constraints[f] for f in features])
    # Out-of-fold log-odds over every training row calibrate PD (a single held-out share leaves
    # too few defaulters on small sets); the final booster then sees every row.
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
    meta = {"rounds": ROUNDS, "seed": seed}
    return BoostedModel(text, features, categories, constraints, calibration, meta)
