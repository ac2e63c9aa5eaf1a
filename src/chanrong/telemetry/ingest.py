"""The ingestion door: every arrival of telemetry is validated, stored and recorded here.

An HTTP upload, a file, an MQTT worker's flush (JSON or Sparkplug B), an OPC UA connector's
flush and the demo's park loader all call :func:`ingest_points`; business records arrive
through :func:`chanrong.telemetry.records.import_records`. Both end in :func:`record_batch`,
which writes the one batch record every door shares (:class:`IngestReport` is its shape) and
is the one place that announces data landed for an enterprise (:data:`DATA_LANDED`).
Flushes, never commits.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound, ServiceUnavailable, ValidationFailed
from chanrong.core.events import DomainEvent
from chanrong.identity.domain import Principal
from chanrong.jobs import queue as jobs_queue
from chanrong.telemetry.devices import metric_specs
from chanrong.telemetry.domain import RowError, UnitError, conversion_factor, default_spec
from chanrong.telemetry.orm import IngestBatch
from chanrong.telemetry.repository import TelemetryRepository
from chanrong.telemetry.store import StoreError, TelemetryStore, count_duplicates

MAX_STORED_ERRORS = 1000
TELEMETRY = "telemetry"
# What a worker refreshing profiles or running collection sweeps listens for: the
# enterprise's data (telemetry or business records of some kind) arrived and was stored.
DATA_LANDED = "telemetry.data_landed"
PAYMENTS = "payments"  # the record kind whose landing wakes the collections sweep
OUTGOING_PAYMENTS = "outgoing_payments"  # ... and the one that wakes fund-use tracking

ACCEPTED, PARTIAL, REJECTED = "accepted", "partial", "rejected"


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one arrival did, as recorded in its batch: the same shape for every door.

    ``rows_received = rows_accepted + rows_rejected``; ``rejected_by_reason`` splits the
    rejected rows by the field at fault. ``rows_duplicate`` counts accepted rows repeating
    data (see :class:`chanrong.telemetry.orm.IngestBatch`). ``errors`` gives row-level
    detail where there is some. ``days`` are the UTC days telemetry was written to (empty
    for business records).
    """

    batch_id: str
    org_id: str
    source: str
    kind: str
    status: str
    rows_received: int
    rows_accepted: int
    rows_rejected: int
    rows_duplicate: int
    rejected_by_reason: dict[str, int]
    errors: list[RowError] = field(default_factory=list)
    days: list[date] = field(default_factory=list)
    event: DomainEvent | None = None

    @property
    def ok(self) -> bool:
        """Everything received was taken."""
        return self.status == ACCEPTED

    @property
    def points(self) -> int:
        """Telemetry readings stored (the accepted rows of a telemetry batch)."""
        return self.rows_accepted if self.kind == TELEMETRY else 0


class IngestRejected(ValidationFailed):
    """An arrival refused as a whole. Its batch is recorded (flushed) before this is raised:
    a caller that catches it and commits keeps the refusal on record, with its counts; left
    to propagate, it is an ordinary 422 and the unit of work rolls the batch back."""

    def __init__(self, report: IngestReport, detail: str, *, field: str) -> None:
        super().__init__(detail, field=field)
        self.report = report


def record_batch(
    session: Session,
    *,
    org_id: str,
    source: str,
    kind: str,
    rows_accepted: int,
    rejected_by_reason: Mapping[str, int],
    rows_duplicate: int = 0,
    errors: Sequence[RowError] = (),
    days: Sequence[date] = (),
    created_by: str | None = None,
    filename: str | None = None,
) -> IngestReport:
    """Record one arrival's batch and say what landed; every door ends here.

    Reasons are the fields at fault without their positions (``points[3].value`` and
    ``points.4.value`` both count under ``points.value``); ``errors`` keep the positions.
    """
    reasons: dict[str, int] = {}
    for where, n in rejected_by_reason.items():
        if n:
            key = reason_of(where)
            reasons[key] = reasons.get(key, 0) + n
    reasons = dict(sorted(reasons.items()))
    rejected = sum(reasons.values())
    if rows_accepted < 0 or rejected < 0 or not 0 <= rows_duplicate <= rows_accepted:
        raise ValueError("batch counts must be non-negative, duplicates among the accepted")
    status = ACCEPTED if rejected == 0 else PARTIAL if rows_accepted else REJECTED
    batch = IngestBatch(
        org_id=org_id,
        source=source,
        kind=kind,
        filename=filename,
        status=status,
        rows_received=rows_accepted + rejected,
        rows_accepted=rows_accepted,
        rows_rejected=rejected,
        rows_duplicate=rows_duplicate,
        rejected_by_reason=reasons,
        errors=[
            {"row": e.row, "column": e.column, "reason": e.reason}
            for e in errors[:MAX_STORED_ERRORS]
        ],
        created_by=created_by,
    )
    TelemetryRepository(session).add(batch)
    event = None
    if rows_accepted:
        event = DomainEvent(
            kind=DATA_LANDED,
            subject=org_id,
            actor_org_id=org_id,
            payload={
                "batch_id": batch.id,
                "source": source,
                "kind": kind,
                "rows_accepted": rows_accepted,
                "rows_duplicate": rows_duplicate,
                "days": [d.isoformat() for d in days],
            },
            at=batch.created_at,
        )
        # The worker's outbox, in this transaction: a profile refresh (debounced) follows any
        # landing; a payment landing also wakes the collections sweep of the payee's loans.
        jobs_queue.publish(session, jobs_queue.DATA_LANDED, org_id, at=batch.created_at)
        if kind == PAYMENTS:
            jobs_queue.publish(session, jobs_queue.PAYMENTS_LANDED, org_id, at=batch.created_at)
        if kind == OUTGOING_PAYMENTS:
            jobs_queue.publish(
                session, jobs_queue.OUTGOING_PAYMENTS_LANDED, org_id, at=batch.created_at
            )
    return IngestReport(
        batch_id=batch.id,
        org_id=org_id,
        source=source,
        kind=kind,
        status=status,
        rows_received=batch.rows_received,
        rows_accepted=rows_accepted,
        rows_rejected=rejected,
        rows_duplicate=rows_duplicate,
        rejected_by_reason=reasons,
        errors=list(errors),
        days=list(days),
        event=event,
    )


_POSITION = re.compile(r"\[\d+\]|\.\d+(?=\.|$)")


def reason_of(where: str) -> str:
    """A field at fault without the positions in it: ``points[3].ts`` → ``points.ts``."""
    return _POSITION.sub("", where) or where


def to_canonical_units(table: pa.Table, units: dict[str, str]) -> pa.Table:
    """Multiply values of metrics sent in another unit (MWh, W, L, kg, …) into the catalog's."""
    factors = {}
    for metric, unit in units.items():
        try:
            factor = conversion_factor(unit, default_spec(metric).unit)
        except UnitError as exc:
            raise ValidationFailed(f"unit: {metric}: {exc}", field="unit") from None
        if factor != 1.0:
            factors[metric] = factor
    if not factors:
        return table
    # One factor per distinct metric of the piece, spread over the rows by the metric's code:
    # a hash of the column and a gather, not a lookup per row.
    metric = pc.dictionary_encode(table.column("metric").combine_chunks())
    per_code = np.array([factors.get(m, 1.0) for m in metric.dictionary.to_pylist()])
    if not np.any(per_code != 1.0):
        return table  # none of the metrics sent in another unit is in this piece
    value = table.column("value").combine_chunks().to_numpy(zero_copy_only=False)
    scaled = value * per_code[metric.indices.to_numpy(zero_copy_only=False)]
    return table.set_column(3, "value", pa.array(scaled, pa.float64()))


def ingest_points(
    session: Session,
    store: TelemetryStore,
    *,
    org_id: str,
    batches: Iterable[pa.Table | pa.RecordBatch],
    source: str,
    created_by: str | None = None,
    filename: str | None = None,
    units: dict[str, str] | None = None,
    rejected: Mapping[str, int] | None = None,
) -> IngestReport:
    """Write telemetry to the store (durably, all or nothing) and record its batch.

    Pieces are read one at a time, so a large upload never sits whole in memory; values
    sent in a registered unit (MWh, W, …) are converted to the metric's unit. ``rejected``
    counts, by field, what the adapter already refused while decoding (messages or
    readings it could not read); those are recorded with the batch.

    A piece that cannot be stored (a column missing or unreadable, an empty or non-finite
    value) refuses the whole arrival: nothing is stored, the refused batch is recorded and
    :class:`IngestRejected` raised.
    """
    _, registered = metric_specs(session, org_id)
    registered.update(units or {})
    upstream = dict(rejected or {})
    read = duplicates = 0

    def pieces() -> Iterator[pa.Table | pa.RecordBatch]:
        nonlocal read
        for piece in batches:
            read += piece.num_rows
            yield piece

    def prepare(table: pa.Table) -> pa.Table:
        nonlocal duplicates
        duplicates += count_duplicates(table)
        return to_canonical_units(table, registered)

    try:
        res = store.write_many(org_id, pieces(), transform=prepare)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # Nothing was stored (staged files are removed) and the request's transaction rolls
        # back: the sender keeps the data and repeats it (MQTT: the message stays unacked).
        raise ServiceUnavailable(
            "telemetry store: no space left on the device; nothing was stored, send again later",
            retry_after=60,
        ) from exc
    except (StoreError, ValidationFailed) as exc:
        # The field at fault: a store error's message starts with the column it names.
        where = exc.field if isinstance(exc, ValidationFailed) else None
        where = where or str(exc).split(":", 1)[0]
        detail = exc.detail if isinstance(exc, ValidationFailed) else str(exc)
        # Every row read is refused with the arrival; one that could not be read at all
        # counts as one row (its readings are unknown), as an unreadable message does.
        upstream[where] = upstream.get(where, 0) + (read or 1)
        report = record_batch(
            session,
            org_id=org_id,
            source=source,
            kind=TELEMETRY,
            rows_accepted=0,
            rejected_by_reason=upstream,
            errors=[RowError(None, where, detail)],
            created_by=created_by,
            filename=filename,
        )
        raise IngestRejected(report, detail, field=where) from None
    return record_batch(
        session,
        org_id=org_id,
        source=source,
        kind=TELEMETRY,
        rows_accepted=res.points,
        rejected_by_reason=upstream,
        rows_duplicate=duplicates,
        days=res.days,
        created_by=created_by,
        filename=filename,
    )


def get_batch(session: Session, principal: Principal, org_id: str, batch_id: str) -> IngestBatch:
    """One ingestion batch with its error report (the enterprise's own)."""
    if principal.org_id != org_id and not principal.is_operator:
        raise NotFound(f"batch {batch_id} not found")
    batch = TelemetryRepository(session).batch(org_id, batch_id)
    if batch is None:
        raise NotFound(f"batch {batch_id} not found")
    return batch


def has_landed_data(session: Session, org_id: str) -> bool:
    """Whether any data for the enterprise has landed through the ingestion door (a batch
    with at least one row accepted): what a profile could be built from."""
    return TelemetryRepository(session).has_accepted_batch(org_id)


def batch_fields(report: IngestReport) -> dict[str, Any]:
    """The batch record's counts, as a JSON-ready mapping (for answers and logs)."""
    return {
        "batch_id": report.batch_id,
        "source": report.source,
        "kind": report.kind,
        "status": report.status,
        "rows_received": report.rows_received,
        "rows_accepted": report.rows_accepted,
        "rows_rejected": report.rows_rejected,
        "rows_duplicate": report.rows_duplicate,
        "rejected_by_reason": dict(report.rejected_by_reason),
    }
