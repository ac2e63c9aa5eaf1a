"""Operating features on a simulated park: point-in-time correctness, and a model trained on
one period ranks the next period's defaulters."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.features import FEATURES, compute_profiles, duckdb_park
from chanrong.credit.outcomes import month_starts
from chanrong.demo.park_outcomes import ParkOutcomes
from chanrong.simulate.config import ParkConfig
from chanrong.simulate.service import write_park

PARK = ParkConfig(enterprises=90, months=18, interval_minutes=1440, seed=5, deteriorating_share=0.4)
CUT = date(2024, 10, 1)
ENERGY_QUANTITIES = ("electricity_kwh", "gas_m3", "coal_t", "steam_t")
MACHINE_KINDS = ("cnc", "injection_moulder", "sewing_machine", "compressor", "press")


@pytest.fixture(scope="module")
def park_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("credit_park") / "park"
    write_park(PARK.validated(), out)
    return out


def _cut_copy(src: Path, dst: Path, cut: date) -> None:
    """A copy of the park holding only what was known before ``cut`` (and garbage after)."""
    shutil.copytree(src, dst)
    day_cols = {
        "orders.parquet": "order_date",
        "invoices.parquet": "issue_date",
        "payments.parquet": "paid_date",
        "cloud_usage.parquet": "day",
        "energy.parquet": "month",
    }
    for name, col in day_cols.items():
        frame = pq.read_table(src / name).to_pandas()
        keep = frame[pd.to_datetime(frame[col]).dt.date < cut]
        # Rows dated on/after the cut are replaced by absurd ones: if any leaked, features move.
        later = frame[pd.to_datetime(frame[col]).dt.date >= cut].copy()
        for c in later.columns:
            if c.endswith("_fen"):
                later[c] = later[c] * 1000
            elif c in ENERGY_QUANTITIES:  # a different factor, so carbon intensity moves too
                later[c] = later[c] * 7
        pq.write_table(
            pa_table(pd.concat([keep, later], ignore_index=True), src / name), dst / name
        )
    shutil.rmtree(dst / "telemetry")
    tel = pads.dataset(src / "telemetry", partitioning="hive").to_table().to_pandas()
    before = tel[tel["ts"] < pd.Timestamp(cut, tz="UTC")]
    after = tel[tel["ts"] >= pd.Timestamp(cut, tz="UTC")].copy()
    after["value"] = 2.0  # everything "running" after the cut
    merged = pd.concat([before, after], ignore_index=True)
    (dst / "telemetry" / "part").mkdir(parents=True)
    merged[["device_id", "metric", "ts", "value"]].to_parquet(
        dst / "telemetry" / "part" / "data.parquet", index=False
    )


def pa_table(frame: pd.DataFrame, like: Path) -> object:
    import pyarrow as pa

    schema = pq.read_schema(like)
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


def test_a_profile_as_of_d_never_uses_data_from_d_on(park_dir: Path, tmp_path: Path) -> None:
    altered = tmp_path / "altered"
    _cut_copy(park_dir, altered, CUT)
    a = compute_profiles(duckdb_park(park_dir), [CUT])
    b = compute_profiles(duckdb_park(altered), [CUT])
    pd.testing.assert_frame_equal(a, b)
    # …while a later as-of date does see the altered data (so the check can fail).
    c = compute_profiles(duckdb_park(park_dir), [date(2024, 12, 1)])
    d = compute_profiles(duckdb_park(altered), [date(2024, 12, 1)])
    assert not np.allclose(c["utilisation"].fillna(0), d["utilisation"].fillna(0))
    for name in ("carbon_efficiency", "equipment_quality"):
        assert a[name].notna().sum() > 10, name
        assert not np.allclose(c[name].fillna(0), d[name].fillna(0)), name
    assert (a["as_of"] == CUT).all() and len(a) > 50
    assert a["utilisation"].between(0, 1).all()
    assert a["data_coverage"].between(0, 1).all()


def test_model_trained_on_one_period_ranks_the_next(park_dir: Path, tmp_path: Path) -> None:
    dates = month_starts(date(2024, 3, 1), 12)
    train, test = service.training_frames(
        ParkOutcomes(park_dir), train_dates=dates[:6], test_dates=dates[6:], horizon_days=180
    )
    assert train["bad"].sum() >= 5 and test["bad"].sum() >= 5
    assert train["as_of"].max() < test["as_of"].min()
    settings = Settings(var_dir=tmp_path / "var")
    result = service.train_on_frames(settings, "park-model", train, test)
    print(
        f"next-period AUC: scorecard {result.champion_auc:.3f}, "
        f"LightGBM {result.challenger_auc:.3f}"
    )
    assert result.champion_auc > 0.7
    assert result.challenger_auc > 0.65
    assert result.champion.ref == "park-model@1"
    manifest = service.model_registry(settings).manifest(result.champion.ref)
    assert manifest["features"] == list(FEATURES)
    assert manifest["metrics"]["next_period_auc"] == pytest.approx(result.champion_auc)


def test_cloud_usage_indicators_by_hand(tmp_path: Path) -> None:
    """Level and stability of cloud usage over the last 90 days, recomputed here by hand."""
    root = tmp_path / "park"
    write_park(ParkConfig(enterprises=4, months=6, interval_minutes=1440, seed=5), root)
    as_of = date(2024, 6, 15)
    got = compute_profiles(duckdb_park(root), [as_of]).set_index("uscc")
    cu = pd.read_parquet(root / "cloud_usage.parquet")
    cu = cu[(cu["day"] < as_of) & (cu["day"] >= as_of - timedelta(days=90))]
    for uscc, rows in cu.groupby("uscc"):
        level = rows["compute_hours"].mean()
        stability = max(1 - rows["compute_hours"].std(ddof=0) / level, 0.0)
        assert abs(got.loc[uscc, "cloud_level"] - level) < 1e-9
        assert abs(got.loc[uscc, "cloud_stability"] - stability) < 1e-9
        assert 0 <= got.loc[uscc, "cloud_stability"] <= 1


def test_equipment_quality_is_worse_where_machines_fail_and_firms_deteriorate(
    park_dir: Path,
) -> None:
    """On the simulated park, the index separates the firms the simulator sets on a
    deteriorating path, and falls with the equipment failures it injected (its truth)."""
    as_of = CUT
    got = compute_profiles(duckdb_park(park_dir), [as_of]).set_index("uscc")
    truth = pd.read_parquet(park_dir / "truth" / "enterprises.parquet").set_index("uscc")
    window = (
        pd.Timestamp(as_of - timedelta(days=90), tz="UTC"),
        pd.Timestamp(as_of, tz="UTC"),
    )
    stops = pd.read_parquet(park_dir / "maintenance.parquet")
    failed = stops[
        (stops["kind"] == "failure") & (stops["start"] >= window[0]) & (stops["start"] < window[1])
    ]
    devices = pd.read_parquet(park_dir / "devices.parquet")
    machines = devices[devices["kind"].isin(MACHINE_KINDS)].groupby("uscc").size()
    frame = pd.DataFrame(
        {
            "quality": got["equipment_quality"],
            "deteriorating": truth["deteriorating"].reindex(got.index),
            "failures_per_machine": failed.groupby("uscc").size().reindex(got.index).fillna(0)
            / machines.reindex(got.index),
        }
    )
    assert frame["quality"].notna().all() and frame["quality"].between(0, 100).all()
    by_path = frame.groupby("deteriorating")["quality"].mean()
    rho = frame["quality"].corr(frame["failures_per_machine"], method="spearman")
    thirds = frame.groupby(pd.qcut(frame["failures_per_machine"], 3), observed=True)["quality"]
    print(
        f"equipment quality: deteriorating {by_path[True]:.1f} vs healthy {by_path[False]:.1f}; "
        f"Spearman with failures per machine {rho:.2f}; by failure tercile "
        + ", ".join(f"{v:.1f}" for v in thirds.mean())
    )
    assert by_path[True] < by_path[False] - 8
    assert rho < -0.5
    assert thirds.mean().is_monotonic_decreasing
