"""The API's daily telemetry read (the last 30 days of one firm) before and after the
worker's nightly compaction keeps each day's hourly rollup (issue 26).

One firm's month of readings lands in many small batches (one file per batch and day, as
gateways send them); the read (``TelemetryStore.daily``, what ``GET /telemetry/orgs/{org}/daily``
runs) is timed on the raw day files, then after ``compact`` has merged every day but today
(keeping its hourly rollup), when it scans the rollups plus today's raw points. Both answers
are compared (equal within 1e-9).

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
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(
            f"CPU {usage.ru_utime + usage.ru_stime:.1f} s, "
            f"peak RSS {usage.ru_maxrss / 1024:.0f} MB, "
            f"load average {os.getloadavg()[0]:.2f} at end"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
