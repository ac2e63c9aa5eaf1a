"""The daily equipment detector on hand-made series: a drop that persists alerts; a bad day,
a short slump and a holiday season the firm also had last year do not."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from chanrong.lending.monitoring import AlertKind, Severity
from chanrong.lending.telemetry_detectors import (
    DailySeries,
    DeviceDays,
    Signal,
    TelemetryConfig,
    detect_slowdown,
    firm_series,
    first_alert,
    risk_score,
    score_features,
    signal_days,
    utilisation_level,
)

START = date(2023, 10, 2)  # a Monday
DAYS = 560  # to 2025-04-13


def steady(seed: int = 3) -> dict[Signal, np.ndarray]:
    """A five-day-week firm: ~100 running hours, 85 % utilisation, 0.5 kWh a unit, with a
    little daily noise and a month-to-month wobble; weekends closed (NaN)."""
    rng = np.random.default_rng(seed)
    n = DAYS
    month = np.repeat(rng.normal(1.0, 0.02, n // 30 + 1), 30)[:n]
    day = rng.normal(1.0, 0.03, n)
    weekend = (np.arange(n) + START.weekday()) % 7 >= 5
    out = {
        Signal.RUNNING_HOURS: 100.0 * month * day,
        Signal.UTILISATION: 0.85 * (1 + (month - 1) / 4) * rng.normal(1.0, 0.005, n),
        Signal.ENERGY_PER_UNIT: 0.5 / (1 + (month - 1) / 4) * rng.normal(1.0, 0.01, n),
    }
    for v in out.values():
        v[weekend] = np.nan
    return out


def at(d: date) -> int:
    return (d - START).days


def slump(
    values: dict[Signal, np.ndarray], first: date, days: int, hours: float, util: float, epu: float
) -> None:
    """Scale the days [first, first + days) of each signal (in place)."""
    a, b = at(first), at(first) + days
    values[Signal.RUNNING_HOURS][a:b] *= hours
    values[Signal.UTILISATION][a:b] *= util
    values[Signal.ENERGY_PER_UNIT][a:b] *= epu


def series(values: dict[Signal, np.ndarray]) -> DailySeries:
    return DailySeries(START, values)


def test_a_steady_firm_is_never_alerted() -> None:
    s = series(steady())
    assert first_alert(s, start=date(2024, 6, 1), end=date(2025, 4, 13)) is None


def test_a_drop_that_persists_alerts_with_chart_ready_evidence() -> None:
    values = steady()
    slump(values, date(2025, 1, 6), 97, hours=0.75, util=0.96, epu=1.08)
    s = series(values)
    when = first_alert(s, start=date(2024, 12, 1), end=date(2025, 4, 13))
    # The 4-week levels move once half the window is down, and the score must then hold
    # three weeks.
    assert when is not None and date(2025, 2, 3) < when < date(2025, 2, 20)
    # The same day, judged on its own, alerts; the day before does not (point in time).
    assert detect_slowdown(s, as_of=when - timedelta(days=1)) is None
    found = detect_slowdown(s, as_of=when, reads=[{"dataset": "telemetry.equipment", "log": 7}])
    assert found is not None
    assert found.kind is AlertKind.EQUIPMENT_SLOWDOWN
    assert found.severity is Severity.MEDIUM
    assert -30 < int(found.params["running_hours"].rstrip("%")) < -20  # the slump was 25 %
    assert found.params["days"] == "21"
    assert found.params["weeks"] == "12" and 80 < int(found.params["level"].rstrip("%")) < 86
    ev = found.evidence
    assert ev["type"] == "daily" and ev["as_of"] == when.isoformat()
    assert ev["reads"] == [{"dataset": "telemetry.equipment", "log": 7}]
    assert ev["triggered"][-1] == when.isoformat() and len(ev["triggered"]) == 21
    assert ev["score"] >= ev["threshold"] == 1.0 and ev["z"] >= ev["min_shortfall"] == 1.0
    # The score's utilisation input is in the evidence, day by day and on the day.
    assert ev["level_days"] == 84 and ev["combined"][-1]["level"] == ev["utilisation_level"]
    hours = next(x for x in ev["signals"] if x["signal"] == "running_hours")
    assert hours["dataset"] == "telemetry.equipment" and hours["unit"] == "h"
    assert hours["series"][-1]["day"] == when.isoformat()
    last = [p for p in hours["series"] if p["value"] is not None][-1]  # weekends are closed
    # The band is around the firm's own weekday level, and today sits well below it.
    assert last["low"] < last["baseline"] < last["high"]
    assert 90 < last["baseline"] < 110 and last["value"] < last["low"]
    energy = next(x for x in ev["signals"] if x["signal"] == "energy_per_unit")
    assert energy["dataset"] == "telemetry.energy" and energy["change"] > 0.05
    assert "Machines off their own seasonal baseline for 21 days" in found.message("en")
    assert "of their switched-on time over 12 weeks" in found.message("en")
    # Halving the running hours with the machines idling more is past the high threshold.
    values = steady()
    slump(values, date(2025, 1, 6), 97, hours=0.5, util=0.85, epu=1.08)
    # (once the twelve-week level has moved: half its window into the slump)
    deeper = detect_slowdown(series(values), as_of=date(2025, 3, 10))
    assert deeper is not None and deeper.severity is Severity.HIGH


def test_a_bad_day_or_a_short_slump_does_not_alert() -> None:
    values = steady()
    slump(values, date(2025, 3, 12), 1, hours=0.1, util=0.5, epu=3.0)
    assert detect_slowdown(series(values), as_of=date(2025, 3, 12)) is None
    values = steady()
    slump(values, date(2025, 2, 24), 10, hours=0.7, util=0.95, epu=1.1)
    s = series(values)
    assert first_alert(s, start=date(2025, 2, 1), end=date(2025, 4, 13)) is None


def holiday(values: dict[Signal, np.ndarray], first: date) -> None:
    # A holiday season: six weeks at half the running hours, machines idling more.
    slump(values, first, 42, hours=0.5, util=0.95, epu=1.1)


def test_a_holiday_season_the_firm_also_had_last_year_does_not_alert() -> None:
    values = steady()
    holiday(values, date(2024, 1, 29))  # last year's slack
    holiday(values, date(2025, 1, 17))  # this year's, twelve days earlier (a lunar holiday)
    s = series(values)
    assert first_alert(s, start=date(2024, 12, 1), end=date(2025, 4, 13)) is None
    # Without last year's slack on record, the same weeks are a warning: the season is what
    # spares them.
    values = steady()
    holiday(values, date(2025, 1, 17))
    assert first_alert(series(values), start=date(2024, 12, 1), end=date(2025, 4, 13))


def test_too_little_history_is_not_judged() -> None:
    values = steady()
    slump(values, date(2023, 10, 2), 120, hours=0.5, util=0.9, epu=1.2)
    s = series({k: v[:130] for k, v in values.items()})
    assert first_alert(s, start=START, end=START + timedelta(days=129)) is None
    assert detect_slowdown(s, as_of=date(2030, 1, 1)) is None


def test_firm_series_from_device_days() -> None:
    d1, d2, d3 = date(2025, 3, 3), date(2025, 3, 4), date(2025, 3, 5)
    rows = [
        # kind, metric, day, increase, running, idle, fault
        ("cnc", "runtime_h", d1, 8.0, 0, 0, 0),
        ("cnc", "runtime_h", d1, 6.0, 0, 0, 0),
        ("cnc", "run_state", d1, 0.0, 70, 20, 10),
        ("cnc", "output_count", d1, 100.0, 0, 0, 0),
        ("compressor", "runtime_h", d1, 20.0, 0, 0, 0),  # not a production machine
        ("compressor", "run_state", d1, 0.0, 50, 0, 0),
        ("meter_electricity", "energy_kwh", d1, 250.0, 0, 0, 0),
        # d2: a counter fault (30 h in a day) leaves running hours unknown, the rest stands.
        ("cnc", "runtime_h", d2, 30.0, 0, 0, 0),
        ("cnc", "run_state", d2, 0.0, 80, 20, 0),
        ("cnc", "output_count", d2, 50.0, 0, 0, 0),
        ("meter_electricity", "energy_kwh", d2, 100.0, 0, 0, 0),
        # d3: nothing ran: a closed day is not judged.
        ("cnc", "runtime_h", d3, 0.0, 0, 0, 0),
        ("cnc", "run_state", d3, 0.0, 0, 5, 0),
        ("meter_electricity", "energy_kwh", d3, 40.0, 0, 0, 0),
    ]
    cols = list(zip(*rows, strict=True))
    s = firm_series(DeviceDays(*cols))  # type: ignore[arg-type]
    assert s is not None and s.first == d1 and s.days == 3
    hours = s.values[Signal.RUNNING_HOURS]
    util = s.values[Signal.UTILISATION]
    epu = s.values[Signal.ENERGY_PER_UNIT]
    assert hours[0] == 14.0 and np.isnan(hours[1]) and np.isnan(hours[2])
    assert util[0] == pytest.approx(0.7) and util[1] == pytest.approx(0.8) and np.isnan(util[2])
    assert epu[0] == 2.5 and epu[1] == 2.0 and np.isnan(epu[2])
    assert firm_series(DeviceDays([], [], [], [], [], [], [])) is None


def _scores(values: dict[Signal, np.ndarray], first: date, last: date) -> np.ndarray:
    s = series(values)
    cfg = TelemetryConfig()
    a, b = s.index(first), s.index(last) + 1
    judged = {sig: signal_days(s, sig, a, b, cfg) for sig in Signal}
    return risk_score(score_features(s, judged, cfg), cfg)


def test_the_score_rises_with_the_shortfall_and_with_a_weaker_firm() -> None:
    calm = _scores(steady(), date(2025, 3, 3), date(2025, 3, 28))
    values = steady()
    slump(values, date(2025, 1, 6), 97, hours=0.75, util=0.96, epu=1.08)
    down = _scores(values, date(2025, 3, 3), date(2025, 3, 28))
    assert np.all(np.isfinite(calm)) and np.all(down > calm + 1.0)
    # The same firm with its machines idling more all along (a lower running share) is
    # riskier at the same shortfall.
    weak = steady()
    weak[Signal.UTILISATION] *= 0.9
    slump(weak, date(2025, 1, 6), 97, hours=0.75, util=0.96, epu=1.08)
    assert np.all(_scores(weak, date(2025, 3, 3), date(2025, 3, 28)) > down + 1.0)


def test_a_weak_but_steady_firm_is_not_alerted_whatever_its_score() -> None:
    values = steady()
    values[Signal.UTILISATION] *= 0.75  # idling a lot, always: high score, no shortfall
    s = series(values)
    assert np.nanmin(_scores(values, date(2024, 9, 2), date(2025, 4, 13))) > 2.0
    assert first_alert(s, start=date(2024, 9, 1), end=date(2025, 4, 13)) is None
    # Without the shortfall rule it would have been alerted from the first day.
    loose = TelemetryConfig(min_shortfall=None)
    assert first_alert(s, start=date(2024, 9, 1), end=date(2025, 4, 13), config=loose) == date(
        2024, 9, 1
    )


def test_the_score_needs_a_baseline_and_its_weights_in_full() -> None:
    values = steady()
    # 130 days: the signals' baselines need 84 days of history ending 8 weeks back.
    s = series({k: v[:130] for k, v in values.items()})
    cfg = TelemetryConfig()
    judged = {sig: signal_days(s, sig, 100, 130, cfg) for sig in Signal}
    assert np.all(np.isnan(risk_score(score_features(s, judged, cfg), cfg)))
    with pytest.raises(ValueError, match="score_weights"):
        risk_score(np.zeros((1, 4)), TelemetryConfig(score_weights=(1.0, 2.0)))


def test_the_utilisation_level_is_the_median_of_twelve_weeks_up_to_each_day() -> None:
    util = np.full(200, 0.9)
    util[120:] = 0.6  # the machines idle more from day 120 on
    util[::7] = np.nan  # one closed day a week is not judged
    nan = np.full(200, np.nan)
    s = DailySeries(
        START, {Signal.RUNNING_HOURS: nan, Signal.UTILISATION: util, Signal.ENERGY_PER_UNIT: nan}
    )
    cfg = TelemetryConfig()
    level = utilisation_level(s, 100, 200, cfg)
    assert level.shape == (100,)
    # Until half the window is past day 120 the level holds; after that it has moved (a
    # trend over weeks, not one day); it never reads a day after the one it is for.
    assert level[0] == level[50] == 0.9 and level[80] == 0.6
    assert np.array_equal(utilisation_level(s, 150, 151, cfg), level[50:51])
    # Too few days judged in the window: no level.
    assert np.isnan(utilisation_level(s, 0, 20, cfg)).all()
