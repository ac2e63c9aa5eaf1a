"""``chanrong simulate``: write a simulated park to Parquet, or stream its telemetry over MQTT."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.edge.commands import console, friendly_errors
from chanrong.simulate.config import FAULT_KINDS, FaultRates, ParkConfig, preset


def _config(
    preset_name: str | None,
    enterprises: int | None,
    months: int | None,
    seed: int | None,
    interval: int | None,
    start: str | None,
    fault: list[str],
    no_faults: bool,
) -> ParkConfig:
    base = preset(preset_name) if preset_name else ParkConfig()
    changes: dict[str, object] = {}
    if enterprises is not None:
        changes["enterprises"] = enterprises
    if months is not None:
        changes["months"] = months
    if seed is not None:
        changes["seed"] = seed
    if interval is not None:
        changes["interval_minutes"] = interval
    if start is not None:
        try:
            changes["start"] = date.fromisoformat(start)
        except ValueError:
            raise ValidationFailed(
                f"start: {start!r} is not a date like 2024-01-01", field="start"
            ) from None
    rates = FaultRates.none() if no_faults else base.faults
    overrides = rates.as_dict()
    for item in fault:
        kind, sep, value = item.partition("=")
        if not sep or kind not in FAULT_KINDS:
            raise ValidationFailed(
                f"fault: {item!r} must look like KIND=RATE, KIND one of {', '.join(FAULT_KINDS)}",
                field="fault",
            )
        try:
            overrides[kind] = float(value)
        except ValueError:
            raise ValidationFailed(
                f"fault: rate {value!r} for {kind} is not a number", field=f"fault_rate.{kind}"
            ) from None
    changes["faults"] = FaultRates(**overrides)
    return base.with_changes(**changes)


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[points]:>15,} readings"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@friendly_errors
def simulate(
    out: Annotated[
        Path | None, typer.Option(help="Directory to write the park to (Parquet)")
    ] = None,
    preset_name: Annotated[
        str | None, typer.Option("--preset", help="Start from a preset: demo, default, tiny")
    ] = None,
    enterprises: Annotated[int | None, typer.Option(help="Number of enterprises [200]")] = None,
    months: Annotated[int | None, typer.Option(help="Months to simulate [24]")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed; same seed, same park [7]")] = None,
    interval: Annotated[
        int | None, typer.Option(help="Minutes between readings (divides a day) [15]")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First day, first of a month [2024-01-01]")
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(help="Fault rate as KIND=RATE (share of readings); repeatable"),
    ] = None,
    no_faults: Annotated[bool, typer.Option("--no-faults", help="Clean telemetry")] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace a park already in --out")
    ] = False,
    stream: Annotated[
        bool, typer.Option("--stream", help="Publish telemetry to MQTT instead of writing files")
    ] = False,
    mqtt_host: Annotated[str, typer.Option(help="MQTT broker host (--stream)")] = "127.0.0.1",
    mqtt_port: Annotated[int, typer.Option(help="MQTT broker port (--stream)")] = 1883,
    rate: Annotated[
        float, typer.Option(help="Readings per second to publish, 0 = as fast as possible")
    ] = 1000.0,
    batch: Annotated[int, typer.Option(help="Readings per device per message (--stream)")] = 4,
    max_points: Annotated[
        int | None, typer.Option(help="Stop streaming after this many readings")
    ] = None,
    client_id: Annotated[str, typer.Option(help="MQTT client id")] = "chanrong-simulator",
    topic_prefix: Annotated[
        str, typer.Option(help="Topic prefix before /{uscc}/{device_id}/telemetry")
    ] = "chanrong/v1",
) -> None:
    """Simulate an industrial park (园区): Parquet files per stream plus a hidden truth."""
    from chanrong.simulate import service

    cfg = _config(
        preset_name, enterprises, months, seed, interval, start, list(fault or []), no_faults
    )
    if stream:
        from chanrong.simulate.stream import stream_park

        with _progress() as bar:
            task = bar.add_task("streaming", total=max_points, points=0)

            def on_sent(messages: int, points: int) -> None:
                bar.update(task, completed=points if max_points else messages, points=points)

            summary = stream_park(
                cfg,
                host=mqtt_host,
                port=mqtt_port,
                rate=rate,
                batch_slots=batch,
                client_id=client_id,
                topic_prefix=topic_prefix,
                max_points=max_points,
                progress=on_sent,
            )
        console.print(
            f"[green]published[/] {summary.points:,} readings in {summary.messages:,} messages "
            f"to {mqtt_host}:{mqtt_port} in {summary.seconds:.1f} s"
        )
        return
    if out is None:
        raise ValidationFailed("out: give --out DIR to write the park, or --stream", field="out")
    with _progress() as bar:
        task = bar.add_task("simulating", total=cfg.enterprises * cfg.months, points=0)

        def on_chunk(done: int, total: int, points: int) -> None:
            bar.update(task, completed=done, total=total, points=points)

        summary_w = service.write_park(cfg, out, overwrite=overwrite, progress=on_chunk)
    table = Table(title="injected faults (truth/faults.parquet)")
    table.add_column("kind")
    table.add_column("readings hit", justify="right")
    table.add_column("share", justify="right")
    table.add_column("asked", justify="right")
    asked = cfg.faults.as_dict()
    clean = max(1, summary_w.clean_points)
    for kind, hit in summary_w.fault_points.items():
        setting = f"{asked[kind]:.3%}" if kind in asked else "(genuine resets)"
        table.add_row(kind, f"{hit:,}", f"{hit / clean:.3%}", setting)
    console.print(table)
    console.print(
        f"[green]wrote[/] {summary_w.enterprises} enterprises, "
        f"{summary_w.telemetry_points:,} readings in {summary_w.telemetry_files:,} files, "
        f"{summary_w.faults:,} recorded faults to {summary_w.out_dir} "
        f"({summary_w.defaulted} firms default; the truth is in truth/)"
    )
