from __future__ import annotations

from decimal import Decimal

from chanrong.carbon.domain import EnergyUse
from chanrong.carbon.park import PeriodInput, assess_period, grid_region

D = Decimal


def _row(org: str, industry: str, kwh: int, output_wan: int) -> PeriodInput:
    # output value in 万元 → fen; value added given directly to keep the arithmetic by hand.
    return PeriodInput(
        org,
        industry,
        "330500",
        EnergyUse(electricity_kwh=D(kwh)),
        output_value_fen=output_wan * 4 * 1_000_000,
        value_added_fen=output_wan * 1_000_000,
    )


def test_grid_region_by_province() -> None:
    assert grid_region("330500") == "east_china"
    assert grid_region("440300") == "national"
    assert grid_region(None) == "national"


def test_benchmark_is_the_division_average_and_grades_follow_k() -> None:
    rows = [
        _row("a", "C34", 100_000, 100),  # 55.0 t / 100 万元 = 0.55
        _row("b", "C34", 200_000, 100),  # 1.10
        _row("c", "C34", 300_000, 100),  # 1.65
    ]
    out = {a.org_id: a for a in assess_period(rows, year=2023)}
    # East China 2023 factor 0.5500; benchmark = 330 t / 300 万元 = 1.1.
    assert out["a"].code.intensity == D("0.550000")
    assert out["b"].code.industry_intensity == D("1.100000")
    assert [out[k].code.grade for k in "abc"] == [1, 3, 4]  # K = 0.5, 1.0, 1.5
    assert out["a"].benchmark_scope == "C34"
    assert out["a"].peers == 3


def test_too_few_peers_fall_back_to_manufacturing() -> None:
    rows = [
        _row("a", "C34", 100_000, 100),
        _row("b", "C18", 100_000, 100),
        _row("c", "C18", 300_000, 100),
    ]
    out = {a.org_id: a for a in assess_period(rows, year=2023)}
    assert out["a"].benchmark_scope == "C"
    assert out["a"].peers == 3


def test_value_added_defaults_to_a_share_of_output_and_zero_is_skipped() -> None:
    r = PeriodInput(
        "x", "C34", None, EnergyUse(electricity_kwh=D(1000)), output_value_fen=4_000_000
    )
    z = PeriodInput("z", "C34", None, EnergyUse(electricity_kwh=D(1000)), output_value_fen=0)
    out = assess_period([r, z], year=2023, min_peers=1)
    assert [a.org_id for a in out] == ["x"]
    assert out[0].value_added_fen == 1_000_000
