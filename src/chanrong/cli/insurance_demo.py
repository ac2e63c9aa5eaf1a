"""``chanrong insurance report``: does the quality index separate failing machines?

It simulates a park, so it lives with the demo rather than in the insurance domain (no domain
imports the simulator); ``chanrong.cli.main`` attaches it to the ``insurance`` command group.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chanrong.demo import insurance_report
from chanrong.edge.commands import console, friendly_errors


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
        sep = insurance_report.separation(
            insurance_report.device_indices(park.devices, park.telemetry), park.maintenance
        )
    table = Table("devices by true failures", "mean failures", "mean quality index")
    for name, fails, idx in sep.by_tercile:
        table.add_row(name, f"{fails:.2f}", f"{idx:.1f}")
    console.print(table)
    console.print(
        f"{sep.devices} machines · Spearman(index, failures) = {sep.spearman:.3f} · "
        f"AUC for above-median failures = {sep.auc:.3f}"
    )
