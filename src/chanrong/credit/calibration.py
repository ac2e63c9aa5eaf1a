"""Map a model's raw output (scorecard points or boosted log-odds) to a calibrated PD.

Three kinds, all fitted on held-out predictions and stored as JSON beside the model:

- Platt scaling (two numbers), for the scorecards and for boosters fitted on few rows;
- an isotonic blend for boosters fitted on many rows: half the booster's own PD, half an
  isotonic map of its log-odds fitted on rows the fitting booster did not see (``fitting``
  says why). Both are increasing in the raw output, so neither changes the ranking (AUC);
- Venn–Abers (a step function of the raw output, one PD per gap between held-out outputs),
  for scorecards fitted on few rows (``additive`` says why). It is non-decreasing: rows in one
  step tie, so it may merge ranks but never reverses them.

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


@dataclass(frozen=True)
class VennAbersCalibration:
    """The inductive Venn–Abers predictor's merged PD, ``p1 / (1 − p0 + p1)``, precomputed as
    a step function of ``z = offset + scale · raw``: ``knots`` are the calibration rows'
    distinct log-odds, and between two of them (and beyond the ends) the pair (p0, p1) of
    isotonic fits with the new row counted as good or as bad cannot change. ``values`` holds
    one PD per gap (``len(knots) + 1``), non-decreasing; a row at a knot takes the gap above.
    ``offset`` and ``scale`` map a scorecard's points onto log-odds (``scale`` < 0: more
    points, lower PD); a booster's log-odds need neither."""

    knots: tuple[float, ...]
    values: tuple[float, ...]
    offset: float = 0.0
    scale: float = 1.0
    # A small share of a Platt map of z (``platt`` = its intercept and slope, on z): strictly
    # increasing, it breaks the steps' ties, so rows rank as their raw outputs do.
    platt: tuple[float, float] = (0.0, 1.0)
    platt_share: float = 0.0

    def __post_init__(self) -> None:
        if len(self.values) != len(self.knots) + 1:
            raise ValueError("Venn–Abers calibration needs one value more than knots")
        if np.any(np.diff(self.knots) <= 0) or np.any(np.diff(self.values) < 0):
            raise ValueError("Venn–Abers knots must increase and values must not decrease")
        if self.scale == 0.0:
            raise ValueError("Venn–Abers scale must not be zero")
        if not 0.0 <= self.platt_share < 1.0 or self.platt[1] <= 0.0:
            raise ValueError("Venn–Abers: Platt share in [0, 1) and a positive Platt slope")

    def pd(self, raw: ArrayLike) -> np.ndarray:
        """Calibrated probabilities of default for raw outputs."""
        z = self.offset + self.scale * np.asarray(raw, dtype=float)
        gap = np.searchsorted(np.asarray(self.knots), z, side="right")
        steps = np.asarray(self.values)[gap]
        smooth = _sigmoid(self.platt[0] + self.platt[1] * z)
        return np.asarray((1.0 - self.platt_share) * steps + self.platt_share * smooth, dtype=float)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "venn-abers",
            "offset": self.offset,
            "scale": self.scale,
            "knots": list(self.knots),
            "values": list(self.values),
            "platt": list(self.platt),
            "platt_share": self.platt_share,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VennAbersCalibration:
        if data.get("method") != "venn-abers":
            raise ValueError(f"unknown calibration method {data.get('method')!r}")
        return cls(
            knots=tuple(float(v) for v in data["knots"]),
            values=tuple(float(v) for v in data["values"]),
            offset=float(data["offset"]),
            scale=float(data["scale"]),
            platt=(float(data["platt"][0]), float(data["platt"][1])),
            platt_share=float(data["platt_share"]),
        )


Calibration = PlattCalibration | IsotonicBlendCalibration | VennAbersCalibration


def calibration_from_json(data: dict[str, Any]) -> Calibration:
    """The calibration a stored model's JSON describes, by its ``method``."""
    method = data.get("method")
    if method == "platt":
        return PlattCalibration.from_json(data)
    if method == "isotonic-blend":
        return IsotonicBlendCalibration.from_json(data)
    if method == "venn-abers":
        return VennAbersCalibration.from_json(data)
    raise ValueError(f"unknown calibration method {method!r}")
