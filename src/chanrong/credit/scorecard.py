"""The champion: a scorecard of bins and points (and a few two-way tables), reasons and a
calibrated PD.

Fitting (``fitting.fit_scorecard``, ``additive``) reads boosted depth-2 trees into bins and
points per characteristic (missing values their own bin) and a few two-way tables of points over
two characteristics' bins; the earlier WoE scorecard (``fitting.fit_woe_scorecard``) has bins and
points only. What is kept is a plain table that scores rows with numpy alone, so the stored model
is data (JSON), not code; this module only loads and scores.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from pandas import DataFrame

from chanrong.credit.calibration import Calibration, calibration_from_json

# Points scaling: 600 points at odds 50:1 good:bad, 20 points to double the odds.
PDO, ODDS, BASE_POINTS = 20.0, 50.0, 600.0
FACTOR = PDO / math.log(2.0)
OFFSET = BASE_POINTS - FACTOR * math.log(ODDS)


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
            idx = np.searchsorted(self.split_array, x, side="right")
            return np.where(np.isnan(x), n, idx)
        lookup = self.category_index
        return np.array(
            [lookup.get(str(v), n) if not _is_missing(v) else n for v in values], dtype=np.int64
        )

    # Built once per loaded table, not on every decision (a frozen dataclass still lets
    # cached_property write to the instance's __dict__).
    @cached_property
    def split_array(self) -> np.ndarray:
        return np.asarray(self.splits, dtype=float)

    @cached_property
    def category_index(self) -> dict[str, int]:
        return {c: i for i, cats in enumerate(self.categories) for c in cats}

    @cached_property
    def point_table(self) -> np.ndarray:
        """Points per bin, the missing bin last."""
        return np.asarray((*self.points, self.missing_points), dtype=float)

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


@dataclass(frozen=True)
class Interaction:
    """Points for the combination of two characteristics' bins: a grid whose rows are the
    first characteristic's bins and whose columns the second's, each with its missing bin last
    (so a credit officer reads it as a two-way table). The axes carry bins only; their own
    points live in the characteristics of the same name."""

    first: Characteristic
    second: Characteristic
    points: tuple[float, ...]  # row-major, (len(first.labels) + 1) × (len(second.labels) + 1)

    @property
    def name(self) -> str:
        return f"{self.first.name} × {self.second.name}"

    @property
    def best_points(self) -> float:
        return max(self.points)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.first.labels) + 1, len(self.second.labels) + 1

    @cached_property
    def point_table(self) -> np.ndarray:
        return np.asarray(self.points, dtype=float)

    def bin_of_pair(self, a: pd.Series | np.ndarray, b: pd.Series | np.ndarray) -> np.ndarray:
        """Cell index per row (row-major over the two axes' bins)."""
        return np.asarray(self.first.bin_of(a) * self.shape[1] + self.second.bin_of(b))

    def label_of(self, index: int) -> str:
        i, j = divmod(index, self.shape[1])
        return f"{self.first.label_of(i)} & {self.second.label_of(j)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "first": self.first.to_json(),
            "second": self.second.to_json(),
            "points": list(self.points),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Interaction:
        return cls(
            first=Characteristic.from_json(d["first"]),
            second=Characteristic.from_json(d["second"]),
            points=tuple(float(p) for p in d["points"]),
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
    """A fitted scorecard as data: characteristics, intercept points and PD calibration, and
    optionally a few two-way interactions (each a table of points over two characteristics'
    bins, added to the score like a characteristic)."""

    characteristics: tuple[Characteristic, ...]
    intercept: float
    calibration: Calibration
    meta: dict[str, Any] = field(default_factory=dict)
    interactions: tuple[Interaction, ...] = ()

    @property
    def features(self) -> list[str]:
        # Every interaction's axes are characteristics too (fitting keeps them), so the
        # characteristics name every input.
        return [c.name for c in self.characteristics]

    @property
    def parts(self) -> tuple[Characteristic | Interaction, ...]:
        """Everything that earns points, characteristics first: what reasons rank."""
        return (*self.characteristics, *self.interactions)

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
            p = ch.point_table[b]
            points[ch.name], bins[ch.name] = p, b
            score += p
        for it in self.interactions:
            b = it.bin_of_pair(x[it.first.name], x[it.second.name])
            p = it.point_table[b]
            points[it.name], bins[it.name] = p, b
            score += p
        return PointsBreakdown(score=score, points=points, bins=bins)

    def score(self, x: DataFrame) -> np.ndarray:
        """Scorecard points per row (higher = safer)."""
        return self.breakdown(x).score

    def pd(self, x: DataFrame) -> np.ndarray:
        """Calibrated probability of default per row."""
        return self.calibration.pd(self.score(x))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "scorecard",
            "intercept": self.intercept,
            "calibration": self.calibration.to_json(),
            "characteristics": [c.to_json() for c in self.characteristics],
            "meta": self.meta,
        }
        if self.interactions:  # absent otherwise: tables stored before keep their bytes
            out["interactions"] = [i.to_json() for i in self.interactions]
        return out

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ScorecardTable:
        if d.get("kind") != "scorecard":
            raise ValueError("not a scorecard table")
        return cls(
            characteristics=tuple(Characteristic.from_json(c) for c in d["characteristics"]),
            intercept=float(d["intercept"]),
            # Platt (every table stored before) or Venn–Abers, by its ``method``.
            calibration=calibration_from_json(d["calibration"]),
            meta=dict(d.get("meta", {})),
            interactions=tuple(Interaction.from_json(i) for i in d.get("interactions", [])),
        )
