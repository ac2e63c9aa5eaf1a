"""Post-loan early warning on simulated parks: defaulters alerted, lead time, false alarms.

    .venv/bin/python benchmarks/monitoring.py                    # seeds 1-5, 80 firms x 24 months
    .venv/bin/python benchmarks/monitoring.py --seeds 21,22,23   # other held-out seeds
    .venv/bin/python benchmarks/monitoring.py --quick            # 2 seeds x 20 firms x 13 months
    .venv/bin/python benchmarks/monitoring.py --enterprises 300 --loans --cache DIR
        # the bank's loans only: firms the credit decision approves on the watch's first day

The same evaluation as ``chanrong loans evaluate`` (``chanrong.demo.monitoring_evaluation``):
each seed's park is simulated once (a reading every four hours), its telemetry reduced firm by
firm to device days, and every firm replayed day by day from its ninth month to its default
or the park's end. Scored: the monthly bill/order/payment detectors, the machines' score
alone, the daily warning (machines, orders, own payables and receivables in one score: what
the live job raises each day), and monthly or daily whichever first (everything the live job
raises); beside them, as a reference, the simulator's hidden health thresholded. Median lead
is over all defaulters (a late or missing alert counts 0), false alarms are healthy firms
alerted at least once. The scores' weights and thresholds were chosen on seeds 101-105
(``--seeds 101,102,103,104,105`` prints the tuning figures); report on other seeds, per
seed and as mean and worst. ``--cache DIR`` keeps each simulated park there for the next
run (the simulation is most of the time).
It also says how long each park took (wall and CPU seconds), since the evaluation must stay
a few minutes on two shared cores.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chanrong.demo.credit_live import OUTCOMES
from chanrong.demo.monitoring_evaluation import (
    DEFAULT_SEEDS,
    EVALUATION_PARK,
    SeedResult,
    evaluate_seeds,
    parse_seeds,
    seeds_table,
    summary_table,
)

console = Console()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(str(s) for s in DEFAULT_SEEDS))
    parser.add_argument("--enterprises", type=int, default=EVALUATION_PARK.enterprises)
    parser.add_argument("--months", type=int, default=EVALUATION_PARK.months)
    parser.add_argument("--quick", action="store_true", help="2 seeds x 20 firms x 13 months")
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep simulated parks here and reuse them"
    )
    parser.add_argument(
        "--loans",
        action="store_true",
        help="watch only the firms the platform's credit decision approves on the watch's "
        "first day (a bank's loans; the champion is trained on a separate park)",
    )
    args = parser.parse_args()
    seeds = parse_seeds(args.seeds)
    park = EVALUATION_PARK.with_changes(enterprises=args.enterprises, months=args.months)
    if args.quick:
        seeds = seeds[:2]
        park = park.with_changes(enterprises=20, months=13, deteriorating_share=0.5)
    console.print(
        f"{len(seeds)} park(s) of {park.enterprises} firms x {park.months} months, a reading "
        f"every {park.interval_minutes} min, {park.deteriorating_share:.0%} deteriorating"
    )
    results: list[SeedResult] = []
    timing = Table("park", "seconds", "CPU s", title="time per park")
    if args.loans:
        console.print(
            "watched: the loans (firms the credit decision approves on the watch's first day)"
        )
    for_each = evaluate_seeds(seeds, park=park, cache=args.cache, loans=args.loans)
    decided = Table("park", "approve", "refer", "decline", title="credit decisions at origination")
    while True:
        wall, cpu = time.perf_counter(), time.process_time()
        result = next(for_each, None)
        if result is None:
            break
        results.append(result)
        if result.originations is not None:
            decided.add_row(result.park, *(str(result.originations.get(o, 0)) for o in OUTCOMES))
        timing.add_row(
            result.park,
            f"{time.perf_counter() - wall:.1f}",
            f"{time.process_time() - cpu:.1f}",
        )
    if args.loans:
        console.print(decided)
    console.print(seeds_table(results, "per park"))
    console.print(summary_table(results))
    console.print(timing)


if __name__ == "__main__":
    main()
