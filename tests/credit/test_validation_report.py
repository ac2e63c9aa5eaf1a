"""The HTML validation report: measures, PSI between periods, characteristic analysis, charts."""

from __future__ import annotations

import re

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
    assert v.psi is not None and v.psi > 0.1
    assert v.characteristics[0].name == "utilisation"
    assert v.characteristics[0].csi > 0.25 > v.characteristics[-1].csi
    assert sum(row["dev"] for row in v.characteristics[0].rows) == pytest.approx(1.0)
    html = v.html
    assert html.count("<svg") == 3
    assert f"{v.dev['AUC']:.4f}" in html and f"{v.psi:.4f}" in html
    assert "特征分析" in html and "Characteristic analysis" in html
    assert re.search(r"<h3>utilisation — CSI <span class=\"warn\">", html)
