"""Hourly rollups of compacted days (months not folded yet): reads combine them with the raw
tail, equal aggregates of the raw points, and never count a point twice."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chanrong.core.settings import Settings
from chanrong.jobs.registry import JobContext
from chanrong.storage.database import Database
from chanrong.telemetry import result_cache, tasks
from chanrong.telemetry.aggregates import BUCKET_SQL, STITCH_SQL, WIDTHS
from chanrong.telemetry.series import day_rollup_dir, valid_day_rollup
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import points

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
STEP = timedelta(minutes=7)  # off the hour grid: buckets hold uneven counts


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return TelemetryStore(tmp_path / "telemetry")


def _day_batch(day: int, rng: np.random.Generator, *, offset: float = 0.0) -> pa.Table:
    """One day of three series: a counter (reset on day 2), power and run states."""
    n = 24 * 60 // 7
    start = DAY0 + timedelta(days=day)
    counter = offset + np.cumsum(rng.uniform(0, 3, n))
    if day == 2:
        counter[n // 2 :] -= counter[n // 2]
    return pa.concat_tables(
        [
            points("m1", "energy_kwh", counter, start=start, step=STEP),
            points("m1", "power_kw", rng.uniform(-2, 40, n), start=start, step=STEP),
            points("m2", "run_state", rng.choice([0.0, 1.0, 2.0, 3.0], n), start=start, step=STEP),
        ]
    )


def _reference(
    store: TelemetryStore, every: str, start: datetime | None, end: datetime | None
) -> pa.Table:
    """Aggregates straight from the deduplicated raw points of the window (no rollup)."""
    pts = store.query("o", start=start, end=end)
    with duckdb.connect() as con:
        con.sql("SET TimeZone = 'UTC'")
        con.register("pts", pts)
        sql = STITCH_SQL.format(
            rows=BUCKET_SQL.format(points="SELECT * FROM pts", width=WIDTHS[every])
        )
        return con.sql(sql).to_arrow_table()


def _assert_same(got: pa.Table, want: pa.Table) -> None:
    assert got.num_rows == want.num_rows
    for name in want.column_names:
        a, b = got.column(name).to_pylist(), want.column(name).to_pylist()
        if b and isinstance(b[0], float):
            for x, y in zip(a, b, strict=True):
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (name, x, y)
        else:
            assert a == b, name


WINDOWS = [
    (None, None),
    (DAY0, DAY0 + timedelta(days=6)),
    (DAY0 + timedelta(days=1, hours=5), DAY0 + timedelta(days=4, hours=19)),
]


def _check(store: TelemetryStore) -> None:
    for every in ("1h", "1d"):
        for a, b in WINDOWS:
            _assert_same(
                store.series("o", every=every, start=a, end=b), _reference(store, every, a, b)
            )
    # Every stored point counted exactly once across rollups and the raw tail.
    hours = store.series("o", every="1h")
    assert hours.num_rows > 0
    assert sum(hours.column("n").to_pylist()) == store.count("o")


def test_day_rollups_with_late_and_out_of_order_batches_equal_raw_aggregates(
    store: TelemetryStore,
) -> None:
    rng = np.random.default_rng(5)
    for day in range(5):  # five days land and are compacted, as the worker does each night
        store.write("o", _day_batch(day, rng, offset=1000.0 * day))
        store.compact("o", DAY0.date() + timedelta(days=day))
    store.write("o", _day_batch(5, rng, offset=5000.0))  # today: the raw tail
    for day in range(5):
        assert valid_day_rollup(store, "o", DAY0.date() + timedelta(days=day)) is not None
    _check(store)
    # Late data for day 1: corrections of existing readings and new ones, out of order.
    late = _day_batch(1, np.random.default_rng(9), offset=1000.0).slice(100, 300)
    shuffled = late.take(pa.array(np.random.default_rng(1).permutation(late.num_rows)))
    store.write("o", shuffled)
    store.write("o", points("m1", "power_kw", [77.0], start=DAY0 + timedelta(days=1, seconds=30)))
    assert valid_day_rollup(store, "o", DAY0.date() + timedelta(days=1)) is None
    _check(store)
    # The nightly job merges the late day again; a retry of it, and a re-sent batch, change
    # nothing.
    store.compact("o", DAY0.date() + timedelta(days=1))
    assert valid_day_rollup(store, "o", DAY0.date() + timedelta(days=1)) is not None
    _check(store)
    store.compact("o")
    store.write("o", shuffled)
    _check(store)
    store.compact("o")
    _check(store)
    assert 77.0 in store.series("o", every="1d", metrics=["power_kw"]).column("max").to_pylist()


def test_a_compacted_day_is_read_from_its_rollup_not_its_points(store: TelemetryStore) -> None:
    """With the day's file changed under its rollup (which only a test does), a read of whole
    days still answers from the rollup; a read off the hour grid reads the raw points."""
    rng = np.random.default_rng(2)
    for day in range(2):
        store.write("o", _day_batch(day, rng))
    store.compact("o")
    window = (DAY0, DAY0 + timedelta(days=2))
    before = store.series("o", every="1d", start=window[0], end=window[1])
    (only,) = store.files("o", DAY0.date())
    table = pq.read_table(only)
    pq.write_table(table.set_column(3, "value", pa.array([0.0] * table.num_rows)), only)
    # Files never change in place outside a test, so reads are remembered by the files they
    # name (result_cache): forget them, or the read below would not look at the files at all.
    result_cache.RESULTS.clear()
    assert store.series("o", every="1d", start=window[0], end=window[1]).equals(before)
    odd = DAY0 + timedelta(minutes=30)
    assert store.series("o", every="1h", start=odd, end=window[1]).equals(
        _reference(store, "1h", odd, window[1])
    )


def test_folding_a_month_removes_its_days_rollups(store: TelemetryStore) -> None:
    rng = np.random.default_rng(4)
    store.write("o", _day_batch(0, rng))
    store.compact("o")
    assert any(day_rollup_dir(store, "o", DAY0.date()).glob("*.parquet"))
    want = store.series("o", every="1h")
    store.compact_months("o", before=date(2026, 4, 1))
    assert not day_rollup_dir(store, "o", DAY0.date()).exists()
    assert store.series("o", every="1h").equals(want)


def test_a_day_compacted_before_rollups_were_kept_gets_one_on_the_next_run(
    store: TelemetryStore,
) -> None:
    store.write("o", _day_batch(0, np.random.default_rng(8)))
    store.compact("o")
    for f in day_rollup_dir(store, "o", DAY0.date()).glob("*.parquet"):
        f.unlink()
    assert valid_day_rollup(store, "o", DAY0.date()) is None
    _check(store)
    store.compact("o")
    assert valid_day_rollup(store, "o", DAY0.date()) is not None
    _check(store)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_nightly_job_keeps_the_days_rollup_and_merges_a_late_day_again(
    db: Database, settings: Settings
) -> None:
    store = TelemetryStore(settings.effective_telemetry_dir)
    rng = np.random.default_rng(6)
    for day in range(3):
        store.write("o", _day_batch(day, rng))
    store.compact("o")
    store.write("o", _day_batch(0, np.random.default_rng(7)).slice(0, 50))  # late for day 0
    third = DAY0.date() + timedelta(days=2)
    store.write("o", _day_batch(2, np.random.default_rng(8)).slice(0, 50))  # the job's own day
    assert valid_day_rollup(store, "o", DAY0.date()) is None
    with db.unit_of_work() as s:
        tasks.compact(
            JobContext(
                session=s,
                settings=settings,
                job=tasks.COMPACT,
                period=third.isoformat(),
                subject="o",
                attempt=1,
                now=datetime(2026, 3, 5, 1, tzinfo=UTC),
            )
        )
    for day in range(3):
        assert valid_day_rollup(store, "o", DAY0.date() + timedelta(days=day)) is not None
    _check(store)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_late_batches_of_compacted_days_are_merged_soon_and_unscored_days_are_left(
    db: Database, settings: Settings
) -> None:
    store = TelemetryStore(settings.effective_telemetry_dir)
    rng = np.random.default_rng(9)
    for day in range(2):
        store.write("o", _day_batch(day, rng))
    store.compact("o")
    store.write("o", _day_batch(0, np.random.default_rng(10)).slice(0, 40))  # late for day 0
    store.write("o", _day_batch(0, np.random.default_rng(11)).slice(20, 60))  # and again
    store.write("o", _day_batch(2, rng))  # day 2: never compacted, its quality not scored yet
    store.write("o", _day_batch(2, rng).slice(0, 30))
    before = store.count("o")
    assert valid_day_rollup(store, "o", DAY0.date()) is None
    with db.unit_of_work() as s:
        detail = tasks.compact_late(
            JobContext(
                session=s,
                settings=settings,
                job=tasks.COMPACT_LATE,
                period="event",
                subject="o",
                attempt=1,
                now=DAY0 + timedelta(days=3, hours=5),
            )
        )
    assert detail.startswith("1 late day(s) merged again, 3 file(s)")
    assert valid_day_rollup(store, "o", DAY0.date()) is not None
    assert valid_day_rollup(store, "o", DAY0.date() + timedelta(days=1)) is not None
    assert len(store.files("o", DAY0.date() + timedelta(days=2))) == 2  # left for its own run
    assert store.count("o") == before
    _check(store)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_day_scored_empty_that_then_received_data_is_merged_soon(
    db: Database, settings: Settings
) -> None:
    from chanrong.jobs.orm import JobRun, RunStatus

    store = TelemetryStore(settings.effective_telemetry_dir)
    rng = np.random.default_rng(12)
    first, second = DAY0.date(), DAY0.date() + timedelta(days=1)
    with db.unit_of_work() as s:
        # Both days' quality runs: the first one done (it found no data), the second failed.
        for day, status in ((first, RunStatus.SUCCEEDED), (second, RunStatus.FAILED)):
            s.add(
                JobRun(
                    name=tasks.DAILY_QUALITY,
                    period=day.isoformat(),
                    subject="o",
                    status=status,
                    due_at=DAY0,
                    not_before=DAY0,
                )
            )
    # Then batches for both days arrive, none of them compacted.
    for _ in range(3):
        store.write("o", _day_batch(0, rng).slice(0, 40))
        store.write("o", _day_batch(1, rng).slice(0, 40))
    before = store.count("o")
    with db.unit_of_work() as s:
        detail = tasks.compact_late(
            JobContext(
                session=s,
                settings=settings,
                job=tasks.COMPACT_LATE,
                period="event",
                subject="o",
                attempt=1,
                now=DAY0 + timedelta(days=3),
            )
        )
    assert detail.startswith("1 late day(s) merged again, 3 file(s)")
    assert valid_day_rollup(store, "o", first) is not None
    assert len(store.files("o", second)) == 3  # its quality run is not done: left for it
    assert store.count("o") == before
    _check(store)
