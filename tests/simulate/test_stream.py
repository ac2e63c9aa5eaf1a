"""``--stream``: the park's telemetry arrives on a real Mosquitto broker as documented."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.simulate import ParkConfig, simulate_park
from chanrong.simulate.stream import BrokerUnavailable, stream_park
from chanrong.simulate.telemetry import METRICS

pytestmark = pytest.mark.mqtt

CFG = ParkConfig(enterprises=2, months=1, interval_minutes=240, seed=21)


class Subscriber:
    def __init__(self, port: int, topic: str) -> None:
        self.messages: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        subscribed = threading.Event()
        self.client = Client(
            CallbackAPIVersion.VERSION2, client_id=f"test-sub-{uuid.uuid4().hex[:8]}"
        )
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert subscribed.wait(10), "no SUBACK from the broker"

    def _on_message(self, client: Client, userdata: object, msg: MQTTMessage) -> None:
        with self._lock:
            self.messages.append((msg.topic, json.loads(msg.payload)))

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.messages) < count:
            time.sleep(0.05)
        assert len(self.messages) == count

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_stream_publishes_the_whole_park_to_the_broker(mqtt_port: int) -> None:
    prefix = f"test-{uuid.uuid4().hex[:10]}/chanrong/v1"
    sub = Subscriber(mqtt_port, f"{prefix}/#")
    try:
        summary = stream_park(
            CFG,
            host="127.0.0.1",
            port=mqtt_port,
            rate=0,
            batch_slots=4,
            client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
            topic_prefix=prefix,
        )
        sub.wait_for(summary.messages)
    finally:
        sub.close()
    park = simulate_park(CFG)
    assert summary.points == park.telemetry.num_rows
    published: Counter[tuple[str, str, str, float]] = Counter()
    owners = dict(
        zip(park.devices["device_id"].to_pylist(), park.devices["uscc"].to_pylist(), strict=True)
    )
    for topic, payload in sub.messages:
        root, uscc, device_id, leaf = topic.rsplit("/", 3)
        assert root == prefix and leaf == "telemetry"
        assert set(payload) == {"device_id", "points"}
        assert payload["device_id"] == device_id and owners[device_id] == uscc
        assert 1 <= len(payload["points"]) <= 4 * 6 + 6  # a window of one device, late ones too
        for p in payload["points"]:
            assert set(p) == {"metric", "ts", "value"} and p["metric"] in METRICS
            assert p["ts"].endswith("Z")
            ts = datetime.fromisoformat(p["ts"])
            published[(device_id, p["metric"], ts.isoformat(), p["value"])] += 1
    stored = Counter(
        (r["device_id"], r["metric"], r["ts"].isoformat(), r["value"])
        for r in park.telemetry.select(["device_id", "metric", "ts", "value"]).to_pylist()
    )
    # Exactly the park's telemetry, faults included (duplicates twice, gaps missing).
    assert published == stored


def test_late_readings_are_published_late(mqtt_port: int) -> None:
    cfg = CFG.with_changes(faults=CFG.faults.scaled(10))
    prefix = f"test-{uuid.uuid4().hex[:10]}/chanrong/v1"
    sub = Subscriber(mqtt_port, f"{prefix}/#")
    try:
        summary = stream_park(
            cfg,
            host="127.0.0.1",
            port=mqtt_port,
            batch_slots=1,
            topic_prefix=prefix,
            rate=0,
            client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
        )
        sub.wait_for(summary.messages)
    finally:
        sub.close()
    late = simulate_park(cfg).faults.to_pandas().query("kind == 'late_arrival'")
    assert len(late) > 10
    carried_by: dict[tuple[str, str, str], list[datetime]] = {}
    for _, payload in sub.messages:
        times = [datetime.fromisoformat(p["ts"]) for p in payload["points"]]
        for p in payload["points"]:
            key = (payload["device_id"], p["metric"], p["ts"])
            carried_by.setdefault(key, []).extend(times)
    # A late reading travels with the readings of the window it arrives in, hours younger.
    published_late = 0
    for f in late.itertuples():
        key = (f.device_id, f.metric, f.start.strftime("%Y-%m-%dT%H:%M:%SZ"))
        company = carried_by[key]
        if max(company) - f.start.to_pydatetime() >= timedelta(hours=4):
            published_late += 1
    assert published_late >= 0.8 * len(late)


def test_max_points_stops_the_stream(mqtt_port: int) -> None:
    prefix = f"test-{uuid.uuid4().hex[:10]}/chanrong/v1"
    summary = stream_park(
        CFG,
        host="127.0.0.1",
        port=mqtt_port,
        rate=0,
        max_points=500,
        topic_prefix=prefix,
        client_id=f"test-pub-{uuid.uuid4().hex[:8]}",
    )
    assert 500 <= summary.points < 500 + 30
    assert summary.messages < 500


def test_unreachable_broker_is_a_plain_error(tmp_path: Path) -> None:
    with pytest.raises(BrokerUnavailable, match="cannot reach"):
        stream_park(CFG, host="127.0.0.1", port=1, rate=0)
    result = CliRunner().invoke(
        app, ["simulate", "--preset", "tiny", "--stream", "--mqtt-port", "1"]
    )
    assert result.exit_code == 2
    assert "cannot reach the MQTT broker" in result.output


def test_cli_stream_publishes_with_progress(mqtt_port: int) -> None:
    prefix = f"test-{uuid.uuid4().hex[:10]}/chanrong/v1"
    sub = Subscriber(mqtt_port, f"{prefix}/#")
    try:
        result = CliRunner().invoke(
            app,
            [
                "simulate",
                "--preset",
                "tiny",
                "--stream",
                "--mqtt-port",
                str(mqtt_port),
                "--rate",
                "0",
                "--max-points",
                "300",
                "--topic-prefix",
                prefix,
                "--client-id",
                f"test-cli-{uuid.uuid4().hex[:8]}",
            ],
        )
        assert result.exit_code == 0, result.output
        assert "published" in result.output
        found = re.search(r"([\d,]+)\s+readings\s+in\s+([\d,]+)\s+messages", result.output)
        assert found, result.output
        messages = int(found.group(2).replace(",", ""))
        sub.wait_for(messages)
    finally:
        sub.close()
    points = sum(len(p["points"]) for _, p in sub.messages)
    assert 300 <= points < 330
    assert all(t.startswith(prefix + "/9") for t, _ in sub.messages)
