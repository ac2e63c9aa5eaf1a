"""Profiles for every firm of a simulated park: DuckDB, local PySpark and a hand-written query.

A park is simulated with ``chanrong.simulate`` (its telemetry is already laid out one file per
firm and month, the layout the store's month compaction produces) under ``/tmp`` and deleted
afterwards. Each engine runs in its own child process, so its start-up, peak memory (RSS of
the process and its children, the JVM included, sampled every 50 ms from /proc) and time are
its own:

- ``handwritten``: one DuckDB SQL over the same files computing the telemetry features
  (utilisation now and before, runtime growth, coverage, plausibility) for every firm — the
  floor a profile engine is compared with;
- ``duckdb``: ``chanrong.credit.features`` (every feature, the Ibis expressions) on DuckDB;
- ``spark``: the same expressions on PySpark ``local[2]``.

Prints, per park size: seconds, peak RSS, telemetry rows per second and the ratio to the
hand-written query.

    nice -n 10 .venv/bin/python benchmarks/features.py --firms 100 --months 3
    nice -n 10 .venv/bin/python benchmarks/features.py --firms 1000 --months 1 \\
        --engines handwritten,duckdb
    # 5,000 firms (documented, not run on the shared 2-core machine):
    nice -n 10 .venv/bin/python benchmarks/features.py --firms 5000 --months 12 --interval 15
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ENGINES = ("handwritten", "duckdb", "spark")

HANDWRITTEN = """
WITH dev AS (SELECT device_id, uscc FROM read_parquet(?)),
tel AS (
  SELECT t.device_id, t.metric, t.ts, t.value, dev.uscc
  FROM read_parquet(?, hive_partitioning = false) t JOIN dev USING (device_id)
  WHERE t.ts < ? AND t.ts >= ?
)
SELECT uscc,
  sum(CASE WHEN metric = 'run_state' AND value = 2 AND ts >= ? THEN 1 ELSE 0 END)::DOUBLE
    / nullif(sum(CASE WHEN metric = 'run_state' AND ts >= ? THEN 1 ELSE 0 END), 0)
    AS utilisation,
  sum(CASE WHEN metric = 'run_state' AND value = 2 AND ts < ? THEN 1 ELSE 0 END) AS run_prior,
  sum(CASE WHEN ts >= ? AND value >= 0 AND NOT isnan(value) THEN 1 ELSE 0 END)::DOUBLE
    / nullif(sum(CASE WHEN ts >= ? THEN 1 ELSE 0 END), 0) AS data_quality,
  count(DISTINCT CASE WHEN ts >= ? THEN date_trunc('day', ts) END) / 90.0 AS data_coverage
FROM tel GROUP BY uscc
"""


def _run_engine(engine: str, park: Path, as_of: date) -> dict[str, float]:
    """In the child: compute and return seconds and firms (time excludes interpreter start)."""
    from datetime import UTC, datetime, timedelta

    import duckdb

    from chanrong.credit.features import compute_profiles, park_on

    # Imports are start-up, not work: the clock starts after them.
    t0 = time.perf_counter()
    if engine == "handwritten":
        end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
        recent, prior = end - timedelta(days=90), end - timedelta(days=180)
        with duckdb.connect() as con:
            con.sql("SET TimeZone = 'UTC'")
            rows = con.execute(
                HANDWRITTEN,
                [
                    str(park / "devices.parquet"),
                    str(park / "telemetry" / "**" / "*.parquet"),
                    end,
                    prior,
                    *[recent] * 6,
                ],
            ).fetchall()
        firms = len(rows)
    else:
        frame = compute_profiles(park_on(engine, park), [as_of])
        firms = len(frame)
    return {"seconds": time.perf_counter() - t0, "firms": float(firms)}


def _tree_rss_kb(pid: int) -> int:
    """RSS of ``pid`` and its descendants (kB), from /proc."""
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parent_of[int(entry)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        for child, parent in parent_of.items():
            if parent == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/status", encoding="ascii") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def measure(engine: str, park: Path, as_of: date, timeout: float) -> dict[str, float] | None:
    """Run ``engine`` in a child process; its result plus peak RSS (MB), or None on timeout."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", engine, str(park), as_of.isoformat()],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return None
    finally:
        stop.set()
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} failed (exit {proc.returncode})")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 1024
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--firms", default="100", help="comma-separated park sizes (firms)")
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--interval", type=int, default=60, help="minutes between readings")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per engine run")
    ap.add_argument("--child", nargs=3, metavar=("ENGINE", "PARK", "AS_OF"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        engine, park, as_of = args.child
        print(json.dumps(_run_engine(engine, Path(park), date.fromisoformat(as_of))))
        return

    from chanrong.simulate.config import ParkConfig
    from chanrong.simulate.service import write_park

    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        ap.error(f"--engines: unknown {sorted(unknown)}")
    start = date(2024, 1, 1)
    as_of = date(start.year + (start.month - 1 + args.months) // 12, (args.months % 12) + 1, 1)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} at start")
    for firms in (int(f) for f in args.firms.split(",")):
        work = Path(tempfile.mkdtemp(prefix="chanrong-features-", dir="/tmp"))
        try:
            t0 = time.perf_counter()
            summary = write_park(
                ParkConfig(
                    enterprises=firms,
                    months=args.months,
                    interval_minutes=args.interval,
                    start=start,
                ),
                work / "park",
            )
            points = summary.telemetry_points
            print(
                f"\n{firms} firms × {args.months} month(s) at {args.interval} min: "
                f"{points:,} points in {summary.telemetry_files} firm-month files, "
                f"simulated in {time.perf_counter() - t0:.1f} s; profiles as of {as_of}"
            )
            base: float | None = None
            for engine in engines:
                r = measure(engine, work / "park", as_of, args.timeout)
                if r is None:
                    print(f"  {engine:<12} did not finish within {args.timeout:.0f} s")
                    continue
                if engine == "handwritten":
                    base = r["seconds"]
                ratio = f"{r['seconds'] / base:.2f}×" if base else "—"
                print(
                    f"  {engine:<12} {r['seconds']:8.2f} s  peak RSS {r['peak_mb']:7.0f} MB  "
                    f"{points / r['seconds'] / 1e6:7.2f} M rows/s  {ratio:>7} hand-written  "
                    f"({int(r['firms'])} firms)"
                )
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} at end")


if __name__ == "__main__":
    main()
