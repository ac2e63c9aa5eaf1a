"""``chanrong credit`` commands: list and promote models; build a profile from the platform's data.

The commands that read a simulated park (``train-park``, ``validate``, ``profiles``) are
attached to this app by ``chanrong.cli.credit_demo``: no domain reads the simulator.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.credit import service
from chanrong.edge.commands import console, friendly_errors, settings, unit_of_work

app = typer.Typer(
    help="Credit models and profiles 信用模型与画像",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def as_date(value: str, field: str) -> date:
    """A command-line date, or an error naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field
        ) from None


@app.command("models")
@friendly_errors
def models() -> None:
    """List registered model versions and their approval state."""
    table = Table("model", "kind", "state", "source", "features", "manifest SHA-256")
    for e in service.model_registry(settings()).entries():
        table.add_row(
            e.ref,
            e.kind,
            e.state.value,
            str(e.manifest.get("source", "—")),
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


@app.command("profile")
@friendly_errors
def profile(
    org: Annotated[str, typer.Option(help="Enterprise organisation id")],
    as_of: Annotated[str, typer.Option(help="Profile date")],
) -> None:
    """Compute and store one enterprise's profile from the platform's own data."""
    from chanrong.credit.features import FEATURES
    from chanrong.credit.reasons import feature_label

    day = as_date(as_of, "as_of")
    with unit_of_work() as session, console.status("profile (Ibis on DuckDB)…"):
        snap = service.build_profile_from_platform(session, settings(), org, day)
        table = Table("feature", "特征", "value")
        for name in FEATURES:
            value = snap.features.get(name)
            table.add_row(
                name, feature_label(name, "zh-CN"), "—" if value is None else f"{value:.4g}"
            )
    console.print(table)


@app.command("monitor")
@friendly_errors
def monitor(
    ref: Annotated[str, typer.Argument(help="name@version")],
    as_of: Annotated[str, typer.Option(help="Last day of the window (default today)")] = "",
    window: Annotated[int, typer.Option(help="Days of live applications")] = 30,
) -> None:
    """PSI of a model's score and CSI of each characteristic: live applications against the
    development sample (stored; warning above 0.1, alert above 0.25)."""
    from chanrong.core.clock import shanghai_date, utcnow

    day = as_date(as_of, "as_of") if as_of else shanghai_date(utcnow())
    with unit_of_work() as session:
        row = service.monitor(session, settings(), ref, as_of=day, window_days=window)
        psi = None if row.psi is None else float(row.psi)
        csi = dict(row.csi)
        level, n = row.level, row.applications
    colour = {"stable": "green", "warning": "yellow", "alert": "red"}[level]
    console.print(
        f"{ref}: [{colour}]{level}[/] — PSI "
        f"{'—' if psi is None else f'{psi:.4f}'} on {n} applications, {window} days to {day}"
    )
    table = Table("characteristic", "CSI")
    for name, value in sorted(csi.items(), key=lambda kv: -kv[1]):
        table.add_row(name, f"{value:.4f}")
    console.print(table)
