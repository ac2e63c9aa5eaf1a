"""``chanrong carbon …``: the monthly assessment and the simulated park's grade report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chanrong.carbon import park_report, service
from chanrong.core.clock import parse_month
from chanrong.edge.commands import console, friendly_errors, unit_of_work

app = typer.Typer(
    help="Carbon-efficiency code 工业碳效码",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.command("assess")
@friendly_errors
def assess(period: Annotated[str, typer.Option(help="Month, YYYY-MM")]) -> None:
    """Compute every enterprise's carbon code for a month from its energy bills."""
    first = parse_month(period)
    with unit_of_work() as session:
        rows = service.assess_month_as_pipeline(session, first)
    counts = {g: sum(r.grade == g for r in rows) for g in range(1, 6)}
    console.print(f"assessed {len(rows)} enterprises for {period}: grades {counts}")


@app.command("report")
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
    months = park_report.assess_tables(park.enterprises, park.energy)
    table = Table("month", *(f"grade {g}" for g in range(1, 6)), title="碳效等级 carbon grades")
    for m in months:
        table.add_row(m.month.strftime("%Y-%m"), *(str(m.counts[g]) for g in range(1, 6)))
    console.print(table)
    if chart:
        console.print(f"chart: {park_report.chart(months, chart)}")
