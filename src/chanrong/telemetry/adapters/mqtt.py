"""MQTT 5 ingestion worker: a shared subscription, QoS 1, acknowledged only once stored.

Reads the JSON batches of ``chanrong/v1/{uscc}/{device_id}/telemetry`` and Sparkplug B
(``spBv1.0/{uscc}/DDATA/{node}/{device}``), and, when given the record kinds to take, business
records on ``chanrong/v1/{uscc}/records/{kind}`` (each message one all-or-nothing import, like
an HTTP upload: a customer payment into a loan's collection account arrives this way too).

Several workers in one share group split the load. Messages are decoded and buffered; on
each flush what arrived for each enterprise from each source (JSON or Sparkplug B), with
what could not be read, goes to the ingestion door (``land``), which stores it in one
fsync'd file per enterprise and records its batch; only once ``land`` returns are the
PUBACKs sent. A worker killed before acknowledging gets its messages redelivered (to its
resumed session), and the store's dedup on (device_id, metric, ts) makes that redelivery
store nothing twice.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import paho.mqtt.client as mqtt
import pyarrow as pa
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from chanrong.telemetry.adapters import sparkplug
from chanrong.telemetry.adapters.payload import (
    PayloadError,
    decode_batch,
    decode_records,
    encode_batch,
    is_records_topic,
    parse_records_topic,
    parse_topic,
)

log = logging.getLogger(__name__)

# Sources as the batches name them.
JSON_SOURCE = "mqtt"
SPARKPLUG_SOURCE = "sparkplug"


@dataclass(frozen=True, slots=True)
class Arrival:
    """What one flush brings for one enterprise from one source."""

    org_id: str
    source: str
    readings: pa.Table  # device_id, metric, ts (µs, UTC), value; may be empty
    rejected: dict[str, int]  # rows refused while decoding, by the field at fault


@dataclass(frozen=True, slots=True)
class RecordsArrival:
    """One message of business records for one enterprise: imported all or nothing. A message
    that could not be read comes with no rows and ``error`` (``field: why``), so its refusal
    is recorded as the enterprise's batch."""

    org_id: str
    kind: str
    rows: list[tuple[int, dict[str, object]]]  # (row number from 1, raw values by field)
    source: str = "mqtt"
    error: str | None = None


# The organisation id of the enterprise with this USCC, or None when there is none.
Resolver = Callable[[str], "str | None"]
# The ingestion door: stores the arrivals durably and records their batches; returns once
# that is committed, with the readings stored.
Land = Callable[[Sequence["Arrival | RecordsArrival"]], int]


UNKNOWN_RETRY_S = 30.0


def share_topic(group: str) -> str:
    return f"$share/{group}/chanrong/v1/+/+/telemetry"


def records_share_topic(group: str) -> str:
    return f"$share/{group}/chanrong/v1/+/records/+"


@dataclass
class WorkerStats:
    messages: int = 0
    points: int = 0
    flushes: int = 0
    record_messages: int = 0  # messages of business records handed to the door
    rejected: int = 0  # messages that could not be read at all
    quarantined: int = 0  # readings of readable messages that could not be stored
    unattributed: int = 0  # rejected messages naming no registered enterprise (no batch)
    reasons: dict[str, int] = field(default_factory=dict)
    last_flush_at: float = 0.0  # wall clock (time.time) when the last points were stored


Chunk = tuple[str, pa.Array, pa.Array, pa.Array]  # device_id, metrics, epoch µs, values


@dataclass
class _Pending:
    mids: list[tuple[int, int]] = field(default_factory=list)  # (mid, qos)
    records: list[RecordsArrival] = field(default_factory=list)
    chunks: dict[tuple[str, str], list[Chunk]] = field(default_factory=lambda: defaultdict(list))
    rejected: dict[tuple[str, str], dict[str, int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    points: int = 0
    since: float = 0.0

    def arrivals(self) -> list[Arrival]:
        keys = sorted(set(self.chunks) | set(self.rejected))
        return [
            Arrival(
                org_id,
                source,
                _table(self.chunks.get((org_id, source), [])),
                dict(self.rejected.get((org_id, source), {})),
            )
            for org_id, source in keys
        ]


def _table(chunks: list[Chunk]) -> pa.Table:
    return pa.table(
        {
            "device_id": pa.chunked_array(
                [pa.repeat(device_id, len(v)) for device_id, _, _, v in chunks], pa.string()
            ),
            "metric": pa.chunked_array([m for _, m, _, _ in chunks], pa.string()),
            "ts": pa.chunked_array([t for _, _, t, _ in chunks], pa.int64()).cast(
                pa.timestamp("us", tz="UTC")
            ),
            "value": pa.chunked_array([v for _, _, _, v in chunks], pa.float64()),
        }
    )


def _count(into: dict[str, int], reason: str, n: int = 1) -> None:
    into[reason] = into.get(reason, 0) + n


class MqttIngestWorker:
    """Consume ``chanrong/v1/+/+/telemetry`` (and Sparkplug B) through a shared subscription,
    handing each flush to the ingestion door (``land``) before acknowledging it."""

    def __init__(
        self,
        *,
        land: Land,
        resolve: Resolver,
        host: str,
        port: int,
        group: str,
        client_id: str,
        flush_points: int = 20_000,
        flush_seconds: float = 0.2,
        sparkplug: bool = True,
        record_kinds: frozenset[str] = frozenset(),
    ) -> None:
        self.land = land
        # Business records are taken only of the kinds named (none: not subscribed at all).
        self.record_kinds = record_kinds
        self.sparkplug = sparkplug
        self._aliases: dict[tuple[str, str, str], dict[int, str]] = {}
        self.resolve = resolve
        self.group = group
        self.flush_points = flush_points
        self.flush_seconds = flush_seconds
        self.stats = WorkerStats()
        # Decode one payload before subscribing: the first decode loads what PyArrow loads
        # lazily (pandas, for one), which would otherwise stall the first messages.
        decode_batch(encode_batch([("warm_up", 0, 0.0)]))
        self._pending = _Pending()
        self._orgs: dict[str, str] = {}
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
        if self.record_kinds:
            topics.append((records_share_topic(self.group), 1))
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
        if is_records_topic(msg.topic):
            self._records(msg.topic, bytes(msg.payload))
            return
        is_spb = msg.topic.startswith(sparkplug.NAMESPACE + "/")
        source = SPARKPLUG_SOURCE if is_spb else JSON_SOURCE
        try:
            if is_spb:
                topic = sparkplug.parse_topic(msg.topic)
                uscc, device_id = topic.group_id, topic.device
            else:
                parts = parse_topic(msg.topic)
                uscc, device_id = parts.uscc, parts.device_id
            org_id = self._org(uscc)
            if org_id is None:
                raise PayloadError(f"uscc: no enterprise {uscc} is registered")
        except (PayloadError, sparkplug.SparkplugError) as exc:
            # No enterprise to record it against: counted and logged here only.
            self.stats.unattributed += 1
            self._reject(msg.topic, exc, None)
            return
        key = (org_id, source)
        try:
            if is_spb:
                (metrics, stamps, values), skipped = self._sparkplug(topic, bytes(msg.payload))
            else:
                (metrics, stamps, values), skipped = decode_batch(bytes(msg.payload)), {}
        except (PayloadError, sparkplug.SparkplugError) as exc:
            # A message that can never be stored is acknowledged and recorded with the
            # enterprise's batch, not redelivered forever.
            self._reject(msg.topic, exc, key)
            return
        for reason, n in skipped.items():
            _count(pending.rejected[key], reason, n)
            self.stats.quarantined += n
        if len(values):
            pending.chunks[key].append((device_id, metrics, stamps, values))
            pending.points += len(values)

    def _records(self, topic: str, body: bytes) -> None:
        try:
            t = parse_records_topic(topic)
            if t.kind not in self.record_kinds:
                raise PayloadError(f"kind: {t.kind!r} is not a record kind taken here")
            org_id = self._org(t.uscc)
            if org_id is None:
                raise PayloadError(f"uscc: no enterprise {t.uscc} is registered")
        except PayloadError as exc:
            # No enterprise or kind to record it against: counted and logged here only.
            self.stats.unattributed += 1
            self._reject(topic, exc, None)
            return
        self.stats.record_messages += 1
        try:
            rows = decode_records(body)
        except PayloadError as exc:
            # Recorded as the enterprise's refused batch by the door, and acknowledged.
            self._reject(topic, exc, None)
            self._pending.records.append(RecordsArrival(org_id, t.kind, [], error=str(exc)))
            return
        self._pending.records.append(RecordsArrival(org_id, t.kind, rows))

    def _reject(self, topic: str, exc: Exception, key: tuple[str, str] | None) -> None:
        reason = str(exc).split(":", 1)[0]
        self.stats.rejected += 1
        _count(self.stats.reasons, reason)
        if key is not None:
            _count(self._pending.rejected[key], reason)
        log.warning("rejected MQTT message on %s: %s", topic, exc)

    def _sparkplug(
        self, t: sparkplug.SparkplugTopic, body: bytes
    ) -> tuple[tuple[pa.Array, pa.Array, pa.Array], dict[str, int]]:
        if t.message_type not in sparkplug.DATA_TYPES + sparkplug.BIRTH_TYPES:
            raise sparkplug.SparkplugError(f"topic: {t.message_type} messages carry no data")
        key = (t.group_id, t.edge_node_id, t.device_id or "")
        aliases = self._aliases.setdefault(key, {})
        if t.message_type in sparkplug.BIRTH_TYPES:
            aliases.clear()
        decoded = sparkplug.decode(body, aliases)
        aliases.update(decoded.named)
        return decoded.arrays, decoded.skipped

    def _org(self, uscc: str) -> str | None:
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
        """Hand what is buffered to the door (stored durably, batches recorded), then
        acknowledge it. Returns the readings stored."""
        pending, self._pending = self._pending, _Pending()
        if not pending.mids:
            return 0
        arrivals: list[Arrival | RecordsArrival] = [*pending.arrivals(), *pending.records]
        stored = self.land(arrivals) if arrivals else 0
        for mid, qos in pending.mids:
            if qos > 0:
                self.client.ack(mid, qos)
        self.stats.points += stored
        self.stats.flushes += 1
        self.stats.last_flush_at = time.time()
        return stored

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
