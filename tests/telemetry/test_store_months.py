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
