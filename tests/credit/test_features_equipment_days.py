"""The equipment quality index from the store's per-day stats equals the one from every raw
run-state and power reading: holds across midnight, fault runs across days, days of a single
reading, states that are not states and implausible power included."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import ibis
import pandas as pd
import pytest

from chanrong.credit.features import ParkTables, empty_telemetry, equipment_quality_expr
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import machines

WINDOWS = [
    (datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC)),
    (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    (datetime(2026, 1, 27, tzinfo=UTC), datetime(2026, 2, 13, tzinfo=UTC)),
    (datetime(2026, 2, 20, tzinfo=UTC), datetime(2026, 2, 21, tzinfo=UTC)),
]


def _tables(store: TelemetryStore) -> ParkTables:
    """Two firms ("a", "b") with the same machines, rated so that some loads are implausible
    and the median of the plausible ones is above the overload threshold for one of them."""
    points = pd.concat(
        [
            store.query(org).to_pandas().assign(device_id=lambda f, o=org: o + f.device_id)
            for org in ("a", "b")
        ]
    )
    devices = pd.DataFrame(
        {
            "device_id": ["am1", "am2", "bm1", "bm2"],
            "uscc": ["a", "a", "b", "b"],
            "rated_kw": [30.0, 12.0, 55.0, 0.0],
        }
    )
    empty = ibis.memtable(pd.DataFrame({"uscc": pd.Series(dtype=str)}))
    return ParkTables(
        enterprises=empty,
        devices=ibis.memtable(devices),
        telemetry=ibis.memtable(points),
        orders=empty,
        invoices=empty,
        payments=empty,
        energy=empty,
        cloud_usage=empty,
    )


def _index(t: ParkTables, start: datetime, end: datetime) -> dict[str, float]:
    frame = equipment_quality_expr(t, ibis.literal(start), ibis.literal(end)).to_pandas()
    return dict(zip(frame["uscc"], frame["equipment_quality"], strict=True))


@pytest.mark.parametrize("folded", [False, True])
def test_index_from_per_day_stats_equals_the_one_from_raw_readings(
    tmp_path: Path, folded: bool
) -> None:
    store = TelemetryStore(tmp_path / "telemetry")
    machines(store, "a", seed=5)
    machines(store, "b", seed=6)
    if folded:  # the stats of folded months are read from their files
        for org in ("a", "b"):
            store.compact_months(org, before=date(2026, 3, 1))
    raw = _tables(store)
    seen: set[float] = set()
    for start, end in WINDOWS:
        days = pd.concat(
            [
                store.equipment_days(org, start=start, end=end)
                .to_pandas()
                .assign(device_id=lambda f, o=org: o + f.device_id)
                for org in ("a", "b")
            ]
        )
        agg = dataclasses.replace(
            raw, telemetry=empty_telemetry(), equipment_daily=ibis.memtable(days)
        )
        want, got = _index(raw, start, end), _index(agg, start, end)
        assert got.keys() == want.keys() == {"a", "b"}
        for firm, value in want.items():
            assert got[firm] == pytest.approx(value, rel=1e-12, abs=1e-12), (start, firm)
            seen.add(round(value, 6))
    # The data exercises the index: not every window's firms score the same or the maximum.
    assert len(seen) > 4 and min(seen) < 90
