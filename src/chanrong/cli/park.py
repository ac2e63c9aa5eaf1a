"""``chanrong telemetry load-park``: load a simulated park (the demo's loader) onto the
platform through the telemetry domain's ingestion doors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chanrong.core.errors import ValidationFailed
from chanrong.demo.park_loader import ParkFormatError, load_park_enterprise, read_tables
from chanrong.edge.commands import console, friendly_errors, settings, unit_of_work
from chanrong.telemetry import service as telemetry


@friendly_errors
def load_park(
    park_dir: Annotated[Path, typer.Argument(help="Output of `chanrong simulate --out`")],
    create_orgs: Annotated[
        bool, typer.Option("--create-orgs", help="Onboard enterprises not yet on the platform")
    ] = False,
) -> None:
    """Load a simulated park: organisations, devices, telemetry and business records."""
    try:
        tables = read_tables(park_dir)
    except ParkFormatError as exc:
        raise ValidationFailed(str(exc), field="park") from None
    enterprises = tables["enterprises"].to_pylist()
    store = telemetry.open_store(settings())
    loaded = skipped = points = 0
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("loading enterprises", total=len(enterprises))
        for e in enterprises:
            # One transaction per enterprise: an interruption keeps what was loaded, and
            # loading again is harmless.
            with unit_of_work() as session:
                res = load_park_enterprise(
                    session, store, park_dir, e, tables, create_org=create_orgs
                )
            if res.org_id is None:
                skipped += 1
            else:
                loaded += 1
                points += res.points
            progress.advance(task)
    console.print(f"[green]loaded[/] {loaded} enterprises, {points:,} telemetry points")
    if skipped:
        console.print(
            f"[yellow]{skipped} enterprises are not on the platform[/] (use --create-orgs)"
        )
