"""Sparkplug B payloads (Eclipse Tahu ``Payload`` protobuf) on MQTT.

Topics ``spBv1.0/{group_id}/{NDATA|DDATA|NBIRTH|DBIRTH}/{edge_node_id}[/{device_id}]``; on
this platform ``group_id`` is the enterprise's USCC and ``device_id`` (or, for node-level
data, ``edge_node_id``) is the device. Metric names are the catalog's metric names. DDATA may
carry only aliases: they are resolved from the last BIRTH this worker saw for that device.

The message type is built at import from a descriptor of the Payload fields we read (the
other fields are skipped by the protobuf parser), so no generated code is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

NAMESPACE = "spBv1.0"
DATA_TYPES = ("NDATA", "DDATA")
BIRTH_TYPES = ("NBIRTH", "DBIRTH")
# Sparkplug B data types whose value sits in int_value / long_value as two's complement.
_SIGNED_BITS = {1: 8, 2: 16, 3: 32, 4: 64}
_BOOLEAN = 11


class SparkplugError(ValueError):
    """A Sparkplug message that cannot be read; the text names the part."""


@dataclass(frozen=True, slots=True)
class SparkplugTopic:
    group_id: str
    message_type: str
    edge_node_id: str
    device_id: str | None

    @property
    def device(self) -> str:
        return self.device_id or self.edge_node_id


def parse_topic(topic: str) -> SparkplugTopic:
    parts = topic.split("/")
    if parts[0] != NAMESPACE or len(parts) not in (4, 5):
        raise SparkplugError(f"topic: {topic!r} is not spBv1.0/<group>/<type>/<node>[/<device>]")
    return SparkplugTopic(parts[1], parts[2], parts[3], parts[4] if len(parts) == 5 else None)


@lru_cache(maxsize=1)
def _payload_class() -> Any:
    f = descriptor_pb2.FileDescriptorProto(
        name="chanrong_sparkplug_b.proto", package="org.eclipse.tahu.protobuf", syntax="proto2"
    )
    payload = f.message_type.add(name="Payload")
    metric = payload.nested_type.add(name="Metric")
    opt = descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL
    rep = descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED
    t = descriptor_pb2.FieldDescriptorProto
    for name, number, kind in (
        ("name", 1, t.TYPE_STRING),
        ("alias", 2, t.TYPE_UINT64),
        ("timestamp", 3, t.TYPE_UINT64),
        ("datatype", 4, t.TYPE_UINT32),
        ("is_historical", 5, t.TYPE_BOOL),
        ("is_transient", 6, t.TYPE_BOOL),
        ("is_null", 7, t.TYPE_BOOL),
    ):
        metric.field.add(name=name, number=number, type=kind, label=opt)
    metric.oneof_decl.add(name="value")
    for name, number, kind in (
        ("int_value", 10, t.TYPE_UINT32),
        ("long_value", 11, t.TYPE_UINT64),
        ("float_value", 12, t.TYPE_FLOAT),
        ("double_value", 13, t.TYPE_DOUBLE),
        ("boolean_value", 14, t.TYPE_BOOL),
        ("string_value", 15, t.TYPE_STRING),
        ("bytes_value", 16, t.TYPE_BYTES),
    ):
        metric.field.add(name=name, number=number, type=kind, label=opt, oneof_index=0)
    payload.field.add(name="timestamp", number=1, type=t.TYPE_UINT64, label=opt)
    payload.field.add(
        name="metrics",
        number=2,
        type=t.TYPE_MESSAGE,
        label=rep,
        type_name=".org.eclipse.tahu.protobuf.Payload.Metric",
    )
    payload.field.add(name="seq", number=3, type=t.TYPE_UINT64, label=opt)
    payload.field.add(name="uuid", number=4, type=t.TYPE_STRING, label=opt)
    payload.field.add(name="body", number=5, type=t.TYPE_BYTES, label=opt)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(
        pool.FindMessageTypeByName("org.eclipse.tahu.protobuf.Payload")
    )


def _number(m: Any) -> float | None:
    which = m.WhichOneof("value")
    if which is None or m.is_null:
        return None
    if which in ("int_value", "long_value"):
        raw = int(getattr(m, which))
        bits = _SIGNED_BITS.get(m.datatype)
        if bits and raw >= 1 << (bits - 1):
            raw -= 1 << bits
        return float(raw)
    if which in ("float_value", "double_value"):
        value = float(getattr(m, which))
        return value if math.isfinite(value) else None
    if which == "boolean_value":
        return 1.0 if m.boolean_value else 0.0
    return None  # strings and bytes are not telemetry


@dataclass(frozen=True, slots=True)
class Decoded:
    """One payload read: its readings, the aliases it names, and what it could not give."""

    arrays: tuple[pa.Array, pa.Array, pa.Array]  # metrics, epoch µs, values
    named: dict[int, str]
    # Metrics skipped, by the part at fault: ``name`` (an alias no BIRTH has named),
    # ``value`` (null, not a number, or not finite), ``ts`` (no timestamp).
    skipped: dict[str, int]


def decode(body: bytes, aliases: dict[int, str]) -> Decoded:
    """The readings of one payload; aliases resolved from ``aliases`` or the payload itself.

    Metrics without a name, a finite numeric value or a timestamp are skipped and counted.
    """
    payload = _payload_class()()
    try:
        payload.ParseFromString(body)
    except Exception as exc:  # protobuf raises DecodeError or others for garbage
        raise SparkplugError(f"body: not a Sparkplug B payload ({exc})") from None
    named: dict[int, str] = {}
    metrics: list[str] = []
    stamps: list[int] = []
    values: list[float] = []
    skipped: dict[str, int] = {}
    for m in payload.metrics:
        name = m.name if m.HasField("name") else None
        if name and m.HasField("alias"):
            named[int(m.alias)] = name
        if name is None and m.HasField("alias"):
            name = aliases.get(int(m.alias)) or named.get(int(m.alias))
        ts_ms = m.timestamp if m.HasField("timestamp") else payload.timestamp
        value = _number(m)
        fault = "name" if not name else "value" if value is None else "ts" if not ts_ms else None
        if fault is not None:
            skipped[fault] = skipped.get(fault, 0) + 1
            continue
        assert name is not None and value is not None
        metrics.append(name)
        stamps.append(int(ts_ms) * 1000)
        values.append(value)
    arrays = (
        pa.array(metrics, pa.string()),
        pa.array(stamps, pa.int64()),
        pa.array(values, pa.float64()),
    )
    return Decoded(arrays, named, skipped)


def encode(metrics: list[tuple[str, int, float]], *, timestamp: int, seq: int = 0) -> bytes:
    """A DDATA/NDATA payload of (name, epoch ms, double value) metrics (tests, simulators)."""
    payload = _payload_class()(timestamp=timestamp, seq=seq)
    for name, ts_ms, value in metrics:
        payload.metrics.add(name=name, timestamp=ts_ms, datatype=10, double_value=value)
    return bytes(payload.SerializeToString())
