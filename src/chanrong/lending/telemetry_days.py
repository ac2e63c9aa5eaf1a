"""A firm's machines, day by day: the devices and metrics post-loan monitoring reads, and the
daily running hours, utilisation and energy per unit of output built from them (the input of
``telemetry_detectors``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

# Device kinds whose machines make the product; the electricity meter measures the firm.
PRODUCTION_KINDS = frozenset({"cnc", "injection_moulder", "sewing_machine", "press"})
ELECTRICITY_METER = "meter_electricity"
# What the detectors read of each device, and the devices they read it of.
METRICS = ("run_state", "runtime_h", "output_count", "energy_kwh")
DEVICE_KINDS = (*sorted(PRODUCTION_KINDS), ELECTRICITY_METER)
# A running-hours counter cannot add more than a day (plus the catalog's 1 % clock slack):
# more is a counter fault, and the day's running hours are then unknown, not huge.
MAX_RUN_HOURS_PER_DAY = 24 * 1.01

FloatArray = npt.NDArray[np.float64]


class Signal(StrEnum):
    """A daily figure of a firm's operations, named as in the evidence."""

    RUNNING_HOURS = "running_hours"
    UTILISATION = "utilisation"
    ENERGY_PER_UNIT = "energy_per_unit"

    @property
    def low_is_bad(self) -> bool:
        """Running hours and utilisation warn when they fall; energy per unit when it rises."""
        return self is not Signal.ENERGY_PER_UNIT

    @property
    def unit(self) -> str:
        return {"running_hours": "h", "utilisation": "share", "energy_per_unit": "kWh/unit"}[
            self.value
        ]

    @property
    def dataset(self) -> str:
        """The governance dataset the figure is computed from (energy needs both)."""
        return {
            "running_hours": "telemetry.equipment",
            "utilisation": "telemetry.equipment",
            "energy_per_unit": "telemetry.energy",
        }[self.value]


@dataclass(frozen=True, slots=True)
class DeviceDays:
    """Column arrays of device days (one row per device, metric and local day)."""

    kind: Sequence[str] | npt.NDArray[Any]
    metric: Sequence[str] | npt.NDArray[Any]
    day: Sequence[date] | npt.NDArray[Any]
    increase: Sequence[float] | npt.NDArray[Any]
    running: Sequence[int] | npt.NDArray[Any]
    idle: Sequence[int] | npt.NDArray[Any]
    fault: Sequence[int] | npt.NDArray[Any]
    # Readings per row (the run-state rows' count gives the machines' readings per day);
    # None: not at hand, and the daily warning's idle input is then not read.
    n: Sequence[int] | npt.NDArray[Any] | None = None


@dataclass(frozen=True, slots=True)
class DailySeries:
    """A firm's daily figures on consecutive days from ``first``; NaN where not judged.
    ``counts``: its production machines' run-state readings per day (``readings``,
    ``running``, ``idle``; ``usage_days.COUNTS``), None when not at hand."""

    first: date
    values: Mapping[Signal, FloatArray]
    counts: Mapping[str, FloatArray] | None = None

    @property
    def days(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 0

    def day(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.first).days


def _day_numbers(days: Sequence[date] | npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    arr = np.asarray(days)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[D]").astype(np.int64)
    return np.array([d.toordinal() - 719163 for d in arr], dtype=np.int64)  # days since 1970


def firm_series(rows: DeviceDays) -> DailySeries | None:
    """Turn device days into the firm's daily running hours, utilisation and energy per unit.

    Production machines give running hours (their ``runtime_h`` counters) and utilisation
    (running readings among the readings they were switched on) and, given each row's readings
    (``n``), their run-state counts per day; the electricity meters'
    kWh over the machines' output give energy per unit. A day no production machine ran
    is closed and judged on nothing; a day whose running hours are implausible (a counter
    fault) has unknown running hours.
    """
    day = _day_numbers(rows.day)
    if day.size == 0:
        return None
    kind = np.asarray(rows.kind, dtype=object)
    metric = np.asarray(rows.metric, dtype=object)
    increase = np.asarray(rows.increase, dtype=np.float64)
    lo, hi = int(day.min()), int(day.max())
    n = hi - lo + 1
    at = day - lo
    prod = np.isin(kind, list(PRODUCTION_KINDS))

    def total(mask: npt.NDArray[np.bool_], weights: npt.NDArray[Any]) -> FloatArray:
        sums = np.bincount(at[mask], weights=np.asarray(weights, np.float64)[mask], minlength=n)
        return sums.astype(np.float64)

    def seen(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        return np.bincount(at[mask], minlength=n) > 0

    run_rows = prod & (metric == "runtime_h")
    hours = total(run_rows, increase)
    implausible = seen(run_rows & (increase > MAX_RUN_HOURS_PER_DAY))
    state_rows = prod & (metric == "run_state")
    running = total(state_rows, np.asarray(rows.running))
    on = (
        running
        + total(state_rows, np.asarray(rows.idle))
        + total(state_rows, np.asarray(rows.fault))
    )
    output = total(prod & (metric == "output_count"), increase)
    meter_rows = (kind == ELECTRICITY_METER) & (metric == "energy_kwh")
    energy = total(meter_rows, increase)
    closed = ((running <= 0) & seen(state_rows)) | ((hours <= 0) & seen(run_rows))
    nan = np.full(n, np.nan)
    running_hours = np.where(seen(run_rows) & ~implausible & ~closed, hours, nan)
    utilisation = np.where((on > 0) & ~closed, running / np.where(on > 0, on, 1.0), nan)
    per_unit = np.where(
        seen(meter_rows) & (output > 0) & ~closed, energy / np.where(output > 0, output, 1.0), nan
    )
    counts = None
    if rows.n is not None:
        counts = {
            "readings": total(state_rows, np.asarray(rows.n)),
            "running": running,
            "idle": total(state_rows, np.asarray(rows.idle)),
        }
    return DailySeries(
        date.fromordinal(lo + 719163),
        {
            Signal.RUNNING_HOURS: running_hours,
            Signal.UTILISATION: utilisation,
            Signal.ENERGY_PER_UNIT: per_unit,
        },
        counts,
    )
