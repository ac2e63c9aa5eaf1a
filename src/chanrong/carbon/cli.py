"""``chanrong carbon …``: the monthly assessment.

The simulated park's grade report (``chanrong carbon report``) is demo code: it lives in
``chanrong.cli.carbon_demo`` and ``chanrong.cli.main`` attaches it to this group.
"""

from __future__ import annotations

from typing import Annotated

import typer

from chanrong.carbon import service
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
