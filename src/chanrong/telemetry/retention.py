"""Retention: raw points of a metric kept for N months, then down-sampled.

A policy names, per metric, how many months of raw points to keep counting back from the
current month (``power_kw=12`` keeps this month and the eleven before it). The worker's
compaction job applies it to folded months (one file, no day files left): the metrics due
lose their raw points, and their 15-minute aggregates are kept beside the month
(``series.quarter_of``); the month's hourly and daily rollups keep counting them. Nothing a
reader uses is ever half-applied:

1. the new rollups and 15-minute aggregates are written, named for a new month file that
   does not exist yet (unread);
2. the new month file (the old one without those metrics) is renamed into place: readers now
   find the new 15-minute aggregates, which stand for those metrics' points in every file up
   to the old one, so the old file's copies of them are left out of aggregated reads;
3. the old file and the old rollups are removed.

A raw read (``TelemetryStore.query``) sees the points until step 3 and not after.
"""

# SQL here is assembled from fixed fragments only; every user value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date

import uuid6

from chanrong.telemetry import duck, series
from chanrong.telemetry.aggregates import BUCKET_SQL, COARSEN_SQL, COLUMNS, PREFIX, WIDTHS
from chanrong.telemetry.points import StoreError
from chanrong.telemetry.store import TelemetryStore, _fsync_dir, _sql_path


@dataclass(frozen=True, slots=True)
class RetentionResult:
    months: int  # months down-sampled by this run
    points_dropped: int
    aggregates_kept: int  # 15-minute rows written in their place
    waiting: int  # months due but not folded yet (late day files): the next run does them


def parse_policies(text: str) -> dict[str, int]:
    """``"power_kw=12, run_state=24"`` → ``{"power_kw": 12, "run_state": 24}``; a malformed
    pair is an error naming it (the setting ``telemetry_retention``)."""
    out: dict[str, int] = {}
    for pair in (p.strip() for p in text.split(",")):
        if not pair:
            continue
        metric, sep, months = pair.partition("=")
        if not sep or not metric.strip() or not months.strip().isdigit():
            raise StoreError(f"telemetry_retention: {pair!r} is not metric=months")
        if int(months) < 1:
            raise StoreError(f"telemetry_retention: {pair!r} keeps less than one month")
        out[metric.strip()] = int(months)
    return out


def _months_back(month: date, n: int) -> date:
    k = month.year * 12 + month.month - 1 - n
    return date(k // 12, k % 12 + 1, 1)


def apply_retention(
    store: TelemetryStore, org_id: str, policies: Mapping[str, int], *, today: date
) -> RetentionResult:
    """Down-sample the raw points of every metric of ``org_id`` older than its policy."""
    done = dropped = kept = waiting = 0
    if not policies or not store.org_dir(org_id).exists():
        return RetentionResult(0, 0, 0, 0)
    current = today.replace(day=1)
    for month in store.months(org_id):
        due = sorted(m for m, n in policies.items() if month < _months_back(current, n - 1))
        if not due:
            continue
        with store._naming(org_id, exclusive=True):
            # Named before listing, under the writers' lock, as a compaction does.
            stem = uuid6.uuid7().hex
            files = store.month_files(org_id, month)
            unfolded = any(d.replace(day=1) == month for d in store.days(org_id))
        if unfolded or len(files) != 1 or not files[0].name.endswith(series.COMPACT_SUFFIX):
            waiting += 1
            continue
        old = files[0]
        old_stem = series.stem_of(old)
        with duck.connection() as con:
            present = [
                str(r[0])
                for r in con.sql(
                    "SELECT DISTINCT metric FROM read_parquet(?) WHERE list_contains(?, metric)",
                    params=[str(old), due],
                ).fetchall()
            ]
            if not present:
                continue
            carried = None
            with suppress(FileNotFoundError):
                carried = series.quarter_of(store, org_id, month, old_stem)
            # 1. Rollups and the 15-minute aggregates for the new file, unread until it exists.
            series.write_rollups(store, org_id, month, old, stem, carried=carried)
            directory = series.rollup_dir(store, org_id, month)
            quarter = directory / f"{PREFIX['15m']}-{stem}-{old_stem}.parquet"
            rows = BUCKET_SQL.format(
                points="SELECT device_id, metric, ts, value FROM read_parquet(?)"
                " WHERE list_contains(?, metric)",
                width=WIDTHS["15m"],
            )
            params: list[object] = [str(old), present]
            if carried is not None:
                rows = f"({rows}) UNION ALL (SELECT {COLUMNS} FROM read_parquet(?))"
                params.append(str(carried[0]))
            tmp = quarter.with_name(quarter.name + ".tmp")
            con.execute(
                f"COPY ({COARSEN_SQL.format(rows=rows, width=WIDTHS['15m'])}) TO "
                f"'{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION {store._codec()})",
                params,
            )
            os.replace(tmp, quarter)
            if carried is not None:
                (directory / f"{PREFIX['15m']}-{stem}-{carried[1]}.parquet").unlink(missing_ok=True)
            kept_now = int(
                con.sql(
                    "SELECT count(*) FROM read_parquet(?) WHERE list_contains(?, metric)",
                    params=[str(quarter), present],
                ).fetchall()[0][0]
            )
            dropped_now = int(
                con.sql(
                    "SELECT count(*) FROM read_parquet(?) WHERE list_contains(?, metric)",
                    params=[str(old), present],
                ).fetchall()[0][0]
            )
            # 2. The month without those metrics' raw points, staged and renamed into place.
            final = old.parent / f"{stem}{series.COMPACT_SUFFIX}"
            tmp = final.with_name(final.name + ".tmp")
            con.execute(
                "COPY (SELECT device_id, metric, ts, value FROM read_parquet(?)"
                " WHERE NOT list_contains(?, metric) ORDER BY 1, 2, 3)"
                f" TO '{_sql_path(tmp)}' (FORMAT parquet, COMPRESSION {store._codec()})",
                [str(old), present],
            )
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, final)
        _fsync_dir(final.parent)
        # 3. The old state goes.
        old.unlink()
        series.prune_rollups(store, org_id, month, stem)
        _fsync_dir(final.parent)
        done += 1
        dropped += dropped_now
        kept += kept_now
    return RetentionResult(done, dropped, kept, waiting)
