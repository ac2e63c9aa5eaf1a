"""Scoring the early warnings against the simulator's truth, and the benchmark's smoke run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from chanrong.core.errors import ValidationFailed
from chanrong.demo.monitoring_evaluation import (
    Detectors,
    FirmAlerts,
    SeedResult,
    parse_seeds,
    score,
    summarise,
)
from tests.benchmark_run import run_benchmark


def firm(
    *,
    default: date | None = None,
    deteriorating: bool = False,
    monthly: date | None = None,
    telemetry: date | None = None,
    daily: date | None = None,
    agreed: bool = True,
) -> FirmAlerts:
    """A watched firm; ``agreed``: the daily score agreed with its first monthly finding."""
    return FirmAlerts(
        uscc="x",
        defaulted=default is not None,
        deteriorating=deteriorating,
        default_date=default,
        monthly=monthly,
        telemetry=telemetry,
        daily=daily,
        monthly_agreed=monthly if agreed else None,
    )


def test_leads_count_only_alerts_on_or_before_the_default_and_combined_takes_the_first() -> None:
    firms = [
        # The daily warning 91 days (3 months) ahead (the machines alone then too), the
        # monthly bill a month later.
        firm(
            default=date(2025, 6, 1),
            telemetry=date(2025, 3, 2),
            daily=date(2025, 3, 2),
            monthly=date(2025, 3, 31),
        ),
        # The monthly alert came after the default date: not a warning.
        firm(default=date(2025, 6, 10), monthly=date(2025, 6, 30)),
        firm(default=date(2025, 8, 1)),  # never alerted
        firm(monthly=date(2025, 1, 31)),  # a healthy firm alerted: a false alarm
        firm(),
        firm(deteriorating=True, telemetry=date(2025, 2, 1)),  # neither healthy nor defaulted
        # The machines alone alarmed on a healthy firm; the daily warning did not: the
        # combined set (what the live job raises) reads the daily warning, not the machines.
        firm(telemetry=date(2025, 4, 1)),
        # A monthly finding the daily score did not agree with: a low-severity note live,
        # no warning in the combined set (but still one of the monthly detectors').
        firm(monthly=date(2025, 2, 28), agreed=False),
    ]
    monthly, tele, both = (
        score(firms, d) for d in (Detectors.MONTHLY, Detectors.TELEMETRY, Detectors.COMBINED)
    )
    assert (monthly.defaulters, monthly.alerted, monthly.healthy, monthly.false_alarms) == (
        3,
        1,
        4,
        2,
    )
    # Over all three defaulters the late and the missing alert count 0: the median is 0;
    # over the alerted one alone it is its own lead.
    assert monthly.median_lead_months == 0.0
    assert monthly.median_lead_alerted == pytest.approx(62 / 30.4375)
    assert (tele.alerted, tele.false_alarms) == (1, 1)
    assert tele.median_lead_alerted == pytest.approx(91 / 30.4375)
    assert both.alerted == 1 and both.median_lead_alerted == tele.median_lead_alerted
    assert both.false_alarm_rate == pytest.approx(1 / 4)
    assert both.alerted_share == pytest.approx(1 / 3)
    daily = score(firms, Detectors.DAILY)
    assert (daily.alerted, daily.false_alarms) == (1, 0)


def test_the_median_lead_counts_a_missed_defaulter_as_no_warning() -> None:
    early = [firm(default=date(2025, 6, 1), telemetry=date(2025, 1, 1)) for _ in range(2)]
    missed = [firm(default=date(2025, 6, 1)) for _ in range(3)]
    s = score([*early, *missed], Detectors.TELEMETRY)
    # Alerting only the two easy cases gives five months over them, none over all five.
    assert s.median_lead_alerted == pytest.approx(151 / 30.4375)
    assert s.median_lead_months == 0.0
    s = score([*early, missed[0]], Detectors.TELEMETRY)
    assert s.median_lead_months == pytest.approx(151 / 30.4375)


def test_the_truth_reference_is_scored_like_a_detector() -> None:
    f = FirmAlerts("x", True, True, date(2025, 6, 1), None, None, truth=date(2025, 2, 28))
    s = score([f], Detectors.TRUTH)
    assert s.alerted == 1 and s.median_lead_months == pytest.approx(93 / 30.4375)
    assert score([f], Detectors.COMBINED).alerted == 0  # the reference is no detector


def test_summary_reports_mean_and_worst_and_the_goals_on_the_worst_seed() -> None:
    def result(park: str, lead: float | None, false_alarms: int) -> SeedResult:
        firms = [firm(default=date(2025, 6, 1), telemetry=date(2025, 6, 1))]
        s = score(firms, Detectors.TELEMETRY)
        s = type(s)(s.defaulters, s.alerted, lead, 10, false_alarms)
        return SeedResult(park, dict.fromkeys(Detectors, s))

    good = [result("11", 4.0, 0), result("12", 3.5, 0)]
    s = summarise(good, Detectors.TELEMETRY)
    assert (s.mean_lead, s.worst_lead, s.worst_false_alarms) == (3.75, 3.5, 0.0)
    assert s.meets_goals
    # One seed short of the lead, or one with too many false alarms, fails the goal.
    assert not summarise([*good, result("13", 2.9, 0)], Detectors.TELEMETRY).meets_goals
    worse = summarise([*good, result("13", 5.0, 1)], Detectors.TELEMETRY)
    assert worse.worst_false_alarms == 0.1 and not worse.meets_goals
    # A seed without any alerted defaulter has no lead: it counts as none at all.
    assert summarise([*good, result("14", None, 0)], Detectors.TELEMETRY).worst_lead == 0.0


def test_seeds_are_parsed_or_refused_naming_the_option() -> None:
    assert parse_seeds("11, 12,13") == (11, 12, 13)
    for bad in ("", "11,x", "-1", "4,4"):
        with pytest.raises(ValidationFailed) as err:
            parse_seeds(bad)
        assert err.value.field == "seeds"


def test_benchmark_quick_prints_the_table_per_park_and_over_parks() -> None:
    out = run_benchmark("monitoring.py", "--quick", "--seeds", "31,32", timeout=600)
    assert "2 park(s) of 20 firms x 13 months" in out
    assert "per park" in out and "over 2 park(s): 31, 32" in out
    for words in ("monthly", "telemetry", "daily", "combined", "(reference)", "time per park"):
        assert words in out


def test_the_default_seeds_are_not_the_ones_the_score_was_tuned_on() -> None:
    from chanrong.demo.monitoring_evaluation import DEFAULT_SEEDS, TRAINING_SEEDS

    assert len(DEFAULT_SEEDS) >= 5 and not set(DEFAULT_SEEDS) & set(TRAINING_SEEDS)


def test_a_cached_park_is_read_back_as_simulated_and_never_unpickled(tmp_path: Path) -> None:
    from chanrong.demo.monitoring_evaluation import EVALUATION_PARK
    from chanrong.demo.monitoring_parks import STATE_COUNTS, simulated

    cfg = EVALUATION_PARK.with_changes(enterprises=6, months=3, seed=43)
    first = simulated(cfg, tmp_path)
    (kept,) = tmp_path.iterdir()
    assert kept.is_dir() and not list(kept.glob("*.pickle"))
    again = simulated(cfg, tmp_path)
    assert again.start == first.start and again.tables.orders.equals(first.tables.orders)
    assert list(again.telemetry) == list(first.telemetry) and first.telemetry
    for uscc, s in first.telemetry.items():
        back = again.telemetry[uscc]
        assert back.first == s.first and set(back.values) == set(s.values)
        for signal, values in s.values.items():
            np.testing.assert_array_equal(back.values[signal], values)
        # The machines' run-state counts, on the same days as the figures.
        assert first.states is not None and again.states is not None
        assert set(again.states[uscc]) == set(STATE_COUNTS)
        for name, values in first.states[uscc].items():
            assert values.size == s.days
            np.testing.assert_array_equal(again.states[uscc][name], values)
        assert first.states[uscc]["n"].sum() > 0
    assert first.extra is not None and again.extra is not None
    for name, table in first.extra.items():
        assert again.extra[name].equals(table) and table.num_rows > 0
    # Another layout version is not read: the park is simulated again.
    manifest = kept / "park.json"
    manifest.write_text(manifest.read_text().replace('"version": 3', '"version": 2'))
    assert simulated(cfg, tmp_path).tables.orders.equals(first.tables.orders)
    assert '"version": 3' in manifest.read_text()


def test_loans_are_the_firms_the_credit_decision_approves_and_only_they_are_watched(
    tmp_path: Path,
) -> None:
    """The watched loans come from the platform's own decision on the watch's first day, with
    a champion trained on another park; the decisions are kept as JSON and read back."""
    import json

    from chanrong.demo.monitoring_evaluation import EVALUATION_PARK, evaluate_park
    from chanrong.demo.monitoring_loans import originate
    from chanrong.demo.monitoring_parks import simulated

    training = EVALUATION_PARK.with_changes(
        enterprises=48, months=13, deteriorating_share=0.2, seed=9101
    )
    cfg = EVALUATION_PARK.with_changes(enterprises=16, months=10, deteriorating_share=0.3, seed=47)
    made = originate(cfg, warmup_months=8, cache=tmp_path, training=training)
    assert made.decided_on == date(2024, 9, 1)
    data = simulated(cfg)
    truth = data.tables.truth.to_pandas().set_index("uscc")
    # Every firm still performing on the day is decided (none that had defaulted before).
    alive = {
        u
        for u, when in truth["default_date"].items()
        if when is None or str(when) == "NaT" or str(when) >= "2024-09-01"
    }
    assert set(made.outcomes) == alive
    assert set(made.outcomes.values()) <= {"approve", "refer", "decline"}
    # This small champion refers and declines: the loans are the approved firms only.
    assert made.approved == {u for u, o in made.outcomes.items() if o == "approve"}
    assert len(set(made.outcomes.values())) > 1
    assert made.model.startswith("sme-operating@")
    # Kept as JSON and read back as it was made (no park is simulated again for it).
    [kept] = (tmp_path).glob("loans-model-*/originations-*.json")
    assert json.loads(kept.read_text("utf-8"))["outcomes"] == made.outcomes
    assert originate(cfg, warmup_months=8, cache=tmp_path, training=training) == made
    # Only the loans are replayed and scored.
    some = frozenset(sorted(made.outcomes)[:5])
    assert {f.uscc for f in evaluate_park(data, watched=some)} == set(some)


def test_originations_lend_to_the_approved_only() -> None:
    from chanrong.demo.monitoring_loans import Originations

    made = Originations(
        "sme-operating@1", date(2024, 9, 1), {"a": "approve", "b": "refer", "c": "decline"}
    )
    assert made.approved == {"a"}
    assert made.counts() == {"approve": 1, "refer": 1, "decline": 1}
