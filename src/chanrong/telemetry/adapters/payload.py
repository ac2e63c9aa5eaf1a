"""The MQTT JSON batch payload: many readings of one device in one message.

Topic ``chanrong/v1/{uscc}/{device_id}/telemetry``; body (UTF-8 JSON)::

    {"points": [["power_kw", 1767225600000, 12.5], ...]}          # compact: metric, ts, value
    {"points": [{"metric": "power_kw", "ts": "2026-01-01T00:00:00Z", "value": 12.5}, ...]}

``ts`` is epoch milliseconds (int) or ISO 8601 with a zone.

Business records (customer payments, the enterprise's outgoing payments, orders, …) arrive on
``chanrong/v1/{uscc}/records/{kind}`` with the body the HTTP upload takes,
``{"records": [{...}, ...]}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter

import orjson
import pyarrow as pa
import pyarrow.compute as pc

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
