"""Business records (orders, invoices, receivables, payments, energy bills, cloud usage):
imported all or nothing through the ingestion door, read under governance."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.telemetry.access import authorize
from chanrong.telemetry.domain import RECORD_SPECS, RecordError, RecordSpec, RowError, parse_record
from chanrong.telemetry.ingest import IngestReport, record_batch
from chanrong.telemetry.orm import RECORD_TABLES
from chanrong.telemetry.repository import TelemetryRepository

# Rows without an error of their own, refused because others in the same upload had one.
REFUSED_WITH_BATCH = "refused_with_batch"


def _spec(kind: str) -> RecordSpec:
    spec = RECORD_SPECS.get(kind)
    if spec is None:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(RECORD_SPECS)}", field="kind"
        )
    return spec


def import_records(
    session: Session,
    *,
    org_id: str,
    kind: str,
    rows: Iterable[tuple[int, dict[str, object]]],
    source: str,
    created_by: str | None = None,
    filename: str | None = None,
    row_errors: Sequence[RowError] = (),
) -> IngestReport:
    """Validate every row; store all of them (updating records with the same key) or none.

    ``rows`` are (row number as the user counts it, raw values by field name). Errors found
    upstream (e.g. unreadable cells) come in as ``row_errors`` and also block the import.
    The batch is recorded either way: refused, each row with an error counts under the
    column of its first error and the others as refused with the batch; taken, the rows
    that replaced a record stored before under the same key count as duplicates.
    """
    spec = _spec(kind)
    errors = list(row_errors)
    parsed: list[dict[str, object]] = []
    seen: dict[object, int] = {}
    received = len({e.row for e in row_errors})
    for row_no, raw in rows:
        received += 1
        try:
            rec = parse_record(spec, raw)
        except RecordError as exc:
            errors.append(RowError(row_no, exc.column, exc.reason))
            continue
        key = rec[spec.key]
        if key in seen:
            errors.append(RowError(row_no, spec.key, f"repeats row {seen[key]} ({key})"))
            continue
        seen[key] = row_no
        parsed.append(rec)
    errors.sort(key=lambda e: (e.row or 0, e.column))
    if errors:
        first: dict[int | None, str] = {}
        for e in errors:
            first.setdefault(e.row, e.column)
        reasons: dict[str, int] = {}
        for column in first.values():
            reasons[column] = reasons.get(column, 0) + 1
        reasons[REFUSED_WITH_BATCH] = received - len(first)
        return record_batch(
            session,
            org_id=org_id,
            source=source,
            kind=kind,
            rows_accepted=0,
            rejected_by_reason=reasons,
            errors=errors,
            created_by=created_by,
            filename=filename,
        )
    repo = TelemetryRepository(session)
    existing = repo.records_by_key(kind, org_id, [r[spec.key] for r in parsed])
    report = record_batch(
        session,
        org_id=org_id,
        source=source,
        kind=kind,
        rows_accepted=len(parsed),
        rejected_by_reason={},
        rows_duplicate=len(existing),
        created_by=created_by,
        filename=filename,
    )
    table = RECORD_TABLES[kind]
    for rec in parsed:
        obj = existing.get(rec[spec.key])
        if obj is None:
            obj = table(org_id=org_id)
            session.add(obj)
        for name, value in rec.items():
            setattr(obj, name, value)
        obj.batch_id = report.batch_id
        obj.source = source
    session.flush()
    return report


def records(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    kind: str,
    start: date | None = None,
    end: date | None = None,
    purpose: str | None = None,
) -> Sequence[Any]:
    """Business records of one kind (orders, invoices, …) dated in [start, end)."""
    return records_read(
        session, principal, org_id=org_id, kind=kind, start=start, end=end, purpose=purpose
    ).rows


@dataclass(frozen=True, slots=True)
class RecordsRead:
    """Records read under governance, with the access record of the read (its entry in the
    verifiable log; None when the owner read its own)."""

    rows: Sequence[Any]
    read: governance.AccessRecord | None


def records_read(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    kind: str,
    start: date | None = None,
    end: date | None = None,
    purpose: str | None = None,
) -> RecordsRead:
    """``records``, with the access record of the read (for a finding to link it)."""
    spec = _spec(kind)
    read = authorize(session, principal, owner_org_id=org_id, dataset=spec.dataset, purpose=purpose)
    return RecordsRead(
        TelemetryRepository(session).records(kind, org_id, start=start, end=end), read
    )


def payables(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    due_from: date,
    before: date,
    purpose: str | None = None,
) -> RecordsRead:
    """How the enterprise itself pays: the invoices its suppliers on the platform issued it,
    due in [due_from, before), each as (due date, amount in fen, [(paid date, amount in fen)]
    of the payments it made on it before ``before``).

    These rows sit in the suppliers' records, but they are the enterprise's own payables and
    are read under *its* grant for ``business.payments`` (checked and logged like its other
    records); of the supplier nothing but the invoice's due date and amount is returned.
    """
    read = authorize(
        session, principal, owner_org_id=org_id, dataset="business.payments", purpose=purpose
    )
    org = identity.find_organisation(session, org_id)
    if org is None or not org.uscc:
        return RecordsRead([], read)
    rows = TelemetryRepository(session).payables(org.uscc, due_from=due_from, before=before)
    return RecordsRead(rows, read)


def pipeline_records(
    session: Session,
    *,
    kind: str,
    org_id: str | None,
    start: date | None = None,
    end: date | None = None,
) -> Sequence[Any]:
    """Business records for platform pipelines that compute a dataset the enterprise owns
    (its carbon code, its quality score): one organisation's, or with ``org_id=None`` every
    organisation's in one query (park-wide benchmarks). No caller check: what such a pipeline
    derives is itself shared only through the governance policy check."""
    _spec(kind)
    return TelemetryRepository(session).records(kind, org_id, start=start, end=end)


def pipeline_records_of(session: Session, *, kind: str, org_ids: Sequence[str]) -> list[Any]:
    """``pipeline_records`` of several organisations at once (a batch of them: the nightly
    revaluation of 500 pools reads its enterprises' records, not the whole park's)."""
    _spec(kind)
    return TelemetryRepository(session).records_of(kind, sorted(set(org_ids)))
