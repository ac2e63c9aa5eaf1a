"""Telemetry behaves like machines: counters, energy against output, calendar, determinism."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chanrong.simulate import FaultRates, Park, ParkConfig, iter_telemetry, plan_park
from chanrong.simulate.calendar import spring_festival
from chanrong.simulate.service import iter_firm_months
from chanrong.simulate.telemetry import COUNTER_METRICS
from tests.simulate.conftest import PRODUCTION, TINY


def _series(park: Park) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    t = park.telemetry.sort_by(
        [("device_id", "ascending"), ("metric", "ascending"), ("ts", "ascending")]
    )
    dev = t["device_id"].to_numpy()
    met = t["metric"].to_numpy()
    ts = t["ts"].cast(pa.int64()).to_numpy()
    val = t["value"].to_numpy()
    key = np.char.add(dev.astype(str), np.char.add("|", met.astype(str)))
    cuts = np.flatnonzero(key[1:] != key[:-1]) + 1
    out = {}
    for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(key)], strict=True):
        d, m = key[a].split("|")
        out[(d, m)] = (ts[a:b], val[a:b])
    return out


def test_counters_are_monotone_except_at_recorded_resets(clean_park: Park) -> None:
    resets = {
        (r["device_id"], r["metric"], r["start"])
        for r in clean_park.faults.to_pylist()
        if r["kind"] == "counter_reset"
    }
    assert resets, "this seed has at least one runtime counter reset"
    assert {m for _, m, _ in resets} == {"runtime_h"}
    seen_resets = set()
    counters = 0
    for (device, metric), (ts, val) in _series(clean_park).items():
        if metric not in COUNTER_METRICS:
            continue
        counters += 1
        drops = np.flatnonzero(np.diff(val) < 0) + 1
        for i in drops:
            at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(ts[i]))
            assert (device, metric, at) in resets, (device, metric, at)
            assert val[i] < val[i - 1]
            seen_resets.add((device, metric, at))
    assert counters > 100
    assert seen_resets == resets  # every recorded reset is visible in the data


def test_counters_continue_across_month_boundaries(clean_park: Park) -> None:
    series = _series(clean_park)
    ts, val = next(v for (d, m), v in series.items() if m == "energy_kwh")
    feb = int(datetime(2024, 1, 31, 16, tzinfo=UTC).timestamp() * 1e6)
    i = int(np.searchsorted(ts, feb))
    assert 0 < val[i] - val[i - 1] < 10_000  # no jump or restart at the month boundary


def test_run_state_power_and_values_are_in_range(clean_park: Park) -> None:
    t = clean_park.telemetry
    state = pc.filter(t["value"], pc.equal(t["metric"], "run_state"))
    assert set(pc.unique(state).to_pylist()) == {0.0, 1.0, 2.0, 3.0}
    power = pc.filter(t["value"], pc.equal(t["metric"], "power_kw"))
    assert pc.min(power).as_py() >= 0
    rated = max(clean_park.devices["rated_kw"].to_pylist())
    assert pc.max(power).as_py() <= rated * 1.1


def test_energy_tracks_output(clean_park: Park) -> None:
    # Monthly bills: within each firm, electricity moves with output (Spring Festival month
    # is low on both).
    e = clean_park.energy.to_pandas()
    corr = e.groupby("uscc").apply(
        lambda g: np.corrcoef(g.electricity_kwh, g.output_value_fen)[0, 1], include_groups=False
    )
    assert corr.median() > 0.9
    # Daily, from the meters and machine counters of one firm.
    series = _series(clean_park)
    firm = clean_park.enterprises["uscc"][3].as_py()
    day_us = 86_400_000_000

    def daily(metric: str) -> np.ndarray:
        total = None
        for (d, m), (ts, val) in series.items():
            if m == metric and d.startswith(firm):
                inc = np.diff(val, prepend=val[0])
                per_day = np.bincount(((ts - ts[0]) // day_us).astype(int), weights=inc)
                total = per_day if total is None else total + per_day
        assert total is not None
        return total[1:]

    kwh, output = daily("energy_kwh"), daily("output_count")
    assert np.corrcoef(kwh, output)[0, 1] > 0.8


def test_monthly_bill_equals_the_electricity_meter(clean_park: Park) -> None:
    series = _series(clean_park)
    bills = {(r["uscc"], r["month"]): r for r in clean_park.energy.to_pylist()}
    firm = clean_park.enterprises["uscc"][0].as_py()
    ts, val = next(v for (d, m), v in series.items() if m == "energy_kwh" and d.startswith(firm))
    feb_start = int(datetime(2024, 1, 31, 16, tzinfo=UTC).timestamp() * 1e6)
    mar_start = int(datetime(2024, 2, 29, 16, tzinfo=UTC).timestamp() * 1e6)
    feb = val[(ts >= feb_start) & (ts < mar_start)]
    jan_last = val[ts < feb_start][-1]
    bill = bills[(firm, date(2024, 2, 1))]
    assert abs((feb[-1] - jan_last) - bill["electricity_kwh"]) < 0.01 * bill["electricity_kwh"]
    assert bill["cost_fen"] > 0 and isinstance(bill["cost_fen"], int)


def test_spring_festival_shutdown_is_visible(clean_park: Park) -> None:
    t = clean_park.telemetry
    prod = pc.filter(
        clean_park.devices["device_id"], pc.is_in(clean_park.devices["kind"], pa.array(PRODUCTION))
    )
    running = pc.and_(pc.equal(t["metric"], "run_state"), pc.is_in(t["device_id"], prod))
    rows = t.filter(running)
    day = pc.floor_temporal(
        pc.add(rows["ts"], pa.scalar(8 * 3600 * 1_000_000, pa.duration("us"))), unit="day"
    )
    is_running = pc.equal(rows["value"], 2.0).cast(pa.float64())

    def share(first: date, last: date) -> float:
        lo = pa.scalar(datetime(first.year, first.month, first.day), pa.timestamp("us", tz="UTC"))
        hi = pa.scalar(datetime(last.year, last.month, last.day), pa.timestamp("us", tz="UTC"))
        mask = pc.and_(pc.greater_equal(day, lo), pc.less_equal(day, hi))
        return float(pc.mean(pc.filter(is_running, mask)).as_py())

    cny = spring_festival(2024)
    assert cny == date(2024, 2, 10)
    festival = share(cny - timedelta(days=1), cny + timedelta(days=4))
    march = share(date(2024, 3, 4), date(2024, 3, 8))  # an ordinary working week
    assert march > 0.2
    assert festival < 0.1 * march


def test_weekends_are_quieter_than_weekdays(clean_park: Park) -> None:
    t = clean_park.telemetry
    rows = t.filter(pc.equal(t["metric"], "run_state"))
    local = pc.add(rows["ts"], pa.scalar(8 * 3600 * 1_000_000, pa.duration("us")))
    is_running = pc.equal(rows["value"], 2.0).cast(pa.float64())
    sunday = pc.mean(pc.filter(is_running, pc.equal(pc.day_of_week(local), 6))).as_py()
    wednesday = pc.mean(pc.filter(is_running, pc.equal(pc.day_of_week(local), 2))).as_py()
    assert sunday < 0.25 * wednesday


def test_a_firm_is_the_same_whatever_the_park_size_and_chunk_order() -> None:
    small = ParkConfig(enterprises=6, months=2, interval_minutes=240, seed=3)
    larger = small.with_changes(enterprises=9)
    a = [c for c in iter_telemetry(small) if c.uscc == plan_park(small).firms[4].uscc]
    b = [c for c in iter_telemetry(larger) if c.uscc == plan_park(larger).firms[4].uscc]
    assert len(a) == len(b) == 2
    for x, y in zip(a, b, strict=True):
        assert x.month == y.month and x.batch.equals(y.batch)
    plan = plan_park(small)
    by_firm = {(f.firm.index, f.month_index): f for f in iter_firm_months(plan, order="firm")}
    for fm in iter_firm_months(plan, order="month"):
        other = by_firm[(fm.firm.index, fm.month_index)]
        assert np.array_equal(fm.delivered.value, other.delivered.value)
        assert np.array_equal(fm.delivered.ts_us, other.delivered.ts_us)


def test_faults_do_not_change_the_clean_data_underneath() -> None:
    # Faults use their own random streams: the same seed gives the same machines either way.
    clean = plan_park(TINY.with_changes(faults=FaultRates.none()))
    faulty = plan_park(TINY)
    a = next(iter_firm_months(clean))
    b = next(iter_firm_months(faulty))
    assert np.array_equal(a.clean.values, b.clean.values)
    assert a.delivered.value.size != b.delivered.value.size
