"""Map a model's raw output (scorecard points or boosted log-odds) to a calibrated PD.

Platt scaling fitted on out-of-sample predictions: two numbers, stored as JSON beside the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from sklearn.linear_model import LogisticRegression


@dataclass(frozen=True)
class PlattCalibration:
    """``PD = 1 / (1 + exp(-(intercept + slope · raw)))``."""

    intercept: float
    slope: float

    def pd(self, raw: ArrayLike) -> np.ndarray:
        """Calibrated probabilities of default for raw model outputs."""
        z = self.intercept + self.slope * np.asarray(raw, dtype=float)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))

    def to_json(self) -> dict[str, Any]:
        return {"method": "platt", "intercept": self.intercept, "slope": self.slope}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlattCalibration:
        if data.get("method") != "platt":
            raise ValueError(f"unknown calibration method {data.get('method')!r}")
        return cls(intercept=float(data["intercept"]), slope=float(data["slope"]))


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
