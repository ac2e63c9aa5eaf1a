"""Market use cases: import, classify and override, analytics, matchmaking.

The import pipeline lives in ``chanrong.market.imports`` (all or nothing, logged); this module
is the surface the API, CLI and other packages call and re-exports it. Services flush, never
commit: the edge owns the transaction.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.market.analytics import MarketAnalytics, MarketReport, to_arrow
from chanrong.market.batches import list_batches as list_batches
from chanrong.market.batches import list_templates as list_templates
from chanrong.market.batches import rollback_batch as rollback_batch
from chanrong.market.batches import save_template as save_template
from chanrong.market.domain import MarketRuleError, parse_board, resolve_place
from chanrong.market.imports import ImportProgress as ImportProgress
from chanrong.market.imports import ImportRejected as ImportRejected
from chanrong.market.imports import ImportReport as ImportReport
from chanrong.market.imports import import_file as import_file
from chanrong.market.imports import import_records as import_records
from chanrong.market.imports import import_rows as import_rows
from chanrong.market.orm import (
    MarketCompany,
    MarketEvent,
    MarketInvestor,
    MarketListing,
)
from chanrong.market.profiles import InvestorProfile as InvestorProfile
from chanrong.market.profiles import investor_profile as investor_profile
from chanrong.market.repository import UNKNOWN_PROVINCE, EventFilters, MarketRepository
from chanrong.market.rounds import Stage, normalise_round
from chanrong.market.tabular import Dataset
from chanrong.market.taxonomy import (
    Classification,
    Field,
    Method,
    classify,
    fields_for_industry,
    gbt4754_divisions,
    parse_field,
    parse_tags,
)

# -- taxonomy ----------------------------------------------------------------------------


def field_industries(name: str) -> tuple[str, ...] | None:
    """The GB/T 4754 divisions of the taxonomy field ``name`` (None: not a field's name)."""
    try:
        found = Field(name.strip().lower())
    except ValueError:
        return None
    return gbt4754_divisions(found)


def industry_fields(code: str) -> tuple[str, ...]:
    """The taxonomy fields whose GB/T 4754 divisions hold ``code``."""
    return tuple(f.value for f in fields_for_industry(code))


def classify_description(description: str) -> Classification:
    """Classify a business description into a field with tags (rules, else the local model)."""
    if not description.strip():
        raise ValidationFailed("description: must not be empty", field="description")
    if len(description) > 2000:
        raise ValidationFailed("description: at most 2000 characters", field="description")
    return classify(description)


def get_company(session: Session, company_id: str) -> MarketCompany:
    """One market company, or NotFound."""
    company = MarketRepository(session).company(company_id)
    if company is None:
        raise NotFound(f"no market company {company_id}")
    return company


def list_companies(
    session: Session, *, field: str | None = None, query: str | None = None, limit: int = 100
) -> Sequence[MarketCompany]:
    """Companies, optionally of one field or whose name contains ``query``."""
    if field:
        field = _field(field).value
    return MarketRepository(session).companies(field=field, query=query, limit=limit)


@dataclass(frozen=True, slots=True)
class EventView:
    """One financing event as listed: its company and investors by name."""

    event: MarketEvent
    company: str
    investors: list[str]


def list_events(
    session: Session,
    *,
    year: int | None = None,
    round_: str | None = None,
    province: str | None = None,
    company_id: str | None = None,
    investor: str | None = None,
    company: str | None = None,
    sector: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    amount_min_yuan: int | None = None,
    amount_max_yuan: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[EventView]:
    """Financing events, newest first, filtered by year (or a range of years), round (as
    written), province (``unknown`` for events whose province is not known), investor (id or
    exact name), company (name contains), sector (taxonomy field) and CNY amount range (yuan,
    on the amount's lower bound; events of unknown amount never match a range)."""
    rnd = _parsed("round", normalise_round, round_).value if round_ else None
    repo = MarketRepository(session)
    investor_id = None
    if investor:
        found = repo.investor(investor)
        if found is None:
            raise ValidationFailed(f"investor: no investor {investor!r}", field="investor")
        investor_id = found.id
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ValidationFailed("year_from: after year_to", field="year_from")
    if (amount_min_yuan or 0) > (amount_max_yuan if amount_max_yuan is not None else 1 << 62):
        raise ValidationFailed("amount_min: above amount_max", field="amount_min")
    code = (
        UNKNOWN_PROVINCE
        if province and province.strip().lower() in (UNKNOWN_PROVINCE, "未知")
        else _province_code(province)
    )
    filters = EventFilters(
        investor_id=investor_id,
        company=company or None,
        field=_parsed("sector", parse_field, sector).value if sector else None,
        province_code=code,
        round_=rnd,
        year_from=_year(year_from) if year_from is not None else None,
        year_to=_year(year_to) if year_to is not None else None,
        amount_min_fen=amount_min_yuan * 100 if amount_min_yuan is not None else None,
        amount_max_fen=amount_max_yuan * 100 if amount_max_yuan is not None else None,
    )
    rows = repo.events(
        year=_year(year) if year is not None else None,
        company_id=company_id,
        limit=limit,
        offset=offset,
        filters=filters,
    )
    names = repo.investors_of([e.id for e, _ in rows])
    return [EventView(e, company, names.get(e.id, [])) for e, company in rows]


def list_listings(
    session: Session,
    *,
    board: str | None = None,
    year: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[tuple[MarketListing, str]]:
    """Listed companies (with the company name), by listing date."""
    key = _parsed("board", parse_board, board).value if board else None
    return MarketRepository(session).listings(
        board=key, year=_year(year) if year is not None else None, limit=limit, offset=offset
    )


def list_investors(session: Session, *, limit: int = 100) -> Sequence[MarketInvestor]:
    """Investors by name."""
    return MarketRepository(session).investors(limit=limit)


T = TypeVar("T")


def _parsed(column: str, parse: Callable[[str], T], raw: str) -> T:
    """``parse(raw)``, its refusal turned into a 422 naming ``column`` (the query parameter or
    body field the value came from)."""
    try:
        return parse(raw)
    except MarketRuleError as exc:
        raise ValidationFailed(f"{column}: {exc.reason}", field=column) from None
    except ValueError as exc:
        raise ValidationFailed(f"{column}: {exc}", field=column) from None


def _province_code(province: str | None) -> str | None:
    """The GB/T 2260 code of a province filter as written (name, short name or code)."""
    return _parsed("province", resolve_place, province).province_code if province else None


def _field(raw: str) -> Field:
    return _parsed("field", parse_field, raw)


def override_classification(
    session: Session,
    company_id: str,
    *,
    field: str,
    tags: str | list[str] | None = None,
    actor_org_id: str | None = None,
) -> MarketCompany:
    """The operator sets a company's field (and tags); later imports never reclassify it.
    The change is appended to the verifiable log."""
    company = get_company(session, company_id)
    fld = _field(field)
    company.field = fld.value
    company.field_method = Method.OPERATOR.value
    company.field_confidence_bp = 10_000
    if tags is not None:
        parsed = _parsed("tags", parse_tags, tags if isinstance(tags, str) else ",".join(tags))
        company.tags = sorted(t.value for t in parsed)
    session.flush()
    _log_classification(session, company, actor_org_id)
    return company


def _log_classification(session: Session, company: MarketCompany, actor: str | None) -> None:
    # Counted on the row: every process's cached reports see the change (``market_report``).
    company.classifications = (company.classifications or 0) + 1
    session.flush()
    governance.append_log(
        session,
        kind="market.classified",
        actor_org_id=actor,
        subject=f"market:company:{company.id}",
        payload={
            "company": company.name,
            "field": company.field,
            "tags": list(company.tags),
            "method": company.field_method,
        },
    )


def reclassify(
    session: Session, company_id: str, *, actor_org_id: str | None = None
) -> MarketCompany:
    """Drop an operator override and classify the company from its description again."""
    company = get_company(session, company_id)
    if not company.description:
        raise ValidationFailed(
            "description: the company has no business description", field="description"
        )
    result = classify(company.description)
    company.field = result.field.value
    company.field_method = result.method.value
    company.field_confidence_bp = round(result.confidence * 10_000)
    company.tags = sorted(t.value for t in result.tags)
    session.flush()
    _log_classification(session, company, actor_org_id)
    return company


# -- analytics ---------------------------------------------------------------------------


def _analytics(session: Session, year: int | None = None) -> MarketAnalytics:
    """DuckDB over the exported tables. With ``year``, only that year's events travel (the
    yearly series is aggregated in the database), which is what keeps a report quick when
    the table holds many years."""
    repo = MarketRepository(session)
    return MarketAnalytics(
        to_arrow(
            {
                "events": repo.export_events(year),
                "event_links": repo.export_event_links(year),
                "investors": repo.export_investors(),
                "companies": repo.export_companies(year),
                "listings": repo.export_listings(),
                "financials": repo.export_financials(),
                "proceeds": repo.export_proceeds(),
            }
        ),
        years=repo.events_by_year() if year is not None else None,
    )


def _year(year: int) -> int:
    if not 1990 <= year <= 2100:
        raise ValidationFailed("year: between 1990 and 2100", field="year")
    return year


# Reports computed in this process, per database and year, with the data stamp they were
# computed at: a report costs ~1 s of DuckDB and export for a year of events, and is asked
# for far more often than the data changes. A changed stamp (an import, a rollback, new rows,
# a classification by any process) recomputes it. There is no time limit: one of 60 s made
# each API process recompute every report once a minute, a second of CPU that showed as the
# mixed load's periodic p99 spikes (benchmarks/RESULTS.md, 2026-12-07).
_REPORTS: weakref.WeakKeyDictionary[Any, dict[int, tuple[tuple[Any, ...], MarketReport]]]
_REPORTS = weakref.WeakKeyDictionary()


def market_report(session: Session, year: int) -> MarketReport:
    """Every figure of one year's investment & financing report (cached while its data is
    unchanged)."""
    year = _year(year)
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    stamp = MarketRepository(session).data_stamp()
    cached = _REPORTS.setdefault(engine, {})
    hit = cached.get(year)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    analytics = _analytics(session, year)
    try:
        report = analytics.report(year)
    finally:
        analytics.close()
    cached[year] = (stamp, report)
    return report


def match_investors(
    session: Session,
    *,
    field: str | None = None,
    stage: str | None = None,
    province: str | None = None,
    top: int = 10,
) -> list[dict[str, Any]]:
    """Investors who backed companies like an enterprise of this field, stage and region."""
    if not (field or stage or province):
        raise ValidationFailed("field: give a field, a stage or a province", field="field")
    fld = _field(field).value if field else None
    stg = None
    if stage:
        try:
            stg = Stage(stage.strip().lower()).value
        except ValueError:
            allowed = ", ".join(s.value for s in Stage)
            raise ValidationFailed(
                f"stage: {stage!r} is not one of {allowed}", field="stage"
            ) from None
    code = _province_code(province)
    if not 1 <= top <= 100:
        raise ValidationFailed("top: between 1 and 100", field="top")
    analytics = _analytics(session)
    try:
        return analytics.match(field=fld, stage=stg, province_code=code, top=top)
    finally:
        analytics.close()


REPORT_DATA = (
    (Dataset.INVESTORS, "investors.csv"),
    (Dataset.EVENTS, "events_2019.csv"),
    (Dataset.EVENTS, "events_2024.csv"),
    (Dataset.LISTINGS, "star_2019.csv"),
)


def load_report_data(session: Session, *, actor_org_id: str | None = None) -> list[ImportReport]:
    """Import the data set shipped with the package, compiled from the AII reports' public
    facts (tests/market/data/compile.py): the 16 STAR listings of 2019 are real rows; the 2019
    and 2024 events are reconstructed, with placeholder company names, to agree with the
    reports' stated aggregates. Importing twice changes nothing."""
    from importlib import resources

    base = resources.files("chanrong.market").joinpath("data", "reports")
    return [
        import_file(
            session, dataset, base.joinpath(name).read_bytes(), name, actor_org_id=actor_org_id
        )
        for dataset, name in REPORT_DATA
    ]
