"""A simulated park laid out as the telemetry store keeps it after compaction, cached on disk.

``benchmarks/features.py`` measures profiles over the store the platform runs: one compacted,
deduplicated file per firm and UTC month (``<root>/org=<uscc>/month=YYYY-MM/<uuid7>.c.parquet``,
rows ordered by device, metric and time, as ``TelemetryStore.compact_months`` writes them) and
the month's hourly and daily rollups beside it
(``<root>/_rollups/org=<uscc>/month=YYYY-MM/{hour,day}-<uuid7>.parquet``, ``AGG_SCHEMA``).

Going through the store's day partitions and its nightly fold would cost as much as the
benchmark itself at 1,000 firms × 1 year, so the builder writes that end state directly:

- readings come from the simulator (``iter_firm_months`` as ``simulate_park`` runs it: its
  numpy generator and fault injection, so duplicates, gaps and implausible values are there),
  a firm at a time, in two processes over halves of the firms (a firm's readings depend only
  on the seed and the firm); business tables (enterprises, devices, orders, …) from the plan
  and the energy bills from the same pass;
- a firm's readings are deduplicated (the later copy wins, as the store's newest file does),
  ordered and cut by UTC month with numpy on dictionary codes, and each month is written with
  the store's codec and statistics;
- the rollups are computed in the same pass with numpy, bucket by bucket exactly as the store's
  ``aggregates.BUCKET_SQL`` / ``COARSEN_SQL`` define them; ``check_rollups`` recomputes one
  firm's with the store's own ``series.write_rollups`` (DuckDB) and the build fails unless
  they agree.

The result lives under ``<cache>/store-<firms>x<months>-<interval>m-seed<seed>`` and is reused by
later runs (a ``built.json`` marks a complete build; a partial one is removed and rebuilt).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import uuid6

from chanrong.core.park_files import PARK_FILES
from chanrong.simulate import tables
from chanrong.simulate.config import ParkConfig
from chanrong.simulate.service import TelemetryChunk, _Collector, iter_firm_months, plan_park
from chanrong.telemetry import series
from chanrong.telemetry.aggregates import AGG_SCHEMA, PREFIX, ROLLUP_DIR, WIDTHS
from chanrong.telemetry.store import SCHEMA, TelemetryStore

_US = pa.timestamp("us", tz="UTC")
# Buckets of one UTC day and hour in µs; month files cut at UTC month starts.
_HOUR, _DAY = WIDTHS["1h"], WIDTHS["1d"]


@dataclass(frozen=True)
class BuiltPark:
    """Where a built park is and what it holds."""

    root: Path  # the park: business tables (simulator names) and ``store/``
    firms: int
    months: int
    points: int  # stored (deduplicated) readings
    files: int  # month files
    seconds: float  # build time (0 when read from the cache)
    cached: bool

    @property
    def store(self) -> Path:
        return self.root / "store"


def park_key(firms: int, months: int, interval: int, seed: int) -> str:
    return f"store-{firms}x{months}-{interval}m-seed{seed}"


def build(
    cache: Path,
    firms: int,
    months: int,
    interval: int,
    seed: int,
    start: date,
    *,
    hourly: bool = False,
    workers: int | None = None,
    progress: bool = False,
) -> BuiltPark:
    """The park for these settings under ``cache``: read back when built before, else built.

    The hourly rollups (as many rows as readings at hourly readings, and profiles never read
    them) are written only with ``hourly``; the daily ones always. ``workers`` processes
    (default: two, or one per CPU if fewer) each generate and write a contiguous range of the
    firms: a firm's readings depend only on the seed and the firm (``iter_firm_months``), and
    every file belongs to one firm, so the park is the same row for row whatever the number."""
    root = cache / park_key(firms, months, interval, seed)
    marker = root / "built.json"
    if marker.exists():
        info = json.loads(marker.read_text(encoding="utf-8"))
        return BuiltPark(root, firms, months, info["points"], info["files"], 0.0, True)
    shutil.rmtree(root, ignore_errors=True)
    partial = root.with_name(root.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    t0 = time.perf_counter()
    cpu0 = _tree_cpu()
    widths = ("1h", "1d") if hourly else ("1d",)
    config = ParkConfig(
        enterprises=firms, months=months, interval_minutes=interval, seed=seed, start=start
    )
    n = max(1, min(workers or min(2, os.cpu_count() or 1), firms))
    bounds = [firms * k // n for k in range(n + 1)]
    parts = [
        _Part(config, k, bounds[k], bounds[k + 1], str(partial), widths, progress) for k in range(n)
    ]
    if n == 1:
        _build_part(parts[0])
    else:
        # spawn, not fork: the parent may hold DuckDB's and Arrow's threads.
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=_build_part, args=(part,)) for part in parts]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        failed = [k for k, proc in enumerate(procs) if proc.exitcode != 0]
        if failed:
            raise SystemExit(f"park build: part(s) {failed} failed; {partial} left unfinished")
    done = [json.loads((partial / f"part-{k}.json").read_text("utf-8")) for k in range(n)]
    points = sum(d["points"] for d in done)
    files = sum(d["files"] for d in done)
    sample = done[0]["sample"]
    # Business tables come from the plan (firms, health, grids) except the energy bills, which
    # the telemetry pass produced: each part wrote its firms' rows, firm by firm as one pass.
    small = _Collector(plan_park(config)).small_tables()
    energy = [partial / f"energy-{k}.parquet" for k in range(n)]
    small["energy"] = pa.concat_tables([pq.read_table(e) for e in energy])
    for name, file in PARK_FILES.items():
        pq.write_table(small[name], partial / file, compression="zstd")
    for k in range(n):
        (partial / f"part-{k}.json").unlink()
        energy[k].unlink()
    check_rollups(
        partial / "store", (sample[0], date.fromisoformat(sample[1])) if sample else None, widths
    )
    seconds = time.perf_counter() - t0
    info = {
        "points": points,
        "files": files,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(_tree_cpu() - cpu0, 1),
        "workers": n,
    }
    (partial / "built.json").write_text(json.dumps(info) + "\n", encoding="utf-8")
    partial.rename(root)
    return BuiltPark(root, firms, months, points, files, seconds, False)


def _tree_cpu() -> float:
    """CPU seconds of this process and its waited-for children (the parts' processes)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass(frozen=True)
class _Part:
    """One process's share of a build: firms [lo, hi) of the park's plan."""

    config: ParkConfig
    index: int
    lo: int
    hi: int
    partial: str
    widths: tuple[str, ...]
    progress: bool


def _build_part(part: _Part) -> None:
    """Generate firms [lo, hi) as ``simulate_park`` does (firm by firm, months in order),
    write their store files, and leave the energy bills and the counts beside the build."""
    t0 = time.process_time()
    partial = Path(part.partial)
    plan = plan_park(part.config)
    sub = replace(plan, firms=plan.firms[part.lo : part.hi])
    writer = _StoreWriter(partial / "store", part.widths)
    # The simulator's own collector: the energy row of a firm-month, exactly as simulate_park.
    col = _Collector(sub)
    months = len(sub.grids)
    for done, fm in enumerate(iter_firm_months(sub), start=1):
        col.add(fm)
        batch = tables.telemetry_batch(fm.clean, fm.delivered)
        writer.add(TelemetryChunk(fm.firm.uscc, fm.month_label, batch))
        if part.progress and done % (50 * months) == 0:
            print(
                f"park part {part.index}: {done // months} of {part.hi - part.lo} firms, "
                f"{writer.points:,} points, {time.process_time() - t0:.0f} CPU s",
                file=sys.stderr,
                flush=True,
            )
    writer.finish()
    pq.write_table(
        tables.table(col.energy, tables.ENERGY), partial / f"energy-{part.index}.parquet"
    )
    sample = [writer.sample[0], writer.sample[1].isoformat()] if writer.sample else None
    counts = {"points": writer.points, "files": writer.files, "sample": sample}
    (partial / f"part-{part.index}.json").write_text(json.dumps(counts), encoding="utf-8")


class _StoreWriter:
    """Collects one firm's chunks (they arrive firm by firm, months in order) and writes the
    firm's UTC months and their rollups when the next firm starts."""

    def __init__(self, root: Path, widths: tuple[str, ...]) -> None:
        self.store = TelemetryStore(root)
        self.widths = widths
        self.uscc: str | None = None
        self.chunks: list[pa.RecordBatch] = []
        self.points = 0
        self.files = 0
        self.sample: tuple[str, date] | None = None  # a firm-month check_rollups recomputes

    def add(self, chunk: TelemetryChunk) -> None:
        if chunk.uscc != self.uscc:
            self.finish()
            self.uscc = chunk.uscc
        self.chunks.append(chunk.batch)

    def finish(self) -> None:
        if self.uscc is None or not self.chunks:
            return
        table = pa.Table.from_batches(self.chunks).combine_chunks()
        self.chunks = []
        for k, (month, part) in enumerate(_Points.of(table).months()):
            self._write_month(self.uscc, month, part)
            # The first firm's second UTC month: a whole one (the first starts at 16:00 UTC on
            # the last day before the park, midnight in Shanghai).
            if self.sample is None and k == 1:
                self.sample = (self.uscc, month)

    def _write_month(self, uscc: str, month: date, part: _Points) -> None:
        stem = uuid6.uuid7().hex
        directory = self.store.org_dir(uscc) / f"month={month:%Y-%m}"
        directory.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            part.table(),
            directory / f"{stem}.c.parquet",
            compression=self.store.compression,
            write_statistics=True,
        )
        rollups = series.rollup_dir(self.store, uscc, month)
        rollups.mkdir(parents=True, exist_ok=True)
        for every in self.widths:
            pq.write_table(
                part.rollup(WIDTHS[every]),
                rollups / f"{PREFIX[every]}-{stem}.parquet",
                compression=self.store.compression,
            )
        pq.write_table(
            part.equipment(),
            rollups / f"{series.EQUIP_PREFIX}-{stem}.parquet",
            compression=self.store.compression,
        )
        self.points += len(part.ts)
        self.files += 1


def _codes(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Codes of a string column that sort as its strings do, and the sorted names."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    enc = pc.dictionary_encode(column)
    names = enc.dictionary
    order = np.argsort(np.asarray(names.to_pylist(), dtype=object))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[enc.indices.to_numpy()], names.take(pa.array(order))


@dataclass(frozen=True)
class _Points:
    """Deduplicated readings as numpy columns, ordered by (UTC month, device, metric, ts):
    each month a slice, ordered within as the store's month file is."""

    dev: np.ndarray  # codes into dev_names (sorting as the names do)
    met: np.ndarray  # codes into met_names
    ts: np.ndarray  # epoch µs
    value: np.ndarray
    month: np.ndarray  # datetime64[M]
    dev_names: pa.Array
    met_names: pa.Array

    @classmethod
    def of(cls, table: pa.Table) -> _Points:
        """Of equal (device_id, metric, ts) the later row wins, as the store's newest file."""
        dev, dev_names = _codes(table.column("device_id"))
        met, met_names = _codes(table.column("metric"))
        ts = table.column("ts").cast(pa.int64()).to_numpy()
        month = ts.astype("datetime64[us]").astype("datetime64[M]")
        # lexsort is stable: among equal keys arrival order is kept, the last is the latest
        # (a month is a function of ts, so equal keys stay adjacent).
        order = np.lexsort((ts, met, dev, month))
        dev, met, ts, month = dev[order], met[order], ts[order], month[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = (dev[1:] != dev[:-1]) | (met[1:] != met[:-1]) | (ts[1:] != ts[:-1])
        value = table.column("value").to_numpy()[order[last]]
        return cls(dev[last], met[last], ts[last], value, month[last], dev_names, met_names)

    def months(self) -> list[tuple[date, _Points]]:
        bounds = np.flatnonzero(np.diff(self.month.astype(np.int64))) + 1
        out = []
        for lo, hi in zip(np.r_[0, bounds], np.r_[bounds, len(self.ts)], strict=True):
            part = _Points(
                self.dev[lo:hi],
                self.met[lo:hi],
                self.ts[lo:hi],
                self.value[lo:hi],
                self.month[lo:hi],
                self.dev_names,
                self.met_names,
            )
            out.append((self.month[lo].astype(date), part))
        return out

    def table(self) -> pa.Table:
        return pa.table(
            [
                self.dev_names.take(pa.array(self.dev)),
                self.met_names.take(pa.array(self.met)),
                pa.array(self.ts, pa.int64()).cast(_US),
                pa.array(self.value, pa.float64()),
            ],
            schema=SCHEMA,
        )

    def equipment(self) -> pa.Table:
        """``series.EQUIP_SCHEMA`` rows per device and UTC day: ``series.EQUIP_SQL`` in numpy
        (readings are deduplicated, so ordering by time alone is ordering by (ts, value))."""
        names = self.met_names.to_pylist()
        code = {m: names.index(m) if m in names else -1 for m in series.EQUIP_METRICS}
        st = (self.met == code["run_state"]) & np.isin(self.value, (0.0, 1.0, 2.0, 3.0))
        dev, ts, v = self.dev[st], self.ts[st], self.value[st]
        if len(v) == 0:
            return series.EQUIP_SCHEMA.empty_table()
        # DuckDB's epoch(ts)::BIGINT: seconds as a double, rounded half to even.
        secs = np.rint(ts / 1e6).astype(np.int64)
        day = ts // _DAY
        new = np.ones(len(v), dtype=bool)
        new[1:] = (dev[1:] != dev[:-1]) | (day[1:] != day[:-1])
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], len(v))
        last = ends - 1
        has_prev, has_next = ~new, np.append(~new[1:], False)
        prev_s = np.where(has_prev, np.roll(secs, 1), 0)
        next_s = np.where(has_next, np.roll(secs, -1), 0)
        inner = has_prev & has_next
        hold = np.where(
            inner, np.minimum(next_s - secs, np.maximum(secs - prev_s, series.HOLD_CAP_S)), 0
        )

        def total(mask: np.ndarray) -> np.ndarray:
            return np.add.reduceat(np.where(mask, hold, 0), starts)

        entered = (v == 3.0) & has_prev & (np.roll(v, 1) != 3.0)
        single = starts == last
        first_gap = pa.array(
            np.where(single, 0, next_s[starts] - secs[starts]), pa.int64(), mask=single
        )
        last_in = pa.array(np.where(single, 0, secs[last] - prev_s[last]), pa.int64(), mask=single)
        # Power read at an instant the device reported running, on keys (device, µs into the
        # month), which fit an int64.
        t0 = int(self.ts.min())
        run = v == 2.0
        run_keys = dev[run].astype(np.int64) << 42 | (ts[run] - t0)
        pw = self.met == code["power_kw"]
        pw_keys = self.dev[pw].astype(np.int64) << 42 | (self.ts[pw] - t0)
        hit = np.isin(pw_keys, run_keys)
        l_dev, l_day, l_val = self.dev[pw][hit], self.ts[pw][hit] // _DAY, self.value[pw][hit]
        order = np.lexsort((l_val, l_day, l_dev))
        l_key = l_dev[order].astype(np.int64) << 32 | l_day[order]
        g_key = dev[starts].astype(np.int64) << 32 | day[starts]
        lo = np.searchsorted(l_key, g_key, "left")
        hi = np.searchsorted(l_key, g_key, "right")
        offsets = np.append(lo, hi[-1] if len(hi) else 0).astype(np.int32)
        loads = pa.ListArray.from_arrays(
            pa.array(offsets), pa.array(l_val[order], pa.float64()), mask=pa.array(lo == hi)
        )
        return pa.table(
            [
                self.dev_names.take(pa.array(dev[starts])),
                pa.array(day[starts] * _DAY, pa.int64()).cast(_US),
                pa.array(ends - starts, pa.int64()),
                pa.array(secs[starts]),
                pa.array(v[starts]),
                first_gap,
                pa.array(secs[last]),
                pa.array(v[last]),
                last_in,
                pa.array(total(v == 2.0)),
                pa.array(total(v == 3.0)),
                pa.array(total(v != 0.0)),
                pa.array(np.add.reduceat(entered.astype(np.int64), starts)),
                loads,
            ],
            schema=series.EQUIP_SCHEMA,
        )

    def rollup(self, width: int) -> pa.Table:
        """``AGG_SCHEMA`` rows per series and bucket of ``width`` µs: ``aggregates.BUCKET_SQL``
        in numpy (a drop between two readings reads as a counter reset to zero)."""
        dev, met, v = self.dev, self.met, self.value
        bucket = self.ts // width
        n_rows = len(v)
        if n_rows == 0:
            return AGG_SCHEMA.empty_table()
        new = np.ones(n_rows, dtype=bool)
        new[1:] = (dev[1:] != dev[:-1]) | (met[1:] != met[:-1]) | (bucket[1:] != bucket[:-1])
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], n_rows)
        n = ends - starts
        diff = np.zeros(n_rows)
        diff[1:] = v[1:] - v[:-1]
        rise = np.where(diff >= 0, diff, v)
        rise[starts] = 0.0  # nothing before a bucket's first reading counts inside it
        names = self.met_names.to_pylist()
        is_state = met == names.index("run_state") if "run_state" in names else met < 0

        def count(mask: np.ndarray) -> np.ndarray:
            return np.add.reduceat(mask.astype(np.int64), starts)

        return pa.table(
            [
                self.dev_names.take(pa.array(dev[starts])),
                self.met_names.take(pa.array(met[starts])),
                pa.array(bucket[starts] * width, pa.int64()).cast(_US),
                pa.array(n, pa.int64()),
                pa.array(np.minimum.reduceat(v, starts)),
                pa.array(np.maximum.reduceat(v, starts)),
                pa.array(np.add.reduceat(v, starts) / n),
                pa.array(v[starts]),
                pa.array(v[ends - 1]),
                pa.array(np.add.reduceat(rise, starts)),
                pa.array(count(v < 0)),
                pa.array(count(is_state & (v == 0))),
                pa.array(count(is_state & (v == 1))),
                pa.array(count(is_state & (v == 2))),
                pa.array(count(is_state & (v == 3))),
            ],
            schema=AGG_SCHEMA,
        )


def check_rollups(root: Path, sample: tuple[str, date] | None, widths: tuple[str, ...]) -> None:
    """Recompute one firm-month's rollups with the store's own writer (DuckDB) and fail unless
    the builder's equal them (counts exactly, floats within 1e-9 relative)."""
    if sample is None:
        return
    store = TelemetryStore(root)
    uscc, month = sample
    (month_file,) = store.month_files(uscc, month)
    stem = series.stem_of(month_file)
    with tempfile.TemporaryDirectory(prefix="chanrong-rollup-check-") as tmp:
        other = TelemetryStore(Path(tmp))
        series.write_rollups(other, uscc, month, month_file, stem, carried=None)
        for every in (*widths, series.EQUIP_PREFIX):
            name = f"{PREFIX.get(every, every)}-{stem}.parquet"
            ours = _sorted(pq.read_table(series.rollup_dir(store, uscc, month) / name))
            theirs = _sorted(pq.read_table(series.rollup_dir(other, uscc, month) / name))
            if len(ours) != len(theirs):
                raise SystemExit(f"rollup {every}: {len(ours)} rows, the store's {len(theirs)}")
            for col in ours.column_names:
                a, b = ours.column(col), theirs.column(col)
                if pa.types.is_floating(a.type):
                    x, y = a.to_numpy(), b.to_numpy()
                    if not np.allclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True):
                        raise SystemExit(f"rollup {every}: column {col} differs from the store's")
                elif not a.equals(b):
                    raise SystemExit(f"rollup {every}: column {col} differs from the store's")


def _sorted(t: pa.Table) -> pa.Table:
    keys = [k for k in ("device_id", "metric", "start") if k in t.column_names]
    return t.sort_by([(k, "ascending") for k in keys])


def month_files(
    store: Path, start: datetime | None = None, end: datetime | None = None
) -> list[str]:
    """The compacted month files of every firm whose month overlaps [start, end)."""
    return _by_month(
        store.glob("org=*/month=*/*.c.parquet"), lambda p: p.parent.name[6:], start, end
    )


def day_rollups(
    store: Path, start: datetime | None = None, end: datetime | None = None
) -> list[str]:
    """The daily rollup files of every firm whose month overlaps [start, end)."""
    found = (store / ROLLUP_DIR).glob(f"org=*/month=*/{PREFIX['1d']}-*.parquet")
    return _by_month(found, lambda p: p.parent.name[6:], start, end)


def equip_rollups(
    store: Path, start: datetime | None = None, end: datetime | None = None
) -> list[str]:
    """The equipment index's per-day stats files of every firm whose month overlaps [start, end)."""
    found = (store / ROLLUP_DIR).glob(f"org=*/month=*/{series.EQUIP_PREFIX}-*.parquet")
    return _by_month(found, lambda p: p.parent.name[6:], start, end)


def _by_month(
    paths: Iterable[Path],
    month_of: Callable[[Path], str],
    start: datetime | None,
    end: datetime | None,
) -> list[str]:
    out = []
    for p in paths:
        label = month_of(p)
        first = datetime(int(label[:4]), int(label[5:7]), 1, tzinfo=UTC)
        after = datetime(first.year + first.month // 12, first.month % 12 + 1, 1, tzinfo=UTC)
        if (start is None or after > start) and (end is None or first < end):
            out.append(str(p))
    return sorted(out)


def main() -> None:
    """Build (or find) one park: ``python benchmarks/park_store.py --firms 1000 --months 12``."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--firms", type=int, required=True)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--interval", type=int, default=60, help="minutes between readings")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=None, help="processes (default 2)")
    ap.add_argument("--cache", type=Path, default=Path(__file__).parent / ".cache")
    args = ap.parse_args()
    built = build(
        args.cache,
        args.firms,
        args.months,
        args.interval,
        args.seed,
        date(2024, 1, 1),
        workers=args.workers,
        progress=True,
    )
    info = json.loads((built.root / "built.json").read_text(encoding="utf-8"))
    print(json.dumps({"root": str(built.root), "cached": built.cached, **info}))


if __name__ == "__main__":
    main()
