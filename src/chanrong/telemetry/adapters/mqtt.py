"""MQTT 5 ingestion worker: a shared subscription, QoS 1, acknowledged only once stored.

Reads the JSON batches of ``chanrong/v1/{uscc}/{device_id}/telemetry`` and Sparkplug B
(``spBv1.0/{uscc}/DDATA/{node}/{device}``).

Several workers in one share group split the load. Messages are buffered and written to the
store in one fsync'd file per organisation and flush; only then are their PUBACKs sent. A
worker killed before acknowledging gets its messages redelivered (to its resumed session),
and the store's dedup on (device_id, metric, ts) makes that redelivery store nothing twice.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import paho.mqtt.client as mqtt
import pyarrow as pa
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from chanrong.telemetry.adapters import sparkplug
from chanrong.telemetry.adapters.payload import PayloadError, decode_batch, parse_topic
from chanrong.telemetry.store import TelemetryStore

log = logging.getLogger(__name__)

# (org_id, {metric: unit it arrives in}) for a USCC, or None when no such enterprise.
Resolver = Callable[[str], "tuple[str, dict[str, str]] | None"]
Convert = Callable[[pa.Table, dict[str, str]], pa.Table]


UNKNOWN_RETRY_S = 30.0


def share_topic(group: str) -> str:
    return f"$share/{group}/chanrong/v1/+/+/telemetry"


@dataclass
class WorkerStats:
    messages: int = 0
    points: int = 0
    flushes: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    last_flush_at: float = 0.0  # wall clock (time.time) when the last points were stored


@dataclass
class _Pending:
    mids: list[tuple[int, int]] = field(default_factory=list)  # (mid, qos)
    by_org: dict[str, list[tuple[str, pa.Array, pa.Array, pa.Array]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    points: int = 0
    since: float = 0.0


class MqttIngestWorker:
    """Consume ``chanrong/v1/+/+/telemetry`` through a shared subscription into the store."""

    def __init__(
        self,
        *,
        store: TelemetryStore,
        resolve: Resolver,
        convert: Convert,
        host: str,
        port: int,
        group: str,
        client_id: str,
        flush_points: int = 20_000,
        flush_seconds: float = 0.2,
        sparkplug: bool = True,
    ) -> None:
        self.store = store
        self.sparkplug = sparkplug
        self._aliases: dict[tuple[str, str, str], dict[int, str]] = {}
        self.resolve = resolve
        self.convert = convert
        self.group = group
        self.flush_points = flush_points
        self.flush_seconds = flush_seconds
        self.stats = WorkerStats()
        self._pending = _Pending()
        self._orgs: dict[str, tuple[str, dict[str, str]] | None] = {}
        self._unknown_until: dict[str, float] = {}
        self._stop = False
        self._subscribed = False
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        # Keep the session (and its unacknowledged messages) for an hour after a crash, so a
        # restarted worker with the same client id receives them again.
        props.SessionExpiryInterval = 3600
        self.client.connect(host, port, keepalive=30, clean_start=False, properties=props)

    def _on_connect(
        self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any = None
    ) -> None:
        if reason.is_failure:
            raise ConnectionError(f"MQTT broker refused the connection: {reason}")
        topics = [(share_topic(self.group), 1)]
        if self.sparkplug:
            g = self.group
            topics += [
                (f"$share/{g}/{sparkplug.NAMESPACE}/+/DDATA/+/+", 1),
                (f"$share/{g}/{sparkplug.NAMESPACE}/+/NDATA/+", 1),
                # Every worker keeps the alias names a BIRTH announces.
                (f"{sparkplug.NAMESPACE}/+/DBIRTH/+/+", 1),
                (f"{sparkplug.NAMESPACE}/+/NBIRTH/+", 1),
            ]
        client.subscribe(topics)

    def _on_subscribe(self, _c: mqtt.Client, _u: Any, _mid: int, codes: Any, _p: Any) -> None:
        if any(c.is_failure for c in codes):
            raise ConnectionError(f"MQTT broker refused the subscription: {codes}")
        self._subscribed = True

    def _on_message(self, _c: mqtt.Client, _u: Any, msg: mqtt.MQTTMessage) -> None:
        pending = self._pending
        if not pending.mids:
            pending.since = time.monotonic()
        pending.mids.append((msg.mid, msg.qos))
        self.stats.messages += 1
        try:
            if msg.topic.startswith(sparkplug.NAMESPACE + "/"):
                uscc, device_id, arrays = self._sparkplug(msg.topic, bytes(msg.payload))
            else:
                parts = parse_topic(msg.topic)
                uscc, device_id = parts.uscc, parts.device_id
                arrays = decode_batch(bytes(msg.payload))
            target = self._org(uscc)
            if target is None:
                raise PayloadError(f"uscc: no enterprise {uscc} is registered")
            metrics, stamps, values = arrays
        except (PayloadError, sparkplug.SparkplugError) as exc:
            # A message that can never be stored is acknowledged and counted, not redelivered
            # forever.
            self.stats.rejected += 1
            reason = str(exc).split(":", 1)[0]
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
            log.warning("rejected MQTT message on %s: %s", msg.topic, exc)
            return
        if len(values):
            pending.by_org[target[0]].append((device_id, metrics, stamps, values))
            pending.points += len(values)

    def _sparkplug(self, topic: str, body: bytes) -> tuple[str, str, tuple[pa.Array, ...]]:
        t = sparkplug.parse_topic(topic)
        if t.message_type not in sparkplug.DATA_TYPES + sparkplug.BIRTH_TYPES:
            raise sparkplug.SparkplugError(f"topic: {t.message_type} messages carry no data")
        key = (t.group_id, t.edge_node_id, t.device_id or "")
        aliases = self._aliases.setdefault(key, {})
        if t.message_type in sparkplug.BIRTH_TYPES:
            aliases.clear()
        arrays, named = sparkplug.decode(body, aliases)
        aliases.update(named)
        return t.group_id, t.device, arrays

    def _org(self, uscc: str) -> tuple[str, dict[str, str]] | None:
        found = self._orgs.get(uscc)
        if found is not None:
            return found
        # An enterprise onboarded while the worker runs is found within UNKNOWN_RETRY_S.
        if self._unknown_until.get(uscc, 0.0) > time.monotonic():
            return None
        found = self.resolve(uscc)
        if found is None:
            self._unknown_until[uscc] = time.monotonic() + UNKNOWN_RETRY_S
        else:
            self._orgs[uscc] = found
        return found

    def flush(self) -> int:
        """Store what is buffered, durably, then acknowledge it. Returns points stored."""
        pending, self._pending = self._pending, _Pending()
        if not pending.mids:
            return 0
        units = {v[0]: v[1] for v in self._orgs.values() if v is not None}
        for org_id, chunks in pending.by_org.items():
            table = pa.table(
                {
                    "device_id": pa.chunked_array(
                        [pa.repeat(device_id, len(v)) for device_id, _, _, v in chunks],
                        pa.string(),
                    ),
                    "metric": pa.chunked_array([m for _, m, _, _ in chunks], pa.string()),
                    "ts": pa.chunked_array([t for _, _, t, _ in chunks], pa.int64()).cast(
                        pa.timestamp("us", tz="UTC")
                    ),
                    "value": pa.chunked_array([v for _, _, _, v in chunks], pa.float64()),
                }
            )
            self.store.write(org_id, self.convert(table, units.get(org_id, {})))
        for mid, qos in pending.mids:
            if qos > 0:
                self.client.ack(mid, qos)
        self.stats.points += pending.points
        self.stats.flushes += 1
        self.stats.last_flush_at = time.time()
        return pending.points

    def stop(self, *_: object) -> None:
        self._stop = True

    def run(
        self,
        *,
        idle_exit: float | None = None,
        on_flush: Callable[[WorkerStats], None] | None = None,
        on_ready: Callable[[], None] | None = None,
    ) -> WorkerStats:
        """Consume until stopped (SIGTERM/SIGINT) or ``idle_exit`` seconds pass with nothing."""
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, self._handle_signal) if in_main else None
        last_activity = time.monotonic()
        ready_told = False
        try:
            while not self._stop:
                seen = self.stats.messages
                rc = self.client.loop(timeout=0.05)
                if rc != mqtt.MQTT_ERR_SUCCESS:
                    # The broker went away: what is buffered is not acknowledged and will
                    # be redelivered, so drop it and reconnect.
                    self._pending = _Pending()
                    time.sleep(0.5)
                    self.client.reconnect()
                    continue
                now = time.monotonic()
                if self._subscribed and not ready_told:
                    ready_told = True
                    last_activity = now
                    if on_ready:
                        on_ready()
                if self.stats.messages != seen:
                    last_activity = now
                p = self._pending
                if p.mids and (
                    p.points >= self.flush_points or now - p.since >= self.flush_seconds
                ):
                    self.flush()
                    if on_flush:
                        on_flush(self.stats)
                if idle_exit is not None and self._subscribed and now - last_activity > idle_exit:
                    break
            self.flush()
        finally:
            if in_main:
                signal.signal(signal.SIGTERM, previous)
            self.client.disconnect()
        return self.stats

    def _handle_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self._stop = True
