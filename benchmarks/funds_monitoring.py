"""A fund's portfolio alerts (投后预警) on simulated parks: lead time before default, false alarms.

    .venv/bin/python benchmarks/funds_monitoring.py                   # seeds 11-15, 20 x 24
    .venv/bin/python benchmarks/funds_monitoring.py --seeds 21,22     # other seeds
    .venv/bin/python benchmarks/funds_monitoring.py --enterprises 10  # a smaller park

Each seed's park is simulated, loaded onto a fresh migrated SQLite platform, a VC fund invests
in every firm, every firm grants ``investment_monitoring``, and the fund's monitoring pass (the
worker job's use case, storing alerts) runs at each month's end; the stored alerts are judged
against the simulator's truth (``chanrong.demo.funds_evaluation`` states the definitions).
Prints per seed, mean and worst, the time per park and the load average.
"""

from __future__ import annotations

import argparse
import os
import time

from rich.console import Console
from rich.table import Table

from _db import migrated_database
from chanrong.demo.funds_evaluation import (
    DEFAULT_SEEDS,
    EVALUATION_PARK,
    FundParkResult,
    evaluate_seed,
    seeds_table,
    summary_table,
)
from chanrong.demo.monitoring_evaluation import parse_seeds

console = Console(width=140)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seeds", default=",".join(str(s) for s in DEFAULT_SEEDS))
    parser.add_argument("--enterprises", type=int, default=EVALUATION_PARK.enterprises)
    parser.add_argument("--months", type=int, default=EVALUATION_PARK.months)
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    park = EVALUATION_PARK.with_changes(enterprises=args.enterprises, months=args.months)
    console.print(
        f"{len(seeds)} park(s) of {park.enterprises} firms x {park.months} months, "
        f"{park.deteriorating_share:.0%} deteriorating; load average {os.getloadavg()}"
    )
    results: list[FundParkResult] = []
    timing = Table("seed", "seconds", "CPU s", title="time per park")
    for seed in seeds:
        wall, cpu = time.perf_counter(), time.process_time()
        with migrated_database("sqlite", f"funds-{seed}") as db:
            results.append(evaluate_seed(db, seed, park=park, progress=console.print))
        timing.add_row(
            str(seed), f"{time.perf_counter() - wall:.1f}", f"{time.process_time() - cpu:.1f}"
        )
    console.print(seeds_table(results))
    console.print(summary_table(results))
    console.print(timing)
    console.print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
