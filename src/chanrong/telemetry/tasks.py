"""Telemetry's jobs for the worker: each enterprise's daily data quality, then compaction.

Quality is scored before a day is compacted (duplicates and late arrivals are visible only
until then): the quality run enqueues the compaction in its own commit, so a day is never
compacted before its scores are kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta

from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind
from chanrong.jobs.queue import DATA_LANDED, enqueue, succeeded_periods
from chanrong.jobs.registry import Cadence, JobContext, job
from chanrong.telemetry import series, service
from chanrong.telemetry.points import CompactResult

COMPACT = "telemetry.compact"
DAILY_QUALITY = "telemetry.daily_quality"
COMPACT_LATE = "telemetry.compact_late"


def enterprises(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every enterprise registered on the platform."""
    for org in identity.all_organisations(session):
        if org.kind == OrgKind.ENTERPRISE.value:
            yield org.id


# The store's day partitions are UTC days, and a Shanghai day's firing scores the day before:
# at 08:30 Shanghai (00:30 UTC) the UTC day of that date has just ended, so the run scores a
# whole day. (At 01:00 Shanghai it scored a UTC day with seven hours still to come, and every
# batch of those hours was a late one.)
@job(
    DAILY_QUALITY,
    cadence=Cadence.DAILY,
    cron="30 8 * * *",
    subjects=enterprises,
    lease=timedelta(minutes=10),
)
def daily_quality(ctx: JobContext) -> str:
    """Score one enterprise's data quality for the day just ended, then queue its compaction."""
    store = service.open_store(ctx.settings)
    scores = service.compute_quality(ctx.session, store, org_id=ctx.subject, day=ctx.day)
    enqueue(ctx.session, COMPACT, ctx.subject, ctx.period)
    overall = next((s.score for s in scores if s.scope == "enterprise"), None)
    return f"{len(scores)} score(s), enterprise {overall}" if scores else "no data that day"


@job(COMPACT, cadence=Cadence.EVENT, lease=timedelta(minutes=10))
def compact(ctx: JobContext) -> str:
    """Merge one enterprise's scored day into one deduplicated file (after its quality run)
    with its hourly rollup, merge earlier days that received late batches again, fold the
    days of every finished month into one file per month, then down-sample the raw points
    past the retention policy (setting ``telemetry_retention``)."""
    store = service.open_store(ctx.settings)
    res = store.compact(ctx.subject, ctx.day)
    # Earlier days that received late batches since their own run are merged again, so their
    # hourly rollups are read again instead of their raw points (their scores were kept then).
    for d in store.days(ctx.subject):
        if d < ctx.day:
            late = store.compact(ctx.subject, d)
            res = CompactResult(
                res.partitions + late.partitions,
                res.files_before + late.files_before,
                res.rows_before + late.rows_before,
                res.rows_after + late.rows_after,
            )
    # The month of the scored day is finished once the next day belongs to another month;
    # older months still holding day files (late data, the old layout) are folded too.
    months = store.compact_months(ctx.subject, before=ctx.day + timedelta(days=1))
    # Then the retention policy, on folded months only (one job per enterprise at a time, so
    # a fold and a down-sampling of the same month never run together).
    kept = service.apply_retention(
        store,
        ctx.subject,
        service.parse_policies(ctx.settings.telemetry_retention),
        today=ctx.day,
    )
    return (
        f"{res.partitions} day(s), {res.files_before} file(s): "
        f"{res.rows_before} → {res.rows_after} rows; "
        f"{months.partitions} month(s), {months.files_before} file(s): "
        f"{months.rows_before} → {months.rows_after} rows; "
        f"retention: {kept.months} month(s), {kept.points_dropped} raw point(s) → "
        f"{kept.aggregates_kept} 15-minute aggregate(s)"
    )


@job(
    COMPACT_LATE,
    cadence=Cadence.EVENT,
    triggers=(DATA_LANDED,),
    # A read of a day costs ~0.2 ms of CPU per raw file beside its rollup (200 late batches:
    # 58 ms a read against 8 ms), so under a steady trickle the merge comes within 30 s; one
    # merge of a day's late batches costs about as much as a few such reads.
    debounce=timedelta(seconds=10),
    max_wait=timedelta(seconds=30),
    lease=timedelta(minutes=10),
)
def compact_late(ctx: JobContext) -> str:
    """Merge again, soon after they land, the late batches of days already scored.

    A compacted day is read from its hourly rollup while its file is the day's only one; a
    late batch beside it sends every read of the day back to the raw points of all its files,
    and under a steady trickle of late readings that cost grows with each batch until the
    nightly run. Days are merged here once their quality run is done (it counts duplicates
    and late arrivals, which a merge hides): days compacted before, and days their run found
    empty that received data since. A day not scored yet keeps its batches for its own
    quality run. Folded months that receive late days are left to the nightly fold, which
    rewrites the whole month."""
    store = service.open_store(ctx.settings)
    today = ctx.now.astimezone(UTC).date()
    days = files = rows_before = rows_after = 0
    candidates = {d: store.files(ctx.subject, d) for d in store.days(ctx.subject) if d < today}
    # A day whose quality run is done, even one it found empty (data that arrived after it,
    # like the batches sent for yesterday after its run), is merged too: nothing will score
    # its batches again, and left as they are they sent every read of that day back to all
    # its raw files, growing with each batch until the next night.
    scored = succeeded_periods(
        ctx.session, DAILY_QUALITY, ctx.subject, [d.isoformat() for d in candidates]
    )
    for d, listed in sorted(candidates.items()):
        compacted = any(f.name.endswith(series.COMPACT_SUFFIX) for f in listed)
        if (compacted and len(listed) < 2) or (not compacted and d.isoformat() not in scored):
            continue
        res = store.compact(ctx.subject, d)
        days += res.partitions
        files += res.files_before
        rows_before += res.rows_before
        rows_after += res.rows_after
    return f"{days} late day(s) merged again, {files} file(s): {rows_before} → {rows_after} rows"
