"""The MQTT JSON batch payload: many readings of one device in one message.

Topic ``chanrong/v1/{uscc}/{device_id}/telemetry``; body (UTF-8 JSON)::

    {"points": [["power_kw", 1767225600000, 12.5], ...]}          # compact: metric, ts, value
    {"points": [{"metric": "power_kw", "ts": "2026-01-01T00:00:00Z", "value": 12.5}, ...]}

``ts`` is epoch milliseconds (int) or ISO 8601 with a zone. Pure: no framework imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

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


def decode_batch(body: bytes) -> tuple[list[str], list[int], list[float]]:
    """(metrics, timestamps in epoch µs, values) of one message."""
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body: not JSON ({exc})") from None
    points = doc.get("points") if isinstance(doc, dict) else None
    if not isinstance(points, list):
        raise PayloadError("points: a list of readings is required")
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
        metrics.append(metric)
        stamps.append(_ts_us(ts))
        values.append(float(value))
    return metrics, stamps, values


def encode_batch(points: list[tuple[str, int, float]]) -> bytes:
    """The compact body for (metric, epoch ms, value) readings."""
    return json.dumps({"points": points}, separators=(",", ":")).encode()
