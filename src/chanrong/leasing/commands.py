"""Remote lock/unlock of a leased device over MQTT, confirmed by the device's acknowledgement.

Topics: the platform publishes ``chanrong/v1/{uscc}/{device_id}/command`` (QoS 1) with
``{"command_id", "command": "lock"|"unlock", "reason"}`` — signed by the platform when the
commander has a signer (``chanrong.leasing.signing``: device, nonce, expiry and an Ed25519
signature ride along); the device's gateway answers on
``chanrong/v1/{uscc}/{device_id}/command/ack`` with ``{"command_id", "status": "ok"}``, or
``{"command_id", "status": "refused", "reason"}`` when it will not obey (forged, replayed,
expired, another device's).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from chanrong.core.errors import ServiceUnavailable
from chanrong.core.ids import new_id
from chanrong.leasing.signing import CommandSigner


def command_topic(uscc: str, device_id: str) -> str:
    return f"chanrong/v1/{uscc}/{device_id}/command"


def ack_topic(uscc: str, device_id: str) -> str:
    return f"{command_topic(uscc, device_id)}/ack"


@dataclass(frozen=True, slots=True)
class CommandResult:
    command_id: str
    acknowledged: bool
    refused: str | None = None  # the gateway's reason when it refused the command


class Commander(Protocol):
    """Sends a command to a device and says whether the device acknowledged it."""

    def send(
        self, *, uscc: str, device_id: str, command: str, reason: str, command_id: str
    ) -> CommandResult: ...


class MqttCommander:
    """Publishes commands on a real broker and waits (bounded) for the device's ack."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        timeout_s: float = 5.0,
        signer: CommandSigner | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.signer = signer

    def send(
        self, *, uscc: str, device_id: str, command: str, reason: str, command_id: str
    ) -> CommandResult:
        acked = threading.Event()
        refusal: list[str] = []
        subscribed = threading.Event()

        def on_subscribe(*_: Any) -> None:
            subscribed.set()

        def on_message(_c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
            try:
                body = json.loads(msg.payload)
            except ValueError:
                return
            if not isinstance(body, dict) or body.get("command_id") != command_id:
                return
            if body.get("status") == "ok":
                acked.set()
            elif body.get("status") == "refused":
                refusal.append(str(body.get("reason", "refused")))
                acked.set()

        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"chanrong-cmd-{new_id()[-12:]}",
            protocol=mqtt.MQTTv5,
        )
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        try:
            client.connect(self.host, self.port)
        except OSError as exc:
            # The broker is down: nothing was sent, so the enforcement (and its log entry) is
            # rolled back and answered 503, to be repeated.
            raise ServiceUnavailable(
                f"broker: cannot reach the MQTT broker at {self.host}:{self.port} "
                f"({type(exc).__name__}); no command was sent",
                field="broker",
            ) from None
        client.loop_start()
        try:
            client.subscribe(ack_topic(uscc, device_id), qos=1)
            subscribed.wait(self.timeout_s)
            body: dict[str, Any] = (
                self.signer.sign(
                    uscc=uscc,
                    device_id=device_id,
                    command=command,
                    reason=reason,
                    command_id=command_id,
                )
                if self.signer is not None
                else {"command_id": command_id, "command": command, "reason": reason}
            )
            info = client.publish(command_topic(uscc, device_id), json.dumps(body), qos=1)
            info.wait_for_publish(self.timeout_s)
            answered = acked.wait(self.timeout_s)
            if refusal:
                return CommandResult(command_id, False, refused=refusal[0])
            return CommandResult(command_id, answered)
        finally:
            client.loop_stop()
            client.disconnect()
