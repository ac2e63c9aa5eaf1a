"""Telemetry use cases: registry, ingestion, queries and quality. Flushes, never commits.

Other domains call ``query_points``, ``daily_metrics``, ``devices_of``, ``records`` and
``quality_scores``; each checks the caller against governance before reading another
organisation's data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, NotFound, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.telemetry import quality
from chanrong.telemetry.adapters import park
from chanrong.telemetry.daily import device_days as device_days  # re-exported
from chanrong.telemetry.daily import device_days_of as device_days_of  # re-exported
from chanrong.telemetry.domain import (
    CATALOG,
    DEVICE_KINDS,
    RECORD_SPECS,
    Finding,
    MetricKind,
    MetricSpec,
    RecordError,
    RowError,
    Rule,
    UnitError,
    conversion_factor,
    default_spec,
    parse_record,
    quality_score,
    reasons,
)
from chanrong.telemetry.orm import (
    RECORD_TABLES,
    Device,
    IngestBatch,
    MetricSetting,
    QualityScore,
)
from chanrong.telemetry.repository import TelemetryRepository
from chanrong.telemetry.store import StoreError, TelemetryStore

MAX_STORED_ERRORS = 1000


def open_store(settings: Settings) -> TelemetryStore:
    """The telemetry store configured in ``settings``."""
    return TelemetryStore(settings.effective_telemetry_dir)


# -- who may do what ---------------------------------------------------------------------------


def require_own_enterprise(principal: Principal, org_id: str, *, role: Role = Role.OFFICER) -> None:
    """Only the enterprise itself sends or changes its data (a bank cannot upload for it)."""
    if principal.org_kind is not OrgKind.ENTERPRISE or principal.org_id != org_id:
        raise Forbidden("only the enterprise itself can send or change its data")
    if not principal.has_role(role):
        raise Forbidden(f"this action needs the {role.value} role")


def authorize(
    session: Session,
    principal: Principal,
    *,
    owner_org_id: str,
    dataset: str,
    purpose: str | None,
    aggregate: bool = False,
) -> None:
    """Let the owner read freely; anyone else only under a live governance grant (logged)."""
    if identity.find_organisation(session, owner_org_id) is None:
        raise NotFound(f"organisation {owner_org_id} not found")
    if principal.org_id == owner_org_id:
        return
    purpose_value = None
    if purpose is not None:
        try:
            purpose_value = governance.Purpose(purpose)
        except ValueError:
            allowed = ", ".join(p.value for p in governance.Purpose)
            raise ValidationFailed(
                f"purpose: {purpose!r} is not one of {allowed}", field="purpose"
            ) from None
    governance.authorize_read(
        session,
        principal,
        owner_org_id=owner_org_id,
        dataset=dataset,
        purpose=purpose_value,
        aggregate=aggregate,
    )


def org_for_uscc(session: Session, uscc: str) -> str | None:
    """The organisation id of an enterprise by its USCC (MQTT topics carry the USCC)."""
    org = identity.find_enterprise_by_uscc(session, uscc)
    return org.id if org else None


# -- registry ----------------------------------------------------------------------------------


def register_device(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    device_id: str,
    kind: str,
    identifier: str | None = None,
    name: str | None = None,
    rated_kw: float | None = None,
    installed_on: date | None = None,
) -> Device:
    """Add a device to the enterprise's registry, or update it when it is already there."""
    require_own_enterprise(principal, org_id)
    return upsert_device(
        session,
        org_id=org_id,
        device_id=device_id,
        kind=kind,
        identifier=identifier,
        name=name,
        rated_kw=rated_kw,
        installed_on=installed_on,
    )


def upsert_device(
    session: Session,
    *,
    org_id: str,
    device_id: str,
    kind: str,
    identifier: str | None = None,
    name: str | None = None,
    rated_kw: float | None = None,
    installed_on: date | None = None,
) -> Device:
    """Registry write for trusted callers (the simulator loader, connectors); no caller check."""
    device_id = device_id.strip()
    if not device_id or len(device_id) > 100:
        raise ValidationFailed("device_id: 1 to 100 characters", field="device_id")
    if kind not in DEVICE_KINDS:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(DEVICE_KINDS)}", field="kind"
        )
    if rated_kw is not None and not (0 <= rated_kw <= 100_000):
        raise ValidationFailed("rated_kw: must be between 0 and 100000", field="rated_kw")
    repo = TelemetryRepository(session)
    device = repo.device(org_id, device_id)
    if device is None:
        device = Device(org_id=org_id, device_id=device_id, kind=kind)
        session.add(device)
    device.kind = kind
    device.identifier = identifier
    device.name = name
    device.rated_kw = rated_kw
    device.installed_on = installed_on
    session.flush()
    return device


def devices_of(
    session: Session, principal: Principal, org_id: str, *, purpose: str | None = None
) -> Sequence[Device]:
    """An enterprise's registered devices."""
    authorize(
        session, principal, owner_org_id=org_id, dataset="telemetry.equipment", purpose=purpose
    )
    return TelemetryRepository(session).devices(org_id)


def set_metric(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    metric: str,
    unit: str,
    low: float | None = None,
    high: float | None = None,
    expected_interval_s: int | None = None,
) -> MetricSetting:
    """Say in which unit the enterprise sends a metric (converted on arrival) and its limits."""
    require_own_enterprise(principal, org_id)
    spec = default_spec(metric)
    try:
        conversion_factor(unit, spec.unit)
    except UnitError as exc:
        raise ValidationFailed(f"unit: {exc}", field="unit") from None
    if low is not None and high is not None and low > high:
        raise ValidationFailed("low: must not exceed high", field="low")
    if expected_interval_s is not None and not (1 <= expected_interval_s <= 86_400):
        raise ValidationFailed(
            "expected_interval_s: between 1 and 86400 seconds", field="expected_interval_s"
        )
    repo = TelemetryRepository(session)
    setting = repo.metric_setting(org_id, metric)
    if setting is None:
        setting = MetricSetting(org_id=org_id, metric=metric)
        session.add(setting)
    setting.unit = unit
    setting.kind = spec.kind.value
    setting.low = low if low is not None else spec.low
    setting.high = high if high is not None else spec.high
    setting.expected_interval_s = expected_interval_s or spec.expected_interval_s
    session.flush()
    return setting


def metric_specs(session: Session, org_id: str) -> tuple[dict[str, MetricSpec], dict[str, str]]:
    """(specs in canonical units, the unit each registered metric arrives in)."""
    specs = dict(CATALOG)
    units: dict[str, str] = {}
    for s in TelemetryRepository(session).metric_settings(org_id):
        base = default_spec(s.metric)
        specs[s.metric] = MetricSpec(
            s.metric,
            base.unit,
            MetricKind(s.kind),
            s.low,
            s.high,
            s.expected_interval_s,
        )
        units[s.metric] = s.unit
    return specs, units


# -- telemetry ingestion -----------------------------------------------------------------------


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
    keys = pa.array(list(factors))
    idx = pc.index_in(table.column("metric"), value_set=keys)
    factor = pc.if_else(
        pc.is_null(idx), 1.0, pc.take(pa.array(list(factors.values()), pa.float64()), idx)
    )
    return table.set_column(3, "value", pc.multiply(table.column("value"), factor))


@dataclass(frozen=True, slots=True)
class IngestResult:
    batch_id: str
    points: int
    days: list[date]


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
) -> IngestResult:
    """Write telemetry to the store (durably, all or nothing) and record its batch.

    Pieces are read one at a time, so a large upload never sits whole in memory; values
    sent in a registered unit (MWh, W, …) are converted to the metric's unit.
    """
    _, registered = metric_specs(session, org_id)
    registered.update(units or {})
    try:
        res = store.write_many(
            org_id, batches, transform=lambda t: to_canonical_units(t, registered)
        )
    except StoreError as exc:
        column = str(exc).split(":", 1)[0]
        raise ValidationFailed(str(exc), field=column) from None
    points = res.points
    batch = IngestBatch(
        org_id=org_id,
        source=source,
        kind="telemetry",
        filename=filename,
        status="accepted",
        rows_received=points,
        rows_accepted=points,
        errors=[],
        created_by=created_by,
    )
    TelemetryRepository(session).add(batch)
    return IngestResult(batch.id, points, res.days)


# -- business records --------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What happened to an upload of business records: all rows taken, or none and why."""

    batch_id: str
    kind: str
    rows_received: int
    rows_accepted: int
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


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
) -> ImportReport:
    """Validate every row; store all of them (updating records with the same key) or none.

    ``rows`` are (row number as the user counts it, raw values by field name). Errors found
    upstream (e.g. unreadable cells) come in as ``row_errors`` and also block the import.
    """
    spec = RECORD_SPECS.get(kind)
    if spec is None:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(RECORD_SPECS)}", field="kind"
        )
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
    errors.sort(key=lambda e: (e.row, e.column))
    batch = IngestBatch(
        org_id=org_id,
        source=source,
        kind=kind,
        filename=filename,
        status="rejected" if errors else "accepted",
        rows_received=received,
        rows_accepted=0 if errors else len(parsed),
        errors=[
            {"row": e.row, "column": e.column, "reason": e.reason}
            for e in errors[:MAX_STORED_ERRORS]
        ],
        created_by=created_by,
    )
    repo = TelemetryRepository(session)
    repo.add(batch)
    if not errors:
        table = RECORD_TABLES[kind]
        existing = repo.records_by_key(kind, org_id, [r[spec.key] for r in parsed])
        for rec in parsed:
            obj = existing.get(rec[spec.key])
            if obj is None:
                obj = table(org_id=org_id)
                session.add(obj)
            for name, value in rec.items():
                setattr(obj, name, value)
            obj.batch_id = batch.id
            obj.source = source
        session.flush()
    return ImportReport(batch.id, kind, received, batch.rows_accepted, errors)


def get_batch(session: Session, principal: Principal, org_id: str, batch_id: str) -> IngestBatch:
    """One ingestion batch with its error report (the enterprise's own)."""
    if principal.org_id != org_id and not principal.is_operator:
        raise NotFound(f"batch {batch_id} not found")
    batch = TelemetryRepository(session).batch(org_id, batch_id)
    if batch is None:
        raise NotFound(f"batch {batch_id} not found")
    return batch


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
    spec = RECORD_SPECS.get(kind)
    if spec is None:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(RECORD_SPECS)}", field="kind"
        )
    authorize(session, principal, owner_org_id=org_id, dataset=spec.dataset, purpose=purpose)
    return TelemetryRepository(session).records(kind, org_id, start=start, end=end)


# -- telemetry reads ---------------------------------------------------------------------------


def _window(start: datetime | None, end: datetime | None) -> None:
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise ValidationFailed(
                f"{name}: give a time zone (e.g. 2026-01-01T00:00:00Z)", field=name
            )
    if start and end and start >= end:
        raise ValidationFailed("end: must be after start", field="end")


def _datasets(metrics: Sequence[str] | None) -> list[str]:
    if not metrics:
        return ["telemetry.equipment", "telemetry.energy"]
    return sorted({quality.dataset_of(m) for m in metrics})


def query_points(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    *,
    org_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    devices: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    purpose: str | None = None,
) -> pa.Table:
    """Deduplicated points (device_id, metric, ts, value) in [start, end) as an Arrow table."""
    _window(start, end)
    for dataset in _datasets(metrics):
        authorize(session, principal, owner_org_id=org_id, dataset=dataset, purpose=purpose)
    return store.query(org_id, start=start, end=end, devices=devices, metrics=metrics)


def daily_metrics(
    session: Session,
    principal: Principal,
    store: TelemetryStore,
    *,
    org_id: str,
    start: date | None = None,
    end: date | None = None,
    devices: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    purpose: str | None = None,
) -> pa.Table:
    """Per device, metric and day: n, min, max, mean, first, last, increase (Arrow table).

    Days in [start, end). ``increase`` is what a counter added that day, resets included.
    """
    for dataset in _datasets(metrics):
        authorize(
            session,
            principal,
            owner_org_id=org_id,
            dataset=dataset,
            purpose=purpose,
            aggregate=True,
        )
    return store.daily(
        org_id,
        start=_day_start(start) if start else None,
        end=_day_start(end) if end else None,
        devices=devices,
        metrics=metrics,
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


# -- quality -----------------------------------------------------------------------------------


def compute_quality(
    session: Session, store: TelemetryStore, *, org_id: str, day: date
) -> list[QualityScore]:
    """Score one day of one enterprise (per device, per dataset, overall) and keep the scores.

    Run it before the day is compacted: duplicates and late arrivals are visible only then.
    """
    return compute_quality_range(
        session, store, org_id=org_id, start=day, end=day + timedelta(days=1)
    ).get(day, [])


def compute_quality_range(
    session: Session,
    store: TelemetryStore,
    *,
    org_id: str,
    start: date,
    end: date,
    progress: Callable[[int], None] | None = None,
) -> dict[date, list[QualityScore]]:
    """Score every day in [start, end) in one pass over the telemetry; keeps the scores.

    Days with business records but no telemetry are scored on the records alone.
    ``progress`` is told each day done (for a progress bar).
    """
    if start >= end:
        raise ValidationFailed("end: must be after start", field="end")
    specs, _ = metric_specs(session, org_id)
    repo = TelemetryRepository(session)
    registered = frozenset(s.metric for s in repo.metric_settings(org_id))
    checked = quality.check_days(store, org_id, start, end, specs, registered=registered)
    out: dict[date, list[QualityScore]] = {}
    for day in iter_days(start, end):
        dq = checked.get(day, quality.DayQuality(day))
        scores = _scores_of(session, store, org_id, day, dq)
        if scores or day in checked:
            repo.replace_scores(org_id, day, scores)
            out[day] = scores
        if progress:
            progress(1)
    if out:
        newest = max(out)
        if newest >= max((s.day for s in repo.scores(org_id, start=newest)), default=newest):
            # The catalog shows each dataset's latest score to those deciding on access.
            for s in out[newest]:
                if s.scope == "dataset":
                    governance.set_quality_score(
                        session, owner_org_id=org_id, dataset=s.subject, score=s.score
                    )
    return out


def _scores_of(
    session: Session, store: TelemetryStore, org_id: str, day: date, dq: quality.DayQuality
) -> list[QualityScore]:
    by_dataset = dict(dq.by_dataset)
    inv = _invoice_vs_order(session, org_id, day)
    if inv is not None:
        by_dataset["business.invoices"] = [inv]
    bill = _bill_vs_meter(session, store, org_id, day)
    if bill is not None:
        by_dataset["business.energy_bills"] = [bill]
    scores: list[QualityScore] = []

    def add(scope: str, subject: str, findings: list[Finding]) -> None:
        scores.append(
            QualityScore(
                org_id=org_id,
                day=day,
                scope=scope,
                subject=subject,
                score=Decimal(str(quality_score(findings))),
                checked=max((f.checked for f in findings), default=0),
                reasons=reasons(findings),
            )
        )

    for device, findings in sorted(dq.by_device.items()):
        add("device", device, findings)
    for dataset, findings in sorted(by_dataset.items()):
        add("dataset", dataset, findings)
    all_findings = [f for fs in by_dataset.values() for f in fs]
    if all_findings:
        add("enterprise", "", quality._merge(all_findings))
    return scores


def _invoice_vs_order(session: Session, org_id: str, day: date) -> Finding | None:
    repo = TelemetryRepository(session)
    invoices = repo.records("invoices", org_id, start=day, end=day + timedelta(days=1))
    if not invoices:
        return None
    orders = repo.records_by_key(
        "orders", org_id, sorted({i.order_id for i in invoices if i.order_id})
    )
    bad = 0
    for inv in invoices:
        order = orders.get(inv.order_id) if inv.order_id else None
        if order is None or inv.amount_fen > order.amount_fen or inv.issue_date < order.order_date:
            bad += 1
    return Finding(Rule.INVOICE_VS_ORDER, bad, len(invoices))


def _bill_vs_meter(
    session: Session, store: TelemetryStore, org_id: str, day: date
) -> Finding | None:
    """On the first day of a month: does last month's electricity bill match the meters?"""
    if day.day != 1:
        return None
    month = (day - timedelta(days=1)).replace(day=1)
    bills = TelemetryRepository(session).records("energy_bills", org_id, start=month, end=day)
    if not bills:
        return None
    daily = store.daily(
        org_id, start=_day_start(month), end=_day_start(day), metrics=["energy_kwh"]
    )
    if len(daily) == 0:
        return None
    metered = float(pc.sum(daily.column("increase")).as_py() or 0.0)
    billed = float(bills[0].electricity_kwh)
    off = abs(metered - billed) > 0.1 * max(billed, 1.0)
    return Finding(Rule.BILL_VS_METER, int(off), 1)


def quality_scores(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    start: date | None = None,
    end: date | None = None,
    scope: str | None = None,
    purpose: str | None = None,
) -> Sequence[QualityScore]:
    """Stored daily quality scores in [start, end), with their reasons."""
    if scope is not None and scope not in ("device", "dataset", "enterprise"):
        raise ValidationFailed("scope: one of device, dataset, enterprise", field="scope")
    authorize(session, principal, owner_org_id=org_id, dataset="derived.quality", purpose=purpose)
    return TelemetryRepository(session).scores(org_id, start=start, end=end, scope=scope)


def iter_days(start: date, end: date) -> Iterator[date]:
    """Each day in [start, end)."""
    d = start
    while d < end:
        yield d
        d += timedelta(days=1)


def organisation_exists(session: Session, org_id: str) -> bool:
    return identity.find_organisation(session, org_id) is not None


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
    if kind not in RECORD_SPECS:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(RECORD_SPECS)}", field="kind"
        )
    return TelemetryRepository(session).records(kind, org_id, start=start, end=end)


# -- a simulated park --------------------------------------------------------------------------


@dataclass
class EnterpriseLoad:
    """What loading one simulated enterprise did."""

    uscc: str
    org_id: str | None
    created: bool = False
    devices: int = 0
    points: int = 0
    records: dict[str, int] | None = None


def load_park_enterprise(
    session: Session,
    store: TelemetryStore,
    root: Path,
    enterprise: dict[str, Any],
    tables: dict[str, pa.Table],
    *,
    create_org: bool,
) -> EnterpriseLoad:
    """Load one enterprise of a simulated park: its organisation (created if asked),
    devices, telemetry and business records, as if it had sent them itself.

    Idempotent: loading again finds the organisation, updates devices and records by key
    and stores no telemetry point twice.
    """
    uscc = str(enterprise["uscc"])
    org_id = org_for_uscc(session, uscc)
    created = False
    if org_id is None:
        if not create_org:
            return EnterpriseLoad(uscc, None)
        org = identity.create_organisation(
            session,
            name=str(enterprise["name"]),
            kind="enterprise",
            uscc=uscc,
            is_core=bool(enterprise["is_core"]),
            industry_code=enterprise.get("industry_code"),
            region_code=enterprise.get("region_code"),
        )
        org_id, created = org.id, True
    out = EnterpriseLoad(uscc, org_id, created, records={})
    for d in park.of(tables["devices"], "uscc", uscc).to_pylist():
        upsert_device(
            session,
            org_id=org_id,
            device_id=d["device_id"],
            kind=d["kind"],
            identifier=d["identifier"],
            rated_kw=d["rated_kw"],
            installed_on=d["installed_on"],
        )
        out.devices += 1
    res = ingest_points(
        session,
        store,
        org_id=org_id,
        batches=park.telemetry_batches(root, uscc),
        source="file",
        filename=f"{root.name}/telemetry",
    )
    out.points = res.points
    for kind, (table_name, owner) in park.OWNER.items():
        rows = park.record_rows(kind, park.of(tables[table_name], owner, uscc))
        report = import_records(
            session,
            org_id=org_id,
            kind=kind,
            rows=rows,
            source="file",
            filename=f"{root.name}/{park.TABLES[table_name]}",
        )
        if not report.ok:
            e = report.errors[0]
            raise ValidationFailed(
                f"park: {kind} row {e.row} of {uscc}: {e.column}: {e.reason}", field="park"
            )
        assert out.records is not None
        out.records[kind] = report.rows_accepted
    return out
