"""The equipment quality index's per-day stats kept beside the rollups: read from the stats of
compacted days and folded months, they equal those computed from the raw points."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chanrong.telemetry.points import StoreError
from chanrong.telemetry.series import EQUIP_PREFIX, ROLLUP_DIR
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import MACHINES_START as START
from tests.telemetry.builders import machines, points


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return TelemetryStore(tmp_path / "telemetry")


WINDOWS = [
    (datetime(2026, 1, 20, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC)),
    (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    (datetime(2026, 1, 27, tzinfo=UTC), datetime(2026, 2, 13, tzinfo=UTC)),
]


def _read(store: TelemetryStore) -> list[pa.Table]:
    return [store.equipment_days("o", start=a, end=b) for a, b in WINDOWS]


def test_stats_of_compacted_days_and_folded_months_equal_those_of_raw_points(
    store: TelemetryStore,
) -> None:
    machines(store)
    raw = _read(store)
    whole = raw[0]
    assert sum(whole.column("n").to_pylist()) > 800
    assert sum(whole.column("faults").to_pylist()) >= 1
    assert min(whole.column("n").to_pylist()) == 1  # m2's days of one reading
    store.compact_months("o", before=date(2026, 3, 1))
    assert store.valid_rollup("o", date(2026, 2, 1)) is not None
    assert [t.equals(r) for t, r in zip(_read(store), raw, strict=True)] == [True] * 3
    # March's days compacted one by one, each with its stats (the worker's nightly run).
    store.compact("o")
    kept = list((store.root / ROLLUP_DIR).rglob(f"{EQUIP_PREFIX}-*.parquet"))
    assert len(kept) == len(store.days("o")) + len(store.months("o"))
    assert [t.equals(r) for t, r in zip(_read(store), raw, strict=True)] == [True] * 3


def test_a_folded_month_is_read_from_its_stats_not_its_points(store: TelemetryStore) -> None:
    machines(store)
    store.compact_months("o", before=date(2026, 3, 1))
    before = store.equipment_days("o", start=WINDOWS[1][0], end=WINDOWS[1][1])
    month_file = store.month_files("o", date(2026, 2, 1))[0]
    pq.write_table(pq.read_table(month_file).slice(0, 10), month_file)
    assert store.equipment_days("o", start=WINDOWS[1][0], end=WINDOWS[1][1]).equals(before)
    # Late data for the month: its stats no longer stand for it, the raw points are read.
    store.write("o", points("m1", "run_state", [2.0], start=datetime(2026, 2, 3, tzinfo=UTC)))
    late = store.equipment_days("o", start=WINDOWS[1][0], end=WINDOWS[1][1])
    assert sum(late.column("n").to_pylist()) < sum(before.column("n").to_pylist())


def test_stats_are_read_over_whole_days_only(store: TelemetryStore) -> None:
    machines(store)
    with pytest.raises(StoreError, match="whole UTC days"):
        store.equipment_days("o", start=START, end=datetime(2026, 2, 1, tzinfo=UTC))
