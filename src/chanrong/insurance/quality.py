"""The equipment quality index and premium multipliers (pure).

A device's index (0–100, higher is better) falls with its failure frequency per 1,000 running
hours, the share of scheduled time lost to downtime, and operating stress (average load above
its rating). Weights and bands are data so an insurer can calibrate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True, slots=True)
class DeviceStats:
    device_id: str
    running_hours: Decimal
    failures: int
    downtime_hours: Decimal
    scheduled_hours: Decimal
    mean_load_ratio: Decimal  # average power / rated power while running


@dataclass(frozen=True, slots=True)
class IndexWeights:
    per_failure_per_kh: Decimal = Decimal(12)  # points lost per failure per 1,000 run hours
    per_downtime_share: Decimal = Decimal(60)  # points lost at 100% downtime
    per_overload: Decimal = Decimal(80)  # points lost per unit of load ratio above 0.85
    overload_from: Decimal = Decimal("0.85")


@dataclass(frozen=True, slots=True)
class QualityIndex:
    device_id: str
    index: Decimal
    failure_rate_per_kh: Decimal
    downtime_share: Decimal
    stress: Decimal
    band: str


@dataclass(frozen=True, slots=True)
class PremiumTable:
    """Band -> (lowest index of the band, premium multiplier)."""

    bands: tuple[tuple[str, Decimal, Decimal], ...] = field(
        default_factory=lambda: (
            ("A", Decimal(85), Decimal("0.80")),
            ("B", Decimal(70), Decimal("0.90")),
            ("C", Decimal(55), Decimal("1.00")),
            ("D", Decimal(40), Decimal("1.25")),
            ("E", Decimal(0), Decimal("1.60")),
        )
    )

    def band(self, index: Decimal) -> str:
        for name, low, _ in self.bands:
            if index >= low:
                return name
        return self.bands[-1][0]

    def multiplier(self, band: str) -> Decimal:
        return next(m for name, _, m in self.bands if name == band)


_Q = Decimal("0.01")


def device_index(
    s: DeviceStats, w: IndexWeights = IndexWeights(), table: PremiumTable = PremiumTable()
) -> QualityIndex:
    """The quality index of one device from its operating record."""
    kh = max(s.running_hours / 1000, Decimal("0.1"))  # avoid dividing by a near-idle device
    rate = Decimal(s.failures) / kh
    down = (s.downtime_hours / s.scheduled_hours) if s.scheduled_hours > 0 else Decimal(0)
    down = min(max(down, Decimal(0)), Decimal(1))
    stress = max(Decimal(0), s.mean_load_ratio - w.overload_from)
    score = Decimal(100) - rate * w.per_failure_per_kh - down * w.per_downtime_share
    score -= stress * w.per_overload
    score = min(Decimal(100), max(Decimal(0), score)).quantize(_Q, ROUND_HALF_UP)
    return QualityIndex(
        s.device_id,
        score,
        rate.quantize(_Q),
        down.quantize(Decimal("0.0001")),
        stress.quantize(Decimal("0.0001")),
        table.band(score),
    )


@dataclass(frozen=True, slots=True)
class EnterpriseRisk:
    index: Decimal
    band: str
    multiplier: Decimal
    worst_devices: tuple[str, ...]
    devices: int


def enterprise_risk(
    indices: Sequence[QualityIndex],
    weights_hours: Sequence[Decimal],
    table: PremiumTable = PremiumTable(),
) -> EnterpriseRisk:
    """Run-hour-weighted index of an enterprise's fleet, its band and premium multiplier."""
    if not indices:
        raise ValueError("an enterprise needs at least one device to be rated")
    total = sum(weights_hours, Decimal(0))
    if total <= 0:
        avg = sum((q.index for q in indices), Decimal(0)) / len(indices)
    else:
        avg = sum((q.index * h for q, h in zip(indices, weights_hours, strict=True)), Decimal(0))
        avg = avg / total
    avg = avg.quantize(_Q, ROUND_HALF_UP)
    band = table.band(avg)
    worst = tuple(q.device_id for q in sorted(indices, key=lambda q: q.index)[:3])
    return EnterpriseRisk(avg, band, table.multiplier(band), worst, len(indices))


def premium_fen(base_premium_fen: int, multiplier: Decimal) -> int:
    return int((Decimal(base_premium_fen) * multiplier).quantize(Decimal(1), ROUND_HALF_UP))
