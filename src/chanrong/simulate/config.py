"""What a simulated park looks like: its size, span, seed and the data faults to inject.

Pure: no framework imports. ``ParkConfig.validated()`` is the one place bad settings are
turned into a ``ValidationFailed`` naming the setting, so the CLI and the Python API give
the same plain-worded error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date

from chanrong.core.errors import ValidationFailed

FAULT_KINDS = ("gap", "duplicate", "out_of_range", "unit_mixup", "clock_skew", "late_arrival")


@dataclass(frozen=True, slots=True)
class FaultRates:
    """Share of telemetry points hit by each kind of injected fault (0 ≤ rate < 0.2).

    Every rate is a fraction of the fault-free telemetry points, so the realised share can
    be checked directly against ``truth/faults.parquet``. Span faults (gap, unit mix-up,
    clock skew) hit runs of consecutive readings of one device; the others hit single points.
    """

    gap: float = 0.002
    duplicate: float = 0.001
    out_of_range: float = 0.0005
    unit_mixup: float = 0.001
    clock_skew: float = 0.001
    late_arrival: float = 0.001

    @classmethod
    def none(cls) -> FaultRates:
        """No faults at all: clean telemetry."""
        return cls(**{k: 0.0 for k in FAULT_KINDS})

    def scaled(self, factor: float) -> FaultRates:
        """Every rate multiplied by ``factor``."""
        return FaultRates(**{k: getattr(self, k) * factor for k in FAULT_KINDS})

    def as_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


# Minutes per reading must divide a day so every day has the same grid.
ALLOWED_INTERVALS = (1, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)


@dataclass(frozen=True, slots=True)
class ParkConfig:
    """Everything that determines a park; the same config always gives the same park.

    ``start`` is the first day (Asia/Shanghai calendar) and must be the first of a month.
    ``default_share`` steers roughly what share of firms is on a deteriorating path; about
    two thirds of those default within 24 months, plus a few healthy firms hit by shocks.
    """

    enterprises: int = 200
    months: int = 24
    seed: int = 7
    interval_minutes: int = 15
    start: date = date(2024, 1, 1)
    core_share: float = 0.02
    deteriorating_share: float = 0.10
    faults: FaultRates = field(default_factory=FaultRates)

    def validated(self) -> ParkConfig:
        """Return self, or raise ``ValidationFailed`` naming the first bad setting."""
        if not 1 <= self.enterprises <= 100_000:
            raise ValidationFailed(
                f"enterprises: must be between 1 and 100000, got {self.enterprises}",
                field="enterprises",
            )
        if not 1 <= self.months <= 120:
            raise ValidationFailed(
                f"months: must be between 1 and 120, got {self.months}", field="months"
            )
        if not 0 <= self.seed < 2**63:
            raise ValidationFailed(
                f"seed: must be a non-negative integer, got {self.seed}", field="seed"
            )
        if self.interval_minutes not in ALLOWED_INTERVALS:
            allowed = ", ".join(str(i) for i in ALLOWED_INTERVALS)
            raise ValidationFailed(
                f"interval: {self.interval_minutes} minutes does not divide a day evenly; "
                f"use one of {allowed}",
                field="interval",
            )
        if self.start.day != 1:
            raise ValidationFailed(
                f"start: must be the first day of a month, got {self.start.isoformat()}",
                field="start",
            )
        if not 2000 <= self.start.year <= 2090:
            raise ValidationFailed("start: year must be between 2000 and 2090", field="start")
        if not 0 <= self.core_share <= 0.5:
            raise ValidationFailed("core_share: must be between 0 and 0.5", field="core_share")
        if not 0 <= self.deteriorating_share <= 1:
            raise ValidationFailed(
                "deteriorating_share: must be between 0 and 1", field="deteriorating_share"
            )
        for kind in FAULT_KINDS:
            rate = getattr(self.faults, kind)
            if not 0 <= rate < 0.2:
                raise ValidationFailed(
                    f"fault_rate.{kind}: must be at least 0 and below 0.2, got {rate}",
                    field=f"fault_rate.{kind}",
                )
        return self

    @property
    def points_per_day(self) -> int:
        return 1440 // self.interval_minutes

    def with_changes(self, **changes: object) -> ParkConfig:
        """A copy with some settings changed (validated)."""
        return replace(self, **changes).validated()  # type: ignore[arg-type]


PRESETS: dict[str, ParkConfig] = {
    # What `chanrong demo` builds: runs in a few seconds; more firms on a deteriorating
    # path than usual so that a couple default within its six months.
    "demo": ParkConfig(
        enterprises=30, months=6, interval_minutes=60, seed=7, deteriorating_share=0.3
    ),
    # The default park: 200 firms, 24 months at 15 minutes (billions of points).
    "default": ParkConfig(),
    # For unit tests: a handful of firms, coarse readings.
    "tiny": ParkConfig(enterprises=12, months=3, interval_minutes=120, seed=7),
}


def preset(name: str) -> ParkConfig:
    """A named preset (``demo``, ``default``, ``tiny``) or a ``ValidationFailed``."""
    try:
        return PRESETS[name]
    except KeyError:
        names = ", ".join(sorted(PRESETS))
        raise ValidationFailed(
            f"preset: unknown preset {name!r}; choose one of {names}", field="preset"
        ) from None
