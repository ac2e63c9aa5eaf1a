"""The API's daily telemetry read (the last 30 days of one firm) before and after the
worker's nightly compaction keeps each day's hourly rollup (issue 26).

One firm's month of readings lands in many small batches (one file per batch and day, as
gateways send them); the read (``TelemetryStore.daily``, what ``GET /telemetry/orgs/{org}/daily``
runs) is timed on the raw day files, then after ``compact`` has merged every day but today
(keeping its hourly rollup), when it scans the rollups plus today's raw points. Both answers
are compared (equal within 1e-9). Each read is timed with the process's cache of reads emptied
first (``telemetry.result_cache``: a repeated read is answered from memory), so it is the cost
of a read that misses.

Then the last step of every read, coarsening and stitching the aggregate rows it gathered, on
a month of the firm's hourly rows into days: DuckDB's window SQL (``COARSEN_SQL`` and
``STITCH_SQL``, what reads ran until 2026-12-07) against ``telemetry.stitch`` (numpy), CPU
time, best of ``--runs``, answers compared.

    nice -n 10 .venv/bin/python benchmarks/telemetry_reads.py --devices 20 --batches-per-day 24
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from chanrong.telemetry import duck, result_cache
from chanrong.telemetry.aggregates import AGG_SCHEMA, COARSEN_SQL, STITCH_SQL, WIDTHS
from chanrong.telemetry.stitch import coarsen_and_stitch
from chanrong.telemetry.store import TelemetryStore

METRICS = ("power_kw", "energy_kwh", "run_state")


def _batch(devices: int, start: datetime, minutes: int, rng: np.random.Generator) -> pa.Table:
    n = devices * minutes
    ts = np.tile(np.arange(minutes, dtype=np.int64) * 60_000_000, devices)
    ts += int(start.timestamp() * 1_000_000)
    dev = np.repeat([f"d{i:03d}" for i in range(devices)], minutes)
    tables = []
    for metric in METRICS:
        if metric == "run_state":
            values = rng.choice([0.0, 1.0, 2.0, 3.0], n)
        elif metric == "energy_kwh":
            values = np.cumsum(rng.uniform(0, 1, n))
        else:
            values = rng.uniform(0, 50, n)
        tables.append(
            pa.table(
                {
                    "device_id": pa.array(dev),
                    "metric": pa.array([metric] * n),
                    "ts": pa.array(ts).cast(pa.timestamp("us", tz="UTC")),
                    "value": pa.array(values),
                }
            )
        )
    return pa.concat_tables(tables)


def _best(fn: object, runs: int) -> tuple[float, pa.Table]:
    best, out = math.inf, None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    assert out is not None
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--devices", type=int, default=20)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--batches-per-day", type=int, default=24)
    ap.add_argument("--runs", type=int, default=5, help="reads timed (best of)")
    args = ap.parse_args()
    rng = np.random.default_rng(26)
    work = Path(tempfile.mkdtemp(prefix="chanrong-reads-", dir="/tmp"))
    try:
        store = TelemetryStore(work / "telemetry")
        today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        first = today - timedelta(days=args.days - 1)
        minutes = 24 * 60 // args.batches_per_day
        t0 = time.perf_counter()
        for b in range(args.days * args.batches_per_day):
            store.write(
                "o",
                _batch(args.devices, first + timedelta(minutes=b * minutes), minutes, rng),
                durable=False,
            )
        points = store.count("o")
        files = len(store.all_files("o"))
        print(
            f"load average {os.getloadavg()[0]:.2f}; {points:,} points of one firm over "
            f"{args.days} days in {files} files, written in {time.perf_counter() - t0:.1f} s"
        )
        end = today + timedelta(days=1)

        def read() -> pa.Table:
            result_cache.RESULTS.clear()
            return store.daily("o", start=first, end=end)

        raw_s, raw = _best(read, args.runs)
        t0 = time.perf_counter()
        for d in store.days("o"):
            if d < today.date():
                store.compact("o", d)
        compact_s = time.perf_counter() - t0
        # Today stays raw (the tail); a few more batches land in it after the compaction.
        for b in range(3):
            store.write(
                "o", _batch(args.devices, today + timedelta(minutes=b), 1, rng), durable=False
            )
        _, raw_again = _best(read, 1)
        agg_s, agg = _best(read, args.runs)
        assert agg.num_rows == raw_again.num_rows
        for name in ("n", "min", "max", "mean", "first", "last", "increase"):
            for x, y in zip(
                agg.column(name).to_pylist(), raw_again.column(name).to_pylist(), strict=True
            ):
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), name
        assert raw.num_rows == agg.num_rows
        print(f"  daily read, 30 days, raw day files      {raw_s * 1000:8.1f} ms")
        print(f"  nightly compaction of {args.days - 1} days (one-off)   {compact_s:8.1f} s")
        print(
            f"  daily read, rollups + today's raw tail   {agg_s * 1000:8.1f} ms"
            f"  ({raw_s / agg_s:.1f}× faster, answers equal within 1e-9)"
        )
        _stitch_rows(store.series("o", every="1h", start=first, end=end), args.runs)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(
            f"CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
            f"peak RSS {usage.ru_maxrss / 1024:.0f} MB, "
            f"load average {os.getloadavg()[0]:.2f} at end"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _stitch_rows(hours: pa.Table, runs: int) -> None:
    """Hourly rows into days, stitched: the SQL templates against numpy (CPU ms, best of)."""
    day = WIDTHS["1d"]
    sql = STITCH_SQL.format(rows=COARSEN_SQL.format(rows="SELECT * FROM agg", width=day))

    def by_sql() -> pa.Table:
        with duck.connection() as con:
            con.register("agg", hours)
            return con.sql(sql).to_arrow_table().cast(AGG_SCHEMA)

    def by_numpy() -> pa.Table:
        return coarsen_and_stitch(hours, day)

    timed = {}
    for name, fn in (("DuckDB window SQL", by_sql), ("numpy (telemetry.stitch)", by_numpy)):
        best, out = math.inf, None
        for _ in range(runs):
            t0 = time.process_time()
            out = fn()
            best = min(best, time.process_time() - t0)
        timed[name] = (best, out)
    (sql_s, a), (np_s, b) = timed.values()
    assert a is not None and b is not None and a.num_rows == b.num_rows
    for name in AGG_SCHEMA.names:
        for x, y in zip(a.column(name).to_pylist(), b.column(name).to_pylist(), strict=True):
            if isinstance(x, float):
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6), name
            else:
                assert x == y, name
    print(f"  coarsen + stitch {hours.num_rows:,} hourly rows into {a.num_rows:,} days (CPU):")
    print(f"    DuckDB window SQL (baseline)           {sql_s * 1000:8.2f} ms")
    print(
        f"    numpy (telemetry.stitch)               {np_s * 1000:8.2f} ms"
        f"  ({np_s / sql_s:.2f}× the baseline's CPU, answers equal within 1e-9)"
    )


if __name__ == "__main__":
    main()
