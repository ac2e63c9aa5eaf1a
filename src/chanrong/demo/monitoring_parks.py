"""The simulated parks the early warnings are evaluated and fitted on: each park's business
tables and truth, and each firm's telemetry reduced to the daily figures the detectors read.

For ``monitoring_evaluation`` (which replays and scores the detectors) and
``monitoring_fitting``; split from the former when it grew past 600 lines. A park is simulated
once and may be kept in a cache directory (``simulated``) as Parquet tables, one NumPy array
file (read without pickle) and a JSON manifest: nothing executable is ever loaded from it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chanrong.core.errors import DataUnavailable
from chanrong.demo.lending_evaluation import ParkTables, park_payables, read_park_dir
from chanrong.lending.business_days import BusinessDays, Payable, business_days
from chanrong.lending.telemetry_days import PRODUCTION_KINDS
from chanrong.lending.telemetry_detectors import (
    DEVICE_KINDS,
    METRICS,
    DailySeries,
    DeviceDays,
    Signal,
    firm_series,
)
from chanrong.simulate import ParkConfig, TelemetryChunk, plan_park, simulate_park
from chanrong.telemetry import service as telemetry

FloatArray = npt.NDArray[np.float64]
# Bump when the cached layout changes: older directories are then simulated afresh.
CACHE_VERSION = 3
_TABLES = ("enterprises", "orders", "invoices", "payments", "energy", "truth")
# Kept beside the tables for signals not (yet) in the detectors: the platform's cloud usage
# and the machines' maintenance and failure records.
_EXTRA_TABLES = ("cloud_usage", "maintenance")
# The production machines' run-state readings per local day, summed over the machines:
# readings, running, idle, fault, and how many machines reported.
STATE_COUNTS = ("n", "running", "idle", "fault", "machines")


@dataclass(frozen=True, slots=True)
class ParkData:
    """One park: its business tables and truth, and each firm's daily telemetry figures."""

    tables: ParkTables
    telemetry: dict[str, DailySeries]
    start: date
    health: pa.Table | None = None  # truth: uscc, month, health (None when not at hand)
    # Each firm's production machines' run-state counts per day, on its series' days.
    states: dict[str, dict[str, FloatArray]] | None = None
    extra: dict[str, pa.Table] | None = None  # ``_EXTRA_TABLES`` when at hand


def _state_counts(
    days: pa.Table, kind_of: dict[str, str], series: DailySeries
) -> dict[str, FloatArray]:
    """The production machines' run-state readings per day of ``series`` (``STATE_COUNTS``)."""
    ids = days.column("device_id").to_pylist()
    prod = np.array([kind_of[d] in PRODUCTION_KINDS for d in ids], dtype=bool)
    state = days.column("metric").to_numpy(zero_copy_only=False) == "run_state"
    rows = prod & state
    day = days.column("day").to_numpy().astype("datetime64[D]").astype(np.int64)
    first = np.datetime64(series.first, "D").astype(np.int64)
    at = day[rows] - first
    ok = (at >= 0) & (at < series.days)
    out: dict[str, FloatArray] = {}
    for name in STATE_COUNTS:
        weights = (
            np.ones(int(rows.sum()))
            if name == "machines"
            else days.column(name).to_numpy()[rows].astype(np.float64)
        )
        out[name] = np.bincount(at[ok], weights=weights[ok], minlength=series.days).astype(
            np.float64
        )
    return out


def _series_of(
    points: pa.Table, kind_of: dict[str, str]
) -> tuple[DailySeries, dict[str, FloatArray]] | None:
    days = telemetry.device_days(points)
    ids = days.column("device_id").to_pylist()
    found = firm_series(
        DeviceDays(
            kind=[kind_of[d] for d in ids],
            metric=days.column("metric").to_numpy(zero_copy_only=False),
            day=days.column("day").to_numpy(),
            increase=days.column("increase").to_numpy(),
            running=days.column("running").to_numpy(),
            idle=days.column("idle").to_numpy(),
            fault=days.column("fault").to_numpy(),
            n=days.column("n").to_numpy(),
        )
    )
    if found is None:
        return None
    return found, _state_counts(days, kind_of, found)


class _Reducer:
    """Takes a park's telemetry chunk by chunk (firm by firm, months in order) and keeps only
    each firm's daily figures, so a park's readings never sit in memory at once."""

    def __init__(self, kind_of: dict[str, str]) -> None:
        self.kind_of = {d: k for d, k in kind_of.items() if k in DEVICE_KINDS}
        self.wanted = pa.array(sorted(self.kind_of))
        self.metrics = pa.array(METRICS)
        self.series: dict[str, DailySeries] = {}
        self.states: dict[str, dict[str, FloatArray]] = {}
        self._firm: str | None = None
        self._parts: list[pa.Table] = []

    def add(self, chunk: TelemetryChunk) -> None:
        if chunk.uscc != self._firm:
            self.finish()
            self._firm = chunk.uscc
        batch = pa.Table.from_batches([chunk.batch])
        keep = pc.and_(
            pc.is_in(batch.column("device_id"), value_set=self.wanted),
            pc.is_in(batch.column("metric"), value_set=self.metrics),
        )
        self._parts.append(batch.filter(keep))

    def finish(self) -> None:
        if self._firm is not None and self._parts:
            found = _series_of(pa.concat_tables(self._parts), self.kind_of)
            if found is not None:
                self.series[self._firm], self.states[self._firm] = found
        self._parts = []


def simulate_with_telemetry(config: ParkConfig) -> ParkData:
    """Simulate ``config`` once, keeping the business tables and each firm's daily figures."""
    cfg = config.validated()
    kinds = {d.device_id: d.kind for f in plan_park(cfg).firms for d in f.devices}
    reducer = _Reducer(kinds)
    sim = simulate_park(cfg, keep_telemetry=False, on_telemetry=reducer.add)
    reducer.finish()
    tables = ParkTables(
        sim.enterprises, sim.orders, sim.invoices, sim.payments, sim.energy, sim.truth_enterprises
    )
    extra = {"cloud_usage": sim.cloud_usage, "maintenance": sim.maintenance}
    return ParkData(tables, reducer.series, cfg.start, sim.truth_health, reducer.states, extra)


def read_park_with_telemetry(root: Path) -> ParkData:
    """A park written by ``chanrong simulate --out``, its telemetry read firm by firm."""
    tables = read_park_dir(root)
    base = root / "telemetry"
    if not (root / "devices.parquet").exists() or not base.is_dir():
        raise DataUnavailable(
            f"park: {root} lacks devices.parquet or telemetry/; write one with "
            "`chanrong simulate --out`",
            field="park",
        )

    devices = pq.read_table(root / "devices.parquet", columns=["device_id", "kind"])
    kind_of = dict(
        zip(
            devices.column("device_id").to_pylist(), devices.column("kind").to_pylist(), strict=True
        )
    )
    reducer = _Reducer(kind_of)
    for part in sorted(base.glob("uscc=*")):
        table = pq.read_table(part, columns=["device_id", "metric", "ts", "value"])
        for batch in table.to_batches():
            reducer.add(TelemetryChunk(part.name.removeprefix("uscc="), "", batch))
    reducer.finish()
    first = pc.min(tables.energy.column("month")).as_py()
    if first is None:
        raise DataUnavailable(f"park: {root} has no energy bills", field="park")
    health_file = root / "truth" / "health_monthly.parquet"
    health = pq.read_table(health_file) if health_file.exists() else None
    # Its cloud usage (an input of the daily warning) and maintenance, when the park has them.
    extra = {
        n: pq.read_table(root / f"{n}.parquet")
        for n in _EXTRA_TABLES
        if (root / f"{n}.parquet").exists()
    }
    return ParkData(tables, reducer.series, first, health, reducer.states, extra)


def simulated(config: ParkConfig, cache: Path | None = None) -> ParkData:
    """``simulate_with_telemetry(config)``, kept in ``cache`` (a directory) when given: the
    simulation is most of an evaluation's time, and the same configuration always gives the
    same park. Each park is a directory named by the configuration's hash."""
    if cache is None:
        return simulate_with_telemetry(config)
    key = hashlib.sha256(repr(config.validated()).encode()).hexdigest()[:16]
    path = cache / f"park-{config.seed}-{key}"
    if (path / "park.json").exists():
        found = read_cached(path)
        if found is not None:
            return found
    data = simulate_with_telemetry(config)
    write_cached(data, path)
    return data


def write_cached(data: ParkData, path: Path) -> None:
    """Keep a park: its tables as Parquet, each firm's daily figures in one ``.npz`` (plain
    arrays) and the rest in ``park.json``, written last so a half-written park is not read."""
    path.mkdir(parents=True, exist_ok=True)
    for name in _TABLES:
        pq.write_table(getattr(data.tables, name), path / f"{name}.parquet")
    if data.health is not None:
        pq.write_table(data.health, path / "health.parquet")
    for name, table in (data.extra or {}).items():
        pq.write_table(table, path / f"{name}.parquet")
    arrays = {
        f"{n}:{signal.value}": np.asarray(values, dtype=np.float64)
        for n, s in enumerate(data.telemetry.values())
        for signal, values in s.values.items()
    }
    states = data.states or {}
    for n, uscc in enumerate(data.telemetry):
        for name, values in states.get(uscc, {}).items():
            arrays[f"{n}:state:{name}"] = np.asarray(values, dtype=np.float64)
    np.savez(path / "telemetry.npz", **arrays)  # type: ignore[arg-type]
    manifest = {
        "version": CACHE_VERSION,
        "start": data.start.isoformat(),
        "firms": [[uscc, s.first.isoformat()] for uscc, s in data.telemetry.items()],
    }
    (path / "park.json").write_text(json.dumps(manifest))


def read_cached(path: Path) -> ParkData | None:
    """A park kept by ``write_cached`` (None: another layout version, to be simulated again)."""
    manifest = json.loads((path / "park.json").read_text())
    if manifest.get("version") != CACHE_VERSION:
        return None
    tables = ParkTables(**{n: pq.read_table(path / f"{n}.parquet") for n in _TABLES})
    health_file = path / "health.parquet"
    health = pq.read_table(health_file) if health_file.exists() else None
    extra = {n: pq.read_table(path / f"{n}.parquet") for n in _EXTRA_TABLES}
    series: dict[str, DailySeries] = {}
    states: dict[str, dict[str, FloatArray]] = {}
    with np.load(path / "telemetry.npz", allow_pickle=False) as z:
        names = set(z.files)
        for n, (uscc, first) in enumerate(manifest["firms"]):
            values = {s: z[f"{n}:{s.value}"] for s in Signal if f"{n}:{s.value}" in names}
            states[uscc] = {c: z[f"{n}:state:{c}"] for c in STATE_COUNTS}
            counts = {"readings": states[uscc]["n"]} | {
                c: states[uscc][c] for c in ("running", "idle")
            }
            series[uscc] = DailySeries(date.fromisoformat(first), values, counts)
    start = date.fromisoformat(manifest["start"])
    return ParkData(tables, series, start, health, states, extra)


@dataclass(frozen=True, slots=True)
class ParkBusiness:
    """A park's orders (seller → [(date, fen)]), payables (buyer → [Payable]) and
    receivables (seller → [Payable])."""

    orders: dict[str, list[tuple[date, int]]]
    payables: dict[str, list[Payable]]
    receivables: dict[str, list[Payable]]
    cloud: dict[str, list[tuple[date, float]]] | None = None  # firm → (day, compute hours)


def park_business(park: ParkData) -> ParkBusiness:
    """Each firm's orders, its own payables, its receivables and its cloud usage (when the
    park kept it), as the live job reads them."""
    o = park.tables.orders
    orders: dict[str, list[tuple[date, int]]] = {}
    for seller, day, amount in zip(
        o.column("seller_uscc").to_pylist(),
        o.column("order_date").to_pylist(),
        o.column("amount_fen").to_pylist(),
        strict=True,
    ):
        orders.setdefault(seller, []).append((day, int(amount)))
    cloud: dict[str, list[tuple[date, float]]] | None = None
    if park.extra is not None and "cloud_usage" in park.extra:
        c = park.extra["cloud_usage"]
        cloud = {}
        for uscc, day, hours in zip(
            c.column("uscc").to_pylist(),
            c.column("day").to_pylist(),
            c.column("compute_hours").to_pylist(),
            strict=True,
        ):
            cloud.setdefault(uscc, []).append((day, float(hours)))
    return ParkBusiness(orders, park_payables(park.tables), park_receivables(park.tables), cloud)


def park_receivables(tables: ParkTables) -> dict[str, list[Payable]]:
    """Each firm's receivables, keyed by its USCC: every invoice it issued (to buyers on the
    platform or off it) with the payments its buyers made on it — the firm's own invoices and
    payments records, what the live job reads (``watch.receivables_of``)."""
    paid: dict[str, list[tuple[date, int]]] = {}
    p = tables.payments
    for invoice_id, day, amount in zip(
        p.column("invoice_id").to_pylist(),
        p.column("paid_date").to_pylist(),
        p.column("amount_fen").to_pylist(),
        strict=True,
    ):
        paid.setdefault(invoice_id, []).append((day, int(amount)))
    out: dict[str, list[Payable]] = {}
    i = tables.invoices
    for invoice_id, seller, due, amount in zip(
        i.column("invoice_id").to_pylist(),
        i.column("seller_uscc").to_pylist(),
        i.column("due_date").to_pylist(),
        i.column("amount_fen").to_pylist(),
        strict=True,
    ):
        out.setdefault(seller, []).append(
            Payable(due, int(amount), tuple(sorted(paid.get(invoice_id, []))))
        )
    return out


def business_of(park: ParkBusiness, uscc: str, daily: DailySeries) -> BusinessDays:
    """One firm's business days, on the days of its machines' series."""
    return business_days(
        daily.first,
        daily.days,
        park.orders.get(uscc, []),
        park.payables.get(uscc, []),
        park.receivables.get(uscc, []),
        park.cloud.get(uscc) if park.cloud is not None else None,
    )
