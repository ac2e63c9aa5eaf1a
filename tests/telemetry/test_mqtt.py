"""MQTT 5 through the real Mosquitto broker: shared subscription, QoS 1, ack after store."""

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

from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.storage.database import Database
from chanrong.telemetry import service
from chanrong.telemetry.adapters.mqtt import MqttIngestWorker
from chanrong.telemetry.adapters.payload import encode_batch, telemetry_topic
from chanrong.telemetry.store import TelemetryStore
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


def test_points_flow_through_the_broker_into_the_store(plant: Plant, mqtt_port: int) -> None:
    db = Database(plant.db_url)
    owner = Principal("u", plant.org_id, OrgKind.ENTERPRISE, frozenset({Role.OFFICER}))
    with db.unit_of_work() as session:
        # This enterprise's meters send MWh; the store keeps kWh.
        service.set_metric(session, owner, org_id=plant.org_id, metric="energy_kwh", unit="MWh")
        resolve_units = service.metric_specs(session, plant.org_id)[1]
    assert resolve_units == {"energy_kwh": "MWh"}

    def resolve(uscc: str) -> tuple[str, dict[str, str]] | None:
        with db.unit_of_work() as session:
            org = service.org_for_uscc(session, uscc)
            return (org, service.metric_specs(session, org)[1]) if org else None

    store = TelemetryStore(plant.telemetry_dir)
    group = unique("g")
    worker = MqttIngestWorker(
        store=store,
        resolve=resolve,
        convert=service.to_canonical_units,
        host="127.0.0.1",
        port=mqtt_port,
        group=group,
        client_id=unique("w"),
        flush_points=1_000,
        flush_seconds=0.05,
    )
    ready = threading.Event()
    result: dict[str, object] = {}
    thread = threading.Thread(
        target=lambda: result.update(stats=worker.run(idle_exit=2, on_ready=ready.set))
    )
    thread.start()
    assert ready.wait(20), "worker never subscribed"
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
    thread.join(30)
    assert not thread.is_alive()
    stats = result["stats"]
    assert stats.messages == 6  # type: ignore[attr-defined]
    assert stats.rejected == 2  # type: ignore[attr-defined]
    assert store.count(plant.org_id) == 502
    meter = store.query(plant.org_id, devices=["meter-1"])
    assert meter.column("value").to_pylist() == [1750.0, 1500.0]
    assert [t.isoformat() for t in meter.column("ts").to_pylist()] == [
        "2026-03-01T16:15:00+00:00",
        "2026-03-02T00:00:00+00:00",
    ]
    press = store.query(plant.org_id, devices=["press-1"])
    assert press.column("value").to_pylist() == [float(i % 97) for i in range(300)]
    db.dispose()


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
    from chanrong.telemetry.adapters import sparkplug

    store = TelemetryStore(plant.telemetry_dir)

    def resolve(uscc: str) -> tuple[str, dict[str, str]] | None:
        return (plant.org_id, {}) if uscc == plant.uscc else None

    worker = MqttIngestWorker(
        store=store,
        resolve=resolve,
        convert=service.to_canonical_units,
        host="127.0.0.1",
        port=mqtt_port,
        group=unique("g"),
        client_id=unique("w"),
        flush_seconds=0.05,
    )
    ready = threading.Event()
    thread = threading.Thread(target=lambda: worker.run(idle_exit=2, on_ready=ready.set))
    thread.start()
    assert ready.wait(20)
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
    thread.join(30)
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
    assert worker.stats.rejected == 1


def test_two_workers_in_a_share_group_split_the_stream(plant: Plant, mqtt_port: int) -> None:
    store = TelemetryStore(plant.telemetry_dir)
    group = unique("g")
    workers = [
        MqttIngestWorker(
            store=store,
            resolve=lambda u: (plant.org_id, {}) if u == plant.uscc else None,
            convert=service.to_canonical_units,
            host="127.0.0.1",
            port=mqtt_port,
            group=group,
            client_id=unique("w"),
            flush_seconds=0.05,
        )
        for _ in range(2)
    ]
    readies = [threading.Event() for _ in workers]
    threads = [
        threading.Thread(target=lambda w=w, r=r: w.run(idle_exit=2, on_ready=r.set))
        for w, r in zip(workers, readies, strict=True)
    ]
    for t in threads:
        t.start()
    assert all(r.wait(20) for r in readies)
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
    for t in threads:
        t.join(30)
    split = [w.stats.messages for w in workers]
    assert sum(split) == 40
    assert min(split) > 0, f"one worker got everything: {split}"
    assert store.count(plant.org_id) == 40 * 50
