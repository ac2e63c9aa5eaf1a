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
