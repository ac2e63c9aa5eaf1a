"""The frequency × severity GLM fitted on simulated claims finds the risk the simulator hid."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chanrong.demo.insurance_pricing import evaluate, exposures, simulated_book
from chanrong.insurance.pricing import GlmModel, NotEnoughClaims, fit, normalized_gini


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return evaluate(simulated_book(40, seed=7))


def test_the_fitted_model_recovers_the_true_risk_order_and_beats_the_handset_index(
    result,  # type: ignore[no-untyped-def]
) -> None:
    report = result.to_json()
    print(json.dumps({k: {m: report[k][m] for m in ("auc", "gini", "spearman_truth")}
                      for k in ("model", "handset")}))  # fmt: skip
    assert result.model_spearman > 0.65
    assert result.model_spearman > result.handset_spearman + 0.15
    assert result.model_validation.auc > result.handset_validation.auc
    assert result.model_validation.auc > 0.65
    assert result.model_validation.gini > result.handset_validation.gini


def test_calibration_by_decile_rises_and_totals_match(result) -> None:  # type: ignore[no-untyped-def]
    deciles = result.model_validation.deciles
    assert len(deciles) == 10
    observed = sum(d["observed_claims"] for d in deciles)
    predicted = sum(d["predicted_claims"] for d in deciles)
    assert abs(observed - predicted) / observed < 0.2
    assert deciles[-1]["observed_claims"] > 2 * deciles[0]["observed_claims"]


def test_the_model_round_trips_through_json_without_pickle(result) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(json.dumps(result.model.to_json()))
    again = GlmModel.from_json(doc)
    rows = [x for x, _ in exposures(simulated_book(12, seed=3), 1)]
    assert np.allclose(again.loss_cost_per_kh(rows), result.model.loss_cost_per_kh(rows))
    with pytest.raises(ValueError, match="glm/1 model"):
        GlmModel.from_json({**doc, "features": ["x"]})


def test_too_few_claims_leave_the_prior_in_place() -> None:
    rows = [x for x, _ in exposures(simulated_book(12, seed=3), 0)][:5]
    with pytest.raises(NotEnoughClaims):
        fit(rows)


def test_gini_of_a_perfect_order_is_one_and_of_the_reverse_minus_one() -> None:
    a = np.array([0, 0, 1, 5, 10.0])
    assert normalized_gini(a, a) == pytest.approx(1.0)
    assert normalized_gini(a, -a) == pytest.approx(-1.0)


def test_an_undefined_auc_is_stored_as_null_not_nan() -> None:
    rows = [x for x, _ in exposures(simulated_book(12, seed=3), 0)][:3]
    claimed = [type(r)(**{**{f: getattr(r, f) for f in r.__dataclass_fields__}, "claims": 1,
                          "paid_fen": 100}) for r in rows]  # fmt: skip
    from chanrong.insurance.pricing import validate

    doc = validate(claimed, [1.0, 2.0, 3.0]).to_json()
    assert doc["auc"] is None and json.dumps(doc, allow_nan=False)
