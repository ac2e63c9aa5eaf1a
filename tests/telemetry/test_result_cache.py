"""Aggregate reads remembered by the files they read: the same files answer from memory, any
change to the data of the window (a new batch, a compaction, a fold) reads again, and the
cache stays inside its bound."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from chanrong.telemetry import result_cache
from chanrong.telemetry.result_cache import ResultCache
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import points

DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
STEP = timedelta(minutes=10)
WINDOW = (DAY0, DAY0 + timedelta(days=3))


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    return TelemetryStore(tmp_path / "telemetry")


def _day(day: int, *, level: float = 10.0) -> pa.Table:
    n = 24 * 6
    start = DAY0 + timedelta(days=day)
    return pa.concat_tables(
        [
            points("m1", "power_kw", np.full(n, level), start=start, step=STEP),
            points(
                "m1", "energy_kwh", np.arange(n, dtype=float) + 1000 * day, start=start, step=STEP
            ),
        ]
    )


def _daily(store: TelemetryStore, metrics: list[str] | None = None) -> pa.Table:
    return store.daily("o", start=WINDOW[0], end=WINDOW[1], metrics=metrics)


def test_the_same_read_is_answered_from_memory(store: TelemetryStore) -> None:
    for d in range(3):
        store.write("o", _day(d))
    store.compact("o")
    first = _daily(store)
    hits = result_cache.RESULTS.stats.hits
    again = _daily(store)
    assert result_cache.RESULTS.stats.hits == hits + 1
    assert again.equals(first)


def test_a_new_batch_in_the_window_is_read(store: TelemetryStore) -> None:
    for d in range(3):
        store.write("o", _day(d))
    store.compact("o")
    before = _daily(store)
    # A late reading on day 1 with a higher power: a new file in a compacted day.
    store.write("o", points("m1", "power_kw", [99.0], start=DAY0 + timedelta(days=1, minutes=5)))
    after = _daily(store)
    power = _daily(store, ["power_kw"])
    assert power.column("max").to_pylist() == [10.0, 99.0, 10.0]
    assert not after.equals(before)
    # Compacting that day again changes the files once more; the figures stay the same.
    store.compact("o")
    assert _daily(store).equals(after)


def test_a_fold_of_the_month_reads_its_rollup_and_agrees(store: TelemetryStore) -> None:
    for d in range(3):
        store.write("o", _day(d, level=float(d)))
    store.compact("o")
    before = _daily(store)
    misses = result_cache.RESULTS.stats.misses
    store.compact_months("o", before=date(2026, 4, 1))
    after = _daily(store)
    assert result_cache.RESULTS.stats.misses == misses + 1
    assert after.equals(before)


def _table(rows: int) -> pa.Table:
    return pa.table({"x": pa.array(np.arange(rows, dtype=np.int64))})


def test_least_recently_used_go_first_within_the_bound() -> None:
    cache = ResultCache(max_bytes=8 * 1000 * 8)  # room for eight 1,000-row int64 tables
    for i in range(8):
        cache.put(("q", i), _table(1000))
    assert cache.get(("q", 0)) is not None  # now the most recently used
    cache.put(("q", 8), _table(1000))
    assert cache.get(("q", 1)) is None  # the least recently used went
    assert cache.get(("q", 0)) is not None
    assert cache.stats.bytes <= cache.max_bytes
    assert cache.stats.evictions == 1


def test_a_result_too_large_for_its_share_is_not_kept() -> None:
    cache = ResultCache(max_bytes=8 * 1000)
    cache.put("big", _table(1000))  # the whole bound: one read may not take it all
    assert cache.get("big") is None
    assert cache.stats.bytes == 0


def test_keys_freeze_lists_of_files() -> None:
    key = result_cache.freeze(["a", ["f1.parquet", "f2.parquet"], DAY0, ["m1"]])
    assert key == ("a", ("f1.parquet", "f2.parquet"), DAY0, ("m1",))
    assert hash(key) == hash(result_cache.freeze(["a", ["f1.parquet", "f2.parquet"], DAY0, ["m1"]]))


def test_the_encoded_answer_is_kept_per_read_and_follows_new_data(store: TelemetryStore) -> None:
    from chanrong.telemetry.reads import encoded_daily

    for d in range(3):
        store.write("o", _day(d))
    store.compact("o")
    first = encoded_daily(_daily(store))
    again = encoded_daily(_daily(store))
    assert again is first  # the kept bytes, not a new encoding
    assert result_cache.fingerprint(_daily(store)) is not None
    # A late batch on day 1 (higher power): a new read, a new answer that shows it.
    store.write(
        "o",
        points(
            "m1", "power_kw", np.full(3, 99.0), start=DAY0 + timedelta(days=1, hours=1), step=STEP
        ),
    )
    changed = encoded_daily(_daily(store))
    assert changed != first
    assert b"99.0" in changed and b"99.0" not in first
    # Equal to encoding the table afresh (nothing in the kept bytes but the table).
    import orjson

    rows = _daily(store).to_pylist()
    assert changed == orjson.dumps({"count": len(rows), "rows": rows})


def test_tables_without_a_fingerprint_are_encoded_each_time() -> None:
    from chanrong.telemetry.reads import encoded_daily

    table = pa.table({"device_id": ["m1"], "n": [1]})
    assert result_cache.fingerprint(table) is None
    assert encoded_daily(table) == b'{"count":1,"rows":[{"device_id":"m1","n":1}]}'
    assert encoded_daily(table) is not encoded_daily(table)
