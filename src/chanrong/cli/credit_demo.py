"""The ``chanrong credit`` commands that read a simulated park: train champion and challenger on
it, write a model's validation report on it, store its firms' profiles.

They sit above the domains (a simulated park's outcomes are demo material, ``chanrong.demo``);
``chanrong.cli.main`` attaches them to the credit domain's own command group, under the same
names as ever.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.credit import service
from chanrong.credit.cli import as_date
from chanrong.credit.reasons import feature_label
from chanrong.demo.credit_evaluation import (
    ParkEvaluation,
    aggregate,
    evaluate_park,
    evaluate_seeds,
)
from chanrong.demo.credit_live import GROUPS, LiveSummary
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
    engine: Annotated[
        str | None,
        typer.Option(help="duckdb or spark (default: CHANRONG_PROFILE_ENGINE, else duckdb)"),
    ] = None,
) -> None:
    """Compute and store profiles for every registered enterprise found in a park."""
    day = as_date(as_of, "as_of")
    conf = settings()
    chosen = engine or conf.profile_engine
    with unit_of_work() as session, _progress() as progress:
        task = progress.add_task("profiles", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        stored = service.build_profiles_from_park(
            session,
            park,
            day,
            on_progress=tick,
            engine=chosen,
            spark_master=conf.spark_master,
        )
    console.print(f"[green]stored[/] {len(stored)} profiles as of {day}")


def attach(credit_app: typer.Typer) -> None:
    """Add the park commands to the ``chanrong credit`` group."""
    credit_app.command("train-park")(train_park)
    credit_app.command("validate")(validate)
    credit_app.command("profiles")(profiles)
    credit_app.command("evaluate")(evaluate)


def _pct(x: float) -> str:
    return "—" if math.isnan(x) else f"{x:.0%}"


def _reason_label(code: str) -> str:
    kind, _, name = code.partition("_")
    if kind == "KO":
        return f"knock-out: {name}"
    return f"{feature_label(name, 'zh-CN')} {feature_label(name, 'en')}"


def summary_table(summary: LiveSummary, *, title: str) -> Table:
    """Decisions by the firms' true state, the strongest reasons against, and the AUC."""
    table = Table(title=title)
    for col in ("truth", "firms", "approve", "refer", "decline", "approval rate"):
        table.add_column(col, justify="left" if col == "truth" else "right")
    for group in GROUPS:
        c = summary.counts[group]
        if group == "defaulted before" and not summary.firms(group):
            continue
        table.add_row(
            group,
            str(summary.firms(group)),
            str(c["approve"]),
            str(c["refer"]),
            str(c["decline"]),
            _pct(summary.approval_rate(group)),
        )
    return table


def summary_lines(summary: LiveSummary) -> list[str]:
    """The AUC of the decisions' PD against the truth and the strongest reasons against."""
    reasons = ", ".join(f"{_reason_label(code)} ×{n}" for code, n in summary.top_reasons)
    auc = "—" if math.isnan(summary.auc) else f"{summary.auc:.3f}"
    return [
        f"AUC of the decisions' PD against default within {summary.horizon_days} days of "
        f"{summary.as_of} (the simulator's truth): {auc} over {summary.scored} performing "
        f"firms, {summary.later_defaults} of which defaulted",
        f"top reasons against (refer / decline): {reasons or '—'}",
    ]


def _parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise ValidationFailed("seeds: comma-separated integers", field="seeds") from None
    if not seeds or any(s < 0 for s in seeds):
        raise ValidationFailed("seeds: at least one non-negative integer", field="seeds")
    return seeds


def evaluation_table(results: Sequence[ParkEvaluation]) -> Table:
    """One row per park, then the mean and the worst of each figure."""
    table = Table(title="live decisions against the simulator's truth (champion scorecard)")
    cols = (
        "park",
        "decided on",
        "firms",
        "later defaults",
        "AUC (PD vs default ≤ horizon)",
        "approved: healthy",
        "approved: deteriorating",
        "next-period AUC (training)",
    )
    for col in cols:
        table.add_column(col, justify="left" if col == "park" else "right")
    for r in results:
        s = r.summary
        table.add_row(
            r.park,
            str(s.as_of),
            str(s.scored),
            str(s.later_defaults),
            f"{s.auc:.3f}",
            _pct(s.approval_rate("healthy")),
            _pct(s.approval_rate("deteriorating")),
            f"{r.next_period_auc:.3f}",
        )
    if len(results) > 1:
        auc = aggregate([r.summary.auc for r in results])
        ok = aggregate([r.summary.approval_rate("healthy") for r in results])
        bad = aggregate(
            [r.summary.approval_rate("deteriorating") for r in results], higher_is_better=False
        )
        nxt = aggregate([r.next_period_auc for r in results])
        table.add_section()
        for label, pick in (("mean", "mean"), ("worst", "worst")):
            table.add_row(
                label,
                "",
                "",
                "",
                f"{getattr(auc, pick):.3f}",
                _pct(getattr(ok, pick)),
                _pct(getattr(bad, pick)),
                f"{getattr(nxt, pick):.3f}",
            )
    return table


@friendly_errors
def evaluate(
    park: Annotated[
        Path | None, typer.Option(help="A simulated park of at least 300 firms to evaluate on")
    ] = None,
    seeds: Annotated[
        str | None, typer.Option(help="Simulate and evaluate one park per seed, e.g. 1,2,3,5,7")
    ] = None,
    firms: Annotated[int, typer.Option(help="Firms per simulated park (with --seeds)")] = 300,
    months: Annotated[int, typer.Option(help="Months per simulated park (with --seeds)")] = 24,
    interval: Annotated[int, typer.Option(help="Minutes between readings (with --seeds)")] = 240,
    workdir: Annotated[
        Path | None, typer.Option(help="Where simulated parks are kept (default: a temporary one)")
    ] = None,
    horizon: Annotated[int, typer.Option(help="Default horizon in days")] = 180,
) -> None:
    """Train on a park's early period, decide for every firm as of a later date through the
    decision path, and measure the decisions against the simulator's truth."""
    if (park is None) == (seeds is None):
        raise ValidationFailed("park: give either --park DIR or --seeds", field="park")
    if park is not None:
        with console.status("training, profiling and deciding…"):
            results = [evaluate_park(park, horizon_days=horizon)]
    else:
        chosen = _parse_seeds(seeds or "")
        with contextlib.ExitStack() as stack:
            root = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
            status = stack.enter_context(console.status("…"))
            results = evaluate_seeds(
                chosen,
                firms=firms,
                months=months,
                interval_minutes=interval,
                workdir=root,
                horizon_days=horizon,
                on_step=status.update,
            )
    console.print(evaluation_table(results))
