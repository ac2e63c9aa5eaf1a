"""Telemetry intake throughput: the bulk Arrow/Parquet path and MQTT end to end with QoS 1.

    .venv/bin/python benchmarks/ingest.py            # 10 M points bulk, 2 M points over MQTT
    .venv/bin/python benchmarks/ingest.py --quick    # 1 M bulk, 200 k MQTT: a smoke run

Both go through the ingestion door (``service.ingest_points``) that every source uses: the
points are checked, converted, stored and their batch recorded (with its counts) in a
SQLite database migrated for the run.

Bulk: a Parquet file of long-format points is read batch by batch, converted to the store's
schema and units, and written durably (fsync'd, staged then renamed) into the org/day
partitions, and the batch recorded — the path of an HTTP Parquet/Arrow upload. Baseline in
the same run: DuckDB reading the same Parquet file into Arrow.

MQTT: a publisher process sends JSON batches (``points_per_message`` readings each) at QoS 1
to the Mosquitto broker on loopback; ingestion workers (separate processes, one shared-
subscription group) decode, hand each flush to the door (stored durably, one batch recorded
per flush, committed) and only then acknowledge. The clock runs from the first publish to
the last durable flush. Baseline in the same run: the same messages delivered by the broker
to a bare QoS 1 subscriber that only counts them. The MQTT rows are run twice (``--bodies``):
JSON bodies, and the same readings as the binary body (Arrow IPC, ``payload.encode_arrow``),
each with its own bare-subscriber baseline (the binary messages are smaller).

    .venv/bin/python benchmarks/ingest.py --bulk-points 0 --mqtt-points 1000000   # MQTT only

Needs the broker: ``eval "$(bash scripts/services.sh start)"`` (CHANRONG_TEST_MQTT_PORT).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import paho.mqtt.client as mqtt
import pyarrow as pa
import pyarrow.parquet as pq
from paho.mqtt.enums import CallbackAPIVersion
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from chanrong.core.uscc import make_uscc
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.storage import migrate
from chanrong.storage.database import Database
from chanrong.telemetry import connectors
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.adapters import uploads
from chanrong.telemetry.adapters.mqtt import MqttIngestWorker
from chanrong.telemetry.adapters.payload import encode_arrow, encode_batch, telemetry_topic
from chanrong.telemetry.orm import IngestBatch
from chanrong.telemetry.store import TelemetryStore

console = Console()
USCC = make_uscc("9", "1", "330500", "MABENCH1").code
T0_US = 1_709_251_200_000_000  # 2024-03-01T00:00:00Z


@dataclass(frozen=True)
class Result:
    label: str
    points: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.points / self.seconds if self.seconds else 0.0


# -- bulk ---------------------------------------------------------------------------------------


def make_parquet(path: Path, points: int, devices: int = 200) -> None:
    """A month of one-minute readings from ``devices`` devices, written in 1 M-row groups."""
    rng = np.random.default_rng(7)
    names = pa.array([f"dev-{i:04d}" for i in range(devices)])
    writer = None
    step = 1_000_000
    for start in range(0, points, step):
        n = min(step, points - start)
        idx = np.arange(start, start + n)
        table = pa.table(
            {
                "device_id": names.take(pa.array(idx % devices)),
                "metric": pa.array(np.where(idx % 2 == 0, "power_kw", "energy_kwh")),
                "ts": pa.array(T0_US + (idx // devices) * 60_000_000, pa.int64()).cast(
                    pa.timestamp("us", tz="UTC")
                ),
                "value": pa.array(rng.uniform(0, 100, n)),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table)
    assert writer is not None
    writer.close()


def platform(work: Path) -> tuple[str, str]:
    """A migrated SQLite database holding the enterprise the points belong to: (url, org id)."""
    url = f"sqlite:///{work / 'bench.db'}"
    migrate.upgrade(url)
    db = Database(url)
    try:
        with db.unit_of_work() as session:
            org = identity.create_organisation(
                session, name="Bench Works", kind="enterprise", uscc=USCC
            )
            # Its meters send MWh: the door converts to kWh on the way in.
            owner = Principal("bench", org.id, OrgKind.ENTERPRISE, frozenset({Role.OFFICER}))
            telemetry.set_metric(session, owner, org_id=org.id, metric="energy_kwh", unit="MWh")
            return url, org.id
    finally:
        db.dispose()


def bulk_ingest(parquet: Path, root: Path, url: str, org_id: str) -> Result:
    store = TelemetryStore(root)
    points = pq.ParquetFile(parquet).metadata.num_rows
    db = Database(url)
    try:
        t0 = time.perf_counter()
        with db.unit_of_work() as session:
            report = telemetry.ingest_points(
                session,
                store,
                org_id=org_id,
                # The upload path's reader (names decoded as dictionaries), 1 M-row pieces.
                batches=uploads.parquet_batches(str(parquet), batch_size=1_000_000),
                source="http",
                filename=parquet.name,
            )
        seconds = time.perf_counter() - t0
    finally:
        db.dispose()
    assert report.rows_accepted == points and report.ok
    return Result("bulk ingest (Parquet → store, fsync'd, batch recorded)", points, seconds)


def duckdb_read(parquet: Path) -> Result:
    points = pq.ParquetFile(parquet).metadata.num_rows
    with duckdb.connect() as con:
        t0 = time.perf_counter()
        table = con.sql("SELECT * FROM read_parquet(?)", params=[str(parquet)]).to_arrow_table()
        seconds = time.perf_counter() - t0
    assert table.num_rows == points
    return Result("DuckDB reads the same Parquet into Arrow", points, seconds)


def duckdb_write(parquet: Path, out: Path) -> Result:
    """DuckDB's own Arrow → Parquet write of the same points (zstd, fsync'd): the bar #26
    sets bulk ingest against (≥ 0.4×)."""
    table = pq.read_table(parquet)
    with duckdb.connect() as con:
        con.register("points", table)
        t0 = time.perf_counter()
        con.execute(f"COPY points TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
        fd = os.open(out, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        seconds = time.perf_counter() - t0
    assert pq.ParquetFile(out).metadata.num_rows == table.num_rows
    return Result(
        "DuckDB writes the same points Arrow → Parquet (zstd, fsync'd)", len(table), seconds
    )


# -- MQTT ---------------------------------------------------------------------------------------


def payloads(
    messages: int, per_message: int, devices: int = 50, *, binary: bool = False
) -> list[tuple[str, bytes]]:
    """The messages of the run: JSON compact triples, or the same readings as the binary body
    (Arrow IPC, ``payload.encode_arrow``)."""
    out = []
    for m in range(messages):
        dev = m % devices
        base_ms = T0_US // 1000 + (m // devices) * per_message * 1000
        pts = [("power_kw", base_ms + i * 1000, float(i % 113)) for i in range(per_message)]
        if binary:
            metrics, stamps, values = (list(c) for c in zip(*pts, strict=True))
            body = encode_arrow(metrics, stamps, values)  # type: ignore[arg-type]
        else:
            body = encode_batch(pts)
        out.append((telemetry_topic(USCC, f"dev-{dev:03d}"), body))
    return out


def _client(port: int, prefix: str) -> mqtt.Client:
    c = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"{prefix}-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    return c


def publish(port: int, msgs: list[tuple[str, bytes]]) -> float:
    """Publish every message at QoS 1 and wait for the broker's PUBACKs; returns start time."""
    client = _client(port, "bench-pub")
    client.loop_start()
    start = time.time()
    infos = [client.publish(topic, body, qos=1) for topic, body in msgs]
    for info in infos:
        info.wait_for_publish(timeout=120)
    client.loop_stop()
    client.disconnect()
    return start


def _worker_main(port: int, root: str, url: str, group: str, ready: object, out: object) -> None:
    db = Database(url)
    worker = MqttIngestWorker(
        land=connectors.landing(db, TelemetryStore(Path(root))),
        resolve=connectors.resolver(db),
        host="127.0.0.1",
        port=port,
        group=group,
        client_id=f"bench-w-{uuid.uuid4().hex[:8]}",
        flush_points=50_000,
        flush_seconds=0.2,
    )
    # Idle counts from the subscription: a worker started seconds before the other (spawn on a
    # loaded machine) ran out its 2 s before the first publish, leaving its share of the group's
    # messages in its offline session. The clock stops at the last flush, not at the exit.
    stats = worker.run(idle_exit=10.0, on_ready=ready.set)  # type: ignore[attr-defined]
    db.dispose()
    out.put((stats.points, stats.last_flush_at, stats.flushes))  # type: ignore[attr-defined]


def _mqtt_batches(url: str, org_id: str) -> tuple[int, int]:
    """(batches, points recorded) of the enterprise's MQTT batches so far."""
    db = Database(url)
    try:
        with db.unit_of_work() as session:
            n, total = session.execute(
                select(func.count(), func.sum(IngestBatch.rows_accepted)).where(
                    IngestBatch.org_id == org_id, IngestBatch.source == "mqtt"
                )
            ).one()
    finally:
        db.dispose()
    return int(n), int(total or 0)


def mqtt_ingest(
    port: int,
    msgs: list[tuple[str, bytes]],
    points: int,
    workers: int,
    url: str,
    org_id: str,
    body: str = "JSON",
) -> Result:
    before = _mqtt_batches(url, org_id)
    root = Path(tempfile.mkdtemp(prefix="chanrong-bench-mqtt-"))
    group = f"bench-{uuid.uuid4().hex[:8]}"
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs, readies = [], []
    for _ in range(workers):
        ready = ctx.Event()
        p = ctx.Process(target=_worker_main, args=(port, str(root), url, group, ready, out))
        p.start()
        procs.append(p)
        readies.append(ready)
    for r in readies:
        if not r.wait(60):
            raise SystemExit("an ingestion worker did not subscribe")
    start = publish(port, msgs)
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(30)
    stored = sum(r[0] for r in results)
    end = max(r[1] for r in results)
    flushes = sum(r[2] for r in results)
    count = TelemetryStore(root).count(org_id)
    shutil.rmtree(root, ignore_errors=True)
    if stored != points or count != points:
        raise SystemExit(f"MQTT path stored {stored} (distinct {count}) of {points} points")
    batches, recorded = _mqtt_batches(url, org_id)
    # Each flush that brought points left exactly one batch with their count (batches of an
    # earlier run in the same database are not this run's).
    batches, recorded = batches - before[0], recorded - before[1]
    if recorded != points or batches > flushes:
        raise SystemExit(f"MQTT batches record {recorded} points in {batches} batches")
    return Result(
        f"MQTT QoS 1, {body} → store ({workers} worker{'s' * (workers > 1)}, {batches} batches)",
        points,
        end - start,
    )


def bare_subscriber(
    port: int, msgs: list[tuple[str, bytes]], points: int, body: str = "JSON"
) -> Result:
    """The broker's own delivery rate: a QoS 1 subscriber that only counts messages."""
    topic = f"bench-bare-{uuid.uuid4().hex[:8]}"
    sub = _client(port, "bench-sub")
    done = threading.Event()
    subscribed = threading.Event()
    seen = [0, 0.0]

    def on_message(_c: mqtt.Client, _u: object, _m: mqtt.MQTTMessage) -> None:
        seen[0] += 1
        if seen[0] == len(msgs):
            seen[1] = time.time()
            done.set()

    sub.on_message = on_message
    sub.on_subscribe = lambda *_a: subscribed.set()
    sub.subscribe(f"{topic}/#", qos=1)
    sub.loop_start()
    if not subscribed.wait(30):
        raise SystemExit("bare subscriber did not subscribe")
    renamed = [(f"{topic}/{t}", b) for t, b in msgs]
    start = publish(port, renamed)
    if not done.wait(300):
        raise SystemExit(f"bare subscriber got {seen[0]} of {len(msgs)} messages")
    sub.loop_stop()
    sub.disconnect()
    return Result(f"broker → bare QoS 1 subscriber, {body} (baseline)", points, seen[1] - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 M bulk, 200 k MQTT points")
    parser.add_argument("--bulk-points", type=int, default=None, help="0: no bulk rows")
    parser.add_argument("--mqtt-points", type=int, default=None, help="0: no MQTT rows")
    parser.add_argument("--points-per-message", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="MQTT ingestion workers")
    parser.add_argument(
        "--bodies", default="json,binary", help="MQTT bodies to run: json, binary or both"
    )
    args = parser.parse_args()
    bulk_n = (
        (1_000_000 if args.quick else 10_000_000) if args.bulk_points is None else args.bulk_points
    )
    mqtt_n = (
        (200_000 if args.quick else 2_000_000) if args.mqtt_points is None else args.mqtt_points
    )
    per = args.points_per_message
    bodies = [b for b in args.bodies.split(",") if b]
    if set(bodies) - {"json", "binary"}:
        parser.error(f"--bodies: {args.bodies!r} is not json, binary or both")
    port = int(
        os.environ.get("CHANRONG_TEST_MQTT_PORT") or os.environ.get("CHANRONG_MQTT_PORT") or 0
    )
    console.print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at start")
    cpu0 = _cpu()

    rows: list[tuple[Result, str]] = []
    verdicts: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="chanrong-bench-ingest-"))
    try:
        url, org_id = platform(work)
        if bulk_n:
            parquet = work / "points.parquet"
            with console.status(f"writing {bulk_n:,} points to Parquet"):
                make_parquet(parquet, bulk_n)
            with console.status("bulk ingest"):
                ours = bulk_ingest(parquet, work / "store", url, org_id)
                base = duckdb_read(parquet)
                write = duckdb_write(parquet, work / "duckdb-copy.parquet")
            vs_write = ours.rate / write.rate
            rows.append(
                (ours, f"{vs_write:.2f} × DuckDB write, {ours.rate / base.rate:.2f} × read")
            )
            rows.append((write, "baseline (goal ≥ 0.4×)"))
            rows.append((base, "baseline"))
            verdicts.append(
                f"bulk ≥ 1,000,000 points/s ({'met' if ours.rate >= 1_000_000 else 'NOT met'})"
            )
            verdicts.append(
                f"bulk ≥ 0.4 × DuckDB write ({'met' if vs_write >= 0.4 else 'NOT met'})"
            )

        if port and mqtt_n:
            for body in bodies:
                label = "JSON" if body == "json" else "binary (Arrow IPC)"
                msgs = payloads(mqtt_n // per, per, binary=body == "binary")
                n = len(msgs) * per
                size = sum(len(b) for _, b in msgs) / len(msgs)
                with console.status(f"MQTT {label}: {len(msgs):,} messages, bare subscriber"):
                    bare = bare_subscriber(port, msgs, n, label)
                with console.status(
                    f"MQTT {label}: {len(msgs):,} messages, {args.workers} workers"
                ):
                    ours_mqtt = mqtt_ingest(port, msgs, n, args.workers, url, org_id, label)
                ratio = ours_mqtt.rate / bare.rate
                rows.append((ours_mqtt, f"{ratio:.2f} × broker delivery ({size:,.0f} B/message)"))
                rows.append((bare, "baseline"))
                verdicts.append(
                    f"MQTT {label} ≥ 0.3 × broker ({'met' if ratio >= 0.3 else 'NOT met'})"
                )
        elif mqtt_n:
            console.print(
                "[yellow]MQTT skipped:[/] set CHANRONG_TEST_MQTT_PORT (scripts/services.sh)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    table = Table(title=f"telemetry intake ({os.cpu_count()} CPUs)")
    table.add_column("path")
    table.add_column("points", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("points/s", justify="right")
    table.add_column("ratio", justify="right")
    for r, ratio in rows:
        table.add_row(r.label, f"{r.points:,}", f"{r.seconds:.2f}", f"{r.rate:,.0f}", ratio)
    console.print(table)
    console.print("floors: " + "; ".join(verdicts))
    console.print(
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at end; "
        f"CPU seconds of this process and its finished children {_cpu() - cpu0:.1f}"
    )


def _cpu() -> float:
    """CPU seconds of this process and its waited-for children (the MQTT workers)."""
    import resource

    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


if __name__ == "__main__":
    main()
