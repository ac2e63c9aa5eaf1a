"""The device side of remote lock: a gateway that obeys lock/unlock and acknowledges.

Real gateways run on the factory floor; this one stands in for them in the demo and tests,
speaking the same topics over a real broker (see ``chanrong.leasing.commands``).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from chanrong.core.ids import new_id
from chanrong.leasing.commands import ack_topic, command_topic
from chanrong.leasing.signing import CommandRefused, CommandVerifier


class GatewayError(RuntimeError):
    """The gateway could not reach the broker."""


class SimulatedGateway:
    """Subscribes to the device's command topic; records commands; answers with an ack."""

    def __init__(
        self,
        port: int,
        uscc: str,
        device_id: str,
        *,
        host: str = "127.0.0.1",
        answer: bool = True,
        verifier: CommandVerifier | None = None,
    ) -> None:
        self.uscc, self.device_id, self.answer = uscc, device_id, answer
        # With a verifier the gateway obeys only platform-signed, fresh commands for itself.
        self.verifier = verifier
        self.received: list[dict[str, Any]] = []
        self.refused: list[str] = []  # the reasons of commands refused, in order
        self.locked = False
        self._ready = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=f"gw-{device_id}-{new_id()[-8:]}",
            protocol=mqtt.MQTTv5,
        )
        self.client.on_subscribe = lambda *_: self._ready.set()
        self.client.on_message = self._on_message
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe(command_topic(uscc, device_id), qos=1)
        if not self._ready.wait(5):
            raise GatewayError("gateway could not subscribe")

    def _on_message(self, _c: Any, _u: Any, msg: mqtt.MQTTMessage) -> None:
        if self.verifier is not None:
            try:
                self.verifier.verify(bytes(msg.payload))
            except CommandRefused as refused:
                # Refused and reported: the platform (and the log) hear why.
                self.refused.append(refused.reason)
                try:
                    command_id = json.loads(msg.payload).get("command_id")
                except (ValueError, AttributeError):
                    command_id = None
                nack = {"command_id": command_id, "status": "refused", "reason": refused.reason}
                self.client.publish(ack_topic(self.uscc, self.device_id), json.dumps(nack), qos=1)
                return
        body = json.loads(msg.payload)
        self.received.append(body)
        self.locked = body["command"] == "lock"
        if self.answer:
            ack = json.dumps({"command_id": body["command_id"], "status": "ok"})
            self.client.publish(ack_topic(self.uscc, self.device_id), ack, qos=1)

    def close(self) -> None:
        """Leave the broker."""
        self.client.loop_stop()
        self.client.disconnect()
