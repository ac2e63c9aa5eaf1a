"""Population stability: a model's development distribution, and PSI / CSI of a live population
measured on the development sample's own bins.

At training the score and every characteristic are cut into (up to) ten bins at the
development sample's deciles, plus one bin for a missing value; the cut points and the share of
development rows in each bin are kept in the model's manifest (``development_distribution``).
Monitoring later counts live applications into the same bins and compares the shares::

    PSI = Σ (live_i − dev_i) · ln(live_i / dev_i)

(the score's PSI; the same sum over a characteristic's bins is its CSI). An empty bin would
make the logarithm infinite, so a share is floored at ``FLOOR`` (0.0001) before the sum — the
usual convention; with it, one bin that empties completely adds a large but finite amount.

Thresholds as commonly used: below 0.1 stable; 0.1 to 0.25 a shift worth a look (warning);
above 0.25 a shifted population (alert).

Pure: numpy and the standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

FLOOR = 1e-4
WARNING, ALERT = 0.1, 0.25
QUANTILES = tuple(i / 10 for i in range(1, 10))


class Level(StrEnum):
    STABLE = "stable"
    WARNING = "warning"
    ALERT = "alert"


def level_of(index: float | None) -> Level:
    """The level a stability index stands at: alert above 0.25, warning above 0.1."""
    if index is None or math.isnan(index):
        return Level.STABLE
    if index > ALERT:
        return Level.ALERT
    if index > WARNING:
        return Level.WARNING
    return Level.STABLE


@dataclass(frozen=True)
class Bins:
    """Cut points of one variable (bin i holds values ≤ edges[i] and > edges[i-1]; the last
    finite bin everything above the last edge) and the development share of each bin, the
    missing bin last."""

    edges: tuple[float, ...]
    dev: tuple[float, ...]  # len(edges) + 2 shares: the finite bins, then missing

    def counts(self, values: Iterable[float | None]) -> np.ndarray:
        """How many values fall in each bin (missing last)."""
        out = np.zeros(len(self.edges) + 2, dtype=np.int64)
        arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
        missing = ~np.isfinite(arr)
        out[-1] = int(missing.sum())
        idx = np.searchsorted(np.asarray(self.edges, dtype=float), arr[~missing], side="left")
        np.add.at(out, idx, 1)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "dev": list(self.dev)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bins:
        edges = tuple(float(e) for e in data["edges"])
        dev = tuple(float(s) for s in data["dev"])
        if len(dev) != len(edges) + 2:
            raise ValueError("bins: one development share per bin and one for missing")
        return cls(edges, dev)


def shares(counts: np.ndarray) -> np.ndarray:
    """Counts as shares of their total (all zeros when there is nothing)."""
    total = counts.sum()
    return counts / total if total else np.zeros(len(counts), dtype=float)


def fit_bins(values: Sequence[float | None] | np.ndarray) -> Bins:
    """Bins at the development sample's deciles (fewer when values repeat) and its shares."""
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    finite = arr[np.isfinite(arr)]
    edges: tuple[float, ...] = ()
    if len(finite):
        # Distinct cut points strictly below the maximum: every finite bin holds something.
        cuts = np.unique(np.quantile(finite, QUANTILES, method="lower"))
        edges = tuple(float(c) for c in cuts if c < finite.max())
    draft = Bins(edges, (0.0,) * (len(edges) + 2))
    dev = shares(draft.counts(arr.tolist()))
    return Bins(edges, tuple(float(round(s, 10)) for s in dev))


def stability_index(dev: Sequence[float] | np.ndarray, live: Sequence[float] | np.ndarray) -> float:
    """Σ (live − dev) · ln(live / dev) over the bins, shares floored at ``FLOOR``."""
    e = np.maximum(np.asarray(dev, dtype=float), FLOOR)
    a = np.maximum(np.asarray(live, dtype=float), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def development_distribution(
    scores: np.ndarray, characteristics: Mapping[str, Sequence[float | None] | np.ndarray]
) -> dict[str, Any]:
    """What a manifest keeps of the development sample: the score's and each characteristic's
    bins with their shares, and the number of rows."""
    return {
        "rows": len(scores),
        "quantiles": list(QUANTILES),
        "floor": FLOOR,
        "score": fit_bins(scores).to_json(),
        "characteristics": {
            name: fit_bins(values).to_json() for name, values in characteristics.items()
        },
    }


@dataclass(frozen=True)
class Stability:
    """A live population against the development sample: the score's PSI, each
    characteristic's CSI, the live shares they came from and the level reached."""

    rows: int
    psi: float | None  # None without live rows
    csi: dict[str, float]
    live_score: tuple[float, ...]
    level: Level

    @property
    def worst(self) -> tuple[str, float] | None:
        """The characteristic that moved most."""
        if not self.csi:
            return None
        name = max(self.csi, key=lambda k: self.csi[k])
        return name, self.csi[name]


def measure(
    development: Mapping[str, Any],
    scores: Sequence[float | None],
    characteristics: Mapping[str, Sequence[float | None]],
) -> Stability:
    """PSI of the live ``scores`` and CSI of each live characteristic on the development bins
    (characteristics the development sample did not bin are not measured)."""
    rows = len(scores)
    score_bins = Bins.from_json(development["score"])
    if rows == 0:
        return Stability(0, None, {}, (), Level.STABLE)
    live = shares(score_bins.counts(scores))
    psi = stability_index(score_bins.dev, live)
    csi: dict[str, float] = {}
    for name, spec in development.get("characteristics", {}).items():
        if name in characteristics:
            bins = Bins.from_json(spec)
            csi[name] = stability_index(bins.dev, shares(bins.counts(characteristics[name])))
    top = max([psi, *csi.values()])
    return Stability(rows, psi, csi, tuple(float(s) for s in live), level_of(top))
