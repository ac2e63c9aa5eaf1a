"""The borrowing-base trend rule: is a pool's value *falling*, not just short of the drawn
balance? Pure: month-end values in, a reading out (the worker's job and the evaluation that
measured the rule's lead time both call this module).

A pool's **level** at a month-end is its value (the lendable value before the concentration
limits, by default) averaged over the last ``smooth`` month-ends. Its **reference** is its
average over its first ``reference`` month-ends (the level the bank lent against). The
**ratio** is level ÷ reference. Every pool's ratio moves with the season (the Spring Festival
shutdown lowers every firm's orders and receivables together), so the ratio is divided by the
**seasonal factor**: the median ratio of all pools at the same month-end. The rule breaches
when the adjusted ratio is below ``threshold``. Unknown stays unknown: a missing month-end
value, a reference of zero, or too few pools for a median gives no reading, never a breach.

The primary rule (``TrendRule()``: 70 %, two month-ends, three reference month-ends, seasonally
adjusted) was fixed on simulated parks 1–5 and measured on held-out parks 6–10
(benchmarks/RESULTS.md, issue 20).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

# Ratios are kept to six places: enough to order pools, exact to compare and to show.
_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class TrendRule:
    """When a pool's value counts as falling."""

    threshold: Decimal = Decimal("0.7")
    smooth: int = 2  # month-ends averaged into the level
    reference: int = 3  # first month-ends averaged into the reference level
    seasonal: bool = True  # divide by the median ratio of all pools that month-end
    min_pools: int = 5  # fewer pools with a ratio: no seasonal factor, no reading

    def __post_init__(self) -> None:
        if self.smooth < 1 or self.reference < 1 or self.min_pools < 1:
            raise ValueError("trend rule: smooth, reference and min_pools are at least 1")
        if not Decimal(0) < self.threshold < Decimal(1):
            raise ValueError("trend rule: the threshold is a share between 0 and 1")

    @property
    def first_month(self) -> int:
        """The index of the first month-end the rule may breach at (after the reference)."""
        return self.reference

    def describe(self) -> str:
        adj = ", ÷ median of all pools" if self.seasonal else ""
        return (
            f"average of {self.smooth} month-end(s) < {self.threshold * 100:.0f} % of the "
            f"first {self.reference} month-end(s){adj}"
        )


def reference_level(values: Sequence[int | None], rule: TrendRule) -> Decimal | None:
    """The average of the first ``rule.reference`` month-end values; None if one is missing
    or the average is not positive."""
    head = values[: rule.reference]
    if len(head) < rule.reference or any(v is None for v in head):
        return None
    ref = Decimal(sum(v for v in head if v is not None)) / len(head)
    return ref if ref > 0 else None


def level(values: Sequence[int | None], t: int, rule: TrendRule) -> Decimal | None:
    """The average of the ``rule.smooth`` month-end values ending at index ``t`` (fewer at the
    start of the series); None if one of them is missing."""
    window = values[max(0, t - rule.smooth + 1) : t + 1]
    if not window or any(v is None for v in window):
        return None
    return Decimal(sum(v for v in window if v is not None)) / len(window)


def ratio(values: Sequence[int | None], t: int, rule: TrendRule) -> Decimal | None:
    """The level at ``t`` over the reference level (None while either is unknown, and before
    the reference month-ends are over)."""
    if t < rule.first_month or t >= len(values):
        return None
    ref, lv = reference_level(values, rule), level(values, t, rule)
    if ref is None or lv is None:
        return None
    return (lv / ref).quantize(_PLACES)


def seasonal_factor(ratios: Iterable[Decimal | None], rule: TrendRule) -> Decimal | None:
    """The median of the known ratios of all pools at one month-end (None with fewer than
    ``rule.min_pools`` of them, or when it is not positive)."""
    known = [r for r in ratios if r is not None]
    if len(known) < rule.min_pools:
        return None
    med = Decimal(statistics.median(known)).quantize(_PLACES)
    return med if med > 0 else None


@dataclass(frozen=True, slots=True)
class TrendReading:
    """One pool at one month-end."""

    ratio: Decimal | None
    factor: Decimal | None  # the seasonal factor (None: not adjusted, or unknown)
    adjusted: Decimal | None  # ratio ÷ factor, the figure compared with the threshold
    breached: bool


def assess(r: Decimal | None, factor: Decimal | None, rule: TrendRule) -> TrendReading:
    """Compare one pool's ratio, adjusted by the month-end's seasonal factor, with the
    threshold. With ``rule.seasonal`` an unknown factor gives no reading."""
    if r is None or (rule.seasonal and factor is None):
        return TrendReading(r, factor, None, False)
    adjusted = (r / factor).quantize(_PLACES) if rule.seasonal and factor else r
    return TrendReading(r, factor if rule.seasonal else None, adjusted, adjusted < rule.threshold)


def first_breach(
    series: Sequence[Sequence[int | None]], rule: TrendRule
) -> list[tuple[int, TrendReading] | None]:
    """For month-end series of many pools over the same month-ends (index 0 = each pool's
    first month-end), the first month-end at which each pool breaches, with its reading —
    what the worker's monthly run raises, replayed over a whole history at once."""
    months = max((len(s) for s in series), default=0)
    out: list[tuple[int, TrendReading] | None] = [None] * len(series)
    for t in range(rule.first_month, months):
        ratios = [ratio(s, t, rule) for s in series]
        factor = seasonal_factor(ratios, rule) if rule.seasonal else None
        for i, r in enumerate(ratios):
            if out[i] is None:
                reading = assess(r, factor, rule)
                if reading.breached:
                    out[i] = (t, reading)
    return out
