"""Live credit decisions against the simulator's truth: the AUC of the decisions' PD against
later default, and approvals among healthy and deteriorating firms, over several seeds.

For each seed a park is simulated (300 firms × 24 months, readings every 4 hours, 10 % of the
firms on a deteriorating path: the simulator's default share); champion and challenger are
trained on its early period (as-of dates every other month from month 6, labels ending before
the decision date), the champion is registered and promoted, and every firm still performing
on the decision date (month 18) is decided through the real decision path
(``credit.decisions.scored`` + ``credit.domain.decide`` on the default product); its PD is
measured against default within 180 days in the truth.

    .venv/bin/python benchmarks/credit_live.py                   # seeds 1, 2, 3, 5, 7
    .venv/bin/python benchmarks/credit_live.py --seeds 11,42     # other seeds
    .venv/bin/python benchmarks/credit_live.py --quick           # one small coarse park
    .venv/bin/python benchmarks/credit_live.py --workdir DIR     # keep (and reuse) the parks
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console

from chanrong.cli.credit_demo import evaluation_table
from chanrong.demo.credit_evaluation import evaluate_seeds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one 80-firm park, 12-hourly readings")
    ap.add_argument("--seeds", default="1,2,3,5,7")
    ap.add_argument("--firms", type=int, default=300)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--interval", type=int, default=240, help="minutes between readings")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    firms, interval, share, min_firms = args.firms, args.interval, 0.10, 300
    if args.quick:
        # A smoke run: few firms, coarse readings, more of them failing so there is
        # something to learn from; not a figure to record.
        seeds, firms, interval, share, min_firms = seeds[:1], 80, 720, 0.3, 1
    console = Console()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chanrong-credit-live-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with console.status("…") as status:
            results = evaluate_seeds(
                seeds,
                firms=firms,
                months=args.months,
                interval_minutes=interval,
                workdir=workdir,
                deteriorating_share=share,
                min_firms=min_firms,
                on_step=status.update,
            )
    console.print(evaluation_table(results))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(
        f"{len(results)} park(s) of {firms} firms × {args.months} months at {interval}-minute "
        f"readings, {share:.0%} deteriorating; {time.monotonic() - started:.0f} s, "
        f"peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
