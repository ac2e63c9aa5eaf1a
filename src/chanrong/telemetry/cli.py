"""``chanrong import``, ``ingest mqtt``, ``connect opcua``, ``quality`` and ``telemetry``.

(``telemetry load-park``, which loads a simulated park, is the demo's: ``chanrong.cli.park``.)
"""

from __future__ import annotations

import asyncio
import socket
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chanrong.core import sheets
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.edge.commands import console, err_console, friendly_errors, settings, unit_of_work
from chanrong.storage.database import Database
from chanrong.telemetry import connectors, service
from chanrong.telemetry.adapters import files, opcua
from chanrong.telemetry.adapters.mqtt import MqttIngestWorker, WorkerStats, share_topic

ingest_app = typer.Typer(
    help="Streaming ingestion workers 数据接入",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
connect_app = typer.Typer(
    help="Connect industrial sources 设备连接",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
quality_app = typer.Typer(
    help="Data quality 数据质量", no_args_is_help=True, pretty_exceptions_show_locals=False
)
telemetry_app = typer.Typer(
    help="Telemetry store 遥测存储", no_args_is_help=True, pretty_exceptions_show_locals=False
)


def _org_id(value: str) -> str:
    """An organisation id, or the id of the enterprise with that USCC."""
    with unit_of_work() as session:
        if len(value) == 18 and (org := service.org_for_uscc(session, value.upper())):
            return org
        if service.organisation_exists(session, value):
            return value
    raise NotFound(f"org: no organisation or enterprise USCC {value!r}", field="org")


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@friendly_errors
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV or .xlsx file", exists=True, dir_okay=False)],
    kind: Annotated[
        str,
        typer.Option(
            help="orders | invoices | receivables | payments | energy_bills | cloud_usage | claims"
            " | stock_movements"
        ),
    ],
    org: Annotated[str, typer.Option(help="Organisation id or USCC of the enterprise")],
    mapping: Annotated[
        Path | None, typer.Option(help="Column-mapping YAML (see --template)", dir_okay=False)
    ] = None,
    errors_csv: Annotated[
        Path | None, typer.Option(help="Write the row-level error report here as CSV")
    ] = None,
) -> None:
    """Import business records from CSV/Excel: all rows or none, with a row-level error report."""
    try:
        m = files.load_mapping(mapping, kind)
        read = files.read_rows(file.read_bytes(), file.name, m)
    except files.FileFormatError as exc:
        field = str(exc).split(":", 1)[0]
        raise ValidationFailed(str(exc), field=field) from None
    org_id = _org_id(org)
    with _progress() as progress:
        task = progress.add_task(f"checking {file.name}", total=len(read.rows))

        def rows() -> object:
            for row in read.rows:
                yield row
                progress.advance(task)

        with unit_of_work() as session:
            report = service.import_records(
                session,
                org_id=org_id,
                kind=kind,
                rows=rows(),  # type: ignore[arg-type]
                source="file",
                filename=file.name,
            )
    if report.ok:
        console.print(
            f"[green]imported[/] {report.rows_accepted} {kind} from {file.name} "
            f"(batch {report.batch_id})"
        )
        return
    table = Table(
        "row", "column", "reason", title=f"{len(report.errors)} problems — nothing imported"
    )
    for e in report.errors[:50]:
        table.add_row(str(e.row), e.column, e.reason)
    err_console.print(table)
    if len(report.errors) > 50:
        err_console.print(f"… and {len(report.errors) - 50} more (use --errors-csv)")
    if errors_csv:
        with errors_csv.open("w", newline="", encoding="utf-8") as fh:
            # Reasons quote the file's cells: written so no spreadsheet runs one as a formula.
            sheets.write_csv(
                fh,
                ["row", "column", "reason"],
                ((e.row, e.column, e.reason) for e in report.errors),
            )
        err_console.print(f"error report written to {errors_csv}")
    raise typer.Exit(code=1)


@friendly_errors
def import_template(
    kind: Annotated[str, typer.Argument(help="orders | invoices | receivables | payments | …")],
) -> None:
    """Print a column-mapping template for a kind of record."""
    try:
        typer.echo(files.template(kind), nl=False)
    except files.FileFormatError as exc:
        raise ValidationFailed(str(exc), field="kind") from None


@ingest_app.command("mqtt")
@friendly_errors
def ingest_mqtt(
    group: Annotated[
        str,
        typer.Option(
            help="Shared-subscription group; '' for one exclusive worker, whose session "
            "survives a broker restart whole (Mosquitto does not restore shared ones)"
        ),
    ] = "chanrong-ingest",
    client_id: Annotated[
        str | None, typer.Option(help="Stable id: a restarted worker resumes its session")
    ] = None,
    instance: Annotated[
        int, typer.Option(help="Worker number on this host (default id: host, group, number)")
    ] = 0,
    host: Annotated[str | None, typer.Option(help="Broker host")] = None,
    port: Annotated[int | None, typer.Option(help="Broker port")] = None,
    flush_points: Annotated[int, typer.Option(help="Store after this many points")] = 50_000,
    flush_ms: Annotated[int, typer.Option(help="…or after this many milliseconds")] = 200,
    idle_exit: Annotated[
        float | None, typer.Option(help="Exit after this many idle seconds")
    ] = None,
) -> None:
    """Run an ingestion worker: MQTT 5 shared subscription, QoS 1, ack after durable store."""
    s = settings()
    db = Database(s.effective_database_url)
    worker = MqttIngestWorker(
        land=connectors.landing(db, service.open_store(s)),
        resolve=connectors.resolver(db),
        host=host or s.mqtt_host,
        port=port or s.mqtt_port,
        group=group,
        # The default id is stable across restarts, so a worker started again after a crash
        # resumes the session holding what its predecessor had not acknowledged.
        client_id=client_id or f"chanrong-ingest-{socket.gethostname()}-{group}-{instance}",
        flush_points=flush_points,
        flush_seconds=flush_ms / 1000,
        # Business records too (payments into collection accounts, outgoing payments, …).
        record_kinds=connectors.RECORD_KINDS,
    )
    console.print(
        f"[green]ingesting[/] group {group} from {host or s.mqtt_host}:{port or s.mqtt_port}"
    )
    last = [0]

    def report(stats: WorkerStats) -> None:
        if stats.points - last[0] >= 1_000_000:
            last[0] = stats.points
            console.print(f"stored {stats.points:,} points from {stats.messages:,} messages")

    try:
        stats = worker.run(
            idle_exit=idle_exit,
            on_flush=report,
            on_ready=lambda: console.print(f"ready: subscribed to {share_topic(group)}"),
        )
    finally:
        db.dispose()
    console.print(
        f"[green]stopped[/]: {stats.points:,} points stored from {stats.messages:,} messages "
        f"in {stats.flushes:,} flushes; {stats.rejected} messages and "
        f"{stats.quarantined} readings rejected"
    )


@connect_app.command("opcua")
@friendly_errors
def connect_opcua(
    mapping: Annotated[Path, typer.Option(help="YAML/TOML node mapping", exists=True)],
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run on)")
    ] = None,
    flush_seconds: Annotated[float, typer.Option(help="Store every this many seconds")] = 1.0,
) -> None:
    """Subscribe to mapped OPC UA nodes and store their changes as telemetry."""
    try:
        m = opcua.load_mapping(mapping)
    except opcua.MappingError as exc:
        raise ValidationFailed(str(exc), field=str(exc).split(":", 1)[0]) from None
    org_id = _org_id(m.org)
    s = settings()
    db = Database(s.effective_database_url)
    stored = [0]

    def told(report: service.IngestReport) -> None:
        stored[0] += report.points
        refused = f", {report.rows_rejected} refused" if report.rows_rejected else ""
        console.print(f"stored {report.points} points{refused} (total {stored[0]})")

    sink = connectors.opcua_sink(
        db, service.open_store(s), org_id=org_id, units=m.units, on_stored=told
    )
    console.print(f"[green]connected[/] to {m.endpoint}: {len(m.nodes)} nodes")
    try:
        total = asyncio.run(
            opcua.run_connector(m, sink, duration=duration, flush_seconds=flush_seconds)
        )
    except opcua.MappingError as exc:
        raise ValidationFailed(str(exc), field="node") from None
    except (OSError, TimeoutError) as exc:
        raise ValidationFailed(
            f"endpoint: cannot reach {m.endpoint} ({exc})", field="endpoint"
        ) from None
    finally:
        db.dispose()
    console.print(f"[green]done[/]: {total} points stored")


def _days(day: date | None, start: date | None, end: date | None) -> list[date]:
    if day:
        return [day]
    if not start:
        raise ValidationFailed("day: give --day, or --from (and --to)", field="day")
    return list(service.iter_days(start, (end or start) + timedelta(days=1)))


@quality_app.command("run")
@friendly_errors
def quality_run(
    org: Annotated[
        str, typer.Option(help="Organisation id or USCC, or 'all' for every enterprise with data")
    ],
    day: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day YYYY-MM-DD (inclusive)")] = None,
    compact: Annotated[
        bool, typer.Option("--compact", help="Then merge the scored days' files (after scoring)")
    ] = False,
) -> None:
    """Compute and keep daily quality scores (run before compaction, or pass --compact)."""
    days = _days(_date(day, "day"), _date(start, "from"), _date(end, "to"))
    store = service.open_store(settings())
    org_ids = store.organisations() if org == "all" else [_org_id(org)]
    with _progress() as progress:
        task = progress.add_task("scoring days", total=len(days) * len(org_ids))
        for org_id in org_ids:
            # One transaction per enterprise: an interruption keeps what was scored.
            with unit_of_work() as session:
                if not service.organisation_exists(session, org_id):
                    progress.advance(task, len(days))
                    continue
                service.compute_quality_range(
                    session,
                    store,
                    org_id=org_id,
                    start=days[0],
                    end=days[-1] + timedelta(days=1),
                    progress=lambda n: progress.advance(task, n),
                )
            if compact:
                # Only now: duplicates and late arrivals are visible in the raw files only.
                for d in days:
                    store.compact(org_id, d)
    if org != "all":
        _show(org_ids[0], days[0], days[-1] + timedelta(days=1), "enterprise")
    else:
        console.print(f"[green]scored[/] {len(days)} days of {len(org_ids)} enterprises")


@quality_app.command("show")
@friendly_errors
def quality_show(
    org: Annotated[str, typer.Option(help="Organisation id or USCC")],
    start: Annotated[str | None, typer.Option("--from", help="First day YYYY-MM-DD")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day YYYY-MM-DD (inclusive)")] = None,
    scope: Annotated[str, typer.Option(help="enterprise | dataset | device")] = "enterprise",
) -> None:
    """Show stored quality scores with their reasons, as a bar per day."""
    e = _date(end, "to")
    _show(_org_id(org), _date(start, "from"), e + timedelta(days=1) if e else None, scope)


def _date(value: str | None, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field
        ) from None


def _show(org_id: str, start: date | None, end: date | None, scope: str) -> None:
    from chanrong.identity.domain import OrgKind, Principal, Role

    # The CLI is the operator's own console on the machine: it reads as the owner would.
    owner = Principal("cli", org_id, OrgKind.ENTERPRISE, frozenset({Role.VIEWER}))
    with unit_of_work() as session:
        scores = service.quality_scores(
            session, owner, org_id=org_id, start=start, end=end, scope=scope
        )
        table = Table("day", "subject", "score", "", "reasons")
        for s in scores:
            bar = "█" * int(float(s.score) // 5)
            colour = "green" if s.score >= 90 else "yellow" if s.score >= 70 else "red"
            why = ", ".join(f"{r['rule']} {r['count']}/{r['checked']}" for r in s.reasons[:3])
            table.add_row(
                s.day.isoformat(), s.subject or "(all)", f"{s.score}", f"[{colour}]{bar}[/]", why
            )
    if not scores:
        console.print("no quality scores for that range; run `chanrong quality run` first")
        return
    console.print(table)


@telemetry_app.command("compact")
@friendly_errors
def compact(
    org: Annotated[str, typer.Option(help="Organisation id or USCC")],
    day: Annotated[str | None, typer.Option(help="Only this day YYYY-MM-DD")] = None,
    months_before: Annotated[
        str | None,
        typer.Option(
            "--months-before",
            help="Then fold every month ending before this day YYYY-MM-DD into one file",
        ),
    ] = None,
) -> None:
    """Merge each day's files into one deduplicated file (after quality was computed);
    with --months-before, also fold finished months (migrates a store of day files)."""
    org_id = _org_id(org)
    cutoff = _date(months_before, "months_before")
    store = service.open_store(settings())
    res = store.compact(org_id, _date(day, "day"))
    console.print(
        f"[green]compacted[/] {res.partitions} days: {res.files_before} files, "
        f"{res.rows_before:,} rows → {res.rows_after:,} distinct points"
    )
    if cutoff is not None:
        res = store.compact_months(org_id, before=cutoff)
        console.print(
            f"[green]folded[/] {res.partitions} months: {res.files_before} files, "
            f"{res.rows_before:,} rows → {res.rows_after:,} distinct points"
        )
