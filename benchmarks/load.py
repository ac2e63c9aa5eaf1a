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
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

from _db import drop_postgres, throwaway_postgres
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
)
from chanrong.core.clock import month_start, utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.demo import stories
from chanrong.demo.credit_workload import install_champion, synthetic_features
from chanrong.demo.institutions import DEMO_PASSWORD, seed_institutions
from chanrong.demo.park import load_park
from chanrong.governance import keys as keys_mod
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.market import service as market
from chanrong.market.tabular import Dataset
from chanrong.simulate.config import preset
from chanrong.simulate.service import write_park
from chanrong.storage import migrate
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from market import investor_rows, synthetic_events

console = Console(width=200)
REPORT_YEAR = 2024
PURPOSE = "credit_assessment"


@dataclass
class Seeded:
    """What the workload needs: API keys by role and the park's ids."""

    keys: dict[str, str]
    enterprises: list[str]
    own: list[str]  # enterprises whose admin key is in ``keys`` as enterprise0, enterprise1, …
    devices: dict[str, tuple[str, str]] = field(default_factory=dict)  # org -> (device, metric)
    period: str = ""


def seed(settings: Settings, park: str) -> Seeded:
    """Simulate a park, load it through the ingestion doors, add the demo's institutions,
    grants, a champion with a profile per firm, and market events."""
    url = settings.effective_database_url
    migrate.upgrade(url)
    db = Database(url)
    today = utcnow().date()
    cfg = preset(park).with_changes(start=month_start(today, -preset(park).months))
    park_dir = settings.var_dir / "park"
    write_park(cfg, park_dir)
    store = telemetry.open_store(settings)
    loaded = load_park(db, store, park_dir, password=DEMO_PASSWORD)
    orgs = list(loaded.org_by_uscc.values())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        install_champion(settings)
    x, _ = synthetic_features(len(orgs), seed=11)
    with db.unit_of_work() as s:
        inst, signins = seed_institutions(s)
        keys = {sign.role: sign.key for sign in signins}
        stories.grant_institutions(s, orgs, inst)
        for i, org_id in enumerate(orgs):
            credit.record_profile(
                s,
                org_id=org_id,
                as_of=today - timedelta(days=1),
                features=x.iloc[i].to_dict(),
                revenue_12m_fen=2_000_000_000,
                open_orders_fen=400_000_000,
                receivables_fen=300_000_000,
                source="benchmark",
            )
        own = orgs[:3]
        for i, org_id in enumerate(own):
            admin = next(
                u for u in identity.list_users_unchecked(s, org_id) if u.username == "admin"
            )
            keys[f"enterprise{i}"] = identity.create_api_key(s, user_id=admin.id, name="load")[1]
    with db.unit_of_work() as s:
        market.import_rows(s, Dataset.INVESTORS, investor_rows())
        market.import_rows(
            s, Dataset.EVENTS, synthetic_events(5_000, last_year=REPORT_YEAR, years=1)
        )
    with db.unit_of_work() as s:
        # Before any worker runs (and for --no-worker): sign the seeded log's head as the worker's
        # governance.sign_head job would (GET /log/head only reads the newest signed head).
        governance.sign_tree_head(s, keys_mod.load_or_create(settings.var_dir))
    db.dispose()
    # Nor does it compact the days that ended and fold the months that finished, as the
    # worker's telemetry.compact job does each night: done here, so the daily telemetry reads
    # meet the store as a running platform keeps it (one file and an hourly rollup per day).
    for org_id in orgs:
        store.compact_months(org_id, before=today)
        for d in store.days(org_id):
            if d < today:
                store.compact(org_id, d)
    month = today.replace(day=1) - timedelta(days=1)
    return Seeded(keys=keys, enterprises=orgs, own=own, period=f"{month:%Y-%m}")


Request = tuple[str, str, str, str, Any]  # label, role, method, path, JSON body


def mix(seeded: Seeded, rng: random.Random) -> Request:
    """One request of the mixed workload (weights in percent)."""
    ent = rng.choice(seeded.enterprises)
    own_i = rng.randrange(len(seeded.own))
    own = seeded.own[own_i]
    me = f"enterprise{own_i}"
    end = utcnow().date()
    start = end - timedelta(days=30)
    roll = rng.random() * 100
    table: list[tuple[float, Request]] = [
        (20, ("decision", "bank", "POST", "/credit/applications", {"enterprise_org_id": ent})),
        (
            10,
            (
                "daily telemetry",
                "bank",
                "GET",
                f"/telemetry/orgs/{ent}/daily?start={start}&end={end}&purpose={PURPOSE}",
                None,
            ),
        ),
        (2, ("market report", "analyst", "GET", f"/market/report?year={REPORT_YEAR}", None)),
        (
            3,
            (
                "points upload",
                me,
                "POST",
                f"/telemetry/orgs/{own}/points",
                {
                    "points": [
                        {
                            "device_id": seeded.devices[own][0],
                            "metric": seeded.devices[own][1],
                            "ts": (
                                datetime.now(UTC) - timedelta(seconds=rng.randrange(86_400))
                            ).isoformat(),
                            "value": rng.uniform(0, 100),
                        }
                        for _ in range(10)
                    ]
                },
            ),
        ),
        (
            8,
            (
                "profile",
                "bank",
                "GET",
                f"/credit/enterprises/{ent}/profile?purpose={PURPOSE}",
                None,
            ),
        ),
        (5, ("applications", "bank", "GET", "/credit/applications", None)),
        (4, ("devices", "bank", "GET", f"/telemetry/orgs/{ent}/devices?purpose={PURPOSE}", None)),
        (
            4,
            (
                "carbon codes",
                "bank",
                "GET",
                f"/carbon/enterprises/{ent}/codes?purpose={PURPOSE}",
                None,
            ),
        ),
        (4, ("loans", "bank", "GET", "/lending/loans", None)),
        (4, ("consents", me, "GET", "/consents", None)),
        (4, ("access list", me, "GET", f"/governance/access?owner_org_id={own}&limit=50", None)),
        (4, ("catalog", me, "GET", f"/catalog?owner_org_id={own}", None)),
        (3, ("log head", "operator", "GET", "/log/head", None)),
        (
            3,
            (
                "market events",
                "analyst",
                "GET",
                f"/market/events?year={REPORT_YEAR}&limit=50",
                None,
            ),
        ),
        (3, ("payables", "bank", "GET", "/supplychain/payables", None)),
        (3, ("leasing contracts", "lessor", "GET", "/leasing/contracts", None)),
        (3, ("insurance quotes", "insurer", "GET", "/insurance/quotes", None)),
        (3, ("guarantees", "guarantor", "GET", "/guarantee/guarantees", None)),
        (3, ("asset pools", "bank", "GET", "/assets/pools", None)),
        (2, ("funds", "analyst", "GET", "/funds", None)),
        (2, ("me", "bank", "GET", "/me", None)),
        (2, ("organisations", "operator", "GET", "/organisations", None)),
    ]
    total = 0.0
    for weight, request in table:
        total += weight
        if roll < total:
            return request
    return table[-1][1]


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
) -> Step:
    """Send at ``rate`` for ``seconds`` regardless of answers (open loop), over ``clients``
    connection pools (several callers, so the kernel spreads connections over workers)."""
    pick = mix if workload == "mixed" else healthz
    rng = random.Random(seed_)
    step = Step(workload, rate)
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


def warm_up(base: str, seeded: Seeded, connections: int = 8) -> None:
    """Every kind of request once on each of ``connections`` connections: the mix must be
    answered 2xx when the server is idle (a mix that is refused measures nothing), and each
    device to upload points for.

    The kernel spreads connections over the server's processes (SO_REUSEPORT), and each
    process pays its first use of an API key (an argon2 verification, ~120 ms of CPU, then
    remembered) and of each route; with 8 connections both of two processes are warmed with
    probability 1 − 2 × 2⁻⁸ (99 %). One connection left the other process cold, and its
    first-use costs landed in the first measured step.
    """
    with httpx.Client(base_url=base, timeout=60) as client:
        for i, org in enumerate(seeded.own):
            r = client.get(
                f"/telemetry/orgs/{org}/points?limit=1",
                headers={"Authorization": f"Bearer {seeded.keys[f'enterprise{i}']}"},
            )
            r.raise_for_status()
            point = r.json()["points"][0]
            seeded.devices[org] = (point["device_id"], point["metric"])
        rng = random.Random(0)
        seen: dict[str, int] = {}
        for _ in range(600):
            label, role, method, path, body = mix(seeded, rng)
            if label in seen:
                continue
            r = client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {seeded.keys[role]}"}
            )
            seen[label] = r.status_code
            if r.status_code >= 300:
                console.print(f"[red]{label}: {method} {path} → {r.status_code} {r.text[:300]}[/]")
        bad = {k: v for k, v in seen.items() if v >= 300}
        if bad:
            raise SystemExit(f"the mix is refused when idle: {bad}")
    for _ in range(connections - 1):
        _warm_each_kind(base, seeded)


def _warm_each_kind(base: str, seeded: Seeded) -> None:
    """One request of each kind on one new connection (statuses are checked by ``warm_up``)."""
    rng = random.Random(1)
    seen: set[str] = set()
    with httpx.Client(base_url=base, timeout=60) as client:
        for _ in range(600):
            label, role, method, path, body = mix(seeded, rng)
            if label in seen:
                continue
            seen.add(label)
            client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {seeded.keys[role]}"}
            )


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
                    soak_run(base, seeded, args.soak_rate, args.soak, server.pid, soak)
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
        console.print(
            "soak RSS MiB: "
            + ", ".join(f"{t:.0f}s {mb:.0f}" for t, mb in soak)
            + f" (start {soak[0][1]:.0f}, end {soak[-1][1]:.0f}, max {max(m for _, m in soak):.0f})"
        )
    console.print(f"load average (1, 5, 15 min) before / after: {' → '.join(loads)}")


async def soak_run(
    base: str,
    seeded: Seeded,
    rate: float,
    seconds: float,
    pid: int,
    samples: list[tuple[float, float]],
) -> Step:
    """The mixed workload at ``rate`` for ``seconds``, RSS sampled every 30 s."""
    started = time.perf_counter()

    async def sample() -> None:
        while True:
            await asyncio.sleep(30)
            samples.append((time.perf_counter() - started, tree_rss_mb(pid)))

    sampler = asyncio.create_task(sample())
    cpu0 = tree_cpu_seconds(pid)
    try:
        step = await open_loop(base, seeded, "mixed", rate, seconds, seed_=2)
    finally:
        sampler.cancel()
    step.cpu_seconds = tree_cpu_seconds(pid) - cpu0
    samples.append((time.perf_counter() - started, tree_rss_mb(pid)))
    return step


if __name__ == "__main__":
    main()
