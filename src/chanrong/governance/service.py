"""Governance use cases: the one policy check, consent, the catalog and the verifiable log.

Every function works inside the caller's transaction: it flushes and never commits, so a
log entry exists exactly when the change it records does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import Conflict, ConsentRequired, Forbidden, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.governance import merkle
from chanrong.governance.audit import AuditReport, HeadToCheck, LogAuditor
from chanrong.governance.classification import Suggestion, suggest
from chanrong.governance.domain import (
    DEFAULT_CATALOG,
    REFUSAL_TEXT,
    Category,
    Grade,
    GrantTerms,
    Purpose,
    Refusal,
    canonical_json,
    decide,
)
from chanrong.governance.export import build_package, file_digests
from chanrong.governance.keys import Signer, key_id_of, public_raw_of
from chanrong.governance.keys import verify as verify_signature
from chanrong.governance.orm import (
    AccessRecordRow,
    CatalogEntry,
    ClassificationChange,
    ConsentGrant,
    LogEntryRow,
    SignedTreeHeadRow,
)
from chanrong.governance.repository import GovernanceRepository
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.storage.statements import AnyRow

__all__ = [
    "DEFAULT_CATALOG",
    "AccessRecord",
    "Category",
    "Grade",
    "LogBatch",
    "LogEntryRef",
    "Purpose",
    "append_batch",
    "append_log",
    "authorize_read",
]


# --- the shared interface -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LogEntryRef:
    """Where an entry landed in the verifiable log."""

    index: int
    leaf_hash: str  # hex


@dataclass(frozen=True, slots=True)
class AccessRecord:
    """The outcome of a granted read: which grant allowed it and where it was logged.

    ``own`` is True when the caller read its own organisation's data (nothing is logged then).
    """

    owner_org_id: str
    accessor_org_id: str
    dataset: str
    category: Category | None
    grade: Grade | None
    purpose: Purpose | None
    aggregate: bool
    own: bool
    grant_id: str | None = None
    log: LogEntryRef | None = None
    id: str | None = None


LogItem = tuple[str, str | None, str, Mapping[str, Any]]  # kind, actor org, subject, payload


@dataclass
class LogBatch:
    """Log entries a use case gathers and appends together when its work is done.

    A decision that reads two datasets and records its outcome would otherwise take the log's
    append lock three times and hold it (with the database write lock on SQLite) while it
    scores; with a batch, ``authorize_read`` queues its access entries here and
    ``append_batch`` writes them with the use case's own entries under one lock at the end.
    Entries that never get appended are lost with the transaction, exactly as an unlogged
    read must be: the caller appends the batch in the same transaction or fails.
    """

    items: list[LogItem] = field(default_factory=list)
    access_rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Grants between (owner, accessor) read once per use case: one decision does not change them.
    grants: dict[tuple[str, str], list[GrantTerms]] = field(default_factory=dict)

    def add(self, item: LogItem) -> int:
        """Queue one entry; returns its position in the batch."""
        self.items.append(item)
        return len(self.items) - 1


MAX_KIND = 64
MAX_SUBJECT = 200


def append_log(
    session: Session,
    *,
    kind: str,
    actor_org_id: str | None,
    subject: str,
    payload: Mapping[str, Any],
    at: datetime | None = None,
) -> LogEntryRef:
    """Append one entry to the verifiable log in the caller's transaction.

    ``kind`` is a dotted event name (``consent.granted``, ``data.access``, ``loan.decided``);
    ``subject`` names what the entry is about and, by convention, starts with the id of the
    organisation it concerns followed by ``:`` (that organisation may then read the entry).
    Appends are serialised by a lock on the log head, so indices are gap-free under load.
    """
    at = ensure_aware(at) if at else utcnow()
    return append_many(session, [_checked_item(kind, actor_org_id, subject, payload)], at=at)[0]


def _checked_item(
    kind: str, actor_org_id: str | None, subject: str, payload: Mapping[str, Any]
) -> LogItem:
    kind = kind.strip()
    if not kind or len(kind) > MAX_KIND:
        raise ValidationFailed(f"kind: 1 to {MAX_KIND} characters", field="kind")
    if not subject or len(subject) > MAX_SUBJECT:
        raise ValidationFailed(f"subject: 1 to {MAX_SUBJECT} characters", field="subject")
    return (kind, actor_org_id, subject, dict(payload))


def append_batch(
    session: Session, batch: LogBatch, *extra: LogItem, at: datetime | None = None
) -> list[LogEntryRef]:
    """Append a batch's queued entries, then ``extra`` ones, under one lock; records each
    queued read in the owner's access list. Returns the refs in that order."""
    items = [*batch.items, *(_checked_item(*item) for item in extra)]
    refs = append_many(session, items, at=at)
    for position, row in batch.access_rows:
        row["log_index"] = refs[position].index
    GovernanceRepository(session).insert_access([row for _, row in batch.access_rows])
    batch.items, batch.access_rows = [], []
    return refs


def append_many(
    session: Session,
    items: Sequence[tuple[str, str | None, str, Mapping[str, Any]]],
    *,
    at: datetime | None = None,
) -> list[LogEntryRef]:
    """Append several (kind, actor_org_id, subject, payload) entries under one lock."""
    if not items:
        return []
    at = ensure_aware(at) if at else utcnow()
    repo = GovernanceRepository(session)
    size, frontier_hex = repo.lock_head()
    frontier = [bytes.fromhex(h) for h in frontier_hex]
    rows: list[dict[str, Any]] = []
    nodes: list[tuple[merkle.NodeKey, bytes]] = []
    refs: list[LogEntryRef] = []
    for kind, actor, subject, payload in items:
        try:
            data = canonical_json(
                {
                    "v": 1,
                    "index": size,
                    "kind": kind,
                    "actor": actor,
                    "subject": subject,
                    "at": at.isoformat(),
                    "payload": payload,
                }
            )
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(f"payload: {exc}", field="payload") from None
        leaf = merkle.leaf_hash(data.encode())
        frontier, completed = merkle.append_leaf(frontier, size, leaf)
        nodes.extend(completed)
        rows.append(
            {
                "index": size,
                "kind": kind,
                "actor_org_id": actor,
                "subject": subject,
                "data": data,
                "leaf_hash": leaf,
                "at": at,
            }
        )
        refs.append(LogEntryRef(index=size, leaf_hash=leaf.hex()))
        size += 1
    repo.insert_entries(rows)
    repo.insert_nodes(nodes)
    repo.write_head(size, [h.hex() for h in frontier], merkle.root_from_frontier(frontier), at)
    session.flush()
    return refs


def _classification(
    repo: GovernanceRepository, owner_org_id: str, dataset: str
) -> tuple[Category, Grade] | None:
    found = repo.classification(owner_org_id, dataset)
    if found is not None:
        return Category(found[0]), Grade(found[1])
    spec = DEFAULT_CATALOG.get(dataset)
    if spec is not None:
        return spec.category, spec.grade
    return None


def _terms(grant: AnyRow) -> GrantTerms:
    return GrantTerms(
        grant_id=grant.id,
        owner_org_id=grant.owner_org_id,
        grantee_org_id=grant.grantee_org_id,
        categories=frozenset(Category(c) for c in grant.categories),
        max_grade=Grade(grant.max_grade),
        purpose=Purpose(grant.purpose),
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        revoked_at=grant.revoked_at,
    )


def authorize_read(
    session: Session,
    principal: Principal,
    *,
    owner_org_id: str,
    dataset: str,
    purpose: Purpose | None,
    aggregate: bool = False,
    now: datetime | None = None,
    batch: LogBatch | None = None,
) -> AccessRecord:
    """The one policy check for reading an enterprise's data or anything derived from it.

    The owner reads its own data freely (not logged). The platform operator reads park-wide
    aggregates only. Anyone else needs a live grant from the owner covering the dataset's
    category and grade for ``purpose``; grade-3 data leaves only with ``aggregate=True``.
    Refusals raise ``ConsentRequired`` (403) with ``reason``; each granted read is appended to
    the verifiable log and to the owner's access list in the caller's transaction; with
    ``batch`` the entry is queued there instead (the record's ``log`` is then None) and lands
    when the caller runs ``append_batch``.
    """
    if principal.org_id == owner_org_id:
        return AccessRecord(
            owner_org_id=owner_org_id,
            accessor_org_id=principal.org_id,
            dataset=dataset,
            category=None,
            grade=None,
            purpose=purpose,
            aggregate=aggregate,
            own=True,
        )
    now = ensure_aware(now) if now else utcnow()
    repo = GovernanceRepository(session)
    found = _classification(repo, owner_org_id, dataset)
    if found is None:
        _refuse(Refusal.UNKNOWN_DATASET, owner_org_id, dataset)
    assert found is not None
    category, grade = found
    grant: GrantTerms | None = None
    if principal.is_operator:
        if not aggregate:
            raise ConsentRequired(
                "the platform operator sees enterprise data only as aggregates",
                extra={"reason": Refusal.AGGREGATE_ONLY.value, "dataset": dataset},
            )
    else:
        if purpose is None:
            _refuse(Refusal.NO_PURPOSE, owner_org_id, dataset)
        assert purpose is not None
        pair = (owner_org_id, principal.org_id)
        terms = batch.grants.get(pair) if batch is not None else None
        if terms is None:
            terms = [_terms(g) for g in repo.grant_terms_between(*pair)]
            if batch is not None:
                batch.grants[pair] = terms
        grant, refusal = decide(
            terms, category=category, grade=grade, purpose=purpose, aggregate=aggregate, now=now
        )
        if refusal is not None:
            _refuse(refusal, owner_org_id, dataset)
    payload: dict[str, Any] = {
        "owner_org_id": owner_org_id,
        "accessor_org_id": principal.org_id,
        "accessor_user_id": principal.user_id,
        "dataset": dataset,
        "category": category.value,
        "grade": int(grade),
        "purpose": purpose.value if purpose else None,
        "aggregate": aggregate,
        "grant_id": grant.grant_id if grant else None,
    }
    item: LogItem = ("data.access", principal.org_id, f"{owner_org_id}:{dataset}", payload)
    # The owner's access-list row holds what the log entry records, and where it landed: a
    # plain row for a Core insert (an ORM object cost more to build and write than the read).
    row: dict[str, Any] = {
        **payload,
        "id": new_id(),
        "purpose": payload["purpose"] or "platform_operation",
        "log_index": -1,
        "at": now,
    }
    ref: LogEntryRef | None = None
    if batch is None:
        ref = append_many(session, [item], at=now)[0]
        row["log_index"] = ref.index
        repo.insert_access([row])
    else:
        batch.access_rows.append((batch.add(item), row))
    return AccessRecord(
        owner_org_id=owner_org_id,
        accessor_org_id=principal.org_id,
        dataset=dataset,
        category=category,
        grade=grade,
        purpose=purpose,
        aggregate=aggregate,
        own=False,
        grant_id=grant.grant_id if grant else None,
        log=ref,
        id=row["id"],
    )


def _refuse(reason: Refusal, owner_org_id: str, dataset: str) -> None:
    raise ConsentRequired(
        f"{dataset}: {REFUSAL_TEXT[reason]}",
        field="purpose" if reason in (Refusal.NO_PURPOSE, Refusal.WRONG_PURPOSE) else None,
        extra={"reason": reason.value, "dataset": dataset, "owner_org_id": owner_org_id},
    )


# --- consent grants -------------------------------------------------------------------------


def _parse_enum(enum_cls: Any, value: Any, field_name: str) -> Any:
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(str(e.value) for e in enum_cls)
        raise ValidationFailed(
            f"{field_name}: {value!r} is not one of {allowed}", field=field_name
        ) from None


def _require_enterprise_officer(principal: Principal, owner_org_id: str) -> None:
    if principal.org_id != owner_org_id or principal.org_kind is not OrgKind.ENTERPRISE:
        raise Forbidden("only the enterprise itself can grant or revoke access to its data")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("granting and revoking need the enterprise's admin or officer role")


def grant_consent(
    session: Session,
    principal: Principal,
    *,
    grantee_org_id: str,
    categories: Sequence[str],
    max_grade: int,
    purpose: str,
    valid_from: datetime | None,
    valid_until: datetime,
    note: str = "",
    now: datetime | None = None,
) -> ConsentGrant:
    """The calling enterprise grants an institution access to categories up to a grade."""
    owner_org_id = principal.org_id
    _require_enterprise_officer(principal, owner_org_id)
    now = ensure_aware(now) if now else utcnow()
    if not categories:
        raise ValidationFailed("categories: name at least one category", field="categories")
    cats = sorted({_parse_enum(Category, c, "categories").value for c in categories})
    grade = _parse_enum(Grade, max_grade, "max_grade")
    purp: Purpose = _parse_enum(Purpose, purpose, "purpose")
    start = ensure_aware(valid_from) if valid_from else now
    end = ensure_aware(valid_until)
    if end <= start:
        raise ValidationFailed("valid_until: must be after valid_from", field="valid_until")
    if end <= now:
        raise ValidationFailed("valid_until: must be in the future", field="valid_until")
    if len(note) > 500:
        raise ValidationFailed("note: at most 500 characters", field="note")
    grantee = identity.find_organisation(session, grantee_org_id)
    if grantee is None:
        raise NotFound(f"organisation {grantee_org_id} not found", field="grantee_org_id")
    if grantee.kind != OrgKind.FINANCIAL_INSTITUTION.value:
        raise ValidationFailed(
            "grantee_org_id: access can be granted only to a financial institution",
            field="grantee_org_id",
        )
    grant = ConsentGrant(
        owner_org_id=owner_org_id,
        grantee_org_id=grantee_org_id,
        categories=cats,
        max_grade=int(grade),
        purpose=purp.value,
        valid_from=start,
        valid_until=end,
        note=note,
        granted_by_user_id=principal.user_id,
        created_at=now,
        log_index=-1,
    )
    session.add(grant)
    session.flush()
    ref = append_log(
        session,
        kind="consent.granted",
        actor_org_id=owner_org_id,
        subject=f"{owner_org_id}:grant/{grant.id}",
        payload={
            "grant_id": grant.id,
            "owner_org_id": owner_org_id,
            "grantee_org_id": grantee_org_id,
            "categories": cats,
            "max_grade": int(grade),
            "purpose": purp.value,
            "valid_from": start,
            "valid_until": end,
            "granted_by_user_id": principal.user_id,
        },
        at=now,
    )
    grant.log_index = ref.index
    session.flush()
    return grant


def _visible_grant(session: Session, principal: Principal, grant_id: str) -> ConsentGrant:
    grant = GovernanceRepository(session).grant(grant_id)
    if grant is None or not (
        principal.is_operator or principal.org_id in (grant.owner_org_id, grant.grantee_org_id)
    ):
        raise NotFound(f"consent grant {grant_id} not found")
    return grant


def get_grant(session: Session, principal: Principal, grant_id: str) -> ConsentGrant:
    """A grant its enterprise, its grantee or the operator may see."""
    return _visible_grant(session, principal, grant_id)


def revoke_consent(
    session: Session,
    principal: Principal,
    grant_id: str,
    *,
    reason: str = "",
    now: datetime | None = None,
) -> ConsentGrant:
    """The enterprise withdraws a grant; reads under it are refused from this instant."""
    grant = _visible_grant(session, principal, grant_id)
    _require_enterprise_officer(principal, grant.owner_org_id)
    if grant.revoked_at is not None:
        raise Conflict(f"consent grant {grant_id} was already revoked")
    if len(reason) > 500:
        raise ValidationFailed("reason: at most 500 characters", field="reason")
    now = ensure_aware(now) if now else utcnow()
    grant.revoked_at = now
    grant.revoked_by_user_id = principal.user_id
    grant.revoke_reason = reason
    ref = append_log(
        session,
        kind="consent.revoked",
        actor_org_id=grant.owner_org_id,
        subject=f"{grant.owner_org_id}:grant/{grant.id}",
        payload={
            "grant_id": grant.id,
            "grantee_org_id": grant.grantee_org_id,
            "revoked_by_user_id": principal.user_id,
            "reason": reason,
        },
        at=now,
    )
    grant.revoke_log_index = ref.index
    session.flush()
    return grant


def list_grants(session: Session, principal: Principal) -> Sequence[ConsentGrant]:
    """Grants an enterprise gave, an institution received, or (for the operator) all."""
    repo = GovernanceRepository(session)
    if principal.is_operator:
        return repo.grants()
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.grants(owner_org_id=principal.org_id)
    return repo.grants(grantee_org_id=principal.org_id)


def grant_status(grant: ConsentGrant, now: datetime | None = None) -> str:
    """live / revoked / expired / pending, for display."""
    now = now or utcnow()
    if grant.revoked_at is not None and grant.revoked_at <= now:
        return "revoked"
    if now >= grant.valid_until:
        return "expired"
    if now < grant.valid_from:
        return "pending"
    return "live"


# --- access list ----------------------------------------------------------------------------


def list_access(
    session: Session,
    principal: Principal,
    owner_org_id: str | None = None,
    *,
    since: datetime | None = None,
    limit: int = 500,
) -> Sequence[AccessRecordRow]:
    """Who read the enterprise's data, when and why (newest first): for it and the operator."""
    owner = owner_org_id or principal.org_id
    if not (principal.is_operator or principal.org_id == owner):
        raise NotFound(f"organisation {owner} not found")
    if not 1 <= limit <= 5000:
        raise ValidationFailed("limit: 1 to 5000", field="limit")
    if since is not None and since.tzinfo is None:
        raise ValidationFailed("since: give a time zone, e.g. +08:00", field="since")
    return GovernanceRepository(session).accesses(owner, since=since, limit=limit)


# --- catalog --------------------------------------------------------------------------------


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
    if principal is not None:
        if not _can_manage_catalog(principal, owner_org_id):
            raise NotFound(f"organisation {owner_org_id} not found")
        if not principal.has_role(Role.OFFICER):
            raise Forbidden("registering a dataset needs the officer role")
    owner = identity.find_organisation(session, owner_org_id)
    if owner is None or owner.kind != OrgKind.ENTERPRISE.value:
        raise NotFound(f"enterprise {owner_org_id} not found", field="owner_org_id")
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
    if not _can_manage_catalog(principal, owner_org_id):
        raise NotFound(f"organisation {owner_org_id} not found")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("registering datasets needs the officer role")
    owner = identity.find_organisation(session, owner_org_id)
    if owner is None or owner.kind != OrgKind.ENTERPRISE.value:
        raise NotFound(f"enterprise {owner_org_id} not found", field="owner_org_id")
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
    new_cat = _parse_enum(Category, category, "category").value if category else entry.category
    new_grade = int(_parse_enum(Grade, grade, "grade")) if grade is not None else entry.grade
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


def dataset_classification(
    session: Session, owner_org_id: str, dataset: str
) -> tuple[Category, Grade] | None:
    """The category and grade the policy check applies to an enterprise's dataset."""
    return _classification(GovernanceRepository(session), owner_org_id, dataset)


# --- the log: heads, proofs, entries --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedTreeHead:
    size: int
    root_hash: str  # hex
    timestamp_ms: int
    key_id: str
    signature: str  # hex

    def message(self) -> bytes:
        return merkle.tree_head_message(self.size, bytes.fromhex(self.root_hash), self.timestamp_ms)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    path: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    old_size: int
    new_size: int
    old_root: str
    new_root: str
    path: list[str] = field(default_factory=list)


def _sth(row: SignedTreeHeadRow) -> SignedTreeHead:
    return SignedTreeHead(
        size=int(row.size),
        root_hash=bytes(row.root_hash).hex(),
        timestamp_ms=int(row.timestamp_ms),
        key_id=row.key_id,
        signature=bytes(row.signature).hex(),
    )


def current_root(session: Session) -> merkle.TreeHead:
    """The unsigned head of the log right now."""
    size, _, root = GovernanceRepository(session).read_head()
    return merkle.TreeHead(size=size, root=root)


def sign_tree_head(
    session: Session, signer: Signer, *, now: datetime | None = None
) -> SignedTreeHead:
    """Sign the current head (or return the latest signature when the tree has not grown)."""
    repo = GovernanceRepository(session)
    size, _, root = repo.read_head()
    latest = repo.latest_tree_head()
    if (
        latest is not None
        and int(latest.size) == size
        and bytes(latest.root_hash) == root
        and latest.key_id == signer.key_id
    ):
        return _sth(latest)
    ts = int((ensure_aware(now) if now else utcnow()).timestamp() * 1000)
    sig = signer.sign(merkle.tree_head_message(size, root, ts))
    row = SignedTreeHeadRow(
        size=size, root_hash=root, timestamp_ms=ts, key_id=signer.key_id, signature=sig
    )
    repo.add_tree_head(row)
    return _sth(row)


def tree_heads(session: Session) -> list[SignedTreeHead]:
    return [_sth(r) for r in GovernanceRepository(session).tree_heads()]


def _root_at(repo: GovernanceRepository, size: int, head_size: int, head_root: bytes) -> bytes:
    if size == head_size:
        return head_root
    if size == 0:
        return merkle.EMPTY_ROOT
    pieces = merkle.perfect_pieces(0, size)
    nodes = repo.node_hashes(pieces)
    return merkle.range_hash(0, size, nodes)


def _check_size(value: int, head_size: int, name: str) -> None:
    if not 0 < value <= head_size:
        raise ValidationFailed(
            f"{name}: must be between 1 and the log size {head_size}", field=name
        )


def inclusion_proof(session: Session, index: int, tree_size: int | None = None) -> InclusionProof:
    """The audit path of entry ``index`` in the tree of ``tree_size`` (default: current) leaves."""
    repo = GovernanceRepository(session)
    head_size, _, head_root = repo.read_head()
    size = head_size if tree_size is None else tree_size
    _check_size(size, head_size, "tree_size")
    if not 0 <= index < size:
        raise ValidationFailed(f"index: must be below the tree size {size}", field="index")
    ranges = merkle.inclusion_ranges(index, size)
    keys = merkle.keys_for(ranges) | {(0, index)}
    keys |= set(merkle.perfect_pieces(0, size)) if size != head_size else set()
    nodes = repo.node_hashes(keys)
    root = head_root if size == head_size else merkle.range_hash(0, size, nodes)
    return InclusionProof(
        index=index,
        tree_size=size,
        leaf_hash=nodes[(0, index)].hex(),
        root_hash=root.hex(),
        path=[h.hex() for h in merkle.assemble(ranges, nodes)],
    )


def consistency_proof(
    session: Session, old_size: int, new_size: int | None = None
) -> ConsistencyProof:
    """Proof that the tree of ``old_size`` leaves is a prefix of the tree of ``new_size``."""
    repo = GovernanceRepository(session)
    head_size, _, head_root = repo.read_head()
    new = head_size if new_size is None else new_size
    _check_size(new, head_size, "new_size")
    _check_size(old_size, new, "old_size")
    ranges = merkle.consistency_ranges(old_size, new) if old_size < new else []
    keys = merkle.keys_for(ranges) | set(merkle.perfect_pieces(0, old_size))
    if new != head_size:
        keys |= set(merkle.perfect_pieces(0, new))
    nodes = repo.node_hashes(keys)
    new_root = head_root if new == head_size else merkle.range_hash(0, new, nodes)
    return ConsistencyProof(
        old_size=old_size,
        new_size=new,
        old_root=merkle.range_hash(0, old_size, nodes).hex(),
        new_root=new_root.hex(),
        path=[h.hex() for h in merkle.assemble(ranges, nodes)],
    )


def _entry_visible(principal: Principal, row: LogEntryRow) -> bool:
    return (
        principal.is_operator
        or row.actor_org_id == principal.org_id
        or row.subject.startswith(f"{principal.org_id}:")
    )


def get_log_entry(session: Session, principal: Principal, index: int) -> LogEntryRow:
    """One entry, for the operator, its actor, or the organisation its subject concerns."""
    row = GovernanceRepository(session).log_entry(index)
    if row is None or not _entry_visible(principal, row):
        raise NotFound(f"log entry {index} not found")
    return row


def list_log_entries(
    session: Session,
    principal: Principal,
    *,
    start: int = 0,
    limit: int = 100,
    kind: str | None = None,
) -> Sequence[LogEntryRow]:
    if not 1 <= limit <= 1000:
        raise ValidationFailed("limit: 1 to 1000", field="limit")
    return GovernanceRepository(session).log_entries(
        start=start,
        limit=limit,
        kind=kind,
        visible_to=None if principal.is_operator else principal.org_id,
    )


def entry_inclusion_proof(
    session: Session, principal: Principal, index: int, tree_size: int | None = None
) -> InclusionProof:
    """An inclusion proof for an entry the caller may see."""
    get_log_entry(session, principal, index)
    return inclusion_proof(session, index, tree_size)


# --- verification ---------------------------------------------------------------------------

ProgressFn = Callable[[int, int], None]


def verify_log(
    session: Session,
    public_key: Ed25519PublicKey,
    *,
    checkpoints: Sequence[SignedTreeHead] = (),
    progress: ProgressFn | None = None,
) -> AuditReport:
    """Re-check the whole stored log: every entry, subtree, the head and every signed head.

    ``checkpoints`` are signed heads held outside the platform (a bank's copy); a rewritten
    history that was rehashed consistently still fails against them.
    """
    repo = GovernanceRepository(session)
    head_size, frontier_hex, head_root = repo.read_head()
    pub_raw = public_raw_of(public_key)
    key_id = key_id_of(pub_raw)
    heads = [
        HeadToCheck(
            size=h.size,
            root=bytes.fromhex(h.root_hash),
            timestamp_ms=h.timestamp_ms,
            key_id=h.key_id,
            signature=bytes.fromhex(h.signature),
            origin=origin,
        )
        for origin, group in (("stored", tree_heads(session)), ("checkpoint", list(checkpoints)))
        for h in group
    ]

    def check(head: HeadToCheck) -> bool:
        message = merkle.tree_head_message(head.size, head.root, head.timestamp_ms)
        return head.key_id == key_id and verify_signature(public_key, message, head.signature)

    auditor = LogAuditor(
        head_size=head_size,
        head_root=head_root,
        head_frontier=[bytes.fromhex(h) for h in frontier_hex],
        heads=heads,
        verify_signature=check,
    )
    total = max(head_size, 1)
    for n, (index, data, kind, actor, subject, leaf) in enumerate(repo.iter_entries(), start=1):
        auditor.entry(index, data, kind, actor, subject, leaf)
        if progress is not None and n % 10000 == 0:
            progress(n, total)
    for level, idx, h in repo.iter_nodes():
        auditor.node(level, idx, h)
    if progress is not None:
        progress(total, total)
    return auditor.finish()


# --- signed export packages -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExportResult:
    package: bytes
    log: LogEntryRef
    grant_ids: list[str]
    filename: str


def export_package(
    session: Session,
    principal: Principal,
    signer: Signer,
    *,
    owner_org_id: str,
    datasets: Sequence[str],
    purpose: Purpose | None,
    files: Mapping[str, bytes],
    aggregate: bool = False,
    now: datetime | None = None,
) -> ExportResult:
    """Package ``files`` of an enterprise's ``datasets`` for the caller, signed and logged.

    Every dataset passes ``authorize_read``; the export itself is a ``data.export`` log entry
    naming each file's SHA-256, and the package carries that entry, a signed tree head over
    it and its inclusion proof, so the recipient can verify it offline (``export.verify_package``).
    """
    if not datasets:
        raise ValidationFailed("datasets: name at least one dataset", field="datasets")
    if not files:
        raise ValidationFailed("files: nothing to export", field="files")
    try:
        digests = file_digests(files)
    except ValueError as exc:
        raise ValidationFailed(f"files: {exc}", field="files") from None
    now = ensure_aware(now) if now else utcnow()
    records = [
        authorize_read(
            session,
            principal,
            owner_org_id=owner_org_id,
            dataset=ds,
            purpose=purpose,
            aggregate=aggregate,
            now=now,
        )
        for ds in sorted(set(datasets))
    ]
    grant_ids = sorted({r.grant_id for r in records if r.grant_id})
    header = {
        "owner_org_id": owner_org_id,
        "recipient_org_id": principal.org_id,
        "purpose": purpose.value if purpose else None,
        "datasets": sorted(set(datasets)),
        "grant_id": grant_ids[0] if len(grant_ids) == 1 else None,
        "grant_ids": grant_ids,
        "created_at": now.isoformat(),
    }
    ref = append_log(
        session,
        kind="data.export",
        actor_org_id=principal.org_id,
        subject=f"{owner_org_id}:export",
        payload={
            **header,
            "files": [{"name": d["name"], "sha256": d["sha256"]} for d in digests],
        },
        at=now,
    )
    sth = sign_tree_head(session, signer, now=now)
    proof = inclusion_proof(session, ref.index, sth.size)
    entry = GovernanceRepository(session).log_entry(ref.index)
    assert entry is not None
    package = build_package(
        files,
        signer=signer,
        header=header,
        log_entry_data=entry.data,
        log_index=ref.index,
        tree_head={
            "size": sth.size,
            "root_hash": sth.root_hash,
            "timestamp_ms": sth.timestamp_ms,
            "key_id": sth.key_id,
            "signature": sth.signature,
        },
        inclusion_path=proof.path,
    )
    return ExportResult(
        package=package,
        log=ref,
        grant_ids=grant_ids,
        filename=f"chanrong-export-{owner_org_id[:8]}-{ref.index}.zip",
    )
