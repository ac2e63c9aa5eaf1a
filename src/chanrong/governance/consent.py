"""Consent grants: an enterprise grants a financial institution categories of its data up to a
grade, for a purpose and a period, and may revoke them; each grant and revocation is logged.

``access.authorize_read`` is where a grant is applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance.access import dataset_classification
from chanrong.governance.domain import Category, Grade, Purpose, parse_enum
from chanrong.governance.log import append_log
from chanrong.governance.orm import ConsentGrant
from chanrong.governance.repository import GovernanceRepository
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role

MAX_GRANT_LEAD = timedelta(days=366)


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
    datasets: Sequence[str] | None = None,
) -> ConsentGrant:
    """The calling enterprise grants an institution access to categories up to a grade;
    with ``datasets``, to those catalog datasets only (each must be in its catalog, of a
    granted category and within the grade)."""
    owner_org_id = principal.org_id
    _require_enterprise_officer(principal, owner_org_id)
    now = ensure_aware(now) if now else utcnow()
    if not categories:
        raise ValidationFailed("categories: name at least one category", field="categories")
    cats = sorted({parse_enum(Category, c, "categories").value for c in categories})
    grade = parse_enum(Grade, max_grade, "max_grade")
    purp: Purpose = parse_enum(Purpose, purpose, "purpose")
    start = ensure_aware(valid_from) if valid_from else now
    end = ensure_aware(valid_until)
    if end <= start:
        raise ValidationFailed("valid_until: must be after valid_from", field="valid_until")
    if end <= now:
        raise ValidationFailed("valid_until: must be in the future", field="valid_until")
    # A grant is given for a present purpose: one starting over a year ahead is a typo or
    # an attempt to slip a grant past the enterprise's review.
    if start > now + MAX_GRANT_LEAD:
        raise ValidationFailed(
            f"valid_from: at most {MAX_GRANT_LEAD.days} days ahead", field="valid_from"
        )
    if len(note) > 500:
        raise ValidationFailed("note: at most 500 characters", field="note")
    only = _named_datasets(session, owner_org_id, datasets, cats, grade)
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
        dataset_scope=only,
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
            # Logged only when named, so the leaves of grants without a list are unchanged.
            **({"datasets": only} if only is not None else {}),
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


def _named_datasets(
    session: Session,
    owner_org_id: str,
    datasets: Sequence[str] | None,
    categories: list[str],
    grade: Grade,
) -> list[str] | None:
    """The grant's own list of datasets, checked against the enterprise's catalog."""
    if datasets is None:
        return None
    names = sorted(set(datasets))
    if not names:
        raise ValidationFailed(
            "datasets: name at least one dataset, or leave it out for every dataset of the "
            "categories",
            field="datasets",
        )
    for name in names:
        found = dataset_classification(session, owner_org_id, name)
        if found is None:
            raise ValidationFailed(f"datasets: {name} is not in the catalog", field="datasets")
        category, dataset_grade = found
        if category.value not in categories:
            raise ValidationFailed(
                f"datasets: {name} is {category.value} data, not a granted category",
                field="datasets",
            )
        if dataset_grade > grade:
            raise ValidationFailed(
                f"datasets: {name} is grade {int(dataset_grade)}, above max_grade {int(grade)}",
                field="datasets",
            )
    return names


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
