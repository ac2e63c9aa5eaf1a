"""Model pipeline on real data without a database: loading, scorecard table, challenger,
reasons, registry integrity and promotion."""

from __future__ import annotations

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.core.settings import get_settings
from chanrong.credit import metrics
from chanrong.credit.boosting import BoostedModel
from chanrong.credit.calibration import IsotonicBlendCalibration, PlattCalibration
from chanrong.credit.datasets import load_dataset
from chanrong.credit.fitting import (
    PARAMS,
    PLANS,
    ROUNDS,
    fit_boosted,
    fit_scorecard,
    fit_woe_scorecard,
)
from chanrong.credit.reasons import boosted_reasons, scorecard_reasons
from chanrong.credit.registry import Approval, ModelIntegrityError, ModelRegistry, frame_fingerprint
from chanrong.credit.scorecard import ScorecardTable
from tests.credit.builders import synthetic_features, synthetic_scorecard


def _hmeq() -> tuple[pd.DataFrame, np.ndarray]:
    d = load_dataset(get_settings().shared_data_path("credit", "hmeq.csv"))
    return d.x.iloc[:1000].reset_index(drop=True), d.y[:1000]


def test_loader_reads_every_shared_format_with_bad_as_one() -> None:
    folder = get_settings().shared_data_path("credit")
    seen = {}
    for name in ("hmeq.csv", "statlog_australian.dat", "polish_bankruptcy_5year.arff"):
        d = load_dataset(folder / name)
        seen[name] = (d.x.shape, int(d.y.sum()), d.label)
    assert seen["hmeq.csv"] == ((5960, 12), 1189, "BAD")
    assert seen["statlog_australian.dat"] == ((690, 14), 307, "class")
    assert seen["polish_bankruptcy_5year.arff"] == ((5910, 64), 410, "bankruptcy")


def test_loader_on_an_unseen_file_detects_text_labels_and_rejects_bad_ones(tmp_path: Path) -> None:
    f = tmp_path / "loans.csv"
    f.write_text("income;region;Outcome\n10;north;paid\n3;south;defaulted\n8;;paid\n", "utf-8")
    d = load_dataset(f, label="Outcome")
    assert d.y.tolist() == [0, 1, 0]
    assert d.x["region"].isna().tolist() == [False, False, True]
    three = tmp_path / "three.csv"
    three.write_text("a,target\n1,x\n2,y\n3,z\n", "utf-8")
    with pytest.raises(ValidationFailed) as err:
        load_dataset(three)
    assert err.value.field == "label" and "exactly two" in err.value.detail


def test_scorecard_table_is_its_bins_and_points_and_survives_json() -> None:
    x, y = _hmeq()
    table = fit_scorecard(x, y, seed=1, inner_folds=2)
    assert table.meta["model"] == "additive boosted scorecard"
    assert table.interactions, "the champion keeps a few two-way tables"
    again = ScorecardTable.from_json(json.loads(json.dumps(table.to_json())))
    np.testing.assert_array_equal(again.score(x), table.score(x))
    # The score is the intercept plus, per characteristic, the points of the bin a row falls
    # in, plus, per two-way table, the points of the cell its pair of bins falls in.
    bd = table.breakdown(x)
    by_hand = table.intercept + sum(
        np.asarray((*c.points, c.missing_points))[c.bin_of(x[c.name])]
        for c in table.characteristics
    )
    for it in table.interactions:
        rows, cols = it.shape
        assert len(it.points) == rows * cols
        grid = np.asarray(it.points).reshape(rows, cols)
        by_hand = (
            by_hand + grid[it.first.bin_of(x[it.first.name]), it.second.bin_of(x[it.second.name])]
        )
        assert it.label_of(0).startswith(it.first.labels[0] + " & ")
    np.testing.assert_allclose(bd.score, by_hand)
    assert set(bd.points) == {p.name for p in table.parts}
    # Missing values are their own bin: DEBTINC is missing for a fifth of the rows, and riskier.
    debt = next(c for c in table.characteristics if c.name == "DEBTINC")
    assert set(debt.bin_of(x["DEBTINC"])[x["DEBTINC"].isna().to_numpy()]) == {len(debt.points)}
    pd_ = table.pd(x)
    assert pd_[x["DEBTINC"].isna().to_numpy()].mean() > pd_[x["DEBTINC"].notna().to_numpy()].mean()
    assert metrics.auc(y, pd_) > 0.85
    assert abs(pd_.mean() - y.mean()) < 0.03  # calibrated on out-of-fold log-odds
    # The trend a characteristic reports is the one its points show.
    for c in table.characteristics:
        if c.trend.startswith("risk ") and len(c.points) > 2:
            steps = np.diff(c.points)
            assert (steps >= -1e-9).all() or (steps <= 1e-9).all(), c.name


def test_woe_scorecard_is_kept_for_comparison() -> None:
    x, y = _hmeq()
    table = fit_woe_scorecard(x, y, seed=1, inner_folds=2)
    assert table.meta["binning_plan"] in {p.name for p in PLANS}
    assert not table.interactions
    assert metrics.auc(y, table.pd(x)) > 0.85


def test_scorecard_reasons_name_the_two_way_tables_that_cost_points() -> None:
    x, y = _hmeq()
    table = fit_scorecard(x, y, seed=1, inner_folds=2)
    reasons = scorecard_reasons(table, x.iloc[:200], top=4)
    bd = table.breakdown(x.iloc[:200])
    named = {r.feature for row in reasons for r in row}
    assert named & {it.name for it in table.interactions}
    for r, row in enumerate(reasons):
        lost = {p.name: p.best_points - bd.points[p.name][r] for p in table.parts}
        assert [x.feature for x in row] == sorted(lost, key=lambda k: -lost[k])[: len(row)]


def test_scorecard_reasons_rank_the_points_lost() -> None:
    table = synthetic_scorecard()
    x, _ = synthetic_features(n=50, seed=9)
    reasons = scorecard_reasons(table, x, top=3)
    bd = table.breakdown(x)
    for r, row in enumerate(reasons):
        assert len(row) <= 3
        lost = {c.name: c.best_points - bd.points[c.name][r] for c in table.parts}
        assert [x.feature for x in row] == sorted(lost, key=lambda k: -lost[k])[: len(row)]
        for reason in row:
            assert reason.weight == pytest.approx(lost[reason.feature])
            assert "分" in reason.text_zh and "points" in reason.text_en


def test_challenger_respects_constraints_and_explains_with_contributions() -> None:
    x, y = synthetic_features(n=900, seed=4)
    # Make lateness clearly decisive, so the data show a direction worth imposing.
    y = np.where(x["payment_punctuality"].to_numpy() < x["payment_punctuality"].median(), 1, y)
    model = fit_boosted(x, y, seed=42)
    assert model.constraints["payment_punctuality"] == -1  # more punctual, less risk
    assert model.constraints["energy_intensity"] == 0  # no clear direction: left to the data
    # Raising a −1-constrained characteristic never raises the log-odds.
    probe = pd.concat([x.iloc[:20]] * 5, ignore_index=True)
    probe["payment_punctuality"] = np.repeat([0.2, 0.4, 0.6, 0.8, 1.0], 20)
    raw = model.raw(probe).reshape(5, 20)
    assert (np.diff(raw, axis=0) <= 1e-9).all()
    contrib = model.contributions(x.iloc[:10])
    np.testing.assert_allclose(contrib.sum(axis=1), model.raw(x.iloc[:10]), atol=1e-6)
    rows = boosted_reasons(model, x.iloc[:10], top=2)
    for row in rows:
        weights = [reason.weight for reason in row]
        assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
        assert all(reason.code.startswith("GB_") for reason in row)
    again = BoostedModel.from_parts(model.header(), model.model_text)
    np.testing.assert_array_equal(again.pd(x.iloc[:50]), model.pd(x.iloc[:50]))


def test_registry_stores_data_files_and_refuses_tampered_or_missing_ones(tmp_path: Path) -> None:
    reg = ModelRegistry(tmp_path)
    x, y = synthetic_features()
    e = reg.register(
        "m", synthetic_scorecard(), training_fingerprint=frame_fingerprint(x, y), metrics={}
    )
    folder = tmp_path / "m" / "1"
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "scorecard.json"]
    manifest = reg.manifest(e.ref)
    assert manifest["training_data_sha256"] == frame_fingerprint(x, y)
    assert manifest["features"] == list(synthetic_scorecard().features)
    assert isinstance(reg.load(e.ref), ScorecardTable)
    # Promotion is explicit and ordered: a candidate cannot jump to champion.
    with pytest.raises(Conflict):
        reg.set_state(e.ref, Approval.CHAMPION)
    reg.set_state(e.ref, Approval.APPROVED)
    assert reg.set_state(e.ref, Approval.CHAMPION).state is Approval.CHAMPION
    e2 = reg.register("m", synthetic_scorecard(), training_fingerprint="x", metrics={})
    reg.set_state(e2.ref, Approval.APPROVED)
    reg.set_state(e2.ref, Approval.CHAMPION)
    assert reg.entry("m").version == 2 and reg.entry("m@1").state is Approval.RETIRED

    manifest_file = tmp_path / "m" / "2" / "manifest.json"
    manifest_file.write_text(manifest_file.read_text("utf-8").replace('"m"', '"n"', 1), "utf-8")
    with pytest.raises(ModelIntegrityError, match=r"manifest\.json"):
        reg.load("m@2")
    (folder / "scorecard.json").unlink()
    with pytest.raises(ModelIntegrityError, match="missing"):
        reg.load("m@1")


def test_boosted_model_is_stored_as_lightgbm_text(tmp_path: Path) -> None:
    x, y = synthetic_features(n=400, seed=5)
    reg = ModelRegistry(tmp_path)
    e = reg.register("gb", fit_boosted(x, y), training_fingerprint="fp", metrics={})
    text = (tmp_path / "gb" / "1" / "booster.txt").read_text("utf-8")
    assert text.startswith("tree") and "pickle" not in text
    model = reg.load(e.ref)
    assert isinstance(model, BoostedModel)
    booster = tmp_path / "gb" / "1" / "booster.txt"
    booster.write_text(text.replace("leaf_value=", "leaf_value=1", 1), "utf-8")
    with pytest.raises(ModelIntegrityError, match=r"booster\.txt"):
        reg.load(e.ref)


def test_challenger_is_lightgbm_default_where_the_data_set_no_direction() -> None:
    """No characteristic clearly monotone: no constraint parameters reach LightGBM, so the
    challenger's booster is the default LightGBM's; from 2,000 rows its PD is the isotonic blend
    on a held-out quarter, which keeps the booster's ranking; fewer rows are Platt-scaled on
    out-of-fold log-odds."""
    rng = np.random.default_rng(11)
    x = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    y = (rng.uniform(size=2000) < 1 / (1 + np.exp(-0.5 * x["a"].to_numpy()))).astype(int)
    model = fit_boosted(x, y, seed=3)
    assert set(model.constraints.values()) == {0}
    plain = lgb.train(dict(PARAMS, seed=3), lgb.Dataset(model.matrix(x), y), num_boost_round=ROUNDS)
    raw = model.raw(x)
    np.testing.assert_array_equal(raw, plain.predict(model.matrix(x), raw_score=True))
    assert isinstance(model.calibration, IsotonicBlendCalibration)
    assert model.meta["calibration"].startswith("isotonic blend")
    # Strictly increasing in the log-odds: the calibration cannot change AUC.
    order = np.argsort(raw, kind="mergesort")
    distinct = np.diff(raw[order]) > 0
    assert (np.diff(model.pd(x)[order])[distinct] > 0).all()
    assert metrics.auc(y, model.pd(x)) == metrics.auc(y, raw)
    small = fit_boosted(x.iloc[:600], y[:600], seed=3)
    assert small.meta["calibration"].startswith("Platt on 2-fold")
    assert isinstance(small.calibration, PlattCalibration) and small.calibration.slope != 1.0


def test_additive_scorecard_reads_zero_and_missing_only_splits_exactly() -> None:
    """LightGBM splits around zero at ±1e-35 (and reads |x| ≤ 1e-35 as 0) and parts missing
    values from the rest at +inf; the table must still score what the trees score (the fit
    checks it on every training row and raises otherwise)."""
    rng = np.random.default_rng(5)
    n = 1500
    mass = rng.choice([-1.0, 0.0, 0.0, 1.0], size=n) * rng.uniform(0.1, 2.0, size=n)
    gap = np.where(rng.uniform(size=n) < 0.15, np.nan, rng.normal(size=n))
    risk = 0.8 * (mass < 0) - 0.6 * (mass == 0) + 1.5 * np.isnan(gap) + np.nan_to_num(gap)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-(risk - 1.0)))).astype(int)
    x = pd.DataFrame({"mass": mass, "gap": gap, "noise": rng.normal(size=n)})
    table = fit_scorecard(x, y, seed=2, inner_folds=2)
    mass_char = next(c for c in table.characteristics if c.name == "mass")
    assert any(abs(s) < 1e-30 for s in mass_char.splits)  # a split at zero was read
    gap_char = next(c for c in table.characteristics if c.name == "gap")
    assert all(np.isfinite(gap_char.splits)) and gap_char.missing_points < 0
    assert metrics.auc(y, table.pd(x)) > 0.75


def test_additive_bins_are_probed_inside_their_edges() -> None:
    """Each bin is read from the trees at a value LightGBM bins as the scorecard does: never
    within 1e-35 of zero unless zero itself, never at an infinite edge."""
    from chanrong.credit.additive import _Encoded

    enc = _Encoded(pd.DataFrame({"r": [-1.0, 0.0, 0.3, np.nan]}))
    char, probes = enc.axis(0, {-1.0000000180025095e-35, 0.5, float("inf")})
    assert len(char.splits) == 2  # the +inf split only parts missing values: the missing bin
    values = probes[:-1]
    assert np.isnan(probes[-1]) and np.all(np.isfinite(values))
    assert all(v == 0.0 or abs(v) > 1e-35 for v in values)
    np.testing.assert_array_equal(char.bin_of(values), np.arange(len(values)))
