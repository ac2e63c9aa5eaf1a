"""Certificate operations per second at 32 concurrent clients, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/supplychain.py            # 32 clients x 40 actions, both backends
    .venv/bin/python benchmarks/supplychain.py --quick    # 32 clients x 4 actions, a smoke run
    .venv/bin/python benchmarks/supplychain.py --backend sqlite --clients 32 --ops 100
    .venv/bin/python benchmarks/supplychain.py --backend sqlite --group 0   # per-op path only

Each client is a thread with its own unit of work per action. Clients read the live
certificates and act on one as the holder they read: split, transfer, or finance (request,
bank quote, accept: three transactions). "first 4 live" makes all 32 pile onto the same few
certificates (the hammer: most actions lose the race and are refused); "any live" spreads
them over every live certificate (throughput with chance overlap). The table counts committed
state changes per second, the refusals, and the invariant violations found afterwards (must
be 0). A single client on the same backend is the baseline the ratio compares against.

Group commit (``--group N``, default 64): the same 32 clients hand their write use cases to
one writer thread that commits up to N per transaction, each failing alone
(``supplychain.group_commit``). Its rows run in the same process right after the per-op rows
(each use case its own transaction) and the last column compares them to the per-op run of
the same picks; "batches" is how many transactions the writer committed. "CPU ms / op" is
the whole process's CPU time (clients and writer) per committed operation; "writer CPU ms /
op" is the writer thread's own (``time.thread_time``), the serial part: one writer on a free
core commits at most 1,000 / that many operations per second.
Clients in other processes (``--client-procs N``, SQLite only): the writer alone in this
process, a ``CommandServer`` (``supplychain.command_link``) committing the commands that the
32 client threads, spread over N child processes, send over a Unix socket; the clients read
the live certificates from the database file themselves. Each round runs the in-process group
commit ("any live", the baseline) and then the same workload with the clients outside;
``--rounds R`` alternates them R times. "writer process CPU ms / op" is this process's CPU
per committed op (with the in-process clients, on the baseline row), "batch CPU" the writer's
own in its batches, "auth CPU" the writer's authorising each batch's users before it (every
command carries its user's API key, verified and checked for membership and role as the HTTP
API would: ``supplychain.commands.authorise``; the in-process baseline acts as trusted
officers and checks none), "client CPU" the child processes' (their phases only, not their
start). "denied" counts commands refused by that check: it must be 0.

PostgreSQL needs CHANRONG_TEST_POSTGRES_URL (``eval "$(bash scripts/services.sh start)"``);
without it that row says so instead of failing.
"""

from __future__ import annotations

import argparse
import os
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from _db import migrated_database
from chanrong.demo.scf_procs import ProcsResult, run_workload_procs
from chanrong.demo.scf_workload import WorkloadResult, run_workload

console = Console()


def measure(
    backend: str, clients: int, ops: int, payables: int, hot: int | None, group: int = 0
) -> WorkloadResult:
    with (
        migrated_database(backend, "scf", pool_size=clients + 1, max_overflow=0) as db,
        Progress(
            TextColumn(
                f"{backend:>8} x{clients:<3} {'hot' if hot else 'spread'}"
                f"{f' group {group}' if group else ''}"
            ),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("actions", total=clients * ops)
        return run_workload(
            db,
            clients=clients,
            ops_per_client=ops,
            payables=payables,
            seed=clients,
            hot=hot,
            tick=lambda: bar.advance(task),
            group_commit=group,
        )


def measure_procs(clients: int, ops: int, payables: int, procs: int, group: int) -> ProcsResult:
    with migrated_database("sqlite", "scf", pool_size=clients + 1, max_overflow=0) as db:
        console.print(f"  sqlite x{clients} in {procs} client processes, group {group} ...")
        return run_workload_procs(
            db,
            procs=procs,
            clients=clients,
            ops_per_client=ops,
            payables=payables,
            seed=clients,
            hot=None,
            max_batch=group,
        )


def main_procs(args: argparse.Namespace, ops: int, payables: int) -> int:
    """The in-process group commit beside the clients in ``--client-procs`` processes."""
    group = args.group or 64
    table = Table(
        title=f"supply-chain certificates on SQLite: {args.clients} clients x {ops} actions, "
        f"{payables} trees, any live, group <= {group}",
    )
    for col in (
        "round",
        "clients in",
        "attempts",
        "committed",
        "refused",
        "committed ops/s",
        "writer process CPU ms / op",
        "batch CPU ms / op",
        "auth CPU ms / op",
        "client CPU ms / op",
        "batches",
        "denied",
        "violations",
        "unexpected errors",
        "vs in-process",
        "load at start",
    ):
        table.add_column(col, justify="right")
    bad = 0
    for n in range(1, args.rounds + 1):
        load_base = f"{os.getloadavg()[0]:.2f}"
        base = measure(
            "sqlite", args.clients, ops, payables, None, group
        )  # the writer thread beside its 32 client threads
        load_procs = f"{os.getloadavg()[0]:.2f}"
        out = measure_procs(args.clients, ops, payables, args.client_procs, group)
        for label, res, load in (
            ("this process", base, load_base),
            (f"{args.client_procs} processes", out, load_procs),
        ):
            bad += len(res.violations) + len(res.unexpected)
            procs = res if isinstance(res, ProcsResult) else None
            bad += procs.denied if procs else 0
            client = (
                f"{res.client_cpu_ms_per_op:.2f}"
                if isinstance(res, ProcsResult)
                else "(in the writer's)"
            )
            versus = (
                f"{res.ops_per_second / base.ops_per_second:.2f}x ops/s"
                if res is not base and base.ops_per_second
                else "baseline"
            )
            table.add_row(
                str(n),
                label,
                f"{res.attempts:,}",
                f"{sum(res.committed.values()):,}",
                f"{sum(res.refused.values()):,}",
                f"{res.ops_per_second:,.1f}",
                f"{res.cpu_ms_per_op:.2f}",
                f"{res.writer_cpu_ms_per_op:.2f}",
                f"{procs.auth_cpu_ms_per_op:.3f}" if procs else "(none)",
                client,
                f"{res.batches:,}",
                str(procs.denied) if procs else "—",
                str(len(res.violations)),
                str(len(res.unexpected)),
                versus,
                load,
            )
            for line in (res.violations + res.unexpected)[:5]:
                console.print(f"[red]{label}: {line}[/]")
    console.print(table)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    console.print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    if bad:
        console.print(f"[bold red]{bad} violations or unexpected errors[/]")
        return 1
    console.print("[green]0 invariant violations[/]")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--ops", type=int, default=None, help="actions per client")
    parser.add_argument("--payables", type=int, default=None, help="certificate trees to share")
    parser.add_argument(
        "--group", type=int, default=64, help="group commit: most use cases a transaction (0: off)"
    )
    parser.add_argument(
        "--client-procs",
        type=int,
        default=0,
        help="clients in N other processes, sending commands to this one (SQLite)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="with --client-procs: pairs to run")
    args = parser.parse_args()
    ops = args.ops or (4 if args.quick else 40)
    payables = args.payables or (3 if args.quick else 8)
    if args.client_procs:
        return main_procs(args, ops, payables)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    start_load = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    table = Table(
        title=f"supply-chain certificates: {args.clients} concurrent clients x {ops} actions, "
        f"{payables} trees",
    )
    for col in (
        "backend",
        "commit",
        "clients",
        "picks",
        "attempts",
        "committed",
        "refused (lost races)",
        "committed ops/s",
        "CPU ms / op",
        "writer CPU ms / op",
        "vs 1 client",
        "batches",
        "violations",
        "unexpected errors",
        "group vs per-op",
    ):
        table.add_column(col, justify="right" if col != "backend" else "left")
    bad = 0
    for backend in backends:
        if backend == "postgres" and not os.environ.get("CHANRONG_TEST_POSTGRES_URL"):
            table.add_row(
                backend, "", "—", "—", "not run: CHANRONG_TEST_POSTGRES_URL is not set", *[""] * 10
            )
            continue
        base = measure(backend, 1, ops, payables, None)
        hot = measure(backend, args.clients, ops, payables, 4)
        spread = measure(backend, args.clients, ops, payables, None)
        runs = [("per op", "any live", base, None), ("per op", "first 4 live", hot, None)]
        runs.append(("per op", "any live", spread, None))
        if args.group:
            for picks, per_op, pick in (("first 4 live", hot, 4), ("any live", spread, None)):
                grouped = measure(backend, args.clients, ops, payables, pick, args.group)
                runs.append((f"group ≤{args.group}", picks, grouped, per_op))
        for commit, picks, res, per_op in runs:
            bad += len(res.violations) + len(res.unexpected)
            ratio = res.ops_per_second / base.ops_per_second if base.ops_per_second else 0.0
            versus = (
                f"{res.ops_per_second / per_op.ops_per_second:.2f}x ops/s, "
                f"{res.cpu_ms_per_op / per_op.cpu_ms_per_op:.2f}x CPU/op"
                if per_op and per_op.ops_per_second and per_op.cpu_ms_per_op
                else ""
            )
            table.add_row(
                backend,
                commit,
                str(res.clients),
                picks,
                f"{res.attempts:,}",
                f"{sum(res.committed.values()):,}",
                f"{sum(res.refused.values()):,}",
                f"{res.ops_per_second:,.1f}",
                f"{res.cpu_ms_per_op:.2f}",
                f"{res.writer_cpu_ms_per_op:.2f}" if res.batches else "—",
                "baseline" if res is base else f"{ratio:.2f}x",
                f"{res.batches:,}" if res.batches else "—",
                str(len(res.violations)),
                str(len(res.unexpected)),
                versus,
            )
            for line in (res.violations + res.unexpected)[:5]:
                console.print(f"[red]{backend}: {line}[/]")
    console.print(table)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    console.print(f"load average (1, 5, 15 min) at the start: {start_load}")
    console.print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} CPUs")
    if bad:
        console.print(f"[bold red]{bad} violations or unexpected errors[/]")
        return 1
    console.print("[green]0 invariant violations[/]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
