"""Month partitions: compaction of finished months, under a concurrent writer and readers."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import points

MARCH = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return TelemetryStore(tmp_path / "telemetry")


def _checksum(table: pa.Table) -> str:
    """A digest of every (device, metric, ts, value), independent of row order."""
    rows = sorted(
        zip(
            table.column("device_id").to_pylist(),
            table.column("metric").to_pylist(),
            table.column("ts").cast(pa.int64()).to_pylist(),
            table.column("value").to_pylist(),
            strict=True,
        )
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _batch(k: int, rng: np.random.Generator) -> pa.Table:
    """Batch ``k``: 96 quarter-hours of one device on one March day; later batches rewrite
    earlier slots with new values (a correction must win)."""
    day = MARCH + timedelta(days=k % 20)
    return points(f"d{k % 3}", "power_kw", rng.uniform(0, 100, 96), start=day)


def test_finished_months_fold_into_one_file_per_month(store: TelemetryStore) -> None:
    store.write(
        "o", points("d1", "power_kw", [1.0] * 96 * 3, start=datetime(2026, 2, 27, tzinfo=UTC))
    )
    store.write("o", points("d1", "power_kw", [2.0] * 96, start=datetime(2026, 3, 2, tzinfo=UTC)))
    before = store.query("o")
    res = store.compact_months("o", before=date(2026, 4, 1))
    assert res.partitions == 2
    assert (res.rows_before, res.rows_after) == (96 * 4, 96 * 4)
    assert store.days("o") == []
    assert store.months("o") == [date(2026, 2, 1), date(2026, 3, 1)]
    assert [len(store.month_files("o", m)) for m in store.months("o")] == [1, 1]
    assert _checksum(store.query("o")) == _checksum(before)
    # A month not finished by ``before`` stays in day partitions.
    store.write("o", points("d1", "power_kw", [3.0] * 4, start=datetime(2026, 4, 2, tzinfo=UTC)))
    assert store.compact_months("o", before=date(2026, 4, 30)).partitions == 0
    assert store.days("o") == [date(2026, 4, 2)]


def test_late_data_for_a_compacted_month_wins_and_is_folded_in(store: TelemetryStore) -> None:
    store.write("o", points("d1", "power_kw", [1.0, 2.0, 3.0], start=MARCH))
    store.compact_months("o", before=date(2026, 4, 1))
    store.write("o", points("d1", "power_kw", [20.0], start=MARCH + timedelta(minutes=15)))
    assert store.query("o").column("value").to_pylist() == [1.0, 20.0, 3.0]
    # Day .c files from the old layout are folded too.
    store.compact("o")
    store.compact_months("o", before=date(2026, 4, 1))
    assert store.days("o") == []
    assert len(store.month_files("o", MARCH.date())) == 1
    assert store.query("o").column("value").to_pylist() == [1.0, 20.0, 3.0]
    assert store.physical_rows("o") == 3


def test_month_compaction_under_concurrent_ingest_loses_and_duplicates_nothing(
    store: TelemetryStore,
) -> None:
    expected: dict[tuple[str, str, int], float] = {}
    done = threading.Event()
    errors: list[BaseException] = []
    seen_counts: list[int] = []

    def writer() -> None:
        rng = np.random.default_rng(7)
        try:
            for k in range(120):
                batch = _batch(k, rng)
                store.write("o", batch, durable=False)
                for row in batch.to_pylist():
                    ts_us = int(row["ts"].timestamp() * 1_000_000)
                    expected[(row["device_id"], row["metric"], ts_us)] = row["value"]
        except BaseException as exc:  # reported by the test thread below
            errors.append(exc)
        finally:
            done.set()

    def reader() -> None:
        try:
            while not done.is_set():
                seen_counts.append(store.count("o"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    compactions = 0
    while not done.is_set():
        compactions += store.compact_months("o", before=date(2026, 4, 1)).partitions
    for t in threads:
        t.join()
    assert errors == []
    assert compactions >= 2, "the writer finished before compaction overlapped it"
    # 3 devices × 20 days × 96 slots: never more points visible than exist, at any moment.
    total = 3 * 20 * 96
    assert seen_counts and max(seen_counts) <= total
    assert seen_counts == sorted(seen_counts)  # nothing ever disappears from a reader's view
    raw = store.query("o")
    store.compact_months("o", before=date(2026, 4, 1))
    after = store.query("o")
    want = pa.table(
        {
            "device_id": [k[0] for k in expected],
            "metric": [k[1] for k in expected],
            "ts": pa.array([k[2] for k in expected], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
            "value": list(expected.values()),
        }
    )
    assert len(raw) == len(after) == len(want) == total
    assert _checksum(raw) == _checksum(after) == _checksum(want)
    assert store.physical_rows("o") == total
    assert store.days("o") == []


def _daily_rows(table: pa.Table) -> list[tuple[object, ...]]:
    """Rows of a daily table, floats to 9 significant digits (sums run in another order)."""
    cols = ["device_id", "metric", "day", "n", "min", "max", "mean", "first", "last", "increase"]
    return [
        tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)
        for row in zip(*(table.column(c).to_pylist() for c in cols), strict=True)
    ]


def test_daily_aggregates_from_rollups_equal_those_from_raw_points(
    store: TelemetryStore,
) -> None:
    rng = np.random.default_rng(3)
    start = datetime(2026, 1, 20, tzinfo=UTC)
    n = 96 * 60  # 60 days at 15 minutes: January to March
    counter = np.cumsum(rng.uniform(0, 5, n))
    counter[2000:] -= counter[2000]  # a meter reset in February
    store.write("o", points("m1", "energy_kwh", counter, start=start))
    store.write("o", points("m1", "power_kw", rng.uniform(0, 50, n), start=start))
    store.write("o", points("m2", "energy_kwh", counter * 2, start=start + timedelta(hours=1)))
    windows = [
        (None, None),
        (datetime(2026, 1, 25, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)),
        (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    ]
    raw = [_daily_rows(store.daily("o", start=a, end=b)) for a, b in windows]
    only = _daily_rows(store.daily("o", devices=["m1"], metrics=["energy_kwh"]))
    store.compact_months("o", before=date(2026, 3, 1))
    assert store.valid_rollup("o", date(2026, 1, 1)) is not None
    assert store.valid_rollup("o", date(2026, 2, 1)) is not None
    assert [_daily_rows(store.daily("o", start=a, end=b)) for a, b in windows] == raw
    assert _daily_rows(store.daily("o", devices=["m1"], metrics=["energy_kwh"])) == only
    # Late data in February: its rollup is no longer read, and the answer follows the data.
    fix = points("m1", "power_kw", [999.0], start=datetime(2026, 2, 10, tzinfo=UTC))
    store.write("o", fix)
    assert store.valid_rollup("o", date(2026, 2, 1)) is None
    got = store.daily("o", start=windows[2][0], end=windows[2][1], metrics=["power_kw"])
    assert 999.0 in got.column("max").to_pylist()
    store.compact_months("o", before=date(2026, 3, 1))
    assert store.valid_rollup("o", date(2026, 2, 1)) is not None
    again = store.daily("o", start=windows[2][0], end=windows[2][1], metrics=["power_kw"])
    assert _daily_rows(again) == _daily_rows(got)
