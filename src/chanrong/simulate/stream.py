"""Publish a park's telemetry live to an MQTT broker, as the devices would.

Topic ``chanrong/v1/{uscc}/{device_id}/telemetry``, QoS 1, one JSON message per device and
time window of ``batch_slots`` readings::

    {"device_id": "…-CNC-001", "points": [{"metric": "power_kw", "ts": "2024-01-01T00:15:00Z",
                                            "value": 21.4}, …]}

The park is replayed month by month with all firms interleaved in time order, so a month of
the whole park is held in memory (coarsen ``interval`` for large parks). Injected faults
show up as they would on the wire: gaps are missing, duplicates are sent twice, skewed
clocks send shifted timestamps, late readings come in a later window.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from chanrong.core.errors import ChanrongError, ValidationFailed
from chanrong.simulate.config import ParkConfig
from chanrong.simulate.service import FirmMonth, ParkPlan, iter_firm_months, plan_park
from chanrong.simulate.telemetry import METRICS

TOPIC_PREFIX = "chanrong/v1"
MAX_UNACKED = 500


class BrokerUnavailable(ChanrongError):
    """The MQTT broker could not be reached or stopped acknowledging messages."""

    type_slug = "broker-unavailable"
    status = 503
    title = "MQTT broker unavailable"


@dataclass(frozen=True, slots=True)
class StreamSummary:
    messages: int
    points: int
    seconds: float


def topic_for(uscc: str, device_id: str, prefix: str = TOPIC_PREFIX) -> str:
    """The MQTT topic a device publishes its telemetry on."""
    return f"{prefix}/{uscc}/{device_id}/telemetry"


def month_messages(
    chunks: list[FirmMonth], batch_slots: int, prefix: str = TOPIC_PREFIX
) -> Iterator[tuple[str, bytes, int]]:
    """(topic, payload, points) for one month of the park, in publishing order."""
    if not chunks:
        return
    grid = chunks[0].clean.grid
    window_us = batch_slots * grid.interval_minutes * 60_000_000
    first = int(grid.ts_us[0])
    parts = []
    topics: list[str] = []
    for fm in chunks:
        d = fm.delivered
        dev = fm.clean.series_device[d.series].astype(np.int64)
        # Publishing window: when the reading is due, plus any late-arrival delay.
        window = (d.ts_us - first + d.late_delay_us) // window_us
        key_dev = np.array([len(topics) + i for i in range(len(fm.clean.device_ids))])[dev]
        topics.extend(topic_for(fm.firm.uscc, dev_id, prefix) for dev_id in fm.clean.device_ids)
        parts.append((window, key_dev, fm.clean.series_metric[d.series], d.ts_us, d.value))
    window, device, metric, ts, value = (np.concatenate(p) for p in zip(*parts, strict=True))
    order = np.lexsort((np.arange(ts.size), device, window))  # stable within a device-window
    window, device, metric, ts, value = (a[order] for a in (window, device, metric, ts, value))
    ts_text = np.char.add(np.datetime_as_string(ts.astype("datetime64[us]"), unit="s"), "Z")
    cuts = np.flatnonzero((np.diff(window) != 0) | (np.diff(device) != 0)) + 1
    starts = np.concatenate([[0], cuts])
    ends = np.concatenate([cuts, [ts.size]])
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        t = topics[int(device[a])]
        device_id = t.split("/")[-2]
        points = [
            {"metric": METRICS[int(m)], "ts": str(s), "value": float(v)}
            for m, s, v in zip(metric[a:b], ts_text[a:b], value[a:b], strict=True)
        ]
        payload = json.dumps({"device_id": device_id, "points": points}, separators=(",", ":"))
        yield t, payload.encode(), b - a


def stream_park(
    config: ParkConfig,
    *,
    host: str,
    port: int,
    rate: float = 0.0,
    batch_slots: int = 4,
    client_id: str = "chanrong-simulator",
    topic_prefix: str = TOPIC_PREFIX,
    max_points: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> StreamSummary:
    """Publish the park's telemetry to ``host:port``; ``rate`` caps readings per second (0: no cap).

    Stops after ``max_points`` readings when given. Raises ``BrokerUnavailable`` when the
    broker cannot be reached or does not acknowledge.
    """
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    if rate < 0:
        raise ValidationFailed(
            "rate: must be 0 (no cap) or a positive number of readings per second", field="rate"
        )
    if batch_slots < 1:
        raise ValidationFailed("batch: must be at least 1 reading per message", field="batch")
    plan = plan_park(config)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(100)
    try:
        client.connect(host, port, keepalive=30)
    except OSError as exc:
        raise BrokerUnavailable(f"cannot reach the MQTT broker at {host}:{port}: {exc}") from None
    client.loop_start()
    began = time.monotonic()
    sent_points = 0
    sent_messages = 0
    pending: deque[mqtt.MQTTMessageInfo] = deque()
    try:
        for month in _months(plan):
            for topic, payload, n in month_messages(month, batch_slots, topic_prefix):
                pending.append(client.publish(topic, payload, qos=1))
                sent_points += n
                sent_messages += 1
                while len(pending) > MAX_UNACKED:
                    _wait(pending.popleft())
                if rate > 0:
                    ahead = sent_points / rate - (time.monotonic() - began)
                    if ahead > 0:
                        time.sleep(ahead)
                if progress:
                    progress(sent_messages, sent_points)
                if max_points is not None and sent_points >= max_points:
                    break
            else:
                continue
            break
        while pending:
            _wait(pending.popleft())
    finally:
        client.disconnect()
        client.loop_stop()
    return StreamSummary(sent_messages, sent_points, time.monotonic() - began)


def _months(plan: ParkPlan) -> Iterator[list[FirmMonth]]:
    """The park's chunks grouped by month (all firms of one month together)."""
    month: list[FirmMonth] = []
    for fm in iter_firm_months(plan, order="month"):
        if month and fm.month_index != month[0].month_index:
            yield month
            month = []
        month.append(fm)
    if month:
        yield month


def _wait(info: object) -> None:
    try:
        info.wait_for_publish(timeout=30)  # type: ignore[attr-defined]
    except (RuntimeError, ValueError) as exc:
        raise BrokerUnavailable(f"the MQTT broker stopped acknowledging messages: {exc}") from None
    if not info.is_published():  # type: ignore[attr-defined]
        raise BrokerUnavailable("the MQTT broker did not acknowledge a message within 30 s")
