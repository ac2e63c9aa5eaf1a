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

Both also keep the equipment quality index's per-day stats (``EQUIP_SCHEMA``,
``equip-<stem>.parquet``) under the same rules: ``equipment_days`` reads them for the months and
days they stand for and computes the rest from raw points.
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
    WIDTHS,
)
from chanrong.telemetry.points import StoreError, sql_filter
from chanrong.telemetry.stitch import coarsen_and_stitch


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


# What the equipment quality index (``chanrong.credit.features``) needs of one machine's day,
# so a profile reads ~1 row per device and day instead of every run-state and power reading.
# Over the day's run-state readings with a state 0–3, ordered by (ts, value), with ``secs``
# their epoch seconds: ``n``; the first reading (``first_s``, ``first_v`` and ``first_gap``,
# the seconds to the day's second reading, null when alone) and the last (``last_s``,
# ``last_v``, ``last_in``: seconds since the one before it, null when alone); the seconds held
# by the readings whose both neighbours are in the same day (``run_s``, ``down_s``, ``sched_s``
# for states 2, 3 and not 0), and the fault entries (a 3 after a reading of the same day that
# was not); ``loads``: every power_kw reading stamped at an instant the device reported
# running. A hold is cut by day only where a neighbour is in another day, so the first and
# last reading's holds and the first reading's fault entry are completed at read time from the
# neighbouring days' rows, and the index over any run of whole days equals the one over the
# raw readings (the integer seconds summed, then divided, instead of hours summed).
EQUIP_SCHEMA = pa.schema(
    [
        ("device_id", pa.string()),
        ("start", pa.timestamp("us", tz="UTC")),
        ("n", pa.int64()),
        ("first_s", pa.int64()),
        ("first_v", pa.float64()),
        ("first_gap", pa.int64()),
        ("last_s", pa.int64()),
        ("last_v", pa.float64()),
        ("last_in", pa.int64()),
        ("run_s", pa.int64()),
        ("down_s", pa.int64()),
        ("sched_s", pa.int64()),
        ("faults", pa.int64()),
        ("loads", pa.list_(pa.float64())),
    ]
)
EQUIP_PREFIX = "equip"
EQUIP_METRICS = ("run_state", "power_kw")
HOLD_CAP_S = 3600  # as ``chanrong.credit.features.MIN_HOLD_S``: the hold's least cap

# Raw points ({points}: device_id, metric, ts, value) → EQUIP_SCHEMA rows per device and UTC day.
EQUIP_SQL = """
    WITH p AS ({points}),
    s AS (
      SELECT device_id, ts, value, epoch(ts::TIMESTAMP)::BIGINT AS secs,
             make_timestamptz(epoch_us(ts) // 86400000000 * 86400000000) AS start
      FROM p WHERE metric = 'run_state' AND value IN (0, 1, 2, 3)
    ),
    o AS (
      SELECT *, lag(value) OVER w AS prev_v, lag(secs) OVER w AS prev_s,
             lead(secs) OVER w AS next_s, row_number() OVER w AS k,
             count(*) OVER (PARTITION BY device_id, start) AS cnt
      FROM s WINDOW w AS (PARTITION BY device_id, start ORDER BY ts, value)
    ),
    h AS (
      SELECT *, CASE WHEN prev_s IS NOT NULL AND next_s IS NOT NULL
                     THEN least(next_s - secs, greatest(secs - prev_s, {cap})) END AS hold
      FROM o
    ),
    st AS (
      SELECT device_id, start, count(*)::BIGINT AS n,
             max(secs) FILTER (WHERE k = 1) AS first_s,
             max(value) FILTER (WHERE k = 1) AS first_v,
             max(next_s - secs) FILTER (WHERE k = 1) AS first_gap,
             max(secs) FILTER (WHERE k = cnt) AS last_s,
             max(value) FILTER (WHERE k = cnt) AS last_v,
             max(secs - prev_s) FILTER (WHERE k = cnt) AS last_in,
             coalesce(sum(hold) FILTER (WHERE value = 2), 0)::BIGINT AS run_s,
             coalesce(sum(hold) FILTER (WHERE value = 3), 0)::BIGINT AS down_s,
             coalesce(sum(hold) FILTER (WHERE value != 0), 0)::BIGINT AS sched_s,
             count(*) FILTER (WHERE value = 3 AND prev_v IS NOT NULL AND prev_v != 3)::BIGINT
               AS faults
      FROM h GROUP BY device_id, start
    ),
    run AS (SELECT DISTINCT device_id, ts FROM s WHERE value = 2),
    l AS (
      SELECT p.device_id, make_timestamptz(epoch_us(p.ts) // 86400000000 * 86400000000) AS start,
             list(p.value ORDER BY p.value) AS loads
      FROM p SEMI JOIN run ON p.device_id = run.device_id AND p.ts = run.ts
      WHERE p.metric = 'power_kw' GROUP BY ALL
    )
    SELECT st.*, l.loads FROM st LEFT JOIN l USING (device_id, start)
    ORDER BY device_id, start
"""


_EQUIP_WHERE = " WHERE metric IN ('run_state', 'power_kw')"


def _equip_sql(points: str) -> str:
    return EQUIP_SQL.format(points=points, cap=HOLD_CAP_S)


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
        # From the file's points only: after a retention dropped run_state or power_kw from
        # the month, a later fold counts what remains, as a raw read of the month does.
        equip = directory / f"{EQUIP_PREFIX}-{stem}.parquet"
        _copy_to(con, _equip_sql(f"{points}{_EQUIP_WHERE}"), [str(source)], equip, store)


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
        equip = _equip_sql(f"SELECT device_id, metric, ts, value FROM day_points{_EQUIP_WHERE}")
        _copy_to(con, equip, [], directory / f"{EQUIP_PREFIX}-{stem}.parquet", store)


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
            sql = " UNION ALL ".join(f"({p})" for p in parts)
            # The parameters name every file read, and files never change once in place, so
            # the same query over the same files is answered from memory (see result_cache).
            key = (sql, width, result_cache.freeze(params))
            cached = result_cache.RESULTS.get(key)
            if cached is not None:
                return cached
            # DuckDB reads and buckets; the coarsening and stitching of the few thousand rows
            # it returns are done in numpy (``stitch``: DuckDB's window operators cost ~10 ms
            # each on tables that small).
            table = coarsen_and_stitch(con.sql(sql, params=params).to_arrow_table(), width)
            table = result_cache.stamp(table, key)
            result_cache.RESULTS.put(key, table)
            return table

    table = retrying(read)
    # A cast would drop the read's fingerprint (schema metadata); the columns already match.
    return table if table.schema.equals(AGG_SCHEMA) else table.cast(AGG_SCHEMA)


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
    return result_cache.keep_fingerprint(out.cast(DAILY_SCHEMA), table)


def _equip_rollup(directory: Path, data_file: Path) -> Path | None:
    found = directory / f"{EQUIP_PREFIX}-{stem_of(data_file)}.parquet"
    return found if found.exists() else None


def equipment_days(
    store: TelemetryStore, org_id: str, *, start: datetime, end: datetime
) -> pa.Table:
    """The equipment quality index's per-day stats (``EQUIP_SCHEMA``) of every UTC day in
    [start, end), both UTC midnights: folded months and compacted days from the stats written
    beside them while they are their period's only data, the rest computed from raw points."""
    if any(_us(t) % WIDTHS["1d"] for t in (start, end)):
        raise StoreError("start, end: the equipment stats are read over whole UTC days")

    def read() -> pa.Table:
        parts: list[str] = []
        params: list[object] = []
        used: set[date] = set()
        days: set[date] = set()
        kept: list[str] = []
        months = store.months(org_id)
        for m in months:
            first, nxt = _month_bounds(m)
            if nxt <= start or first >= end or valid_rollup(store, org_id, m) is None:
                continue
            found = _equip_rollup(rollup_dir(store, org_id, m), store.month_files(org_id, m)[0])
            if found is not None:
                used.add(m)
                kept.append(str(found))
        for d in store.days(org_id):
            first = datetime(d.year, d.month, d.day, tzinfo=UTC)
            if first < start or first >= end or d.replace(day=1) in months:
                continue
            if valid_day_rollup(store, org_id, d) is not None:
                found = _equip_rollup(day_rollup_dir(store, org_id, d), store.files(org_id, d)[0])
                if found is not None:
                    days.add(d)
                    kept.append(str(found))
        if kept:
            # One scan of every kept file; its rows are whole days, so filtered by day.
            parts.append(
                f"SELECT {', '.join(EQUIP_SCHEMA.names)} FROM read_parquet(?)"
                " WHERE start >= ? AND start < ?"
            )
            params += [kept, start, end]
        rel = store.relation_sql(
            org_id,
            start=start,
            end=end,
            metrics=EQUIP_METRICS,
            skip_months=frozenset(used),
            skip_days=frozenset(days),
        )
        if rel is not None:
            parts.append(_equip_sql(rel[0]))
            params += rel[1]
        if not parts:
            return EQUIP_SCHEMA.empty_table()
        with duck.connection() as con:
            sql = " UNION ALL ".join(f"({p})" for p in parts)
            return con.sql(
                f"SELECT * FROM ({sql}) ORDER BY device_id, start", params=params
            ).to_arrow_table()

    return retrying(read).cast(EQUIP_SCHEMA)
