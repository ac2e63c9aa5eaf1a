"""Who may do what in the guarantee domain."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden
from chanrong.identity import service as identity
from chanrong.identity.domain import (
    AnalystType,
    InstitutionType,
    OrgKind,
    Principal,
    Role,
)


def _institution(principal: Principal, kind: InstitutionType) -> bool:
    return (
        principal.org_kind is OrgKind.FINANCIAL_INSTITUTION and principal.institution_type is kind
    )


def is_guarantor(principal: Principal) -> bool:
    return _institution(principal, InstitutionType.GUARANTOR)


def is_bank(principal: Principal) -> bool:
    return _institution(principal, InstitutionType.BANK)


def is_government(session: Session, principal: Principal) -> bool:
    """An analyst organisation that is a government body (政府部门)."""
    if principal.org_kind is not OrgKind.ANALYST:
        return False
    org = identity.find_organisation(session, principal.org_id)
    return org is not None and org.analyst_type == AnalystType.GOVERNMENT.value


def require_guarantor(principal: Principal, *, role: Role = Role.OFFICER) -> None:
    if not is_guarantor(principal) or not principal.has_role(role):
        raise Forbidden(f"only a guarantor's {role.value}s may do this")


def require_bank(principal: Principal, *, role: Role = Role.OFFICER) -> None:
    if not is_bank(principal) or not principal.has_role(role):
        raise Forbidden(f"only a bank's {role.value}s may do this")


def require_government(
    session: Session, principal: Principal, *, role: Role = Role.OFFICER
) -> None:
    if not is_government(session, principal) or not principal.has_role(role):
        raise Forbidden(f"only a government body's {role.value}s may do this")


def require_scheme_owner(session: Session, principal: Principal) -> None:
    """Schemes are set up by a government body's officers or the platform operator's admins."""
    if principal.is_operator and principal.has_role(Role.ADMIN):
        return
    require_government(session, principal)
