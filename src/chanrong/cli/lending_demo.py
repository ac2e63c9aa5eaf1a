"""``chanrong loans evaluate`` and ``chanrong loans demo``: lending on a simulated park.

They tell and measure rather than serve, so they live with the demo, not in the lending
domain; ``chanrong.cli.main`` attaches them to the ``loans`` command group.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.demo.lending_evaluation import evaluate as run
from chanrong.demo.lending_evaluation import read_park_dir, simulated_tables
from chanrong.demo.lending_story import DEMO_PARK, run_story
from chanrong.edge.commands import console, friendly_errors, unit_of_work
from chanrong.lending.cli import progress_bar, text_bar
from chanrong.lending.monitoring import Severity
from chanrong.simulate.config import ParkConfig


@friendly_errors
def evaluate(
    park: Annotated[
        Path | None, typer.Option(help="A park written by `chanrong simulate --out`")
    ] = None,
    enterprises: Annotated[int, typer.Option(help="Simulate a park of this many firms")] = 150,
    months: Annotated[int, typer.Option()] = 24,
    seed: Annotated[int, typer.Option()] = 7,
    deteriorating: Annotated[float, typer.Option(help="Share of firms on a declining path")] = 0.3,
    min_severity: Annotated[str, typer.Option(help="low | medium | high")] = "medium",
) -> None:
    """How many months before default the alerts fire, and the false-alarm rate (simulated park)."""
    try:
        level = Severity(min_severity)
    except ValueError:
        raise ValidationFailed(
            "min_severity: one of low, medium, high", field="min_severity"
        ) from None
    with progress_bar() as bar:
        if park is not None:
            tables = read_park_dir(park)
        else:
            task = bar.add_task("simulating", total=None)
            cfg = ParkConfig(
                enterprises=enterprises,
                months=months,
                seed=seed,
                interval_minutes=240,
                deteriorating_share=deteriorating,
            ).validated()
            tables = simulated_tables(cfg)
            bar.update(task, total=1, completed=1)
        task = bar.add_task("watching borrowers", total=tables.enterprises.num_rows)
        report = run(
            tables, min_severity=level, progress=lambda n, _t: bar.update(task, completed=n)
        )
    t = Table("measure", "value", title=f"贷后预警 on the simulated park (alerts ≥ {level.value})")
    t.add_row("months watched (after 8 months of baseline)", str(report.months_watched))
    t.add_row("defaulted borrowers watched", str(len(report.defaulted)))
    t.add_row("alerted before default", f"{len(report.caught)} ({report.detection_rate:.0%})")
    median = report.median_lead_months
    t.add_row("median months from first alert to default", "-" if median is None else f"{median:g}")
    t.add_row(
        "mean months from first alert to default",
        f"{report.mean_lead_months:.1f}" if report.mean_lead_months is not None else "-",
    )
    t.add_row("healthy borrowers", str(len(report.healthy)))
    t.add_row("false-alarm rate among healthy borrowers", f"{report.false_alarm_rate:.1%}")
    console.print(t)
    caught = Counter(k for o in report.caught for k in o.first_kinds)
    false = Counter(k for o in report.healthy if o.first_alert for k in o.first_kinds)
    if caught or false:
        by_kind = Table(
            "detector", "first alert before a default", "false alarms", title="by detector"
        )
        for kind in sorted(set(caught) | set(false)):
            by_kind.add_row(kind, str(caught.get(kind, 0)), str(false.get(kind, 0)))
        console.print(by_kind)
    leads = [o.lead_months for o in report.caught if o.lead_months is not None]
    if leads:
        peak = max(leads.count(k) for k in set(leads))
        h = Table("months before default", "borrowers", "", title="lead time")
        for k in range(max(leads), -1, -1):
            h.add_row(
                str(k), str(leads.count(k)), f"[green]{text_bar(leads.count(k), peak, 20)}[/]"
            )
        console.print(h)


@friendly_errors
def demo(seed: Annotated[int, typer.Option(help="Park seed")] = 11) -> None:
    """A loan going delinquent after its borrower's machines slow down, and the alert first."""
    with unit_of_work() as s, progress_bar() as bar:
        task = bar.add_task("preparing", total=None)

        def tick(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        try:
            story = run_story(s, config=DEMO_PARK.with_changes(seed=seed), progress=tick)
        except LookupError as exc:
            raise ValidationFailed(f"seed: {exc}", field="seed") from None
    console.print(f"[bold]{story.name}[/] ({story.uscc}) — loan {story.loan_id}")
    t = Table("date", "event", "detail")
    for e in story.events:
        style = "red" if "alert" in e.what or "delinquent" in e.what else ""
        t.add_row(e.on.isoformat(), f"[{style}]{e.what}[/]" if style else e.what, e.detail)
    console.print(t)
    if story.evidence:
        peak = max(float(str(p.get("baseline", 0))) for p in story.evidence) or 1.0
        c = Table(
            "month",
            "output vs its seasonal baseline (yuan)",
            title="the evidence of the first alert",
        )
        for p in story.evidence:
            value = float(str(p["value"]))
            base = float(str(p.get("baseline", 0)))
            c.add_row(
                str(p["period"]),
                f"[cyan]{'█' * round(30 * value / peak)}[/] {value:,.0f} / {base:,.0f}",
            )
        console.print(c)
    if story.lead_days is not None:
        console.print(
            f"the first alert came [bold]{story.lead_days} days[/] before the loan went delinquent"
        )
