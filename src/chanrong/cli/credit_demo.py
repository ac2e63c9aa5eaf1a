"""The ``chanrong credit`` commands that read a simulated park: train champion and challenger on
it, write a model's validation report on it, store its firms' profiles.

They sit above the domains (a simulated park's outcomes are demo material, ``chanrong.demo``);
``chanrong.cli.main`` attaches them to the credit domain's own command group, under the same
names as ever.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.credit import service
from chanrong.credit.cli import as_date
from chanrong.demo.park_outcomes import ParkOutcomes
from chanrong.edge.commands import console, friendly_errors, settings, unit_of_work


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    )


@friendly_errors
def train_park(
    park: Annotated[Path, typer.Option(help="Simulated park directory (Parquet)")],
    train_from: Annotated[str, typer.Option(help="First as-of month of the training period")],
    months: Annotated[int, typer.Option(help="Months in each period")] = 6,
    horizon: Annotated[int, typer.Option(help="Default horizon in days")] = 180,
    name: Annotated[str, typer.Option(help="Model name in the registry")] = "sme-operating",
) -> None:
    """Train champion and challenger on one period of a park; rank the next period."""
    if not (park / "enterprises.parquet").exists():
        raise ValidationFailed(f"park: no simulated park at {park}", field="park")
    if not 1 <= months <= 60:
        raise ValidationFailed("months: 1 to 60", field="months")
    dates = service.month_starts(as_date(train_from, "train_from"), 2 * months)
    with _progress() as progress:
        task = progress.add_task("profiles (Ibis on DuckDB)", total=3)
        train, test = service.training_frames(
            ParkOutcomes(park),
            train_dates=dates[:months],
            test_dates=dates[months:],
            horizon_days=horizon,
        )
        progress.update(task, advance=1, description="fitting scorecard and LightGBM")
        result = service.train_on_frames(
            settings(), name, train, test, description=f"park {park.name}"
        )
        progress.update(task, advance=2, description="registered")
    table = Table("model", "state", "train rows", "next-period rows", "next-period AUC")
    for entry, auc in (
        (result.champion, result.champion_auc),
        (result.challenger, result.challenger_auc),
    ):
        table.add_row(
            entry.ref,
            entry.state.value,
            str(result.train_rows),
            str(result.test_rows),
            f"{auc:.4f}",
        )
    console.print(table)


@friendly_errors
def validate(
    ref: Annotated[str, typer.Argument(help="name@version")],
    park: Annotated[Path, typer.Option(help="Simulated park directory")],
    dev_from: Annotated[str, typer.Option(help="First as-of month of the development period")],
    months: Annotated[int, typer.Option()] = 6,
    horizon: Annotated[int, typer.Option()] = 180,
    out: Annotated[Path, typer.Option(help="HTML report to write")] = Path("validation.html"),
) -> None:
    """Write the HTML validation report of a model: development vs the following period."""
    dates = service.month_starts(as_date(dev_from, "dev_from"), 2 * months)
    with _progress() as progress:
        task = progress.add_task("profiles", total=2)
        dev, recent = service.training_frames(
            ParkOutcomes(park),
            train_dates=dates[:months],
            test_dates=dates[months:],
            horizon_days=horizon,
        )
        progress.update(task, advance=1, description="measuring and drawing")
        v = service.validate_model(settings(), ref, dev, recent)
        out.write_text(v.html, encoding="utf-8")
        progress.update(task, advance=1, description="written")
    recent_auc = v.recent["AUC"] if v.recent else float("nan")
    console.print(f"AUC dev {v.dev['AUC']:.4f}, recent {recent_auc:.4f}, PSI {v.psi:.4f} → {out}")


@friendly_errors
def profiles(
    park: Annotated[Path, typer.Option(help="Simulated park directory")],
    as_of: Annotated[str, typer.Option(help="Profile date")],
) -> None:
    """Compute and store profiles for every registered enterprise found in a park."""
    day = as_date(as_of, "as_of")
    with unit_of_work() as session, _progress() as progress:
        task = progress.add_task("profiles", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        stored = service.build_profiles_from_park(session, park, day, on_progress=tick)
    console.print(f"[green]stored[/] {len(stored)} profiles as of {day}")


def attach(credit_app: typer.Typer) -> None:
    """Add the park commands to the ``chanrong credit`` group."""
    credit_app.command("train-park")(train_park)
    credit_app.command("validate")(validate)
    credit_app.command("profiles")(profiles)
