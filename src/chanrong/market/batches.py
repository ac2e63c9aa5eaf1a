"""Import batches and mapping templates: every import is a batch that can be listed and (for
events) rolled back; a column mapping can be saved under a name and reused.

Flushes, never commits: the edge owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.governance import service as governance
from chanrong.market.orm import MarketImportBatch, MarketImportTemplate
from chanrong.market.repository import MarketRepository
from chanrong.market.tabular import Dataset, TableError, check_mapping


def resolve_mapping(
    session: Session,
    dataset: Dataset,
    mapping: Mapping[str, str] | None,
    template: str | None,
) -> dict[str, str]:
    """The column mapping of an import: a saved template's, then the caller's on top, checked
    against the data set's columns (a 422 naming ``map`` or ``template``)."""
    result: dict[str, str] = {}
    if template:
        saved = MarketRepository(session).template(template)
        if saved is None:
            raise ValidationFailed(f"template: no mapping template {template!r}", field="template")
        if saved.dataset != dataset.value:
            raise ValidationFailed(
                f"template: {template!r} maps {saved.dataset}, not {dataset.value}",
                field="template",
            )
        result.update(saved.mapping)
    result.update(mapping or {})
    try:
        check_mapping(dataset, result)
    except TableError as exc:
        raise ValidationFailed(exc.reason, field="map") from None
    return result


def new_batch(
    session: Session,
    dataset: Dataset,
    source: str,
    mapping: dict[str, str],
    actor_org_id: str | None,
    sha256: str | None,
) -> MarketImportBatch:
    """A new batch for an import, flushed before its rows so that the events can refer to it."""
    batch = MarketImportBatch(
        id=new_id(), dataset=dataset.value, source=source[:200], sha256=sha256, mapping=mapping,
        rows=0, created=0, updated=0, skipped=0, new_companies=[], new_investors=[],
        actor_org_id=actor_org_id,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    return batch


def close_batch(
    batch: MarketImportBatch,
    rows: int,
    created: int,
    updated: int,
    skipped: int,
    new_companies: list[str],
    new_investors: list[str],
) -> None:
    """Record what the import did on its batch."""
    batch.rows, batch.created, batch.updated, batch.skipped = rows, created, updated, skipped
    batch.new_companies = list(new_companies)
    batch.new_investors = list(new_investors)


def list_batches(session: Session, *, limit: int = 100) -> Sequence[MarketImportBatch]:
    """Imports, newest first."""
    return MarketRepository(session).batches(limit=limit)


def rollback_batch(
    session: Session, batch_id: str, *, actor_org_id: str | None = None
) -> MarketImportBatch:
    """Undo an events import: its events go, with the companies and investors it created that
    nothing else refers to now. Other data sets update rows in place, so they cannot be
    undone this way (a Conflict says so). Logged."""
    repo = MarketRepository(session)
    batch = repo.batch(batch_id)
    if batch is None:
        raise NotFound(f"no market import batch {batch_id}")
    if batch.rolled_back_at is not None:
        raise Conflict(f"batch {batch_id} was already rolled back")
    if batch.dataset != Dataset.EVENTS.value:
        raise Conflict(
            f"batch {batch_id} imported {batch.dataset}: only events imports can be rolled back"
        )
    removed = repo.delete_batch_events(batch_id)
    companies = repo.delete_orphan_companies(batch.new_companies)
    investors = repo.delete_orphan_investors(batch.new_investors)
    batch.rolled_back_at = utcnow()
    session.flush()
    governance.append_log(
        session,
        kind="market.import_rolled_back",
        actor_org_id=actor_org_id,
        subject=f"market:batch:{batch_id}",
        payload={"events": removed, "companies": companies, "investors": investors},
    )
    return batch


def save_template(
    session: Session, name: str, dataset: Dataset, mapping: Mapping[str, str]
) -> MarketImportTemplate:
    """Save (or replace) a named column mapping for ``dataset``."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationFailed("name: 1 to 80 characters", field="name")
    if not mapping:
        raise ValidationFailed("map: give at least one SOURCE=COLUMN", field="map")
    try:
        check_mapping(dataset, mapping)
    except TableError as exc:
        raise ValidationFailed(exc.reason, field="map") from None
    repo = MarketRepository(session)
    template = repo.template(name)
    if template is None:
        template = MarketImportTemplate(id=new_id(), name=name)
        repo.add(template)
    template.dataset = dataset.value
    template.mapping = dict(mapping)
    session.flush()
    return template


def list_templates(session: Session) -> Sequence[MarketImportTemplate]:
    """Saved mapping templates by name."""
    return MarketRepository(session).templates()
