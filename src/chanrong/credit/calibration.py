"""Map a model's raw output (scorecard points or boosted log-odds) to a calibrated PD.

Platt scaling fitted on out-of-sample predictions: two numbers, stored as JSON beside the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


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
