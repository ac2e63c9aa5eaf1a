"""Regression guard for the two engine models on the small shared set: cross-validated against
the libraries' default pipelines on the same folds (the full comparison is
benchmarks/credit_models.py; no timing here)."""

from __future__ import annotations

import warnings

import lightgbm as lgb
import numpy as np
import pytest
from optbinning import BinningProcess, Scorecard
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from chanrong.core.errors import DataUnavailable
from chanrong.core.settings import get_settings
from chanrong.credit import metrics
from chanrong.credit.calibration import PlattCalibration
from chanrong.credit.datasets import load_dataset
from chanrong.credit.fitting import fit_boosted, fit_scorecard


def test_champion_and_challenger_hold_their_level_on_the_small_set() -> None:
    try:
        path = get_settings().shared_data_path("credit", "statlog_australian.dat")
    except DataUnavailable:
        pytest.skip("shared credit data sets are not on this machine")
    data = load_dataset(path)
    x, y = data.x, data.y
    out: dict[str, list[float]] = {}
    pooled = {name: np.zeros(len(y)) for name in ("card", "boosted", "lightgbm")}
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=7).split(x, y):
        xtr, xte = x.iloc[tr].reset_index(drop=True), x.iloc[te].reset_index(drop=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = fit_scorecard(xtr, y[tr], seed=7)
            # Platt: Venn–Abers is a measured variant, not the default (RESULTS.md, issue 24).
            assert isinstance(table.calibration, PlattCalibration)
            card = table.pd(xte)
            boosted = fit_boosted(xtr, y[tr], seed=7).pd(xte)
            plain = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.05, n_jobs=1, verbose=-1)
            names = [f"f{i}" for i in range(x.shape[1])]
            plain.fit(xtr.set_axis(names, axis=1), y[tr])
            ref = np.asarray(plain.predict_proba(xte.set_axis(names, axis=1)))
            # optbinning's documented default scorecard: the library a bank would otherwise use.
            optb = Scorecard(
                binning_process=BinningProcess([str(c) for c in x.columns]),
                estimator=LogisticRegression(),
            ).fit(xtr, y[tr])
            lib = np.asarray(optb.predict_proba(xte))[:, 1]
        for name, pd_ in (
            ("card", card),
            ("boosted", boosted),
            ("lightgbm", ref[:, 1]),
            ("optbinning", lib),
        ):
            if name in pooled:
                pooled[name][te] = pd_
            out.setdefault(f"{name} AUC", []).append(metrics.auc(y[te], pd_))
            for how in ("count", "width"):
                out.setdefault(f"{name} ECE {how}", []).append(
                    metrics.ece(y[te], pd_, strategy=how)
                )
    mean = {k: float(np.mean(v)) for k, v in out.items()}
    assert mean["card AUC"] >= mean["optbinning AUC"], mean  # issue 24: at least the library
    assert mean["boosted AUC"] >= mean["lightgbm AUC"], mean  # issue 24: at least the default
    assert mean["boosted ECE count"] < mean["lightgbm ECE count"], mean  # Platt on small sets
    for name in ("card", "boosted"):
        assert max(mean[f"{name} ECE count"], mean[f"{name} ECE width"]) < 0.08, mean
    # Pooled over all 690 out-of-fold rows the sampling noise is about half a fold's: there the
    # engine's PDs meet the small-set limit that 230-row folds cannot show (a calibrated
    # model's ECE on them is about 0.05), and LightGBM's own PD does not.
    worst = {
        name: max(metrics.ece(y, p, strategy=how) for how in ("count", "width"))
        for name, p in pooled.items()
    }
    assert worst["card"] < 0.05 and worst["boosted"] < 0.05 < worst["lightgbm"], worst
