"""The MQTT JSON batch payload: many readings of one device in one message.

Topic ``chanrong/v1/{uscc}/{device_id}/telemetry``; body (UTF-8 JSON)::

    {"points": [["power_kw", 1767225600000, 12.5], ...]}          # compact: metric, ts, value
    {"points": [{"metric": "power_kw", "ts": "2026-01-01T00:00:00Z", "value": 12.5}, ...]}

``ts`` is epoch milliseconds (int) or ISO 8601 with a zone.

The same topic takes a binary body, version 1 (``encode_arrow``; decoded column-wise, no
Python object per reading, about a twentieth of JSON's decoding cost): an Apache Arrow IPC
*stream* (the columnar streaming format, readable by every Arrow library) of one or more record
batches with exactly these columns, none null::

    metric  utf8, or dictionary<int8|int16|int32, utf8>   a name, not empty
    ts      timestamp[ms, tz=UTC] or timestamp[us, tz=UTC]
    value   float64, finite

and the schema metadata ``chanrong.telemetry = "1"`` (the layout's version: a later layout
gets a new number, and a version this reader does not know is refused, never guessed at).
A body is read as binary when it starts with the stream's continuation marker ``FF FF FF FF``
(JSON never does). A body that breaks any rule is refused whole, naming the field
(``points[i].value: …``), as a bad JSON body is; nothing of it is stored.

Business records (customer payments, the enterprise's outgoing payments, orders, …) arrive on
``chanrong/v1/{uscc}/records/{kind}`` with the body the HTTP upload takes,
``{"records": [{...}, ...]}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

TOPIC_PREFIX = "chanrong/v1"


class PayloadError(ValueError):
    """A message that cannot be read; the text says which part and why."""


@dataclass(frozen=True, slots=True)
class TopicParts:
    uscc: str
    device_id: str


def telemetry_topic(uscc: str, device_id: str) -> str:
    return f"{TOPIC_PREFIX}/{uscc}/{device_id}/telemetry"


def parse_topic(topic: str) -> TopicParts:
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != "chanrong" or parts[1] != "v1" or parts[4] != "telemetry":
        raise PayloadError(f"topic: {topic!r} is not chanrong/v1/<uscc>/<device_id>/telemetry")
    return TopicParts(parts[2], parts[3])


def _ts_us(raw: object) -> int:
    if isinstance(raw, bool):
        raise PayloadError("ts: must be epoch milliseconds or an ISO 8601 time")
    if isinstance(raw, int):
        return raw * 1000
    if isinstance(raw, str):
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            raise PayloadError(f"ts: {raw!r} is not an ISO 8601 time") from None
        if when.tzinfo is None:
            raise PayloadError(f"ts: {raw!r} has no time zone")
        return int(when.timestamp()) * 1_000_000 + when.microsecond
    raise PayloadError("ts: must be epoch milliseconds or an ISO 8601 time")


def decode_batch(body: bytes) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(metrics, timestamps in epoch µs, values) of one message, as Arrow arrays."""
    if body[:4] == ARROW_MARKER:
        return decode_arrow(body)
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise PayloadError(f"body: not JSON ({exc})") from None
    points = doc.get("points") if isinstance(doc, dict) else None
    if not isinstance(points, list):
        raise PayloadError("points: a list of readings is required")
    # A dict among the triples puts its key names into the ts column, which then is not
    # int64, so the fast path declines and the general one reads (or refuses) each point.
    if points and isinstance(points[0], list):
        fast = _compact(points)
        if fast is not None:
            return fast
    return _general(points)


def _compact(points: list[list[object]]) -> tuple[pa.Array, pa.Array, pa.Array] | None:
    """The common case, [metric, epoch ms, value] triples, converted column-wise by Arrow.

    None when anything is off, so the general path can name the reading at fault.
    """
    if set(map(type, points)) != {list} or set(map(len, points)) != {3}:
        return None
    metrics, stamps, values = (list(map(itemgetter(i), points)) for i in range(3))
    # The Python types are checked (a pass in C per column) and Arrow converts with the types
    # given: inferring them took a JSON ``true`` among the values as 1.0, which the general
    # path refuses, and given types alone would also cut a float stamp to an integer.
    if (
        set(map(type, metrics)) != {str}
        or set(map(type, stamps)) != {int}
        or not set(map(type, values)) <= {float, int}
        or "" in metrics
    ):
        return None
    try:
        m = pa.array(metrics, pa.string())
        t = pa.array(stamps, pa.int64())
        v = pa.array(values, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    return m, pc.multiply(t, 1000), v


def _general(points: list[object]) -> tuple[pa.Array, pa.Array, pa.Array]:
    metrics: list[str] = []
    stamps: list[int] = []
    values: list[float] = []
    for i, p in enumerate(points):
        if isinstance(p, list) and len(p) == 3:
            metric, ts, value = p
        elif isinstance(p, dict):
            metric, ts, value = p.get("metric"), p.get("ts"), p.get("value")
        else:
            raise PayloadError(f"points[{i}]: expected [metric, ts, value] or an object")
        if not isinstance(metric, str) or not metric:
            raise PayloadError(f"points[{i}].metric: a name is required")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PayloadError(f"points[{i}].value: must be a number")
        try:
            stamps.append(_ts_us(ts))
        except PayloadError as exc:
            raise PayloadError(f"points[{i}].{exc}") from None
        metrics.append(metric)
        values.append(float(value))
    return (
        pa.array(metrics, pa.string()),
        pa.array(stamps, pa.int64()),
        pa.array(values, pa.float64()),
    )


def encode_batch(points: list[tuple[str, int, float]]) -> bytes:
    """The compact body for (metric, epoch ms, value) readings."""
    return orjson.dumps({"points": points})


# --- the binary body (Arrow IPC stream, version 1) ----------------------------------------------

ARROW_MARKER = b"\xff\xff\xff\xff"  # how every Arrow IPC stream message starts
VERSION_KEY = b"chanrong.telemetry"
VERSION = b"1"
_COLUMNS = ("metric", "ts", "value")


def encode_arrow(
    metrics: Sequence[str] | pa.Array, ts_ms: Sequence[int] | np.ndarray, values: Sequence[float]
) -> bytes:
    """The binary body (version 1) for readings given column by column: metric names, epoch
    milliseconds and values. Metric names are dictionary-encoded (a device repeats few)."""
    table = pa.table(
        {
            "metric": pa.array(metrics, pa.string()).dictionary_encode(),
            "ts": pa.array(ts_ms, pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
            "value": pa.array(values, pa.float64()),
        }
    ).replace_schema_metadata({VERSION_KEY: VERSION})
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def decode_arrow(body: bytes) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(metrics, epoch µs, values) of a binary body; PayloadError naming the field at fault."""
    try:
        reader = ipc.open_stream(body)
        batches = list(reader)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise PayloadError(f"body: not an Arrow IPC stream ({exc})") from None
    schema = reader.schema
    version = (schema.metadata or {}).get(VERSION_KEY)
    if version != VERSION:
        found = "none" if version is None else repr(version.decode("utf-8", "replace"))
        raise PayloadError(
            f"body: binary layout version {found} is not known here "
            f"(schema metadata {VERSION_KEY.decode()} must be {VERSION.decode()!r})"
        )
    for name in schema.names:
        if name not in _COLUMNS:
            raise PayloadError(f"points.{name}: not a column of the binary layout")
    columns: dict[str, pa.Array] = {}
    for name in _COLUMNS:
        if name not in schema.names:
            raise PayloadError(f"points.{name}: column missing")
        # One batch (the usual case) is used as it is: no copy, no Table or ChunkedArray.
        parts = [b.column(name) for b in batches]
        col = parts[0] if len(parts) == 1 else pa.concat_arrays(parts) if parts else None
        if col is None:
            col = pa.array([], schema.field(name).type)
        if col.null_count:
            raise PayloadError(f"points[{_first(pc.is_null(col))}].{name}: is null")
        columns[name] = col
    # Checks run on numpy views of the buffers (no copy), a few µs per column: a per-message
    # cost in the worker (each Arrow compute call costs more than that).
    metric = columns["metric"]
    if pa.types.is_dictionary(metric.type):
        if not pa.types.is_string(metric.type.value_type):
            raise PayloadError("points.metric: must be utf8 names (or a dictionary of them)")
        metric = metric.dictionary_decode()
    elif not pa.types.is_string(metric.type):
        raise PayloadError("points.metric: must be utf8 names (or a dictionary of them)")
    offsets = np.frombuffer(metric.buffers()[1], dtype=np.int32)
    lengths = np.diff(offsets[metric.offset : metric.offset + len(metric) + 1])
    if not lengths.all():
        raise PayloadError(f"points[{_first(lengths == 0)}].metric: a name is required")
    ts_type = schema.field("ts").type
    if not (
        pa.types.is_timestamp(ts_type) and ts_type.unit in ("ms", "us") and ts_type.tz == "UTC"
    ):
        raise PayloadError(f"points.ts: must be timestamp[ms or us, tz=UTC], not {ts_type}")
    stamps = columns["ts"].view(pa.int64())
    if ts_type.unit == "ms":
        raw = stamps.to_numpy()
        if len(raw) and np.abs(raw).max() > _MAX_MS:
            raise PayloadError(f"points[{_first(np.abs(raw) > _MAX_MS)}].ts: out of range")
        stamps = pa.array(raw * 1000)
    if schema.field("value").type != pa.float64():
        raise PayloadError(f"points.value: must be float64, not {schema.field('value').type}")
    values = columns["value"]
    finite = np.isfinite(values.to_numpy())
    if not finite.all():
        raise PayloadError(f"points[{_first(~finite)}].value: must be a finite number")
    return metric, stamps, values


_MAX_MS = (2**63 - 1) // 1000  # epoch ms whose µs still fit in int64


def _first(mask: pa.ChunkedArray | pa.Array) -> int:
    """Index of the first true of a boolean mask that has one."""
    return int(np.flatnonzero(np.asarray(mask, dtype=bool))[0])


# --- business records over MQTT ---------------------------------------------------------------
#
# Topic ``chanrong/v1/{uscc}/records/{kind}`` (kind: payments, outgoing_payments, orders, …);
# body (UTF-8 JSON) as the HTTP upload takes it: ``{"records": [{...}, ...]}``. One message is
# one import, all of its records stored or none.

RECORDS_LEVEL = "records"


@dataclass(frozen=True, slots=True)
class RecordsTopic:
    uscc: str
    kind: str


def records_topic(uscc: str, kind: str) -> str:
    return f"{TOPIC_PREFIX}/{uscc}/{RECORDS_LEVEL}/{kind}"


def is_records_topic(topic: str) -> bool:
    parts = topic.split("/")
    # A device named "records" still sends telemetry on .../records/telemetry.
    return (
        len(parts) == 5
        and parts[:2] == ["chanrong", "v1"]
        and parts[3] == RECORDS_LEVEL
        and parts[4] != "telemetry"
    )


def parse_records_topic(topic: str) -> RecordsTopic:
    if not is_records_topic(topic):
        raise PayloadError(f"topic: {topic!r} is not chanrong/v1/<uscc>/records/<kind>")
    parts = topic.split("/")
    return RecordsTopic(parts[2], parts[4])


def decode_records(body: bytes) -> list[tuple[int, dict[str, object]]]:
    """The records of one message, numbered from 1 as the HTTP upload numbers them. Decimals
    stay exact (money is never read as a float)."""
    try:
        doc = json.loads(body, parse_float=Decimal)
    except ValueError as exc:
        raise PayloadError(f"body: not JSON ({exc})") from None
    recs = doc.get("records") if isinstance(doc, dict) else None
    if not isinstance(recs, list) or not all(isinstance(r, dict) for r in recs):
        raise PayloadError("records: a list of objects is required")
    return [(i + 1, r) for i, r in enumerate(recs)]
