"""``chanrong insurance report``: does the quality index separate failing machines?

It simulates a park, so it lives with the demo rather than in the insurance domain (no domain
imports the simulator); ``chanrong.cli.main`` attaches it to the ``insurance`` command group.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chanrong.demo import insurance_report
from chanrong.demo.insurance_pricing import METRICS, SeedsSummary
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


@friendly_errors
def pricing(
    enterprises: Annotated[int, typer.Option(help="Firms in the simulated park")] = 60,
    seed: Annotated[int, typer.Option(help="Simulator seed")] = 7,
    seeds: Annotated[
        str | None,
        typer.Option(help="Several seeds, e.g. 3,5,7,11,13: each seed's row, mean and worst"),
    ] = None,
) -> None:
    """Fit the claims-calibrated pricing GLM on a simulated park's first policy year and
    compare it with the hand-set quality index on the second (against claims and the truth)."""
    from chanrong.demo.insurance_pricing import evaluate, evaluate_seeds, simulated_book

    if enterprises < 5:
        raise typer.BadParameter("at least 5", param_hint="--enterprises")
    if seeds is not None:
        try:
            many = [int(x) for x in seeds.split(",") if x.strip()]
        except ValueError:
            raise typer.BadParameter(
                "seeds: whole numbers, comma-separated", param_hint="--seeds"
            ) from None
        if not many:
            raise typer.BadParameter("seeds: give at least one", param_hint="--seeds")
        with console.status(f"simulating claims and fitting on {len(many)} parks…"):
            summary = evaluate_seeds(enterprises, many)
        console.print(seeds_table(summary))
        return
    with console.status("simulating claims and fitting…"):
        ev = evaluate(simulated_book(enterprises, seed=seed))
    doc = ev.to_json()
    table = Table("year-two machines", "AUC (any claim)", "Gini (paid)", "Spearman vs truth")
    for name, key in (("claims-fitted GLM", "model"), ("hand-set index", "handset")):
        row = doc[key]
        table.add_row(name, f"{row['auc']}", f"{row['gini']}", f"{row['spearman_truth']}")
    console.print(table)
    console.print(
        f"fitted on {ev.train_rows} machine-years with {ev.train_claims} claims; "
        f"validated on {ev.model_validation.rows} with {ev.model_validation.claims} claims"
    )


def seeds_table(summary: SeedsSummary) -> Table:
    """Each seed's figures for the fitted model and the hand-set index, then mean and worst."""
    table = Table(
        "seed",
        "train machine-years",
        "train claims",
        "test claims",
        "GLM AUC",
        "GLM Gini",
        "GLM Spearman",
        "index AUC",
        "index Gini",
        "index Spearman",
        title=f"claims-fitted GLM vs hand-set index, {summary.enterprises} firms per park",
    )
    for r in summary.rows:
        m, h = r["model"], r["handset"]
        table.add_row(
            str(r["seed"]),
            f"{r['train_rows']:,}",
            f"{r['train_claims']:,}",
            f"{r['test_claims']:,}",
            *(f"{m[k]:.3f}" for k in METRICS),
            *(f"{h[k]:.3f}" for k in METRICS),
        )
    for how in ("mean", "worst"):
        table.add_row(
            how,
            "",
            "",
            "",
            *(f"{summary.stat('model', k, how):.3f}" for k in METRICS),
            *(f"{summary.stat('handset', k, how):.3f}" for k in METRICS),
        )
    table.add_row(
        "gain (GLM − index): mean / worst",
        "",
        "",
        "",
        *(
            f"{summary.stat('gain', k, 'mean'):+.3f} / {summary.stat('gain', k, 'worst'):+.3f}"
            for k in METRICS
        ),
        "",
        "",
        "",
    )
    return table
