"""Every market query, and the column exports the analytics run on."""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    String,
    cast,
    delete,
    distinct,
    exists,
    extract,
    func,
    insert,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.market.orm import (
    MarketCompany,
    MarketEvent,
    MarketEventInvestor,
    MarketFinancials,
    MarketImportBatch,
    MarketImportTemplate,
    MarketInvestor,
    MarketListing,
    MarketProceedsUse,
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while bulk rows are built.

    Hundreds of thousands of short-lived tuples and dicts (which hold no cycles) would
    otherwise set it off again and again; exports and imports run markedly faster without.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# Bound parameters per statement stay well under SQLite's and PostgreSQL's limits.
_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class MarketRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def data_stamp(self) -> tuple[Any, ...]:
        """What changes whenever the data the reports read changes: each table's row count,
        the import batches' count, latest import and latest rollback (every import and
        rollback, including one that only updates rows, leaves its batch), and the sum of the
        companies' classification counts (every classification by any process). One statement."""
        counts = [
            select(func.count()).select_from(t).scalar_subquery()
            for t in (
                MarketEvent,
                MarketEventInvestor,
                MarketCompany,
                MarketInvestor,
                MarketListing,
                MarketFinancials,
                MarketProceedsUse,
            )
        ]
        batches = select(
            func.count(),
            func.max(MarketImportBatch.created_at),
            func.max(MarketImportBatch.rolled_back_at),
        ).subquery()
        classified = select(
            func.coalesce(func.sum(MarketCompany.classifications), 0)
        ).scalar_subquery()
        row = self.session.execute(select(*counts, classified, *batches.c)).one()
        return tuple(row)

    # -- look-ups by natural key ---------------------------------------------------------
    def companies_by_name(self, names: Iterable[str]) -> dict[str, MarketCompany]:
        """Companies by exact name."""
        found: dict[str, MarketCompany] = {}
        for chunk in _chunks(sorted(set(names))):
            stmt = select(MarketCompany).where(MarketCompany.name.in_(chunk))
            found.update({c.name: c for c in self.session.scalars(stmt)})
        return found

    def investors_by_name(self, names: Iterable[str]) -> dict[str, MarketInvestor]:
        """Investors by exact name."""
        found: dict[str, MarketInvestor] = {}
        for chunk in _chunks(sorted(set(names))):
            stmt = select(MarketInvestor).where(MarketInvestor.name.in_(chunk))
            found.update({i.name: i for i in self.session.scalars(stmt)})
        return found

    def listings_by_code(self, codes: Iterable[str]) -> dict[str, MarketListing]:
        """Listings by stock code."""
        found: dict[str, MarketListing] = {}
        for chunk in _chunks(sorted(set(codes))):
            stmt = select(MarketListing).where(MarketListing.stock_code.in_(chunk))
            found.update({x.stock_code: x for x in self.session.scalars(stmt)})
        return found

    def listings_by_company(self, company_ids: Iterable[str]) -> dict[str, MarketListing]:
        """Listings by company id."""
        found: dict[str, MarketListing] = {}
        for chunk in _chunks(sorted(set(company_ids))):
            stmt = select(MarketListing).where(MarketListing.company_id.in_(chunk))
            found.update({x.company_id: x for x in self.session.scalars(stmt)})
        return found

    def event_keys(self, company_ids: Iterable[str]) -> set[tuple[str, date, str]]:
        """The (company, date, round) keys of these companies' events."""
        keys: set[tuple[str, date, str]] = set()
        for chunk in _chunks(sorted(set(company_ids))):
            stmt = select(MarketEvent.company_id, MarketEvent.event_date, MarketEvent.round).where(
                MarketEvent.company_id.in_(chunk)
            )
            keys.update((c, d, r) for c, d, r in self.session.execute(stmt))
        return keys

    def financials_by_key(
        self, keys: Iterable[tuple[str, int]]
    ) -> dict[tuple[str, int], MarketFinancials]:
        """Yearly financials by (listing id, year)."""
        found: dict[tuple[str, int], MarketFinancials] = {}
        for chunk in _chunks(sorted(set(keys))):
            stmt = select(MarketFinancials).where(
                tuple_(MarketFinancials.listing_id, MarketFinancials.year).in_(chunk)
            )
            found.update({(f.listing_id, f.year): f for f in self.session.scalars(stmt)})
        return found

    def proceeds_of(self, listing_ids: Iterable[str]) -> set[tuple[str, str]]:
        """The (listing id, project) pairs already recorded."""
        keys: set[tuple[str, str]] = set()
        for chunk in _chunks(sorted(set(listing_ids))):
            stmt = select(MarketProceedsUse.listing_id, MarketProceedsUse.project).where(
                MarketProceedsUse.listing_id.in_(chunk)
            )
            keys.update((a, b) for a, b in self.session.execute(stmt))
        return keys

    def company(self, company_id: str) -> MarketCompany | None:
        """One company by id."""
        return self.session.get(MarketCompany, company_id)

    def companies(
        self, *, field: str | None = None, query: str | None = None, limit: int = 100
    ) -> Sequence[MarketCompany]:
        """Companies by name, optionally of one field or containing ``query``."""
        stmt = select(MarketCompany).order_by(MarketCompany.name).limit(limit)
        if field:
            stmt = stmt.where(MarketCompany.field == field)
        if query:
            stmt = stmt.where(MarketCompany.name.contains(query, autoescape=True))
        return self.session.scalars(stmt).all()

    def events(
        self,
        *,
        year: int | None = None,
        round_: str | None = None,
        province_code: str | None = None,
        company_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
        filters: EventFilters | None = None,
    ) -> list[tuple[MarketEvent, str]]:
        """Events with their company's name, newest first."""
        stmt = (
            select(MarketEvent, MarketCompany.name)
            .join(MarketCompany, MarketCompany.id == MarketEvent.company_id)
            .order_by(MarketEvent.event_date.desc(), MarketEvent.id)
            .limit(limit)
            .offset(offset)
        )
        stmt = _in_year(stmt, year)
        if round_:
            stmt = stmt.where(MarketEvent.round == round_)
        if province_code:
            stmt = stmt.where(MarketEvent.province_code == province_code)
        if company_id:
            stmt = stmt.where(MarketEvent.company_id == company_id)
        if filters is not None:
            stmt = _filtered(stmt, filters)
        return [(e, n) for e, n in self.session.execute(stmt)]

    def investor(self, key: str) -> MarketInvestor | None:
        """An investor by id or exact name."""
        return self.session.get(MarketInvestor, key) or self.session.scalar(
            select(MarketInvestor).where(MarketInvestor.name == key)
        )

    def deals_of(self, investor_id: str) -> list[tuple[MarketEvent, str, str | None]]:
        """An investor's events with the company's name and field, oldest first."""
        stmt = (
            select(MarketEvent, MarketCompany.name, MarketCompany.field)
            .join(MarketCompany, MarketCompany.id == MarketEvent.company_id)
            .join(MarketEventInvestor, MarketEventInvestor.event_id == MarketEvent.id)
            .where(MarketEventInvestor.investor_id == investor_id)
            .order_by(MarketEvent.event_date, MarketEvent.id)
        )
        return [(e, n, f) for e, n, f in self.session.execute(stmt)]

    # -- import batches and templates -----------------------------------------------------
    def batch(self, batch_id: str) -> MarketImportBatch | None:
        """One import batch."""
        return self.session.get(MarketImportBatch, batch_id)

    def batches(self, *, limit: int = 100) -> Sequence[MarketImportBatch]:
        """Import batches, newest first."""
        stmt = (
            select(MarketImportBatch)
            .order_by(MarketImportBatch.created_at.desc(), MarketImportBatch.id)
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def template(self, name: str) -> MarketImportTemplate | None:
        """A mapping template by name."""
        return self.session.scalar(
            select(MarketImportTemplate).where(MarketImportTemplate.name == name)
        )

    def templates(self) -> Sequence[MarketImportTemplate]:
        """Every mapping template by name."""
        return self.session.scalars(
            select(MarketImportTemplate).order_by(MarketImportTemplate.name)
        ).all()

    def delete_batch_events(self, batch_id: str) -> int:
        """Delete the events a batch created (and their investor links); how many."""
        ids = select(MarketEvent.id).where(MarketEvent.batch_id == batch_id)
        self.session.execute(
            delete(MarketEventInvestor).where(MarketEventInvestor.event_id.in_(ids))
        )
        result = self.session.execute(delete(MarketEvent).where(MarketEvent.batch_id == batch_id))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def delete_orphan_companies(self, names: Sequence[str]) -> int:
        """Delete the named companies that no event or listing refers to; how many."""
        count = 0
        for chunk in _chunks(sorted(set(names))):
            stmt = delete(MarketCompany).where(
                MarketCompany.name.in_(chunk),
                ~exists().where(MarketEvent.company_id == MarketCompany.id),
                ~exists().where(MarketListing.company_id == MarketCompany.id),
            )
            count += int(self.session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
        return count

    def delete_orphan_investors(self, names: Sequence[str]) -> int:
        """Delete the named investors that no event refers to; how many."""
        count = 0
        for chunk in _chunks(sorted(set(names))):
            stmt = delete(MarketInvestor).where(
                MarketInvestor.name.in_(chunk),
                ~exists().where(MarketEventInvestor.investor_id == MarketInvestor.id),
            )
            count += int(self.session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
        return count

    def investors_of(self, event_ids: Sequence[str]) -> dict[str, list[str]]:
        """Investor names per event, lead first."""
        found: dict[str, list[str]] = {}
        for chunk in _chunks(list(event_ids)):
            stmt = (
                select(MarketEventInvestor.event_id, MarketInvestor.name)
                .join(MarketInvestor, MarketInvestor.id == MarketEventInvestor.investor_id)
                .where(MarketEventInvestor.event_id.in_(chunk))
                .order_by(MarketEventInvestor.lead.desc(), MarketInvestor.name)
            )
            for event_id, name in self.session.execute(stmt):
                found.setdefault(event_id, []).append(name)
        return found

    def listings(
        self, *, board: str | None, year: int | None, limit: int, offset: int
    ) -> list[tuple[MarketListing, str]]:
        """Listings with their company's name, by listing date."""
        stmt = (
            select(MarketListing, MarketCompany.name)
            .join(MarketCompany, MarketCompany.id == MarketListing.company_id)
            .order_by(MarketListing.listing_date, MarketListing.stock_code)
            .limit(limit)
            .offset(offset)
        )
        if board:
            stmt = stmt.where(MarketListing.board == board)
        if year is not None:
            stmt = stmt.where(
                MarketListing.listing_date.between(date(year, 1, 1), date(year, 12, 31))
            )
        return [(x, n) for x, n in self.session.execute(stmt)]

    def investors(self, *, limit: int = 100) -> Sequence[MarketInvestor]:
        """Investors by name."""
        return self.session.scalars(
            select(MarketInvestor).order_by(MarketInvestor.name).limit(limit)
        ).all()

    def count_events(self) -> int:
        """How many events are held."""
        return int(self.session.scalar(select(func.count()).select_from(MarketEvent)) or 0)

    # -- writes ---------------------------------------------------------------------------
    def add(self, obj: object) -> None:
        """Add a new ORM object to the session."""
        self.session.add(obj)

    def flush(self) -> None:
        """Send pending changes to the database (the edge commits)."""
        self.session.flush()

    def insert_companies(self, rows: list[dict[str, Any]]) -> None:
        """Insert new companies in bulk."""
        now = utcnow()
        self._bulk(MarketCompany, [{**r, "created_at": now} for r in rows])

    def insert_events(self, events: list[dict[str, Any]], links: list[dict[str, Any]]) -> None:
        """Bulk insert: one statement per chunk rather than one ORM object per event."""
        self._bulk(MarketEvent, events)
        self._bulk(MarketEventInvestor, links)

    def _bulk(self, orm_class: Any, rows: list[dict[str, Any]]) -> None:
        # A Core INSERT on the table is a plain executemany; the ORM's bulk path would track
        # every row it does not need to.
        if not rows:
            return
        conn = self.session.connection()
        for chunk in _chunks(rows, 5000):
            conn.execute(insert(orm_class.__table__), list(chunk))

    # -- exports for the analytics, as plain columns -------------------------------------
    def _core(self, stmt: Any) -> Any:
        # The Core connection skips the ORM's per-row result processing.
        return self.session.connection().execute(stmt)

    def _raw(self, stmt: Any) -> list[tuple[Any, ...]]:
        """Plain tuples straight from the driver, in this session's transaction.

        Exports are hundreds of thousands of rows of strings and integers that need no type
        processing, so building a result row object for each is most of their cost. The
        statement is rendered with literal values, which are only this module's own (a
        year's dates and constant patterns), never user text.
        """
        conn = self.session.connection()
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            with gc_paused():
                cursor.execute(sql)
                return list(cursor.fetchall())
        finally:
            cursor.close()

    def events_by_year(self) -> list[tuple[int, int, int, int]]:
        """(year, events, companies, amount fen) for every year, aggregated in the database."""
        year = extract("year", MarketEvent.event_date)
        stmt = (
            select(
                year,
                func.count(),
                func.count(distinct(MarketEvent.company_id)),
                func.coalesce(func.sum(MarketEvent.cny_low_fen), 0),
            )
            .group_by(year)
            .order_by(year)
        )
        return [(int(y), int(n), int(c), int(a)) for y, n, c, a in self._core(stmt)]

    def export_events(self, year: int | None = None) -> dict[str, list[Any]]:
        """Events (of one year, or all) with their company's field."""
        stmt = select(
            MarketEvent.id,
            _iso(MarketEvent.event_date),
            MarketEvent.company_id,
            MarketEvent.round,
            MarketEvent.amount_kind,
            MarketEvent.cny_low_fen,
            MarketEvent.cny_high_fen,
            MarketEvent.province_code,
            MarketEvent.city,
            MarketCompany.field,
        ).join(MarketCompany, MarketCompany.id == MarketEvent.company_id)
        stmt = _in_year(stmt, year)
        return _columns(self._raw(stmt),
            [
                "event_id", "event_date", "company_id", "round", "amount_kind", "cny_low_fen",
                "cny_high_fen", "province_code", "city", "field",
            ],
        )  # fmt: skip

    def export_event_links(self, year: int | None = None) -> dict[str, list[Any]]:
        """Which investor took part in which event (ids only; names travel once, below)."""
        stmt = select(MarketEventInvestor.event_id, MarketEventInvestor.investor_id).join(
            MarketEvent, MarketEvent.id == MarketEventInvestor.event_id
        )
        return _columns(self._raw(_in_year(stmt, year)), ["event_id", "investor_id"])

    def export_investors(self) -> dict[str, list[Any]]:
        """Every investor, for the analytics."""
        stmt = select(
            MarketInvestor.id, MarketInvestor.name, MarketInvestor.kind, MarketInvestor.state_owned
        )
        return _columns(
            self._raw(stmt), ["investor_id", "investor", "investor_kind", "state_owned"]
        )

    def export_companies(self, year: int | None = None) -> dict[str, list[Any]]:
        """Companies (those with events in ``year``, or all)."""
        # Tags are a JSON list; reading it as text and matching the quoted tag avoids
        # decoding one JSON document per company on the way out.
        tags = cast(MarketCompany.tags, String)
        stmt = select(
            MarketCompany.id,
            MarketCompany.name,
            MarketCompany.province_code,
            MarketCompany.field,
            tags.like('%"ai"%'),
            tags.like('%"5g"%'),
        )
        if year is not None:
            stmt = stmt.where(MarketCompany.id.in_(_in_year(select(MarketEvent.company_id), year)))
        return _columns(
            self._raw(stmt), ["company_id", "company", "province_code", "field", "ai", "five_g"]
        )

    def export_listings(self) -> dict[str, list[Any]]:
        """Every listing with its company's province and field."""
        stmt = select(
            MarketListing.id,
            MarketListing.company_id,
            MarketCompany.name,
            MarketListing.stock_code,
            MarketListing.exchange,
            MarketListing.board,
            _iso(MarketListing.listing_date),
            MarketListing.ipo_proceeds_fen,
            MarketListing.market_value_fen,
            MarketCompany.province_code,
            MarketCompany.field,
        ).join(MarketCompany, MarketCompany.id == MarketListing.company_id)
        return _columns(self._raw(stmt),
            [
                "listing_id", "company_id", "company", "stock_code", "exchange", "board",
                "listing_date", "ipo_proceeds_fen", "market_value_fen", "province_code", "field",
            ],
        )  # fmt: skip

    def export_financials(self) -> dict[str, list[Any]]:
        """Every yearly revenue and profit."""
        stmt = select(
            MarketFinancials.listing_id,
            MarketFinancials.year,
            MarketFinancials.revenue_fen,
            MarketFinancials.profit_fen,
        )
        return _columns(self._raw(stmt), ["listing_id", "year", "revenue_fen", "profit_fen"])

    def export_proceeds(self) -> dict[str, list[Any]]:
        """Every planned use of IPO proceeds."""
        stmt = select(
            MarketProceedsUse.listing_id, MarketProceedsUse.project, MarketProceedsUse.amount_fen
        )
        return _columns(self._raw(stmt), ["listing_id", "project", "amount_fen"])


@dataclass(frozen=True, slots=True)
class EventFilters:
    """What GET /market/events narrows by, already checked (codes, not text as written).

    ``province_code`` ``UNKNOWN_PROVINCE`` asks for events whose province is not known.
    Amounts compare the event's CNY lower bound; events of unknown amount never match an
    amount range."""

    investor_id: str | None = None
    company: str | None = None
    field: str | None = None
    province_code: str | None = None
    round_: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    amount_min_fen: int | None = None
    amount_max_fen: int | None = None


UNKNOWN_PROVINCE = "unknown"


def _filtered(stmt: Any, f: EventFilters) -> Any:
    if f.investor_id:
        stmt = stmt.where(
            exists().where(
                MarketEventInvestor.event_id == MarketEvent.id,
                MarketEventInvestor.investor_id == f.investor_id,
            )
        )
    if f.company:
        stmt = stmt.where(MarketCompany.name.contains(f.company, autoescape=True))
    if f.field:
        stmt = stmt.where(MarketCompany.field == f.field)
    if f.province_code == UNKNOWN_PROVINCE:
        stmt = stmt.where(MarketEvent.province_code.is_(None))
    elif f.province_code:
        stmt = stmt.where(MarketEvent.province_code == f.province_code)
    if f.round_:
        stmt = stmt.where(MarketEvent.round == f.round_)
    if f.year_from is not None:
        stmt = stmt.where(MarketEvent.event_date >= date(f.year_from, 1, 1))
    if f.year_to is not None:
        stmt = stmt.where(MarketEvent.event_date <= date(f.year_to, 12, 31))
    if f.amount_min_fen is not None:
        stmt = stmt.where(MarketEvent.cny_low_fen >= f.amount_min_fen)
    if f.amount_max_fen is not None:
        stmt = stmt.where(MarketEvent.cny_low_fen <= f.amount_max_fen)
    return stmt


def _iso(column: Any) -> Any:
    """A date column as its ISO text; Arrow parses it in bulk far faster than row by row."""
    return cast(column, String)


def _in_year(stmt: Any, year: int | None) -> Any:
    if year is None:
        return stmt
    return stmt.where(MarketEvent.event_date.between(date(year, 1, 1), date(year, 12, 31)))


def _columns(rows: list[tuple[Any, ...]], names: list[str]) -> dict[str, list[Any]]:
    if not rows:
        return {n: [] for n in names}
    with gc_paused():
        # Transposing with zip runs in C: far quicker than appending value by value.
        return {n: list(col) for n, col in zip(names, zip(*rows, strict=True), strict=True)}
