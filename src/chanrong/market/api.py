"""Market routes: imports, companies and classification, the annual report, matchmaking.

Market data are public facts about the sector, not enterprise data, so no consent grant is
involved: analysts (government and research), the platform operator and financial
institutions read them; enterprises do not (the figures are the analysts' product).
Only the platform operator's officers and admins import data or override a classification.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.edge import Ctx, Idempotency, idempotency, require
from chanrong.identity.domain import OrgKind, Role
from chanrong.market import service
from chanrong.market.schemas import (
    BatchOut,
    ClassificationOut,
    ClassifyIn,
    CompanyOut,
    EventIn,
    EventOut,
    ImportOut,
    InvestorOut,
    InvestorProfileOut,
    ListingOut,
    MatchOut,
    OverrideIn,
    ReportOut,
    RowsIn,
    TemplateIn,
    TemplateOut,
    event_out,
    listing_out,
)
from chanrong.market.service import ImportReport
from chanrong.market.tabular import Dataset, TableError, parse_mapping

router = APIRouter(prefix="/market", tags=["market"])

read = require(OrgKind.ANALYST, OrgKind.PLATFORM_OPERATOR, OrgKind.FINANCIAL_INSTITUTION)
edit = require(OrgKind.PLATFORM_OPERATOR, role=Role.OFFICER)


def _out(report: ImportReport) -> dict[str, object]:
    return ImportOut(
        dataset=report.dataset.value,
        rows=report.rows,
        created=report.created,
        updated=report.updated,
        skipped=report.skipped,
        new_companies=report.new_companies,
        new_investors=report.new_investors,
        batch_id=report.batch_id,
    ).model_dump(mode="json")


def _map(items: list[str] | None) -> dict[str, str] | None:
    if not items:
        return None
    try:
        return parse_mapping(items)
    except TableError as exc:
        raise ValidationFailed(exc.reason, field="map") from None


def _dataset(name: str) -> Dataset:
    try:
        return Dataset(name)
    except ValueError:
        allowed = ", ".join(d.value for d in Dataset)
        raise ValidationFailed(
            f"dataset: {name!r} is not one of {allowed}", field="dataset"
        ) from None


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/imports/{dataset}", response_model=ImportOut, status_code=201)
async def import_file(
    dataset: str,
    request: Request,
    filename: Annotated[str | None, Query(max_length=200)] = None,
    map_: Annotated[list[str] | None, Query(alias="map", max_length=200)] = None,
    template: Annotated[str | None, Query(max_length=80)] = None,
    ctx: Ctx = Depends(edit),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Import a CSV (``text/csv``) or Excel (``.xlsx`` type) file sent as the request body.

    Every column must be known or mapped (``?map=investor=investors``, repeatable, on top of
    a saved ``template``); an unknown column is a 422 naming it with close matches. Any row
    error rejects the whole file with every (row, column, reason) listed. The import is a
    batch (its id in the answer) that can be rolled back.
    """
    mapping = _map(map_)
    ds = _dataset(dataset)
    # The body was capped while it streamed in (chanrong.api.limits: 20 MiB on this route).
    if (replay := idem.replay()) is not None:
        return replay
    data = await request.body()
    if filename is None:
        ctype = request.headers.get("content-type", "").split(";")[0].strip()
        filename = "upload.xlsx" if ctype == XLSX_TYPE else "upload.csv"
    # Parsing and checking every row is CPU work: off the event loop.
    report = await run_in_threadpool(
        service.import_file,
        ctx.session,
        ds,
        data,
        filename,
        mapping=mapping,
        template=template,
        actor_org_id=ctx.principal.org_id,
    )
    return idem.save(201, _out(report))


@router.post("/imports/{dataset}/rows", response_model=ImportOut, status_code=201)
def import_rows(
    dataset: str,
    body: RowsIn,
    ctx: Ctx = Depends(edit),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Import rows given as JSON objects keyed by the data set's column names."""
    ds = _dataset(dataset)
    if (replay := idem.replay()) is not None:
        return replay
    records = [{k: "" if v is None else str(v) for k, v in r.items()} for r in body.rows]
    report = service.import_records(
        ctx.session,
        ds,
        records,
        mapping=body.map,
        template=body.template,
        actor_org_id=ctx.principal.org_id,
    )
    return idem.save(201, _out(report))


@router.post("/events", response_model=ImportOut, status_code=201)
def create_event(
    body: EventIn, ctx: Ctx = Depends(edit), idem: Idempotency = Depends(idempotency)
) -> JSONResponse:
    """Record one financing event (the same checks as a one-row import)."""
    if (replay := idem.replay()) is not None:
        return replay
    report = service.import_records(
        ctx.session, Dataset.EVENTS, [body.as_row()], actor_org_id=ctx.principal.org_id
    )
    return idem.save(201, _out(report))


@router.get("/events", response_model=list[EventOut])
def list_events(
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    year_from: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    year_to: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    round_: Annotated[str | None, Query(alias="round", max_length=40)] = None,
    province: Annotated[str | None, Query(max_length=40)] = None,
    company_id: Annotated[str | None, Query(max_length=36)] = None,
    company: Annotated[str | None, Query(max_length=100)] = None,
    investor: Annotated[str | None, Query(max_length=200)] = None,
    sector: Annotated[str | None, Query(max_length=40)] = None,
    amount_min: Annotated[int | None, Query(ge=0, description="CNY yuan")] = None,
    amount_max: Annotated[int | None, Query(ge=0, description="CNY yuan")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    ctx: Ctx = Depends(read),
) -> list[EventOut]:
    """Financing events, newest first; the round may be written as in a report ("A+轮").

    ``province=unknown`` lists events whose province is not known; ``investor`` is an id or
    exact name; ``company`` matches part of the name; ``sector`` is a taxonomy field; the
    amount range (yuan) is on the CNY lower bound, and events of unknown amount never match it.
    """
    views = service.list_events(
        ctx.session,
        year=year,
        round_=round_,
        province=province,
        company_id=company_id,
        investor=investor,
        company=company,
        sector=sector,
        year_from=year_from,
        year_to=year_to,
        amount_min_yuan=amount_min,
        amount_max_yuan=amount_max,
        limit=limit,
        offset=offset,
    )
    return [event_out(v.event, v.company, v.investors) for v in views]


@router.get("/investors/{investor}/profile", response_model=InvestorProfileOut)
def investor_profile(investor: str, ctx: Ctx = Depends(read)) -> InvestorProfileOut:
    """An investor's page (by id or exact name): deals by year and round, co-investors,
    sectors and stages, with unknown amounts and provinces counted."""
    return InvestorProfileOut.of(service.investor_profile(ctx.session, investor))


@router.get("/imports", response_model=list[BatchOut])
def list_batches(
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, ctx: Ctx = Depends(edit)
) -> list[BatchOut]:
    """Imports (batches), newest first, with what each created and whether it was undone."""
    return [BatchOut.model_validate(b) for b in service.list_batches(ctx.session, limit=limit)]


@router.post("/imports/{batch_id}/rollback", response_model=BatchOut)
def rollback_batch(batch_id: str, ctx: Ctx = Depends(edit)) -> BatchOut:
    """Undo an events import: its events, and the companies and investors it created that
    nothing else refers to, are deleted (logged). Other data sets answer 409."""
    batch = service.rollback_batch(ctx.session, batch_id, actor_org_id=ctx.principal.org_id)
    return BatchOut.model_validate(batch)


@router.get("/import-templates", response_model=list[TemplateOut])
def list_templates(ctx: Ctx = Depends(edit)) -> list[TemplateOut]:
    """Saved column mappings."""
    return [TemplateOut.model_validate(t) for t in service.list_templates(ctx.session)]


@router.put("/import-templates", response_model=TemplateOut)
def save_template(body: TemplateIn, ctx: Ctx = Depends(edit)) -> TemplateOut:
    """Save (or replace) a named column mapping, used with ``template=`` on an import."""
    saved = service.save_template(ctx.session, body.name, _dataset(body.dataset), body.map)
    return TemplateOut.model_validate(saved)


@router.get("/listings", response_model=list[ListingOut])
def list_listings(
    board: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    ctx: Ctx = Depends(read),
) -> list[ListingOut]:
    """Listed companies by listing date, optionally of one board (主板, 科创板 …) or year."""
    found = service.list_listings(ctx.session, board=board, year=year, limit=limit, offset=offset)
    return [listing_out(x, company) for x, company in found]


@router.get("/companies", response_model=list[CompanyOut])
def list_companies(
    field: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ctx: Ctx = Depends(read),
) -> list[CompanyOut]:
    """Companies, optionally of one field or whose name contains ``q``."""
    companies = service.list_companies(ctx.session, field=field, query=q, limit=limit)
    return [CompanyOut.model_validate(c) for c in companies]


@router.get("/companies/{company_id}", response_model=CompanyOut)
def get_company(company_id: str, ctx: Ctx = Depends(read)) -> CompanyOut:
    """One company with its field, tags and how they were decided."""
    return CompanyOut.model_validate(service.get_company(ctx.session, company_id))


@router.put("/companies/{company_id}/classification", response_model=CompanyOut)
def override_classification(
    company_id: str, body: OverrideIn, ctx: Ctx = Depends(edit)
) -> CompanyOut:
    """Set a company's field and tags by hand; imports never reclassify it afterwards."""
    company = service.override_classification(
        ctx.session, company_id, field=body.field, tags=body.tags, actor_org_id=ctx.principal.org_id
    )
    return CompanyOut.model_validate(company)


@router.delete("/companies/{company_id}/classification", response_model=CompanyOut)
def drop_override(company_id: str, ctx: Ctx = Depends(edit)) -> CompanyOut:
    """Drop the operator's override and classify the company from its description again."""
    company = service.reclassify(ctx.session, company_id, actor_org_id=ctx.principal.org_id)
    return CompanyOut.model_validate(company)


@router.get("/investors", response_model=list[InvestorOut])
def list_investors(
    limit: Annotated[int, Query(ge=1, le=1000)] = 100, ctx: Ctx = Depends(read)
) -> list[InvestorOut]:
    """Investors with their kind and state-owned flag."""
    return [InvestorOut.model_validate(i) for i in service.list_investors(ctx.session, limit=limit)]


@router.post("/classify", response_model=ClassificationOut)
def classify(body: ClassifyIn, ctx: Ctx = Depends(read)) -> ClassificationOut:
    """Classify a business description into the sector taxonomy, with the reasons."""
    return ClassificationOut.of(service.classify_description(body.description))


@router.get("/report", response_model=ReportOut)
def report(year: Annotated[int, Query(ge=1990, le=2100)], ctx: Ctx = Depends(read)) -> ReportOut:
    """Every figure of the year's investment & financing report."""
    return ReportOut.of(service.market_report(ctx.session, year))


@router.get("/report.html", response_class=HTMLResponse)
def report_html(
    year: Annotated[int, Query(ge=1990, le=2100)], ctx: Ctx = Depends(read)
) -> HTMLResponse:
    """The year's report as an HTML page with charts (zh-CN, or en with ``?lang=en``)."""
    from chanrong.market.report import render_html

    found = service.market_report(ctx.session, year)
    if found.events == 0:
        # The figures are zeroes (GET /market/report answers them); a page of empty charts
        # is no report, and its shares have nothing to divide.
        raise NotFound(f"year: no financing events are recorded for {year}", field="year")
    return HTMLResponse(render_html(found, ctx.locale))


@router.get("/match", response_model=list[MatchOut])
def match(
    field: str | None = None,
    stage: str | None = None,
    province: str | None = None,
    top: Annotated[int, Query(ge=1, le=100)] = 10,
    ctx: Ctx = Depends(read),
) -> list[MatchOut]:
    """Investors who backed companies like an enterprise of this field, stage and province."""
    found = service.match_investors(
        ctx.session, field=field, stage=stage, province=province, top=top
    )
    return [MatchOut.model_validate(m) for m in found]
