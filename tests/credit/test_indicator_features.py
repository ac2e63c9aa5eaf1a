"""The carbon-efficiency and equipment-quality features recomputed outside Ibis: carbon by
hand from published factors written out here (and against the carbon domain's own code),
equipment quality against the insurance index it mirrors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pytest

from chanrong.carbon.domain import EnergyUse
from chanrong.carbon.park import PeriodInput, assess_period
from chanrong.credit.features import ParkTables, compute_profiles, duckdb_park
from chanrong.insurance.fleet import stats_by_device
from chanrong.insurance.quality import device_index, enterprise_risk
from chanrong.simulate import tables as contract
from chanrong.simulate.config import FaultRates, ParkConfig
from chanrong.simulate.service import write_park

AS_OF = date(2023, 3, 15)  # the window's bills: Oct 2022 – Feb 2023, two factor years
# kgCO2 per unit, as published (MEE & NBS grid factors; fuels per the carbon factor table).
ELECTRICITY = {
    ("east_china", 2022): 0.5617,
    ("east_china", 2023): 0.5500,
    ("national", 2022): 0.5366,
    ("national", 2023): 0.5306,
}
GAS_M3, COAL_T, STEAM_T = 2.1622, 1977.9, 0.11 * 2.76 * 1000

# uscc, industry, region (330500 Huzhou: East China grid; 110000 Beijing: national grid).
FIRMS = [
    ("A", "C17", "330500"),
    ("B", "C17", "330500"),
    ("C", "C17", "320500"),
    ("D", "C17", "110000"),
    ("E", "C39", "330500"),  # alone in its division: graded against the section
    ("F", "C39", "330500"),  # no output in the window: no intensity, not a peer
]


def _bill(uscc: str, month: date, kwh: float, output_fen: int, **fuel: float) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "month": month,
        "electricity_kwh": kwh,
        "gas_m3": fuel.get("gas", 0.0),
        "coal_t": fuel.get("coal", 0.0),
        "steam_t": fuel.get("steam", 0.0),
        "cost_fen": 0,
        "output_value_fen": output_fen,
    }


DEC, JAN = date(2022, 12, 1), date(2023, 1, 1)
BILLS = [
    _bill("A", DEC, 40_000, 80_000_000, gas=1_000),
    _bill("A", JAN, 30_000, 50_000_000, gas=900),
    _bill("B", DEC, 90_000, 60_000_000, coal=12.5),
    _bill("B", JAN, 85_000, 40_000_000, coal=10.0),
    _bill("C", JAN, 20_000, 70_000_000, steam=40.0),
    _bill("D", DEC, 55_000, 45_000_000),
    _bill("D", JAN, 60_000, 44_000_000, gas=300),
    _bill("E", DEC, 150_000, 90_000_000, steam=120.0),
    _bill("E", JAN, 160_000, 95_000_000, coal=5.0),
    _bill("F", JAN, 10_000, 0),
    # Outside the window: too old, and dated on the as-of month (absurd, must not leak).
    _bill("A", date(2022, 8, 1), 9_000_000, 1_000),
    _bill("B", date(2023, 3, 1), 9_000_000, 1_000),
]


def _tables(enterprises: pa.Table, energy: pa.Table) -> ParkTables:
    def empty(schema: pa.Schema) -> Any:
        return ibis.memtable(schema.empty_table())

    return ParkTables(
        enterprises=ibis.memtable(enterprises),
        devices=empty(contract.DEVICES),
        telemetry=empty(contract.TELEMETRY),
        orders=empty(contract.ORDERS),
        invoices=empty(contract.INVOICES),
        payments=empty(contract.PAYMENTS),
        energy=ibis.memtable(energy),
        cloud_usage=empty(contract.CLOUD_USAGE),
    )


def _enterprises() -> pa.Table:
    rows = [
        {
            "uscc": u,
            "name": u,
            "industry_code": ind,
            "region_code": reg,
            "size": "small",
            "is_core": False,
            "tier": 1,
            "core_uscc": None,
            "customer_uscc": None,
            "onboarded_on": date(2022, 1, 1),
        }
        for u, ind, reg in FIRMS
    ]
    return pa.Table.from_pylist(rows, schema=contract.ENTERPRISES)


def _by_hand(bills: list[dict[str, Any]]) -> dict[str, float]:
    """K = (tCO2 / value added) ÷ the same ratio over the division (section if < 3 peers)."""
    grid = {
        u: "east_china" if r[:2] in ("31", "32", "33", "34", "35") else "national"
        for u, _, r in FIRMS
    }
    industry = {u: ind for u, ind, _ in FIRMS}
    co2: dict[str, float] = {}
    va: dict[str, float] = {}
    for b in bills:
        if not date(2022, 9, 1) < b["month"] < date(2023, 3, 1):
            continue
        kg = (
            b["electricity_kwh"] * ELECTRICITY[(grid[b["uscc"]], b["month"].year)]
            + b["gas_m3"] * GAS_M3
            + b["coal_t"] * COAL_T
            + b["steam_t"] * STEAM_T
        )
        co2[b["uscc"]] = co2.get(b["uscc"], 0.0) + kg / 1000
        va[b["uscc"]] = va.get(b["uscc"], 0.0) + b["output_value_fen"] * 0.25 / 1_000_000
    graded = [u for u in co2 if va[u] > 0]

    def pooled(members: list[str]) -> float:
        return sum(co2[m] for m in members) / sum(va[m] for m in members)

    out = {}
    for u in graded:
        peers = [p for p in graded if industry[p] == industry[u]]
        if len(peers) < 3:
            peers = [p for p in graded if industry[p][0] == industry[u][0]]
        out[u] = co2[u] / va[u] / pooled(peers)
    return out


def test_carbon_efficiency_recomputed_by_hand_from_published_factors() -> None:
    energy = pa.Table.from_pylist(BILLS, schema=contract.ENERGY)
    got = compute_profiles(_tables(_enterprises(), energy), [AS_OF]).set_index("uscc")
    want = _by_hand(BILLS)
    assert set(want) == {"A", "B", "C", "D", "E"}
    for uscc, k in want.items():
        assert got.loc[uscc, "carbon_efficiency"] == pytest.approx(k, rel=1e-9), uscc
    assert pd.isna(got.loc["F", "carbon_efficiency"])  # energy but no output: no ratio
    # A coal-burning firm is less efficient than its gas-using peer of the same division.
    assert got.loc["B", "carbon_efficiency"] > 1 > got.loc["A", "carbon_efficiency"]


def test_carbon_efficiency_of_one_month_equals_the_carbon_domains_k() -> None:
    """With one month's bills in the window, K is the carbon assessment's K for that month."""
    january = [b for b in BILLS if b["month"] == JAN]
    energy = pa.Table.from_pylist(january, schema=contract.ENERGY)
    got = compute_profiles(_tables(_enterprises(), energy), [AS_OF]).set_index("uscc")
    region = {u: r for u, _, r in FIRMS}
    industry = {u: ind for u, ind, _ in FIRMS}
    codes = assess_period(
        [
            PeriodInput(
                b["uscc"],
                industry[b["uscc"]],
                region[b["uscc"]],
                EnergyUse(
                    electricity_kwh=Decimal(str(b["electricity_kwh"])),
                    gas_m3=Decimal(str(b["gas_m3"])),
                    coal_t=Decimal(str(b["coal_t"])),
                    steam_t=Decimal(str(b["steam_t"])),
                ),
                output_value_fen=b["output_value_fen"],
            )
            for b in january
        ],
        year=2023,
    )
    assert len(codes) == 5
    for a in codes:
        assert got.loc[a.org_id, "carbon_efficiency"] == pytest.approx(float(a.code.k), abs=2e-6)


def test_equipment_quality_mirrors_the_insurance_index(tmp_path: Path) -> None:
    """On hourly, fault-free telemetry the credit feature equals the insurer's fleet index
    (which rounds each machine's index to 0.01)."""
    root = tmp_path / "park"
    write_park(
        ParkConfig(enterprises=4, months=4, interval_minutes=60, seed=9, faults=FaultRates.none()),
        root,
    )
    as_of = date(2024, 4, 10)
    got = compute_profiles(duckdb_park(root), [as_of]).set_index("uscc")
    tel = pads.dataset(root / "telemetry", partitioning="hive").to_table()
    ts_type = tel.schema.field("ts").type
    lo = pa.scalar(pd.Timestamp(as_of - timedelta(days=90), tz="UTC"), ts_type)
    hi = pa.scalar(pd.Timestamp(as_of, tz="UTC"), ts_type)
    tel = tel.filter(pc.and_(pc.greater_equal(tel["ts"], lo), pc.less(tel["ts"], hi)))
    devices = pd.read_parquet(root / "devices.parquet")
    machines = devices[
        devices["kind"].isin(["cnc", "injection_moulder", "sewing_machine", "compressor", "press"])
    ]
    spread = []
    for uscc, mine in machines.groupby("uscc"):
        stats = stats_by_device(
            tel.filter(pc.equal(tel["uscc"], uscc)),
            dict(zip(mine.device_id, mine.rated_kw, strict=True)),
        )
        risk = enterprise_risk(
            [device_index(s) for s in stats.values()], [s.running_hours for s in stats.values()]
        )
        assert got.loc[uscc, "equipment_quality"] == pytest.approx(float(risk.index), abs=0.01)
        spread.append(float(risk.index))
    assert max(spread) - min(spread) > 5  # the firms differ, so agreement is not by accident
