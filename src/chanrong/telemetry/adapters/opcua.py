"""OPC UA connector: subscribe to nodes of a server and store their changes as telemetry.

A small YAML (or TOML) mapping says which node is which device's metric::

    endpoint: opc.tcp://127.0.0.1:4840/
    org: <organisation id or USCC>
    publishing_interval_ms: 200
    nodes:
      - node: "ns=2;s=Press1.Power"
        device_id: press-1
        metric: power_kw
        unit: W            # optional: converted to the metric's unit on arrival
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from asyncua import ua
from asyncua.client.client import Client
from asyncua.common.node import Node

log = logging.getLogger(__name__)


class MappingError(ValueError):
    """A mapping file that cannot be used; the text names the entry and field."""


@dataclass(frozen=True, slots=True)
class NodeMap:
    node: str
    device_id: str
    metric: str
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class OpcuaMapping:
    endpoint: str
    org: str
    nodes: tuple[NodeMap, ...]
    publishing_interval_ms: int = 500

    @property
    def units(self) -> dict[str, str]:
        return {n.metric: n.unit for n in self.nodes if n.unit}


def load_mapping(path: Path) -> OpcuaMapping:
    """Read and check a YAML or TOML mapping."""
    try:
        text = path.read_text(encoding="utf-8")
        doc = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"mapping: cannot read {path}: {exc}") from None
    return parse_mapping(doc)


def parse_mapping(doc: object) -> OpcuaMapping:
    if not isinstance(doc, dict):
        raise MappingError("mapping: expected endpoint, org and nodes")
    for key in ("endpoint", "org"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise MappingError(f"{key}: is required")
    if not str(doc["endpoint"]).startswith("opc.tcp://"):
        raise MappingError("endpoint: must start with opc.tcp://")
    raw_nodes = doc.get("nodes")
    if not isinstance(raw_nodes, list) or not raw_nodes:
        raise MappingError("nodes: list at least one node")
    nodes = []
    for i, n in enumerate(raw_nodes):
        if not isinstance(n, dict):
            raise MappingError(f"nodes[{i}]: expected node, device_id, metric")
        for key in ("node", "device_id", "metric"):
            if not isinstance(n.get(key), str) or not n[key]:
                raise MappingError(f"nodes[{i}].{key}: is required")
        nodes.append(NodeMap(n["node"], n["device_id"], n["metric"], n.get("unit")))
    interval = int(doc.get("publishing_interval_ms", 500))
    if not 10 <= interval <= 3_600_000:
        raise MappingError("publishing_interval_ms: between 10 and 3600000")
    return OpcuaMapping(doc["endpoint"], doc["org"], tuple(nodes), interval)


@dataclass
class _Buffer:
    devices: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    stamps: list[datetime] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)  # values refused, by field

    def table(self) -> pa.Table:
        return pa.table(
            {
                "device_id": pa.array(self.devices, pa.string()),
                "metric": pa.array(self.metrics, pa.string()),
                "ts": pa.array(self.stamps, pa.timestamp("us", tz="UTC")),
                "value": pa.array(self.values, pa.float64()),
            }
        )


class _Handler:
    def __init__(self, by_node: dict[str, NodeMap], buffer: _Buffer) -> None:
        self.by_node = by_node
        self.buffer = buffer
        self.skipped = 0

    def datachange_notification(self, node: Node, val: Any, data: Any) -> None:
        m = self.by_node.get(node.nodeid.to_string())
        if m is None:
            return  # only mapped nodes are subscribed; a stray notification is not data
        if (
            isinstance(val, bool)
            or not isinstance(val, (int, float))
            or not math.isfinite(float(val))
        ):
            # Not a reading the store can hold: refused with the flush's batch, by reason.
            self.buffer.rejected["value"] = self.buffer.rejected.get("value", 0) + 1
            self.skipped += 1
            return
        dv = data.monitored_item.Value
        when = dv.SourceTimestamp or dv.ServerTimestamp or datetime.now(UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)  # OPC UA timestamps are UTC
        self.buffer.devices.append(m.device_id)
        self.buffer.metrics.append(m.metric)
        self.buffer.stamps.append(when)
        self.buffer.values.append(float(val))


# The ingestion door for one flush: (readings, values refused by field); stores and records.
Sink = Callable[[pa.Table, dict[str, int]], None]


async def run_connector(
    mapping: OpcuaMapping,
    sink: Sink,
    *,
    duration: float | None = None,
    flush_seconds: float = 1.0,
    stop: asyncio.Event | None = None,
) -> int:
    """Subscribe to the mapped nodes and hand batches to ``sink`` every ``flush_seconds``,
    with the values refused (non-numeric, not finite) counted by reason.

    Runs for ``duration`` seconds, or until ``stop`` is set. Returns the points handed over.
    """
    stop = stop or asyncio.Event()
    buffer = _Buffer()
    total = 0

    def flush() -> int:
        nonlocal buffer
        if not buffer.values and not buffer.rejected:
            return 0
        full, buffer = buffer, _Buffer()
        handler.buffer = buffer
        sink(full.table(), full.rejected)
        return len(full.values)

    async with Client(url=mapping.endpoint, timeout=10) as client:
        nodes = []
        for m in mapping.nodes:
            try:
                node = client.get_node(m.node)
                await node.read_browse_name()
            except (ua.uaerrors.UaError, ValueError) as exc:
                raise MappingError(f"node: {m.node!r} is not on the server ({exc})") from None
            nodes.append(node)
        handler = _Handler({m.node: m for m in mapping.nodes}, buffer)
        # Map by the server's canonical node id string as well as the one the user wrote.
        handler.by_node.update(
            {n.nodeid.to_string(): m for n, m in zip(nodes, mapping.nodes, strict=True)}
        )
        sub = await client.create_subscription(mapping.publishing_interval_ms, handler)
        await sub.subscribe_data_change(nodes)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + duration if duration is not None else None
        try:
            while not stop.is_set():
                timeout = flush_seconds
                if deadline is not None:
                    timeout = min(timeout, max(0.0, deadline - loop.time()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=timeout)
                total += flush()
                if deadline is not None and loop.time() >= deadline:
                    break
        finally:
            await sub.delete()
            total += flush()
    if handler.skipped:
        log.warning("refused %d non-numeric or non-finite OPC UA values", handler.skipped)
    return total
