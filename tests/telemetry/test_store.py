"""The Parquet store: partitions, dedup, idempotent re-ingestion, late data, all-or-nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from chanrong.telemetry.store import StoreError, TelemetryStore
from tests.telemetry.builders import T0, many_points, points


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return TelemetryStore(tmp_path / "telemetry")


def test_points_land_in_org_and_day_partitions(store: TelemetryStore) -> None:
    table = points("d1", "power_kw", [1.0] * 192)  # two days at 15 minutes
    res = store.write("org-a", table)
    assert res.points == 192
    assert res.days == [date(2026, 3, 2), date(2026, 3, 3)]
    dirs = sorted(
        p.relative_to(store.root).as_posix() for p in store.root.glob("*/*") if p.is_dir()
    )
    assert dirs == ["org=org-a/day=2026-03-02", "org=org-a/day=2026-03-03"]
    assert store.count("org-a") == 192
    assert store.count("org-b") == 0


def test_reingesting_the_same_points_stores_each_once(store: TelemetryStore) -> None:
    table = many_points(5_000)
    store.write("o", table)
    store.write("o", table)
    store.write("o", table.slice(100, 50))
    assert store.physical_rows("o") == 10_050
    assert store.count("o") == 5_000
    got = store.query("o")
    assert len(got) == 5_000
    res = store.compact("o")
    assert (res.rows_before, res.rows_after) == (10_050, 5_000)
    assert store.physical_rows("o") == 5_000
    assert store.count("o") == 5_000


def test_late_data_is_merged_and_a_correction_wins(store: TelemetryStore) -> None:
    store.write("o", points("d1", "power_kw", [1.0, 2.0, 3.0]))
    store.compact("o")
    # A late reading for an earlier slot, and a corrected value for an existing one.
    late = points("d1", "power_kw", [9.0], start=T0 + timedelta(minutes=5))
    fix = points("d1", "power_kw", [20.0], start=T0 + timedelta(minutes=15))
    store.write("o", late)
    store.write("o", fix)
    values = store.query("o").column("value").to_pylist()
    assert values == [1.0, 9.0, 20.0, 3.0]
    store.compact("o")
    assert len(store.files("o", date(2026, 3, 2))) == 1
    assert store.query("o").column("value").to_pylist() == [1.0, 9.0, 20.0, 3.0]


def test_query_filters_by_time_device_and_metric(store: TelemetryStore) -> None:
    store.write("o", points("d1", "power_kw", list(range(96))))
    store.write("o", points("d2", "power_kw", list(range(96))))
    store.write("o", points("d1", "energy_kwh", list(range(96))))
    got = store.query(
        "o",
        start=T0 + timedelta(hours=1),
        end=T0 + timedelta(hours=2),
        devices=["d1"],
        metrics=["power_kw"],
    )
    assert got.column("value").to_pylist() == [4.0, 5.0, 6.0, 7.0]
    assert set(got.column("device_id").to_pylist()) == {"d1"}


def test_daily_increase_survives_a_counter_reset(store: TelemetryStore) -> None:
    # 100 → 130, reset to 0, then 0 → 15: the meter counted 30 + 15 = 45.
    store.write("o", points("m1", "energy_kwh", [100, 110, 130, 0, 5, 15]))
    row = store.daily("o").to_pylist()[0]
    assert row["day"] == date(2026, 3, 2)
    assert row["n"] == 6
    assert row["increase"] == pytest.approx(45.0)
    assert (row["first"], row["last"]) == (100.0, 15.0)


def test_a_bad_piece_leaves_nothing_behind(store: TelemetryStore) -> None:
    good = many_points(1_000)
    bad = pa.table(
        {
            "device_id": ["d"],
            "metric": ["power_kw"],
            "ts": pa.array([datetime(2026, 3, 4, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
            "value": [float("nan")],
        }
    )
    with pytest.raises(StoreError, match="value: 1 values are NaN"):
        store.write_many("o", [good, bad])
    assert store.count("o") == 0
    assert list(store.root.rglob("*.tmp")) == []


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pa.table({"device_id": ["d"], "metric": ["m"], "value": [1.0]}), "ts: column is missing"),
        (
            pa.table(
                {
                    "device_id": ["d"],
                    "metric": ["m"],
                    "ts": pa.array([datetime(2026, 1, 1)], pa.timestamp("us")),
                    "value": [1.0],
                }
            ),
            "ts: timestamps must carry a time zone",
        ),
        (
            pa.table(
                {
                    "device_id": ["d"],
                    "metric": [None],
                    "ts": pa.array([T0], pa.timestamp("us", tz="UTC")),
                    "value": [1.0],
                }
            ),
            "metric: 1 empty values",
        ),
    ],
)
def test_bad_tables_name_the_column(store: TelemetryStore, table: pa.Table, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        store.write("o", table)
    assert store.count("o") == 0


def test_org_ids_cannot_escape_the_store(store: TelemetryStore) -> None:
    with pytest.raises(StoreError, match="org_id"):
        store.write("../etc", many_points(1))


def test_non_utc_input_is_stored_in_utc(store: TelemetryStore) -> None:
    shanghai = pa.array(
        [datetime(2026, 3, 2, 7, 0, tzinfo=UTC)], pa.timestamp("us", tz="Asia/Shanghai")
    )
    table = pa.table({"device_id": ["d"], "metric": ["power_kw"], "ts": shanghai, "value": [1.0]})
    store.write("o", table)
    got = store.query("o")
    assert got.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert pc.min(got.column("ts")).as_py() == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def test_a_read_that_loses_a_file_to_compaction_is_run_again() -> None:
    import duckdb

    from chanrong.telemetry.store import _retrying

    calls: list[int] = []

    def read() -> int:
        calls.append(1)
        if len(calls) == 1:
            duckdb.sql("SELECT * FROM read_parquet('/nonexistent/chanrong-gone.parquet')")
        return 7

    assert _retrying(read) == 7
    assert len(calls) == 2

    def always_gone() -> int:
        duckdb.sql("SELECT * FROM read_parquet('/nonexistent/chanrong-gone.parquet')")
        return 0

    with pytest.raises(duckdb.IOException):
        _retrying(always_gone)


def test_duplicates_are_counted_exactly_whatever_the_order() -> None:
    from chanrong.telemetry.store import count_duplicates

    ordered = points("a", "power_kw", [1.0, 2.0, 3.0])
    assert count_duplicates(ordered) == 0
    shuffled = pa.concat_tables(
        [
            points("b", "power_kw", [1.0, 2.0]),
            points("a", "power_kw", [1.0, 2.0, 3.0]),
            points("a", "energy_kwh", [1.0, 2.0]),
            points("a", "power_kw", [9.0, 9.0]),  # repeats a's first two power readings
            points("b", "power_kw", [5.0]),  # repeats b's first
        ]
    )
    assert count_duplicates(shuffled) == 3
    # Readings millennia apart across many series cannot be packed into one integer key: the
    # count falls back to grouping, and is as exact.
    far = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)]
    wide = pa.concat_tables(
        [points(f"d{i}", "power_kw", [1.0, 2.0], stamps=far) for i in range(20)]
        + [points("d3", "power_kw", [7.0], stamps=far[1:]), ordered]
    )
    assert count_duplicates(wide) == 1


def test_a_window_ending_at_midnight_does_not_read_the_next_day(store: TelemetryStore) -> None:
    """``end`` is exclusive: the day it starts is not scanned (today's files, growing all day,
    were read by every daily read ending today). A file there that cannot be read proves it."""
    store.write("org-a", points("d1", "power_kw", [1.0] * 192))  # 2026-03-02 and 03-03
    junk = store.org_dir("org-a") / "day=2026-03-03" / "zzzz.parquet"
    junk.write_bytes(b"not parquet")
    midnight = T0 + timedelta(days=1)
    assert store.query("org-a", start=T0, end=midnight).num_rows == 96
    assert store.daily("org-a", start=T0, end=midnight).num_rows == 1
    with pytest.raises(Exception):  # noqa: B017, PT011 - the unreadable file is read now
        store.query("org-a", start=T0, end=midnight + timedelta(minutes=15))
