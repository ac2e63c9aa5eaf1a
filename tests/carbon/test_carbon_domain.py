"""Emissions recomputed by hand from the factors written here, not read from the code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chanrong.carbon.domain import (
    EnergyUse,
    GreenPricing,
    carbon_code,
    emissions,
    grade,
    intensity,
    level,
)
from chanrong.carbon.factors import factor_for

D = Decimal


def test_electricity_uses_the_factor_of_the_year() -> None:
    # 100,000 kWh in 2023 at the national 0.5306 kgCO2/kWh = 53.06 t.
    e = emissions(EnergyUse(electricity_kwh=D(100_000)), year=2023)
    assert e.by_carrier_t["electricity"] == D("53.060000")
    # 2022 East China grid: 0.5617 → 56.17 t.
    e = emissions(EnergyUse(electricity_kwh=D(100_000)), year=2022, region="east_china")
    assert e.by_carrier_t["electricity"] == D("56.170000")
    assert "electricity:east_china:2022" in e.factor_versions


def test_years_fall_back_to_the_latest_published() -> None:
    assert factor_for("electricity", 2025).factor == D("0.5306")  # 2023 is the latest
    assert factor_for("electricity", 2019).factor == D("0.5568")  # before the first: earliest
    assert factor_for("electricity", 2021, "east_china").factor == D("0.5568")  # national


def test_fuels_by_hand() -> None:
    # Natural gas: 38,931 kJ/m³ × 15.3 tC/TJ × 0.99 × 44/12 per m³.
    per_m3_kg = D("38931") / D(10**9) * D("15.3") * D("0.99") * D(44) / D(12) * 1000
    e = emissions(EnergyUse(gas_m3=D(10_000)), year=2023)
    assert abs(e.by_carrier_t["natural_gas"] - per_m3_kg * 10) < D("0.01")
    # Coal: 20,908 kJ/kg × 94,600 kgCO2/TJ → 1.9779 t per t.
    e = emissions(EnergyUse(coal_t=D(100)), year=2023)
    assert abs(e.by_carrier_t["coal"] - D("20908") * D("94.6") / D(1000) / 10) < D("0.1")
    # Steam: 0.11 tCO2/GJ × 2.76 GJ/t = 0.3036 t per t.
    e = emissions(EnergyUse(steam_t=D(50)), year=2023)
    assert e.by_carrier_t["steam"] == D("15.180000")


def test_green_power_is_deducted_and_totals_add_up() -> None:
    use = EnergyUse(electricity_kwh=D(200_000), green_kwh=D(50_000), gas_m3=D(1000), steam_t=D(10))
    e = emissions(use, year=2023)
    assert e.by_carrier_t["electricity"] == D("79.590000")  # 150,000 × 0.5306
    assert e.total_t == sum(e.by_carrier_t.values())
    with pytest.raises(ValueError, match="negative"):
        emissions(EnergyUse(electricity_kwh=D(1), green_kwh=D(2)), year=2023)


def test_intensity_level_and_grade() -> None:
    # 120 t on 1,000,000 yuan (100 万元) value added → L = 1.2 t/万元, 中碳.
    assert intensity(D(120), 100_000_000) == D("1.200000")
    assert level(D("0.6")) == "low"
    assert level(D("1.2")) == "medium"
    assert level(D("2.01")) == "high"
    assert [grade(D(k)) for k in ("0.5", "0.6", "0.7", "1.0", "1.5", "2.5")] == [1, 1, 2, 3, 4, 5]
    code = carbon_code(D(120), 100_000_000, industry_intensity=D("2.0"))
    assert (code.k, code.grade, code.level) == (D("0.600000"), 1, "medium")
    with pytest.raises(ValueError, match="value added"):
        intensity(D(1), 0)


def test_green_pricing_by_grade() -> None:
    p = GreenPricing()
    assert p.adjust(D("4.35"), 1) == (D("4.05"), -30)
    assert p.adjust(D("4.35"), 3) == (D("4.35"), 0)
    assert p.adjust(D("4.35"), 5) == (D("4.55"), 20)
    assert p.adjust(D("4.35"), None) == (D("4.35"), 0)
