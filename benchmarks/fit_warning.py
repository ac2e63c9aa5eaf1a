"""Fit the daily warning's weights and choose its alert rule on the tuning parks.

    .venv/bin/python benchmarks/fit_warning.py --enterprises 1000 --loans --cache DIR
        # what daily_warning.WARNING_WEIGHTS and WarningConfig's rule were chosen by
    .venv/bin/python benchmarks/fit_warning.py --quick   # 2 tuning seeds x 24 firms x 16 months

Tuning seeds only (101-105, ``monitoring_evaluation.TRAINING_SEEDS``): held-out figures come
from ``benchmarks/monitoring.py`` on other seeds. Each park is simulated (or read from
``--cache``), the watched firms judged once (with ``--loans``, the firms the credit decision
approves on the watch's first day), and for each candidate — the weights in use, and a fit
per ``--horizons`` (a defaulter's last H days against healthy firms' days) — every rule of the
grid is replayed. Of the rules whose worst tuning park alerts at most 8 % of its healthy
firms, the longest mean lead is chosen, across candidates (``monitoring_fitting.choose_rule``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from chanrong.demo.monitoring_evaluation import (
    EVALUATION_PARK,
    TRAINING_SEEDS,
    WARMUP_MONTHS,
)
from chanrong.demo.monitoring_fitting import (
    RuleFigures,
    WatchedDays,
    admissible,
    choose_rule,
    fit_warning,
    watched_days,
)
from chanrong.demo.monitoring_loans import originate
from chanrong.demo.monitoring_parks import simulated
from chanrong.lending.daily_warning import WARNING_WEIGHTS, WarningConfig

console = Console()


def _days(text: str) -> tuple[int, ...]:
    try:
        days = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"horizons: {text!r} is not whole numbers") from None
    if any(d < 1 for d in days):
        raise argparse.ArgumentTypeError("horizons: each at least one day")
    return days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=EVALUATION_PARK.enterprises)
    parser.add_argument(
        "--horizons", type=_days, default="180,270,365", help="days before default: 180,270"
    )
    parser.add_argument("--cache", type=Path, default=None, help="simulated parks kept here")
    parser.add_argument("--loans", action="store_true", help="fit and choose on the loans only")
    parser.add_argument("--quick", action="store_true", help="2 seeds x 24 firms x 16 months")
    args = parser.parse_args()
    horizons: tuple[int, ...] = args.horizons
    park = EVALUATION_PARK.with_changes(enterprises=args.enterprises)
    seeds = TRAINING_SEEDS
    if args.quick:  # a smoke run: too small to choose anything by
        seeds = seeds[:2]
        park = park.with_changes(enterprises=24, months=16, deteriorating_share=0.6)
    wall, cpu = time.perf_counter(), time.process_time()
    parks: list[list[WatchedDays]] = []
    for seed in seeds:
        config = park.with_changes(seed=seed)
        data = simulated(config, args.cache)
        watched = (
            originate(config, warmup_months=WARMUP_MONTHS, cache=args.cache).approved
            if args.loans
            else None
        )
        parks.append(list(watched_days(data, watched=watched, warmup_months=WARMUP_MONTHS)))
        console.print(f"seed {seed}: {len(parks[-1])} firms watched")
    candidates = {"in use": tuple(WARNING_WEIGHTS)} | {
        f"fit, {h} days": fit_warning(parks, horizon_days=h) for h in horizons
    }
    rules = Table(
        "weights", "rule", "median lead mean / worst", "false alarms mean / worst", title="best 5"
    )
    chosen: list[tuple[str, RuleFigures]] = []
    for name, weights in candidates.items():
        console.print(f"{name}: {', '.join(f'{w:g}' for w in weights)}")
        best, rows = choose_rule(parks, weights)
        for r in admissible(rows)[:5]:
            rules.add_row(
                name,
                f"{r.persistence_days} days at {r.threshold:g}",
                f"{r.mean_lead:.2f} / {r.worst_lead:.2f}",
                f"{r.mean_false_alarms:.1%} / {r.worst_false_alarms:.1%}",
            )
        rules.add_section()
        if best is not None:
            chosen.append((name, best))
    console.print(rules)
    if not chosen:
        console.print("no rule keeps the worst tuning park's false alarms at 8 % or under")
    else:
        # The first of equals: the weights in use win a tie.
        name, r = max(chosen, key=lambda c: c[1].preference)
        current = WarningConfig()
        console.print(
            f"chosen: {name}, {r.persistence_days} days at {r.threshold:g} "
            f"(in use: {current.persistence_days} days at {current.threshold:g})"
        )
    console.print(f"took {time.perf_counter() - wall:.0f} s, {time.process_time() - cpu:.0f} CPU s")


if __name__ == "__main__":
    main()
