"""``chanrong worker`` and ``chanrong jobs list|status|run``."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from chanrong.core.clock import to_shanghai
from chanrong.core.logs import configure_logging
from chanrong.edge.commands import console, friendly_errors, print_json, settings
from chanrong.jobs import catalog, priority, runner, service
from chanrong.jobs.registry import describe
from chanrong.storage.database import Database

jobs_app = typer.Typer(
    help="The worker's jobs 定时与事件任务: list, status, run",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def lower_priority(by: int) -> int:
    """Lower this process's CPU priority by ``by`` (0 leaves it) and return its niceness.

    The worker's jobs can wait seconds; a decision cannot. On two cores shared with the API,
    a worker at the same priority took CPU from the server while its jobs ran and the
    decisions' p99 rose from 18 ms to about a second (benchmarks/RESULTS.md), so it yields.
    """
    if by < 0:
        raise typer.BadParameter("must be 0 or more (a worker never raises its priority)")
    return os.nice(by)


@friendly_errors
def worker(
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Run what is due now, then exit")
    ] = False,
    nice: Annotated[
        int,
        typer.Option(
            "--nice",
            min=0,
            max=19,
            help="Lower the worker's CPU priority by this much so requests come first "
            "(0: the same as the API)",
        ),
    ] = 10,
) -> None:
    """Run the worker: every domain's recurring and event-driven jobs (Ctrl-C stops it)."""
    from chanrong.jobs.worker import serve

    priority.lower_group(lower_priority(nice) if nice else 0)
    s = settings()
    configure_logging(json=s.log_json, level=s.log_level)
    serve(s, until_idle=until_idle)


@jobs_app.command("list")
def list_jobs(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output")] = False,
) -> None:
    """Every job the worker runs, with its schedule (Asia/Shanghai) or triggers."""
    jobs = catalog.load(settings())
    if as_json:
        print_json([describe(j) for j in jobs.values()])
        return
    t = Table("job", "when", "per", "what")
    for j in jobs.values():
        when = j.cron or ("on " + ", ".join(j.triggers) if j.triggers else "enqueued")
        if j.debounce:
            when += f" (debounce {int(j.debounce.total_seconds())} s)"
        t.add_row(j.name, when, "subject" if j.subjects else j.cadence.value, j.summary)
    console.print(t)


@jobs_app.command("status")
@friendly_errors
def status(
    name: Annotated[str | None, typer.Option("--job", help="Only this job's runs")] = None,
    state: Annotated[str | None, typer.Option("--status", help="Only runs in this state")] = None,
    limit: Annotated[int, typer.Option(help="How many recent runs")] = 20,
) -> None:
    """Each job's runs by state, failures and lag; then the most recent runs."""
    s = settings()
    jobs = catalog.load(s)
    if name is not None:
        runner.job_of(jobs, name)
    db = Database(s.effective_database_url)
    try:
        with db.unit_of_work() as session:
            rows = service.overview(session, jobs)
            recent = service.recent_runs(session, name=name, status=state, limit=limit)
    finally:
        db.dispose()
    t = Table("job", "last period", "succeeded", "waiting", "running", "failed", "dead", "lag")
    for r in rows:
        if name is not None and r.job.name != name:
            continue
        c = r.counts
        t.add_row(
            r.job.name,
            r.last_period or "—",
            str(c.get("succeeded", 0)),
            str(r.waiting),
            str(c.get("running", 0)),
            str(c.get("failed", 0)),
            str(c.get("dead", 0)),
            f"{r.lag_s} s" if r.lag_s is not None else "—",
        )
    console.print(t)
    runs = Table("job", "period", "subject", "status", "tries", "started (Beijing)", "detail")
    for v in recent:
        runs.add_row(
            v.name,
            v.period,
            v.subject,
            v.status,
            str(v.attempts),
            to_shanghai(v.started_at).strftime("%Y-%m-%d %H:%M:%S") if v.started_at else "—",
            v.error if v.status in ("failed", "dead") else (v.detail or ""),
        )
    console.print(runs)


@jobs_app.command("run")
@friendly_errors
def run(
    name: Annotated[str, typer.Argument(help="Job name, as in `chanrong jobs list`")],
    subject: Annotated[str | None, typer.Option(help="Only this subject")] = None,
    period: Annotated[
        str | None, typer.Option(help="Period: YYYY-MM-DD (daily), YYYY-MM (monthly)")
    ] = None,
) -> None:
    """Run a job now in this process, under the same once-per-period record as the worker."""
    s = settings()
    jobs = catalog.load(s)
    db = Database(s.effective_database_url)
    try:
        outcomes = runner.run_manually(db, s, jobs, name, subject=subject, period=period)
    finally:
        db.dispose()
    t = Table("period", "subject", "outcome", "detail")
    for o in outcomes:
        colour = {"succeeded": "green", "failed": "red", "dead": "red"}.get(o.status, "yellow")
        t.add_row(o.period, o.subject, f"[{colour}]{o.status}[/]", o.detail or "")
    console.print(t)
    if any(o.status in ("failed", "dead") for o in outcomes):
        raise typer.Exit(code=1)
