"""``chanrong carbon report``: the simulated park's carbon grades, month by month.

It simulates a park, so it lives with the demo rather than in the carbon domain (no domain
imports the simulator); ``chanrong.cli.main`` attaches it to the ``carbon`` command group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chanrong.demo import carbon_report
from chanrong.edge.commands import console, friendly_errors


@friendly_errors
def report(
    preset: Annotated[str, typer.Option(help="Simulator preset: tiny, demo, default")] = "demo",
    chart: Annotated[Path | None, typer.Option(help="Write the grade chart (PNG) here")] = None,
) -> None:
    """Grade the simulated park month by month and show the distribution."""
    from chanrong.simulate import preset as sim_preset
    from chanrong.simulate import simulate_park

    with console.status("simulating the park…"):
        park = simulate_park(sim_preset(preset), keep_telemetry=False)
    months = carbon_report.assess_tables(park.enterprises, park.energy)
    table = Table("month", *(f"grade {g}" for g in range(1, 6)), title="碳效等级 carbon grades")
    for m in months:
        table.add_row(m.month.strftime("%Y-%m"), *(str(m.counts[g]) for g in range(1, 6)))
    console.print(table)
    if chart:
        console.print(f"chart: {carbon_report.chart(months, chart)}")
