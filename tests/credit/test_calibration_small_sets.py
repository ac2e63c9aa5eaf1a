"""Calibration of the scorecard on small training sets: the Venn–Abers variant as the
inductive Venn–Abers predictor defines it (checked against isotonic regression row by row),
stored as JSON in the scorecard, read back to the same PD, never reversing the points' order;
Platt (the default) by Newton's method as scikit-learn's logistic regression fits it; tables
stored with Platt still load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from chanrong.credit.additive import VENN_ABERS_BELOW_ROWS, fit_platt, fit_venn_abers
from chanrong.credit.calibration import (
    PlattCalibration,
    VennAbersCalibration,
    calibration_from_json,
)
from chanrong.credit.fitting import fit_scorecard
from chanrong.credit.scorecard import ScorecardTable

DATA = Path(__file__).parent / "data"


def _held_out(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    raw = np.round(rng.normal(size=n) * 1.5, 2)  # rounded: tied held-out values too
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.8 * raw - 0.3)))).astype(int)
    return raw, y


def test_venn_abers_is_the_inductive_predictor_of_isotonic_fits() -> None:
    raw, y = _held_out(300, seed=1)
    va = fit_venn_abers(raw, y)
    probe = np.r_[np.random.default_rng(2).normal(size=60) * 2, -30.0, 30.0]
    for t in probe:
        p = [
            IsotonicRegression().fit(np.r_[raw, t], np.r_[y, label]).predict([t])[0]
            for label in (0, 1)
        ]
        assert va.pd([t])[0] == pytest.approx(p[1] / (1 - p[0] + p[1]), abs=1e-9)
    values = np.asarray(va.values)
    assert np.all(np.diff(values) >= 0) and 0 < values[0] < values[-1] < 1
    assert len(va.knots) == len(np.unique(raw))


def test_venn_abers_round_trips_as_json_and_its_platt_share_breaks_ties() -> None:
    raw, y = _held_out(400, seed=3)
    steps = fit_venn_abers(raw, y)
    probe = np.linspace(-4, 4, 500)
    assert len(np.unique(steps.pd(probe))) < len(probe)  # a step function: rows tie
    platt = fit_platt(raw, y)
    mixed = VennAbersCalibration(
        steps.knots, steps.values, offset=1.0, scale=-0.5, platt=(0.1, 0.9), platt_share=0.05
    )
    back = calibration_from_json(json.loads(json.dumps(mixed.to_json())))
    assert back == mixed
    np.testing.assert_array_equal(back.pd(probe), mixed.pd(probe))
    # Points go down as log-odds go up (scale < 0): PD strictly falls with the points.
    assert np.all(np.diff(mixed.pd(probe)) < 0)
    z = 1.0 - 0.5 * probe
    expected = 0.95 * steps.pd(z) + 0.05 / (1 + np.exp(-(0.1 + 0.9 * z)))
    np.testing.assert_allclose(mixed.pd(probe), expected, rtol=0, atol=1e-12)
    assert platt.slope > 0
    with pytest.raises(ValueError, match="share"):
        VennAbersCalibration(steps.knots, steps.values, platt_share=1.0)


def test_platt_by_newton_matches_scikit_learns_logistic_regression() -> None:
    rng = np.random.default_rng(4)
    for n in (60, 552, 4000):
        raw = rng.normal(size=n) * 2 + 0.5
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(1.3 * raw - 1.0)))).astype(int)
        x = raw.reshape(-1, 1)
        mu, sd = x.mean(), x.std()
        lr = LogisticRegression(C=1e6, max_iter=1000, tol=1e-12).fit((x - mu) / sd, y)
        slope = lr.coef_[0, 0] / sd
        ref = 1 / (1 + np.exp(-(lr.intercept_[0] - slope * mu + slope * raw)))
        np.testing.assert_allclose(fit_platt(raw, y).pd(raw), ref, rtol=0, atol=1e-6)
    # Outputs that do not rank the outcomes are taken as they are, never turned around.
    assert fit_platt(np.zeros(20), np.r_[np.zeros(10), np.ones(10)]) == PlattCalibration(0.0, 1.0)


def test_small_scorecard_is_venn_abers_stored_as_json_and_older_tables_still_load() -> None:
    rng = np.random.default_rng(5)
    n = 600
    x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["p", "q", "r"], size=n)})
    z = 1.4 * x["a"].to_numpy() + (x["b"] == "r") - 0.8
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(int)
    assert n < VENN_ABERS_BELOW_ROWS
    assert isinstance(fit_scorecard(x, y, seed=1).calibration, PlattCalibration)  # the default
    card = fit_scorecard(x, y, seed=1, calibration="venn-abers")
    assert isinstance(card.calibration, VennAbersCalibration)
    assert card.meta["calibration"].startswith("Venn–Abers")
    back = ScorecardTable.from_json(json.loads(json.dumps(card.to_json())))
    np.testing.assert_array_equal(back.pd(x), card.pd(x))
    # More points, lower PD, strictly: the ranking is the points'.
    order = np.argsort(card.score(x))
    pd_sorted = card.pd(x)[order]
    score_sorted = card.score(x)[order]
    distinct = np.diff(score_sorted) > 1e-9
    assert np.all(np.diff(pd_sorted)[distinct] < 0)
    # A table stored with Platt before Venn–Abers existed loads and scores as Platt.
    old = json.loads((DATA / "decisions_v1_scorecard.json").read_text("utf-8"))
    table = ScorecardTable.from_json(old)
    assert isinstance(table.calibration, PlattCalibration)
    assert table.calibration.slope == old["calibration"]["slope"]
    with pytest.raises(ValueError, match="calibration"):
        fit_scorecard(x, y, calibration="isotonic")
    # From VENN_ABERS_BELOW_ROWS training rows on, the variant is Platt too.
    big = pd.concat([x] * 4, ignore_index=True)
    assert len(big) >= VENN_ABERS_BELOW_ROWS
    wide = fit_scorecard(big, np.tile(y, 4), seed=1, calibration="venn-abers")
    assert isinstance(wide.calibration, PlattCalibration)
