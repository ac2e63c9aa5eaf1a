"""Profiles computed in passes of a few firms equal the ones computed over the whole park."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from chanrong.credit.feature_passes import compute_profiles_in_passes
from chanrong.credit.features import (
    EVIDENCE,
    FEATURES,
    RECENT_DAYS,
    compute_profiles,
    park_on,
    park_tables,
)
from chanrong.simulate.config import preset
from chanrong.simulate.service import write_park


def _same(whole: pd.DataFrame, passes: pd.DataFrame) -> None:
    assert list(passes["uscc"]) == list(whole["uscc"])
    assert list(passes["as_of"]) == list(whole["as_of"])
    for col in (*FEATURES, *EVIDENCE):
        a = pd.to_numeric(whole[col], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(passes[col], errors="coerce").to_numpy(dtype=float)
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True, err_msg=col)


def test_passes_over_the_raw_readings_equal_the_whole_park(tmp_path: Path) -> None:
    park = tmp_path / "tiny"
    write_park(preset("tiny"), park)
    as_of = [date(2024, 3, 1), date(2024, 3, 20)]
    whole = compute_profiles(park_on("duckdb", park), as_of)
    assert len(whole) > 10
    # Carbon efficiency's industry benchmark and punctuality read other firms: still equal.
    assert whole["carbon_efficiency"].notna().any()
    _same(whole, compute_profiles_in_passes(park_on("duckdb", park), as_of, firms_per_pass=5))
    with pytest.raises(ValueError, match="firms_per_pass"):
        compute_profiles_in_passes(park_on("duckdb", park), as_of, firms_per_pass=0)


def test_passes_over_the_stores_rollups_equal_the_whole_park(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The park-scale path (daily rollups and the equipment index's per-day stats)."""
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "benchmarks"))
    import features as bench
    import park_store

    built = park_store.build(tmp_path, 5, 2, 60, 7, date(2024, 1, 1), workers=1)
    end = datetime(2024, 3, 1, tzinfo=UTC)
    recent, prior = end - timedelta(days=RECENT_DAYS), end - timedelta(days=2 * RECENT_DAYS)

    def tables() -> object:
        con = ibis.duckdb.connect()
        t = park_tables(con, built.root)
        return bench._store_tables(con, t, built.store, "duckdb-agg", prior, recent, end)

    whole = compute_profiles(tables(), [end.date()])  # type: ignore[arg-type]
    assert len(whole) == 5 and whole["equipment_quality"].notna().all()
    passes = compute_profiles_in_passes(tables(), [end.date()], firms_per_pass=2)  # type: ignore[arg-type]
    _same(whole, passes)
