"""Market imports: CSV/Excel files or JSON rows of events, investors, listings, financials and
IPO proceeds, checked and written through one pipeline.

Imports are all or nothing: every row is checked first and, if any row breaks a rule, the
import is rejected with the full list of (row, column, reason) and nothing is written.
Re-importing rows already present skips them, so a file can be loaded twice safely. Each
import is appended to the verifiable log. Flushes, never commits: the edge owns the
transaction. Other modules reach these through ``chanrong.market.service``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import ValidationFailed
from chanrong.core.ids import new_id
from chanrong.governance import service as governance
from chanrong.market.batches import close_batch, new_batch, resolve_mapping
from chanrong.market.domain import InvestorKind
from chanrong.market.orm import MarketFinancials, MarketInvestor, MarketListing, MarketProceedsUse
from chanrong.market.repository import MarketRepository, gc_paused
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
from chanrong.market.tabular import (
    Dataset,
    Row,
    TableError,
    read_table,
    rows_from_dicts,
)
from chanrong.market.taxonomy import Field, Method, Tag, classify


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
    batch_id: str | None = None


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


def _checked(
    rows: list[Row],
    check: Callable[[Row], R | list[RowError]],
    progress: ImportProgress | None,
    *unique: tuple[Callable[[R], Hashable], str],
) -> tuple[list[R], list[RowError]]:
    """Every row checked, then each ``(key, column)`` made unique across the file: the records
    that passed and every error found (the caller may add its own before ``_accepted``)."""
    records, errors = _check_all(rows, check, progress)
    for key, column in unique:
        errors += _duplicates(records, key, column)
    return records, errors


def _accepted(dataset: Dataset, rows: list[Row], errors: list[RowError]) -> ImportReport:
    """All or nothing: any error rejects the whole import (errors in row order); otherwise
    the report the writing step fills in."""
    if errors:
        raise ImportRejected(dataset, sorted(errors, key=lambda e: e.row))
    return ImportReport(dataset, len(rows))


def import_file(
    session: Session,
    dataset: Dataset,
    data: bytes,
    filename: str,
    *,
    mapping: Mapping[str, str] | None = None,
    template: str | None = None,
    actor_org_id: str | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import a CSV or Excel file of ``dataset``; the import (with the file's SHA-256) is
    appended to the verifiable log, so what the figures were built from can be shown.

    Every column must be known or mapped (``mapping``: header as written → column, on top of
    the saved ``template``'s); the import is recorded as a batch that can be rolled back."""
    columns = resolve_mapping(session, dataset, mapping, template)
    try:
        rows = read_table(dataset, data, filename, columns)
    except TableError as exc:
        raise ValidationFailed(f"file: {exc.reason}", field=exc.column or "file") from None
    sha256 = hashlib.sha256(data).hexdigest()
    batch = new_batch(session, dataset, filename, columns, actor_org_id, sha256)
    report = import_rows(session, dataset, rows, progress=progress, batch_id=batch.id)
    close_batch(batch, report.rows, report.created, report.updated, report.skipped,
                report.new_companies, report.new_investors)  # fmt: skip
    report.batch_id = batch.id
    _log_import(session, report, actor_org_id, sha256=sha256)
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
    if report.batch_id:
        payload["batch_id"] = report.batch_id
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
    mapping: Mapping[str, str] | None = None,
    template: str | None = None,
    actor_org_id: str | None = None,
) -> ImportReport:
    """Import rows given as JSON objects (the API's batch form); rows are numbered from 1.
    Keys must be the data set's columns or be mapped, as for a file."""
    if not records:
        raise ValidationFailed("rows: give at least one row", field="rows")
    columns = resolve_mapping(session, dataset, mapping, template)
    try:
        rows = rows_from_dicts(dataset, records, columns)
    except TableError as exc:
        raise ValidationFailed(exc.reason, field=exc.column or "rows") from None
    batch = new_batch(session, dataset, "rows", columns, actor_org_id, None)
    report = import_rows(session, dataset, rows, batch_id=batch.id)
    close_batch(batch, report.rows, report.created, report.updated, report.skipped,
                report.new_companies, report.new_investors)  # fmt: skip
    report.batch_id = batch.id
    _log_import(session, report, actor_org_id, sha256=None)
    return report


def import_rows(
    session: Session,
    dataset: Dataset,
    rows: list[Row],
    *,
    progress: ImportProgress | None = None,
    batch_id: str | None = None,
) -> ImportReport:
    """Check every row, reject the import if any fails, else write it (events carry
    ``batch_id``, the import that created them)."""
    if not rows:
        raise ValidationFailed("file: no data rows", field="file")
    repo = MarketRepository(session)
    if progress:
        progress.start(len(rows))
    if dataset is Dataset.EVENTS:
        with gc_paused():
            return _import_events(repo, rows, progress, batch_id)
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
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None, batch_id: str | None
) -> ImportReport:
    records, errors = _checked(
        rows, check_event, progress, (lambda r: (r.company, r.event_date, r.round), "round")
    )
    report = _accepted(Dataset.EVENTS, rows, errors)
    wanted: dict[str, tuple[str | None, str | None, Field | None, frozenset[Tag] | None]] = {}
    for rec in records:
        prev = wanted.get(rec.company)
        wanted[rec.company] = (
            (prev[0] if prev else None) or (rec.place.province_code if rec.place else None),
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
        events.append(_event_row(event_id, company_id, rec, now, batch_id))
        links.extend(
            {"event_id": event_id, "investor_id": investors[n].id, "lead": j == 0}
            for j, n in enumerate(rec.investors)
        )
    repo.insert_events(events, links)
    report.created = len(events)
    return report


def _event_row(
    event_id: str, company_id: str, rec: EventRecord, created_at: datetime, batch_id: str | None
) -> dict[str, Any]:
    return {
        "id": event_id,
        "event_date": rec.event_date,
        "company_id": company_id,
        "round": rec.round.value,
        # Empty when the table gave no amount: the amount is unknown, not "undisclosed" text.
        "amount_text": rec.amount.raw,
        "amount_kind": rec.amount.kind.value,
        "currency": rec.amount.currency,
        "amount_low_minor": rec.amount.low_minor,
        "amount_high_minor": rec.amount.high_minor,
        "cny_low_fen": rec.cny_low_fen,
        "cny_high_fen": rec.cny_high_fen,
        "province_code": rec.place.province_code if rec.place else None,
        "city": rec.place.city if rec.place else None,
        "created_at": created_at,
        "batch_id": batch_id,
    }


def _import_investors(
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None
) -> ImportReport:
    records, errors = _checked(rows, check_investor, progress, (lambda r: r.name, "name"))
    report = _accepted(Dataset.INVESTORS, rows, errors)
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
    records, errors = _checked(
        rows,
        check_listing_row,
        progress,
        (lambda r: r.stock_code, "stock_code"),
        (lambda r: r.company, "company"),
    )
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
    report = _accepted(Dataset.LISTINGS, rows, errors)
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


Listed = TypeVar("Listed", bound=FinancialsRecord | ProceedsRecord)


def _checked_listed(
    repo: MarketRepository,
    dataset: Dataset,
    rows: list[Row],
    check: Callable[[Row], Listed | list[RowError]],
    progress: ImportProgress | None,
    unique: tuple[Callable[[Listed], Hashable], str],
) -> tuple[list[Listed], dict[str, MarketListing], ImportReport]:
    """The checks of a dataset about listed companies (financials, proceeds): rows, ``unique``
    and every stock code already listed here; the records, listings by code and the report."""
    records, errors = _checked(rows, check, progress, unique)
    listings, unknown = _known_codes(repo, records)
    return records, listings, _accepted(dataset, rows, errors + unknown)


def _import_financials(
    repo: MarketRepository, rows: list[Row], progress: ImportProgress | None
) -> ImportReport:
    records, listings, report = _checked_listed(
        repo,
        Dataset.FINANCIALS,
        rows,
        check_financials,
        progress,
        (lambda r: (r.stock_code, r.year), "year"),
    )
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
    records, listings, report = _checked_listed(
        repo,
        Dataset.PROCEEDS,
        rows,
        check_proceeds,
        progress,
        (lambda r: (r.stock_code, r.project), "project"),
    )
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
