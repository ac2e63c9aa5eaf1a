"""Fitting the early warnings' weights and choosing the daily warning's rule on a park's truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from chanrong.demo.monitoring_evaluation import (
    EVALUATION_PARK,
    Detectors,
    evaluate_park,
    score,
)
from chanrong.demo.monitoring_fitting import (
    WatchedDays,
    choose_rule,
    fit_warning,
    rule_figures,
    watched_days,
)
from chanrong.demo.monitoring_parks import ParkData, simulate_with_telemetry
from chanrong.lending.daily_warning import WARNING_FEATURES, WarningConfig


@pytest.fixture(scope="module")
def tuning_park() -> ParkData:
    """A small park with many firms declining, simulated once for the fitting tests (which
    only read it)."""
    return simulate_with_telemetry(
        EVALUATION_PARK.with_changes(enterprises=24, months=16, deteriorating_share=0.6, seed=41)
    )


@pytest.fixture(scope="module")
def judged(tuning_park: ParkData) -> list[WatchedDays]:
    return list(watched_days(tuning_park))


def test_fit_score_separates_the_defaulters_last_months_from_healthy_days(
    tuning_park: ParkData,
) -> None:
    from chanrong.demo.monitoring_fitting import _labelled_days, fit_score
    from chanrong.lending.telemetry_detectors import SCORE_FEATURES, TelemetryConfig, risk_score

    park = tuning_park
    weights = fit_score([park])
    assert len(weights) == len(SCORE_FEATURES) + 1
    cfg = TelemetryConfig(score_weights=weights)
    rows = list(_labelled_days(park, cfg, 8))
    x = np.vstack([r[0] for r in rows])
    y = np.concatenate([r[1] for r in rows])
    assert 0 < y.sum() < y.size  # both kinds of days were there to learn from
    score_ = risk_score(x, cfg)
    # In-sample the fitted score puts the defaulters' days well above the healthy ones'; the
    # all-zero weights cannot tell them apart.
    assert score_[y == 1].mean() > score_[y == 0].mean() + 1.0
    flat = risk_score(x, TelemetryConfig(score_weights=(0.0,) * len(weights)))
    assert flat[y == 1].mean() == flat[y == 0].mean()


def test_fit_warning_weighs_the_machines_from_the_truth(judged: list[WatchedDays]) -> None:
    weights = fit_warning([judged])
    assert len(weights) == len(WARNING_FEATURES) + 1
    # The machines' log-odds push the score up. (On so small and short a park the orders'
    # year-long baseline is too thin for their weight to mean much; the tuned one is in
    # ``daily_warning.WARNING_WEIGHTS``.)
    assert weights[1] > 0.3
    # The horizon is the label: a longer one takes in a defaulter's earlier, calmer days,
    # so the fit changes.
    assert fit_warning([judged], horizon_days=365) != weights


def test_a_fit_needs_a_defaulter_and_a_healthy_firm(judged: list[WatchedDays]) -> None:
    from chanrong.core.errors import ValidationFailed

    healthy = [f for f in judged if f.default_row is None and not f.deteriorating]
    defaulters = [f for f in judged if f.default_row is not None]
    assert healthy and defaulters
    for one_kind in (healthy, defaulters, []):
        with pytest.raises(ValidationFailed, match="both a defaulter's days and a healthy"):
            fit_warning([one_kind])


def test_the_rule_grid_replays_the_alert_exactly_as_the_evaluation_does(
    tuning_park: ParkData, judged: list[WatchedDays]
) -> None:
    # A rule other than the one in use, so that the replay cannot lean on the defaults.
    cfg = replace(WarningConfig(), persistence_days=4, threshold=1.2)
    watched = {f.uscc for f in judged}
    firms = evaluate_park(tuning_park, warning_config=cfg, watched=watched)
    expected = score(firms, Detectors.DAILY)
    assert expected.defaulters > 0 and expected.alerted > 0 and expected.healthy > 0
    got = rule_figures([judged], cfg.weights, cfg.persistence_days, cfg.threshold)
    assert got.mean_lead == pytest.approx(expected.median_lead_months or 0.0)
    assert got.mean_false_alarms == pytest.approx(expected.false_alarm_rate)


def test_the_rule_chosen_is_the_longest_lead_within_the_false_alarm_cap(
    judged: list[WatchedDays],
) -> None:
    weights = WarningConfig().weights
    best, rows = choose_rule([judged], weights, persistence=(2, 5, 9), thresholds=(0.5, 1.5, 3.0))
    assert len(rows) == 9
    allowed = [r for r in rows if r.worst_false_alarms <= 0.08]
    assert best is not None and best in allowed
    assert best.mean_lead == max(r.mean_lead for r in allowed)
    # A cap nothing meets chooses nothing, rather than the least bad.
    loud, _ = choose_rule([judged], (10.0,) + (0.0,) * len(WARNING_FEATURES), max_false_alarms=0.0)
    assert loud is None


def test_the_fitting_benchmark_prints_each_candidates_rules_and_the_choice() -> None:
    from tests.benchmark_run import run_benchmark

    out = run_benchmark("fit_warning.py", "--quick", "--horizons", "180,365", timeout=600)
    assert "seed 101:" in out and "seed 102:" in out and "seed 103:" not in out
    for words in ("in use:", "fit, 180 days:", "fit, 365 days:", "best 5", "took"):
        assert words in out
    assert "chosen:" in out or "no rule keeps" in out


def test_the_fitting_benchmark_refuses_a_horizon_that_is_not_days() -> None:
    import subprocess
    import sys

    from tests.benchmark_run import ROOT

    bad = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fit_warning.py"), "--horizons", "180,x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "horizons: '180,x' is not whole numbers" in bad.stderr
