"""On a simulated park, the quality index ranks machines by the failures they really had."""

from __future__ import annotations

from chanrong.demo.insurance_report import device_indices, separation
from chanrong.simulate import preset, simulate_park


def test_index_separates_machines_that_fail_more() -> None:
    park = simulate_park(preset("tiny"))
    sep = separation(device_indices(park.devices, park.telemetry), park.maintenance)
    assert sep.devices > 50
    assert sep.spearman < -0.5
    assert sep.auc > 0.8
    (_, f_low, i_low), _, (_, f_high, i_high) = sep.by_tercile
    assert f_high > f_low
    assert i_high < i_low
