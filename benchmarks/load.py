"""A mixed workload against ``chanrong serve``: rate steps, overload, shedding, recovery, soak.

``chanrong serve`` runs with its default settings (one process per core; SQLite under a temporary
directory, or a throwaway PostgreSQL database with ``--postgres``) on a simulated park loaded
through the ingestion doors, every firm granting the bank, insurer and lessor as in the demo,
a champion scorecard and a profile per firm, and synthetic market events. An aiohttp client
sends requests at a constant arrival rate (open loop: a slow answer does not slow the sender)
from a mix of reads across every domain, credit decisions, a few writes, ~10 % daily
telemetry and a market report, at each rate in turn; a baseline row sends ``/healthz`` at the
same rates in the same run. ``chanrong worker`` runs beside the server as ``make demo`` runs it
(``--no-worker`` for the server alone); its CPU is a column of its own. After each step, a
probe (an authenticated cheap read) measures how long the server takes to answer normally
again once sending stops.

    .venv/bin/python benchmarks/load.py                       # 25 … 400 req/s, 10 s each
    .venv/bin/python benchmarks/load.py --seconds 5 --rates 25,50,100
    .venv/bin/python benchmarks/load.py --postgres "$CHANRONG_TEST_POSTGRES_URL"
    .venv/bin/python benchmarks/load.py --soak 600 --soak-rate 200   # RSS at start and end
    .venv/bin/python benchmarks/load.py --no-worker   # the server alone
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import numpy as np
from rich.console import Console
from rich.table import Table

from _db import drop_postgres, throwaway_postgres
from _mix import Request, Seeded, mix, seed, warm_up
from _procs import (
    free_port,
    load_average,
    start_server,
    start_worker,
    stop_process,
    tree_cpu_seconds,
    tree_rss_mb,
    wait_up,
    wait_worker_idle,
    worker_runs,
)
from chanrong.core.settings import Settings

console = Console(width=200)


def healthz(_seeded: Seeded, _rng: random.Random) -> Request:
    return ("healthz", "bank", "GET", "/healthz", None)


@dataclass
class Step:
    """One open-loop run at one rate."""

    workload: str
    rate: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # 0: connection error / timeout
    by_label: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    order: list[tuple[str, float, int]] = field(default_factory=list)  # as answered
    send_seconds: float = 0.0
    drain_seconds: float = 0.0
    recovery_seconds: float | None = None
    cpu_seconds: float = 0.0
    worker_cpu_seconds: float | None = None  # None: no worker ran beside the server
    client_cpu_seconds: float = 0.0  # this process: the load generator on the same cores

    @property
    def shed(self) -> int:
        return self.statuses[503]

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if s == 0 or (s >= 400 and s != 503))


PROBE = "/me"


async def probe_recovery(
    base: str, key: str, stopped: float, *, within_ms: float = 250, give_up: float = 120
) -> float | None:
    """Seconds from ``stopped`` until an authenticated cheap read answers 200 within
    ``within_ms``, probing every 50 ms on a connection of its own; None after ``give_up``."""
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=timeout
    ) as probe:
        while time.perf_counter() - stopped < give_up:
            t0 = time.perf_counter()
            try:
                async with probe.get(PROBE) as r:
                    await r.read()
                    ok = r.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok and (time.perf_counter() - t0) * 1000 <= within_ms:
                return time.perf_counter() - stopped
            await asyncio.sleep(0.05)
    return None


async def open_loop(
    base: str,
    seeded: Seeded,
    workload: str,
    rate: float,
    seconds: float,
    *,
    clients: int = 32,
    seed_: int = 1,
    step: Step | None = None,
) -> Step:
    """Send at ``rate`` for ``seconds`` regardless of answers (open loop), over ``clients``
    connection pools (several callers, so the kernel spreads connections over workers);
    answers are recorded in ``step`` as they come (a new one if not given)."""
    pick = mix if workload == "mixed" else healthz
    rng = random.Random(seed_)
    step = step if step is not None else Step(workload, rate)
    timeout = aiohttp.ClientTimeout(total=30)
    pools = [
        aiohttp.ClientSession(
            base_url=base, timeout=timeout, connector=aiohttp.TCPConnector(limit=4)
        )
        for _ in range(clients)
    ]
    auth = {role: {"Authorization": f"Bearer {key}"} for role, key in seeded.keys.items()}

    async def one(i: int, request: Request) -> None:
        label, role, method, path, body = request
        t0 = time.perf_counter()
        try:
            async with pools[i % clients].request(method, path, json=body, headers=auth[role]) as r:
                await r.read()
                status = r.status
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        ms = (time.perf_counter() - t0) * 1000
        step.latencies.append(ms)
        step.statuses[status] += 1
        step.by_label.setdefault(label, []).append((ms, status))
        step.order.append((label, ms, status))

    try:
        total = int(rate * seconds)
        start = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, pick(seeded, rng))))
        stopped = time.perf_counter()
        step.send_seconds = stopped - start
        recovery = asyncio.create_task(probe_recovery(base, seeded.keys["bank"], stopped))
        await asyncio.gather(*tasks)
        step.drain_seconds = time.perf_counter() - stopped
        step.recovery_seconds = await recovery
    finally:
        for pool in pools:
            await pool.close()
    return step


def steps_table(steps: list[Step], title: str) -> Table:
    t = Table(title=title)
    for c in (
        "workload",
        "target req/s",
        "requests",
        "answered 2xx/s",
        "p50 ms",
        "p99 ms",
        "p99 2xx ms",
        "max ms",
        "errors",
        "shed 503",
        "503 p50 ms",
        "drain s",
        "recovery s",
        "server CPU ms/req",
        "worker CPU s",
        "client CPU ms/req",
    ):
        t.add_column(c, justify="left" if c == "workload" else "right")
    for st in steps:
        arr = np.array(st.latencies) if st.latencies else np.array([0.0])
        rows = [r for rs in st.by_label.values() for r in rs]
        served = np.array([ms for ms, s in rows if 200 <= s < 300] or [np.nan])
        shed = np.array([ms for ms, s in rows if s == 503] or [np.nan])
        ok = len(st.latencies) - st.shed - st.errors
        t.add_row(
            st.workload,
            f"{st.rate:.0f}",
            str(len(st.latencies)),
            f"{ok / (st.send_seconds + st.drain_seconds):.1f}",
            f"{np.percentile(arr, 50):.1f}",
            f"{np.percentile(arr, 99):.1f}",
            f"{np.percentile(served, 99):.1f}",
            f"{arr.max():.1f}",
            str(st.errors),
            str(st.shed),
            f"{np.percentile(shed, 50):.1f}" if st.shed else "—",
            f"{st.drain_seconds:.2f}",
            f"{st.recovery_seconds:.2f}" if st.recovery_seconds is not None else "never",
            f"{st.cpu_seconds * 1000 / max(1, len(st.latencies)):.1f}",
            f"{st.worker_cpu_seconds:.1f}" if st.worker_cpu_seconds is not None else "—",
            f"{st.client_cpu_seconds * 1000 / max(1, len(st.latencies)):.2f}",
        )
    return t


def labels_table(step: Step) -> Table:
    """Per kind of request at one rate: where the time goes."""
    t = Table(title=f"mixed workload at {step.rate:.0f} req/s, by request")
    for c in ("request", "n", "p50 ms", "p99 ms", "non-2xx"):
        t.add_column(c, justify="left" if c == "request" else "right")
    for label, rows in sorted(step.by_label.items(), key=lambda kv: -len(kv[1])):
        arr = np.array([ms for ms, _ in rows])
        bad = Counter(s for _, s in rows if not 200 <= s < 300)
        t.add_row(
            label,
            str(len(rows)),
            f"{np.percentile(arr, 50):.1f}",
            f"{np.percentile(arr, 99):.1f}",
            ", ".join(f"{s}×{n}" for s, n in sorted(bad.items())) or "0",
        )
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rates", default="25,50,100,200,400", help="comma-separated req/s")
    ap.add_argument("--seconds", type=float, default=10.0, help="per rate step")
    ap.add_argument("--park", default="tiny", help="simulator preset (tiny, demo)")
    ap.add_argument("--postgres", default="", help="PostgreSQL server URL (throwaway database)")
    ap.add_argument(
        "--workers",
        type=int,
        default=0,
        help="`chanrong serve --workers` (0: serve's default, one process per core)",
    )
    ap.add_argument("--no-baseline", action="store_true", help="skip the /healthz rows")
    ap.add_argument("--soak", type=float, default=0.0, help="then a soak of this many seconds")
    ap.add_argument("--soak-rate", type=float, default=200.0)
    ap.add_argument("--by-request", action="store_true", help="per-request table for each rate")
    ap.add_argument(
        "--no-worker",
        action="store_true",
        help="no `chanrong worker` beside the server (by default it runs, as `make demo` runs it)",
    )
    args = ap.parse_args()
    rates = [float(r) for r in args.rates.split(",") if r]
    with tempfile.TemporaryDirectory(prefix="chanrong-bench-load-") as tmp:
        var = Path(tmp)
        url = throwaway_postgres(args.postgres) if args.postgres else ""
        settings = Settings(database_url=url, var_dir=var, jwt_secret="bench-" + "x" * 40)
        t0 = time.perf_counter()
        console.print(f"simulating and loading the {args.park!r} park…")
        seeded = seed(settings, args.park)
        console.print(
            f"seeded {len(seeded.enterprises)} enterprises in {time.perf_counter() - t0:.0f} s"
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "CHANRONG_VAR_DIR": str(var),
            "CHANRONG_DATABASE_URL": url,
            "CHANRONG_JWT_SECRET": settings.jwt_secret,
            "CHANRONG_LOG_LEVEL": "WARNING",
        }
        workers = args.workers or Settings().effective_api_workers
        server = start_server(env, port, workers)
        # The platform's worker beside the API, as `make demo` runs it: it signs the log's
        # head, merges late telemetry, refreshes profiles on new data. Its start-up catch-up
        # (the nightly jobs a new database never ran) is let finish first, as on a platform
        # that has been running; how long it took is printed.
        worker = None if args.no_worker else start_worker(env)
        steps: list[Step] = []
        soak: list[tuple[float, float]] = []
        windows: list[SoakWindow] = []
        soak_step: Step | None = None
        loads = [load_average()]
        try:
            wait_up(base, port, workers)
            if worker is not None:
                caught_up = wait_worker_idle(settings.effective_database_url)
                console.print(f"the worker's start-up catch-up took {caught_up:.0f} s")
            warm_up(base, seeded)
            gc.collect()
            gc.freeze()
            rss_start = tree_rss_mb(server.pid)
            for rate in rates:
                for workload in ("healthz", "mixed") if not args.no_baseline else ("mixed",):
                    cpu0 = tree_cpu_seconds(server.pid)
                    wcpu0 = tree_cpu_seconds(worker.pid) if worker else 0.0
                    ccpu0 = time.process_time()
                    step = asyncio.run(open_loop(base, seeded, workload, rate, args.seconds))
                    step.client_cpu_seconds = time.process_time() - ccpu0
                    step.cpu_seconds = tree_cpu_seconds(server.pid) - cpu0
                    if worker is not None:
                        step.worker_cpu_seconds = tree_cpu_seconds(worker.pid) - wcpu0
                    steps.append(step)
                    console.print(
                        f"{workload} at {rate:.0f}: p99 {np.percentile(step.latencies, 99):.0f} ms,"
                        f" errors {step.errors}, shed {step.shed}, load {load_average()}"
                        + (f" ({errors_by_label(step)})" if step.errors else "")
                    )
                    if args.by_request and workload == "mixed":
                        console.print(labels_table(step))
            loads.append(load_average())
            rss_end = tree_rss_mb(server.pid)
            if args.soak:
                soak.append((0.0, tree_rss_mb(server.pid)))
                wcpu0 = tree_cpu_seconds(worker.pid) if worker else 0.0
                ccpu0 = time.process_time()
                soak_step = asyncio.run(
                    soak_run(
                        base,
                        seeded,
                        args.soak_rate,
                        args.soak,
                        server.pid,
                        soak,
                        windows,
                        settings.effective_database_url,
                    )
                )
                soak_step.client_cpu_seconds = time.process_time() - ccpu0
                if worker is not None:
                    soak_step.worker_cpu_seconds = tree_cpu_seconds(worker.pid) - wcpu0
                loads.append(load_average())
            alive = worker is None or worker.poll() is None
        finally:
            if worker is not None:
                stop_process(worker)
            stop_process(server)
            if args.postgres:
                drop_postgres(args.postgres, url)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    console.print(
        steps_table(
            steps,
            f"`chanrong serve` ({workers} process(es), default settings, {backend}"
            f"{', no worker' if args.no_worker else ', `chanrong worker` beside it'}), "
            f"'{args.park}' park of {len(seeded.enterprises)} firms; open loop, "
            f"{args.seconds:.0f} s per step; baseline /healthz at the same rates",
        )
    )
    console.print(
        f"server RSS after warm-up {rss_start:.0f} MiB, after the steps {rss_end:.0f} MiB"
    )
    if not alive:
        console.print("[red]the worker exited during the run[/]")
    if soak_step is not None:
        console.print(steps_table([soak_step], f"soak at {args.soak_rate:.0f} req/s"))
        console.print(soak_table(windows))
        console.print(f"soak errors: {errors_by_label(soak_step)}")
        console.print(
            "soak RSS MiB: "
            + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in soak)
            + f" (start {soak[0][1]:.0f}, end {soak[-1][1]:.0f}, max {max(m for _, m in soak):.0f})"
        )
    console.print(f"load average (1, 5, 15 min) before / after: {' → '.join(loads)}")


@dataclass
class SoakWindow:
    """One 30-second window of a soak: what the server did in it."""

    end_s: float
    answered: int
    p99_ms: float
    shed: int
    errors: int
    server_cpu_ms_per_request: float
    rss_mb: float
    slowest: str  # the kinds of request with the highest p99 in the window
    worker: str  # what the worker finished in the window


async def soak_run(
    base: str,
    seeded: Seeded,
    rate: float,
    seconds: float,
    pid: int,
    samples: list[tuple[float, float]],
    windows: list[SoakWindow],
    database_url: str | None = None,
) -> Step:
    """The mixed workload at ``rate`` for ``seconds``; every 30 s the server's RSS and, for
    the requests answered in those 30 s, p99, shed, errors and server CPU per request (does
    anything grow with time under a steady load?)."""
    started = time.perf_counter()
    step = Step("mixed", rate)
    seen = [0, tree_cpu_seconds(pid)]
    opened = [datetime.now(UTC)]

    def close_window() -> None:
        now_cpu = tree_cpu_seconds(pid)
        answered = step.latencies[seen[0] :]
        window = step.order[seen[0] :]
        statuses = [st for _, _, st in window]
        by_kind: dict[str, list[float]] = {}
        for label, ms, _ in window:
            by_kind.setdefault(label, []).append(ms)
        worst = sorted(by_kind.items(), key=lambda kv: -float(np.percentile(kv[1], 99)))[:2]
        ran = worker_runs(database_url, opened[0]) if database_url else []
        opened[0] = datetime.now(UTC)
        rss = tree_rss_mb(pid)
        samples.append((time.perf_counter() - started, rss))
        if answered:
            windows.append(
                SoakWindow(
                    end_s=time.perf_counter() - started,
                    answered=len(answered),
                    p99_ms=float(np.percentile(answered, 99)),
                    shed=sum(1 for st in statuses if st == 503),
                    errors=sum(1 for st in statuses if st == 0 or (st >= 400 and st != 503)),
                    server_cpu_ms_per_request=(now_cpu - seen[1]) * 1000 / len(answered),
                    rss_mb=rss,
                    slowest=", ".join(f"{k} {np.percentile(v, 99):.0f}" for k, v in worst),
                    worker=", ".join(f"{name} {n} ({secs:.1f} s)" for name, n, secs in ran[:3]),
                )
            )
        seen[0], seen[1] = len(step.latencies), now_cpu

    async def sample() -> None:
        while True:
            await asyncio.sleep(30)
            close_window()

    sampler = asyncio.create_task(sample())
    cpu0 = tree_cpu_seconds(pid)
    try:
        await open_loop(base, seeded, "mixed", rate, seconds, seed_=2, step=step)
    finally:
        sampler.cancel()
    step.cpu_seconds = tree_cpu_seconds(pid) - cpu0
    close_window()
    return step


def soak_table(windows: list[SoakWindow]) -> Table:
    """The soak window by window."""
    t = Table(title="soak, window by window (30 s each)")
    for c in ("until s", "answered", "p99 ms", "shed", "errors", "server CPU ms/req", "RSS MiB"):
        t.add_column(c, justify="right")
    t.add_column("slowest kinds (p99 ms)")
    t.add_column("worker finished (runs, time in them)")
    for w in windows:
        t.add_row(
            f"{w.end_s:.0f}",
            str(w.answered),
            f"{w.p99_ms:.0f}",
            str(w.shed),
            str(w.errors),
            f"{w.server_cpu_ms_per_request:.2f}",
            f"{w.rss_mb:.0f}",
            w.slowest,
            w.worker or "—",
        )
    return t


def errors_by_label(step: Step) -> str:
    """Which requests failed and how (status 0: no answer in time / connection error)."""
    failed: Counter[tuple[str, int]] = Counter(
        (label, st)
        for label, answers in step.by_label.items()
        for _, st in answers
        if st == 0 or (st >= 400 and st != 503)
    )
    return ", ".join(f"{label} {st}: {n}" for (label, st), n in failed.most_common()) or "none"


if __name__ == "__main__":
    main()
