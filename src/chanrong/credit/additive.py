"""Fitting the champion scorecard as an additive model read off boosted trees.

Stage 1 boosts stumps (one split per tree), so the model is a sum of one function per
characteristic, each a step function: its steps are the characteristic's bins and its values
the bins' points. Missing values follow their own branch in every tree, so they get their own
bin. Stage 2 boosts depth-2 trees restricted to a few pairs of characteristics (the pairs whose
depth-2 trees gained most on the stage-1 residuals of the training rows), coarsely binned, so
each pair is a small two-way table of points. The number of rounds of both stages comes from
early stopping in inner folds of the training rows; PD is Platt-scaled on the inner folds'
out-of-fold log-odds. What is kept is the plain scorecard table (``scorecard.ScorecardTable``):
the boosters are read into bins and points and dropped, and a check on every training row
proves the table scores exactly what the trees score.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.isotonic import isotonic_regression
from sklearn.model_selection import StratifiedKFold

from chanrong.credit.calibration import Calibration, PlattCalibration, VennAbersCalibration
from chanrong.credit.metrics import auc
from chanrong.credit.scorecard import (
    FACTOR,
    OFFSET,
    Characteristic,
    Interaction,
    ScorecardTable,
)

# Depth-2 trees: every leaf's path tests at most two characteristics. 32 histogram bins cap a
# characteristic at 31 splits and a two-way table at 33 × 33 cells.
MODEL_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "num_leaves": 4,
    "max_depth": 2,
    "learning_rate": 0.2,
    "min_child_samples": 20,
    "max_bin": 32,
    "num_threads": 1,  # a shared machine: OpenMP threads spin against each other
    "verbose": -1,
}
# Two-way tables at most: 10 kept HMEQ at 0.930 AUC, 24 reached 0.944 (benchmarks/RESULTS.md).
PAIRS = 24
DETECT_ROUNDS = 100  # unrestricted rounds that rank the pairs
MAX_ROUNDS = 3000
PATIENCE = 50
# PD is Platt on the inner folds' out-of-fold log-odds. Venn–Abers (``calibration=
# "venn-abers"``) is a measured variant, not the default: over six CV seeds on Australian and on
# 700-row HMEQ samples it lowered the pooled out-of-fold ECE (0.031/0.032 → 0.028/0.029 and
# 0.029/0.031 → 0.028/0.024, count/width) but not the per-fold mean of the worse binning
# (0.0647 → 0.0644, 0.0688 → 0.0688), and on the benchmark's seed it raised it (0.064 → 0.071)
# at twice the fit time (benchmarks/RESULTS.md, issue 24 fourth pass). Choosing among Platt,
# isotonic and Venn–Abers by inner-CV log-loss picked Platt 42 times in 50 and gained nothing.
# The variant applies below this many training rows (its fit grows with the square of them).
VENN_ABERS_BELOW_ROWS = 2000
# Venn–Abers is a step function: rows in one step tie, which cost 0.0016 AUC on 700-row HMEQ
# samples. This share of the Platt map breaks the ties (the ranking is the points'), and moves
# PD by at most that share of the two maps' gap.
VENN_ABERS_PLATT_SHARE = 0.05


# The Platt fit is two numbers by Newton's method in numpy: scikit-learn's LogisticRegression
# took 43 ms of the challenger's 256 ms fit on Australian (552 rows; RESULTS.md, issue 24 fourth
# pass), mostly its set-up. The tiny ridge matches the earlier LogisticRegression(C=1e6) and
# keeps a perfectly separating held-out set finite.
PLATT_RIDGE = 1e-6
PLATT_STEPS = 100


def _newton_logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of a one-variable logistic regression (``x`` standardised), with a
    ridge of ``PLATT_RIDGE`` on the slope only; damped Newton steps until they stop moving."""
    a, b = 0.0, 0.0

    def loss(a: float, b: float) -> float:
        z = a + b * x
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * PLATT_RIDGE * b * b)

    current = loss(a, b)
    for _ in range(PLATT_STEPS):
        p = 1.0 / (1.0 + np.exp(-(a + b * x)))
        w = p * (1.0 - p)
        g = np.array([np.sum(p - y), np.sum((p - y) * x) + PLATT_RIDGE * b])
        h = np.array(
            [[np.sum(w) + 1e-12, np.sum(w * x)], [np.sum(w * x), np.sum(w * x * x) + PLATT_RIDGE]]
        )
        step = np.linalg.solve(h, g)
        t = 1.0
        # Halve the step until the loss falls (Newton can overshoot on near-separable rows).
        while t > 1e-8 and loss(a - t * step[0], b - t * step[1]) > current:
            t /= 2
        a, b = a - t * float(step[0]), b - t * float(step[1])
        new = loss(a, b)
        if abs(current - new) <= 1e-12 * max(1.0, abs(current)) or t <= 1e-8:
            break
        current = new
    return a, b


def fit_platt(raw: ArrayLike, y: ArrayLike) -> PlattCalibration:
    """Fit Platt scaling on held-out raw outputs (log-odds) and their outcomes; never one that
    reverses the outputs' order."""
    x = np.asarray(raw, dtype=float).reshape(-1)
    yy = np.asarray(y, dtype=float).reshape(-1)
    # Scale first so the regulariser does not depend on the units of the raw output.
    mu, sd = float(x.mean()), float(x.std()) or 1.0
    a, b = _newton_logistic((x - mu) / sd, yy)
    slope = b / sd
    intercept = a - slope * mu
    if slope <= 0.0:
        # Held-out outputs that do not rank the outcomes (a small or weak training set) give
        # a slope of zero or below, which would turn the model around: its best bands would
        # carry the highest PD and a decline would have no reason against it. The raw
        # outputs are LightGBM's log-odds, so they are then taken as they are.
        return PlattCalibration(intercept=0.0, slope=1.0)
    return PlattCalibration(intercept=intercept, slope=slope)


def fit_venn_abers(raw: ArrayLike, y: ArrayLike) -> VennAbersCalibration:
    """The inductive Venn–Abers predictor on held-out log-odds ``raw`` and their outcomes,
    precomputed per gap between distinct held-out values: p0 (p1) is the isotonic fit, at the
    new row, of the held-out rows plus the new row counted good (bad); PD = p1 / (1 − p0 + p1).
    Tied held-out values are pooled first, as isotonic regression does."""
    z = np.asarray(raw, dtype=float).reshape(-1)
    yy = np.asarray(y, dtype=float).reshape(-1)
    knots, inverse, counts = np.unique(z, return_inverse=True, return_counts=True)
    means = np.bincount(inverse, weights=yy) / counts
    values = np.empty(len(knots) + 1)
    for gap in range(len(knots) + 1):
        # The new row sits between knot gap − 1 and knot gap, with weight one.
        w = np.insert(counts.astype(float), gap, 1.0)
        p = []
        for label in (0.0, 1.0):
            fit = isotonic_regression(np.insert(means, gap, label), sample_weight=w)
            p.append(float(fit[gap]))
        p0, p1 = p
        values[gap] = p1 / (1.0 - p0 + p1)
    # Each of p0, p1 rises with the gap, so the merged PD does too; the running maximum only
    # irons out rounding.
    values = np.maximum.accumulate(values)
    return VennAbersCalibration(
        knots=tuple(float(v) for v in knots),
        values=tuple(float(v) for v in values),
    )


def interval_labels(splits: Sequence[float]) -> tuple[str, ...]:
    """``[a, b)`` per bin between consecutive splits."""
    edges = [-math.inf, *splits, math.inf]
    return tuple(f"[{edges[i]:.6g}, {edges[i + 1]:.6g})" for i in range(len(edges) - 1))


Part = frozenset[int]  # the characteristics a leaf's path tests: one (a bin) or two (a cell)


@dataclass
class _Read:
    """One booster read leaf by leaf: each leaf belongs to the part its path tests (a depth-2
    path tests at most two characteristics, so every leaf is a bin or a two-way cell)."""

    booster: lgb.Booster
    cols: list[int]  # the booster's columns as characteristic indices
    leaves: list[dict[int, tuple[Part, float]]]  # per tree: leaf index → (part, value)
    thresholds: dict[Part, dict[int, set[float]]]  # per part: numeric thresholds per feature

    @classmethod
    def of(cls, booster: lgb.Booster, cols: list[int]) -> _Read:
        leaves: list[dict[int, tuple[Part, float]]] = []
        thresholds: dict[Part, dict[int, set[float]]] = {}
        exact = _exact_thresholds(booster)
        for n_tree, info in enumerate(booster.dump_model()["tree_info"]):
            tree: dict[int, tuple[Part, float]] = {}
            stack: list[tuple[dict[str, Any], tuple[tuple[int, float | None], ...]]] = [
                (info["tree_structure"], ())
            ]
            while stack:
                node, path = stack.pop()
                if "split_feature" not in node:
                    part: Part = frozenset(f for f, _ in path)
                    tree[int(node.get("leaf_index", 0))] = (part, float(node["leaf_value"]))
                    for f, t in path:
                        if t is not None:
                            thresholds.setdefault(part, {}).setdefault(f, set()).add(t)
                    continue
                f = cols[int(node["split_feature"])]
                t = (
                    exact[n_tree][int(node["split_index"])]
                    if node["decision_type"] == "<="
                    else None
                )
                for side in ("left_child", "right_child"):
                    stack.append((node[side], (*path, (f, t))))
            leaves.append(tree)
        return cls(booster, cols, leaves, thresholds)

    def value(self, part: Part, probe: np.ndarray) -> np.ndarray:
        """The summed values of this part's leaves that each probe row reaches (a probe row
        holds every characteristic; the booster reads its own columns)."""
        out = np.zeros(len(probe))
        if not any(_has(t, part) for t in self.leaves):
            return out
        leaf = np.asarray(
            self.booster.predict(probe[:, self.cols], pred_leaf=True), dtype=np.int64
        ).reshape(len(probe), -1)
        for t, tree in enumerate(self.leaves):
            table = {k: v for k, (pt, v) in tree.items() if pt == part}
            if table:
                out += np.array([table.get(int(k), 0.0) for k in leaf[:, t]])
        return out


def _exact_thresholds(booster: lgb.Booster) -> list[list[float]]:
    """Per tree, the split thresholds by split index as the booster compares them: its JSON
    dump rounds them to six digits, its text model keeps every digit."""
    out: list[list[float]] = []
    for line in booster.model_to_string().splitlines():
        if line.startswith("Tree="):
            out.append([])
        elif line.startswith("threshold=") and out:
            out[-1] = [float(v) for v in line.removeprefix("threshold=").split()]
    return out


def _nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for side in ("left_child", "right_child"):
        if side in node:
            yield from _nodes(node[side])


def _has(tree: dict[int, tuple[Part, float]], part: Part) -> bool:
    return any(pt == part for pt, _ in tree.values())


class _Encoded:
    """The training frame as LightGBM sees it: floats, categories as their training codes."""

    def __init__(self, x: pd.DataFrame) -> None:
        self.names = [str(c) for c in x.columns]
        self.categories = {
            str(c): sorted({str(v) for v in x[c].dropna()})
            for c in x.columns
            if not pd.api.types.is_numeric_dtype(x[c])
        }
        self.cat_idx = [i for i, n in enumerate(self.names) if n in self.categories]
        m = np.empty((len(x), len(self.names)), dtype=float)
        for i, n in enumerate(self.names):
            col = x[x.columns[i]]
            if n in self.categories:
                codes = {c: k for k, c in enumerate(self.categories[n])}
                m[:, i] = [codes[str(v)] if pd.notna(v) else np.nan for v in col]
            else:
                m[:, i] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        self.m = m
        self.has_missing = [bool(v) for v in np.isnan(m).sum(axis=0) > 0]

    def axis(self, j: int, thresholds: set[float]) -> tuple[Characteristic, np.ndarray]:
        """Bins of characteristic ``j`` at the trees' thresholds, and one probe value per bin
        (the missing bin last, probed with NaN)."""
        name = self.names[j]
        if name in self.categories:
            cats = self.categories[name]
            char = Characteristic(
                name=name,
                kind="categorical",
                categories=tuple((c,) for c in cats),
                labels=tuple(cats),
                points=(0.0,) * len(cats),
            )
            return char, np.array([*range(len(cats)), np.nan], dtype=float)
        # A split at +inf only parts missing values from the rest: the missing bin does that.
        ts = sorted(t for t in thresholds if math.isfinite(t))
        # LightGBM sends x ≤ t left; scoring counts splits ≤ x, so each split sits just above t.
        splits = tuple(float(np.nextafter(t, np.inf)) for t in ts)
        # Probe inside each bin, away from its edges: LightGBM reads |x| ≤ 1e-35 as 0, so an
        # edge at ±1e-35 (its split around zero) probed at the edge lands in the wrong bin.
        probes = (
            [
                ts[0] - max(1.0, abs(ts[0])),
                *((lo + hi) / 2 for lo, hi in itertools.pairwise(ts)),
                ts[-1] + max(1.0, abs(ts[-1])),
            ]
            if ts
            else [0.0]
        )
        char = Characteristic(
            name=name,
            kind="numerical",
            splits=splits,
            labels=interval_labels(splits),
            points=(0.0,) * (len(ts) + 1),
        )
        return char, np.array([*probes, np.nan], dtype=float)


def _inner_fit(
    params: dict[str, Any],
    m: np.ndarray,
    y: np.ndarray,
    cat_idx: list[int],
    folds: list[tuple[np.ndarray, np.ndarray]],
    init: list[tuple[np.ndarray, np.ndarray]] | None,
    constraints: list[list[int]] | None = None,
) -> tuple[int, list[np.ndarray], list[lgb.Booster]]:
    """Early-stopped boosters on the inner folds: the mean best round count, each fold's
    held-out raw output (its own trees only, without the init score) and the boosters."""
    p = dict(params)
    if constraints:
        p["interaction_constraints"] = constraints
    best, held, boosters = [], [], []
    for k, (tr, va) in enumerate(folds):
        itr, iva = init[k] if init else (None, None)
        dtr = lgb.Dataset(m[tr], y[tr], init_score=itr, categorical_feature=cat_idx, params=p)
        dva = lgb.Dataset(m[va], y[va], init_score=iva, reference=dtr)
        b = lgb.train(
            p,
            dtr,
            num_boost_round=MAX_ROUNDS,
            valid_sets=[dva],
            callbacks=[lgb.early_stopping(PATIENCE, verbose=False)],
        )
        best.append(b.best_iteration)
        held.append(np.asarray(b.predict(m[va], raw_score=True), dtype=float))
        boosters.append(b)
    # The final model sees every row, inner_folds / (inner_folds − 1) times an inner fold's:
    # it carries on proportionally longer before it overfits.
    scale = len(folds) / max(len(folds) - 1, 1)
    return max(1, round(scale * float(np.mean(best)))), held, boosters


def _rank_pairs(enc: _Encoded, y: np.ndarray, seed: int) -> list[tuple[int, int]]:
    """Pairs of characteristics ordered by the gain of unrestricted depth-2 trees whose two
    levels split on both."""
    p = dict(MODEL_PARAMS, seed=seed)
    d = lgb.Dataset(enc.m, y, categorical_feature=enc.cat_idx, params=p)
    b = lgb.train(p, d, num_boost_round=DETECT_ROUNDS)
    gain: dict[tuple[int, int], float] = {}
    for info in b.dump_model()["tree_info"]:
        root = info["tree_structure"]
        if "split_feature" not in root:
            continue
        for side in ("left_child", "right_child"):
            child = root[side]
            a, c = int(root["split_feature"]), int(child.get("split_feature", -1))
            if c >= 0 and c != a:
                key = (min(a, c), max(a, c))
                gain[key] = gain.get(key, 0.0) + float(child["split_gain"])
    return sorted(gain, key=lambda k: -gain[k])


def _trend(points: Sequence[float] | np.ndarray) -> str:
    d = np.diff(np.asarray(points, dtype=float))
    if len(d) and np.all(d <= 1e-9):
        return "risk ascending"
    if len(d) and np.all(d >= -1e-9):
        return "risk descending"
    return "free"


def _merge_equal(char: Characteristic, pts: np.ndarray) -> tuple[Characteristic, np.ndarray]:
    """Drop numeric splits between bins of equal points (the scores do not change)."""
    if char.kind != "numerical" or len(char.splits) == 0:
        return char, pts
    body = pts[:-1]
    keep = [i for i in range(1, len(body)) if abs(body[i] - body[i - 1]) > 1e-9]
    splits = tuple(char.splits[i - 1] for i in keep)
    merged = np.array([body[0], *(body[i] for i in keep), pts[-1]])
    return (
        Characteristic(
            name=char.name,
            kind="numerical",
            splits=splits,
            labels=interval_labels(splits),
            points=(0.0,) * len(merged[:-1]),
        ),
        merged,
    )


CALIBRATIONS = ("platt", "venn-abers")


def fit_additive_scorecard(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    seed: int = 42,
    inner_folds: int = 3,
    pairs: int = PAIRS,
    calibration: str = "platt",
) -> ScorecardTable:
    """Fit the champion scorecard (see the module's docstring) on every training row; PD by
    ``calibration`` (Venn–Abers only below ``VENN_ABERS_BELOW_ROWS`` rows, Platt otherwise)."""
    if calibration not in CALIBRATIONS:
        raise ValueError(f"calibration: {calibration!r} is not one of {', '.join(CALIBRATIONS)}")
    y = np.asarray(y).astype(int)
    x = x.reset_index(drop=True)
    enc = _Encoded(x)
    m = enc.m
    p = m.shape[1]
    folds = list(StratifiedKFold(inner_folds, shuffle=True, random_state=seed).split(m, y))
    params = dict(MODEL_PARAMS, seed=seed)
    chosen = _rank_pairs(enc, y, seed)[:pairs] if pairs else []
    # LightGBM's constraints hold per branch: a leaf's path tests one allowed pair (or one
    # characteristic), so each leaf is a bin of one characteristic or a cell of one table.
    params["interaction_constraints"] = [[a, b] for a, b in chosen] + [[j] for j in range(p)]
    rounds, held, _ = _inner_fit(params, m, y, enc.cat_idx, folds, None)
    oof = np.zeros(len(y))
    for (_, va), h in zip(folds, held, strict=True):
        oof[va] = h
    booster = lgb.train(
        params,
        lgb.Dataset(m, y, categorical_feature=enc.cat_idx, params=params),
        num_boost_round=rounds,
    )
    venn_abers = calibration == "venn-abers" and len(y) < VENN_ABERS_BELOW_ROWS
    meta = {"rounds": rounds, "seed": seed}
    return _table(enc, y, booster, None, [], oof, meta, venn_abers=venn_abers)


def _table(
    enc: _Encoded,
    y: np.ndarray,
    b1: lgb.Booster,
    b2: lgb.Booster | None,
    cols: list[int],
    oof: np.ndarray,
    meta: dict[str, Any],
    *,
    venn_abers: bool = False,
) -> ScorecardTable:
    """Read the boosters into bins and points, centred on the training rows (0 points = an
    average row; a missing value never seen in training scores 0)."""
    m = enc.m
    p = m.shape[1]
    reads = [_Read.of(b1, list(range(p)))]
    z = np.asarray(b1.predict(m, raw_score=True), dtype=float)
    if b2 is not None:
        reads.append(_Read.of(b2, cols))
        z += np.asarray(b2.predict(m[:, cols], raw_score=True), dtype=float)

    def thresholds(part: Part, j: int) -> set[float]:
        return set().union(*(r.thresholds.get(part, {}).get(j, set()) for r in reads))

    def values(part: Part, probe: np.ndarray) -> np.ndarray:
        return np.asarray(sum(r.value(part, probe) for r in reads), dtype=float)

    chars: list[Characteristic] = []
    parts_train = np.zeros(len(y))  # the table's log-odds contributions on the training rows
    for j in range(p):
        part = frozenset({j})
        char, probes = enc.axis(j, thresholds(part, j))
        probe = np.full((len(probes), p), np.nan)
        probe[:, j] = probes
        v = values(part, probe)
        rows = char.bin_of(_axis_values(enc, j))
        g = v - float(np.mean(v[rows]))
        if not enc.has_missing[j]:
            g[-1] = 0.0
        parts_train += g[rows]
        char, g = _merge_equal(char, g)
        pts = -FACTOR * g
        chars.append(
            Characteristic(
                name=char.name,
                kind=char.kind,
                splits=char.splits,
                categories=char.categories,
                labels=char.labels,
                points=tuple(float(v) for v in pts[:-1]),
                missing_points=float(pts[-1]),
                trend=_trend(pts[:-1]),
            )
        )
    pairs = sorted(
        {pt for r in reads for tree in r.leaves for pt, _ in tree.values() if len(pt) == 2},
        key=sorted,
    )
    inters: list[Interaction] = []
    for part in pairs:
        a, b = sorted(part)
        ax, pa = enc.axis(a, thresholds(part, a))
        bx, pb = enc.axis(b, thresholds(part, b))
        probe = np.full((len(pa) * len(pb), p), np.nan)
        probe[:, a] = np.repeat(pa, len(pb))
        probe[:, b] = np.tile(pb, len(pa))
        grid = values(part, probe).reshape(len(pa), len(pb))
        rows = ax.bin_of(_axis_values(enc, a)) * len(pb) + bx.bin_of(_axis_values(enc, b))
        g = grid.reshape(-1) - float(np.mean(grid.reshape(-1)[rows]))
        # An axis never missing in training: its missing row scores 0, as for a
        # characteristic (LightGBM would read the missing value as 0).
        g2 = g.reshape(len(pa), len(pb))
        if not enc.has_missing[a]:
            g2[-1, :] = 0.0
        if not enc.has_missing[b]:
            g2[:, -1] = 0.0
        parts_train += g[rows]
        inters.append(Interaction(ax, bx, tuple(float(v) for v in -FACTOR * g)))
    rest = z - parts_train
    # The table must score what the trees score: any gap is a reading error, not noise.
    if float(np.ptp(rest)) > 1e-6:
        raise RuntimeError(f"scorecard table departs from its trees by {np.ptp(rest):.3g}")
    b0 = float(np.mean(rest))
    calibration: Calibration
    if venn_abers:
        # Knots on the out-of-fold log-odds z; a table scores points = OFFSET − FACTOR·z, so
        # the step function reads z back as (OFFSET − points) / FACTOR.
        on_z = fit_platt(oof, y)
        calibration = replace(
            fit_venn_abers(oof, y),
            offset=OFFSET / FACTOR,
            scale=-1.0 / FACTOR,
            platt=(on_z.intercept, on_z.slope),
            platt_share=VENN_ABERS_PLATT_SHARE,
        )
        calibrated_by = "Venn–Abers on the inner folds' out-of-fold log-odds"
    else:
        # score = OFFSET − FACTOR·z, so a Platt fit on the out-of-fold log-odds maps onto points.
        on_logit = fit_platt(oof, y)
        calibration = PlattCalibration(
            intercept=on_logit.intercept + on_logit.slope * OFFSET / FACTOR,
            slope=-on_logit.slope / FACTOR,
        )
        calibrated_by = "Platt on the inner folds' out-of-fold log-odds"
    meta |= {
        "calibration": calibrated_by,
        "model": "additive boosted scorecard",
        "inner_cv_auc": round(auc(y, oof), 6),
        "interactions": [i.name for i in inters],
        "bins": {c.name: len(c.labels) + 1 for c in chars},
    }
    return ScorecardTable(
        characteristics=tuple(chars),
        intercept=OFFSET - FACTOR * b0,
        calibration=calibration,
        meta=meta,
        interactions=tuple(inters),
    )


def _axis_values(enc: _Encoded, j: int) -> np.ndarray:
    """Column ``j`` as the axis' ``bin_of`` reads it (category names for a categorical)."""
    col = enc.m[:, j]
    if enc.names[j] not in enc.categories:
        return col
    cats = enc.categories[enc.names[j]]
    return np.array([None if np.isnan(v) else cats[int(v)] for v in col], dtype=object)
