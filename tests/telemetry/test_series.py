"""Hourly and daily series kept beside the folded months, read instead of raw points."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from chanrong.telemetry import result_cache
from chanrong.telemetry.daily import device_days, device_days_from_hours
from chanrong.telemetry.points import StoreError
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import points

START = datetime(2026, 1, 20, 3, 7, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return TelemetryStore(tmp_path / "telemetry")


def _rows(table: pa.Table) -> list[tuple[object, ...]]:
    """Rows, floats to 9 significant digits (sums run in another order)."""
    return [
        tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)
        for row in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True)
    ]


def _park(store: TelemetryStore) -> None:
    """Two machines from 20 January to late March: a counter with a reset, power, run states
    at irregular stamps (not on the hour grid)."""
    rng = np.random.default_rng(11)
    n = 96 * 62
    step = timedelta(minutes=15)
    counter = np.cumsum(rng.uniform(0, 5, n))
    counter[3000:] -= counter[3000]
    store.write("o", points("m1", "energy_kwh", counter, start=START, step=step))
    store.write("o", points("m1", "power_kw", rng.uniform(-1, 50, n), start=START, step=step))
    states = rng.choice([0.0, 1.0, 2.0, 3.0], size=n // 2)
    store.write("o", points("m2", "run_state", states, start=START, step=2 * step))


WINDOWS = [
    (None, None),
    (datetime(2026, 1, 25, 16, tzinfo=UTC), datetime(2026, 3, 10, 16, tzinfo=UTC)),
    (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    (datetime(2026, 1, 31, 7, 30, tzinfo=UTC), datetime(2026, 2, 27, 9, 45, tzinfo=UTC)),
]


def test_hourly_and_daily_series_from_rollups_equal_those_from_raw_points(
    store: TelemetryStore,
) -> None:
    _park(store)
    raw = {
        every: [_rows(store.series("o", every=every, start=a, end=b)) for a, b in WINDOWS]
        for every in ("1h", "1d", "15m")
    }
    assert sum(r[3] for r in raw["1h"][0] if r[1] == "run_state") == 96 * 62 // 2
    store.compact_months("o", before=date(2026, 3, 1))
    assert store.valid_rollup("o", date(2026, 1, 1), "1h") is not None
    assert store.valid_rollup("o", date(2026, 2, 1), "1h") is not None
    for every in ("1h", "1d", "15m"):
        got = [_rows(store.series("o", every=every, start=a, end=b)) for a, b in WINDOWS]
        assert got == raw[every], every


def test_series_reads_the_rollup_not_the_raw_points(store: TelemetryStore) -> None:
    """A rollup stands in for its month: with the month file's points changed under it (which
    only a test does), an aligned read still answers from the rollup."""
    _park(store)
    store.compact_months("o", before=date(2026, 3, 1))
    before = store.series("o", every="1h", start=WINDOWS[2][0], end=WINDOWS[2][1])
    month_file = store.month_files("o", date(2026, 2, 1))[0]
    import pyarrow.parquet as pq

    table = pq.read_table(month_file)
    pq.write_table(table.slice(0, 10), month_file)
    # Files never change in place outside a test, so reads are remembered by the files they
    # name (result_cache): forget them, or the read below would not look at the files at all.
    result_cache.RESULTS.clear()
    after = store.series("o", every="1h", start=WINDOWS[2][0], end=WINDOWS[2][1])
    assert _rows(after) == _rows(before)
    # Not aligned to the hour: the edge months come from the (now cut) raw points.
    cut = store.series("o", every="1h", start=WINDOWS[3][0], end=WINDOWS[3][1])
    assert sum(cut.column("n").to_pylist()) < sum(before.column("n").to_pylist())


def test_series_names_a_width_it_does_not_know(store: TelemetryStore) -> None:
    with pytest.raises(StoreError, match="every"):
        store.series("o", every="5m")


def test_device_days_from_hourly_aggregates_equal_those_from_raw_points(
    store: TelemetryStore,
) -> None:
    _park(store)
    store.compact_months("o", before=date(2026, 3, 1))
    lo = datetime(2026, 1, 31, 16, tzinfo=UTC)  # local midnight of 1 February
    hi = datetime(2026, 3, 5, 16, tzinfo=UTC)
    raw = device_days(store.query("o", start=lo, end=hi), first_day=date(2026, 2, 2))
    hours = store.series("o", every="1h", start=lo, end=hi)
    assert store.valid_rollup("o", date(2026, 2, 1), "1h") is not None
    got = device_days_from_hours(hours, first_day=date(2026, 2, 2))
    assert raw.num_rows > 60
    assert _rows(got) == _rows(raw)
