"""The IP register (知识产权): rights with validated numbers, legal status and fees, and their
pledge registrations (registered → released | enforced), each change logged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from chanrong.assets.ipr import (
    PATENT_KINDS,
    IpKind,
    LegalStatus,
    PledgeState,
    effective_status,
    legal_expiry,
    move_pledge,
    normalise_number,
)
from chanrong.assets.orm import IpPledge, IpRight
from chanrong.assets.repository import AssetsRepository
from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind, Principal, Role


def _enum(cls: type[IpKind] | type[LegalStatus], value: str, field: str) -> str:
    try:
        return cls(value).value
    except ValueError as exc:
        allowed = ", ".join(v.value for v in cls)
        raise ValidationFailed(f"{field}: one of {allowed}", field=field) from exc


def _officer_of(principal: Principal, org_id: str) -> None:
    if principal.org_id != org_id or principal.org_kind is not OrgKind.ENTERPRISE:
        raise Forbidden("only the enterprise itself maintains its IP register")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def register_ip(
    session: Session,
    principal: Principal,
    *,
    kind: str,
    number: str,
    title: str,
    owner_name: str,
    status: str = "valid",
    filed_on: date | None = None,
    registered_on: date | None = None,
    published_on: date | None = None,
    fees_paid_until: date | None = None,
    annual_fee_fen: int | None = None,
) -> IpRight:
    """An enterprise registers a right it holds; the number is checked (a patent's check
    character too) and may be registered once on the platform."""
    _officer_of(principal, principal.org_id)
    k = IpKind(_enum(IpKind, kind, "kind"))
    st = _enum(LegalStatus, status, "status")
    canonical = normalise_number(k, number)
    if not title.strip():
        raise ValidationFailed("title: required", field="title")
    if not owner_name.strip():
        raise ValidationFailed("owner_name: required", field="owner_name")
    repo = AssetsRepository(session)
    if repo.ip_by_number(k.value, canonical) is not None:
        raise Conflict(f"number: {canonical} is already registered", field="number")
    expires = legal_expiry(
        k, filed_on=filed_on, registered_on=registered_on, published_on=published_on
    )
    if k in PATENT_KINDS and st == LegalStatus.VALID.value and fees_paid_until is None:
        raise ValidationFailed(
            "fees_paid_until: required for a patent in force", field="fees_paid_until"
        )
    ref = governance.append_log(
        session,
        kind="assets.ip_registered",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:asset.ip:{canonical}",
        payload={"kind": k.value, "number": canonical, "status": st},
    )
    row = IpRight(
        org_id=principal.org_id,
        kind=k.value,
        number=canonical,
        title=title.strip(),
        owner_name=owner_name.strip(),
        status=st,
        filed_on=filed_on,
        registered_on=registered_on,
        published_on=published_on,
        fees_paid_until=fees_paid_until,
        annual_fee_fen=annual_fee_fen,
        expires_on=expires,
        log_index=ref.index,
    )
    repo.add(row)
    return row


def list_ip(session: Session, principal: Principal, org_id: str) -> Sequence[IpRight]:
    """An enterprise's rights (its own, or any for the operator)."""
    if principal.org_id != org_id and not principal.is_operator:
        raise NotFound(f"organisation {org_id} not found", field="org_id")
    return AssetsRepository(session).ip_rights(org_id)


def get_ip(session: Session, principal: Principal, ip_id: str) -> IpRight:
    """One right, for its holder or the operator."""
    ip = AssetsRepository(session).ip_right(ip_id)
    if ip is None or (principal.org_id != ip.org_id and not principal.is_operator):
        raise NotFound(f"IP right {ip_id} not found", field="ip_id")
    return ip


def status_on(ip: IpRight, as_of: date) -> LegalStatus:
    """The right's legal status on a day (past its term: expired; fees unpaid: lapsed)."""
    return effective_status(
        LegalStatus(ip.status),
        IpKind(ip.kind),
        expiry=ip.expires_on,
        paid_until=ip.fees_paid_until,
        as_of=as_of,
    )


def update_ip(
    session: Session,
    principal: Principal,
    ip_id: str,
    *,
    status: str | None = None,
    fees_paid_until: date | None = None,
) -> IpRight:
    """Record a change of legal status or a fee payment (logged)."""
    ip = get_ip(session, principal, ip_id)
    _officer_of(principal, ip.org_id)
    if status is not None:
        ip.status = _enum(LegalStatus, status, "status")
    if fees_paid_until is not None:
        ip.fees_paid_until = fees_paid_until
    ip.updated_at = utcnow()
    governance.append_log(
        session,
        kind="assets.ip_updated",
        actor_org_id=principal.org_id,
        subject=f"{ip.org_id}:asset.ip:{ip.number}",
        payload={"status": ip.status, "fees_paid_until": str(ip.fees_paid_until)},
    )
    session.flush()
    return ip


def register_ip_pledge(
    session: Session, ip: IpRight, *, pledgee_org_id: str, registration_no: str, on: date
) -> IpPledge:
    """Record the pledge registration of a right (called when it enters a pool)."""
    repo = AssetsRepository(session)
    for p in repo.ip_pledges(ip.id):
        if p.state == PledgeState.REGISTERED.value:
            raise Conflict(f"ip: {ip.number} is already pledged", field="asset_ref")
    if status_on(ip, on) is not LegalStatus.VALID:
        raise Conflict(f"ip: {ip.number} is not in force", field="asset_ref")
    ref = governance.append_log(
        session,
        kind="assets.ip_pledge_registered",
        actor_org_id=pledgee_org_id,
        subject=f"{ip.org_id}:asset.ip:{ip.number}",
        payload={"pledgee": pledgee_org_id, "registration_no": registration_no},
    )
    row = IpPledge(
        ip_id=ip.id,
        pledgee_org_id=pledgee_org_id,
        registration_no=registration_no,
        state=PledgeState.REGISTERED.value,
        registered_on=on,
        log_index=ref.index,
    )
    repo.add(row)
    return row


def close_ip_pledge(
    session: Session, ip_id: str, *, to: str, on: date, actor_org_id: str
) -> IpPledge:
    """Release or enforce the right's live pledge registration."""
    repo = AssetsRepository(session)
    live = [p for p in repo.ip_pledges(ip_id) if p.state == PledgeState.REGISTERED.value]
    if not live:
        raise Conflict("ip: no registered pledge to close", field="state")
    p = live[0]
    p.state = move_pledge(PledgeState(p.state), PledgeState(to)).value
    p.closed_on = on
    ip = repo.ip_right(ip_id)
    assert ip is not None
    ref = governance.append_log(
        session,
        kind=f"assets.ip_pledge_{p.state}",
        actor_org_id=actor_org_id,
        subject=f"{ip.org_id}:asset.ip:{ip.number}",
        payload={"registration_no": p.registration_no},
    )
    p.close_log_index = ref.index
    session.flush()
    return p


def ip_pledges(session: Session, principal: Principal, ip_id: str) -> Sequence[IpPledge]:
    """A right's pledge registrations, oldest first."""
    ip = get_ip(session, principal, ip_id)
    return AssetsRepository(session).ip_pledges(ip.id)


def normalise_ip_number(kind: str, number: str) -> str:
    """The canonical number of a right of ``kind`` (checked where the format allows)."""
    return normalise_number(IpKind(_enum(IpKind, kind, "kind")), number)
