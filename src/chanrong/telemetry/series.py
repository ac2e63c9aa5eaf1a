"""Aggregated series kept beside the raw points, and reads of them.

When ``TelemetryStore.compact_months`` folds a month into its file it also writes that month's
hourly and daily aggregates (``aggregates.AGG_SCHEMA``) to
``<root>/_rollups/org=<org>/month=YYYY-MM/{hour,day}-<stem>.parquet``, ``<stem>`` naming the
month file they were computed from. A read uses a month's rollup only while that file is the
month's only data (no later fold, no late day files); any other month is aggregated from its
raw points, so a rollup can be stale on disk but is never read stale.

Retention (``retention``) drops a metric's raw points from an old month and keeps its
15-minute aggregates in ``quarter-<stem>-<covered>.parquet``: they stand for that metric's
points in the month's files named up to ``<covered>`` (later files, late data, still count
raw), and the hourly and daily rollups keep counting them. A late reading that falls in a
down-sampled quarter-hour counts in n, min, max and mean exactly; that bucket's first, last
and increase are approximate (the readings around it are no longer kept). Readers find the
quarter file of the month's newest file, so before the new month file is in place they read
the old state and after it the new one, never a mix.

Days of months not folded yet keep hourly aggregates too: ``TelemetryStore.compact`` (the
worker's daily compaction, after the day's quality run) writes a day's
``_rollups/org=<org>/day=YYYY-MM-DD/hour-<stem>.parquet`` beside its one compacted file
``<stem>.c.parquet``, before that file is renamed into place. A read uses it while that file is
the day's only file and the month has no month file; other days (today, a day with late
batches not compacted yet) are the tail read from raw points. So a read of the last 30 days
scans 29 small rollups and one day of raw points; late data, a retried compaction or a
re-sent batch can only make a rollup unused, never counted twice.
"""

# SQL here is assembled from fixed fragments only; every user value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar

import duckdb
import pyarrow as pa

from chanrong.telemetry import duck, result_cache
from chanrong.telemetry.aggregates import (
    AGG_SCHEMA,
    BUCKET_SQL,
    COARSEN_SQL,
    COLUMNS,
    PREFIX,
    ROLLUP_DIR,
    STITCH_SQL,
    WIDTHS,
)
from chanrong.telemetry.points import StoreError, sql_filter


class TelemetryStore(Protocol):
    """What this module needs of ``store.TelemetryStore`` (which imports this module)."""

    root: Path

    def org_dir(self, org_id: str) -> Path: ...
    def days(self, org_id: str) -> list[date]: ...
    def months(self, org_id: str) -> list[date]: ...
    def month_files(self, org_id: str, month: date) -> list[Path]: ...
    def files(self, org_id: str, day: date) -> list[Path]: ...
    def _codec(self) -> str: ...
    def relation_sql(
        self,
        org_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        devices: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
        skip_months: frozenset[date] = frozenset(),
        hidden: Sequence[tuple[date, list[str], str]] = (),
        skip_days: frozenset[date] = frozenset(),
    ) -> tuple[str, list[object]] | None: ...


T = TypeVar("T")


def retrying(read: Callable[[], T], attempts: int = 6) -> T:
    """Run a read again when a file it listed was removed meanwhile by a compaction.

    Each retry lists the files afresh; the short growing pause lets a compaction that is
    removing the files it merged finish doing so.
    """
    for attempt in range(attempts):
        try:
            return read()
        except duckdb.IOException:
            if attempt == attempts - 1:
                raise
            time.sleep(0.005 * 2**attempt)
    raise AssertionError("unreachable")


COMPACT_SUFFIX = ".c.parquet"

DAILY_SCHEMA = pa.schema(
    [
        ("device_id", pa.string()),
        ("metric", pa.string()),
        ("day", pa.date32()),
        ("n", pa.int64()),
        ("min", pa.float64()),
        ("max", pa.float64()),
        ("mean", pa.float64()),
        ("first", pa.float64()),
        ("last", pa.float64()),
        ("increase", pa.float64()),
    ]
)


def stem_of(month_file: Path) -> str:
    return month_file.name.split(".", 1)[0]


def rollup_dir(store: TelemetryStore, org_id: str, month: date) -> Path:
    return store.root / ROLLUP_DIR / store.org_dir(org_id).name / f"month={month:%Y-%m}"


def quarter_of(store: TelemetryStore, org_id: str, month: date, stem: str) -> tuple[Path, str]:
    """The 15-minute aggregates kept for month file ``stem`` and the newest file name they
    stand for, or raises FileNotFoundError when that file has none."""
    found = sorted(rollup_dir(store, org_id, month).glob(f"{PREFIX['15m']}-{stem}-*.parquet"))
    if not found:
        raise FileNotFoundError(stem)
    return found[-1], found[-1].name.removesuffix(".parquet").rsplit("-", 1)[1]


def metrics_of(quarter: Path) -> list[str]:
    """The metrics whose raw points a quarter file stands for."""
    with duck.connection() as con:
        rows = con.sql("SELECT DISTINCT metric FROM read_parquet(?)", params=[str(quarter)])
        return sorted(str(r[0]) for r in rows.fetchall())


def _quarter_or_none(
    store: TelemetryStore, org_id: str, month: date, stem: str
) -> tuple[Path, str] | None:
    try:
        return quarter_of(store, org_id, month, stem)
    except FileNotFoundError:
        return None


def write_rollups(
    store: TelemetryStore,
    org_id: str,
    month: date,
    source: Path,
    stem: str,
    *,
    carried: tuple[Path, str] | None,
) -> None:
    """Hourly and daily aggregates of the month's points in ``source`` (a staged or final
    month file) plus the 15-minute aggregates ``carried`` from an earlier retention, named for
    month file ``stem``; the carried quarter file is kept under that stem too."""
    directory = rollup_dir(store, org_id, month)
    directory.mkdir(parents=True, exist_ok=True)
    points = "SELECT device_id, metric, ts, value FROM read_parquet(?)"
    hour_rows = BUCKET_SQL.format(points=points, width=WIDTHS["1h"])
    params: list[object] = [str(source)]
    if carried is not None:
        kept = directory / f"{PREFIX['15m']}-{stem}-{carried[1]}.parquet"
        if carried[0] != kept:
            _copy(carried[0], kept)
        hour_rows = f"({hour_rows}) UNION ALL (SELECT {COLUMNS} FROM read_parquet(?))"
        params.append(str(kept))
    hour = directory / f"{PREFIX['1h']}-{stem}.parquet"
    day = directory / f"{PREFIX['1d']}-{stem}.parquet"
    with duck.connection() as con:
        _copy_to(con, COARSEN_SQL.format(rows=hour_rows, width=WIDTHS["1h"]), params, hour, store)
        day_rows = f"SELECT {COLUMNS} FROM read_parquet(?)"
        _copy_to(
            con, COARSEN_SQL.format(rows=day_rows, width=WIDTHS["1d"]), [str(hour)], day, store
        )


def prune_rollups(store: TelemetryStore, org_id: str, month: date, stem: str) -> None:
    """Remove the month's rollups named for other month files (once those files are gone)."""
    for old in rollup_dir(store, org_id, month).glob("*.parquet"):
        if f"-{stem}" not in old.name:
            old.unlink(missing_ok=True)


def _copy_to(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: list[object],
    final: Path,
    store: TelemetryStore,
) -> None:
    tmp = final.with_name(final.name + ".tmp")
    target = str(tmp).replace("'", "''")
    con.execute(
        f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION {store._codec()})", params
    )
    os.replace(tmp, final)


def _copy(src: Path, dst: Path) -> None:
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes(src.read_bytes())
    os.replace(tmp, dst)


def valid_rollup(store: TelemetryStore, org_id: str, month: date, every: str = "1d") -> Path | None:
    """The month's rollup at width ``every`` if it was computed from the month's only data."""
    if every not in ("1h", "1d"):
        return None
    month_files = store.month_files(org_id, month)
    if len(month_files) != 1 or not month_files[0].name.endswith(COMPACT_SUFFIX):
        return None
    if any(d.replace(day=1) == month for d in store.days(org_id)):
        return None
    rollup = rollup_dir(store, org_id, month) / f"{PREFIX[every]}-{stem_of(month_files[0])}.parquet"
    return rollup if rollup.exists() else None


def day_rollup_dir(store: TelemetryStore, org_id: str, day: date) -> Path:
    return store.root / ROLLUP_DIR / store.org_dir(org_id).name / f"day={day.isoformat()}"


def write_day_rollup(
    store: TelemetryStore, org_id: str, day: date, points: pa.Table, stem: str
) -> None:
    """Hourly aggregates of one day's deduplicated ``points``, named for its compacted file
    ``stem`` (written before that file is in place, so unread until it is)."""
    directory = day_rollup_dir(store, org_id, day)
    directory.mkdir(parents=True, exist_ok=True)
    with duck.connection() as con:
        con.register("day_points", points)
        rows = BUCKET_SQL.format(
            points="SELECT device_id, metric, ts, value FROM day_points", width=WIDTHS["1h"]
        )
        _copy_to(con, rows, [], directory / f"{PREFIX['1h']}-{stem}.parquet", store)


def prune_day_rollups(store: TelemetryStore, org_id: str, day: date, keep: str | None) -> None:
    """Remove a day's rollups but the one named for ``keep`` (all of them when None: the day
    was folded into its month)."""
    directory = day_rollup_dir(store, org_id, day)
    for old in directory.glob("*.parquet"):
        if keep is None or f"-{keep}." not in old.name:
            old.unlink(missing_ok=True)
    if keep is None:
        with suppress(OSError):
            directory.rmdir()


def valid_day_rollup(store: TelemetryStore, org_id: str, day: date) -> Path | None:
    """The day's hourly rollup if it was computed from the day's only file, which is also the
    only data of that day (its month has no month file: see the module's docstring)."""
    files = store.files(org_id, day)
    if len(files) != 1 or not files[0].name.endswith(COMPACT_SUFFIX):
        return None
    rollup = day_rollup_dir(store, org_id, day) / f"{PREFIX['1h']}-{stem_of(files[0])}.parquet"
    return rollup if rollup.exists() else None


def _us(t: datetime) -> int:
    return int((t.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1e6)


def _month_bounds(m: date) -> tuple[datetime, datetime]:
    first = datetime(m.year, m.month, 1, tzinfo=UTC)
    return first, datetime(m.year + m.month // 12, m.month % 12 + 1, 1, tzinfo=UTC)


def series(
    store: TelemetryStore,
    org_id: str,
    *,
    every: str,
    start: datetime | None = None,
    end: datetime | None = None,
    devices: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
) -> pa.Table:
    """Per device, metric and bucket of width ``every`` ("15m", "1h", "1d", UTC-aligned) in
    [start, end): the columns of ``aggregates.AGG_SCHEMA``, ``increase`` stitched across
    buckets (each counts the rise from the reading before it in the window).

    Folded months with a current rollup at that width are read from it when they lie inside
    the window or the window's ends fall on bucket edges, and so are compacted days of other
    months from their hourly rollups (hourly and daily reads, inside the window or with its
    ends on the hour); the rest from raw points, and the 15-minute aggregates retention kept
    in place of dropped raw points are added in.
    """
    if every not in WIDTHS:
        raise StoreError(f"every: {every!r} is not one of {', '.join(WIDTHS)}")
    width = WIDTHS[every]
    aligned = all(t is None or _us(t) % width == 0 for t in (start, end))
    on_hours = every != "15m" and all(t is None or _us(t) % WIDTHS["1h"] == 0 for t in (start, end))
    cond, filters = sql_filter("start", start, end, devices, metrics)

    def read() -> pa.Table:
        parts: list[str] = []
        params: list[object] = []
        used: set[date] = set()
        hidden: list[tuple[date, list[str], str]] = []
        months = store.months(org_id)
        with duck.connection() as con:
            days: set[date] = set()
            day_rollups: list[str] = []
            if every != "15m":
                for d in store.days(org_id):
                    first = datetime(d.year, d.month, d.day, tzinfo=UTC)
                    nxt = first + timedelta(days=1)
                    if (start and nxt <= start) or (end and first >= end):
                        continue
                    inside = (start is None or start <= first) and (end is None or nxt <= end)
                    if d.replace(day=1) in months or not (inside or on_hours):
                        continue
                    rollup = valid_day_rollup(store, org_id, d)
                    if rollup is not None:
                        days.add(d)
                        day_rollups.append(str(rollup))
            if day_rollups:
                # One scan of every day's small file, not one per day.
                parts.append(f"SELECT {COLUMNS} FROM read_parquet(?){cond}")
                params += [day_rollups, *filters]
            for m in months:
                first, nxt = _month_bounds(m)
                if (start and nxt <= start) or (end and first >= end):
                    continue
                inside = (start is None or start <= first) and (end is None or nxt <= end)
                rollup = valid_rollup(store, org_id, m, every)
                if rollup is not None and (inside or aligned):
                    parts.append(f"SELECT {COLUMNS} FROM read_parquet(?){cond}")
                    params += [str(rollup), *filters]
                    used.add(m)
                    continue
                files = store.month_files(org_id, m)
                quarter = _quarter_or_none(store, org_id, m, stem_of(files[-1])) if files else None
                if quarter is None:
                    continue
                hidden.append((m, metrics_of(quarter[0]), quarter[1]))
                parts.append(f"SELECT {COLUMNS} FROM read_parquet(?){cond}")
                params += [str(quarter[0]), *filters]
            rel = store.relation_sql(
                org_id,
                start=start,
                end=end,
                devices=devices,
                metrics=metrics,
                skip_months=frozenset(used),
                hidden=hidden,
                skip_days=frozenset(days),
            )
            if rel is not None:
                parts.append(BUCKET_SQL.format(points=rel[0], width=width))
                params += rel[1]
            if not parts:
                return AGG_SCHEMA.empty_table()
            rows = " UNION ALL ".join(f"({p})" for p in parts)
            sql = STITCH_SQL.format(rows=COARSEN_SQL.format(rows=rows, width=width))
            # The parameters name every file read, and files never change once in place, so
            # the same query over the same files is answered from memory (see result_cache).
            key = (sql, result_cache.freeze(params))
            cached = result_cache.RESULTS.get(key)
            if cached is not None:
                return cached
            table = con.sql(sql, params=params).to_arrow_table()
            result_cache.RESULTS.put(key, table)
            return table

    return retrying(read).cast(AGG_SCHEMA)


def daily(
    store: TelemetryStore,
    org_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    devices: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
) -> pa.Table:
    """Per device, metric and UTC day: n, min, max, mean, first, last and ``increase``."""
    table = series(
        store, org_id, every="1d", start=start, end=end, devices=devices, metrics=metrics
    )
    day = table.column("start").cast(pa.date32())
    out = table.select(DAILY_SCHEMA.names[:2]).append_column("day", day)
    for name in DAILY_SCHEMA.names[3:]:
        out = out.append_column(name, table.column(name))
    return out.cast(DAILY_SCHEMA)
