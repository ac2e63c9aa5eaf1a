"""``chanrong credit train``: champion and challenger from the platform's own outcomes.

Which decisions became loans is lending's knowledge and the outcomes are credit's; this command
sits above both domains (credit does not import lending, lending imports credit) and hands
lending's booked decisions to credit's training. ``chanrong.cli.main`` attaches it to the
credit domain's command group.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import ValidationFailed
from chanrong.credit import service
from chanrong.credit.cli import as_date
from chanrong.edge.commands import console, friendly_errors, settings, unit_of_work
from chanrong.lending import service as lending


@friendly_errors
def train(
    source: Annotated[str, typer.Option(help="platform (simulated-park: see train-park)")],
    horizon: Annotated[int, typer.Option(help="Default horizon in days")] = 365,
    name: Annotated[str, typer.Option(help="Model name in the registry")] = "sme-operating",
    as_of: Annotated[str, typer.Option(help="Read outcomes as of (default today)")] = "",
    min_outcomes: Annotated[int, typer.Option(help="Fewest labelled outcomes")] = 100,
    min_bads: Annotated[int, typer.Option(help="Fewest defaulters")] = 10,
) -> None:
    """Train champion and challenger from booked loans and their defaults (platform outcomes)."""
    if source == "simulated-park":
        raise ValidationFailed(
            "source: a simulated park is trained with `chanrong credit train-park --park DIR`",
            field="source",
        )
    if source != "platform":
        raise ValidationFailed("source: platform or simulated-park", field="source")
    today = as_date(as_of, "as_of") if as_of else shanghai_date(utcnow())
    with unit_of_work() as session, console.status("platform outcomes, fitting…"):
        run = service.train_from_platform(
            session,
            settings(),
            lending.booked_decisions(session),
            today=today,
            horizon_days=horizon,
            name=name,
            min_outcomes=min_outcomes,
            min_bads=min_bads,
        )
    c, t = run.counts, run.trained
    console.print(
        f"{c.booked} booked decisions; {c.observed} with a recorded profile; "
        f"{c.censored} censored (younger than {horizon} days, no default); "
        f"{c.bads} defaulted, {c.goods} did not"
    )
    table = Table("model", "state", "source", "train rows", "test rows", "next-period AUC")
    for entry, auc in ((t.champion, t.champion_auc), (t.challenger, t.challenger_auc)):
        table.add_row(
            entry.ref,
            entry.state.value,
            "platform",
            str(t.train_rows),
            str(t.test_rows),
            f"{auc:.3f}",
        )
    console.print(table)
    console.print(f"training data SHA-256 {t.champion.manifest['training_data_sha256']}")


def attach(credit_app: typer.Typer) -> None:
    """Add ``train`` to the ``chanrong credit`` group."""
    credit_app.command("train")(train)
