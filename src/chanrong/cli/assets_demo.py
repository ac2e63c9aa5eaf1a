"""``chanrong assets evaluate``: does the borrowing base fall before default? (demo code:
simulated parks against their truth; ``chanrong.cli.main`` attaches it to the assets group)."""

from __future__ import annotations

import statistics
from typing import Annotated

import typer
from rich.table import Table

from chanrong.demo.assets_evaluation import SeedResult, evaluate_seed
from chanrong.edge.commands import console, friendly_errors


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


@friendly_errors
def evaluate(
    seeds: Annotated[str, typer.Option(help="Comma-separated park seeds")] = "1,2,3,4,5",
    enterprises: Annotated[int, typer.Option(help="Firms per park")] = 60,
    months: Annotated[int, typer.Option(help="Months simulated")] = 18,
) -> None:
    """Margin alerts from receivable/order pools on simulated parks: defaulters alerted before
    default, median lead, healthy firms alerted."""
    results: list[SeedResult] = []
    with console.status("simulating parks…"):
        for s in (int(x) for x in seeds.split(",") if x.strip()):
            results.append(evaluate_seed(s, enterprises=enterprises, months=months))
    table = Table(title="Pool margin alerts against the simulator's truth")
    for col in (
        "seed",
        "firms",
        "defaulters",
        "alerted before default",
        "median lead (days)",
        "healthy alerted",
    ):
        table.add_column(col, justify="right")
    for r in results:
        table.add_row(
            str(r.seed),
            str(r.firms),
            str(r.defaulters),
            f"{r.alerted_before_default} ({_pct(r.detection)})",
            "—" if r.median_lead_days is None else f"{r.median_lead_days:.0f}",
            f"{r.healthy_alerted}/{r.healthy} ({_pct(r.false_alarm)})",
        )
    det = [r.detection for r in results if r.detection is not None]
    fa = [r.false_alarm for r in results if r.false_alarm is not None]
    leads = [r.median_lead_days for r in results if r.median_lead_days is not None]
    table.add_row(
        "mean",
        "",
        "",
        _pct(statistics.mean(det) if det else None),
        f"{statistics.mean(leads):.0f}" if leads else "—",
        _pct(statistics.mean(fa) if fa else None),
    )
    console.print(table)
