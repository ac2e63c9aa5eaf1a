"""The streaming connectors wired to the ingestion door.

An MQTT worker's flush or an OPC UA connector's flush opens its own unit of work, goes
through ``service.ingest_points`` for each enterprise and source (validated, stored durably,
batch recorded) and commits; only then does the MQTT worker acknowledge its messages. After
the commit, each batch that stored something is announced to ``on_landed`` (a
``telemetry.data_landed`` :class:`~chanrong.core.events.DomainEvent`): the hook for a
worker that refreshes credit profiles or runs collection sweeps when an enterprise's data
lands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import pyarrow as pa
from sqlalchemy.orm import Session

from chanrong.core.events import DomainEvent
from chanrong.storage.database import Database
from chanrong.telemetry import service
from chanrong.telemetry.adapters.mqtt import Arrival, Land, RecordsArrival, Resolver
from chanrong.telemetry.adapters.opcua import Sink
from chanrong.telemetry.domain import RECORD_SPECS, RowError
from chanrong.telemetry.store import TelemetryStore

log = logging.getLogger(__name__)

Landed = Callable[[DomainEvent], None]
OPCUA_SOURCE = "opcua"
# The business-record kinds an MQTT worker takes (``MqttIngestWorker(record_kinds=...)``).
RECORD_KINDS = frozenset(RECORD_SPECS)


def resolver(db: Database) -> Resolver:
    """USCC → organisation id, read in a short transaction of its own."""

    def resolve(uscc: str) -> str | None:
        with db.unit_of_work() as session:
            return service.org_for_uscc(session, uscc)

    return resolve


def _ingest(
    session: Session,
    store: TelemetryStore,
    *,
    org_id: str,
    source: str,
    readings: pa.Table,
    rejected: dict[str, int],
    units: dict[str, str] | None = None,
) -> service.IngestReport:
    try:
        return service.ingest_points(
            session,
            store,
            org_id=org_id,
            batches=[readings],
            source=source,
            rejected=rejected,
            units=units,
        )
    except service.IngestRejected as exc:
        # Sent again it would be refused again: the refusal is kept (committed with the
        # flush) and the messages acknowledged, rather than redelivered for ever.
        log.warning("refused %s batch of %s: %s", source, org_id, exc.detail)
        return exc.report


def _import(session: Session, a: RecordsArrival) -> service.IngestReport:
    """One message of business records through the door that takes HTTP and file uploads:
    all stored or none, its batch recorded either way (a refusal keeps its row errors)."""
    errors = []
    if a.error is not None:
        field, _, why = a.error.partition(":")
        errors.append(RowError(None, field.strip(), why.strip() or a.error))
    report = service.import_records(
        session, org_id=a.org_id, kind=a.kind, rows=a.rows, source=a.source, row_errors=errors
    )
    if not report.ok:
        log.warning(
            "refused %s records of %s over MQTT: %s", a.kind, a.org_id, report.rejected_by_reason
        )
    return report


def _announce(reports: Sequence[service.IngestReport], on_landed: Landed | None) -> None:
    if on_landed is None:
        return
    for report in reports:
        if report.event is not None:
            on_landed(report.event)


def landing(db: Database, store: TelemetryStore, *, on_landed: Landed | None = None) -> Land:
    """The MQTT worker's door: one transaction per flush, every arrival through
    ``service.ingest_points``; returns (so the worker acknowledges) once committed.

    Reaches the database at once: a worker that could not record its batches fails before
    it subscribes, not at its first flush.
    """
    with db.engine.connect():
        pass

    def land(arrivals: Sequence[Arrival | RecordsArrival]) -> int:
        with db.unit_of_work() as session:
            reports = [
                _import(session, a)
                if isinstance(a, RecordsArrival)
                else _ingest(
                    session,
                    store,
                    org_id=a.org_id,
                    source=a.source,
                    readings=a.readings,
                    rejected=a.rejected,
                )
                for a in arrivals
            ]
        _announce(reports, on_landed)
        return sum(r.points for r in reports)

    return land


def opcua_sink(
    db: Database,
    store: TelemetryStore,
    *,
    org_id: str,
    units: dict[str, str],
    on_stored: Callable[[service.IngestReport], None] | None = None,
    on_landed: Landed | None = None,
) -> Sink:
    """The OPC UA connector's door: each flush in its own transaction, as source ``opcua``."""

    def sink(readings: pa.Table, rejected: dict[str, int]) -> None:
        with db.unit_of_work() as session:
            report = _ingest(
                session,
                store,
                org_id=org_id,
                source=OPCUA_SOURCE,
                readings=readings,
                rejected=rejected,
                units=units,
            )
        if on_stored is not None:
            on_stored(report)
        _announce([report], on_landed)

    return sink
