"""``chanrong credit`` commands: train, list, promote, validate models; build profiles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.credit import service
from chanrong.edge.commands import console, friendly_errors, settings, unit_of_work

app = typer.Typer(
    help="Credit models and profiles 信用模型与画像",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    )


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field
        ) from None


@app.command("train-park")
@friendly_errors
def train_park(
    park: Annotated[Path, typer.Option(help="Simulated park directory (Parquet)")],
    train_from: Annotated[str, typer.Option(help="First as-of month of the training period")],
    months: Annotated[int, typer.Option(help="Months in each period")] = 6,
    horizon: Annotated[int, typer.Option(help="Default horizon in days")] = 180,
    name: Annotated[str, typer.Option(help="Model name in the registry")] = "sme-operating",
) -> None:
    """Train champion and challenger on one period of a park; rank the next period."""
    from chanrong.credit.outcomes import month_starts

    if not (park / "enterprises.parquet").exists():
        raise ValidationFailed(f"park: no simulated park at {park}", field="park")
    if not 1 <= months <= 60:
        raise ValidationFailed("months: 1 to 60", field="months")
    dates = month_starts(_date(train_from, "train_from"), 2 * months)
    with _progress() as progress:
        task = progress.add_task("profiles (Ibis on DuckDB)", total=3)
        train, test = service.park_training_frames(
            park, train_dates=dates[:months], test_dates=dates[months:], horizon_days=horizon
        )
        progress.update(task, advance=1, description="fitting scorecard and LightGBM")
        result = service.train_on_frames(
            settings(), name, train, test, description=f"park {park.name}"
        )
        progress.update(task, advance=2, description="registered")
    table = Table("model", "state", "train rows", "next-period rows", "next-period AUC")
    table.add_row(
        result.champion.ref,
        result.champion.state.value,
        str(result.train_rows),
        str(result.test_rows),
        f"{result.champion_auc:.4f}",
    )
    table.add_row(
        result.challenger.ref,
        result.challenger.state.value,
        str(result.train_rows),
        str(result.test_rows),
        f"{result.challenger_auc:.4f}",
    )
    console.print(table)


@app.command("models")
@friendly_errors
def models() -> None:
    """List registered model versions and their approval state."""
    table = Table("model", "kind", "state", "features", "manifest SHA-256")
    for e in service.model_registry(settings()).entries():
        table.add_row(
            e.ref,
            e.kind,
            e.state.value,
            str(len(e.manifest.get("features", []))),
            e.manifest_sha256[:16] + "…",
        )
    console.print(table)


@app.command("promote")
@friendly_errors
def promote(
    ref: Annotated[str, typer.Argument(help="name@version")],
    to: Annotated[str, typer.Option(help="approved | champion | retired")],
) -> None:
    """Move a model version along candidate → approved → champion (logged)."""
    with unit_of_work() as session:
        entry = service.promote(session, settings(), ref, to=to)
    console.print(f"[green]{entry.ref}[/] is now {entry.state.value}")


@app.command("validate")
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
    from chanrong.credit.features import FEATURES
    from chanrong.credit.outcomes import month_starts
    from chanrong.credit.validation import validate as run

    dates = month_starts(_date(dev_from, "dev_from"), 2 * months)
    with _progress() as progress:
        task = progress.add_task("profiles", total=2)
        dev, recent = service.park_training_frames(
            park, train_dates=dates[:months], test_dates=dates[months:], horizon_days=horizon
        )
        progress.update(task, advance=1, description="measuring and drawing")
        _, model = service.load_model(service.model_registry(settings()), ref)
        cols = list(FEATURES)
        v = run(
            model, ref, dev[cols], dev["bad"].to_numpy(), recent[cols], recent["bad"].to_numpy()
        )
        out.write_text(v.html, encoding="utf-8")
        progress.update(task, advance=1, description="written")
    recent_auc = v.recent["AUC"] if v.recent else float("nan")
    console.print(f"AUC dev {v.dev['AUC']:.4f}, recent {recent_auc:.4f}, PSI {v.psi:.4f} → {out}")


@app.command("profiles")
@friendly_errors
def profiles(
    park: Annotated[Path, typer.Option(help="Simulated park directory")],
    as_of: Annotated[str, typer.Option(help="Profile date")],
) -> None:
    """Compute and store profiles for every registered enterprise found in a park."""
    day = _date(as_of, "as_of")
    with unit_of_work() as session, _progress() as progress:
        task = progress.add_task("profiles", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        stored = service.build_profiles_from_park(session, park, day, on_progress=tick)
    console.print(f"[green]stored[/] {len(stored)} profiles as of {day}")


@app.command("profile")
@friendly_errors
def profile(
    org: Annotated[str, typer.Option(help="Enterprise organisation id")],
    as_of: Annotated[str, typer.Option(help="Profile date")],
) -> None:
    """Compute and store one enterprise's profile from the platform's own data."""
    from chanrong.credit.features import FEATURES
    from chanrong.credit.reasons import feature_label

    day = _date(as_of, "as_of")
    with unit_of_work() as session, console.status("profile (Ibis on DuckDB)…"):
        snap = service.build_profile_from_platform(session, settings(), org, day)
        table = Table("feature", "特征", "value")
        for name in FEATURES:
            value = snap.features.get(name)
            table.add_row(
                name, feature_label(name, "zh-CN"), "—" if value is None else f"{value:.4g}"
            )
    console.print(table)
