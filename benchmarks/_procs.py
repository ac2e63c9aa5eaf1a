"""The processes a benchmark runs beside itself: ``chanrong serve``, ``chanrong worker``, and
what they cost (CPU and resident memory of a process tree, read from Linux ``/proc``).

The benchmark scripts import it as ``from _procs import …`` (each runs as a script from
``benchmarks/``, like ``_db``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from chanrong.api.serving import listeners
from chanrong.core.clock import utcnow
from chanrong.jobs.orm import JobRun, RunStatus
from chanrong.storage.database import Database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_pids(pid: int) -> list[int]:
    """A process and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far."""
    total = 0.0
    for p in tree_pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MiB."""
    kb = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    kb += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            continue
    return kb / 1024


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    """``chanrong serve`` as deployed, in its own process group."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chanrong.cli.main",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_up(base: str, port: int, workers: int) -> None:
    """Until every process listens and one answers: a connection stays with the process that
    accepted it, so a load started early would land on the first process up only."""
    for _ in range(1200):
        try:
            up = listeners(port) >= workers
            if up and httpx.get(f"{base}/healthz", timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the API did not come up within two minutes")


def start_worker(env: dict[str, str], nice: int | None = None) -> subprocess.Popen[bytes]:
    """``chanrong worker`` as ``make demo`` runs it (every job), in its own session."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chanrong.cli.main",
            "worker",
            *(["--nice", str(nice)] if nice is not None else []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_worker_idle(url: str, timeout_s: float = 600.0) -> float:
    """Seconds until no run is due or running: the worker's start-up catch-up (the nightly
    jobs of the periods a new database has never run) done, as on a platform that has been
    running. Raises when it is not done within ``timeout_s``."""
    db = Database(url)
    t0 = time.perf_counter()
    # Consecutive polls on which the worker has started something and nothing is due. Runs
    # recorded before it started (the seeding's events, debounced) do not count: it ticks
    # each second once up, and fans out every periodic job's latest period on its first tick.
    quiet = 0
    try:
        while time.perf_counter() - t0 < timeout_s:
            time.sleep(1.0)
            with db.unit_of_work() as s:
                started = s.scalar(
                    select(func.count()).select_from(JobRun).where(JobRun.started_at.is_not(None))
                )
                busy = s.scalar(
                    select(func.count())
                    .select_from(JobRun)
                    .where(JobRun.status.in_((RunStatus.PENDING, RunStatus.RUNNING)))
                    .where(JobRun.not_before <= utcnow() + timedelta(seconds=1))
                )
            quiet = quiet + 1 if started and not busy else 0
            if quiet >= 3:
                return time.perf_counter() - t0
    finally:
        db.dispose()
    raise SystemExit(f"the worker was still busy after {timeout_s:.0f} s")


def stop_process(proc: subprocess.Popen[bytes], wait_s: float = 15.0) -> None:
    """Terminate a server or worker; kill its whole group if it does not stop in time."""
    proc.terminate()
    try:
        proc.wait(wait_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def worker_runs(url: str, since: datetime) -> list[tuple[str, int, float]]:
    """What the worker ran that finished after ``since``: (job, runs, seconds in runs), the
    busiest first; what a load run beside it shared the machine and the write lock with."""
    db = Database(url)
    try:
        with db.unit_of_work() as s:
            rows = s.execute(
                select(JobRun.name, JobRun.started_at, JobRun.finished_at).where(
                    JobRun.finished_at >= since
                )
            ).all()
    finally:
        db.dispose()
    out: dict[str, tuple[int, float]] = {}
    for name, started, finished in rows:
        n, secs = out.get(name, (0, 0.0))
        took = (finished - started).total_seconds() if started and finished else 0.0
        out[name] = (n + 1, secs + took)
    return sorted(((k, n, secs) for k, (n, secs) in out.items()), key=lambda r: -r[2])
