"""Fault-free device telemetry of one enterprise for one month, generated with numpy.

A month of one firm is a matrix: one row per (device, metric) series, one column per
reading slot. Each reading describes the interval starting at its timestamp; counters are
the running totals at the end of that interval. Counters carry over from month to month
through ``FirmState``, so a firm's months must be generated in order, but two firms never
share any state or randomness.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from chanrong.simulate.calendar import MonthGrid, date_ordinal, spring_festival
from chanrong.simulate.population import (
    PRODUCTION_KINDS,
    STREAM_TELEMETRY,
    THROUGHPUT_PER_HOUR,
    UNIT_VALUE_FEN,
    Device,
    Enterprise,
    rng_for,
)

METRICS = (
    "coal_t",
    "energy_kwh",
    "gas_m3",
    "output_count",
    "power_kw",
    "run_state",
    "runtime_h",
    "steam_t",
    "stitches",
    "thread_cuts",
)
METRIC_INDEX = {m: i for i, m in enumerate(METRICS)}
COUNTER_METRICS = frozenset(
    {
        "runtime_h",
        "output_count",
        "stitches",
        "thread_cuts",
        "energy_kwh",
        "gas_m3",
        "coal_t",
        "steam_t",
    }
)

RUN_OFF, RUN_IDLE, RUN_RUNNING, RUN_FAULT = 0, 1, 2, 3

# Prices for the monthly energy bill, fen per unit (industrial tariffs, rough).
PRICE_FEN = {"electricity_kwh": 75, "gas_m3": 350, "coal_t": 90_000, "steam_t": 22_000}
RUNTIME_RESET_PROBABILITY = 0.01  # per device-month: controller swapped or counter cleared


def metrics_of(kind: str) -> tuple[str, ...]:
    """The metrics a device of ``kind`` reports, in file order."""
    if kind == "sewing_machine":
        return ("output_count", "power_kw", "run_state", "runtime_h", "stitches", "thread_cuts")
    if kind in PRODUCTION_KINDS:
        return ("output_count", "power_kw", "run_state", "runtime_h")
    if kind == "compressor":
        return ("power_kw", "run_state", "runtime_h")
    return {
        "meter_electricity": ("energy_kwh",),
        "meter_gas": ("gas_m3",),
        "meter_coal": ("coal_t",),
        "meter_steam": ("steam_t",),
    }[kind]


@dataclass
class FirmState:
    """Counters carried from one month to the next, keyed by device id."""

    counters: dict[tuple[str, str], float] = field(default_factory=dict)


def initial_state(seed: int, firm: Enterprise) -> FirmState:
    """Counters at the start of the simulation: machines already have a history."""
    rng = rng_for(seed, STREAM_TELEMETRY, firm.index, 1_000_000)
    state = FirmState()
    for d in firm.devices:
        years = max(0.1, (firm.onboarded_on.toordinal() - d.installed_on.toordinal()) / 365.0)
        for m in metrics_of(d.kind):
            if m in COUNTER_METRICS:
                scale = {"runtime_h": 3000.0, "output_count": 20_000.0, "stitches": 5e6}.get(m, 1e4)
                state.counters[(d.device_id, m)] = float(
                    np.floor(rng.uniform(0.5, 1.5) * scale * years)
                )
    return state


@dataclass(frozen=True, slots=True)
class Downtime:
    """A maintenance or failure window of one device (slot range, end exclusive)."""

    device_id: str
    kind: str  # maintenance | failure
    start_slot: int
    end_slot: int


@dataclass(frozen=True, slots=True)
class CounterReset:
    device_id: str
    metric: str
    slot: int
    value_before: float


@dataclass(frozen=True, slots=True)
class MonthTotals:
    """What the firm's meters and machines really did this month (for the monthly bill)."""

    electricity_kwh: float
    gas_m3: float
    coal_t: float
    steam_t: float
    output_value_fen: int
    running_share: float  # share of production-machine working slots spent running

    @property
    def cost_fen(self) -> int:
        return round(
            self.electricity_kwh * PRICE_FEN["electricity_kwh"]
            + self.gas_m3 * PRICE_FEN["gas_m3"]
            + self.coal_t * PRICE_FEN["coal_t"]
            + self.steam_t * PRICE_FEN["steam_t"]
        )


@dataclass(frozen=True, slots=True)
class TelemetryMonth:
    """One firm-month of clean telemetry as a (series × slot) matrix."""

    grid: MonthGrid
    device_ids: tuple[str, ...]  # sorted
    series_device: np.ndarray  # int32 (S,) index into device_ids
    series_metric: np.ndarray  # int8 (S,) index into METRICS
    values: np.ndarray  # float64 (S, T)
    downtime: tuple[Downtime, ...]
    resets: tuple[CounterReset, ...]
    totals: MonthTotals

    @property
    def points(self) -> int:
        return int(self.values.size)


def working_slots(firm: Enterprise, grid: MonthGrid) -> np.ndarray:
    """Bool (T,): slots inside the firm's shifts on its working days."""
    weekday_ok = (grid.weekday < 5) | ((grid.weekday == 5) & firm.six_day_week)
    cny = date_ordinal(spring_festival(grid.month.year))
    festival = (grid.day_ordinal >= cny - firm.festival_before) & (
        grid.day_ordinal <= cny + firm.festival_after
    )
    day_ok = weekday_ok & ~grid.public_holiday & ~festival
    if firm.shifts == 3:
        in_shift = np.ones(grid.slots, dtype=bool)
    elif firm.shifts == 2:
        in_shift = grid.minute >= 8 * 60
    else:
        in_shift = (grid.minute >= 8 * 60) & (grid.minute < 17 * 60)
    mask: np.ndarray = in_shift & day_ok[grid.day]
    return mask


def generate_month(
    seed: int,
    firm: Enterprise,
    month_index: int,
    grid: MonthGrid,
    utilisation: float,
    health: float,
    state: FirmState,
) -> TelemetryMonth:
    """Generate one firm-month and advance ``state``'s counters to its end."""
    rng = rng_for(seed, STREAM_TELEMETRY, firm.index, month_index)
    t = grid.slots
    dt_h = grid.interval_minutes / 60.0
    work = working_slots(firm, grid)
    devices = sorted(firm.devices, key=lambda d: d.device_id)
    prod = [d for d in devices if d.kind in PRODUCTION_KINDS]
    comp = [d for d in devices if d.kind == "compressor"]
    p = len(prod)

    # Run state of production machines: a machine is put to work on a day with a
    # probability set by utilisation; ailing firms leave machines idling more.
    p_idle = 0.05 + 0.15 * (1.0 - health)
    p_on = min(1.0, utilisation / (1.0 - p_idle))
    on_day = rng.random((p, grid.days)) < p_on
    on_slot = on_day[:, grid.day] & work[None, :]
    r = rng.random((p, t))
    state_m = np.where(on_slot, np.where(r < p_idle, RUN_IDLE, RUN_RUNNING), RUN_OFF)
    # Outside shifts a few machines are left switched on; on idle days some are on standby.
    state_m = np.where(~on_slot & (r < 0.03), RUN_IDLE, state_m).astype(np.int8)

    downtime: list[Downtime] = []
    per_hour = max(1, round(1 / dt_h))
    # Planned maintenance: healthier firms keep to it more often.
    maint = rng.random(p) < 0.35 + 0.4 * health
    maint_start = rng.integers(0, max(1, t - 4 * per_hour), p)
    # Failures: ailing firms defer maintenance and break down more.
    n_fail = rng.poisson(0.1 + 0.5 * (1.0 - health), p)
    for i, d in enumerate(prod):
        if maint[i]:
            a = int(maint_start[i])
            b = min(t, a + max(1, 4 * per_hour))
            state_m[i, a:b] = RUN_OFF
            downtime.append(Downtime(d.device_id, "maintenance", a, b))
        for _ in range(int(n_fail[i])):
            a = int(rng.integers(0, t))
            hours = 1.0 + rng.exponential(6.0)
            b = min(t, a + max(1, round(hours / dt_h)))
            state_m[i, a:b] = RUN_FAULT
            downtime.append(Downtime(d.device_id, "failure", a, b))

    running = state_m == RUN_RUNNING
    load = np.clip(rng.normal(0.72, 0.08, (p, t)), 0.3, 1.0)
    rated = np.array([d.rated_kw for d in prod])[:, None]
    power = np.where(
        running,
        rated * load,
        np.where(
            state_m == RUN_IDLE, rated * 0.12, np.where(state_m == RUN_FAULT, rated * 0.04, 0.0)
        ),
    )
    power = np.round(power * rng.normal(1.0, 0.02, (p, t)), 3)
    kind = firm.production_kind
    out_incr = rng.poisson(THROUGHPUT_PER_HOUR[kind] * dt_h * load / 0.72) * running

    # Compressors follow the share of machines running.
    share_running = running.mean(axis=0) if p else np.zeros(t)
    c = len(comp)
    c_rated = np.array([d.rated_kw for d in comp])[:, None]
    c_state = np.where(
        share_running[None, :] > 0.2, RUN_RUNNING, np.where(work[None, :], RUN_IDLE, RUN_OFF)
    ) * np.ones((c, 1), dtype=np.int8)
    c_state = c_state.astype(np.int8)
    c_load = np.clip(0.3 + 0.7 * share_running[None, :] + rng.normal(0, 0.05, (c, t)), 0.2, 1.0)
    c_power = np.round(
        np.where(
            c_state == RUN_RUNNING,
            c_rated * c_load,
            np.where(c_state == RUN_IDLE, c_rated * 0.1, 0.0),
        ),
        3,
    )

    # Electricity: machines plus lighting/HVAC base load; fuels follow production energy.
    base_kw = 2.0 + 0.03 * float(rated.sum() + c_rated.sum())
    base = base_kw * np.where(work, 1.0, 0.35)
    prod_kwh = (power.sum(axis=0) + c_power.sum(axis=0)) * dt_h
    elec_incr = np.round(prod_kwh + base * dt_h * rng.normal(1.0, 0.03, t), 3)
    gas_i, coal_i, steam_i = firm.fuel
    winter = grid.month.month in (12, 1, 2)
    fuel_noise = rng.normal(1.0, 0.05, (3, t)).clip(0.5, 1.5)
    gas_incr = np.round(gas_i * prod_kwh * fuel_noise[0] * (1.15 if winter else 1.0), 4)
    coal_incr = np.round(coal_i * prod_kwh * fuel_noise[1], 6)
    steam_incr = np.round(steam_i * prod_kwh * fuel_noise[2], 5)

    series: list[tuple[str, str, np.ndarray]] = []
    resets: list[CounterReset] = []
    reset_draw = rng.random(len(devices))
    reset_slot = rng.integers(1, max(2, t), len(devices))

    def counter(d: Device, metric: str, incr: np.ndarray, allow_reset: bool, k: int) -> np.ndarray:
        start = state.counters[(d.device_id, metric)]
        values = start + np.cumsum(incr)
        if allow_reset and reset_draw[k] < RUNTIME_RESET_PROBABILITY:
            s = int(reset_slot[k])
            before = float(values[s - 1])
            values[s:] = values[s:] - before
            resets.append(CounterReset(d.device_id, metric, s, before))
        state.counters[(d.device_id, metric)] = float(values[-1])
        return values

    pi = {d.device_id: i for i, d in enumerate(prod)}
    ci = {d.device_id: i for i, d in enumerate(comp)}
    if kind == "sewing_machine":
        stitches_incr = rng.poisson(out_incr * 450.0 + running * dt_h * 300.0)
        cuts_incr = rng.poisson(out_incr * 6.0)
    for k, d in enumerate(devices):
        if d.device_id in pi:
            i = pi[d.device_id]
            run_h = running[i] * dt_h
            series.append(
                (d.device_id, "output_count", counter(d, "output_count", out_incr[i], False, k))
            )
            series.append((d.device_id, "power_kw", power[i]))
            series.append((d.device_id, "run_state", state_m[i].astype(np.float64)))
            series.append((d.device_id, "runtime_h", counter(d, "runtime_h", run_h, True, k)))
            if d.kind == "sewing_machine":
                series.append(
                    (d.device_id, "stitches", counter(d, "stitches", stitches_incr[i], False, k))
                )
                series.append(
                    (d.device_id, "thread_cuts", counter(d, "thread_cuts", cuts_incr[i], False, k))
                )
        elif d.device_id in ci:
            i = ci[d.device_id]
            run_h = (c_state[i] == RUN_RUNNING) * dt_h
            series.append((d.device_id, "power_kw", c_power[i]))
            series.append((d.device_id, "run_state", c_state[i].astype(np.float64)))
            series.append((d.device_id, "runtime_h", counter(d, "runtime_h", run_h, True, k)))
        else:
            metric = metrics_of(d.kind)[0]
            incr = {
                "energy_kwh": elec_incr,
                "gas_m3": gas_incr,
                "coal_t": coal_incr,
                "steam_t": steam_incr,
            }[metric]
            series.append((d.device_id, metric, np.round(counter(d, metric, incr, False, k), 6)))

    device_ids = tuple(d.device_id for d in devices)
    dindex = {d: i for i, d in enumerate(device_ids)}
    values = np.vstack([s[2] for s in series]).astype(np.float64, copy=False)
    work_slots = max(1, int(work.sum()) * p)
    totals = MonthTotals(
        electricity_kwh=float(elec_incr.sum()),
        gas_m3=float(gas_incr.sum()),
        coal_t=float(coal_incr.sum()),
        steam_t=float(steam_incr.sum()),
        output_value_fen=int(out_incr.sum()) * UNIT_VALUE_FEN[kind],
        running_share=float((running & work[None, :]).sum()) / work_slots,
    )
    return TelemetryMonth(
        grid=grid,
        device_ids=device_ids,
        series_device=np.array([dindex[s[0]] for s in series], dtype=np.int32),
        series_metric=np.array([METRIC_INDEX[s[1]] for s in series], dtype=np.int8),
        values=values,
        downtime=tuple(downtime),
        resets=tuple(resets),
        totals=totals,
    )
