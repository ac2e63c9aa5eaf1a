"""Device operating statistics from run-state and power telemetry (pure numpy).

Each sample's state is taken to hold until the next sample, capped at ``max_hold`` so a
silent device is not credited (or blamed) for the time it said nothing. Readings that cannot
be true (a state outside 0–3, a negative power or one above three times the rating, the kind
a unit mix-up produces) are left out, and load is the median, so a few bad readings cannot
make a machine look overworked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

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
    valid = np.isin(s.state, (OFF, IDLE, RUNNING, FAULT))
    order = np.argsort(s.ts_s[valid], kind="stable")
    ts, state = s.ts_s[valid][order], s.state[valid][order]
    if len(ts) == 0:
        return DeviceStats(s.device_id, Decimal(0), 0, Decimal(0), Decimal(0), Decimal(0))
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
        plausible = (s.power_kw >= 0) & (s.power_kw <= 3 * s.rated_kw)
        p_ts, p_kw = s.power_ts_s[plausible], s.power_kw[plausible]
        idx = np.searchsorted(ts, p_ts, side="right") - 1
        ok = idx >= 0
        running_power = p_kw[ok][state[idx[ok]] == RUNNING]
        if len(running_power):
            load = _d(float(np.median(running_power)) / s.rated_kw)
    return DeviceStats(s.device_id, _d(running), failures, _d(down), _d(scheduled), load)


def stats_by_device(
    points: pa.Table, rated_kw: Mapping[str, float | None]
) -> dict[str, DeviceStats]:
    """Operating statistics of each device in ``rated_kw`` from long-format telemetry
    (``device_id``, ``metric``, ``ts``, ``value``); devices without readings get empty stats."""
    wanted = pc.is_in(points.column("metric"), pa.array(["run_state", "power_kw"]))
    t = points.filter(wanted).select(["device_id", "metric", "ts", "value"])
    t = t.sort_by([("device_id", "ascending"), ("ts", "ascending")])
    dev = t.column("device_id").to_numpy(zero_copy_only=False)
    met = t.column("metric").to_numpy(zero_copy_only=False)
    ts = pc.cast(t.column("ts"), pa.int64()).to_numpy().astype(np.float64) / 1e6
    val = t.column("value").to_numpy()
    empty = np.empty(0, dtype=np.float64)
    out = {
        d: device_stats(DeviceSeries(d, empty, empty, empty, empty, kw))
        for d, kw in rated_kw.items()
    }
    # Rows are sorted by device: each device is one run between consecutive boundaries.
    cuts = np.flatnonzero(dev[1:] != dev[:-1]) + 1 if len(dev) else np.empty(0, np.int64)
    starts = np.concatenate(([0], cuts)) if len(dev) else cuts
    ends = np.append(cuts, len(dev)) if len(dev) else cuts
    for s, e in zip(starts, ends, strict=True):
        d = str(dev[s])
        if d not in rated_kw:
            continue
        m = met[s:e]
        st, pw = m == "run_state", m == "power_kw"
        out[d] = device_stats(
            DeviceSeries(d, ts[s:e][st], val[s:e][st], ts[s:e][pw], val[s:e][pw], rated_kw[d])
        )
    return out
