"""CPU per request of the load benchmark's mix, in-process: where a server's cores go.

``benchmarks/load.py`` measures latency and throughput against ``chanrong serve``, figures that
move with everything else the machine runs. This measures what a request costs: the same park,
seeding and mix, sent one at a time through the ASGI app in this process (no sockets), with
each request's CPU time taken around it (the client's share included, the same for every
kind). The baseline row is ``GET /healthz`` in the same run: what any request costs before
routing, authentication, the database and the work itself.

    .venv/bin/python benchmarks/request_cpu.py                # 2,000 requests of the mix
    .venv/bin/python benchmarks/request_cpu.py --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
import warnings
from collections import defaultdict
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from _mix import mix, seed
from _procs import load_average
from chanrong.api.app import create_app
from chanrong.core.logs import configure_logging
from chanrong.core.settings import Settings

console = Console(width=160)


async def run(requests: int, park: str) -> None:
    with tempfile.TemporaryDirectory(prefix="chanrong-bench-cpu-") as tmp:
        var = Path(tmp)
        settings = Settings(
            database_url=f"sqlite:///{var / 'bench.db'}",
            var_dir=var,
            jwt_secret="bench-" + "x" * 40,
            log_level="WARNING",
        )
        console.print(f"simulating and loading the {park!r} park…")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seeded = seed(settings, park)
        # As `chanrong serve` does: without it every request's log line is rendered by
        # structlog's default console renderer, a cost the server does not pay at WARNING.
        configure_logging(settings)
        app = create_app(settings)
        auth = {role: {"Authorization": f"Bearer {key}"} for role, key in seeded.keys.items()}
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
            app.router.lifespan_context(app),
        ):
            for i, org in enumerate(seeded.own):
                r = await client.get(
                    f"/telemetry/orgs/{org}/points?limit=1", headers=auth[f"enterprise{i}"]
                )
                point = r.json()["points"][0]
                seeded.devices[org] = (point["device_id"], point["metric"])

            async def send(n: int, rng: random.Random, cpu: dict[str, list[float]]) -> None:
                for _ in range(n):
                    label, role, method, path, body = mix(seeded, rng)
                    t0 = time.process_time()
                    r = await client.request(method, path, json=body, headers=auth[role])
                    cpu[label].append(time.process_time() - t0)
                    if r.status_code >= 300:
                        raise SystemExit(f"{label}: {method} {path} → {r.status_code} {r.text}")

            async def healthz(n: int) -> float:
                t0 = time.process_time()
                for _ in range(n):
                    (await client.get("/healthz")).raise_for_status()
                return (time.process_time() - t0) / n

            await send(200, random.Random(0), defaultdict(list))  # warm-up
            await healthz(100)
            base = await healthz(requests // 2)
            cpu: dict[str, list[float]] = defaultdict(list)
            await send(requests, random.Random(1), cpu)
    total = sum(sum(v) for v in cpu.values())
    n = sum(len(v) for v in cpu.values())
    table = Table(
        title=f"CPU per request in-process ({n:,} requests of the mix, '{park}' park; "
        f"load average {load_average()})"
    )
    for col in ("request", "n", "CPU ms mean", "share of the mix's CPU", "vs /healthz"):
        table.add_column(col, justify="left" if col == "request" else "right")
    table.add_row("GET /healthz (baseline)", "", f"{base * 1000:.2f}", "", "1.0×")
    for label, v in sorted(cpu.items(), key=lambda kv: -sum(kv[1])):
        mean = sum(v) / len(v)
        table.add_row(
            label,
            str(len(v)),
            f"{mean * 1000:.2f}",
            f"{sum(v) / total * 100:.1f} %",
            f"{mean / base:.1f}×",
        )
    table.add_row("mix", str(n), f"{total / n * 1000:.2f}", "100 %", f"{total / n / base:.1f}×")
    console.print(table)
    cores = 2
    console.print(
        f"At {total / n * 1000:.2f} ms of CPU per request, {cores} cores saturate at about "
        f"{cores / (total / n):.0f} requests/s (client share included)."
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--park", default="tiny", help="simulator preset (tiny, demo)")
    args = ap.parse_args()
    asyncio.run(run(args.requests, args.park))


if __name__ == "__main__":
    main()
