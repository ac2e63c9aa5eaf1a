"""Usage from device counters and the monthly bill (pure).

A lessee pays only for use the counters prove. Two situations prove nothing and are never
charged: a counter reset (the reading falls), and a gap (consecutive readings further apart
than the contract allows). Use seen across a gap is reported as *disputed* for the parties to
settle; use across a reset is lost to the lessor, by design in the lessee's favour.

A reading no counter can show (a negative value) is a transmission or device fault, not use: it
is set aside and named, and the bill is computed from the readings around it, so one bad packet
neither stops the month's bill nor charges anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class Reading:
    ts: datetime
    value: Decimal


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime
    delta: Decimal
    reason: str  # "reset" | "gap" | "implausible" | "invalid" (one reading set aside)


@dataclass(frozen=True, slots=True)
class Usage:
    billable: Decimal
    disputed: Decimal
    excluded: tuple[Interval, ...] = field(default_factory=tuple)

    @property
    def disputed_periods(self) -> list[Interval]:
        return [i for i in self.excluded if i.reason in ("gap", "implausible")]

    @property
    def rejected_readings(self) -> list[Interval]:
        """Readings set aside as impossible (start == end == the reading's time)."""
        return [i for i in self.excluded if i.reason == "invalid"]


def usage_from_counter(
    readings: Iterable[Reading],
    *,
    max_gap: timedelta,
    max_rate_per_hour: Decimal | None = None,
) -> Usage:
    """Billable use between the first and last valid reading of one counter."""
    ordered = sorted({r.ts: r for r in readings}.values(), key=lambda r: r.ts)
    excluded: list[Interval] = [
        Interval(r.ts, r.ts, r.value, "invalid") for r in ordered if r.value < 0
    ]
    valid = [r for r in ordered if r.value >= 0]
    billable = Decimal(0)
    disputed = Decimal(0)
    for prev, cur in itertools.pairwise(valid):
        delta = cur.value - prev.value
        if delta < 0:
            excluded.append(Interval(prev.ts, cur.ts, Decimal(0), "reset"))
            continue
        span = cur.ts - prev.ts
        if span > max_gap:
            disputed += delta
            excluded.append(Interval(prev.ts, cur.ts, delta, "gap"))
            continue
        hours = Decimal(span.total_seconds()) / Decimal(3600)
        if max_rate_per_hour is not None and delta > max_rate_per_hour * hours:
            disputed += delta
            excluded.append(Interval(prev.ts, cur.ts, delta, "implausible"))
            continue
        billable += delta
    return Usage(billable, disputed, tuple(sorted(excluded, key=lambda i: i.start)))


@dataclass(frozen=True, slots=True)
class Tariff:
    """Price per unit of use (fen, may be fractional) with a monthly minimum (fen)."""

    unit: str  # runtime_h | output_count | stitches
    price_fen_per_unit: Decimal
    minimum_fen: int = 0


@dataclass(frozen=True, slots=True)
class Bill:
    usage: Decimal
    usage_charge_fen: int
    minimum_fen: int
    amount_fen: int
    disputed_usage: Decimal
    disputed_periods: tuple[Interval, ...]
    rejected_readings: int = 0

    @property
    def disputed(self) -> bool:
        return bool(self.disputed_periods)


def bill(usage: Usage, tariff: Tariff) -> Bill:
    """The month's bill: billable use × price, rounded half-up to the fen, at least the minimum."""
    if tariff.price_fen_per_unit < 0 or tariff.minimum_fen < 0:
        raise ValueError("prices cannot be negative")
    charge = int((usage.billable * tariff.price_fen_per_unit).quantize(Decimal(1), ROUND_HALF_UP))
    return Bill(
        usage=usage.billable,
        usage_charge_fen=charge,
        minimum_fen=tariff.minimum_fen,
        amount_fen=max(charge, tariff.minimum_fen),
        disputed_usage=usage.disputed,
        disputed_periods=tuple(usage.disputed_periods),
        rejected_readings=len(usage.rejected_readings),
    )


def residual_value_fen(
    cost_fen: int,
    *,
    used: Decimal,
    design_life: Decimal,
    condition: Decimal = Decimal(1),
    floor_share: Decimal = Decimal("0.05"),
) -> int:
    """Residual value: cost depreciated by the share of design life used, times condition (0–1),
    never below a scrap floor."""
    if design_life <= 0:
        raise ValueError("design life must be positive")
    if not Decimal(0) <= condition <= Decimal(1):
        raise ValueError("condition must be between 0 and 1")
    remaining = max(Decimal(0), Decimal(1) - used / design_life)
    share = max(floor_share, remaining * condition)
    return int((Decimal(cost_fen) * share).quantize(Decimal(1), ROUND_HALF_UP))
