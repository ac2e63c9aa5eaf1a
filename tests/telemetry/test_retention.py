"""Retention: raw points past a metric's policy are replaced by their aggregates, exactly."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from chanrong.core.settings import Settings
from chanrong.jobs.registry import JobContext
from chanrong.storage.database import Database
from chanrong.telemetry import tasks
from chanrong.telemetry.points import StoreError
from chanrong.telemetry.retention import apply_retention, parse_policies
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import points

START = datetime(2026, 1, 1, tzinfo=UTC)
JAN = (START, datetime(2026, 2, 1, tzinfo=UTC))
PER_DAY = 288


@pytest.fixture
def store(tmp_path: Path) -> TelemetryStore:
    s = TelemetryStore(tmp_path / "telemetry")
    rng = np.random.default_rng(5)
    n = PER_DAY * 45  # every five minutes, 1 January to mid-February
    step = timedelta(minutes=5)
    counter = np.cumsum(rng.uniform(0, 1, n))
    counter[5000:] -= counter[5000]  # a meter reset
    s.write("o", points("m1", "energy_kwh", counter, start=START, step=step))
    s.write("o", points("m1", "power_kw", rng.uniform(-1, 40, n), start=START, step=step))
    s.write(
        "o", points("m2", "run_state", rng.choice([0.0, 1.0, 2.0, 3.0], n), start=START, step=step)
    )
    s.compact_months("o", before=date(2026, 2, 1))
    return s


def _rows(table: pa.Table) -> list[tuple[object, ...]]:
    return [
        tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row)
        for row in zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True)
    ]


def _views(store: TelemetryStore) -> dict[str, list[tuple[object, ...]]]:
    return {
        every: _rows(store.series("o", every=every, start=JAN[0], end=JAN[1]))
        for every in ("15m", "1h", "1d")
    } | {"all-days": _rows(store.series("o", every="1d"))}


def test_what_is_kept_equals_the_aggregates_of_what_was_dropped(store: TelemetryStore) -> None:
    before = _views(store)
    jan_power = store.query("o", start=JAN[0], end=JAN[1], metrics=["power_kw"])
    energy = store.query("o", metrics=["energy_kwh"])
    res = apply_retention(store, "o", {"power_kw": 1, "run_state": 1}, today=date(2026, 2, 14))
    assert res.months == 1 and res.waiting == 0
    assert res.points_dropped == 2 * PER_DAY * 31
    assert res.aggregates_kept == 2 * 96 * 31
    # Dropped: the raw points of January's power and run states; the rest untouched.
    assert len(store.query("o", start=JAN[0], end=JAN[1], metrics=["power_kw"])) == 0
    assert store.query("o", metrics=["energy_kwh"]).equals(energy)
    assert len(store.query("o", start=JAN[1], metrics=["power_kw"])) == PER_DAY * 14
    # Kept: their 15-minute, hourly and daily aggregates, equal to those of the raw points.
    assert _views(store) == before
    kept = store.series("o", every="15m", start=JAN[0], end=JAN[1], metrics=["power_kw"])
    assert sum(kept.column("n").to_pylist()) == len(jan_power)
    # Applied once: a second run finds nothing due.
    assert apply_retention(store, "o", {"power_kw": 1, "run_state": 1}, today=date(2026, 2, 14))
    again = apply_retention(store, "o", {"power_kw": 1, "run_state": 1}, today=date(2026, 2, 14))
    assert again.months == 0 and again.points_dropped == 0


def test_a_reader_between_the_steps_sees_the_old_state_whole(store: TelemetryStore) -> None:
    """The moment after the new month file is in place and before the old one is removed:
    the old file (put back here) still holds the dropped points, and no aggregate counts
    them twice."""
    before = _views(store)
    month = date(2026, 1, 1)
    old = store.month_files("o", month)[0]
    saved = old.with_name("saved")
    shutil.copy(old, saved)
    apply_retention(store, "o", {"power_kw": 1}, today=date(2026, 2, 14))
    shutil.move(saved, old)
    assert len(store.month_files("o", month)) == 2
    assert _views(store) == before
    assert len(store.query("o", start=JAN[0], end=JAN[1], metrics=["power_kw"])) == PER_DAY * 31
    # Had the run stopped there, the next fold finishes it: one file, nothing counted twice.
    store.compact_months("o", before=date(2026, 2, 1))
    assert len(store.month_files("o", month)) == 1
    assert store.valid_rollup("o", month, "1h") is not None
    assert _views(store) == before
    assert len(store.query("o", start=JAN[0], end=JAN[1], metrics=["power_kw"])) == 0


def test_late_data_after_retention_is_added_and_refolded(store: TelemetryStore) -> None:
    apply_retention(store, "o", {"power_kw": 1}, today=date(2026, 2, 14))
    late = points("m1", "power_kw", [500.0], start=datetime(2026, 1, 10, 0, 0, 30, tzinfo=UTC))
    store.write("o", late)

    def jan_power(every: str) -> pa.Table:
        # Counts and extremes only: a late reading inside a down-sampled quarter-hour has no
        # place among readings no longer kept, so that bucket's first, last and increase are
        # approximate (documented in ``series``).
        got = store.series("o", every=every, start=JAN[0], end=JAN[1], metrics=["power_kw"])
        return got.select(["device_id", "metric", "start", "n", "min", "max", "mean", "n_neg"])

    with_late = {e: _rows(jan_power(e)) for e in ("15m", "1h", "1d")}
    assert max(jan_power("1d").column("max").to_pylist()) == 500.0
    assert sum(jan_power("1h").column("n").to_pylist()) == PER_DAY * 31 + 1
    store.compact_months("o", before=date(2026, 2, 1))
    assert store.valid_rollup("o", date(2026, 1, 1), "1h") is not None
    assert {e: _rows(jan_power(e)) for e in ("15m", "1h", "1d")} == with_late


def test_policies_are_read_from_the_setting_and_bad_ones_named() -> None:
    assert parse_policies("power_kw=12, run_state=24") == {"power_kw": 12, "run_state": 24}
    assert parse_policies("") == {}
    with pytest.raises(StoreError, match="telemetry_retention: 'power_kw'"):
        parse_policies("power_kw")
    with pytest.raises(StoreError, match="less than one month"):
        parse_policies("power_kw=0")


def test_a_month_still_holding_day_files_waits(store: TelemetryStore) -> None:
    store.write("o", points("m1", "power_kw", [1.0], start=datetime(2026, 1, 5, tzinfo=UTC)))
    res = apply_retention(store, "o", {"power_kw": 1}, today=date(2026, 2, 14))
    assert (res.months, res.waiting) == (0, 1)
    assert len(store.query("o", start=JAN[0], end=JAN[1], metrics=["power_kw"])) == PER_DAY * 31


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_worker_compaction_job_applies_the_policy(db: Database, settings: Settings) -> None:
    """The worker's compaction job folds the finished month, then down-samples it."""
    configured = settings.model_copy(update={"telemetry_retention": "power_kw=1"})
    store = TelemetryStore(configured.effective_telemetry_dir)
    n = 96 * 40
    store.write("o", points("m1", "power_kw", np.arange(n, dtype=float), start=START))
    store.write("o", points("m1", "energy_kwh", np.arange(n, dtype=float), start=START))
    raw = store.series("o", every="1h", start=JAN[0], end=JAN[1])
    with db.unit_of_work() as s:
        detail = tasks.compact(
            JobContext(
                session=s,
                settings=configured,
                job=tasks.COMPACT,
                period="2026-02-05",
                subject="o",
                attempt=1,
                now=datetime(2026, 2, 6, 1, tzinfo=UTC),
            )
        )
    assert "retention: 1 month(s), 2976 raw point(s) → 2976 15-minute aggregate(s)" in detail
    assert len(store.query("o", start=JAN[0], end=JAN[1], metrics=["power_kw"])) == 0
    assert len(store.query("o", start=JAN[0], end=JAN[1], metrics=["energy_kwh"])) == 2976
    assert _rows(store.series("o", every="1h", start=JAN[0], end=JAN[1])) == _rows(raw)
