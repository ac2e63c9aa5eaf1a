"""Decision latency and throughput of ``POST /credit/applications``, and batch scoring speed.

The API runs as ``chanrong serve`` on loopback (two workers by default; SQLite under a temp
directory, or PostgreSQL with ``--postgres URL``); an aiohttp client sends applications at a
fixed rate (open loop) and measures each answer. Batch scoring compares the stored JSON
scorecard table against optbinning's own ``Scorecard`` on the same rows, in this process.

    .venv/bin/python benchmarks/decisions.py            # 3 runs at 200 req/s for 20 s, 200k rows
    .venv/bin/python benchmarks/decisions.py --quick    # smoke run: 50 req/s for 3 s, 20k rows
    .venv/bin/python benchmarks/decisions.py --worker --refresh-cost   # the worker beside the
        # server (its CPU reported apart), then what an on-demand profile refresh costs a
        # decision (``profile_refresh.py``'s measure on a small park: fresh, stale referred,
        # stale rebuilt first)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

from _db import drop_postgres, throwaway_postgres
from _procs import (
    free_port,
    start_server,
    start_worker,
    stop_process,
    tree_cpu_seconds,
    wait_worker_idle,
    worker_runs,
)
from chanrong.api.serving import listeners
from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.features import FEATURES
from chanrong.credit.fitting import fit_boosted, fit_scorecard, optbinning_scorecard
from chanrong.credit.registry import Approval, frame_fingerprint
from chanrong.demo.credit_workload import install_champion, synthetic_features
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage import migrate
from chanrong.storage.database import Database

console = Console()


def seed_database(settings: Settings, enterprises: int) -> tuple[str, list[str]]:
    """A bank officer's API key and enterprises with profiles and live grants."""
    url = settings.effective_database_url
    migrate.upgrade(url)
    db = Database(url)
    x, _ = synthetic_features(enterprises, seed=11)
    with db.unit_of_work() as s:
        bank = identity.create_organisation(
            s, name="bench bank", kind="financial_institution", institution_type="bank"
        )
        officer = identity.create_user(s, org_id=bank.id, username="officer", roles=["officer"])
        _, key = identity.create_api_key(s, user_id=officer.id, name="bench")
        orgs = []
        for i in range(enterprises):
            from chanrong.core.uscc import make_uscc

            org = identity.create_organisation(
                s,
                name=f"企业{i}",
                kind="enterprise",
                uscc=make_uscc("9", "1", "330500", f"MB{i:06d}").code,
            )
            cfo = identity.create_user(s, org_id=org.id, username="cfo", roles=["officer"])
            service.record_profile(
                s,
                org_id=org.id,
                as_of=utcnow().date() - timedelta(days=1),
                features=x.iloc[i].to_dict(),
                revenue_12m_fen=2_000_000_000,
                open_orders_fen=400_000_000,
                receivables_fen=300_000_000,
                source="benchmark",
            )
            governance.grant_consent(
                s,
                identity.principal_of(cfo, org),
                grantee_org_id=bank.id,
                categories=["external"],
                max_grade=2,
                purpose="credit_assessment",
                valid_from=None,
                valid_until=utcnow() + timedelta(days=30),
            )
            orgs.append(org.id)
    db.dispose()
    return key, orgs


async def open_loop(
    base: str,
    key: str,
    orgs: list[str],
    rate: float,
    seconds: float,
    *,
    clients: int = 32,
    shed: list[int] | None = None,
) -> tuple[list[float], int, float]:
    """Send at a fixed rate regardless of answers; returns latencies (ms), errors, wall time.
    Answers shed past the server's capacity (503) are not errors: counted in ``shed[0]``.

    Requests go round-robin over ``clients`` independent connection pools, as from that many
    bank systems: the kernel spreads connections (not requests) over the server's workers, so
    one pool would pin the load on whichever worker accepted its first few connections. The
    client is aiohttp: on two cores the load generator shares the machine with the server,
    and httpx's async client spent about 2.4 ms of CPU per request here (aiohttp 0.4 ms).
    """
    latencies: list[float] = []
    errors = 0
    shed = shed if shed is not None else [0]
    headers = {"Authorization": f"Bearer {key}"}
    timeout = aiohttp.ClientTimeout(total=30)
    pools = [
        aiohttp.ClientSession(
            base_url=base,
            headers=headers,
            timeout=timeout,
            connector=aiohttp.TCPConnector(limit=4),
        )
        for _ in range(clients)
    ]

    async def one(i: int) -> None:
        nonlocal errors
        t0 = time.perf_counter()
        shed_now = False
        try:
            async with pools[i % clients].post(
                "/credit/applications", json={"enterprise_org_id": orgs[i % len(orgs)]}
            ) as r:
                await r.read()
                ok = r.status == 201
                # Shed past capacity (503 + Retry-After): counted apart, not as an error.
                shed_now = r.status == 503
        except (aiohttp.ClientError, TimeoutError):
            ok = False  # a dropped or timed-out connection counts as an error
        latencies.append((time.perf_counter() - t0) * 1000)
        if shed_now:
            shed[0] += 1
        elif not ok:
            errors += 1

    try:
        total = int(rate * seconds)
        start = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - start
    finally:
        for pool in pools:
            await pool.close()
    return latencies, errors, wall


def batch_scoring(rows: int) -> list[tuple[str, float, float]]:
    """(scorer, rows/s, seconds) scoring the same rows."""
    x, y = synthetic_features(2000, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = fit_scorecard(x, y, seed=42)
        trends = {c.name: c.trend for c in table.characteristics}
        plan = {
            n: ("auto_heuristic" if t in ("peak", "valley") else "auto_asc_desc")
            for n, t in trends.items()
        }
        reference = optbinning_scorecard(x, y, plan, 42)
        boosted = fit_boosted(x, y, seed=42)
    big, _ = synthetic_features(rows, seed=4)
    out = []
    scorers: tuple[tuple[str, Callable[[], object]], ...] = (
        ("JSON scorecard table (chanrong)", lambda: table.pd(big)),
        ("optbinning Scorecard.predict_proba", lambda: reference.predict_proba(big)),
        ("optbinning Scorecard.score", lambda: reference.score(big)),
        ("LightGBM challenger (text model)", lambda: boosted.pd(big)),
    )
    for name, fn in scorers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()  # warm up
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
        out.append((name, rows / dt, dt))
    return out


def install_challenger(settings: Settings) -> None:
    """A LightGBM challenger on the champion's rows, approved: every scored decision is also
    shadow-scored by it, as in production once a challenger is approved."""
    x, y = synthetic_features()
    reg = service.model_registry(settings)
    entry = reg.register(
        "sme-operating-challenger",
        fit_boosted(x, y, seed=1),
        training_fingerprint=frame_fingerprint(x, y),
        metrics={"note": "benchmark challenger"},
    )
    reg.set_state(entry.ref, Approval.APPROVED)


def refresh_cost() -> None:
    """What an on-demand profile refresh costs a decision: ``profile_refresh.py``'s measure
    (a 2-enterprise, 3-month park loaded through the ingestion door, in process on SQLite)."""
    import profile_refresh

    with console.status("on-demand refresh: simulating and loading a small park…"):
        table = profile_refresh.measure(enterprises=2, months=3, rounds=2)
    console.print(table)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--no-challenger",
        action="store_true",
        help="no approved challenger: decisions are not shadow-scored (for comparison)",
    )
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--runs", type=int, default=3, help="open-loop runs against one server")
    ap.add_argument(
        "--postgres",
        default="",
        help="PostgreSQL server URL: a throwaway database is created there instead of SQLite",
    )
    ap.add_argument("--workers", type=int, default=2, help="API worker processes (one per core)")
    ap.add_argument(
        "--threads", type=int, default=2, help="request threads per worker (CHANRONG_API_THREADS)"
    )
    ap.add_argument(
        "--worker-nice",
        type=int,
        default=None,
        help="the worker's --nice (default: the worker's own default)",
    )
    ap.add_argument(
        "--worker-catch-up",
        action="store_true",
        help="with --worker: measure during its start-up catch-up instead of after it",
    )
    ap.add_argument(
        "--worker",
        action="store_true",
        help="run `chanrong worker` (every job enabled) beside the server during the load",
    )
    ap.add_argument(
        "--refresh-cost",
        action="store_true",
        help="then measure decisions on stale evidence refreshed first against fresh ones",
    )
    args = ap.parse_args()
    if args.quick:
        args.rate, args.seconds, args.rows, args.runs = 50.0, 3.0, 20_000, 1
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        url = (
            throwaway_postgres(args.postgres) if args.postgres else f"sqlite:///{var / 'bench.db'}"
        )
        settings = Settings(database_url=url, var_dir=var, jwt_secret="bench-" + "x" * 40)
        with console.status("training the champion and seeding enterprises…"):
            # The credit tests' champion on the credit tests' kind of rows (one builder).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                install_champion(settings)
                if not args.no_challenger:
                    install_challenger(settings)
            key, orgs = seed_database(settings, 50)
        port = free_port()
        env = {
            **os.environ,
            "CHANRONG_DATABASE_URL": url,
            "CHANRONG_VAR_DIR": str(var),
            "CHANRONG_JWT_SECRET": settings.jwt_secret,
            "CHANRONG_LOG_LEVEL": "WARNING",
            "CHANRONG_API_THREADS": str(args.threads),
        }
        # `chanrong serve`, as deployed: one process or several sharing the socket.
        server = start_server(env, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        # The platform's worker beside the API, as `make demo` runs it: its periodic jobs (the
        # nightly profiles of the seeded enterprises, the close, monitoring) start at once.
        worker = start_worker(env, args.worker_nice) if args.worker else None
        try:
            # Every worker up before the first connection: connections stay with the worker
            # that accepted them, so an early start would load one worker only.
            for _ in range(600):
                if listeners(port) >= args.workers:
                    try:
                        if httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                            break
                    except httpx.HTTPError:
                        pass
                time.sleep(0.1)
            else:
                raise SystemExit("the API did not come up within a minute")
            # The worker's start-up catch-up (the nightly jobs of the periods a new database
            # never ran: every firm's profile, the close, monitoring) done first, as on a
            # platform that has been running; `--worker-catch-up` measures during it instead.
            if worker is not None and not args.worker_catch_up:
                caught_up = wait_worker_idle(url)
                console.print(f"the worker's start-up catch-up took {caught_up:.0f} s")
            asyncio.run(open_loop(base, key, orgs, 20, 1))  # warm up
            # This process imported pandas, scikit-learn and LightGBM to train the model: a
            # full collection over that heap would pause the load generator, not the server.
            gc.collect()
            gc.freeze()
            runs = []
            shed_runs: list[int] = []
            measured_from = utcnow()
            for _ in range(args.runs):
                cpu0 = tree_cpu_seconds(server.pid)
                wcpu0 = tree_cpu_seconds(worker.pid) if worker else 0.0
                shed = [0]
                lat, errors, wall = asyncio.run(
                    open_loop(base, key, orgs, args.rate, args.seconds, shed=shed)
                )
                wcpu = tree_cpu_seconds(worker.pid) - wcpu0 if worker else 0.0
                runs.append((lat, errors, wall, tree_cpu_seconds(server.pid) - cpu0, wcpu))
                shed_runs.append(shed[0])
            alive = worker is None or worker.poll() is None
        finally:
            if worker is not None:
                stop_process(worker)
            # Workers still draining a backlog are stopped with their whole group.
            stop_process(server)
            if args.postgres:
                drop_postgres(args.postgres, url)
        backend = "PostgreSQL" if args.postgres else "SQLite"
        t = Table(
            title=f"POST /credit/applications, open loop at {args.rate:.0f} req/s "
            f"for {args.seconds:.0f} s, {args.runs} run(s) ({backend}, "
            f"{args.workers} worker(s) × {args.threads} threads; "
            f"{'no challenger' if args.no_challenger else 'LightGBM challenger shadow-scoring'}"
            f"{'; worker beside the server' if args.worker else ''})"
        )
        for c in (
            "run",
            "requests",
            "errors",
            "achieved req/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms",
            "server CPU ms/req",
            "worker CPU s",
            "p99 < 50 ms",
            "shed 503",
        ):
            t.add_column(c, justify="right")
        for n, (lat, errors, wall, cpu, wcpu) in enumerate(runs, 1):
            arr = np.array(lat)
            p99 = float(np.percentile(arr, 99))
            t.add_row(
                str(n),
                str(len(arr)),
                str(errors),
                f"{len(arr) / wall:.1f}",
                f"{np.percentile(arr, 50):.1f}",
                f"{np.percentile(arr, 90):.1f}",
                f"{p99:.1f}",
                f"{arr.max():.1f}",
                f"{cpu * 1000 / len(arr):.2f}",
                f"{wcpu:.2f}" if args.worker else "—",
                "yes" if p99 < 50 and errors == 0 else "no",
                str(shed_runs[n - 1]),
            )
        console.print(t)
        if not alive:
            console.print("[red]the worker exited during the run[/]")
        if worker is not None:
            done = worker_runs(url, measured_from)
            console.print(
                "the worker's runs that finished during the load (job: runs, seconds in them): "
                + ("; ".join(f"{name}: {n}, {secs:.2f} s" for name, n, secs in done) or "none")
            )
    if args.refresh_cost:
        refresh_cost()
    with console.status("batch scoring…"):
        res = batch_scoring(args.rows)
    t = Table(title=f"batch scoring of {args.rows:,} rows ({len(FEATURES)} operating features)")
    for c in ("scorer", "rows/s", "seconds", "vs optbinning predict_proba"):
        t.add_column(c, justify="right" if c != "scorer" else "left")
    ref = res[1][1]
    for name, rps, dt in res:
        t.add_row(name, f"{rps:,.0f}", f"{dt:.3f}", f"{rps / ref:.2f}×")
    console.print(t)


if __name__ == "__main__":
    main()
