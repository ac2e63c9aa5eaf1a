"""Interest subsidies (贷款贴息) as data: who is eligible, how much a period. Pure: no framework.

A government body's programme names eligibility over the loan and the borrower (industry
code prefixes of GB/T 4754, enterprise size, carbon grade, loan purpose, region code prefixes
of GB/T 2260) and the subsidy: percentage points a year on the outstanding principal
(``rate``, ACT/365) or a share of the interest (``share``). A period's subsidy never exceeds
the interest the borrower paid in it, nor what is left of the budget. Unknown facts are not
guessed: a rule over a fact the platform does not know fails with ``<fact>_unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chanrong.core.money import round_fen
from chanrong.guarantee.domain import YEAR_DAYS, SchemeError


class SubsidyMode(StrEnum):
    RATE = "rate"  # percentage points a year on outstanding principal
    SHARE = "share"  # fraction of the interest paid


class Size(StrEnum):
    """Enterprise size (工信部联企业〔2011〕300号, industry, by revenue only; the employee test
    is not applied because the platform does not hold head counts)."""

    LARGE = "large"
    MEDIUM = "medium"
    SMALL = "small"
    MICRO = "micro"


# Industrial enterprises: large ≥ ¥400 M revenue, medium ≥ ¥20 M, small ≥ ¥3 M, micro below.
SIZE_BOUNDS_FEN = (
    (Size.LARGE, 400_000_000_00),
    (Size.MEDIUM, 20_000_000_00),
    (Size.SMALL, 3_000_000_00),
)


def size_of(revenue_12m_fen: int | None) -> Size | None:
    """The size class of an industrial enterprise by its last 12 months' revenue."""
    if revenue_12m_fen is None:
        return None
    for size, bound in SIZE_BOUNDS_FEN:
        if revenue_12m_fen >= bound:
            return size
    return Size.MICRO


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Empty tuples and None mean "any"."""

    industries: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    max_carbon_grade: int | None = None  # 1 best … 5 worst
    purposes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "industries": list(self.industries),
            "sizes": list(self.sizes),
            "max_carbon_grade": self.max_carbon_grade,
            "purposes": list(self.purposes),
            "regions": list(self.regions),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Eligibility:
        unknown = set(data) - {"industries", "sizes", "max_carbon_grade", "purposes", "regions"}
        if unknown:
            name = sorted(unknown)[0]
            raise SchemeError(f"eligibility.{name}: unknown rule", field=f"eligibility.{name}")
        sizes = tuple(str(s) for s in data.get("sizes", ()))
        for s in sizes:
            if s not in {z.value for z in Size}:
                raise SchemeError(
                    f"eligibility.sizes: unknown size {s!r}", field="eligibility.sizes"
                )
        grade = data.get("max_carbon_grade")
        if grade is not None and (not isinstance(grade, int) or not 1 <= grade <= 5):
            raise SchemeError(
                "eligibility.max_carbon_grade: a grade from 1 to 5",
                field="eligibility.max_carbon_grade",
            )
        return cls(
            industries=tuple(str(x) for x in data.get("industries", ())),
            sizes=sizes,
            max_carbon_grade=grade,
            purposes=tuple(str(x) for x in data.get("purposes", ())),
            regions=tuple(str(x) for x in data.get("regions", ())),
        )


@dataclass(frozen=True, slots=True)
class LoanFacts:
    """What eligibility is judged on (None = the platform does not know)."""

    industry_code: str | None
    size: str | None
    carbon_grade: int | None
    purpose: str | None
    region_code: str | None


def shortfalls(rule: Eligibility, facts: LoanFacts) -> list[str]:
    """The rules a loan fails ([] = eligible)."""
    out: list[str] = []

    def prefixed(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
        if not allowed:
            return
        if value is None:
            out.append(f"{name}_unknown")
        elif not any(value.startswith(a) for a in allowed):
            out.append(name)

    prefixed("industry", facts.industry_code, rule.industries)
    if rule.sizes:
        if facts.size is None:
            out.append("size_unknown")
        elif facts.size not in rule.sizes:
            out.append("size")
    if rule.max_carbon_grade is not None:
        if facts.carbon_grade is None:
            out.append("carbon_grade_unknown")
        elif facts.carbon_grade > rule.max_carbon_grade:
            out.append("carbon_grade")
    if rule.purposes:
        if facts.purpose is None:
            out.append("purpose_unknown")
        elif facts.purpose not in rule.purposes:
            out.append("purpose")
    prefixed("region", facts.region_code, rule.regions)
    return out


@dataclass(frozen=True, slots=True)
class PeriodSubsidy:
    computed_fen: int  # by the programme's rule
    amount_fen: int  # what is paid: at most the interest paid and the budget left
    limited_by: str | None  # "interest" or "budget"


def period_subsidy(
    mode: SubsidyMode,
    value: Decimal,
    *,
    outstanding_fen: int,
    interest_paid_fen: int,
    days: int,
    budget_left_fen: int,
) -> PeriodSubsidy:
    """One loan's subsidy for one period."""
    if mode is SubsidyMode.RATE:
        computed = round_fen(Decimal(outstanding_fen) * value / 100 * days / YEAR_DAYS)
    else:
        computed = round_fen(Decimal(interest_paid_fen) * value)
    amount, limited = computed, None
    if amount > interest_paid_fen:
        amount, limited = interest_paid_fen, "interest"
    if amount > budget_left_fen:
        amount, limited = max(budget_left_fen, 0), "budget"
    return PeriodSubsidy(computed, amount, limited)


def check_value(mode: SubsidyMode, value: Decimal) -> None:
    """A rate is 0–10 percentage points; a share is in (0, 1]."""
    if mode is SubsidyMode.RATE and not Decimal(0) < value <= 10:
        raise SchemeError("value: a subsidy rate is 0–10 percentage points", field="value")
    if mode is SubsidyMode.SHARE and not Decimal(0) < value <= 1:
        raise SchemeError("value: a share of interest is in (0, 1]", field="value")
