"""The benchmark park built by two processes is the park built by one, row for row.

``benchmarks/park_store.py`` splits the firms between processes; a firm's readings, its store
files and its energy bills must not depend on which process made them or how many there were.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chanrong.core.park_files import PARK_FILES
from chanrong.simulate.config import ParkConfig
from chanrong.simulate.service import simulate_park

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
START = date(2024, 1, 1)


@pytest.fixture
def park_store(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    # On sys.path, not loaded from a file spec: the spawned parts import the module by name.
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import park_store

    yield park_store
    sys.modules.pop("park_store", None)


def _store_rows(store: Path) -> dict[str, pa.Table]:
    """Every store file's rows keyed by its path with the UUIDv7 stem taken out."""
    out = {}
    for path in sorted(store.rglob("*.parquet")):
        rel = path.relative_to(store)
        prefix = path.name.split("-")[0] if "-" in path.name else "month"
        out[f"{rel.parent}/{prefix}"] = pq.read_table(path)
    return out


def test_two_process_build_equals_one_process_build(tmp_path: Path, park_store) -> None:  # type: ignore[no-untyped-def]
    one = park_store.build(tmp_path / "one", 5, 2, 60, 7, START, workers=1)
    two = park_store.build(tmp_path / "two", 5, 2, 60, 7, START, workers=2)
    assert (one.points, one.files) == (two.points, two.files)
    assert one.files == 5 * 3  # two Shanghai months span three UTC months
    a, b = _store_rows(one.store), _store_rows(two.store)
    assert sorted(a) == sorted(b)
    # Month files, daily rollups and per-day equipment stats of 5 firms × 3 UTC months.
    assert len(a) == 5 * 3 * 3
    for key, table in a.items():
        assert table.num_rows > 0, key
        assert table.equals(b[key]), key
    for file in PARK_FILES.values():
        assert pq.read_table(one.root / file).equals(pq.read_table(two.root / file)), file
    # The parts' own files are gone; the built marker counts every process's CPU.
    assert sorted(p.name for p in two.root.iterdir() if p.suffix == ".json") == ["built.json"]


def test_split_build_keeps_the_simulators_energy_bills(tmp_path: Path, park_store) -> None:  # type: ignore[no-untyped-def]
    built = park_store.build(tmp_path, 3, 2, 60, 7, START, workers=2)
    park = simulate_park(
        ParkConfig(enterprises=3, months=2, interval_minutes=60, seed=7, start=START),
        keep_telemetry=False,
    )
    assert pq.read_table(built.root / PARK_FILES["energy"]).equals(park.energy)
    assert pq.read_table(built.root / PARK_FILES["enterprises"]).equals(park.enterprises)
