"""The one policy check on reading an enterprise's data, and the access list it keeps.

``authorize_read`` is on every route and use case that reads an enterprise's data or anything
derived from it, including the decision path's hot loop: it reads grant terms with Core
statements, builds plain rows, and can queue its log entry in a use case's ``LogBatch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import ConsentRequired, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.governance.domain import (
    DEFAULT_CATALOG,
    REFUSAL_TEXT,
    Category,
    Grade,
    GrantTerms,
    Purpose,
    Refusal,
    decide,
    purpose_allows,
)
from chanrong.governance.log import LogBatch, LogEntryRef, LogItem, append_many
from chanrong.governance.orm import AccessDenialRow, AccessRecordRow
from chanrong.governance.repository import GovernanceRepository
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.storage.statements import AnyRow


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


def dataset_classification(
    session: Session, owner_org_id: str, dataset: str
) -> tuple[Category, Grade] | None:
    """The category and grade the policy check applies to an enterprise's dataset."""
    return _classification(GovernanceRepository(session), owner_org_id, dataset)


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
        datasets=frozenset(grant.dataset_scope) if grant.dataset_scope is not None else None,
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
        # Its own data: no category or grade looked up, nothing logged.
        return AccessRecord(
            owner_org_id, owner_org_id, dataset, None, None, purpose, aggregate, own=True
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
        if not purpose_allows(purpose, dataset):
            _refuse(Refusal.DATASET_NOT_FOR_PURPOSE, owner_org_id, dataset, purpose)
        pair = (owner_org_id, principal.org_id)
        terms = batch.grants.get(pair) if batch is not None else None
        if terms is None:
            terms = [_terms(g) for g in repo.grant_terms_between(*pair)]
            if batch is not None:
                batch.grants[pair] = terms
        grant, refusal = decide(
            terms,
            category=category,
            grade=grade,
            purpose=purpose,
            aggregate=aggregate,
            now=now,
            dataset=dataset,
        )
        if refusal is not None:
            _refuse(refusal, owner_org_id, dataset, purpose)
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


def _refuse(
    reason: Refusal, owner_org_id: str, dataset: str, purpose: Purpose | None = None
) -> None:
    extra: dict[str, Any] = {
        "reason": reason.value,
        "dataset": dataset,
        "owner_org_id": owner_org_id,
    }
    if purpose is not None:
        extra["purpose"] = purpose.value
    raise ConsentRequired(
        f"{dataset}: {REFUSAL_TEXT[reason]}",
        field="purpose"
        if reason in (Refusal.NO_PURPOSE, Refusal.WRONG_PURPOSE, Refusal.DATASET_NOT_FOR_PURPOSE)
        else None,
        extra=extra,
    )


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


# --- refused attempts -----------------------------------------------------------------------


def record_denial(
    session: Session,
    principal: Principal,
    refusal: ConsentRequired,
    *,
    route: str,
    now: datetime | None = None,
) -> AccessDenialRow | None:
    """Keep a refused read of an enterprise's data for that enterprise to see.

    Called at the edge in a transaction of its own, after the refused request rolled back
    (the refusal raised inside it). Nothing is kept for a refusal that names no enterprise,
    for the operator, for a caller's own data, or for an enterprise that does not exist (a
    guessed id: there is no one to show it to).
    """
    owner = refusal.extra.get("owner_org_id")
    dataset = refusal.extra.get("dataset")
    if not isinstance(owner, str) or not isinstance(dataset, str):
        return None
    if principal.org_id == owner or principal.is_operator:
        return None
    if identity.organisation_kind(session, owner) is None:
        return None
    purpose = refusal.extra.get("purpose")
    row = AccessDenialRow(
        owner_org_id=owner,
        accessor_org_id=principal.org_id,
        accessor_user_id=principal.user_id,
        dataset=dataset[:100],
        purpose=purpose if isinstance(purpose, str) else None,
        reason=str(refusal.extra.get("reason", "refused"))[:40],
        route=route[:200],
        at=ensure_aware(now) if now else utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def list_denials(
    session: Session, principal: Principal, owner_org_id: str | None = None, *, limit: int = 500
) -> Sequence[AccessDenialRow]:
    """Who tried to read the enterprise's data and was refused (newest first): for the
    enterprise itself and the operator."""
    owner = owner_org_id or principal.org_id
    if not (principal.is_operator or principal.org_id == owner):
        raise NotFound(f"organisation {owner} not found")
    if not 1 <= limit <= 5000:
        raise ValidationFailed("limit: 1 to 5000", field="limit")
    return GovernanceRepository(session).denials(owner, limit=limit)
