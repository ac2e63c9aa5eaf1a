"""``chanrong insurance report``: does the quality index separate failing machines?"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chanrong.edge.commands import console, friendly_errors
from chanrong.insurance import park_report

app = typer.Typer(
    help="Equipment insurance 设备保险", no_args_is_help=True, pretty_exceptions_show_locals=False
)


@app.command("report")
@friendly_errors
def report(
    preset: Annotated[str, typer.Option(help="Simulator preset: tiny, demo, default")] = "demo",
) -> None:
    """Index every machine of a simulated park and compare with the failures it really had."""
    from chanrong.simulate import preset as sim_preset
    from chanrong.simulate import simulate_park

    with console.status("simulating the park…"):
        park = simulate_park(sim_preset(preset))
    with console.status("indexing machines…"):
        sep = park_report.separation(
            park_report.device_indices(park.devices, park.telemetry), park.maintenance
        )
    table = Table("devices by true failures", "mean failures", "mean quality index")
    for name, fails, idx in sep.by_tercile:
        table.add_row(name, f"{fails:.2f}", f"{idx:.1f}")
    console.print(table)
    console.print(
        f"{sep.devices} machines · Spearman(index, failures) = {sep.spearman:.3f} · "
        f"AUC for above-median failures = {sep.auc:.3f}"
    )
