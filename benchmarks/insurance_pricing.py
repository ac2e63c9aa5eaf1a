"""Insurance pricing fitted to claims vs the hand-set quality index, over several simulated
parks: each seed's AUC, Gini and Spearman against the truth, then the mean and the worst seed.

    .venv/bin/python benchmarks/insurance_pricing.py                       # seeds 3,5,7,11,13
    .venv/bin/python benchmarks/insurance_pricing.py --seeds 1,2 --firms 30

The same as ``chanrong insurance pricing --enterprises 60 --seeds 3,5,7,11,13``.
"""

from __future__ import annotations

import argparse
import os
import time

from rich.console import Console

from chanrong.cli.insurance_demo import seeds_table
from chanrong.demo.insurance_pricing import evaluate_seeds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="3,5,7,11,13")
    ap.add_argument("--firms", type=int, default=60)
    args = ap.parse_args()
    seeds = [int(x) for x in args.seeds.split(",")]
    t0 = time.perf_counter()
    summary = evaluate_seeds(args.firms, seeds)
    console = Console(width=200)
    console.print(seeds_table(summary))
    load = os.getloadavg()[0]
    console.print(
        f"{len(seeds)} parks in {time.perf_counter() - t0:.1f} s, load average {load:.1f}"
    )


if __name__ == "__main__":
    main()
