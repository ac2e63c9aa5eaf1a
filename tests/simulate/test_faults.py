"""Injected faults: realised rates match the settings and every fault is recorded exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from chanrong.simulate import Park, estimate_points
from chanrong.simulate.config import FAULT_KINDS
from tests.simulate.conftest import HIGH_FAULTS, TINY


def _keys(t: pa.Table) -> pa.Table:
    return t.select(["device_id", "metric", "ts"])


def test_clean_park_has_no_faults_but_resets(clean_park: Park) -> None:
    kinds = set(clean_park.faults["kind"].to_pylist())
    assert kinds == {"counter_reset"}
    assert clean_park.telemetry.num_rows == estimate_points(TINY)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_fault_rates_match_settings(faulty_park: Park, kind: str) -> None:
    clean_points = estimate_points(TINY)
    f = faulty_park.faults
    hit = pc.sum(pc.filter(f["points"], pc.equal(f["kind"], kind))).as_py()
    realised = hit / clean_points
    expected = getattr(HIGH_FAULTS, kind)
    assert realised == pytest.approx(expected, rel=0.25), (kind, realised)


def test_row_count_is_clean_minus_gaps_plus_duplicates(faulty_park: Park) -> None:
    f = faulty_park.faults.to_pandas()
    points = f.groupby("kind").points.sum()
    assert faulty_park.telemetry.num_rows == (
        estimate_points(TINY) - points["gap"] + points["duplicate"]
    )


def test_duplicates_are_exactly_the_recorded_ones(faulty_park: Park) -> None:
    t = faulty_park.telemetry
    counts = _keys(t).group_by(["device_id", "metric", "ts"]).aggregate([([], "count_all")])
    dup = counts.filter(pc.greater(counts["count_all"], 1))
    recorded = faulty_park.faults.filter(pc.equal(faulty_park.faults["kind"], "duplicate"))
    got = set(zip(*(dup[c].to_pylist() for c in ("device_id", "metric", "ts")), strict=True))
    want = set(
        zip(*(recorded[c].to_pylist() for c in ("device_id", "metric", "start")), strict=True)
    )
    assert got == want and len(want) > 100


def test_every_changed_value_is_a_recorded_fault(clean_park: Park, faulty_park: Park) -> None:
    keys = ["device_id", "metric", "ts"]
    clean = clean_park.telemetry.select([*keys, "value"])
    faulty = (
        faulty_park.telemetry.select([*keys, "value"]).group_by(keys).aggregate([("value", "min")])
    )
    joined = clean.join(faulty, keys, join_type="inner").to_pandas()
    changed = joined[~np.isclose(joined.value, joined.value_min, rtol=1e-9, atol=1e-9)]
    f = faulty_park.faults.to_pandas()
    # What the records say was changed: out-of-range points and every reading of a
    # unit mix-up run.
    oor = f[f.kind == "out_of_range"].rename(columns={"start": "ts"})
    mix = f[f.kind == "unit_mixup"].merge(joined, on=["device_id", "metric"])
    mix = mix[(mix.ts >= mix.start) & (mix.ts <= mix.end)]
    assert len(mix) == f[f.kind == "unit_mixup"].points.sum()
    expected = pd.concat(
        [
            oor[["device_id", "metric", "ts", "magnitude"]].rename(columns={"magnitude": "want"}),
            mix.assign(want=mix.value * mix.magnitude)[["device_id", "metric", "ts", "want"]],
        ]
    )
    got = joined.merge(expected, on=keys, how="left")
    got["want"] = got.want.fillna(got.value)  # no fault recorded: the value is the clean one
    assert np.allclose(got.value_min, got.want, rtol=1e-9, atol=1e-9)
    assert len(changed) > 0 and len(oor) > 0 and len(mix) > 0


def test_out_of_range_values_are_impossible(faulty_park: Park) -> None:
    f = faulty_park.faults.filter(pc.equal(faulty_park.faults["kind"], "out_of_range"))
    values = np.array(f["magnitude"].to_pylist())
    assert ((values < 0) | (values >= 1e7)).all()


def test_skewed_clocks_shift_timestamps_by_the_recorded_offset(faulty_park: Park) -> None:
    f = faulty_park.faults.to_pandas()
    skew = f[f.kind == "clock_skew"].iloc[0]
    t = faulty_park.telemetry.filter(pc.equal(faulty_park.telemetry["device_id"], skew.device_id))
    ts = set(t["ts"].to_pylist())
    shifted = skew.start + np.timedelta64(int(skew.magnitude), "s")
    assert shifted.to_pydatetime() in ts
    assert skew.start.to_pydatetime() not in ts
    interval = TINY.interval_minutes * 60
    assert 0 < abs(skew.magnitude) < interval / 2


def test_late_rows_are_not_lost_and_come_last(faulty_park: Park) -> None:
    f = faulty_park.faults.to_pandas()
    late = f[f.kind == "late_arrival"]
    assert (late.magnitude >= 3600).all()
    first = late.iloc[0]
    t = faulty_park.telemetry.filter(
        pc.and_(
            pc.equal(faulty_park.telemetry["uscc"], first.uscc),
            pc.equal(
                faulty_park.telemetry["month"],
                first.start.tz_convert("Asia/Shanghai").strftime("%Y-%m"),
            ),
        )
    ).to_pandas()
    where = t.index[
        (t.device_id == first.device_id) & (t.metric == first.metric) & (t.ts == first.start)
    ]
    assert len(where) == 1
    # It sits after rows of later devices, i.e. out of the file's (device, metric, ts) order.
    assert (t.loc[: where[0] - 1, "device_id"] > first.device_id).any()


def test_gaps_remove_whole_device_runs(clean_park: Park, faulty_park: Park) -> None:
    f = faulty_park.faults.to_pandas()
    gap = f[f.kind == "gap"].sort_values("points").iloc[-1]
    assert gap.metric is None or gap.metric != gap.metric  # whole device: no metric
    t = faulty_park.telemetry.filter(pc.equal(faulty_park.telemetry["device_id"], gap.device_id))
    inside = pc.and_(
        pc.greater_equal(t["ts"], pa.scalar(gap.start.to_pydatetime(), pa.timestamp("us", "UTC"))),
        pc.less_equal(t["ts"], pa.scalar(gap.end.to_pydatetime(), pa.timestamp("us", "UTC"))),
    )
    assert pc.sum(inside.cast(pa.int64())).as_py() == 0
