"""``chanrong loans evaluate`` and ``chanrong loans demo``: lending on a simulated park.

They tell and measure rather than serve, so they live with the demo, not in the lending
domain; ``chanrong.cli.main`` attaches them to the ``loans`` command group.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.demo.lending_story import DEMO_PARK, WATCH_JOB, run_story
from chanrong.demo.monitoring_evaluation import (
    DEFAULT_SEEDS,
    EVALUATION_PARK,
    TRAINING_SEEDS,
    SeedResult,
    evaluate_park,
    evaluate_seeds,
    parse_seeds,
    score_all,
    seeds_table,
    summary_table,
)
from chanrong.demo.monitoring_parks import read_park_with_telemetry
from chanrong.edge.commands import console, friendly_errors, settings
from chanrong.lending.cli import progress_bar
from chanrong.lending.monitoring import Severity
from chanrong.storage.database import Database


@friendly_errors
def evaluate(
    park: Annotated[
        Path | None,
        typer.Option(help="One park written by `chanrong simulate --out` instead of --seeds"),
    ] = None,
    seeds: Annotated[
        str, typer.Option(help="Simulate one park per seed (comma-separated)")
    ] = ",".join(str(s) for s in DEFAULT_SEEDS),
    enterprises: Annotated[int, typer.Option(help="Firms per simulated park")] = (
        EVALUATION_PARK.enterprises
    ),
    months: Annotated[int, typer.Option()] = EVALUATION_PARK.months,
    interval: Annotated[
        int, typer.Option(help="Minutes between readings")
    ] = EVALUATION_PARK.interval_minutes,
    deteriorating: Annotated[
        float, typer.Option(help="Share of firms on a declining path")
    ] = EVALUATION_PARK.deteriorating_share,
    min_severity: Annotated[str, typer.Option(help="low | medium | high")] = "medium",
    loans: Annotated[
        bool,
        typer.Option(
            help="Watch only the firms the platform's credit decision approves on the watch's "
            "first day (a bank's loans; the champion is trained on a separate park)"
        ),
    ] = False,
    cache: Annotated[
        Path | None, typer.Option(help="Keep simulated parks (and the loans' champion) here")
    ] = None,
) -> None:
    """Defaulters alerted, months of warning before default (median over all defaulters, a
    miss counting 0) and false alarms, for the monthly, the telemetry and the combined early
    warnings and the hidden-health reference, per simulated park and as mean and worst."""
    if loans and park is not None:
        raise ValidationFailed(
            "loans: give --seeds, not --park (the loans' decisions need the park's simulation)",
            field="loans",
        )
    try:
        level = Severity(min_severity)
    except ValueError:
        raise ValidationFailed(
            "min_severity: one of low, medium, high", field="min_severity"
        ) from None
    results: list[SeedResult] = []
    with progress_bar() as bar:
        task = bar.add_task("evaluating", total=None)

        def tick(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        if park is not None:
            data = read_park_with_telemetry(park)
            firms = evaluate_park(
                data, min_severity=level, progress=lambda n, t: tick(park.name, n, t)
            )
            results.append(SeedResult(park.name, score_all(data, firms)))
        else:
            chosen = parse_seeds(seeds)
            cfg = EVALUATION_PARK.with_changes(
                enterprises=enterprises,
                months=months,
                interval_minutes=interval,
                deteriorating_share=deteriorating,
            )
            results.extend(
                evaluate_seeds(
                    chosen, park=cfg, min_severity=level, progress=tick, cache=cache, loans=loans
                )
            )
            trained = sorted(set(chosen) & set(TRAINING_SEEDS))
            if trained:
                console.print(
                    f"[yellow]seeds {trained} are the ones the thresholds were chosen on: "
                    "their figures are not a measure[/]"
                )
    watched = "the loans (approved on the watch's first day)" if loans else "every firm"
    console.print(
        seeds_table(results, f"贷后预警 on simulated parks (alerts ≥ {level.value}; {watched})")
    )
    console.print(summary_table(results))
    console.print(
        "lead: days from the first alert to the default date, in months of 30.44 days; "
        "a defaulter alerted after its default date is not counted as alerted"
    )


@friendly_errors
def demo(seed: Annotated[int, typer.Option(help="Park seed")] = 11) -> None:
    """A loan going delinquent after its borrower's machines slow down, and the worker's
    daily warning first, with its evidence."""
    db = Database(settings().effective_database_url)
    # The worker's job logs two lines a day it watches; here they would drown the story.
    runner_log = logging.getLogger("chanrong.jobs")
    level = runner_log.level
    runner_log.setLevel(logging.WARNING)
    try:
        with progress_bar() as bar:
            task = bar.add_task("preparing", total=None)

            def tick(what: str, done: int, total: int) -> None:
                bar.update(task, description=what, completed=done, total=total)

            try:
                story = run_story(
                    db, settings(), config=DEMO_PARK.with_changes(seed=seed), progress=tick
                )
            except LookupError as exc:
                raise ValidationFailed(f"seed: {exc}", field="seed") from None
    finally:
        runner_log.setLevel(level)
        db.dispose()
    console.print(f"[bold]{story.name}[/] ({story.uscc}) — loan {story.loan_id}")
    t = Table("date", "event", "detail")
    for e in story.events:
        style = "red" if "alert" in e.what or "delinquent" in e.what else ""
        t.add_row(e.on.isoformat(), f"[{style}]{e.what}[/]" if style else e.what, e.detail)
    console.print(t)
    if story.raised_by:
        console.print(f"raised by the worker's job: {story.raised_by}")
    print_evidence(story.evidence)
    console.print(f"the worker's job {WATCH_JOB} watched the loan on {story.watch_runs} days")
    if story.lead_days is not None:
        console.print(
            f"the first alert came [bold]{story.lead_days} days[/] before the loan went delinquent"
        )


def print_evidence(evidence: dict[str, Any]) -> None:
    """The first warning's evidence: running hours against the firm's own seasonal baseline,
    week by week, the score against its threshold, and the governed reads behind it."""
    signals = {str(x.get("signal")): x for x in evidence.get("signals", [])}
    hours = signals.get("running_hours")
    if hours is None:
        return
    points = [p for p in hours["series"] if p.get("value") is not None][::7]
    peak = max([float(p["baseline"] or 0) for p in points] + [float(p["value"]) for p in points])
    c = Table(
        "day",
        "running hours vs its seasonal baseline (h a day)",
        title="the evidence of the first warning",
    )
    for p in points:
        value, base = float(p["value"]), p.get("baseline")
        bar = "█" * round(30 * value / (peak or 1.0))
        c.add_row(str(p["day"]), f"[cyan]{bar}[/] {value:,.1f} / {_num(base)}")
    console.print(c)
    console.print(
        f"score {evidence.get('score')} ≥ threshold {evidence.get('threshold')} on "
        f"{len(evidence.get('triggered', []))} days in a row; reads in the verifiable log: "
        + ", ".join(f"{r['dataset']} #{r['log_index']}" for r in evidence.get("reads", []))
    )


def _num(value: object) -> str:
    return "—" if value is None else f"{float(str(value)):,.1f}"
