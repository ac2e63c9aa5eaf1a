"""The broker restarted mid-stream: ingestion resumes by itself, and with an exclusive worker
every point the broker acknowledged to the publisher is stored exactly once.

A private Mosquitto (persistence on, so sessions and queued messages survive the restart) on
its own port; the shared test broker is not to be restarted. Mosquitto 2.0 does not restore
shared subscriptions from persistence: a worker in a share group loses what is published
between the restart and its resubscription, which the second test records."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from chanrong.telemetry.adapters.payload import encode_batch, telemetry_topic
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.conftest import Plant, unique
from tests.telemetry.test_mqtt import series, start_worker

pytestmark = pytest.mark.mqtt

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


class Broker:
    """A Mosquitto process that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        # Not under pytest's tmp_path: its parents are private to root, and Mosquitto started
        # as root drops to its own user, which must reach and write its store.
        base = Path(tempfile.mkdtemp(prefix="chanrong-broker-"))
        self.base = base
        if os.geteuid() == 0:
            shutil.chown(base, "mosquitto")
        self.conf = base / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {base}/\nmax_queued_messages 100000\n"
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("the broker did not start")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): the broker saves its sessions and queues."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(20)


@pytest.fixture
def broker() -> Iterator[Broker]:
    if not Path(MOSQUITTO).exists():
        pytest.skip("Mosquitto is not installed (make test installs it)")
    b = Broker()
    b.start()
    try:
        yield b
    finally:
        if b.proc is not None and b.proc.poll() is None:
            b.proc.kill()
            b.proc.wait()
        shutil.rmtree(b.base, ignore_errors=True)


def _restart_mid_stream(plant: Plant, broker: Broker, group: str) -> tuple[int, int]:
    """Points acknowledged to the publisher and points stored (after a check that none is
    stored twice), with the broker restarted halfway through the stream."""
    store = TelemetryStore(plant.telemetry_dir)
    devices, per_message, rounds = 5, 100, 40
    acked: set[int] = set()
    lock = threading.Lock()

    def on_publish(_c: mqtt.Client, _u: object, mid: int, _rc: object, _p: object) -> None:
        with lock:
            acked.add(mid)

    pub = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("pub"), protocol=mqtt.MQTTv5)
    pub.max_inflight_messages_set(100)
    pub.on_publish = on_publish
    pub.reconnect_delay_set(min_delay=1, max_delay=2)
    pub.connect("127.0.0.1", broker.port)
    pub.loop_start()
    worker = start_worker(plant, broker.port, group, unique("w"))
    mids: dict[int, int] = {}  # message id → points in it
    try:

        def send(first: int, last: int) -> None:
            for m in range(first, last):
                for d in range(devices):
                    body = encode_batch(series(f"cnc-{d}", per_message, offset=m * per_message))
                    info = pub.publish(telemetry_topic(plant.uscc, f"cnc-{d}"), body, qos=1)
                    mids[info.mid] = per_message

        send(0, rounds // 2)
        _until(lambda: store.count(plant.org_id) > 0)
        broker.stop()
        # Published while the broker is down: paho queues them and sends on reconnect.
        send(rounds // 2, rounds)
        time.sleep(1)
        broker.start()
        _until(lambda: len(acked) == len(mids), limit_s=120)
        out, _ = worker.communicate(timeout=180)
    finally:
        pub.loop_stop()
        pub.disconnect()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, out
    total = sum(mids[m] for m in acked)
    assert total == devices * per_message * rounds
    stored = store.count(plant.org_id)
    got = store.query(plant.org_id)
    keys = set(zip(got.column("device_id").to_pylist(), got.column("ts").to_pylist(), strict=True))
    assert len(keys) == stored
    store.compact(plant.org_id)
    assert store.physical_rows(plant.org_id) == stored
    return total, stored


def test_an_exclusive_worker_loses_and_repeats_nothing_across_a_broker_restart(
    plant: Plant, broker: Broker
) -> None:
    acknowledged, stored = _restart_mid_stream(plant, broker, group="")
    assert stored == acknowledged, (stored, acknowledged)


def test_a_shared_worker_resumes_after_a_broker_restart(plant: Plant, broker: Broker) -> None:
    # It reconnects and stores what it is sent after resubscribing; the restart gap's messages
    # are gone on Mosquitto 2.0 (a known limit of shared subscriptions; README).
    acknowledged, stored = _restart_mid_stream(plant, broker, group=unique("g"))
    assert acknowledged // 2 <= stored <= acknowledged


def _until(done: object, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "what was expected never happened"
        time.sleep(0.05)
