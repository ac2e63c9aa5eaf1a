"""A profile built from the platform's own data (telemetry store + business records) equals the
one built from the same park's files: the same Ibis definitions over both sources."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest

from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.features import compute_profiles, duckdb_park
from chanrong.demo.park_loader import load_park_enterprise, read_tables
from chanrong.simulate.config import FaultRates, ParkConfig
from chanrong.simulate.service import write_park
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry

# Features that read only the enterprise's own records (punctuality reads its buyers' invoices,
# tenure counts from onboarding on the platform, so those two differ by design), and carbon
# efficiency, whose industry benchmark reads its peers' bills: equal here because the platform
# holds every firm of the park.
OWN = (
    "utilisation",
    "utilisation_trend",
    "runtime_growth",
    "output_volatility",
    "energy_intensity",
    "order_growth",
    "customer_concentration",
    "receivable_turnover",
    "dso_days",
    "cloud_growth",
    "cloud_level",
    "cloud_stability",
    "carbon_efficiency",
    "equipment_quality",
    "data_coverage",
    "revenue_12m_fen",
    "open_orders_fen",
    "receivables_fen",
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_platform_profile_matches_the_park_files(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    root = tmp_path / "park"
    write_park(
        ParkConfig(enterprises=3, months=4, interval_minutes=240, seed=9, faults=FaultRates.none()),
        root,
    )
    tables = read_tables(root)
    firms = tables["enterprises"].to_pylist()
    firm = firms[0]
    store = telemetry.open_store(settings)
    with db.unit_of_work() as s:
        loaded = [load_park_enterprise(s, store, root, f, tables, create_org=True) for f in firms]
    org_id = loaded[0].org_id
    assert org_id is not None
    as_of = date(2024, 4, 10)
    with db.unit_of_work() as s:
        snap = service.build_profile_from_platform(s, settings, org_id, as_of)
        got = {
            **snap.features,
            "revenue_12m_fen": snap.revenue_12m_fen,
            "open_orders_fen": snap.open_orders_fen,
            "receivables_fen": snap.receivables_fen,
        }
    expected = compute_profiles(duckdb_park(root), [as_of]).set_index("uscc").loc[firm["uscc"]]
    for name in OWN:
        want = expected[name]
        have = got[name]
        if want is None or (isinstance(want, float) and np.isnan(want)):
            assert have is None, name
        else:
            assert have == pytest.approx(float(want), rel=1e-9), name
    assert got["utilisation"] is not None and 0 < got["utilisation"] < 1
    assert got["equipment_quality"] is not None and 0 < got["equipment_quality"] <= 100
    assert got["carbon_efficiency"] is not None and got["carbon_efficiency"] > 0

    # Every point sent again (a gateway replaying its buffer): the store holds each twice on
    # disk until compaction, and the profile must not see them twice.
    store.write(org_id, store.query(org_id))
    assert store.physical_rows(org_id) == 2 * store.count(org_id)
    with db.unit_of_work() as s:
        again = service.build_profile_from_platform(s, settings, org_id, as_of)
    assert again.features.keys() == snap.features.keys()
    for name, value in snap.features.items():
        if value is None:
            assert again.features[name] is None, name
        else:  # summation order may differ in the last digit
            assert again.features[name] == pytest.approx(value, rel=1e-9), name


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_platform_profile_from_aggregates_equals_the_one_from_raw_points(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    """Same park, folded months read from their daily rollups: every feature equals the one
    computed from every raw point of the store."""
    root = tmp_path / "park"
    write_park(
        ParkConfig(enterprises=2, months=4, interval_minutes=120, seed=4, faults=FaultRates()),
        root,
    )
    tables = read_tables(root)
    store = telemetry.open_store(settings)
    with db.unit_of_work() as s:
        loaded = [
            load_park_enterprise(s, store, root, f, tables, create_org=True)
            for f in tables["enterprises"].to_pylist()
        ]
    org_id = loaded[0].org_id
    assert org_id is not None
    as_of = date(2024, 4, 10)
    store.compact_months(org_id, before=as_of)
    assert store.valid_rollup(org_id, date(2024, 2, 1)) is not None
    with db.unit_of_work() as s:
        agg = service.platform_tables(s, settings, org_id, as_of=as_of)
        raw = service.platform_tables(s, settings, org_id)
        assert agg.telemetry_daily is not None and raw.telemetry_daily is None
        # The equipment quality index reads the store's per-day stats, no raw reading.
        assert agg.equipment_daily is not None and raw.equipment_daily is None
        assert agg.telemetry.count().execute() == 0 < raw.telemetry.count().execute()
        from_aggregates = compute_profiles(agg, [as_of]).iloc[0].to_dict()
        from_raw = compute_profiles(raw, [as_of]).iloc[0].to_dict()
    assert from_aggregates.keys() == from_raw.keys()
    for name, want in from_raw.items():
        have = from_aggregates[name]
        if want is None or (isinstance(want, float) and np.isnan(want)):
            assert have is None or (isinstance(have, float) and np.isnan(have)), name
        elif isinstance(want, float):
            assert have == pytest.approx(want, rel=1e-9), name
        else:
            assert have == want, name
    assert from_raw["utilisation"] is not None and from_raw["data_quality"] is not None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_enterprise_with_no_energy_bills_gets_a_profile_with_its_carbon_efficiency_unknown(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    """No bills on the platform (none sent yet): the profile is built from what there is; the
    features that read bills are unknown, not zero, and the nightly job does not fail."""
    root = tmp_path / "park"
    write_park(
        ParkConfig(enterprises=2, months=3, interval_minutes=240, seed=5, faults=FaultRates()),
        root,
    )
    tables = read_tables(root)
    tables = {**tables, "energy": tables["energy"].slice(0, 0)}
    store = telemetry.open_store(settings)
    with db.unit_of_work() as s:
        loaded = [
            load_park_enterprise(s, store, root, f, tables, create_org=True)
            for f in tables["enterprises"].to_pylist()
        ]
    org_id = loaded[0].org_id
    assert org_id is not None
    with db.unit_of_work() as s:
        snap = service.build_profile_from_platform(s, settings, org_id, date(2024, 3, 10))
        features = dict(snap.features)
    assert features["carbon_efficiency"] is None
    assert features["energy_intensity"] is None
    assert features["utilisation"] is not None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_stored_profiles_equal_the_profile_expression_over_platform_tables_for_every_firm(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    """The stored profile runs SQL compiled once per as-of date and shape of inputs, then
    reused for the next firms: every firm's (the first compiles, the others reuse) equals the
    profile expression compiled afresh over its ``platform_tables``, on two dates, a firm
    without energy bills among them."""
    root = tmp_path / "park"
    write_park(
        ParkConfig(enterprises=4, months=4, interval_minutes=240, seed=12, faults=FaultRates()),
        root,
    )
    tables = read_tables(root)
    firms = tables["enterprises"].to_pylist()
    no_bills = firms[-1]["uscc"]
    bills = tables["energy"]
    tables = {**tables, "energy": bills.filter(pc.not_equal(bills["uscc"], no_bills))}
    store = telemetry.open_store(settings)
    with db.unit_of_work() as s:
        loaded = [load_park_enterprise(s, store, root, f, tables, create_org=True) for f in firms]
    org_ids = [f.org_id for f in loaded if f.org_id is not None]
    assert len(org_ids) == 4
    compared = 0
    for as_of in (date(2024, 3, 20), date(2024, 4, 10)):
        for org_id in org_ids:
            with db.unit_of_work() as s:
                snap = service.build_profile_from_platform(s, settings, org_id, as_of)
                fresh = service.platform_tables(s, settings, org_id, as_of=as_of)
                want = compute_profiles(fresh, [as_of]).iloc[0].to_dict()
            have = {
                **snap.features,
                "revenue_12m_fen": snap.revenue_12m_fen,
                "open_orders_fen": snap.open_orders_fen,
                "receivables_fen": snap.receivables_fen,
            }
            for name, value in have.items():
                expected = want[name]
                if expected is None or (isinstance(expected, float) and np.isnan(expected)):
                    assert value is None, (org_id, as_of, name)
                else:
                    assert value == pytest.approx(float(expected), rel=1e-12), (org_id, as_of, name)
                    compared += 1
    # Not a comparison of unknowns only: most features are known on these firms.
    assert compared > 2 * 4 * len(OWN) // 2
