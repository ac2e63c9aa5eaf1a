"""Carbon codes for a whole park in one period (pure): industry benchmarks from the peers.

The benchmark L(industry) of a period is the emissions-weighted intensity of the park's
enterprises in the same GB/T 4754 division (Σ tCO2 / Σ value added); with fewer than
``min_peers`` firms in a division, the manufacturing-wide (section) benchmark is used and the
code says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from chanrong.carbon.domain import DEFAULT_METHOD, CarbonCode, CarbonMethod, EnergyUse, carbon_code
from chanrong.carbon.domain import emissions as compute_emissions

# East China grid (华东电网): Shanghai, Jiangsu, Zhejiang, Anhui, Fujian.
EAST_CHINA_PROVINCES = frozenset({"31", "32", "33", "34", "35"})
DEFAULT_VALUE_ADDED_RATIO = Decimal("0.25")


def grid_region(region_code: str | None) -> str:
    """The grid whose factor applies to an enterprise's region code."""
    if region_code and region_code[:2] in EAST_CHINA_PROVINCES:
        return "east_china"
    return "national"


@dataclass(frozen=True, slots=True)
class PeriodInput:
    org_id: str
    industry_code: str
    region_code: str | None
    use: EnergyUse
    output_value_fen: int
    value_added_fen: int | None = None  # measured value added, when the enterprise reports it


@dataclass(frozen=True, slots=True)
class Assessment:
    org_id: str
    industry_code: str
    benchmark_scope: str  # the division (e.g. "C34") or "C" when peers were too few
    peers: int
    emissions_by_carrier_t: dict[str, Decimal]
    factor_versions: list[str]
    value_added_fen: int
    code: CarbonCode


def _division(industry_code: str) -> str:
    return industry_code[:3] if len(industry_code) >= 3 else industry_code


def assess_period(
    rows: Sequence[PeriodInput],
    *,
    year: int,
    method: CarbonMethod = DEFAULT_METHOD,
    value_added_ratio: Decimal = DEFAULT_VALUE_ADDED_RATIO,
    min_peers: int = 3,
) -> list[Assessment]:
    """Carbon codes of every enterprise with positive value added in the period."""
    prepared = []
    for r in rows:
        va = r.value_added_fen
        if va is None:
            va = int(
                (Decimal(r.output_value_fen) * value_added_ratio).to_integral_value(ROUND_HALF_UP)
            )
        if va <= 0:
            continue
        em = compute_emissions(r.use, year=year, region=grid_region(r.region_code))
        prepared.append((r, va, em))
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    for r, va, em in prepared:
        for scope in (_division(r.industry_code), r.industry_code[:1]):
            t = totals[scope]
            t[0] += em.total_t
            t[1] += Decimal(va)
            t[2] += 1
    out = []
    for r, va, em in prepared:
        scope = _division(r.industry_code)
        if totals[scope][2] < min_peers:
            scope = r.industry_code[:1]
        t_sum, va_sum, n = totals[scope]
        benchmark = (t_sum / (va_sum / Decimal(1_000_000))).quantize(Decimal("0.000001"))
        if benchmark <= 0:
            continue
        out.append(
            Assessment(
                org_id=r.org_id,
                industry_code=r.industry_code,
                benchmark_scope=scope,
                peers=int(n),
                emissions_by_carrier_t=em.by_carrier_t,
                factor_versions=em.factor_versions,
                value_added_fen=va,
                code=carbon_code(em.total_t, va, benchmark, method),
            )
        )
    return out
