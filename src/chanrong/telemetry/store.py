"""The telemetry store: Parquet files partitioned by organisation and UTC day, read with DuckDB.

Layout ``<root>/org=<org_id>/day=YYYY-MM-DD/<uuid7>[.c].parquet``. Every write adds a new
file (written to a temporary name, fsync'd, renamed, directory fsync'd), so a write that
returns is durable and a crash never leaves a half file under a real name. File names are
UUIDv7, so they sort by creation: on a duplicate (device_id, metric, ts) the newest file wins
at read time, which makes re-ingestion idempotent and lets late data correct earlier data.
``compact`` rewrites a day's files into one deduplicated ``.c.parquet`` file; reads of a
partition holding only that file skip the deduplication.

At park scale one directory per day holds too many small files, so ``compact_months`` folds
the day partitions of finished months into ``<root>/org=<org_id>/month=YYYY-MM/<uuid7>.c.parquet``
(one file per firm and month, tens to hundreds of MB at thousands of devices). It writes the
new file first (staged, fsync'd, renamed) and only then removes what it merged; in between a
reader sees the month file and the day files together, which the newest-file-wins dedup reads
as the same points, and a reader whose listed file vanished is run again (``_retrying``).
Writes keep landing in day partitions (late data for an old month too); the next run folds
them in. Existing day layouts are read as before and folded by the same job.

One idea at about 580 lines: the store's files, how they are named, written, folded and read
back, which share one naming lock and one layout; the pure parts live in ``points`` (the Arrow
shape and batch checks) and ``aggregates`` (bucket SQL); the rollups kept beside the months and
the reads of aggregated series in ``series``.
"""

# SQL here is assembled from fixed fragments only; every user value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import uuid6

from chanrong.telemetry import duck
from chanrong.telemetry import series as _series
from chanrong.telemetry.points import (  # re-exported: the store's callers import them here
    SCHEMA,
    CompactResult,
    StoreError,
    WriteResult,
    _by_day,
    conform,
    count_duplicates,
    sql_filter,
)

__all__ = [
    "SCHEMA",
    "CompactResult",
    "StoreError",
    "TelemetryStore",
    "WriteResult",
    "conform",
    "count_duplicates",
]

_SAFE_ORG = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_COMPACT_SUFFIX = ".c.parquet"
_STALE_TMP_S = 3600  # a staged file this old belongs to a writer that died, not a live one


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class TelemetryStore:
    """Partitioned Parquet telemetry of many organisations under one directory."""

    def __init__(self, root: Path, *, compression: str = "zstd") -> None:
        self.root = Path(root)
        self.compression = compression

    # -- paths ------------------------------------------------------------------------------

    def org_dir(self, org_id: str) -> Path:
        if not _SAFE_ORG.match(org_id):
            raise StoreError(f"org_id: {org_id!r} is not a valid organisation id")
        return self.root / f"org={org_id}"

    def organisations(self) -> list[str]:
        """Ids of the organisations with any telemetry in the store."""
        if not self.root.exists():
            return []
        return sorted(p.name[4:] for p in self.root.glob("org=*") if p.is_dir())

    def days(self, org_id: str) -> list[date]:
        """Days that hold data for ``org_id``, oldest first."""
        base = self.org_dir(org_id)
        if not base.exists():
            return []
        return sorted(date.fromisoformat(p.name[4:]) for p in base.glob("day=*") if p.is_dir())

    def files(self, org_id: str, day: date) -> list[Path]:
        d = self.org_dir(org_id) / f"day={day.isoformat()}"
        return sorted(d.glob("*.parquet")) if d.exists() else []

    def months(self, org_id: str) -> list[date]:
        """First days of the months compacted into month partitions for ``org_id``."""
        base = self.org_dir(org_id)
        if not base.exists():
            return []
        return sorted(
            date.fromisoformat(p.name[6:] + "-01") for p in base.glob("month=*") if p.is_dir()
        )

    def month_files(self, org_id: str, month: date) -> list[Path]:
        d = self.org_dir(org_id) / f"month={month:%Y-%m}"
        return sorted(d.glob("*.parquet")) if d.exists() else []

    def all_files(self, org_id: str) -> list[Path]:
        """Every data file of ``org_id`` (day and month partitions)."""
        return [f for m in self.months(org_id) for f in self.month_files(org_id, m)] + [
            f for d in self.days(org_id) for f in self.files(org_id, d)
        ]

    # -- writing ----------------------------------------------------------------------------

    def write(
        self, org_id: str, data: pa.Table | pa.RecordBatch, *, durable: bool = True
    ) -> WriteResult:
        """Add points; returns once they are on disk (fsync'd unless ``durable=False``)."""
        return self.write_many(org_id, [data], durable=durable)

    def write_many(
        self,
        org_id: str,
        batches: Iterable[pa.Table | pa.RecordBatch],
        *,
        durable: bool = True,
        transform: Callable[[pa.Table], pa.Table] | None = None,
    ) -> WriteResult:
        """Write a stream of batches (e.g. a large upload read piece by piece) all or nothing.

        Pieces are staged under temporary names that readers ignore; only when every piece
        was read and checked are they renamed into place. A bad piece leaves nothing behind.
        """
        base = self.org_dir(org_id)
        staged: list[tuple[Path, Path]] = []
        points = 0
        # One piece's day files are encoded and fsync'd by two writer threads while the next
        # piece is read and checked here (all release the GIL): at most two pieces in memory.
        writing: list[Future[tuple[Path, Path]]] = []
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="store-write") as pool:
            try:
                for batch in batches:
                    table = conform(batch)
                    if transform is not None:
                        table = transform(table)
                    if len(table) == 0:
                        continue
                    points += len(table)
                    staged.extend(f.result() for f in writing)
                    writing = [
                        pool.submit(
                            self._stage, base / f"day={day.isoformat()}", part, durable=durable
                        )
                        for day, part in _by_day(table)
                    ]
                staged.extend(f.result() for f in writing)
            except BaseException:
                for f in writing:
                    if not f.cancel():
                        with suppress(Exception):
                            staged.append(f.result())
                for tmp, _ in staged:
                    tmp.unlink(missing_ok=True)
                raise
        finals: list[Path] = []
        with self._naming(org_id, exclusive=False):
            # Named at the rename, under the lock a compaction takes to name its output and
            # list its inputs: a file it did not merge always sorts after its output and wins.
            for tmp, staged_as in staged:
                final = staged_as.with_name(f"{uuid6.uuid7().hex}.parquet")
                os.replace(tmp, final)
                finals.append(final)
        if durable:
            for directory in {final.parent for final in finals}:
                _fsync_dir(directory)
        return WriteResult(points, tuple(finals))

    @contextmanager
    def _naming(self, org_id: str, *, exclusive: bool) -> Iterator[None]:
        """Writers (shared) and compactions (exclusive) of one organisation, briefly: the
        first name and publish their files, the second names its output and lists its inputs."""
        base = self.org_dir(org_id)
        base.mkdir(parents=True, exist_ok=True)
        fd = os.open(base / ".naming.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _stage(
        self,
        directory: Path,
        table: pa.Table,
        *,
        durable: bool,
        suffix: str = ".parquet",
        stem: str | None = None,
    ) -> tuple[Path, Path]:
        final = directory / f"{stem or uuid6.uuid7().hex}{suffix}"
        tmp = final.with_name(final.name + ".tmp")
        try:
            for attempt in range(3):
                directory.mkdir(parents=True, exist_ok=True)
                try:
                    pq.write_table(table, tmp, compression=self.compression, write_statistics=True)
                    break
                except FileNotFoundError:
                    # A month compaction removed the emptied day directory between mkdir and
                    # write; once the staged file is in it, it is not empty and stays.
                    if attempt == 2:
                        raise
            if durable:
                fd = os.open(tmp, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except BaseException:
            # A write cut short (a full disk) leaves no partial file behind.
            tmp.unlink(missing_ok=True)
            raise
        return tmp, final

    # -- compaction -------------------------------------------------------------------------

    def compact(self, org_id: str, day: date | None = None) -> CompactResult:
        """Merge each day partition (or just ``day``) into one deduplicated file.

        Only the files that were merged are removed afterwards; files written meanwhile stay.
        """
        partitions = files_before = rows_before = rows_after = 0
        if not self.org_dir(org_id).exists():
            return CompactResult(0, 0, 0, 0)
        for d in [day] if day else self.days(org_id):
            with self._naming(org_id, exclusive=True):
                # Named before listing, under the lock writers publish under: a file not
                # listed here sorts after the output and still wins.
                stem = uuid6.uuid7().hex
                files = self.files(org_id, d)
            if not files:
                continue
            if len(files) == 1 and files[0].name.endswith(_COMPACT_SUFFIX):
                self._backfill_day_rollup(org_id, d, files[0])
                continue
            directory = files[0].parent
            with duck.connection() as con:
                rows_before += int(
                    con.sql(
                        "SELECT count(*) FROM read_parquet(?)", params=[[str(f) for f in files]]
                    ).fetchall()[0][0]
                )
                merged = con.sql(
                    _dedup_sql("read_parquet(?, filename=true)", "") + " ORDER BY 1, 2, 3",
                    params=[[str(f) for f in files]],
                ).to_arrow_table()
            merged = merged.cast(SCHEMA)
            tmp, final = self._stage(
                directory, merged, durable=True, suffix=_COMPACT_SUFFIX, stem=stem
            )
            # The day's hourly aggregates first, named for the file: unread until it is in
            # place and the day's only file (``series.valid_day_rollup``).
            _series.write_day_rollup(self, org_id, d, merged, stem)
            os.replace(tmp, final)
            _fsync_dir(directory)
            for f in files:
                f.unlink()
            _remove_stale_tmp(directory)
            _fsync_dir(directory)
            _series.prune_day_rollups(self, org_id, d, keep=stem)
            partitions += 1
            files_before += len(files)
            rows_after += len(merged)
        return CompactResult(partitions, files_before, rows_before, rows_after)

    def _backfill_day_rollup(self, org_id: str, day: date, compacted: Path) -> None:
        """Write the hourly rollup of a day compacted before rollups were kept (or whose
        rollup was lost); a file removed meanwhile by a fold leaves nothing to do."""
        if _series.valid_day_rollup(self, org_id, day) is not None:
            return
        try:
            with duck.connection() as con:
                table = con.sql(
                    "SELECT device_id, metric, ts, value FROM read_parquet(?)",
                    params=[str(compacted)],
                ).to_arrow_table()
        except duckdb.IOException:
            return
        _series.write_day_rollup(self, org_id, day, table, _series.stem_of(compacted))

    def compact_months(self, org_id: str, *, before: date) -> CompactResult:
        """Fold the day partitions (and any earlier month file) of every month that ends before
        ``before`` into one deduplicated file per month; returns what it merged.

        Files are listed once per month, merged by DuckDB straight to a staged Parquet file
        (streamed, so a month larger than memory spills instead of failing), renamed into the
        month partition, and only then are the merged files removed. Files written meanwhile
        (UUIDv7 names newer than the merge's) are not listed, stay, and win on read.
        """
        cutoff = before.replace(day=1)
        if not self.org_dir(org_id).exists():
            return CompactResult(0, 0, 0, 0)
        with self._naming(org_id, exclusive=True):
            # Named before listing, under the writers' lock (see ``compact``).
            stem = uuid6.uuid7().hex
            todo: dict[date, list[Path]] = {}
            for d in self.days(org_id):
                if d < cutoff:
                    todo.setdefault(d.replace(day=1), []).extend(self.files(org_id, d))
            # A month left with two files (a fold or a retention cut short) is folded too.
            for m in self.months(org_id):
                if m < cutoff and len(self.month_files(org_id, m)) > 1:
                    todo.setdefault(m, [])
            listed = {m: self.month_files(org_id, m) for m in todo}
        partitions = files_before = rows_before = rows_after = 0
        for month, day_files in sorted(todo.items()):
            files = listed[month] + day_files
            if not day_files and len(listed[month]) < 2:
                continue
            # The 15-minute aggregates a retention kept for the newest month file carry over;
            # the points they stand for (in files up to the one they cover) are not merged.
            carried = None
            if listed[month]:
                with suppress(FileNotFoundError):
                    carried = _series.quarter_of(
                        self, org_id, month, _series.stem_of(listed[month][-1])
                    )
            gone, gone_params = "", []
            if carried is not None:
                gone = " WHERE NOT (list_contains(?, metric) AND parse_filename(filename) < ?)"
                gone_params = [_series.metrics_of(carried[0]), carried[1] + "/"]
            directory = self.org_dir(org_id) / f"month={month:%Y-%m}"
            directory.mkdir(parents=True, exist_ok=True)
            final = directory / f"{stem}{_COMPACT_SUFFIX}"
            tmp = final.with_name(final.name + ".tmp")
            names = [str(f) for f in files]
            with duck.connection() as con:
                rows_before += int(
                    con.sql("SELECT count(*) FROM read_parquet(?)", params=[names]).fetchall()[0][0]
                )
                con.execute(
                    "COPY ("
                    + _dedup_sql("read_parquet(?, filename=true)", gone)
                    + " ORDER BY 1, 2, 3)"
                    f" TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION {self._codec()})",
                    [names, *gone_params],
                )
                rows_after += int(
                    con.sql("SELECT count(*) FROM read_parquet(?)", params=[str(tmp)]).fetchall()[
                        0
                    ][0]
                )
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            # Rollups first (named for the new file, so unread until it is in place).
            _series.write_rollups(self, org_id, month, tmp, stem, carried=carried)
            os.replace(tmp, final)
            _fsync_dir(directory)
            for f in files:
                f.unlink()
            _series.prune_rollups(self, org_id, month, stem)
            for day_dir in {f.parent for f in day_files}:
                # The folded days' hourly rollups are the month's now.
                _series.prune_day_rollups(
                    self, org_id, date.fromisoformat(day_dir.name[4:]), keep=None
                )
                _remove_stale_tmp(day_dir)
                # Fails, harmlessly, when a writer put a file there meanwhile.
                with suppress(OSError):
                    day_dir.rmdir()
            _fsync_dir(self.org_dir(org_id))
            partitions += 1
            files_before += len(files)
        return CompactResult(partitions, files_before, rows_before, rows_after)

    def valid_rollup(self, org_id: str, month: date, every: str = "1d") -> Path | None:
        """The month's rollup at width ``every`` if computed from the month's only data now."""
        return _series.valid_rollup(self, org_id, month, every)

    def _codec(self) -> str:
        if not re.fullmatch(r"[a-z0-9]+", self.compression):
            raise StoreError(f"compression: {self.compression!r} is not a codec name")
        return self.compression

    # -- reading ----------------------------------------------------------------------------

    def _selected(
        self,
        org_id: str,
        start: datetime | None,
        end: datetime | None,
        skip_months: frozenset[date] = frozenset(),
        skip_days: frozenset[date] = frozenset(),
    ) -> tuple[list[str], list[str]]:
        """(files needing no dedup, files needing dedup) for the days in [start, end)."""
        clean: list[str] = []
        dirty: list[str] = []
        lo = start.astimezone(UTC).date() if start else None
        # The last day the window touches: ``end`` is exclusive, so a window ending at midnight
        # does not read that day (today's files, growing all day, were scanned by every daily
        # read ending today and changed its cache key with every upload).
        hi = (end.astimezone(UTC) - timedelta(microseconds=1)).date() if end else None
        by_month: dict[date, list[list[Path]]] = {}
        for d in self.days(org_id):
            if (lo and d < lo) or (hi and d > hi) or d.replace(day=1) in skip_months:
                continue
            if d in skip_days:
                continue
            by_month.setdefault(d.replace(day=1), []).append(self.files(org_id, d))
        for m in self.months(org_id):
            if (lo and m < lo.replace(day=1)) or (hi and m > hi) or m in skip_months:
                continue
            month_files = self.month_files(org_id, m)
            day_lists = by_month.pop(m, [])
            if len(month_files) == 1 and not any(day_lists):
                clean.append(str(month_files[0]))
            else:
                # The month file and day files of the same month may hold the same points
                # (a compaction in progress, late data): one deduplicated read.
                dirty.extend(str(f) for f in month_files)
                dirty.extend(str(f) for files in day_lists for f in files)
        for day_lists in by_month.values():
            for files in day_lists:
                if len(files) == 1 and files[0].name.endswith(_COMPACT_SUFFIX):
                    clean.append(str(files[0]))
                else:
                    dirty.extend(str(f) for f in files)
        return clean, dirty

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
    ) -> tuple[str, list[object]] | None:
        """SQL (and parameters) for the deduplicated points of one organisation, or None
        (leaving out the months in ``skip_months`` and the day partitions in ``skip_days``,
        and in each ``(month, metrics, covered)`` of ``hidden`` those metrics' points from
        files named up to ``covered``: retention keeps their aggregates instead)."""
        clean, dirty = self._selected(org_id, start, end, skip_months, skip_days)
        if not clean and not dirty:
            return None
        cond, params = sql_filter("ts", start, end, devices, metrics)
        parts: list[str] = []
        all_params: list[object] = []
        if clean:
            parts.append(f"SELECT device_id, metric, ts, value FROM read_parquet(?){cond}")
            all_params += [clean, *params]
        if dirty:
            gone: list[str] = []
            dirty_params = list(params)
            for month, names, covered in hidden:
                gone.append(
                    "NOT (date_trunc('month', ts) = ? AND list_contains(?, metric)"
                    " AND parse_filename(filename) < ?)"
                )
                # '/' sorts after '.', so every name whose stem is up to ``covered`` is below.
                dirty_params += [datetime(month.year, month.month, 1, tzinfo=UTC), names]
                dirty_params.append(covered + "/")
            dirty_cond = cond
            if gone:
                dirty_cond = (cond + " AND " if cond else " WHERE ") + " AND ".join(gone)
            parts.append(_dedup_sql("read_parquet(?, filename=true)", dirty_cond))
            all_params += [dirty, *dirty_params]
        return " UNION ALL ".join(parts), all_params

    def query(
        self,
        org_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        devices: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
    ) -> pa.Table:
        """Deduplicated points in [start, end), ordered by device, metric and time."""

        def read() -> pa.Table:
            rel = self.relation_sql(org_id, start=start, end=end, devices=devices, metrics=metrics)
            if rel is None:
                return SCHEMA.empty_table()
            sql, params = rel
            with duck.connection() as con:
                return con.sql(
                    f"SELECT * FROM ({sql}) ORDER BY device_id, metric, ts", params=params
                ).to_arrow_table()

        return _retrying(read).cast(SCHEMA)

    def count(self, org_id: str) -> int:
        """Distinct points stored for ``org_id``."""

        def read() -> int:
            rel = self.relation_sql(org_id)
            if rel is None:
                return 0
            sql, params = rel
            with duck.connection() as con:
                rows = con.sql(f"SELECT count(*) FROM ({sql})", params=params).fetchall()
            return int(rows[0][0])

        return _retrying(read)

    def physical_rows(self, org_id: str) -> int:
        """Rows on disk, duplicates included (what compaction reduces)."""
        files = [str(f) for f in self.all_files(org_id)]
        if not files:
            return 0
        with duck.connection() as con:
            rows = con.sql("SELECT count(*) FROM read_parquet(?)", params=[files]).fetchall()
        return int(rows[0][0])

    def daily(
        self,
        org_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        devices: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
    ) -> pa.Table:
        """Per device, metric and UTC day: n, min, max, mean, first, last, and ``increase``.

        ``increase`` sums the rises of a counter and treats a drop as a reset to zero, so
        energy and runtime totals survive meter resets. Folded months are read from their
        rollups (see ``series``).
        """
        return _series.daily(self, org_id, start=start, end=end, devices=devices, metrics=metrics)

    def series(
        self,
        org_id: str,
        *,
        every: str,
        start: datetime | None = None,
        end: datetime | None = None,
        devices: Sequence[str] | None = None,
        metrics: Sequence[str] | None = None,
    ) -> pa.Table:
        """Aggregates per device, metric and bucket of ``every`` ("15m", "1h", "1d")."""
        return _series.series(
            self, org_id, every=every, start=start, end=end, devices=devices, metrics=metrics
        )

    def equipment_days(self, org_id: str, *, start: datetime, end: datetime) -> pa.Table:
        """What the equipment quality index needs per device and UTC day in [start, end)."""
        return _series.equipment_days(self, org_id, start=start, end=end)


_retrying = _series.retrying


def _dedup_sql(source: str, cond: str) -> str:
    # The newest file (UUIDv7 names sort by time) wins on a duplicate key; by the file's name,
    # not its path, since a month file and day files of the same month live in different dirs.
    return (
        f"SELECT device_id, metric, ts, value FROM {source}{cond} "
        "QUALIFY row_number() OVER (PARTITION BY device_id, metric, ts "
        "ORDER BY parse_filename(filename) DESC) = 1"
    )


def _sql_path(path: Path) -> str:
    # COPY ... TO takes no bound parameter for its target; the path is ours (root, a safe org
    # id, a month and a UUID), and quotes are doubled all the same.
    return str(path).replace("'", "''")


def _remove_stale_tmp(directory: Path) -> None:
    """Remove staged files left by writers that died (old ones only: a live writer's staged
    file is renamed into place moments later, and removing it would fail that write)."""
    now = datetime.now(UTC).timestamp()
    for stale in directory.glob("*.tmp"):
        with suppress(FileNotFoundError):
            if now - stale.stat().st_mtime > _STALE_TMP_S:
                stale.unlink()
