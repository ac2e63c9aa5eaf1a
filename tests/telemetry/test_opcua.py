"""OPC UA: the connector subscribes to a real asyncua server started here, on loopback."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from asyncua import Server
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from chanrong.telemetry.adapters import opcua
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import assert_batch_shape, recorded_batches
from tests.telemetry.conftest import Plant


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PlantServer:
    """An asyncua server with one press (power in W, a piece counter), in its own thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"opc.tcp://127.0.0.1:{self.port}/chanrong/"
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop = asyncio.Event()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),))

    async def _run(self) -> None:
        self.stop = asyncio.Event()
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        ns = await server.register_namespace("urn:chanrong:test")
        press = await server.nodes.objects.add_object(ns, "Press1")
        self.power = await press.add_variable(f"ns={ns};s=Press1.Power", "Power", 0.0)
        self.count = await press.add_variable(f"ns={ns};s=Press1.Count", "Count", 0.0)
        # A text the connector cannot store as telemetry: refused and counted, never dropped.
        await press.add_variable(f"ns={ns};s=Press1.Label", "Label", "idle")
        self.ns = ns
        async with server:
            self.ready.set()
            await self.stop.wait()

    def __enter__(self) -> PlantServer:
        self.thread.start()
        assert self.ready.wait(30), "OPC UA server did not start"
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)

    def set(self, power_w: float, count: float) -> None:
        async def write() -> None:
            await self.power.write_value(power_w)
            await self.count.write_value(count)

        asyncio.run_coroutine_threadsafe(write(), self.loop).result(10)


@pytest.fixture(scope="module")
def plant_server() -> Iterator[PlantServer]:
    with PlantServer() as server:
        yield server


def mapping_yaml(server: PlantServer, org: str) -> str:
    return f"""
endpoint: {server.endpoint}
org: {org}
publishing_interval_ms: 50
nodes:
  - node: "ns={server.ns};s=Press1.Power"
    device_id: press-1
    metric: power_kw
    unit: W
  - node: "ns={server.ns};s=Press1.Count"
    device_id: press-1
    metric: output_count
  - node: "ns={server.ns};s=Press1.Label"
    device_id: press-1
    metric: state_label
"""


def test_connector_stores_node_changes(plant_server: PlantServer) -> None:
    mapping = opcua.parse_mapping(__import__("yaml").safe_load(mapping_yaml(plant_server, "org-x")))
    assert mapping.units == {"power_kw": "W"}
    batches: list[pa.Table] = []
    refused: dict[str, int] = {}

    def sink(table: pa.Table, rejected: dict[str, int]) -> None:
        batches.append(table)
        for reason, n in rejected.items():
            refused[reason] = refused.get(reason, 0) + n

    async def scenario() -> int:
        stop = asyncio.Event()
        task = asyncio.create_task(opcua.run_connector(mapping, sink, flush_seconds=0.1, stop=stop))
        await asyncio.sleep(1.0)
        for i in range(1, 6):
            await asyncio.to_thread(plant_server.set, 1000.0 * i, float(i))
            await asyncio.sleep(0.3)
        stop.set()
        return await task

    total = asyncio.run(scenario())
    table = pa.concat_tables(batches)
    assert total == len(table)
    power = [
        v
        for d, m, v in zip(
            table.column("device_id").to_pylist(),
            table.column("metric").to_pylist(),
            table.column("value").to_pylist(),
            strict=True,
        )
        if m == "power_kw" and d == "press-1"
    ]
    # The initial value, then each change (units are converted later, at the store).
    assert power == [0.0, 1000.0, 2000.0, 3000.0, 4000.0, 5000.0]
    counts = [
        v
        for m, v in zip(
            table.column("metric").to_pylist(), table.column("value").to_pylist(), strict=True
        )
        if m == "output_count"
    ]
    assert counts == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert "state_label" not in table.column("metric").to_pylist()
    assert refused == {"value": 1}  # the label's initial text


def test_cli_connects_and_stores_in_kw(
    plant_server: PlantServer, plant: Plant, tmp_path: Path
) -> None:
    mapping = tmp_path / "press.yaml"
    mapping.write_text(mapping_yaml(plant_server, plant.uscc), encoding="utf-8")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chanrong.cli.main",
            "connect",
            "opcua",
            "--mapping",
            str(mapping),
            "--duration",
            "6",
            "--flush-seconds",
            "0.5",
        ],
        env=plant.env(0),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("connected"):
            break
    import time

    time.sleep(1.0)
    for i in range(1, 4):
        plant_server.set(2000.0 * i, float(10 * i))
        time.sleep(0.4)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, out
    store = TelemetryStore(plant.telemetry_dir)
    power = store.query(plant.org_id, metrics=["power_kw"]).column("value").to_pylist()
    assert power[-3:] == [2.0, 4.0, 6.0]  # W → kW on arrival
    counts = store.query(plant.org_id, metrics=["output_count"]).column("value").to_pylist()
    assert counts[-3:] == [10.0, 20.0, 30.0]
    # Each flush went through the ingestion door: one batch per flush, named opcua, the
    # label's text refused with its reason.
    batches = recorded_batches(plant)
    assert batches and {b.source for b in batches} == {"opcua"}
    assert sum(b.rows_accepted for b in batches) == store.physical_rows(plant.org_id)
    assert sum(b.rows_rejected for b in batches) == 1
    assert [b.rejected_by_reason for b in batches if b.rows_rejected] == [{"value": 1}]
    for b in batches:
        assert_batch_shape(b)


def test_bad_mapping_is_refused_with_the_field_named(
    plant: Plant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("endpoint: http://x\norg: o\nnodes: []\n", encoding="utf-8")
    for key, value in plant.env(0).items():
        if key.startswith("CHANRONG_"):
            monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["connect", "opcua", "--mapping", str(bad)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "endpoint: must start with opc.tcp://" in result.output
    with pytest.raises(opcua.MappingError, match=r"nodes\[0\]\.metric: is required"):
        opcua.parse_mapping(
            {"endpoint": "opc.tcp://h:1/", "org": "o", "nodes": [{"node": "n", "device_id": "d"}]}
        )
