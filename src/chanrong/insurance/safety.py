"""The safety-risk profile (安全风险画像) and the alerts it raises (pure: numpy, pyarrow).

From the same telemetry the quality index reads, per machine: its condition (the quality
index), overload (share of running readings above the rating), a burst of faults (the last
week's failures against the weeks before), and running out of hours (22:00–06:00 Shanghai
time, when nobody is watching); per enterprise: energy anomalies (a day's electricity far
above its own median) and, where sensors exist, environmental readings (temperature, gas,
smoke). Each finding that crosses its threshold becomes an alert that says what to check —
prevention before loss — for the enterprise, and what it is, for its insurer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from chanrong.insurance.fleet import FAULT, RUNNING
from chanrong.insurance.quality import DeviceStats, device_index

SHANGHAI_OFFSET_S = 8 * 3600
NIGHT = (22, 6)  # local hours: from 22:00 to 06:00
OVERLOAD_SHARE = 0.10  # more than a tenth of running readings above the rating
OUT_OF_HOURS_SHARE = 0.25  # more than a quarter of running time at night
FAULT_BURST = 3  # at least this many faults in the last week …
FAULT_BURST_RATIO = 2.0  # … and twice the weekly average before it
ENERGY_Z = 4.0  # a day's electricity this many robust deviations above its median
POOR_CONDITION = Decimal(55)  # a quality index below this (band D or E)
# Environmental sensors: metric -> (limit, alert code). A reading above the limit alerts.
ENVIRONMENT = {
    "temperature_c": (60.0, "high_temperature"),
    "gas_lel_pct": (10.0, "gas_leak"),
    "smoke": (0.5, "smoke"),
}
ENVIRONMENT_METRICS = tuple(ENVIRONMENT)
METRICS = ("run_state", "power_kw", "energy_kwh", *ENVIRONMENT_METRICS)
# Points each finding adds to the 0–100 risk score (higher is riskier).
POINTS = {
    "poor_condition": 25,
    "overload": 20,
    "fault_burst": 20,
    "out_of_hours": 10,
    "energy_anomaly": 15,
    "high_temperature": 30,
    "gas_leak": 40,
    "smoke": 40,
}
HIGH = frozenset({"gas_leak", "smoke", "high_temperature", "fault_burst"})


@dataclass(frozen=True, slots=True)
class Alert:
    """One finding: its code (which names what to check), on which device or ``site``."""

    code: str
    subject: str
    severity: str  # high | medium
    evidence: dict[str, str]


@dataclass(frozen=True, slots=True)
class DeviceRisk:
    device_id: str
    index: Decimal
    overload_share: Decimal
    out_of_hours_share: Decimal
    faults_last_week: int
    faults_per_week_before: Decimal


@dataclass(frozen=True, slots=True)
class SafetyProfile:
    score: int  # 0–100, higher is riskier
    band: str  # low | elevated | high
    devices: list[DeviceRisk]
    alerts: list[Alert]
    factors: dict[str, int] = field(default_factory=dict)  # finding code -> how many


def _d(x: float, places: str = "0.0001") -> Decimal:
    return Decimal(repr(float(x))).quantize(Decimal(places), ROUND_HALF_UP)


def _series(t: pa.Table, device: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    mask = pc.and_(pc.equal(t.column("device_id"), device), pc.equal(t.column("metric"), metric))
    s = t.filter(mask).sort_by("ts")
    ts = pc.cast(s.column("ts"), pa.int64()).to_numpy().astype(np.float64) / 1e6
    return ts, s.column("value").to_numpy().astype(np.float64)


def device_risk(
    stats: DeviceStats, points: pa.Table, rated_kw: float | None, end_s: float
) -> DeviceRisk:
    """One machine's risk factors from its readings up to ``end_s`` (epoch seconds)."""
    ts, state = _series(points, stats.device_id, "run_state")
    p_ts, p_kw = _series(points, stats.device_id, "power_kw")
    overload = 0.0
    if rated_kw and len(p_ts) and len(ts):
        idx = np.searchsorted(ts, p_ts, side="right") - 1
        ok = idx >= 0
        running_kw = p_kw[ok][state[idx[ok]] == RUNNING]
        running_kw = running_kw[(running_kw >= 0) & (running_kw <= 3 * rated_kw)]
        if len(running_kw):
            overload = float((running_kw > rated_kw).mean())
    night = 0.0
    if len(ts):
        hold = np.minimum(np.diff(ts, append=ts[-1]), 3600.0)
        running = state == RUNNING
        local_h = ((ts + SHANGHAI_OFFSET_S) // 3600) % 24
        at_night = (local_h >= NIGHT[0]) | (local_h < NIGHT[1])
        total = float(hold[running].sum())
        night = float(hold[running & at_night].sum()) / total if total > 0 else 0.0
    entered = (state == FAULT) & np.concatenate(([True], state[:-1] != FAULT))
    fault_ts = ts[entered]
    week = 7 * 86400.0
    last = int((fault_ts >= end_s - week).sum())
    weeks_before = max((end_s - week - (ts[0] if len(ts) else end_s)) / week, 1.0)
    before = float((fault_ts < end_s - week).sum()) / weeks_before
    return DeviceRisk(
        stats.device_id,
        device_index(stats).index,
        _d(overload),
        _d(night),
        last,
        _d(before, "0.01"),
    )


def energy_anomalies(points: pa.Table, meters: list[str]) -> list[Alert]:
    """Days whose electricity (sum of the meters' counter increases) is far above the median."""
    daily: dict[int, float] = {}
    for m in meters:
        ts, kwh = _series(points, m, "energy_kwh")
        if len(ts) < 2:
            continue
        inc = np.clip(np.diff(kwh), 0, None)  # a counter reset is not negative use
        days = ((ts[1:] + SHANGHAI_OFFSET_S) // 86400).astype(np.int64)
        for d, v in zip(days, inc, strict=True):
            daily[int(d)] = daily.get(int(d), 0.0) + float(v)
    if len(daily) < 7:
        return []
    values = np.array(list(daily.values()))
    med = float(np.median(values))
    mad = float(np.median(np.abs(values - med))) * 1.4826 or max(med * 0.05, 1.0)
    out = []
    for d, v in sorted(daily.items()):
        z = (v - med) / mad
        if z >= ENERGY_Z:
            day = np.datetime64(d, "D").astype(str)
            out.append(
                Alert(
                    "energy_anomaly",
                    "site",
                    "medium",
                    {"day": day, "kwh": f"{v:.0f}", "median_kwh": f"{med:.0f}", "z": f"{z:.1f}"},
                )
            )
    return out


def environment_alerts(points: pa.Table) -> list[Alert]:
    """Readings of environmental sensors above their limits (the highest per sensor)."""
    out = []
    for metric, (limit, code) in ENVIRONMENT.items():
        t = points.filter(pc.equal(points.column("metric"), metric))
        if t.num_rows == 0:
            continue
        values = t.column("value").to_numpy().astype(np.float64)
        devices = t.column("device_id").to_numpy(zero_copy_only=False)
        for dev in sorted(set(devices[values > limit])):
            peak = float(values[(devices == dev)].max())
            out.append(Alert(code, str(dev), "high", {"peak": f"{peak:g}", "limit": f"{limit:g}"}))
    return out


def profile(
    stats: Mapping[str, DeviceStats],
    rated_kw: Mapping[str, float | None],
    meters: list[str],
    points: pa.Table,
    end_s: float,
) -> SafetyProfile:
    """The enterprise's safety-risk profile and alerts from its readings up to ``end_s``."""
    devices = [device_risk(s, points, rated_kw.get(d), end_s) for d, s in stats.items()]
    alerts: list[Alert] = []
    for r in devices:
        if r.index < POOR_CONDITION:
            alerts.append(Alert("poor_condition", r.device_id, "medium", {"index": str(r.index)}))
        if r.overload_share > Decimal(repr(OVERLOAD_SHARE)):
            alerts.append(
                Alert("overload", r.device_id, "medium", {"share": str(r.overload_share)})
            )
        if r.faults_last_week >= FAULT_BURST and r.faults_last_week >= FAULT_BURST_RATIO * float(
            r.faults_per_week_before
        ):
            alerts.append(
                Alert(
                    "fault_burst",
                    r.device_id,
                    "high",
                    {
                        "last_week": str(r.faults_last_week),
                        "weekly_before": str(r.faults_per_week_before),
                    },
                )
            )
        if r.out_of_hours_share > Decimal(repr(OUT_OF_HOURS_SHARE)):
            alerts.append(
                Alert("out_of_hours", r.device_id, "medium", {"share": str(r.out_of_hours_share)})
            )
    alerts += energy_anomalies(points, meters)
    alerts += environment_alerts(points)
    factors: dict[str, int] = {}
    for a in alerts:
        factors[a.code] = factors.get(a.code, 0) + 1
    # Each kind of finding counts once: ten overloaded machines are one pattern, not ten.
    score = min(100, sum(POINTS[c] for c in factors))
    band = "high" if score >= 50 else "elevated" if score >= 20 else "low"
    return SafetyProfile(score, band, devices, alerts, factors)


def restrict(points: pa.Table, device_ids: set[str]) -> pa.Table:
    """The readings of only these devices (one site's)."""
    return points.filter(pc.is_in(points.column("device_id"), pa.array(sorted(device_ids))))
