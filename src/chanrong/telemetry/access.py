"""Who may send or read an enterprise's telemetry and records, and finding the enterprise."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role


def require_own_enterprise(principal: Principal, org_id: str, *, role: Role = Role.OFFICER) -> None:
    """Only the enterprise itself sends or changes its data (a bank cannot upload for it)."""
    if principal.org_kind is not OrgKind.ENTERPRISE or principal.org_id != org_id:
        raise Forbidden("only the enterprise itself can send or change its data")
    if not principal.has_role(role):
        raise Forbidden(f"this action needs the {role.value} role")


def authorize(
    session: Session,
    principal: Principal,
    *,
    owner_org_id: str,
    dataset: str,
    purpose: str | None,
    aggregate: bool = False,
    batch: governance.LogBatch | None = None,
) -> governance.AccessRecord | None:
    """Let the owner read freely; anyone else only under a live governance grant (logged; with
    ``batch``, queued there for the caller to append once its read is done). Returns the
    access record of a logged read (None for the owner's own), for a finding to link it."""
    return authorize_datasets(
        session,
        principal,
        owner_org_id=owner_org_id,
        datasets=[dataset],
        purpose=purpose,
        aggregate=aggregate,
        batch=batch,
    )[0]


def authorize_datasets(
    session: Session,
    principal: Principal,
    *,
    owner_org_id: str,
    datasets: Sequence[str],
    purpose: str | None,
    aggregate: bool = False,
    batch: governance.LogBatch | None = None,
) -> list[governance.AccessRecord | None]:
    """``authorize`` for each of ``datasets`` (in that order), the owner looked up once."""
    # Held while the datasets are authorised: the session's identity map keeps only weak
    # references, so a look-up whose result is dropped is read from the database again.
    owner = identity.find_organisation(session, owner_org_id)
    if owner is None:
        raise NotFound(f"organisation {owner_org_id} not found")
    if principal.org_id == owner_org_id:
        return [None for _ in datasets]
    purpose_value = None
    if purpose is not None:
        try:
            purpose_value = governance.Purpose(purpose)
        except ValueError:
            allowed = ", ".join(p.value for p in governance.Purpose)
            raise ValidationFailed(
                f"purpose: {purpose!r} is not one of {allowed}", field="purpose"
            ) from None
    return [
        governance.authorize_read(
            session,
            principal,
            owner_org_id=owner_org_id,
            dataset=dataset,
            purpose=purpose_value,
            aggregate=aggregate,
            batch=batch,
        )
        for dataset in datasets
    ]


def org_for_uscc(session: Session, uscc: str) -> str | None:
    """The organisation id of an enterprise by its USCC (MQTT topics carry the USCC)."""
    org = identity.find_enterprise_by_uscc(session, uscc)
    return org.id if org else None


def organisation_exists(session: Session, org_id: str) -> bool:
    """Whether ``org_id`` names an organisation on the platform."""
    return identity.find_organisation(session, org_id) is not None
