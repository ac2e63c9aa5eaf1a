"""The data catalog: each enterprise's datasets with the rules' suggested category and grade
(分类分级), the operator's confirmation or override, and every change to them, logged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance.classification import Suggestion, suggest
from chanrong.governance.domain import DEFAULT_CATALOG, Category, Grade, parse_enum
from chanrong.governance.log import append_log
from chanrong.governance.orm import CatalogEntry, ClassificationChange
from chanrong.governance.repository import GovernanceRepository
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role


def _quality(value: Decimal | str | int | None) -> Decimal | None:
    if value is None:
        return None
    try:
        q = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed("quality_score: not a number", field="quality_score") from None
    if not q.is_finite() or not Decimal(0) <= q <= Decimal(100):
        raise ValidationFailed("quality_score: 0 to 100", field="quality_score")
    return q.quantize(Decimal("0.01"))


def _record_change(
    session: Session,
    entry: CatalogEntry,
    *,
    action: str,
    old: tuple[str, int] | None,
    reason: str,
    principal: Principal | None,
    now: datetime,
) -> ClassificationChange:
    ref = append_log(
        session,
        kind=f"catalog.{action}",
        actor_org_id=principal.org_id if principal else None,
        subject=f"{entry.owner_org_id}:catalog/{entry.name}",
        payload={
            "entry_id": entry.id,
            "dataset": entry.name,
            "old_category": old[0] if old else None,
            "old_grade": old[1] if old else None,
            "category": entry.category,
            "grade": entry.grade,
            "reason": reason,
            "by_user_id": principal.user_id if principal else None,
        },
        at=now,
    )
    change = ClassificationChange(
        entry_id=entry.id,
        changed_by_user_id=principal.user_id if principal else None,
        changed_by_org_id=principal.org_id if principal else None,
        old_category=old[0] if old else None,
        old_grade=old[1] if old else None,
        new_category=entry.category,
        new_grade=entry.grade,
        action=action,
        reason=reason,
        log_index=ref.index,
        at=now,
    )
    GovernanceRepository(session).add(change)
    return change


def _can_manage_catalog(principal: Principal, owner_org_id: str) -> bool:
    return principal.is_operator or principal.org_id == owner_org_id


def _require_registrar(
    session: Session, principal: Principal | None, owner_org_id: str, *, what: str
) -> None:
    """The caller may register ``what`` in the catalog of ``owner_org_id``, an enterprise.

    ``principal`` None is a trusted platform process: only the enterprise is checked.
    """
    if principal is not None:
        if not _can_manage_catalog(principal, owner_org_id):
            raise NotFound(f"organisation {owner_org_id} not found")
        if not principal.has_role(Role.OFFICER):
            raise Forbidden(f"registering {what} needs the officer role")
    owner = identity.find_organisation(session, owner_org_id)
    if owner is None or owner.kind != OrgKind.ENTERPRISE.value:
        raise NotFound(f"enterprise {owner_org_id} not found", field="owner_org_id")


def register_dataset(
    session: Session,
    principal: Principal | None,
    *,
    owner_org_id: str,
    name: str,
    description: str = "",
    source: str = "",
    schema: Mapping[str, str] | None = None,
    quality_score: Decimal | str | int | None = None,
    now: datetime | None = None,
) -> CatalogEntry:
    """Add a dataset to an enterprise's catalog with the rules' suggested category and grade.

    ``principal`` None means a trusted platform process (another domain's pipeline).
    The entry stays unconfirmed until an operator confirms or overrides the suggestion.
    """
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("name: 1 to 100 characters", field="name")
    _require_registrar(session, principal, owner_org_id, what="a dataset")
    repo = GovernanceRepository(session)
    if repo.entry(owner_org_id, name) is not None:
        raise Conflict(f"name: {name} is already in this enterprise's catalog", field="name")
    spec = DEFAULT_CATALOG.get(name)
    cols = {str(k): str(v) for k, v in (schema or dict(spec.schema if spec else ())).items()}
    description = description or (spec.description if spec else "")
    source = source or (spec.source if spec else "")
    if len(description) > 500:
        raise ValidationFailed("description: at most 500 characters", field="description")
    s: Suggestion = suggest(name, description=description, source=source, schema=cols)
    now = ensure_aware(now) if now else utcnow()
    entry = CatalogEntry(
        owner_org_id=owner_org_id,
        name=name,
        description=description,
        schema=cols,
        source=source or "manual",
        quality_score=_quality(quality_score),
        category=s.category.value,
        grade=int(s.grade),
        suggested_category=s.category.value,
        suggested_grade=int(s.grade),
        suggestion_reasons=list(s.reasons),
        confirmed=False,
        created_at=now,
        updated_at=now,
    )
    repo.add(entry)
    _record_change(
        session,
        entry,
        action="suggested",
        old=None,
        reason="; ".join(s.reasons),
        principal=principal,
        now=now,
    )
    return entry


def ensure_default_catalog(
    session: Session, owner_org_id: str, *, now: datetime | None = None
) -> list[CatalogEntry]:
    """Register every standard dataset for an enterprise that does not have it yet."""
    repo = GovernanceRepository(session)
    out = []
    for name in DEFAULT_CATALOG:
        entry = repo.entry(owner_org_id, name)
        if entry is None:
            entry = register_dataset(session, None, owner_org_id=owner_org_id, name=name, now=now)
        out.append(entry)
    return out


def register_default_catalog(
    session: Session, principal: Principal, owner_org_id: str
) -> list[CatalogEntry]:
    """The enterprise's officer or the operator registers every standard dataset at once."""
    _require_registrar(session, principal, owner_org_id, what="datasets")
    return ensure_default_catalog(session, owner_org_id)


def classify(
    session: Session,
    principal: Principal,
    entry_id: str,
    *,
    category: str | None = None,
    grade: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> CatalogEntry:
    """The operator confirms the suggestion (no values) or overrides category and/or grade.

    An override needs a reason; both are recorded with who made them.
    """
    if not principal.is_operator:
        raise Forbidden("only the platform operator confirms classification and grading")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("classifying needs the officer role")
    repo = GovernanceRepository(session)
    entry = repo.entry_by_id(entry_id)
    if entry is None:
        raise NotFound(f"catalog entry {entry_id} not found")
    new_cat = parse_enum(Category, category, "category").value if category else entry.category
    new_grade = int(parse_enum(Grade, grade, "grade")) if grade is not None else entry.grade
    changed = (new_cat, new_grade) != (entry.category, entry.grade)
    reason = reason.strip()
    if changed and not reason:
        raise ValidationFailed("reason: say why the classification changes", field="reason")
    if len(reason) > 500:
        raise ValidationFailed("reason: at most 500 characters", field="reason")
    old = (entry.category, entry.grade)
    now = ensure_aware(now) if now else utcnow()
    entry.category, entry.grade = new_cat, new_grade
    entry.confirmed = True
    entry.updated_at = now
    session.flush()
    _record_change(
        session,
        entry,
        action="overridden" if changed else "confirmed",
        old=old,
        reason=reason or "suggestion confirmed",
        principal=principal,
        now=now,
    )
    return entry


def list_catalog(
    session: Session, principal: Principal, owner_org_id: str | None = None
) -> Sequence[CatalogEntry]:
    """An enterprise's catalog (its own, or any for the operator; all when operator and None)."""
    repo = GovernanceRepository(session)
    if owner_org_id is None:
        return repo.entries(None if principal.is_operator else principal.org_id)
    if not _can_manage_catalog(principal, owner_org_id):
        raise NotFound(f"organisation {owner_org_id} not found")
    return repo.entries(owner_org_id)


def get_catalog_entry(session: Session, principal: Principal, entry_id: str) -> CatalogEntry:
    """One entry, for its enterprise or the operator (anyone else: not found)."""
    entry = GovernanceRepository(session).entry_by_id(entry_id)
    if entry is None or not _can_manage_catalog(principal, entry.owner_org_id):
        raise NotFound(f"catalog entry {entry_id} not found")
    return entry


def catalog_history(
    session: Session, principal: Principal, entry_id: str
) -> Sequence[ClassificationChange]:
    """Every classification change of an entry, oldest first."""
    get_catalog_entry(session, principal, entry_id)
    return GovernanceRepository(session).changes(entry_id)


def describe_dataset(session: Session, owner_org_id: str, dataset: str) -> CatalogEntry | None:
    """An enterprise's catalog entry for a dataset, unchecked (call ``authorize_read`` first)."""
    return GovernanceRepository(session).entry(owner_org_id, dataset)


def set_quality_score(
    session: Session, *, owner_org_id: str, dataset: str, score: Decimal | str | int
) -> CatalogEntry:
    """Record a dataset's latest quality score (0–100), registering the entry if needed.

    For trusted platform processes such as the telemetry quality pipeline.
    """
    repo = GovernanceRepository(session)
    entry = repo.entry(owner_org_id, dataset)
    if entry is None:
        entry = register_dataset(session, None, owner_org_id=owner_org_id, name=dataset)
    entry.quality_score = _quality(score)
    entry.updated_at = utcnow()
    session.flush()
    return entry
