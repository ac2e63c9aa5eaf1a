"""Use cases of the simulator: plan a park, iterate its telemetry, build it in memory, write it.

The park is generated firm by firm and month by month; each firm-month is a chunk of at
most a few million readings, so memory stays bounded however large the park is. Every
firm has its own random streams, so the output does not depend on how it is chunked.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from chanrong.core.errors import ValidationFailed
from chanrong.core.park_files import PARK_FILES
from chanrong.simulate import tables
from chanrong.simulate.business import expected_output_fen, generate_business, generate_cloud_usage
from chanrong.simulate.calendar import MonthGrid, date_ordinal, month_grid, month_starts
from chanrong.simulate.config import ParkConfig
from chanrong.simulate.faults import FAULT_RECORD_KINDS, FaultyMonth, inject_faults
from chanrong.simulate.health import HealthTruth, simulate_health
from chanrong.simulate.population import Enterprise, build_population
from chanrong.simulate.telemetry import (
    FirmState,
    TelemetryMonth,
    generate_month,
    initial_state,
    metrics_of,
)

# simulate_park keeps everything in memory; past this many readings use write_park.
IN_MEMORY_POINT_LIMIT = 50_000_000
PARQUET_OPTIONS: dict[str, object] = {"compression": "zstd", "write_statistics": True}
Progress = Callable[[int, int, int], None]  # (chunks done, chunks total, readings so far)


@dataclass(frozen=True, slots=True)
class ParkPlan:
    """Everything decided before telemetry: the firms, their health, the month grids."""

    config: ParkConfig
    firms: list[Enterprise]
    truth: HealthTruth
    grids: list[MonthGrid]

    @property
    def month_ordinals(self) -> list[int]:
        return [date_ordinal(g.month) for g in self.grids]

    @property
    def chunks(self) -> int:
        return len(self.firms) * len(self.grids)


def plan_park(config: ParkConfig) -> ParkPlan:
    """Validate ``config`` and draw the park's firms, devices and hidden health."""
    cfg = config.validated()
    firms = build_population(cfg.seed, cfg.enterprises, cfg.core_share, cfg.start)
    truth = simulate_health(cfg.seed, firms, cfg.months, cfg.start.month, cfg.deteriorating_share)
    grids = [month_grid(m, cfg.interval_minutes) for m in month_starts(cfg.start, cfg.months)]
    return ParkPlan(cfg, firms, truth, grids)


def estimate_points(config: ParkConfig) -> int:
    """Clean readings the park will have (before gaps and duplicates), without generating it."""
    plan = plan_park(config)
    slots = sum(g.slots for g in plan.grids)
    per_slot = sum(len(metrics_of(d.kind)) for f in plan.firms for d in f.devices)
    return per_slot * slots


@dataclass(frozen=True, slots=True)
class FirmMonth:
    """One generated chunk: a firm's month, clean and as delivered (with faults)."""

    firm: Enterprise
    month_index: int
    clean: TelemetryMonth
    delivered: FaultyMonth

    @property
    def month_label(self) -> str:
        return f"{self.clean.grid.month:%Y-%m}"


def iter_firm_months(
    plan: ParkPlan, order: Literal["firm", "month"] = "firm"
) -> Iterator[FirmMonth]:
    """Generate every firm-month, firm by firm (bounded memory) or month by month.

    Both orders give identical chunks: each firm's counters carry only within the firm.
    """
    cfg = plan.config
    states: dict[int, FirmState] = {}

    def one(f: Enterprise, m: int) -> FirmMonth:
        state = states.get(f.index) or initial_state(cfg.seed, f)
        states[f.index] = state
        clean = generate_month(
            cfg.seed,
            f,
            m,
            plan.grids[m],
            float(plan.truth.utilisation[f.index, m]),
            float(plan.truth.health[f.index, m]),
            state,
        )
        delivered = inject_faults(cfg.seed, f.index, m, clean, cfg.faults)
        return FirmMonth(f, m, clean, delivered)

    if order == "firm":
        for f in plan.firms:
            for m in range(len(plan.grids)):
                yield one(f, m)
            states.pop(f.index, None)
    else:
        for m in range(len(plan.grids)):
            for f in plan.firms:
                yield one(f, m)


class TelemetryChunk(NamedTuple):
    """One firm-month of delivered telemetry in the contract's long format."""

    uscc: str
    month: str  # YYYY-MM (Asia/Shanghai calendar)
    batch: pa.RecordBatch


def iter_telemetry(config: ParkConfig, *, uscc: str | None = None) -> Iterator[TelemetryChunk]:
    """Telemetry record batches of a park, firm by firm, month by month; with ``uscc``, only
    that firm's (the same chunks, since a firm's counters carry only within the firm, without
    generating the firms before it)."""
    plan = plan_park(config)
    if uscc is not None:
        plan = replace(plan, firms=[f for f in plan.firms if f.uscc == uscc])
    for fm in iter_firm_months(plan):
        yield TelemetryChunk(
            fm.firm.uscc, fm.month_label, tables.telemetry_batch(fm.clean, fm.delivered)
        )


@dataclass(frozen=True, slots=True)
class Park:
    """A whole park in memory as Arrow tables (small parks; large ones go to ``write_park``).

    ``telemetry`` has the contract's columns plus ``uscc`` and ``month`` (the partition keys
    a hive-partitioned read of ``telemetry/`` adds).
    """

    config: ParkConfig
    enterprises: pa.Table
    devices: pa.Table
    telemetry: pa.Table
    orders: pa.Table
    invoices: pa.Table
    payments: pa.Table
    energy: pa.Table
    cloud_usage: pa.Table
    maintenance: pa.Table
    truth_enterprises: pa.Table
    truth_health: pa.Table
    faults: pa.Table


class _Collector:
    """Gathers the by-products of the telemetry pass: energy bills, downtime, faults."""

    def __init__(self, plan: ParkPlan) -> None:
        self.plan = plan
        self.energy: dict[str, list] = {name: [] for name in tables.ENERGY.names}
        self.maintenance: dict[str, list] = {name: [] for name in tables.MAINTENANCE.names}
        self.points = 0
        self.fault_points = np.zeros(len(FAULT_RECORD_KINDS), dtype=np.int64)

    def add(self, fm: FirmMonth) -> pa.RecordBatch:
        t = fm.clean.totals
        row = {
            "uscc": fm.firm.uscc,
            "month": self.plan.month_ordinals[fm.month_index],
            "electricity_kwh": round(t.electricity_kwh, 3),
            "gas_m3": round(t.gas_m3, 3),
            "coal_t": round(t.coal_t, 4),
            "steam_t": round(t.steam_t, 4),
            "cost_fen": t.cost_fen,
            "output_value_fen": t.output_value_fen,
        }
        for k, v in row.items():
            self.energy[k].append(v)
        for k, vals in tables.maintenance_rows(fm.firm.uscc, fm.clean).items():
            self.maintenance[k].extend(vals)
        self.points += int(fm.delivered.ts_us.size)
        f = fm.delivered.faults
        self.fault_points += np.bincount(
            f.kind, weights=f.points, minlength=len(FAULT_RECORD_KINDS)
        ).astype(np.int64)
        return tables.faults_batch(fm.firm.uscc, fm.clean, fm.delivered.faults)

    def fault_points_by_kind(self) -> dict[str, int]:
        return {k: int(n) for k, n in zip(FAULT_RECORD_KINDS, self.fault_points, strict=True)}

    def small_tables(self) -> dict[str, pa.Table]:
        plan = self.plan
        cfg = plan.config
        expected = expected_output_fen(plan.firms, plan.truth, plan.grids)
        biz = generate_business(cfg.seed, plan.firms, plan.truth, plan.grids, expected)
        truth_ent, truth_health = tables.truth_tables(plan.firms, plan.truth, plan.month_ordinals)
        return {
            "enterprises": tables.enterprises_table(plan.firms),
            "devices": tables.devices_table(plan.firms),
            "orders": tables.table(biz.orders, tables.ORDERS),
            "invoices": tables.table(biz.invoices, tables.INVOICES),
            "payments": tables.table(biz.payments, tables.PAYMENTS),
            "energy": tables.table(self.energy, tables.ENERGY),
            "cloud_usage": tables.table(
                generate_cloud_usage(cfg.seed, plan.firms, plan.truth, plan.grids),
                tables.CLOUD_USAGE,
            ),
            "maintenance": tables.table(self.maintenance, tables.MAINTENANCE),
            "truth_enterprises": truth_ent,
            "truth_health": truth_health,
        }


def simulate_park(
    config: ParkConfig,
    *,
    keep_telemetry: bool = True,
    progress: Progress | None = None,
    on_telemetry: Callable[[TelemetryChunk], None] | None = None,
) -> Park:
    """Generate a park entirely in memory.

    With ``keep_telemetry=False`` the telemetry is generated (the energy bills, downtime and
    faults come from it) but not kept, so business data and truth of large parks fit too.
    ``on_telemetry`` is handed each firm-month's delivered telemetry as it is generated (firm
    by firm, months in order), so a caller can reduce it (e.g. to daily figures) in the same
    pass instead of generating the park twice.
    """
    plan = plan_park(config)
    slots = sum(g.slots for g in plan.grids)
    estimate = slots * sum(len(metrics_of(d.kind)) for f in plan.firms for d in f.devices)
    if keep_telemetry and estimate > IN_MEMORY_POINT_LIMIT:
        raise ValidationFailed(
            f"enterprises: about {estimate:,} readings is too many to hold in memory; "
            "write the park to a directory (write_park / --out) or coarsen --interval",
            field="enterprises",
        )
    col = _Collector(plan)
    telemetry: list[pa.Table] = []
    faults: list[pa.RecordBatch] = []
    for done, fm in enumerate(iter_firm_months(plan), start=1):
        faults.append(col.add(fm))
        batch = (
            tables.telemetry_batch(fm.clean, fm.delivered)
            if keep_telemetry or on_telemetry is not None
            else None
        )
        if on_telemetry is not None and batch is not None:
            on_telemetry(TelemetryChunk(fm.firm.uscc, fm.month_label, batch))
        if not keep_telemetry or batch is None:
            if progress:
                progress(done, plan.chunks, col.points)
            continue
        n = batch.num_rows
        telemetry.append(
            pa.Table.from_batches([batch])
            .append_column("uscc", pa.array([fm.firm.uscc] * n, pa.string()))
            .append_column("month", pa.array([fm.month_label] * n, pa.string()))
        )
        if progress:
            progress(done, plan.chunks, col.points)
    small = col.small_tables()
    return Park(
        config=plan.config,
        telemetry=pa.concat_tables(telemetry) if telemetry else _empty_telemetry(),
        faults=pa.Table.from_batches(faults, schema=tables.FAULTS),
        **small,
    )


def _empty_telemetry() -> pa.Table:
    schema = tables.TELEMETRY.append(pa.field("uscc", pa.string())).append(
        pa.field("month", pa.string())
    )
    return schema.empty_table()


@dataclass(frozen=True, slots=True)
class WriteSummary:
    out_dir: Path
    enterprises: int
    defaulted: int
    telemetry_points: int
    telemetry_files: int
    faults: int
    fault_points: dict[str, int]  # readings hit, by fault kind (and counter resets)

    @property
    def clean_points(self) -> int:
        """Readings before gaps removed and duplicates added some."""
        p = self.fault_points
        return self.telemetry_points + p.get("gap", 0) - p.get("duplicate", 0)


_FILE_OF = {
    **PARK_FILES,
    "maintenance": "maintenance.parquet",
    "truth_enterprises": "truth/enterprises.parquet",
    "truth_health": "truth/health_monthly.parquet",
}


def _check_out_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ValidationFailed(f"out: {out} exists and is not a directory", field="out")
    if out.is_dir() and any(out.iterdir()):
        if not overwrite:
            raise ValidationFailed(
                f"out: {out} is not empty; choose an empty directory or pass --overwrite",
                field="out",
            )
        if not (out / "park.json").is_file():
            raise ValidationFailed(
                f"out: {out} holds files that are not a simulated park; refusing to overwrite",
                field="out",
            )


def write_park(
    config: ParkConfig,
    out_dir: Path | str,
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> WriteSummary:
    """Write a park of any size as Parquet under ``out_dir`` (see docs/simulator.md).

    Files are written to a sibling ``.partial`` directory and moved into place only when
    complete, so a failed or interrupted run never leaves a half-written park behind.
    """
    out = Path(out_dir).resolve()
    _check_out_dir(out, overwrite)
    plan = plan_park(config)
    partial = out.with_name(f".{out.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    (partial / "truth").mkdir(parents=True)
    try:
        summary = _write(plan, partial, out, progress)
        if out.exists():
            shutil.rmtree(out)
        os.replace(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return summary


def _write(plan: ParkPlan, dest: Path, final: Path, progress: Progress | None) -> WriteSummary:
    col = _Collector(plan)
    files = 0
    fault_rows = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    with pq.ParquetWriter(
        dest / "truth" / "faults.parquet", tables.FAULTS, **PARQUET_OPTIONS
    ) as fw:  # type: ignore[arg-type]
        for done, fm in enumerate(iter_firm_months(plan), start=1):
            fb = col.add(fm)
            if fb.num_rows:
                pending.append(fb)
                pending_rows += fb.num_rows
                fault_rows += fb.num_rows
            if pending_rows >= 500_000:
                fw.write_table(pa.Table.from_batches(pending, schema=tables.FAULTS))
                pending, pending_rows = [], 0
            part = dest / "telemetry" / f"uscc={fm.firm.uscc}" / f"month={fm.month_label}"
            part.mkdir(parents=True, exist_ok=True)
            batch = tables.telemetry_batch(fm.clean, fm.delivered)
            pq.write_table(
                pa.Table.from_batches([batch]), part / "part-0.parquet", **PARQUET_OPTIONS
            )  # type: ignore[arg-type]
            files += 1
            if progress:
                progress(done, plan.chunks, col.points)
        if pending or fault_rows == 0:
            fw.write_table(pa.Table.from_batches(pending, schema=tables.FAULTS))
    for name, tbl in col.small_tables().items():
        pq.write_table(tbl, dest / _FILE_OF[name], **PARQUET_OPTIONS)  # type: ignore[arg-type]
    cfg = plan.config
    manifest = {
        "generator": "chanrong.simulate",
        "config": {
            "enterprises": cfg.enterprises,
            "months": cfg.months,
            "seed": cfg.seed,
            "interval_minutes": cfg.interval_minutes,
            "start": cfg.start.isoformat(),
            "core_share": cfg.core_share,
            "deteriorating_share": cfg.deteriorating_share,
            "fault_rates": cfg.faults.as_dict(),
        },
        "telemetry_points": col.points,
        "telemetry_files": files,
        "faults": fault_rows,
        "fault_points": col.fault_points_by_kind(),
        "defaulted": int(plan.truth.defaulted.sum()),
    }
    (dest / "park.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return WriteSummary(
        final,
        len(plan.firms),
        int(plan.truth.defaulted.sum()),
        col.points,
        files,
        fault_rows,
        col.fault_points_by_kind(),
    )


def read_park(out_dir: Path | str) -> Park:
    """Read a written park back into memory (telemetry with its ``uscc``/``month`` keys)."""
    import pyarrow.dataset as ds

    out = Path(out_dir)
    manifest = json.loads((out / "park.json").read_text(encoding="utf-8"))
    c = manifest["config"]
    from datetime import date

    from chanrong.simulate.config import FaultRates

    config = ParkConfig(
        enterprises=c["enterprises"],
        months=c["months"],
        seed=c["seed"],
        interval_minutes=c["interval_minutes"],
        start=date.fromisoformat(c["start"]),
        core_share=c["core_share"],
        deteriorating_share=c["deteriorating_share"],
        faults=FaultRates(**c["fault_rates"]),
    )
    part = ds.partitioning(
        pa.schema([("uscc", pa.string()), ("month", pa.string())]), flavor="hive"
    )
    telemetry = ds.dataset(out / "telemetry", format="parquet", partitioning=part).to_table()
    read = {name: pq.read_table(out / path) for name, path in _FILE_OF.items()}
    return Park(
        config=config,
        telemetry=telemetry,
        faults=pq.read_table(out / "truth" / "faults.parquet"),
        **read,
    )


__all__ = [
    "FirmMonth",
    "Park",
    "ParkPlan",
    "TelemetryChunk",
    "WriteSummary",
    "estimate_points",
    "iter_firm_months",
    "iter_telemetry",
    "plan_park",
    "read_park",
    "simulate_park",
    "write_park",
]
