"""Discrimination and calibration measures shared by training, validation and benchmarks."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import roc_auc_score


def auc(y: ArrayLike, risk: ArrayLike) -> float:
    """Area under the ROC curve, with ``risk`` larger for worse cases."""
    return float(roc_auc_score(np.asarray(y), np.asarray(risk)))


def gini(y: ArrayLike, risk: ArrayLike) -> float:
    """Gini (accuracy ratio) = 2·AUC − 1."""
    return 2.0 * auc(y, risk) - 1.0


def ks(y: ArrayLike, risk: ArrayLike) -> float:
    """Kolmogorov–Smirnov: the largest gap between the bad and good cumulative distributions."""
    yy = np.asarray(y).astype(bool)
    rr = np.asarray(risk, dtype=float)
    order = np.argsort(-rr, kind="mergesort")
    ys, rs = yy[order], rr[order]
    # Evaluate only at the last row of each tied risk value so ties do not inflate KS.
    last = np.r_[rs[1:] != rs[:-1], True]
    bad = np.cumsum(ys)[last] / max(ys.sum(), 1)
    good = np.cumsum(~ys)[last] / max((~ys).sum(), 1)
    return float(np.max(np.abs(bad - good))) if len(bad) else 0.0


def brier(y: ArrayLike, pd_: ArrayLike) -> float:
    """Mean squared error of the probability of default."""
    yy = np.asarray(y, dtype=float)
    return float(np.mean((np.asarray(pd_, dtype=float) - yy) ** 2))


def _bin_indices(pp: np.ndarray, bins: int, strategy: str) -> list[np.ndarray]:
    """Row indices per calibration bin: equal counts of rows, or equal widths of PD in [0, 1]."""
    if strategy == "count":
        order = np.argsort(pp, kind="mergesort")
        return [c for c in np.array_split(order, bins) if len(c)]
    if strategy == "width":
        # The top edge belongs to the last bin, so PD = 1 is counted.
        idx = np.minimum((pp * bins).astype(int), bins - 1)
        return [np.flatnonzero(idx == b) for b in range(bins) if np.any(idx == b)]
    raise ValueError(f"unknown calibration binning {strategy!r}: use 'count' or 'width'")


def ece(y: ArrayLike, pd_: ArrayLike, *, bins: int = 10, strategy: str = "count") -> float:
    """Expected calibration error: the row-weighted gap between mean predicted PD and observed
    bad rate, over ``bins`` equal-count bins of predicted PD (``strategy="count"``) or equal-width
    bins of [0, 1] (``strategy="width"``)."""
    yy = np.asarray(y, dtype=float)
    pp = np.asarray(pd_, dtype=float)
    total = 0.0
    for chunk in _bin_indices(pp, bins, strategy):
        total += len(chunk) * abs(pp[chunk].mean() - yy[chunk].mean())
    return total / max(len(yy), 1)


def ece_floor(
    pd_: ArrayLike,
    *,
    bins: int = 10,
    strategy: str = "count",
    draws: int = 200,
    seed: int = 0,
) -> float:
    """The ECE a perfectly calibrated model would show on these rows: outcomes drawn ``draws``
    times from ``pd_`` itself, the mean ECE over the draws (same bins as :func:`ece`). It is
    the floor that sampling alone sets for a test set of this size and PD distribution: an ECE
    near it cannot be told from perfect calibration."""
    pp = np.asarray(pd_, dtype=float)
    if len(pp) == 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    # Bins depend on the PDs only, so every draw shares them: per bin, the gap between the
    # PDs' sum and the drawn outcomes' sum.
    chunks = _bin_indices(pp, bins, strategy)
    drawn = rng.uniform(size=(draws, len(pp))) < pp
    total = np.zeros(draws)
    for chunk in chunks:
        total += np.abs(pp[chunk].sum() - drawn[:, chunk].sum(axis=1))
    return float(np.mean(total) / len(pp))


def calibration_table(
    y: ArrayLike, pd_: ArrayLike, *, bins: int = 10, strategy: str = "count"
) -> list[tuple[float, float, int]]:
    """(mean predicted PD, observed bad rate, count) per non-empty bin, lowest PD first; bins
    as in :func:`ece`."""
    yy = np.asarray(y, dtype=float)
    pp = np.asarray(pd_, dtype=float)
    return [
        (float(pp[c].mean()), float(yy[c].mean()), len(c)) for c in _bin_indices(pp, bins, strategy)
    ]


def psi(expected: ArrayLike, actual: ArrayLike, *, bins: int = 10) -> float:
    """Population stability index of ``actual`` against ``expected`` on expected's deciles."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    edges = np.unique(np.quantile(e, np.linspace(0, 1, bins + 1)[1:-1]))
    e_share = np.bincount(np.searchsorted(edges, e, side="right"), minlength=len(edges) + 1)
    a_share = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1)
    # A small floor keeps empty bins from making the index infinite.
    ep = np.maximum(e_share / max(len(e), 1), 1e-4)
    ap = np.maximum(a_share / max(len(a), 1), 1e-4)
    return float(np.sum((ap - ep) * np.log(ap / ep)))
