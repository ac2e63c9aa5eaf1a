"""The same Ibis feature definitions on PySpark (local, tiny park) as on DuckDB."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chanrong.credit.features import EVIDENCE, FEATURES, compute_profiles, park_on
from chanrong.simulate.config import preset
from chanrong.simulate.service import write_park

pytestmark = [
    pytest.mark.slow,
    # PySpark warns about pandas 3 on every conversion; the comparison below is the real check.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    pyspark = pytest.importorskip("pyspark.sql")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only
    session = (
        pyspark.SparkSession.builder.master("local[1]")
        .appName("chanrong-credit-test")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()


def test_pyspark_computes_the_same_profiles_as_duckdb(spark: object, tmp_path: Path) -> None:
    park = tmp_path / "tiny"
    write_park(preset("tiny"), park)
    as_of = [date(2024, 3, 1), date(2024, 3, 20)]
    local = compute_profiles(park_on("duckdb", park), as_of)
    # ``--engine spark``'s path: getOrCreate hands back the fixture's local session.
    on_spark = compute_profiles(park_on("spark", park, spark_master="local[1]"), as_of)
    assert len(local) == len(on_spark) > 10
    assert list(on_spark["uscc"]) == list(local["uscc"])
    for col in (*FEATURES, *EVIDENCE):
        a = pd.to_numeric(local[col], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(on_spark[col], errors="coerce").to_numpy(dtype=float)
        np.testing.assert_allclose(a, b, rtol=1e-9, equal_nan=True, err_msg=col)


def test_pyspark_profiles_from_the_stores_rollups_equal_duckdbs(
    spark: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``benchmarks/features.py --engines duckdb-agg,spark-agg``: the path profiles take at
    park scale (daily rollups and the equipment index's per-day stats, no raw point) gives
    the same profiles on both engines."""
    from datetime import UTC, datetime, timedelta

    import ibis

    from chanrong.credit.features import RECENT_DAYS, park_tables

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import features as bench
    import park_store

    built = park_store.build(tmp_path, 4, 2, 60, 7, date(2024, 1, 1), workers=1)
    as_of = date(2024, 3, 1)
    end = datetime(2024, 3, 1, tzinfo=UTC)
    recent, prior = end - timedelta(days=RECENT_DAYS), end - timedelta(days=2 * RECENT_DAYS)

    def profiles(con: object, engine: str) -> pd.DataFrame:
        tables = park_tables(con, built.root)
        tables = bench._store_tables(con, tables, built.store, engine, prior, recent, end)
        assert tables.equipment_daily is not None
        return compute_profiles(tables, [as_of])

    local = profiles(ibis.duckdb.connect(), "duckdb-agg")
    on_spark = profiles(ibis.pyspark.connect(spark), "spark-agg")
    assert list(on_spark["uscc"]) == list(local["uscc"])
    assert len(local) == 4
    # The index is known for every firm: the per-day stats were read, not an empty table.
    assert local["equipment_quality"].notna().all()
    for col in (*FEATURES, *EVIDENCE):
        a = pd.to_numeric(local[col], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(on_spark[col], errors="coerce").to_numpy(dtype=float)
        np.testing.assert_allclose(a, b, rtol=1e-9, equal_nan=True, err_msg=col)
