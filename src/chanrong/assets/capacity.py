"""Order financing's production-capacity check (订单融资) (pure).

A confirmed purchase order lends only as far as the seller can make the goods by the delivery
date, judged from its own machines: the output counters' daily increase over the window
before the pledge gives a daily rate (units over the days that have readings; a day with no
reading at all is unknown and left out, never counted as zero output), times the days left to
the delivery date, less what the orders already pledged and due by then need. The order's
eligible share is what remains over the units ordered, capped at 1:

    share = clamp((rate × days_to_delivery − committed) / ordered, 0, 1)

With fewer than ``min_days`` days of readings there is no evidence and the share is 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from chanrong.core.errors import ValidationFailed

MIN_DAYS = 7


@dataclass(frozen=True, slots=True)
class Capacity:
    """Why an order lends what it lends: every figure of the check."""

    window_start: date
    window_end: date  # exclusive
    days_with_readings: int
    produced: Decimal  # units counted in the window
    daily_rate: Decimal  # produced / days_with_readings
    days_to_delivery: int
    can_produce: Decimal  # daily_rate × days_to_delivery
    committed: Decimal  # units of orders already pledged, due by the same date
    ordered: Decimal
    share: Decimal  # of the order's amount that is eligible, 0..1
    evidence: bool  # False: too few days of readings to judge

    def explain(self) -> str:
        """The figure in one sentence (shown on the pool's line)."""
        if not self.evidence:
            return (
                f"only {self.days_with_readings} day(s) of output readings in "
                f"{self.window_start}–{self.window_end} (need {MIN_DAYS}): no capacity evidence"
            )
        return (
            f"{self.produced} units over {self.days_with_readings} day(s) of readings "
            f"= {self.daily_rate}/day × {self.days_to_delivery} day(s) to delivery "
            f"= {self.can_produce}, less {self.committed} committed to earlier pledged orders, "
            f"against {self.ordered} ordered: {(self.share * 100).quantize(Decimal('0.1'))} % "
            "eligible"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "days_with_readings": self.days_with_readings,
            "produced": str(self.produced),
            "daily_rate": str(self.daily_rate),
            "days_to_delivery": self.days_to_delivery,
            "can_produce": str(self.can_produce),
            "committed": str(self.committed),
            "ordered": str(self.ordered),
            "share": str(self.share),
            "evidence": self.evidence,
            "explanation": self.explain(),
        }


def _q(x: Decimal, places: str = "0.01") -> Decimal:
    return x.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def capacity(
    daily_output: Mapping[date, Decimal],
    *,
    window_start: date,
    window_end: date,
    on: date,
    delivery: date,
    ordered: Decimal,
    committed: Decimal = Decimal(0),
    min_days: int = MIN_DAYS,
) -> Capacity:
    """The capacity check of one order pledged ``on`` for ``delivery``.

    ``daily_output`` maps each day that has readings in [window_start, window_end) to the
    units the seller's machines counted that day (all its devices together)."""
    if ordered <= 0:
        raise ValidationFailed("quantity: positive (units ordered)", field="quantity")
    if delivery <= on:
        raise ValidationFailed("delivery_date: after the pledge date", field="delivery_date")
    days = {d: v for d, v in daily_output.items() if window_start <= d < window_end}
    produced = sum(days.values(), Decimal(0))
    n = len(days)
    to_go = (delivery - on).days
    if n < min_days:
        return Capacity(
            window_start, window_end, n, produced, Decimal(0), to_go, Decimal(0), committed,
            ordered, Decimal(0), False,
        )  # fmt: skip
    rate = _q(produced / n)
    can = rate * to_go
    share = min(Decimal(1), max(Decimal(0), (can - committed) / ordered))
    return Capacity(
        window_start, window_end, n, produced, rate, to_go, can, committed, ordered,
        _q(share, "0.0001"), True,
    )  # fmt: skip
