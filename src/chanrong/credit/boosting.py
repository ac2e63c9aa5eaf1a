"""The challenger: LightGBM, monotone only where the data are clearly monotone; reasons from
per-row contributions.

Fitted by ``fitting.fit_boosted``; this module only loads and scores.

Stored as LightGBM's own text model plus a JSON header (feature names, category codes,
constraints, calibration: Platt or an isotonic blend) — never pickle.
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

from chanrong.credit.calibration import Calibration, calibration_from_json


def safe_name(i: int, name: str) -> str:
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
    calibration: Calibration
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
                out[safe_name(i, name)] = [
                    float(codes[str(v)]) if str(v) in codes else np.nan for v in col
                ]
            else:
                out[safe_name(i, name)] = pd.to_numeric(col, errors="coerce").astype(float)
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
            calibration=calibration_from_json(header["calibration"]),
            meta=dict(header.get("meta", {})),
        )
