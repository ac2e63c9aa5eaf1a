"""Market use cases: import, classify and override, analytics, matchmaking.

Imports are all or nothing: every row is checked first and, if any row breaks a rule, the
import is rejected with the full list of (row, column, reason) and nothing is written.
Re-importing rows already present skips them, so a file can be loaded twice safely.
Services flush, never commit: the edge owns the transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.governance import service as governance
from chanrong.market.analytics import MarketAnalytics, MarketReport, to_arrow
from chanrong.market.domain import InvestorKind, MarketRuleError, parse_board, resolve_place
from chanrong.market.orm import (
    MarketCompany,
    MarketEvent,
    MarketFinancials,
    MarketInvestor,
    MarketListing,
    MarketProceedsUse,
)
from chanrong.market.repository import MarketRepository, gc_paused
from chanrong.market.rounds import RoundError, Stage, normalise_round
from chanrong.market.rows import (
    EventRecord,
    FinancialsRecord,
    InvestorRecord,
    ListingRecord,
    ProceedsRecord,
    RowError,
    check_event,
    check_financials,
    check_investor,
    check_listing_row,
    check_proceeds,
)
from chanrong.market.tabular import Dataset, Row, TableError, read_table, rows_from_dicts
from chanrong.market.taxonomy import (
    Classification,
    Field,
    Method,
    Tag,
    classify,
    parse_field,
    parse_tags,
)


class ImportRejected(ValidationFailed):
    """Some rows break a rule; ``errors`` lists each (row, column, reason). Nothing was written."""

    type_slug = "import-rejected"
    title = "Import rejected: rows with errors"

    def __init__(self, dataset: Dataset, errors: list[RowError]) -> None:
        first = errors[0]
        shown = "; ".join(f"row {e.row} {e.column}: {e.reason}" for e in errors[:3])
        more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        super().__init__(
            f"{len(errors)} error(s) in the {dataset.value} import, nothing was imported: "
            f"{shown}{more}",
            field=first.column,
            extra={
                "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in errors]
            },
        )
        self.errors = errors


@dataclass
class ImportReport:
    """What an import did."""

    dataset: Dataset
    rows: int
    created: int = 0
    updated: int = 0
    skipped: int = 0
    new_companies: list[str] = field(default_factory=list)
    new_investors: list[str] = field(default_factory=list)


R = TypeVar("R")


class ImportProgress(Protocol):
    """Told the number of rows, then how many have been checked (for a progress bar)."""

    def start(self, total: int) -> None:
        """The import has ``total`` rows."""

    def advance(self, rows: int) -> None:
        """``rows`` more rows have been checked."""


_STEP = 1000


def _check_all(
    rows: list[Row],
    check: Callable[[Row], R | list[RowError]],
    progress: ImportProgress | None = None,
) -> tuple[list[R], list[RowError]]:
    records: list[R] = []
    errors: list[RowError] = []
    for i, row in enumerate(rows, start=1):
        if progress and i % _STEP == 0:
            progress.advance(_STEP)
        result = check(row)
        if isinstance(result, list):
            errors.extend(result)
        else:
            records.append(result)
    if progress:
        progress.advance(len(rows) % _STEP)
    return records, errors


def _duplicates(records: Sequence[Any], key: Callable[[Any], Any], column: str) -> list[RowError]:
    seen: dict[Any, int] = {}
    errors = []
    for rec in records:
        k = key(rec)
        if k in seen:
            errors.append(RowError(rec.row, column, f"duplicate of row {seen[k]}"))
        else:
            seen[k] = rec.row
    return errors


def import_file(
    session: Session,
    dataset: Dataset,
    data: bytes,
    filename: str,
    *,
    actor_org_id: str | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import a CSV or Excel file of ``dataset``; the import (with the file's SHA-256) is
    appended to the verifiable log, so what the figures were built from can be shown."""
    try:
        rows = read_table(dataset, data, filename)
    except TableError as exc:
        raise ValidationFailed(f"file: {exc.reason}", field=exc.column or "file") from None
    report = import_rows(session, dataset, rows, progress=progress)
    _log_import(session, report, actor_org_id, sha256=hashlib.sha256(data).hexdigest())
    return report


def _log_import(
    session: Session, report: ImportReport, actor_org_id: str | None, *, sha256: str | None
) -> None:
    payload: dict[str, Any] = {
        "dataset": report.dataset.value,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "skipped": report.skipped,
    }
    if sha256:
        payload["sha256"] = sha256
    governance.append_log(
        session,
        kind="market.imported",
        actor_org_id=actor_org_id,
        subject=f"market:{report.dataset.value}",
        payload=payload,
    )


def import_records(
    session: Session,
    dataset: Dataset,
    records: list[dict[str, Any]],
    *,
    actor_org_id: str | None = None,
) -> ImportReport:
    """Import rows given as JSON objects (the API's batch form); rows are numbered from 1."""
    if not records:
        raise ValidationFailed("rows: give at least one row", field="rows")
    try:
        rows = rows_from_dicts(dataset, records)
    except TableError as exc:
        raise ValidationFailed(exc.reason, field=exc.column or "rows") from None
    report = import_rows(session, dataset, rows)
    _log_import(session, report, actor_org_id, sha256=None)
    return report


def import_rows(
    session: Session,
    dataset: Dataset,
    rows: list[Row],
    *,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Check every row, reject the import if any fails, else write it."""
    if not rows:
        raise ValidationFailed("file: no data rows", field="file")
    repo = MarketRepository(session)
    if progress:
        progress.start(len(rows))
    if dataset is Dataset.EVENTS:
        with gc_paused():
            return _import_events(repo, rows, progress)
    if dataset is Dataset.INVESTORS:
        return _import_investors(repo, rows, progress)
    if dataset is Dataset.LISTINGS:
        return _import_listings(repo, rows, progress)
    if dataset is Dataset.FINANCIALS:
        return _import_financials(repo, rows, progress)
    return _import_proceeds(repo, rows, progress)


def _classification(
    current: dict[str, Any],
    description: str | None,
    field_override: Field | None,
    tags: frozenset[Tag] | None,
) -> dict[str, Any]:
    """The column changes that set a company's field: the row's own field wins, else the
    description is classified — unless the operator has decided, or a field is already set."""
    changes: dict[str, Any] = {}
    if description and not current["description"]:
        changes["description"] = description
    if field_override is not None:
        changes.update(
            field=field_override.value,
            field_method=Method.OPERATOR.value,
            field_confidence_bp=10_000,
        )
        if tags is not None:
            changes["tags"] = sorted(t.value for t in tags)
        return changes
    text = changes.get("description") or current["description"]
    if current["field_method"] == Method.OPERATOR.value or not text or current["field"]:
        return changes
    result = classify(text)
    changes.update(
        field=result.field.value,
        field_method=result.method.value,
        field_confidence_bp=round(result.confidence * 10_000),
        tags=sorted(t.value for t in (tags if tags is not None else result.tags)),
    )
    return changes


def _companies(
    repo: MarketRepository,
    wanted: dict[str, tuple[str | None, str | None, Field | None, frozenset[Tag] | None]],
    report: ImportReport,
) -> dict[str, str]:
    """Find or create companies, answering name → id; ``wanted``: name → (province,
    description, field, tags). New companies are inserted in bulk as plain rows: an import
    may bring tens of thousands."""
    found = repo.companies_by_name(wanted)
    ids = {name: c.id for name, c in found.items()}
    new_rows: list[dict[str, Any]] = []
    for name, (province, description, fld, tags) in wanted.items():
        company = found.get(name)
        if company is None:
            row: dict[str, Any] = dict.fromkeys(_COMPANY_COLUMNS)
            row.update(id=new_id(), name=name, province_code=province, tags=[])
            row.update(_classification(row, description, fld, tags))
            new_rows.append(row)
            ids[name] = row["id"]
            report.new_companies.append(name)
            continue
        if company.province_code is None and province:
            company.province_code = province
        current = {col: getattr(company, col) for col in _COMPANY_COLUMNS}
        for col, value in _classification(current, description, fld, tags).items():
            setattr(company, col, value)
    repo.insert_companies(new_rows)
    repo.flush()
    return ids


_COMPANY_COLUMNS = (
    "id", "name", "description", "province_code", "city", "field", "tags", "field_method",
    "field_confidence_bp",
)  # fmt: skip


def _import_events(
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None
) -> ImportReport:
    records, errors = _check_all(rows, check_event, progress)
    errors += _duplicates(records, lambda r: (r.company, r.event_date, r.round), "round")
    if errors:
        raise ImportRejected(Dataset.EVENTS, sorted(errors, key=lambda e: e.row))
    report = ImportReport(Dataset.EVENTS, len(rows))
    wanted: dict[str, tuple[str | None, str | None, Field | None, frozenset[Tag] | None]] = {}
    for rec in records:
        prev = wanted.get(rec.company)
        wanted[rec.company] = (
            prev[0] if prev else rec.place.province_code,
            (prev[1] if prev else None) or rec.description,
            (prev[2] if prev else None) or rec.field,
            (prev[3] if prev else None) or rec.tags,
        )
    companies = _companies(repo, wanted, report)
    names = {n for rec in records for n in rec.investors}
    investors = repo.investors_by_name(names)
    for name in sorted(names - set(investors)):
        inv = MarketInvestor(
            id=new_id(), name=name, kind=InvestorKind.OTHER.value, state_owned=False
        )
        repo.add(inv)
        investors[name] = inv
        report.new_investors.append(name)
    repo.flush()
    existing = repo.event_keys(companies.values())
    events: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    now = utcnow()
    for rec in records:
        company_id = companies[rec.company]
        key = (company_id, rec.event_date, rec.round.value)
        if key in existing:
            report.skipped += 1
            continue
        event_id = new_id()
        events.append(_event_row(event_id, company_id, rec, now))
        links.extend(
            {"event_id": event_id, "investor_id": investors[n].id, "lead": j == 0}
            for j, n in enumerate(rec.investors)
        )
    repo.insert_events(events, links)
    report.created = len(events)
    return report


def _event_row(
    event_id: str, company_id: str, rec: EventRecord, created_at: datetime
) -> dict[str, Any]:
    return {
        "id": event_id,
        "event_date": rec.event_date,
        "company_id": company_id,
        "round": rec.round.value,
        "amount_text": rec.amount.raw or "未披露",
        "amount_kind": rec.amount.kind.value,
        "currency": rec.amount.currency,
        "amount_low_minor": rec.amount.low_minor,
        "amount_high_minor": rec.amount.high_minor,
        "cny_low_fen": rec.cny_low_fen,
        "cny_high_fen": rec.cny_high_fen,
        "province_code": rec.place.province_code,
        "city": rec.place.city,
        "created_at": created_at,
    }


def _import_investors(
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None
) -> ImportReport:
    records, errors = _check_all(rows, check_investor, progress)
    errors += _duplicates(records, lambda r: r.name, "name")
    if errors:
        raise ImportRejected(Dataset.INVESTORS, sorted(errors, key=lambda e: e.row))
    report = ImportReport(Dataset.INVESTORS, len(rows))
    found = repo.investors_by_name(r.name for r in records)
    for rec in records:
        inv = found.get(rec.name)
        if inv is None:
            repo.add(_investor(rec))
            report.created += 1
        elif (inv.kind, inv.state_owned) != (rec.kind.value, rec.state_owned):
            inv.kind, inv.state_owned = rec.kind.value, rec.state_owned
            report.updated += 1
        else:
            report.skipped += 1
    repo.flush()
    return report


def _investor(rec: InvestorRecord) -> MarketInvestor:
    return MarketInvestor(
        id=new_id(), name=rec.name, kind=rec.kind.value, state_owned=rec.state_owned
    )


def _import_listings(
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None
) -> ImportReport:
    records, errors = _check_all(rows, check_listing_row, progress)
    errors += _duplicates(records, lambda r: r.stock_code, "stock_code")
    errors += _duplicates(records, lambda r: r.company, "company")
    existing = repo.listings_by_code(r.stock_code for r in records)
    companies_before = repo.companies_by_name(r.company for r in records)
    by_company = repo.listings_by_company(c.id for c in companies_before.values())
    for rec in records:
        listing = existing.get(rec.stock_code)
        company = companies_before.get(rec.company)
        if listing and company and listing.company_id != company.id:
            errors.append(RowError(rec.row, "stock_code", "already listed for another company"))
        if (
            company
            and company.id in by_company
            and by_company[company.id].stock_code != rec.stock_code
        ):
            other = by_company[company.id].stock_code
            errors.append(RowError(rec.row, "company", f"already listed under code {other}"))
        if listing and not company:
            errors.append(RowError(rec.row, "stock_code", "already listed for another company"))
    if errors:
        raise ImportRejected(Dataset.LISTINGS, sorted(errors, key=lambda e: e.row))
    report = ImportReport(Dataset.LISTINGS, len(rows))
    wanted = {
        r.company: (r.place.province_code if r.place else None, r.description, r.field, r.tags)
        for r in records
    }
    companies = _companies(repo, wanted, report)
    for rec in records:
        listing = existing.get(rec.stock_code)
        if listing is None:
            repo.add(_listing(rec, companies[rec.company]))
            report.created += 1
            continue
        changed = _update_listing(listing, rec)
        report.updated += int(changed)
        report.skipped += int(not changed)
    repo.flush()
    return report


def _listing(rec: ListingRecord, company_id: str) -> MarketListing:
    return MarketListing(
        id=new_id(),
        company_id=company_id,
        stock_code=rec.stock_code,
        exchange=rec.exchange.value,
        board=rec.board.value,
        listing_date=rec.listing_date,
        ipo_proceeds_fen=rec.ipo_proceeds_fen,
        market_value_fen=rec.market_value_fen,
    )


def _update_listing(listing: MarketListing, rec: ListingRecord) -> bool:
    new = {
        "exchange": rec.exchange.value,
        "board": rec.board.value,
        "listing_date": rec.listing_date,
        "ipo_proceeds_fen": rec.ipo_proceeds_fen
        if rec.ipo_proceeds_fen is not None
        else listing.ipo_proceeds_fen,
        "market_value_fen": rec.market_value_fen
        if rec.market_value_fen is not None
        else listing.market_value_fen,
    }
    changed = any(getattr(listing, k) != v for k, v in new.items())
    for k, v in new.items():
        setattr(listing, k, v)
    return changed


def _known_codes(
    repo: MarketRepository, records: Sequence[FinancialsRecord | ProceedsRecord]
) -> tuple[dict[str, MarketListing], list[RowError]]:
    listings = repo.listings_by_code(r.stock_code for r in records)
    errors = [
        RowError(
            r.row, "stock_code", f"{r.stock_code} is not a listed company here; import it first"
        )
        for r in records
        if r.stock_code not in listings
    ]
    return listings, errors


def _import_financials(
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None
) -> ImportReport:
    records, errors = _check_all(rows, check_financials, progress)
    errors += _duplicates(records, lambda r: (r.stock_code, r.year), "year")
    listings, unknown = _known_codes(repo, records)
    errors += unknown
    if errors:
        raise ImportRejected(Dataset.FINANCIALS, sorted(errors, key=lambda e: e.row))
    report = ImportReport(Dataset.FINANCIALS, len(rows))
    existing = repo.financials_by_key((listings[r.stock_code].id, r.year) for r in records)
    for rec in records:
        key = (listings[rec.stock_code].id, rec.year)
        row = existing.get(key)
        if row is None:
            repo.add(
                MarketFinancials(
                    listing_id=key[0],
                    year=rec.year,
                    revenue_fen=rec.revenue_fen,
                    profit_fen=rec.profit_fen,
                )
            )
            report.created += 1
        elif (row.revenue_fen, row.profit_fen) != (rec.revenue_fen, rec.profit_fen):
            row.revenue_fen, row.profit_fen = rec.revenue_fen, rec.profit_fen
            report.updated += 1
        else:
            report.skipped += 1
    repo.flush()
    return report


def _import_proceeds(
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None
) -> ImportReport:
    records, errors = _check_all(rows, check_proceeds, progress)
    errors += _duplicates(records, lambda r: (r.stock_code, r.project), "project")
    listings, unknown = _known_codes(repo, records)
    errors += unknown
    if errors:
        raise ImportRejected(Dataset.PROCEEDS, sorted(errors, key=lambda e: e.row))
    report = ImportReport(Dataset.PROCEEDS, len(rows))
    existing = repo.proceeds_of(x.id for x in listings.values())
    for rec in records:
        listing_id = listings[rec.stock_code].id
        if (listing_id, rec.project) in existing:
            report.skipped += 1
            continue
        repo.add(
            MarketProceedsUse(
                id=new_id(), listing_id=listing_id, project=rec.project, amount_fen=rec.amount_fen
            )
        )
        report.created += 1
    repo.flush()
    return report


# -- taxonomy ----------------------------------------------------------------------------


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
    limit: int = 100,
    offset: int = 0,
) -> list[EventView]:
    """Financing events, newest first, filtered by year, round (as written), province."""
    rnd = None
    if round_:
        try:
            rnd = normalise_round(round_).value
        except RoundError as exc:
            raise ValidationFailed(f"round: {exc}", field="round") from None
    code = None
    if province:
        try:
            code = resolve_place(province).province_code
        except MarketRuleError as exc:
            raise ValidationFailed(f"province: {exc.reason}", field="province") from None
    repo = MarketRepository(session)
    rows = repo.events(
        year=_year(year) if year is not None else None,
        round_=rnd,
        province_code=code,
        company_id=company_id,
        limit=limit,
        offset=offset,
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
    key = None
    if board:
        try:
            key = parse_board(board).value
        except MarketRuleError as exc:
            raise ValidationFailed(f"board: {exc.reason}", field="board") from None
    return MarketRepository(session).listings(
        board=key, year=_year(year) if year is not None else None, limit=limit, offset=offset
    )


def list_investors(session: Session, *, limit: int = 100) -> Sequence[MarketInvestor]:
    """Investors by name."""
    return MarketRepository(session).investors(limit=limit)


def _field(raw: str) -> Field:
    try:
        return parse_field(raw)
    except ValueError as exc:
        raise ValidationFailed(f"field: {exc}", field="field") from None


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
        try:
            parsed = parse_tags(tags if isinstance(tags, str) else ",".join(tags))
        except ValueError as exc:
            raise ValidationFailed(f"tags: {exc}", field="tags") from None
        company.tags = sorted(t.value for t in parsed)
    session.flush()
    _log_classification(session, company, actor_org_id)
    return company


def _log_classification(session: Session, company: MarketCompany, actor: str | None) -> None:
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


def market_report(session: Session, year: int) -> MarketReport:
    """Every figure of one year's investment & financing report."""
    analytics = _analytics(session, _year(year))
    try:
        return analytics.report(year)
    finally:
        analytics.close()


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
    code = None
    if province:
        try:
            code = resolve_place(province).province_code
        except MarketRuleError as exc:
            raise ValidationFailed(f"province: {exc.reason}", field="province") from None
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
