"""Map a model's raw output (scorecard points or boosted log-odds) to a calibrated PD.

Two kinds, both fitted on held-out predictions and stored as JSON beside the model:

- Platt scaling (two numbers), for the scorecards and for boosters fitted on few rows;
- an isotonic blend for boosters fitted on many rows: half the booster's own PD, half an
  isotonic map of its log-odds fitted on rows the fitting booster did not see (``fitting``
  says why). Both are increasing in the raw output, so neither changes the ranking (AUC).

Scoring needs numpy only: a decision never imports scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))), dtype=float)


@dataclass(frozen=True)
class PlattCalibration:
    """``PD = 1 / (1 + exp(-(intercept + slope · raw)))``."""

    intercept: float
    slope: float

    def pd(self, raw: ArrayLike) -> np.ndarray:
        """Calibrated probabilities of default for raw model outputs."""
        return _sigmoid(self.intercept + self.slope * np.asarray(raw, dtype=float))

    def to_json(self) -> dict[str, Any]:
        return {"method": "platt", "intercept": self.intercept, "slope": self.slope}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlattCalibration:
        if data.get("method") != "platt":
            raise ValueError(f"unknown calibration method {data.get('method')!r}")
        return cls(intercept=float(data["intercept"]), slope=float(data["slope"]))


@dataclass(frozen=True)
class IsotonicBlendCalibration:
    """``PD = own · sigmoid(raw) + (1 − own) · isotonic(raw)``, where ``isotonic`` interpolates
    linearly between its knots (raw log-odds → PD, both non-decreasing) and is flat beyond the
    end knots — as scikit-learn's ``IsotonicRegression(out_of_bounds="clip")`` predicts."""

    knots_raw: tuple[float, ...]
    knots_pd: tuple[float, ...]
    own: float = 0.5

    def __post_init__(self) -> None:
        if len(self.knots_raw) != len(self.knots_pd) or not self.knots_raw:
            raise ValueError("isotonic calibration needs as many PD knots as raw knots, ≥ 1")
        if np.any(np.diff(self.knots_raw) < 0) or np.any(np.diff(self.knots_pd) < 0):
            raise ValueError("isotonic calibration knots must be non-decreasing")
        if not 0.0 < self.own <= 1.0:
            # A positive share of the strictly increasing own PD keeps every ranking (AUC).
            raise ValueError("own share must be in (0, 1]")

    def pd(self, raw: ArrayLike) -> np.ndarray:
        """Calibrated probabilities of default for raw log-odds."""
        z = np.asarray(raw, dtype=float)
        iso = np.interp(z, np.asarray(self.knots_raw), np.asarray(self.knots_pd))
        return np.asarray(self.own * _sigmoid(z) + (1.0 - self.own) * iso, dtype=float)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "isotonic-blend",
            "own": self.own,
            "knots_raw": list(self.knots_raw),
            "knots_pd": list(self.knots_pd),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IsotonicBlendCalibration:
        if data.get("method") != "isotonic-blend":
            raise ValueError(f"unknown calibration method {data.get('method')!r}")
        return cls(
            knots_raw=tuple(float(v) for v in data["knots_raw"]),
            knots_pd=tuple(float(v) for v in data["knots_pd"]),
            own=float(data["own"]),
        )


Calibration = PlattCalibration | IsotonicBlendCalibration


def calibration_from_json(data: dict[str, Any]) -> Calibration:
    """The calibration a stored model's JSON describes, by its ``method``."""
    method = data.get("method")
    if method == "platt":
        return PlattCalibration.from_json(data)
    if method == "isotonic-blend":
        return IsotonicBlendCalibration.from_json(data)
    raise ValueError(f"unknown calibration method {method!r}")
