"""The HTML validation report: measures, PSI between periods, characteristic analysis, charts."""

from __future__ import annotations

import re

import numpy as np
import pytest

from chanrong.credit import metrics
from chanrong.credit.validation import validate
from tests.credit.builders import synthetic_features, synthetic_scorecard


def test_report_measures_and_flags_a_shifted_characteristic() -> None:
    model = synthetic_scorecard()
    dev_x, dev_y = synthetic_features(n=600, seed=21)
    recent_x, recent_y = synthetic_features(n=600, seed=22)
    recent_x = recent_x.copy()
    recent_x["utilisation"] = recent_x["utilisation"] * 0.4  # the park slowed down
    v = validate(model, "sme-operating@1", dev_x, dev_y, recent_x, recent_y)
    assert v.dev["AUC"] == metrics.auc(dev_y, model.pd(dev_x))
    assert v.dev["Gini"] == 2 * v.dev["AUC"] - 1
    assert 0 < v.dev["KS"] < 1 and v.recent is not None
    pd_ = model.pd(dev_x)
    assert v.dev["ECE_count"] == metrics.ece(dev_y, pd_, strategy="count")
    assert v.dev["ECE_width"] == metrics.ece(dev_y, pd_, strategy="width")
    assert v.dev["ECE_floor_count"] == metrics.ece_floor(pd_, strategy="count")
    assert v.dev["ECE_floor_width"] == metrics.ece_floor(pd_, strategy="width")
    assert sum(n for _, _, n in v.calibration_width) == len(dev_y)
    assert v.psi is not None and v.psi > 0.1
    assert v.characteristics[0].name == "utilisation"
    assert v.characteristics[0].csi > 0.25 > v.characteristics[-1].csi
    assert sum(row["dev"] for row in v.characteristics[0].rows) == pytest.approx(1.0)
    html = v.html
    assert html.count("<svg") == 3
    assert f"{v.dev['AUC']:.4f}" in html and f"{v.psi:.4f}" in html
    assert f"{v.dev['ECE_count']:.4f}" in html and f"{v.dev['ECE_width']:.4f}" in html
    assert "ECE equal-count" in html and "ECE equal-width" in html
    assert f"{v.dev['ECE_floor_count']:.4f} / {v.dev['ECE_floor_width']:.4f}" in html
    assert "特征分析" in html and "Characteristic analysis" in html
    assert re.search(r"<h3>utilisation — CSI <span class=\"warn\">", html)


def test_ece_binnings_weigh_rows_and_differ_where_the_tail_is_thin() -> None:
    # 90 rows at PD 0.05 with 5 % bad, 10 rows at PD 0.95 with none bad: the whole error is in
    # the thin tail, which equal-width bins isolate and equal-count bins mix with the bulk.
    y = np.r_[np.zeros(86), np.ones(4), np.zeros(10)]
    pd_ = np.r_[np.full(90, 0.05), np.full(10, 0.95)]
    width = metrics.ece(y, pd_, strategy="width")
    assert width == pytest.approx((90 * abs(0.05 - 4 / 90) + 10 * 0.95) / 100)
    assert metrics.ece(y, pd_, bins=1) == pytest.approx(abs(pd_.mean() - y.mean()))
    assert metrics.ece(np.array([1.0]), np.array([1.0]), strategy="width") == 0.0
    assert [n for _, _, n in metrics.calibration_table(y, pd_, strategy="width")] == [90, 10]
    with pytest.raises(ValueError, match="count"):
        metrics.ece(y, pd_, strategy="quantile")


def test_ece_floor_is_what_a_calibrated_model_scores_by_sampling_alone() -> None:
    # Four rows at PD 0.5 in one bin: ECE = |S − 2| / 4 with S ~ Binomial(4, 0.5), whose mean
    # is (2 + 4 + 0 + 4 + 2) / 16 / 4 = 0.1875 exactly.
    floor = metrics.ece_floor(np.full(4, 0.5), bins=1, draws=20000, seed=3)
    assert floor == pytest.approx(0.1875, abs=0.005)
    # It shrinks with the rows (about as 1 / √n) and does not depend on the outcomes at all.
    small = metrics.ece_floor(np.linspace(0.05, 0.6, 138), seed=1)
    large = metrics.ece_floor(np.linspace(0.05, 0.6, 138 * 16), seed=1)
    assert 3 < small / large < 5
    # A model that is off by ten points sits far above its floor; drawn from its own PDs, at it.
    rng = np.random.default_rng(5)
    pd_ = rng.uniform(0.05, 0.6, size=2000)
    own = (rng.uniform(size=2000) < pd_).astype(float)
    shifted = (rng.uniform(size=2000) < pd_ + 0.1).astype(float)
    floor = metrics.ece_floor(pd_)
    assert metrics.ece(own, pd_) < 2 * floor
    assert metrics.ece(shifted, pd_) > 3 * floor
