"""Remote lock that cannot be forged or replayed: the gateway's verifier, each refusal, and
the signed lock over the real broker with a forged command refused and reported."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.demo.device_gateway import SimulatedGateway
from chanrong.leasing.commands import MqttCommander, command_topic
from chanrong.leasing.signing import (
    CommandRefused,
    CommandSigner,
    CommandVerifier,
    load_or_create_signer,
)
from chanrong.storage.database import Database
from tests.builders import Park, fresh_uscc

NOW = datetime(2026, 10, 22, 1, tzinfo=UTC)
SIGNER = CommandSigner(Ed25519PrivateKey.generate())


def _signed(**over: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "uscc": "91330502MA2B3C4D5E",
        "device_id": "sew-01",
        "command": "lock",
        "reason": "arrears",
        "command_id": "cmd-1",
        "now": NOW,
    }
    return SIGNER.sign(**{**args, **over})


def _verifier() -> CommandVerifier:
    return CommandVerifier(SIGNER.public_key, "91330502MA2B3C4D5E", "sew-01")


def _refusal(v: CommandVerifier, message: bytes | str, at: datetime = NOW) -> str:
    with pytest.raises(CommandRefused) as refused:
        v.verify(message, now=at)
    return refused.value.reason


def test_a_signed_fresh_command_for_this_device_is_obeyed_once() -> None:
    v = _verifier()
    body = json.dumps(_signed())
    ok = v.verify(body, now=NOW + timedelta(seconds=5))
    assert (ok.command, ok.command_id) == ("lock", "cmd-1")
    # The same bytes again are a replay, however fresh.
    assert _refusal(v, body, NOW + timedelta(seconds=6)) == "replayed"
    # A new command (new nonce) is obeyed.
    assert v.verify(json.dumps(_signed(command="unlock")), now=NOW).command == "unlock"


def test_an_expired_command_is_refused() -> None:
    v = _verifier()
    body = json.dumps(_signed(ttl=timedelta(minutes=5)))
    assert _refusal(v, body, NOW + timedelta(minutes=5)) == "expired"
    assert _refusal(v, body, NOW - timedelta(minutes=2)) == "not_yet_valid"
    # A command valid for a day is a standing order, refused even while "valid".
    long = json.dumps(_signed(ttl=timedelta(days=1)))
    assert _refusal(v, long) == "expired"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("command", "unlock"),
        ("device_id", "sew-02"),
        ("expires_at", "2027-01-01T00:00:00Z"),
        ("nonce", "00" * 16),
        ("reason", "because"),
    ],
)
def test_an_altered_command_is_refused(field: str, value: str) -> None:
    body = _signed()
    body[field] = value
    assert _refusal(_verifier(), json.dumps(body)) == "bad_signature"


def test_forged_malformed_and_misdirected_commands_are_refused() -> None:
    v = _verifier()
    forger = CommandSigner(Ed25519PrivateKey.generate())
    forged = forger.sign(
        uscc="91330502MA2B3C4D5E",
        device_id="sew-01",
        command="lock",
        reason="x",
        command_id="c",
        now=NOW,
    )
    assert _refusal(v, json.dumps(forged)) == "bad_signature"
    unsigned = {k: val for k, val in _signed().items() if k != "signature"}
    assert _refusal(v, json.dumps(unsigned)) == "bad_signature"
    assert _refusal(v, json.dumps({**_signed(), "signature": "!!"})) == "bad_signature"
    assert _refusal(v, b"\xff not json") == "malformed"
    assert _refusal(v, json.dumps({"command": "lock"})) == "malformed"
    # Genuinely signed, but for another device: that device's command, not this one's.
    other = json.dumps(_signed(device_id="sew-02"))
    assert _refusal(v, other) == "wrong_device"
    # A refused forgery does not burn the nonce of the genuine command it copied.
    genuine = _signed()
    tampered = {**genuine, "command": "unlock"}
    assert _refusal(v, json.dumps(tampered)) == "bad_signature"
    assert v.verify(json.dumps(genuine), now=NOW).command == "lock"


def test_the_command_key_is_created_once_and_kept(tmp_path: Path) -> None:
    first = load_or_create_signer(tmp_path)
    again = load_or_create_signer(tmp_path)
    body = json.dumps(
        first.sign(uscc="u", device_id="d", command="lock", reason="r", command_id="c")
    )
    assert CommandVerifier(again.public_key, "u", "d").verify(body).command == "lock"
    assert (tmp_path / "keys" / "device-command-ed25519.pem").stat().st_mode & 0o077 == 0


def test_signed_lock_over_the_broker_and_a_forgery_refused(mqtt_port: int) -> None:
    uscc = fresh_uscc()
    signer = CommandSigner(Ed25519PrivateKey.generate())
    gateway = SimulatedGateway(
        mqtt_port, uscc, "sew-01", verifier=CommandVerifier(signer.public_key, uscc, "sew-01")
    )
    try:
        # Someone on the broker without the platform's key publishes an unlock: refused.
        forger = CommandSigner(Ed25519PrivateKey.generate())
        attacker = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        attacker.connect("127.0.0.1", mqtt_port)
        attacker.loop_start()
        forged = forger.sign(
            uscc=uscc, device_id="sew-01", command="lock", reason="x", command_id="f"
        )
        attacker.publish(command_topic(uscc, "sew-01"), json.dumps(forged), qos=1).wait_for_publish(
            5
        )
        deadline = time.monotonic() + 5
        while not gateway.refused and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gateway.refused == ["bad_signature"]
        assert not gateway.locked and gateway.received == []
        # The platform's signed lock is obeyed and acknowledged.
        commander = MqttCommander("127.0.0.1", mqtt_port, timeout_s=5, signer=signer)
        result = commander.send(
            uscc=uscc, device_id="sew-01", command="lock", reason="arrears", command_id="c-1"
        )
        assert result.acknowledged and result.refused is None
        assert gateway.locked
        # Replaying the captured signed lock after an unlock does not re-lock the device.
        captured = json.dumps(gateway.received[0])
        assert commander.send(
            uscc=uscc, device_id="sew-01", command="unlock", reason="paid", command_id="c-2"
        ).acknowledged
        assert not gateway.locked
        attacker.publish(command_topic(uscc, "sew-01"), captured, qos=1).wait_for_publish(5)
        deadline = time.monotonic() + 5
        while len(gateway.refused) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gateway.refused == ["bad_signature", "replayed"]
        assert not gateway.locked
        # An unsigned commander's lock is refused and the platform hears why.
        plain = MqttCommander("127.0.0.1", mqtt_port, timeout_s=5)
        refused = plain.send(
            uscc=uscc, device_id="sew-01", command="lock", reason="x", command_id="c-3"
        )
        assert (refused.acknowledged, refused.refused) == (False, "malformed")
        assert not gateway.locked
        attacker.loop_stop()
        attacker.disconnect()
    finally:
        gateway.close()


def test_a_gateway_is_provisioned_with_the_platform_command_key(
    settings: Settings, db: Database, park: Park
) -> None:
    """The key the API publishes verifies what the platform signs with its own command key."""
    app = create_app(settings, db)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/leasing/command-key").status_code == 401
        r = client.get("/leasing/command-key", headers=park["enterprise"]["admin"].headers)
    assert r.status_code == 200
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(r.json()["public_key_b64"]))
    body = load_or_create_signer(settings.var_dir).sign(
        uscc="u", device_id="d", command="unlock", reason="paid", command_id="c"
    )
    assert CommandVerifier(key, "u", "d").verify(json.dumps(body)).command == "unlock"
