"""Simulator throughput and memory: readings generated per second and peak memory.

    .venv/bin/python benchmarks/simulate.py                 # 1,000 enterprises x 12 months, 15 min
    .venv/bin/python benchmarks/simulate.py --write         # also write Parquet to a temp dir
    .venv/bin/python benchmarks/simulate.py --quick         # 20 enterprises x 1 month, a smoke run

Without ``--write`` the park is generated and turned into Arrow record batches (telemetry
with injected faults, plus the fault records) but not written: that isolates the generator.
With ``--write`` it goes through ``write_park`` into a temporary directory that is removed
afterwards. A first, ten-times smaller park runs in the same process as the baseline: if the
generator streams in bounded chunks, the peak memory of the big park is about the same as the
small one's (ratio near 1) although it makes ten times the readings.

``readings/s`` is per wall-clock second; ``CPU s`` is the process's CPU time, which says
more on a shared machine. Memory: ``traced peak`` is the peak of Python and numpy
allocations during the run (tracemalloc, reset per run); ``RSS peak`` is the process's
maximum resident set so far (getrusage), which also counts Arrow's buffers and the
interpreter.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from chanrong.simulate import ParkConfig, write_park
from chanrong.simulate import tables as arrow_tables
from chanrong.simulate.service import iter_firm_months, plan_park

console = Console()


@dataclass(frozen=True)
class Run:
    label: str
    readings: int
    seconds: float
    cpu_seconds: float
    traced_peak_mb: float
    rss_peak_mb: float

    @property
    def per_second(self) -> float:
        return self.readings / self.seconds if self.seconds else 0.0


def _rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 1e6


def run(cfg: ParkConfig, label: str, write: bool) -> Run:
    """Generate (and optionally write) one park, watching time and memory."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    began = time.perf_counter()
    cpu_began = time.process_time()
    with Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[points]:>16,} readings"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=cfg.enterprises * cfg.months, points=0)
        if write:
            with tempfile.TemporaryDirectory(prefix="chanrong-bench-sim-") as tmp:

                def on_chunk(done: int, total: int, points: int) -> None:
                    bar.update(task, completed=done, points=points)

                readings = write_park(cfg, Path(tmp) / "park", progress=on_chunk).telemetry_points
        else:
            readings = 0
            plan = plan_park(cfg)
            for done, fm in enumerate(iter_firm_months(plan), start=1):
                batch = arrow_tables.telemetry_batch(fm.clean, fm.delivered)
                arrow_tables.faults_batch(fm.firm.uscc, fm.clean, fm.delivered.faults)
                readings += batch.num_rows
                bar.update(task, completed=done, points=readings)
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu_began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Run(label, readings, seconds, cpu_seconds, peak / 1e6, _rss_mb())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--interval", type=int, default=15, help="minutes between readings")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="also write Parquet (temp dir)")
    parser.add_argument("--quick", action="store_true", help="20 enterprises x 1 month")
    args = parser.parse_args()
    if args.quick:
        args.enterprises, args.months = 20, 1
    big = ParkConfig(
        enterprises=args.enterprises,
        months=args.months,
        interval_minutes=args.interval,
        seed=args.seed,
    ).validated()
    small = big.with_changes(enterprises=max(1, big.enterprises // 10))
    mode = "generate + Parquet write" if args.write else "generate to Arrow batches, no write"
    console.print(
        f"simulator benchmark: {big.enterprises} enterprises x {big.months} months at "
        f"{big.interval_minutes} min ({mode}); baseline {small.enterprises} enterprises"
    )
    runs = [
        run(small, f"baseline {small.enterprises} ent", args.write),
        run(big, f"{big.enterprises} ent", args.write),
    ]
    table = Table(title=f"simulate: {mode}")
    for col in (
        "park",
        "readings",
        "seconds",
        "CPU s",
        "readings/s",
        "traced peak MB",
        "RSS peak MB",
    ):
        table.add_column(col, justify="right")
    for r in runs:
        table.add_row(
            f"{r.label} x {big.months} mo",
            f"{r.readings:,}",
            f"{r.seconds:,.1f}",
            f"{r.cpu_seconds:,.1f}",
            f"{r.per_second:,.0f}",
            f"{r.traced_peak_mb:,.1f}",
            f"{r.rss_peak_mb:,.0f}",
        )
    base, main_run = runs
    table.add_row(
        "ratio big / baseline",
        f"{main_run.readings / max(1, base.readings):.1f}x",
        f"{main_run.seconds / max(1e-9, base.seconds):.1f}x",
        f"{main_run.cpu_seconds / max(1e-9, base.cpu_seconds):.1f}x",
        f"{main_run.per_second / max(1e-9, base.per_second):.2f}x",
        f"{main_run.traced_peak_mb / max(1e-9, base.traced_peak_mb):.2f}x",
        f"{main_run.rss_peak_mb / max(1e-9, base.rss_peak_mb):.2f}x",
    )
    console.print(table)


if __name__ == "__main__":
    main()
