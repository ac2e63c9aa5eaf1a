"""Device operating statistics from run-state and power telemetry (pure numpy).

Each sample's state is taken to hold until the next sample, capped at ``max_hold`` so a
silent device is not credited (or blamed) for the time it said nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from chanrong.insurance.quality import DeviceStats

OFF, IDLE, RUNNING, FAULT = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class DeviceSeries:
    device_id: str
    ts_s: npt.NDArray[np.float64]  # epoch seconds, sorted
    state: npt.NDArray[np.float64]
    power_ts_s: npt.NDArray[np.float64]
    power_kw: npt.NDArray[np.float64]
    rated_kw: float | None


def _d(x: float, places: str = "0.0001") -> Decimal:
    return Decimal(repr(float(x))).quantize(Decimal(places))


def device_stats(s: DeviceSeries, *, max_hold: timedelta = timedelta(hours=1)) -> DeviceStats:
    """Running, downtime and scheduled hours, failures and average load of one device."""
    if len(s.ts_s) == 0:
        return DeviceStats(s.device_id, Decimal(0), 0, Decimal(0), Decimal(0), Decimal(0))
    order = np.argsort(s.ts_s, kind="stable")
    ts, state = s.ts_s[order], np.rint(s.state[order])
    hold = np.diff(ts, append=ts[-1])
    hold = np.minimum(hold, max_hold.total_seconds()) / 3600.0
    running = float(hold[state == RUNNING].sum())
    down = float(hold[state == FAULT].sum())
    scheduled = float(hold[state != OFF].sum())
    entered_fault = (state == FAULT) & np.concatenate(([True], state[:-1] != FAULT))
    failures = int(entered_fault.sum())
    load = Decimal(0)
    if s.rated_kw and len(s.power_ts_s):
        # Load while running: the power samples taken when the latest state was "running".
        idx = np.searchsorted(ts, s.power_ts_s, side="right") - 1
        ok = idx >= 0
        running_power = s.power_kw[ok][state[idx[ok]] == RUNNING]
        if len(running_power):
            load = _d(float(running_power.mean()) / s.rated_kw)
    return DeviceStats(s.device_id, _d(running), failures, _d(down), _d(scheduled), load)
