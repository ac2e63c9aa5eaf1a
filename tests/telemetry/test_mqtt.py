"""MQTT 5 through the real Mosquitto broker: shared subscription, QoS 1, ack after store,
every flush through the ingestion door and recorded as a batch per enterprise and source."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from chanrong.core.events import DomainEvent
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.storage.database import Database
from chanrong.telemetry import connectors, service
from chanrong.telemetry.adapters import sparkplug
from chanrong.telemetry.adapters.mqtt import MqttIngestWorker, WorkerStats
from chanrong.telemetry.adapters.payload import encode_arrow, encode_batch, telemetry_topic
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import assert_batch_shape, recorded_batches
from tests.telemetry.conftest import Plant, unique

pytestmark = pytest.mark.mqtt

T0_MS = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp() * 1000)


def publisher(port: int) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("pub"), protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def publish_all(client: mqtt.Client, messages: list[tuple[str, bytes]]) -> None:
    infos = [client.publish(topic, body, qos=1) for topic, body in messages]
    for info in infos:
        info.wait_for_publish(timeout=30)
        assert info.is_published()


def series(device: str, n: int, offset: int = 0) -> list[tuple[str, int, float]]:
    return [("power_kw", T0_MS + (offset + i) * 60_000, float(i % 97)) for i in range(n)]


def start_worker(plant: Plant, port: int, group: str, client_id: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chanrong.cli.main",
            "ingest",
            "mqtt",
            "--group",
            group,
            "--client-id",
            client_id,
            "--flush-points",
            "500",
            "--flush-ms",
            "30",
            "--idle-exit",
            "4",
        ],
        env=plant.env(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if line.startswith("ready:"):
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"worker did not get ready: {''.join(lines)}")


class Running:
    """An ingestion worker on its own thread, wired to the door on the plant's database."""

    def __init__(self, plant: Plant, port: int, group: str, **kwargs: float) -> None:
        self.db = Database(plant.db_url)
        self.store = TelemetryStore(plant.telemetry_dir)
        self.landed: list[DomainEvent] = []
        self.worker = MqttIngestWorker(
            land=connectors.landing(self.db, self.store, on_landed=self.landed.append),
            resolve=connectors.resolver(self.db),
            host="127.0.0.1",
            port=port,
            group=group,
            client_id=unique("w"),
            **kwargs,  # type: ignore[arg-type]
        )
        self.ready = threading.Event()
        self.stats: WorkerStats | None = None
        self.thread = threading.Thread(target=self._run)
        self.thread.start()
        assert self.ready.wait(20), "worker never subscribed"

    def _run(self) -> None:
        self.stats = self.worker.run(idle_exit=2, on_ready=self.ready.set)

    def join(self) -> WorkerStats:
        self.thread.join(30)
        assert not self.thread.is_alive()
        self.db.dispose()
        assert self.stats is not None
        return self.stats


def test_points_flow_through_the_broker_into_the_store(plant: Plant, mqtt_port: int) -> None:
    db = Database(plant.db_url)
    owner = Principal("u", plant.org_id, OrgKind.ENTERPRISE, frozenset({Role.OFFICER}))
    with db.unit_of_work() as session:
        # This enterprise's meters send MWh; the store keeps kWh.
        service.set_metric(session, owner, org_id=plant.org_id, metric="energy_kwh", unit="MWh")
        resolve_units = service.metric_specs(session, plant.org_id)[1]
    assert resolve_units == {"energy_kwh": "MWh"}
    db.dispose()

    running = Running(plant, mqtt_port, unique("g"), flush_points=1_000, flush_seconds=0.05)
    store = running.store
    pub = publisher(mqtt_port)
    objects = (
        b'{"points": [{"metric": "energy_kwh", "ts": "2026-03-02T00:00:00Z", "value": 1.5},'
        b' {"metric": "energy_kwh", "ts": "2026-03-02T00:15:00+08:00", "value": 1.75}]}'
    )
    publish_all(
        pub,
        [
            (telemetry_topic(plant.uscc, "press-1"), encode_batch(series("press-1", 300))),
            (telemetry_topic(plant.uscc, "press-2"), encode_batch(series("press-2", 200))),
            (telemetry_topic(plant.uscc, "meter-1"), objects),
            # Re-sent batch: stored once.
            (telemetry_topic(plant.uscc, "press-2"), encode_batch(series("press-2", 200))),
            (telemetry_topic("91330500MA0000000X", "x"), encode_batch(series("x", 5))),
            (telemetry_topic(plant.uscc, "press-3"), b"not json"),
        ],
    )
    pub.loop_stop()
    pub.disconnect()
    stats = running.join()
    assert stats.messages == 6
    assert stats.rejected == 2
    assert stats.unattributed == 1  # the unknown USCC: no enterprise to record it against
    assert store.count(plant.org_id) == 502
    meter = store.query(plant.org_id, devices=["meter-1"])
    assert meter.column("value").to_pylist() == [1750.0, 1500.0]
    assert [t.isoformat() for t in meter.column("ts").to_pylist()] == [
        "2026-03-01T16:15:00+00:00",
        "2026-03-02T00:00:00+00:00",
    ]
    press = store.query(plant.org_id, devices=["press-1"])
    assert press.column("value").to_pylist() == [float(i % 97) for i in range(300)]
    batches = recorded_batches(plant)
    assert {b.source for b in batches} == {"mqtt"}
    assert sum(b.rows_accepted for b in batches) == 702 == stats.points
    assert sum(b.rows_rejected for b in batches) == 1
    assert [b.rejected_by_reason for b in batches if b.rows_rejected] == [{"body": 1}]


def _binary(points: list[tuple[str, int, float]]) -> bytes:
    return encode_arrow(*(list(c) for c in zip(*points, strict=True)))


def test_binary_bodies_flow_through_the_broker_as_json_ones_and_a_bad_one_stores_nothing(
    plant: Plant, mqtt_port: int
) -> None:
    running = Running(plant, mqtt_port, unique("g"), flush_points=100_000, flush_seconds=60)
    pub = publisher(mqtt_port)
    # A NaN in the middle of an otherwise good body: the whole body is refused, none stored.
    poisoned = series("press-3", 50)
    poisoned[25] = ("power_kw", poisoned[25][1], float("nan"))
    publish_all(
        pub,
        [
            (telemetry_topic(plant.uscc, "press-1"), _binary(series("press-1", 300))),
            (telemetry_topic(plant.uscc, "press-2"), encode_batch(series("press-2", 200))),
            # The same readings in binary: stored once (the store's dedup).
            (telemetry_topic(plant.uscc, "press-2"), _binary(series("press-2", 200))),
            (telemetry_topic(plant.uscc, "press-3"), _binary(poisoned)),
        ],
    )
    pub.loop_stop()
    pub.disconnect()
    stats = running.join()
    assert (stats.messages, stats.rejected) == (4, 1)
    assert stats.reasons == {"points[25].value": 1}
    assert running.store.count(plant.org_id) == 500
    assert running.store.query(plant.org_id, devices=["press-3"]).num_rows == 0
    press = running.store.query(plant.org_id, devices=["press-1"])
    assert press.column("value").to_pylist() == [float(i % 97) for i in range(300)]
    (batch,) = [assert_batch_shape(b) for b in recorded_batches(plant)]
    assert (batch["rows_accepted"], batch["rows_duplicate"]) == (700, 200)
    assert batch["rejected_by_reason"] == {"points.value": 1}


def test_an_mqtt_flush_is_recorded_as_an_ingest_batch_with_its_counts(
    plant: Plant, mqtt_port: int
) -> None:
    # One flush for everything (the worker flushes when idle), so one batch per source.
    running = Running(plant, mqtt_port, unique("g"), flush_points=100_000, flush_seconds=60)
    pub = publisher(mqtt_port)
    bad_value = encode_batch([("power_kw", T0_MS, 1.0)]).replace(b"1.0", b'"high"')
    node = sparkplug.encode(
        [("power_kw", T0_MS, 2.0), ("temperature_c", T0_MS, 41.5)], timestamp=T0_MS
    )
    node_payload = sparkplug._payload_class()()
    node_payload.ParseFromString(node)
    node_payload.metrics.add(name="label", timestamp=T0_MS, datatype=12, string_value="run")
    publish_all(
        pub,
        [
            (telemetry_topic(plant.uscc, "press-1"), encode_batch(series("press-1", 300))),
            # Its first 20 readings repeat the last 20 of the message before.
            (
                telemetry_topic(plant.uscc, "press-1"),
                encode_batch(series("press-1", 200, offset=280)),
            ),
            (telemetry_topic(plant.uscc, "press-2"), b"not json"),
            (telemetry_topic(plant.uscc, "press-2"), bad_value),
            (telemetry_topic("91330500MA0000000X", "x"), encode_batch(series("x", 5))),
            (f"spBv1.0/{plant.uscc}/NDATA/gw-1", node_payload.SerializeToString()),
        ],
    )
    pub.loop_stop()
    pub.disconnect()
    stats = running.join()
    assert stats.flushes == 1
    assert stats.messages == 6

    batches = {b.source: assert_batch_shape(b) for b in recorded_batches(plant)}
    assert set(batches) == {"mqtt", "sparkplug"}
    mqtt_batch = batches["mqtt"]
    assert mqtt_batch["kind"] == "telemetry"
    assert mqtt_batch["status"] == "partial"
    assert mqtt_batch["rows_received"] == 502
    assert mqtt_batch["rows_accepted"] == 500
    assert mqtt_batch["rows_duplicate"] == 20
    assert mqtt_batch["rejected_by_reason"] == {"body": 1, "points.value": 1}
    spb = batches["sparkplug"]
    assert (spb["status"], spb["rows_accepted"], spb["rows_rejected"]) == ("partial", 2, 1)
    assert spb["rejected_by_reason"] == {"value": 1}
    assert running.store.count(plant.org_id) == 480 + 2

    # What a worker refreshing profiles would hear: data landed for this enterprise.
    landed = sorted(running.landed, key=lambda e: str(e.payload["source"]))
    assert [(e.kind, e.subject, e.payload["source"]) for e in landed] == [
        (service.DATA_LANDED, plant.org_id, "mqtt"),
        (service.DATA_LANDED, plant.org_id, "sparkplug"),
    ]
    assert landed[0].payload["batch_id"] == mqtt_batch["id"]
    assert landed[0].payload["rows_accepted"] == 500
    assert landed[0].payload["days"] == ["2026-03-02"]


def test_sigkill_mid_stream_loses_nothing_and_stores_nothing_twice(
    plant: Plant, mqtt_port: int
) -> None:
    group, client_id = unique("g"), unique("w")
    store = TelemetryStore(plant.telemetry_dir)
    devices, per_message, messages_per_device = 10, 100, 30
    total = devices * per_message * messages_per_device  # 30,000 points in 300 messages
    worker = start_worker(plant, mqtt_port, group, client_id)
    pub = publisher(mqtt_port)
    msgs = [
        (
            telemetry_topic(plant.uscc, f"cnc-{d}"),
            encode_batch(series(f"cnc-{d}", per_message, offset=m * per_message)),
        )
        for m in range(messages_per_device)
        for d in range(devices)
    ]
    sender = threading.Thread(target=publish_all, args=(pub, msgs))
    sender.start()
    # Kill the worker once it has stored some, but not all, of the stream.
    deadline = time.monotonic() + 60
    while store.count(plant.org_id) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    stored_at_kill = store.count(plant.org_id)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    assert worker.returncode == -signal.SIGKILL
    sender.join(60)
    pub.loop_stop()
    pub.disconnect()
    assert 0 < stored_at_kill < total, "the kill must land mid-stream"

    # Another worker resumes the session (same client id) and takes the rest.
    second = start_worker(plant, mqtt_port, group, client_id)
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out

    assert store.count(plant.org_id) == total
    got = store.query(plant.org_id)
    keys = set(zip(got.column("device_id").to_pylist(), got.column("ts").to_pylist(), strict=True))
    assert len(keys) == total
    expected_ts = {
        datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=i)
        for i in range(per_message * messages_per_device)
    }
    assert {ts for _, ts in keys} == expected_ts
    store.compact(plant.org_id)
    assert store.physical_rows(plant.org_id) == total


def test_sparkplug_b_data_with_aliases_from_the_birth(plant: Plant, mqtt_port: int) -> None:
    running = Running(plant, mqtt_port, unique("g"), flush_seconds=0.05)
    store = running.store
    # A BIRTH names the metrics and their aliases; DDATA then sends aliases only.
    payload_cls = sparkplug._payload_class()
    birth = payload_cls(timestamp=T0_MS, seq=0)
    birth.metrics.add(name="power_kw", alias=1, timestamp=T0_MS, datatype=10, double_value=3.5)
    birth.metrics.add(name="output_count", alias=2, timestamp=T0_MS, datatype=8, long_value=100)
    birth.metrics.add(name="label", alias=3, timestamp=T0_MS, datatype=12, string_value="x")
    data = payload_cls(timestamp=T0_MS + 60_000, seq=1)
    data.metrics.add(alias=1, timestamp=T0_MS + 60_000, datatype=10, double_value=4.25)
    data.metrics.add(alias=2, timestamp=T0_MS + 60_000, datatype=8, long_value=101)
    data.metrics.add(alias=9, timestamp=T0_MS + 60_000, datatype=10, double_value=1.0)  # unknown
    node = sparkplug.encode([("power_kw", T0_MS, 9.0)], timestamp=T0_MS)
    base = f"spBv1.0/{plant.uscc}"
    pub = publisher(mqtt_port)
    publish_all(pub, [(f"{base}/DBIRTH/gw-1/press-9", birth.SerializeToString())])
    time.sleep(0.3)  # the BIRTH first, as an edge node sends it
    for topic, body, qos in (
        (f"{base}/DDATA/gw-1/press-9", data.SerializeToString(), 0),
        (f"{base}/NDATA/gw-1", node, 1),
        (f"{base}/DDATA/gw-1/press-9", b"\xff\xff garbage", 1),
    ):
        info = pub.publish(topic, body, qos=qos)
        info.wait_for_publish(timeout=10)
    pub.loop_stop()
    pub.disconnect()
    stats = running.join()
    press = store.query(plant.org_id, devices=["press-9"])
    got = list(
        zip(
            press.column("metric").to_pylist(),
            [t.isoformat() for t in press.column("ts").to_pylist()],
            press.column("value").to_pylist(),
            strict=True,
        )
    )
    assert got == [
        ("output_count", "2026-03-02T00:00:00+00:00", 100.0),
        ("output_count", "2026-03-02T00:01:00+00:00", 101.0),
        ("power_kw", "2026-03-02T00:00:00+00:00", 3.5),
        ("power_kw", "2026-03-02T00:01:00+00:00", 4.25),
    ]
    assert store.query(plant.org_id, devices=["gw-1"]).column("value").to_pylist() == [9.0]
    assert stats.rejected == 1  # the garbage payload
    # The BIRTH's text metric and the DDATA's alias no BIRTH named are refused, by reason.
    assert stats.quarantined == 2
    batches = [assert_batch_shape(b) for b in recorded_batches(plant)]
    assert {b["source"] for b in batches} == {"sparkplug"}
    refused: dict[str, int] = {}
    for b in batches:
        for reason, n in b["rejected_by_reason"].items():  # type: ignore[attr-defined]
            refused[reason] = refused.get(reason, 0) + n
    assert refused == {"body": 1, "name": 1, "value": 1}


def test_two_workers_in_a_share_group_split_the_stream(plant: Plant, mqtt_port: int) -> None:
    group = unique("g")
    workers = [Running(plant, mqtt_port, group, flush_seconds=0.05) for _ in range(2)]
    pub = publisher(mqtt_port)
    publish_all(
        pub,
        [
            (telemetry_topic(plant.uscc, f"dev-{m % 4}"), encode_batch(series("d", 50, m * 50)))
            for m in range(40)
        ],
    )
    pub.loop_stop()
    pub.disconnect()
    split = [w.join().messages for w in workers]
    assert sum(split) == 40
    assert min(split) > 0, f"one worker got everything: {split}"
    assert workers[0].store.count(plant.org_id) == 40 * 50
    assert sum(b.rows_accepted for b in recorded_batches(plant)) == 40 * 50
