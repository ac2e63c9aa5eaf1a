"""The daily warning's idle-share and cloud inputs (``lending.usage_days``): read against the
firm's own year before, standby idling taken off, unknown where they cannot be read."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from chanrong.lending.business_days import business_days
from chanrong.lending.daily_warning import WARNING_FEATURES, WarningConfig, judge, score_on
from chanrong.lending.telemetry_days import DailySeries, Signal
from chanrong.lending.usage_days import cloud_change, idle_shares

START = date(2024, 1, 1)  # a Monday


def counts(
    days: int, idle_share: list[float], on: list[float], standby: float = 0.05
) -> dict[str, np.ndarray]:
    """Run-state counts of a firm with 60 readings a day: on working days (Monday–Friday)
    ``on`` of them switched on, of which ``idle_share`` idle; every reading not switched on
    idles at the ``standby`` rate; Saturday and Sunday closed."""
    n = np.full(days, 60.0)
    run, idle = np.zeros(days), np.zeros(days)
    for d in range(days):
        off = 60.0
        if d % 7 < 5:
            run[d] = on[d] * (1 - idle_share[d])
            idle[d] = on[d] * idle_share[d]
            off = 60.0 - on[d]
        idle[d] += standby * off
    return {"readings": n, "running": run, "idle": idle}


def test_the_idle_share_takes_standby_off_and_reads_the_same_whatever_the_machines_on() -> None:
    days = 420
    busy = counts(days, [0.1] * days, [40.0] * days)
    quiet = counts(days, [0.1] * days, [15.0] * days)
    for c in (busy, quiet):
        now, before = idle_shares(c, days)
        np.testing.assert_allclose(now[200:], 0.1, atol=1e-12)
        np.testing.assert_allclose(before[200:], 0.1, atol=1e-12)
    # Without the standby correction the two firms would read apart (raw idle share).
    raw = [c["idle"][:5].sum() / (c["idle"][:5] + c["running"][:5]).sum() for c in (busy, quiet)]
    assert raw[1] - raw[0] > 0.05


def test_the_idle_share_rises_against_the_year_before_and_is_unknown_without_history() -> None:
    days = 420
    share = [0.1] * 364 + [0.2] * 56  # the last 56 days, after the year before
    now, before = idle_shares(counts(days, share, [40.0] * days), days)
    assert np.isnan(before[:170]).all()  # the year before spans too few days yet
    assert abs(now[-1] - 0.2) < 1e-12 and abs(before[-1] - 0.1) < 1e-12
    assert abs(now[300] - before[300]) < 1e-12


def test_cloud_usage_is_read_on_working_days_against_the_year_before() -> None:
    days = 420
    running = np.array([5.0 if d % 7 < 5 else 0.0 for d in range(days)])
    hours = np.where(running > 0, 8.0, 1.0)
    change, now, usual = cloud_change(hours, running, 0, days)
    np.testing.assert_allclose(change[200:], 0.0, atol=1e-12)
    assert np.isnan(change[:100]).all()  # no year before yet
    halved = hours.copy()
    halved[-14:] /= 2
    change, now, usual = cloud_change(halved, running, 0, days)
    assert abs(change[-1] - np.log(0.5)) < 1e-12 and now[-1] == 4.0 and usual[-1] == 8.0
    # A firm with no cloud usage on record gives no evidence either way.
    none, _, _ = cloud_change(None, running, 0, days)
    assert (none == 0).all()


def test_a_day_the_idle_share_cannot_be_read_is_not_judged() -> None:
    days = 420
    values = {s: np.full(days, 1.0) for s in Signal}
    series = DailySeries(START, values, counts(days, [0.1] * days, [40.0] * days))
    business = business_days(START, days, [], [])
    j = judge(series, business, 0, days, WarningConfig())
    k = WARNING_FEATURES.index("idle_rise")
    assert np.isnan(j.features[100, k]) and np.isnan(j.score[100])
    assert WARNING_FEATURES.index("cloud") < k
    # Without run-state counts at all, the idle input counts 0 (machines judged as before).
    bare = judge(DailySeries(START, values), business, 0, days, WarningConfig())
    judged = ~np.isnan(bare.score)
    assert judged.any() and (bare.features[judged, k] == 0).all()


def test_the_monthly_gate_reads_a_day_without_cloud_or_idle_share_as_no_evidence() -> None:
    days = 420
    values = {s: np.full(days, 1.0) for s in Signal}
    series = DailySeries(START, values, counts(days, [0.1] * days, [40.0] * days))
    business = business_days(START, days, [], [])
    cfg = WarningConfig()
    j = judge(series, business, 0, days, cfg)
    k = WARNING_FEATURES.index("idle_rise")
    gaps = np.nonzero(~np.isnan(j.features[:, 0]) & np.isnan(j.features[:, k]))[0]
    assert gaps.size  # the machines judged, the idle share not yet
    day = series.day(int(gaps[0]))
    x = np.nan_to_num(j.features[gaps[0]], nan=0.0)
    expected = cfg.weights[0] + float(x @ np.asarray(cfg.weights[1:]))
    assert score_on(series, business, day, cfg) == pytest.approx(expected)
    # A day the machines are not judged still gives the gate no say.
    assert score_on(series, business, START, cfg) is None
