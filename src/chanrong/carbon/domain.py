"""Carbon-efficiency rules (pure): emissions, intensity, the Huzhou-style grade, green pricing.

Thresholds are data (``CarbonMethod``), defaulting to the published provincial method:
intensity L = tCO2 / value added (10k yuan); level 低碳 L ≤ 0.6, 中碳 ≤ 2.0, else 高碳;
K = L / L(industry average); grade 1 (K ≤ 0.6) … 5 (K > 2.0), lower is better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from chanrong.carbon.factors import EmissionFactor, factor_for

CARRIERS = ("electricity", "natural_gas", "coal", "steam")
_T = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class EnergyUse:
    """One period's consumption: kWh, m³, t, t."""

    electricity_kwh: Decimal = Decimal(0)
    gas_m3: Decimal = Decimal(0)
    coal_t: Decimal = Decimal(0)
    steam_t: Decimal = Decimal(0)
    green_kwh: Decimal = Decimal(0)  # zero-carbon power bought or generated, deducted

    def amount(self, carrier: str) -> Decimal:
        return {
            "electricity": self.electricity_kwh - self.green_kwh,
            "natural_gas": self.gas_m3,
            "coal": self.coal_t,
            "steam": self.steam_t,
        }[carrier]


@dataclass(frozen=True, slots=True)
class Emissions:
    total_t: Decimal
    by_carrier_t: dict[str, Decimal]
    factors: tuple[EmissionFactor, ...]

    @property
    def factor_versions(self) -> list[str]:
        return [f.version for f in self.factors]


def emissions(use: EnergyUse, *, year: int, region: str = "national") -> Emissions:
    """tCO2 of a period's energy use with the factors in force for ``year``."""
    by: dict[str, Decimal] = {}
    used = []
    for carrier in CARRIERS:
        qty = use.amount(carrier)
        if qty < 0:
            raise ValueError(f"{carrier}: consumption after deductions is negative")
        f = factor_for(carrier, year, region)
        used.append(f)
        by[carrier] = (qty * f.kg_per_unit() / 1000).quantize(_T, ROUND_HALF_UP)
    return Emissions(sum(by.values(), Decimal(0)), by, tuple(used))


@dataclass(frozen=True, slots=True)
class CarbonMethod:
    """Configurable thresholds of the carbon-efficiency method."""

    low_max: Decimal = Decimal("0.6")
    mid_max: Decimal = Decimal("2.0")
    grade_bounds: tuple[Decimal, ...] = (
        Decimal("0.6"),
        Decimal("0.8"),
        Decimal("1.2"),
        Decimal("2.0"),
    )


DEFAULT_METHOD = CarbonMethod()


def intensity(total_t: Decimal, value_added_fen: int) -> Decimal:
    """L: tCO2 per 10,000 yuan of value added."""
    if value_added_fen <= 0:
        raise ValueError("value added must be positive to compute carbon intensity")
    wan_yuan = Decimal(value_added_fen) / Decimal(1_000_000)
    return (total_t / wan_yuan).quantize(_T, ROUND_HALF_UP)


def level(l_value: Decimal, method: CarbonMethod = DEFAULT_METHOD) -> str:
    """低碳 / 中碳 / 高碳 as low / medium / high."""
    if l_value <= method.low_max:
        return "low"
    if l_value <= method.mid_max:
        return "medium"
    return "high"


def grade(k_value: Decimal, method: CarbonMethod = DEFAULT_METHOD) -> int:
    """Carbon-efficiency grade 1 (best) … 5 (worst) from K = L / L(industry)."""
    for g, bound in enumerate(method.grade_bounds, start=1):
        if k_value <= bound:
            return g
    return len(method.grade_bounds) + 1


@dataclass(frozen=True, slots=True)
class CarbonCode:
    """The carbon-efficiency code of one enterprise for one period."""

    emissions_t: Decimal
    intensity: Decimal
    industry_intensity: Decimal
    k: Decimal
    level: str
    grade: int


def carbon_code(
    total_t: Decimal,
    value_added_fen: int,
    industry_intensity: Decimal,
    method: CarbonMethod = DEFAULT_METHOD,
) -> CarbonCode:
    """Compute L, K, level and grade against an industry benchmark."""
    if industry_intensity <= 0:
        raise ValueError("industry benchmark intensity must be positive")
    l_value = intensity(total_t, value_added_fen)
    k_value = (l_value / industry_intensity).quantize(_T, ROUND_HALF_UP)
    return CarbonCode(
        total_t,
        l_value,
        industry_intensity,
        k_value,
        level(l_value, method),
        grade(k_value, method),
    )


@dataclass(frozen=True, slots=True)
class GreenPricing:
    """Rate discount (basis points) by carbon grade, configured on a loan product."""

    discount_bps: dict[int, int] = field(default_factory=lambda: {1: 30, 2: 15, 3: 0, 4: 0, 5: 0})
    surcharge_bps: dict[int, int] = field(default_factory=lambda: {5: 20})

    def adjust(self, rate_pct: Decimal, carbon_grade: int | None) -> tuple[Decimal, int]:
        """The rate after the green adjustment, and the adjustment in bps (negative = discount)."""
        if carbon_grade is None:
            return rate_pct, 0
        bps = self.surcharge_bps.get(carbon_grade, 0) - self.discount_bps.get(carbon_grade, 0)
        return rate_pct + Decimal(bps) / Decimal(100), bps
