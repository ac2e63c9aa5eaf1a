"""Per-device MQTT accounts on a real Mosquitto broker: a device reads only its own command
topic, cannot subscribe to (or receive) another device's commands, cannot forge one onto
another device's topic, and an anonymous or wrong-password client is refused.

The broker is a separate Mosquitto on its own loopback port, started from the installed
binary with the password and ACL files ``chanrong.leasing.broker_access`` writes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from chanrong.core.errors import ValidationFailed
from chanrong.demo.device_gateway import GatewayError, SimulatedGateway
from chanrong.leasing.broker_access import (
    PLATFORM_USER,
    DeviceAccount,
    acl_text,
    broker_config,
    device_username,
    new_accounts,
    write_broker_access,
)
from chanrong.leasing.commands import MqttCommander, command_topic
from chanrong.leasing.signing import CommandSigner, CommandVerifier

USCC = "91330500MA2B3C4D5E"
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


@dataclass
class Broker:
    port: int
    accounts: dict[str, DeviceAccount]
    platform_password: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    if not (os.path.exists(MOSQUITTO) and shutil.which("mosquitto_passwd")):
        pytest.skip("mosquitto and mosquitto_passwd are not installed")
    accounts = new_accounts([(USCC, "sew-01"), (USCC, "sew-02")])
    platform_password = "platform-secret-for-the-test"
    files = write_broker_access(tmp_path / "access", accounts, platform_password)
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(broker_config(port, tmp_path / "access", run_as_root=os.geteuid() == 0))
    proc = subprocess.Popen(
        [MOSQUITTO, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("the test broker did not start")
        # The password file holds hashes only, never the plaintext passwords.
        stored = files["passwd"].read_text()
        assert all(a.password not in stored for a in accounts) and "$7$" in stored
        yield Broker(port, {a.device_id: a for a in accounts}, platform_password)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Client:
    """A bare MQTT v5 client recording its connect result, SUBACK codes and messages."""

    def __init__(self, port: int, username: str | None, password: str | None) -> None:
        self.connected = threading.Event()
        self.connect_failed: bool | None = None
        self.subacks: list[list[Any]] = []
        self.subscribed = threading.Event()
        self.messages: list[tuple[str, bytes]] = []
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        if username is not None:
            self.c.username_pw_set(username, password)
        self.c.on_connect = self._on_connect
        self.c.on_subscribe = self._on_subscribe
        self.c.on_message = lambda _c, _u, m: self.messages.append((m.topic, bytes(m.payload)))
        self.c.connect("127.0.0.1", port)
        self.c.loop_start()
        assert self.connected.wait(5)

    def _on_connect(self, _c: Any, _u: Any, _f: Any, rc: Any, _p: Any = None) -> None:
        self.connect_failed = rc.is_failure
        self.connected.set()

    def _on_subscribe(self, _c: Any, _u: Any, _m: Any, codes: list[Any], _p: Any = None) -> None:
        self.subacks.append(codes)
        self.subscribed.set()

    def subscribe(self, topic: str) -> list[Any]:
        self.subscribed.clear()
        self.c.subscribe(topic, qos=1)
        assert self.subscribed.wait(5)
        return self.subacks[-1]

    def publish(self, topic: str, body: str) -> None:
        self.c.publish(topic, body, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.c.loop_stop()
        self.c.disconnect()


def _as(broker: Broker, device: str) -> Client:
    a = broker.accounts[device]
    return Client(broker.port, a.username, a.password)


@pytest.mark.mqtt
def test_a_device_cannot_subscribe_to_another_devices_command_topic(broker: Broker) -> None:
    one, two = _as(broker, "sew-01"), _as(broker, "sew-02")
    platform = Client(broker.port, PLATFORM_USER, broker.platform_password)
    try:
        assert not one.connect_failed and not two.connect_failed
        (own,) = one.subscribe(command_topic(USCC, "sew-01"))
        assert not own.is_failure
        # sew-01 asks for sew-02's topic and for every device's: depending on the broker's
        # version the SUBACK refuses it (MQTT v5 0x87 "Not authorized") or grants it and the
        # ACL's read check stops every message at delivery (Mosquitto 2.0.11 does the latter).
        # Either way nothing of sew-02's may arrive, which is what is asserted below.
        one.subscribe(command_topic(USCC, "sew-02"))
        one.subscribe(f"chanrong/v1/{USCC}/+/command")
        one.subscribe("#")
        two.subscribe(command_topic(USCC, "sew-02"))
        # The platform's command for sew-02 reaches sew-02 only.
        platform.publish(command_topic(USCC, "sew-02"), '{"command": "lock"}')
        # sew-01 tries to forge a command onto sew-02's topic: the broker drops it.
        one.publish(command_topic(USCC, "sew-02"), '{"command": "unlock", "forged": true}')
        platform.publish(command_topic(USCC, "sew-01"), '{"command": "unlock"}')
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not (one.messages and two.messages):
            time.sleep(0.05)
        time.sleep(0.3)  # room for a wrongly delivered message to arrive
        # sew-01 hears only its own command (once per overlapping subscription it holds).
        assert one.messages and set(one.messages) == {
            (command_topic(USCC, "sew-01"), b'{"command": "unlock"}')
        }
        assert two.messages == [(command_topic(USCC, "sew-02"), b'{"command": "lock"}')]
    finally:
        for c in (one, two, platform):
            c.close()


@pytest.mark.mqtt
def test_anonymous_and_wrong_password_clients_are_refused(broker: Broker) -> None:
    anonymous = Client(broker.port, None, None)
    wrong = Client(broker.port, broker.accounts["sew-01"].username, "not-the-password")
    try:
        assert anonymous.connect_failed and wrong.connect_failed
    finally:
        anonymous.close()
        wrong.close()


@pytest.mark.mqtt
def test_a_signed_lock_over_the_access_controlled_broker(broker: Broker) -> None:
    """End to end with the accounts: the platform's commander publishes a signed lock, the
    device's gateway (its own account) verifies and acknowledges it; a gateway that listens on
    another device's topic under its own account never hears that device's lock."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = CommandSigner(Ed25519PrivateKey.generate())
    a = broker.accounts["sew-01"]
    gateway = SimulatedGateway(
        broker.port,
        USCC,
        "sew-01",
        verifier=CommandVerifier(signer.public_key, USCC, "sew-01"),
        username=a.username,
        password=a.password,
    )
    try:
        commander = MqttCommander(
            "127.0.0.1",
            broker.port,
            signer=signer,
            username=PLATFORM_USER,
            password=broker.platform_password,
        )
        result = commander.send(
            uscc=USCC, device_id="sew-01", command="lock", reason="test", command_id="c-1"
        )
        assert result.acknowledged and gateway.locked
        # sew-01's gateway posing as sew-02: the platform's lock for sew-02 never reaches it.
        try:
            impostor: SimulatedGateway | None = SimulatedGateway(
                broker.port, USCC, "sew-02", username=a.username, password=a.password
            )
        except GatewayError:  # a broker that refuses the SUBACK outright
            impostor = None
        commander.timeout_s = 1.0
        result = commander.send(
            uscc=USCC, device_id="sew-02", command="lock", reason="test", command_id="c-2"
        )
        assert not result.acknowledged
        if impostor is not None:
            assert impostor.received == [] and not impostor.locked
            impostor.close()
    finally:
        gateway.close()


def test_usernames_and_acl_admit_no_wildcards() -> None:
    assert device_username(USCC, "sew-01") == f"{USCC}.sew-01"
    for bad in ("sew/01", "sew+", "#", "a:b", "a b", ""):
        with pytest.raises(ValidationFailed) as e:
            device_username(USCC, bad)
        assert e.value.field == "device_id"
    acl = acl_text([(USCC, "sew-01")])
    assert f"user {USCC}.sew-01\ntopic read chanrong/v1/{USCC}/sew-01/command\n" in acl
    # A device may never read anything but its own command topic.
    device_lines = acl.split(f"user {USCC}.sew-01\n")[1].splitlines()
    reads = [ln for ln in device_lines if ln.startswith("topic read")]
    assert reads == [f"topic read {command_topic(USCC, 'sew-01')}"]
    assert "readwrite" not in acl.split(f"user {USCC}.sew-01")[1]
