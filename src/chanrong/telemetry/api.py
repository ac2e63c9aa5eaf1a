"""Telemetry routes: device and metric registry, uploads, queries and quality scores."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from typing import IO, Annotated, Any

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from chanrong.core.errors import PayloadTooLarge, ValidationFailed
from chanrong.edge import Ctx, Idempotency, current, idempotency
from chanrong.telemetry import service
from chanrong.telemetry.adapters import uploads
from chanrong.telemetry.domain import RECORD_SPECS
from chanrong.telemetry.schemas import (
    BatchOut,
    DeviceIn,
    DeviceOut,
    ImportOut,
    IngestOut,
    MetricIn,
    MetricOut,
    QualityOut,
    RowErrorOut,
    record_to_dict,
)
from chanrong.telemetry.store import SCHEMA

router = APIRouter(prefix="/telemetry", tags=["telemetry"])

MAX_UPLOAD_BYTES = 2 * 1024**3
MAX_JSON_BYTES = 64 * 1024**2


async def _spool(request: Request, limit: int) -> IO[bytes]:
    """Copy the body to a temporary file chunk by chunk, so big uploads never fill memory."""
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024**2)  # noqa: SIM115 (closed by caller)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            spool.close()
            raise PayloadTooLarge(f"body: larger than {limit} bytes", field="body")
        spool.write(chunk)
    spool.seek(0)
    return spool


def _content_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _batch_of_problem(batch: dict[str, Any]) -> dict[str, Any]:
    """A refused batch's fields inside a problem document, whose ``status`` is the HTTP
    status (RFC 9457): the batch's own status goes as ``batch_status``."""
    out = {k: v for k, v in batch.items() if k != "status"}
    out["batch_status"] = batch["status"]
    return out


def _refused(exc: service.IngestRejected) -> JSONResponse:
    """422 for an arrival the door refused; returned (not raised) so the request's unit of
    work commits the refused batch, which the answer names with its counts."""
    problem = {**exc.to_problem(), **_batch_of_problem(service.batch_fields(exc.report))}
    problem["errors"] = [
        RowErrorOut(row=e.row, column=e.column, reason=e.reason).model_dump()
        for e in exc.report.errors
    ]
    return JSONResponse(problem, status_code=422, media_type="application/problem+json")


@router.post("/orgs/{org_id}/points", response_model=IngestOut, status_code=201)
async def upload_points(
    org_id: str,
    request: Request,
    ctx: Ctx = Depends(current),
    filename: str | None = None,
) -> JSONResponse:
    """Upload telemetry (JSON, CSV, Parquet or Arrow) for your own enterprise; streamed.

    All or nothing: a refused upload answers 422 naming the field, and its batch is kept.
    """
    service.require_own_enterprise(ctx.principal, org_id)
    kind = _content_type(request)
    body = await _spool(request, MAX_JSON_BYTES if kind == uploads.JSON else MAX_UPLOAD_BYTES)

    def ingest() -> service.IngestReport:
        report = service.ingest_points(
            ctx.session,
            service.open_store(ctx.settings),
            org_id=org_id,
            batches=uploads.point_batches(kind, body),
            source="http",
            created_by=ctx.principal.user_id,
            filename=filename,
        )
        # Committed in this thread, as soon as the batch is recorded: the write turn it took
        # is not held across the hops back to the event loop and out to a commit thread.
        ctx.session.commit()
        return report

    try:
        report = await run_in_threadpool(ingest)
    except service.IngestRejected as exc:
        return _refused(exc)
    finally:
        body.close()
    out = IngestOut(
        **service.batch_fields(report), points=report.points, days=report.days, errors=[]
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


def _times(start: datetime | None, end: datetime | None) -> None:
    for name, v in (("start", start), ("end", end)):
        if v is not None and v.tzinfo is None:
            raise ValidationFailed(f"{name}: give a time zone (e.g. Z)", field=name)


@router.get("/orgs/{org_id}/points")
def get_points(
    org_id: str,
    ctx: Ctx = Depends(current),
    start: datetime | None = None,
    end: datetime | None = None,
    device: Annotated[list[str] | None, Query()] = None,
    metric: Annotated[list[str] | None, Query()] = None,
    purpose: str | None = None,
    format: str = "json",
    limit: int = Query(default=10_000, ge=1, le=1_000_000),
) -> Response:
    """Deduplicated points; ``format=parquet`` returns a Parquet file."""
    _times(start, end)
    if format not in ("json", "parquet"):
        raise ValidationFailed("format: json or parquet", field="format")
    table = service.query_points(
        ctx.session,
        ctx.principal,
        service.open_store(ctx.settings),
        org_id=org_id,
        start=start,
        end=end,
        devices=device,
        metrics=metric,
        purpose=purpose,
    ).slice(0, limit)
    ctx.session.commit()  # logged: the write turn goes back before the answer is built
    if format == "parquet":
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        return Response(sink.getvalue().to_pybytes(), media_type=uploads.PARQUET[0])
    rows = [
        {"device_id": d, "metric": m, "ts": t.isoformat(), "value": v}
        for d, m, t, v in zip(*(table.column(c).to_pylist() for c in SCHEMA.names), strict=True)
    ]
    return JSONResponse({"count": len(rows), "points": rows})


@router.get("/orgs/{org_id}/daily")
def get_daily(
    org_id: str,
    ctx: Ctx = Depends(current),
    start: date | None = None,
    end: date | None = None,
    device: Annotated[list[str] | None, Query()] = None,
    metric: Annotated[list[str] | None, Query()] = None,
    purpose: str | None = None,
) -> Response:
    """Per device, metric and day: n, min, max, mean, first, last, increase."""
    table = service.daily_metrics(
        ctx.session,
        ctx.principal,
        service.open_store(ctx.settings),
        org_id=org_id,
        start=start,
        end=end,
        devices=device,
        metrics=metric,
        purpose=purpose,
    )
    # The read is logged: give the write turn back before building the answer (see
    # governance.routing.enterprise_read).
    ctx.session.commit()
    return Response(service.encoded_daily(table), media_type="application/json")


@router.post("/orgs/{org_id}/devices", response_model=DeviceOut, status_code=201)
def register_device(
    org_id: str,
    body: DeviceIn,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Add (or update) a device in your enterprise's registry."""
    service.require_own_enterprise(ctx.principal, org_id)
    if (replay := idem.replay()) is not None:
        return replay
    device = service.register_device(ctx.session, ctx.principal, org_id=org_id, **body.model_dump())
    return idem.save(201, DeviceOut.model_validate(device).model_dump(mode="json"))


@router.get("/orgs/{org_id}/devices", response_model=list[DeviceOut])
def list_devices(
    org_id: str, ctx: Ctx = Depends(current), purpose: str | None = None
) -> list[DeviceOut]:
    devices = service.devices_of(ctx.session, ctx.principal, org_id, purpose=purpose)
    return [DeviceOut.model_validate(d) for d in devices]


@router.put("/orgs/{org_id}/metrics/{metric}", response_model=MetricOut)
def set_metric(org_id: str, metric: str, body: MetricIn, ctx: Ctx = Depends(current)) -> MetricOut:
    """Register the unit your enterprise sends a metric in (converted on arrival) and its limits."""
    setting = service.set_metric(
        ctx.session, ctx.principal, org_id=org_id, metric=metric, **body.model_dump()
    )
    return MetricOut.model_validate(setting)


@router.post("/orgs/{org_id}/records/{kind}", response_model=ImportOut, status_code=201)
async def upload_records(
    org_id: str,
    kind: str,
    request: Request,
    ctx: Ctx = Depends(current),
    filename: str | None = None,
) -> JSONResponse:
    """Upload business records (JSON ``{"records": [...]}``, CSV or .xlsx with field headers).

    All rows are stored or none: a bad row answers 422 with every (row, column, reason).
    """
    service.require_own_enterprise(ctx.principal, org_id)
    if kind not in RECORD_SPECS:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(RECORD_SPECS)}", field="kind"
        )
    spool = await _spool(request, MAX_JSON_BYTES)
    try:
        data = spool.read()
    finally:
        spool.close()
    # Parsing a spreadsheet and checking its rows is CPU work: off the event loop.
    report = await run_in_threadpool(
        _import_records, ctx, org_id, kind, _content_type(request), data, filename
    )
    errors = [RowErrorOut(row=e.row, column=e.column, reason=e.reason) for e in report.errors]
    out = ImportOut(**service.batch_fields(report), errors=errors)
    if report.ok:
        return JSONResponse(out.model_dump(mode="json"), status_code=201)
    # The refused batch and its error report are kept (committed); no record is.
    problem = {
        "type": "https://chanrong.dev/problems/validation",
        "title": "Invalid input",
        "status": 422,
        "detail": f"{len(report.errors)} rows have errors; nothing was imported",
        "field": report.errors[0].column,
        **_batch_of_problem(out.model_dump(mode="json")),
    }
    return JSONResponse(problem, status_code=422, media_type="application/problem+json")


def _import_records(
    ctx: Ctx, org_id: str, kind: str, content_type: str, data: bytes, filename: str | None
) -> service.IngestReport:
    rows = uploads.record_rows(content_type, data, kind, filename)
    return service.import_records(
        ctx.session,
        org_id=org_id,
        kind=kind,
        rows=rows,
        source="http",
        created_by=ctx.principal.user_id,
        filename=filename,
    )


@router.get("/orgs/{org_id}/records/{kind}")
def list_records(
    org_id: str,
    kind: str,
    ctx: Ctx = Depends(current),
    start: date | None = None,
    end: date | None = None,
    purpose: str | None = None,
) -> JSONResponse:
    """Business records of one kind dated in [start, end); money in yuan strings."""
    recs = service.records(
        ctx.session, ctx.principal, org_id=org_id, kind=kind, start=start, end=end, purpose=purpose
    )
    spec = RECORD_SPECS[kind]
    return JSONResponse({"count": len(recs), "records": [record_to_dict(spec, r) for r in recs]})


@router.get("/orgs/{org_id}/batches/{batch_id}", response_model=BatchOut)
def get_batch(org_id: str, batch_id: str, ctx: Ctx = Depends(current)) -> BatchOut:
    """One ingestion batch with its row-level error report."""
    return BatchOut.model_validate(service.get_batch(ctx.session, ctx.principal, org_id, batch_id))


@router.post("/orgs/{org_id}/quality/compute", response_model=list[QualityOut])
def compute_quality(org_id: str, day: date, ctx: Ctx = Depends(current)) -> list[QualityOut]:
    """(Re)compute the day's quality scores of your enterprise."""
    service.require_own_enterprise(ctx.principal, org_id)
    scores = service.compute_quality(
        ctx.session, service.open_store(ctx.settings), org_id=org_id, day=day
    )
    return [QualityOut.model_validate(s) for s in scores]


@router.get("/orgs/{org_id}/quality", response_model=list[QualityOut])
def get_quality(
    org_id: str,
    ctx: Ctx = Depends(current),
    start: date | None = None,
    end: date | None = None,
    scope: str | None = None,
    purpose: str | None = None,
) -> list[QualityOut]:
    """Daily quality scores (per device, dataset, enterprise) with their reasons."""
    scores = service.quality_scores(
        ctx.session,
        ctx.principal,
        org_id=org_id,
        start=start,
        end=end,
        scope=scope,
        purpose=purpose,
    )
    return [QualityOut.model_validate(s) for s in scores]
