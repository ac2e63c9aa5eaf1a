"""Profiles for every firm of a simulated park: DuckDB, local PySpark and a hand-written query.

By default (``--layout store``) the park is laid out as the telemetry store keeps it once its
nightly job has compacted it: one deduplicated file per firm and UTC month and the month's
daily rollups beside it (``park_store.py``: built once from the simulator with numpy and Arrow,
straight into the store's layout, and cached under ``--cache`` by size and seed). Each engine
runs in its own child process, so its start-up, peak memory (RSS of the process and its
children, the JVM included, sampled every 50 ms from /proc) and time are its own:

- ``handwritten``: one DuckDB SQL over the compacted month files of the profile's window
  computing, for every firm, the telemetry features (utilisation now and before, coverage,
  plausibility) and the equipment quality index (a window per device over the last 90 days'
  run states, power read while running) from raw points;
- ``handwritten-agg``: the same features by hand from what ``duckdb-agg`` reads (the daily
  rollups and the index's per-day stats), no raw point — the best hand-written query over the
  same data the engine may use, so the floor a profile engine is compared with;
- ``duckdb``: ``chanrong.credit.features`` (every feature, the Ibis expressions) on DuckDB
  over every stored point;
- ``duckdb-agg``: the same expressions as ``credit profiles`` feeds them from the platform's
  store: the telemetry counts from the store's daily rollups and the equipment quality index
  from its per-day stats (``series.EQUIP_SCHEMA``), no raw point;
- ``duckdb-agg-passes``: ``duckdb-agg`` computed ``--firms-per-pass`` firms at a time
  (``credit.feature_passes``): the device-keyed inputs cut to a pass's firms, the rest whole,
  so memory is bounded by the pass and not the park; its profiles are compared with
  ``duckdb-agg``'s when both run;
- ``spark``: the same expressions on PySpark ``local[2]`` (``--layout simulator`` only: the
  simulator's own files, one per firm and Shanghai month, every raw point);
- ``spark-agg``: ``duckdb-agg``'s tables (the store's daily rollups and per-day stats of the
  profile's window) on PySpark ``local[2]``: the same expressions, the same files, another
  engine. Its CPU seconds include the JVM's (sampled from /proc), which the Python process's
  own rusage does not see.

Every DuckDB engine runs under ``--memory-limit`` (it spills beyond it), so memory stays
bounded as the park grows. Prints, per park size: seconds, CPU seconds, peak RSS, telemetry
rows per second and the ratio to the hand-written query. On a shared machine compare the CPU
seconds: a process under ``nice -n 19`` waits behind every other one, so its wall time says
more about the neighbours than about the engine.

    nice -n 19 .venv/bin/python benchmarks/features.py --firms 100 --months 6 \\
        --engines handwritten,duckdb,duckdb-agg
    nice -n 19 .venv/bin/python benchmarks/features.py --firms 1000 --months 12 --timeout 600
    nice -n 19 .venv/bin/python benchmarks/features.py --firms 100 --months 12 \\
        --engines handwritten-agg,duckdb-agg,spark-agg
    nice -n 19 .venv/bin/python benchmarks/features.py --firms 20 --months 1 \\
        --layout simulator --engines handwritten,duckdb,spark
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

import park_store

ENGINES = (
    "handwritten",
    "handwritten-agg",
    "duckdb",
    "duckdb-agg",
    "duckdb-agg-passes",
    "spark",
    "spark-agg",
)
FIRMS_PER_AGG_FILE = 100

# Hand-written DuckDB SQL (named parameters $devices, $files, $daily, $equip, $prior, $recent,
# $end): the telemetry features (utilisation now, running readings before, plausibility,
# coverage) and the equipment quality index, each variant over one kind of stored data.
_DEV = "dev AS (SELECT device_id, uscc, rated_kw::DOUBLE AS rated_kw FROM read_parquet($devices))"
_COUNTS_RAW = """
tel AS (
  SELECT t.device_id, t.metric, t.ts, t.value, dev.uscc
  FROM read_parquet($files, hive_partitioning = false) t JOIN dev USING (device_id)
  WHERE t.ts < $end AND t.ts >= $prior
),
cnt AS (
  SELECT uscc,
    sum(CASE WHEN metric = 'run_state' AND value = 2 AND ts >= $recent THEN 1 ELSE 0 END)::DOUBLE
      / nullif(sum(CASE WHEN metric = 'run_state' AND ts >= $recent THEN 1 ELSE 0 END), 0)
      AS utilisation,
    sum(CASE WHEN metric = 'run_state' AND value = 2 AND ts < $recent THEN 1 ELSE 0 END)
      AS run_prior,
    sum(CASE WHEN ts >= $recent AND value >= 0 AND NOT isnan(value) THEN 1 ELSE 0 END)::DOUBLE
      / nullif(sum(CASE WHEN ts >= $recent THEN 1 ELSE 0 END), 0) AS data_quality,
    count(DISTINCT CASE WHEN ts >= $recent THEN date_trunc('day', ts) END) / 90.0
      AS data_coverage
  FROM tel GROUP BY uscc
)"""
_COUNTS_DAYS = """
cnt AS (
  SELECT dev.uscc,
    sum(running) FILTER (WHERE metric = 'run_state' AND start >= $recent)::DOUBLE
      / nullif(sum(n) FILTER (WHERE metric = 'run_state' AND start >= $recent), 0)
      AS utilisation,
    coalesce(sum(running) FILTER (WHERE metric = 'run_state' AND start < $recent), 0)
      AS run_prior,
    sum(n - n_neg) FILTER (WHERE start >= $recent)::DOUBLE
      / nullif(sum(n) FILTER (WHERE start >= $recent), 0) AS data_quality,
    count(DISTINCT start) FILTER (WHERE start >= $recent) / 90.0 AS data_coverage
  FROM read_parquet($daily) r JOIN dev USING (device_id)
  WHERE start < $end AND start >= $prior GROUP BY dev.uscc
)"""
# The index from every run-state and power reading of the last 90 days (a window per device).
_INDEX_RAW = """
st AS (
  SELECT device_id, ts, value, epoch(ts::TIMESTAMP)::BIGINT AS secs
  FROM read_parquet($files, hive_partitioning = false)
  WHERE metric = 'run_state' AND value IN (0, 1, 2, 3) AND ts >= $recent AND ts < $end
),
o AS (
  SELECT *, lag(value) OVER w AS pv, lag(secs) OVER w AS ps, lead(secs) OVER w AS ns
  FROM st WINDOW w AS (PARTITION BY device_id ORDER BY ts, value)
),
h AS (
  SELECT *, least(coalesce(ns - secs, 0), greatest(coalesce(secs - ps, ns - secs), 3600)) AS hold
  FROM o
),
m AS (
  SELECT device_id,
    coalesce(sum(hold) FILTER (WHERE value = 2), 0) / 3600.0 AS run_h,
    coalesce(sum(hold) FILTER (WHERE value = 3), 0) / 3600.0 AS down_h,
    coalesce(sum(hold) FILTER (WHERE value != 0), 0) / 3600.0 AS sched_h,
    count(*) FILTER (WHERE value = 3 AND (pv IS NULL OR pv != 3)) AS failures
  FROM h GROUP BY device_id
),
run AS (SELECT DISTINCT device_id, ts FROM st WHERE value = 2),
kw AS (
  SELECT p.device_id, p.value AS kw
  FROM read_parquet($files, hive_partitioning = false) p JOIN run USING (device_id, ts)
  WHERE p.metric = 'power_kw' AND p.ts >= $recent AND p.ts < $end
)"""
# The index from the per-day stats (chanrong.telemetry.series.EQUIP_SCHEMA) of the last 90 days.
_INDEX_DAYS = """
d AS (SELECT * FROM read_parquet($equip) WHERE start >= $recent AND start < $end),
w AS (
  SELECT *, lag(last_s) OVER o AS ps, lag(last_v) OVER o AS pv, lead(first_s) OVER o AS ns
  FROM d WINDOW o AS (PARTITION BY device_id ORDER BY start)
),
x AS (SELECT *, CASE WHEN n = 1 THEN ns - first_s ELSE first_gap END AS g1 FROM w),
y AS (
  SELECT *, least(coalesce(g1, 0), greatest(coalesce(first_s - ps, g1), 3600)) AS h1,
    CASE WHEN n = 1 THEN 0 ELSE least(coalesce(ns - last_s, 0), greatest(last_in, 3600)) END
      AS hl
  FROM x
),
m AS (
  SELECT device_id,
    sum(run_s + CASE WHEN first_v = 2 THEN h1 ELSE 0 END
        + CASE WHEN last_v = 2 THEN hl ELSE 0 END) / 3600.0 AS run_h,
    sum(down_s + CASE WHEN first_v = 3 THEN h1 ELSE 0 END
        + CASE WHEN last_v = 3 THEN hl ELSE 0 END) / 3600.0 AS down_h,
    sum(sched_s + CASE WHEN first_v != 0 THEN h1 ELSE 0 END
        + CASE WHEN last_v != 0 THEN hl ELSE 0 END) / 3600.0 AS sched_h,
    sum(faults + CASE WHEN first_v = 3 AND (pv IS NULL OR pv != 3) THEN 1 ELSE 0 END)
      AS failures
  FROM y GROUP BY device_id
),
kw AS (SELECT device_id, unnest(loads) AS kw FROM d)"""
# Per machine 100 − failures per 1,000 running hours × 12 − downtime share × 60 − load above
# 0.85 × 80 (chanrong.insurance.quality's weights), clipped; per firm weighted by running hours.
_INDEX_TAIL = """
ld AS (
  SELECT device_id, median(kw / rated_kw) AS load FROM kw JOIN dev USING (device_id)
  WHERE rated_kw > 0 AND kw >= 0 AND kw <= 3 * rated_kw GROUP BY device_id
),
ix AS (
  SELECT m.device_id, run_h, greatest(least(100.0
    - failures / greatest(run_h / 1000.0, 0.1) * 12.0
    - CASE WHEN sched_h > 0 THEN greatest(least(down_h / sched_h, 1.0), 0.0) ELSE 0 END * 60.0
    - greatest(coalesce(load, 0.0) - 0.85, 0.0) * 80.0, 100.0), 0.0) AS ix
  FROM m LEFT JOIN ld USING (device_id)
),
eq AS (
  SELECT uscc, CASE WHEN sum(run_h) > 0 THEN sum(ix * run_h) / sum(run_h) ELSE avg(ix) END
    AS equipment_quality
  FROM ix JOIN dev USING (device_id) GROUP BY uscc
)
SELECT cnt.*, eq.equipment_quality FROM cnt LEFT JOIN eq USING (uscc) ORDER BY uscc
"""
HANDWRITTEN = {
    # Every feature from the raw points of the month files of the profile's window.
    "handwritten": f"WITH {_DEV}, {_COUNTS_RAW}, {_INDEX_RAW}, {_INDEX_TAIL}",
    # The same features from what the engine (duckdb-agg) reads: the daily rollups and the
    # equipment index's per-day stats, no raw point.
    "handwritten-agg": f"WITH {_DEV}, {_COUNTS_DAYS}, {_INDEX_DAYS}, {_INDEX_TAIL}",
}
# Features both hand-written queries compute, compared with the engine's after each run.
HANDWRITTEN_FEATURES = ("utilisation", "data_quality", "data_coverage", "equipment_quality")


def _run_engine(
    engine: str, park: Path, as_of: date, memory_limit: str, layout: str, firms_per_pass: int
) -> dict[str, float]:
    """In the child: compute and return seconds, CPU seconds and firms (time excludes
    interpreter start); the profiles are left beside ``park`` for the parent to compare."""
    import dataclasses
    import resource
    from datetime import UTC, datetime, timedelta

    import duckdb

    from chanrong.credit.features import RECENT_DAYS, compute_profiles, park_on, park_tables

    def cpu() -> float:
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    # What DuckDB spills beyond its memory limit goes beside the park, not into the cwd.
    spill = str(park.parent / "spill").replace("'", "''")
    end = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    recent, prior = end - timedelta(days=RECENT_DAYS), end - timedelta(days=2 * RECENT_DAYS)
    out = park.parent / f"profiles-{park.name}-{engine}.parquet"
    # Imports are start-up, not work: the clock starts after them.
    t0, c0 = time.perf_counter(), cpu()
    if engine in HANDWRITTEN:
        params: dict[str, object] = {
            "devices": str(park / "devices.parquet"),
            "prior": prior,
            "recent": recent,
            "end": end,
        }
        if engine == "handwritten-agg":
            if layout != "store":
                raise SystemExit("handwritten-agg reads the store's layout only")
            params["daily"] = park_store.day_rollups(park / "store", prior, end)
            params["equip"] = park_store.equip_rollups(park / "store", recent, end)
        elif layout == "store":
            # The store's month files of the window, as its reads select them.
            params["files"] = park_store.month_files(park / "store", prior, end)
        else:
            params["files"] = str(park / "telemetry" / "**" / "*.parquet")
        with duckdb.connect() as con:
            con.sql("SET TimeZone = 'UTC'")
            con.sql(f"SET memory_limit = '{memory_limit}'")
            con.sql(f"SET temp_directory = '{spill}'")
            result = con.sql(HANDWRITTEN[engine], params=params).to_arrow_table()
        import pyarrow.parquet as pq

        pq.write_table(result, out)
        firms = result.num_rows
    else:
        if engine == "spark":
            tables = park_on(engine, park)
        elif engine == "spark-agg":
            import ibis

            from chanrong.credit.features import park_tables, spark_session

            con = ibis.pyspark.connect(spark_session())
            tables = park_tables(con, park)
            tables = _store_tables(con, tables, park / "store", engine, prior, recent, end)
        else:
            import ibis

            con = ibis.duckdb.connect()
            con.raw_sql("SET TimeZone = 'UTC'")
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
            con.raw_sql(f"SET temp_directory = '{spill}'")
            tables = park_tables(con, park)
            if layout == "store":
                tables = _store_tables(con, tables, park / "store", engine, prior, recent, end)
            elif engine.startswith("duckdb-agg"):
                daily = con.read_parquet(str(park.parent / "daily"), table_name="park_daily")
                tables = dataclasses.replace(tables, telemetry_daily=daily)
        if engine == "duckdb-agg-passes":
            from chanrong.credit.feature_passes import compute_profiles_in_passes

            frame = compute_profiles_in_passes(tables, [as_of], firms_per_pass=firms_per_pass)
        else:
            frame = compute_profiles(tables, [as_of])
        frame.to_parquet(out)
        firms = len(frame)
    return {"seconds": time.perf_counter() - t0, "cpu": cpu() - c0, "firms": float(firms)}


def _store_tables(
    con: Any,
    tables: Any,
    store: Path,
    engine: str,
    prior: datetime,
    recent: datetime,
    end: datetime,
) -> Any:
    """The park's telemetry as ``credit profiles`` reads the platform's store.

    ``duckdb``: every stored point (the month files). ``duckdb-agg``: the store's daily rollups
    of the months in the profile's window, and of raw points only what the equipment quality
    index reads — run_state and power_kw of the last RECENT_DAYS, from the window's month
    files (the platform's ``store.query(start, end, metrics=…)``)."""
    import dataclasses

    if engine == "duckdb":
        tel = con.read_parquet(park_store.month_files(store), table_name="store_points")
        return dataclasses.replace(
            tables, telemetry=tel.select("device_id", "metric", "ts", "value")
        )
    # The month files of the index's window, as the store's read selects them; the expression's
    # filters (metric, time) reach each of its scans. Materialising run_state and power_kw
    # once instead (78 M rows at 1,000 firms) cost more than the three scans: the table does
    # not fit the memory limit, so it spilled before the window spilled again.
    from chanrong.credit.features import empty_telemetry

    day_files = park_store.day_rollups(store, prior, end)
    equip_files = park_store.equip_rollups(store, recent, end)
    if engine == "spark-agg":
        daily = _spark_files(con, day_files, "store_daily")
        equip = _spark_files(con, equip_files, "store_equip")
    else:
        daily = con.read_parquet(day_files, table_name="store_daily")
        equip = con.read_parquet(equip_files, table_name="store_equip")
    return dataclasses.replace(
        tables,
        telemetry=empty_telemetry(),
        telemetry_daily=daily.select("device_id", "metric", "start", "n", "n_neg", "running"),
        equipment_daily=equip,
    )


def _spark_files(con: Any, files: list[str], name: str) -> Any:
    """The files as one Ibis table on PySpark (Ibis's ``read_parquet`` takes one path; Spark's
    reader takes a list). Read as plain files: the ``org=``/``month=`` directories add no
    columns, as in DuckDB's ``read_parquet`` of the same list."""
    if not files:
        raise SystemExit(f"{name}: no files in the profile's window")
    import pyarrow.parquet as pq

    df = con._session.read.option("basePath", str(Path(files[0]).parents[2])).parquet(*files)
    df.select(*pq.read_schema(files[0]).names).createOrReplaceTempView(name)
    return con.table(name)


DAILY_SQL = """
SELECT device_id, metric, make_timestamptz(epoch_us(ts) // 86400000000 * 86400000000) AS start,
       count(*) AS n,
       count(*) FILTER (WHERE value < 0) AS n_neg,
       count(*) FILTER (WHERE metric = 'run_state' AND value = 2) AS running
FROM read_parquet(?, hive_partitioning = false) GROUP BY ALL
"""


def build_daily(park: Path, memory_limit: str) -> tuple[float, int]:
    """Daily aggregates of the park's telemetry beside it (``park/../daily``), a hundred firms
    per file: the columns profiles read of the store's daily rollups (``n``, ``n_neg`` and
    ``running`` as ``chanrong.telemetry.aggregates.BUCKET_SQL`` counts them; the rollups'
    other columns are not needed here). Returns (seconds, rows)."""
    import duckdb

    out = park.parent / "daily"
    partial = park.parent / ".daily.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    t0 = time.perf_counter()
    firms = sorted((park / "telemetry").glob("uscc=*"))
    rows = 0
    with duckdb.connect() as con:
        con.sql("SET TimeZone = 'UTC'")
        con.sql(f"SET memory_limit = '{memory_limit}'")
        con.sql("SET temp_directory = ?", params=[str(park.parent / "spill")])
        for k in range(0, len(firms), FIRMS_PER_AGG_FILE):
            files = [
                str(f) for d in firms[k : k + FIRMS_PER_AGG_FILE] for f in d.rglob("*.parquet")
            ]
            target = str(partial / f"part-{k // FIRMS_PER_AGG_FILE:04d}.parquet")
            con.execute(
                f"COPY ({DAILY_SQL}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)", [files]
            )
            rows += int(
                con.sql("SELECT count(*) FROM read_parquet(?)", params=[target]).fetchall()[0][0]
            )
    os.replace(partial, out)
    return time.perf_counter() - t0, rows


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _tree(pid: int) -> tuple[int, dict[int, float]]:
    """RSS of ``pid`` and its descendants (kB), and each descendant's CPU seconds so far
    (the JVM a Spark engine starts is one: the child's own rusage does not see it), from /proc."""
    parent_of: dict[int, int] = {}
    cpu_of: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                parent_of[int(entry)] = int(fields[1])
                cpu_of[int(entry)] = (int(fields[11]) + int(fields[12])) / _TICK
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
    return total, {p: cpu_of[p] for p in tree if p != pid and p in cpu_of}


def measure(
    engine: str,
    park: Path,
    as_of: date,
    timeout: float,
    memory_limit: str,
    layout: str,
    firms_per_pass: int = 1000,
) -> dict[str, float] | None:
    """Run ``engine`` in a child process; its result plus peak RSS (MB) and the CPU seconds of
    the child's own children (sampled; the JVM of a Spark engine), or None on timeout."""
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--child",
            engine,
            str(park),
            as_of.isoformat(),
            memory_limit,
            layout,
            str(firms_per_pass),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        # Its own process group: a timeout ends the JVM a Spark engine started too.
        start_new_session=True,
    )
    peak = 0
    below: dict[int, float] = {}
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            rss, cpu = _tree(proc.pid)
            peak = max(peak, rss)
            below.update(cpu)
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    finally:
        stop.set()
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{engine} failed (exit {proc.returncode})")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    result["peak_mb"] = peak / 1024
    result["child_cpu"] = sum(below.values())
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--firms", default="100", help="comma-separated park sizes (firms)")
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--interval", type=int, default=60, help="minutes between readings")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engines", default="handwritten,duckdb-agg")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per engine run")
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB's memory limit (it spills)")
    ap.add_argument(
        "--layout",
        choices=("store", "simulator"),
        default="store",
        help="store: the telemetry store's compacted months and rollups (park_store.py); "
        "simulator: the simulator's own files (write_park), the only one Spark reads",
    )
    ap.add_argument(
        "--cache",
        type=Path,
        default=Path(__file__).resolve().parent / ".cache",
        help="where parks are built once and kept, by size and seed (git ignores it)",
    )
    ap.add_argument(
        "--firms-per-pass",
        type=int,
        default=1000,
        help="duckdb-agg-passes: duckdb-agg's profiles computed this many firms at a time",
    )
    ap.add_argument(
        "--child",
        nargs=6,
        metavar=("ENGINE", "PARK", "AS_OF", "MEM", "LAYOUT", "FIRMS_PER_PASS"),
        help=argparse.SUPPRESS,
    )
    args = ap.parse_args()
    if args.child:
        engine, park, as_of, mem, layout, per_pass = args.child
        day = date.fromisoformat(as_of)
        print(json.dumps(_run_engine(engine, Path(park), day, mem, layout, int(per_pass))))
        return
    if args.firms_per_pass < 1:
        ap.error("--firms-per-pass: at least 1")

    engines = [e for e in args.engines.split(",") if e]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        ap.error(f"--engines: unknown {sorted(unknown)}")
    if args.layout == "store" and "spark" in engines:
        ap.error("--engines: spark reads the simulator's files only (--layout simulator)")
    if args.layout != "store" and "spark-agg" in engines:
        ap.error("--engines: spark-agg reads the store's rollups (--layout store)")
    start = date(2024, 1, 1)
    as_of = date(start.year + (start.month - 1 + args.months) // 12, (args.months % 12) + 1, 1)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} at start")
    for firms in (int(f) for f in args.firms.split(",")):
        if args.layout == "store":
            t0 = time.perf_counter()
            built = park_store.build(
                args.cache, firms, args.months, args.interval, args.seed, start
            )
            how = "cached" if built.cached else f"built in {time.perf_counter() - t0:.1f} s"
            print(
                f"\n{firms} firms × {args.months} month(s) at {args.interval} min: "
                f"{built.points:,} points in {built.files} store month files (and their daily "
                f"rollups), {how}; profiles as of {as_of}"
            )
            _engines(args, engines, built.root, built.points, as_of)
            continue
        work = args.cache / f"park-{firms}x{args.months}-{args.interval}"
        work.mkdir(parents=True, exist_ok=True)
        _one_park(args, engines, firms, work, start, as_of)
    print(f"\nload average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} at end")


def _one_park(
    args: argparse.Namespace,
    engines: list[str],
    firms: int,
    work: Path,
    start: date,
    as_of: date,
) -> None:
    import pyarrow.parquet as pq

    from chanrong.simulate.config import ParkConfig
    from chanrong.simulate.service import write_park

    park = work / "park"
    t0 = time.perf_counter()
    if not park.exists():
        write_park(
            ParkConfig(
                enterprises=firms,
                months=args.months,
                interval_minutes=args.interval,
                start=start,
                seed=args.seed,
            ),
            park,
        )
        how = f"simulated in {time.perf_counter() - t0:.1f} s"
    else:
        how = "cached"
    files = [str(f) for f in (park / "telemetry").rglob("*.parquet")]
    points = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    print(
        f"\n{firms} firms × {args.months} month(s) at {args.interval} min: "
        f"{points:,} points in {len(files)} firm-month files, {how}; profiles as of {as_of}"
    )
    if any(e.startswith("duckdb-agg") for e in engines) and not (work / "daily").exists():
        seconds, rows = build_daily(park, args.memory_limit)
        print(
            f"  daily aggregates (once, as the store keeps them): {rows:,} rows in {seconds:.1f} s"
        )
    _engines(args, engines, park, points, as_of)


def _engines(
    args: argparse.Namespace, engines: list[str], park: Path, points: int, as_of: date
) -> None:
    import pandas as pd

    from chanrong.credit.features import FEATURES

    results: dict[str, dict[str, float]] = {}
    for engine in engines:
        load = os.getloadavg()[0]
        r = measure(
            engine, park, as_of, args.timeout, args.memory_limit, args.layout, args.firms_per_pass
        )
        if r is None:
            print(f"  {engine:<15} did not finish within {args.timeout:.0f} s (load {load:.1f})")
            continue
        results[engine] = r
        # CPU: the engine's process over its timed part, plus its children's (a JVM's).
        jvm = r["child_cpu"]
        r["cpu"] += jvm
        print(
            f"  {engine:<15} {r['seconds']:8.2f} s  CPU {r['cpu']:7.1f} s  "
            f"peak RSS {r['peak_mb']:7.0f} MB  {points / r['seconds'] / 1e6:7.2f} M rows/s  "
            f"({int(r['firms'])} firms, load {load:.1f}"
            + (f", JVM CPU {jvm:.1f} s included)" if jvm else ")")
        )
    # Ratios to each hand-written variant that finished, in wall and in CPU time.
    for hand in (h for h in HANDWRITTEN if h in results):
        for engine, r in results.items():
            if engine not in HANDWRITTEN:
                h = results[hand]
                print(
                    f"  {engine} / {hand}: {r['seconds'] / h['seconds']:.2f}× wall, "
                    f"{r['cpu'] / h['cpu']:.2f}× CPU"
                )

    def profiles(engine: str) -> pd.DataFrame:
        out = park.parent / f"profiles-{park.name}-{engine}.parquet"
        return pd.read_parquet(out).set_index("uscc").sort_index()

    if {"duckdb", "duckdb-agg"} <= set(results):
        a, b = profiles("duckdb"), profiles("duckdb-agg")
        diff = (a[list(FEATURES)] - b[list(FEATURES)]).abs().max().max()
        print(f"  profiles from aggregates vs raw points: largest difference {diff:.3g}")
    if {"duckdb-agg", "duckdb-agg-passes"} <= set(results):
        a, b = profiles("duckdb-agg"), profiles("duckdb-agg-passes")
        cols = list(FEATURES)
        same = list(a.index) == list(b.index)
        diff = (a[cols] - b[cols]).abs().max().max() if same else float("nan")
        unknown = int((a[cols].isna() != b[cols].isna()).sum().sum()) if same else -1
        print(
            f"  duckdb-agg-passes ({args.firms_per_pass} firms a pass) vs duckdb-agg, every "
            f"feature of {len(a)} firms: {'same firms' if same else 'DIFFERENT FIRMS'}, "
            f"largest difference {diff:.3g}, {unknown} unknown in one only"
        )
    if {"duckdb-agg", "spark-agg"} <= set(results):
        a, b = profiles("duckdb-agg"), profiles("spark-agg")
        cols = list(FEATURES)
        same = list(a.index) == list(b.index)
        diff = (a[cols] - b[cols]).abs().max().max() if same else float("nan")
        # A feature unknown on one engine and known on the other is a difference too.
        unknown = int((a[cols].isna() != b[cols].isna()).sum().sum()) if same else -1
        print(
            f"  spark-agg vs duckdb-agg, every feature of {len(a)} firms: "
            f"{'same firms' if same else 'DIFFERENT FIRMS'}, largest difference {diff:.3g}, "
            f"{unknown} unknown on one engine only"
        )
    # Each hand-written query computes what the engines do (same firms, same values).
    done = [e for e in results if e in HANDWRITTEN]
    for engine in (
        e
        for e in ("duckdb-agg", "duckdb-agg-passes", "duckdb", "spark", "spark-agg")
        if e in results
    ):
        for hand in done:
            a, b = profiles(engine), profiles(hand)
            cols = list(HANDWRITTEN_FEATURES)
            diff = (a.loc[b.index, cols] - b[cols]).abs().max().max()
            print(f"  {hand} vs {engine} on {', '.join(cols)}: largest difference {diff:.3g}")


if __name__ == "__main__":
    main()
