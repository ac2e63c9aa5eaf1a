"""A holder's certificates (凭证): split one into parts, transfer one to a supplier, and look
them up (by id, by industrial-internet handle, all the caller holds)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.identity.domain import Principal
from chanrong.supplychain import access
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import CertState, Origin
from chanrong.supplychain.hotpath import AnyCert, CertRow
from chanrong.supplychain.identifiers import parse_handle
from chanrong.supplychain.orm import Certificate
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import child, record, stamp, writer


def check_can_act(
    session: Session, principal: Principal, cert_id: str, *, now: datetime | None = None
) -> None:
    """The first checks of every use of a held certificate (split, transfer, financing
    request): visible to the caller, held by it, live, not matured; the same errors, and
    nothing written. A group commit's ``check``: a lost race is refused after one read."""
    access.certificate_to_act_on(
        SupplyChainRepository(session), principal, cert_id, shanghai_date(stamp(now))
    )


def split_certificate(
    session: Session,
    principal: Principal,
    cert_id: str,
    parts_fen: Sequence[int],
    *,
    now: datetime | None = None,
) -> list[CertRow]:
    """Split a held certificate into parts (a remainder stays with the holder as a last part)."""
    at = stamp(now)
    repo = writer(session)
    cert = access.certificate_to_act_on(repo, principal, cert_id, shanghai_date(at))
    planned = rules.plan_split(cert.face_fen, list(parts_fen))
    repo.consume(cert, actor_org_id=principal.org_id, new=CertState.SPLIT, at=at)
    children = [
        child(cert, i, holder=cert.holder_org_id, face=face, origin=Origin.SPLIT, at=at)
        for i, face in enumerate(planned, start=1)
    ]
    repo.insert(*children)
    record(
        repo,
        cert,
        kind="certificate.split",
        actor_org_id=principal.org_id,
        at=at,
        payload={
            "certificate_id": cert.id,
            "face_fen": cert.face_fen,
            "parts": [{"identifier": c.identifier, "face_fen": c.face_fen} for c in children],
        },
    )
    return children


def transfer_certificate(
    session: Session,
    principal: Principal,
    cert_id: str,
    *,
    to_org_id: str,
    now: datetime | None = None,
) -> AnyCert:
    """Transfer a whole held certificate to another enterprise (its own supplier)."""
    at = stamp(now)
    repo = writer(session)
    cert = access.certificate_to_act_on(repo, principal, cert_id, shanghai_date(at))
    target = access.enterprise(session, to_org_id, field="to_org_id")
    if target.id == principal.org_id:
        raise ValidationFailed("to_org_id: cannot transfer to yourself", field="to_org_id")
    if target.id == cert.core_org_id:
        raise ValidationFailed(
            "to_org_id: the core enterprise cannot hold its own payable", field="to_org_id"
        )
    repo.consume(cert, actor_org_id=principal.org_id, new=CertState.TRANSFERRED, at=at)
    made = child(cert, 1, holder=target.id, face=cert.face_fen, origin=Origin.TRANSFER, at=at)
    repo.insert(made)
    record(
        repo,
        cert,
        kind="certificate.transferred",
        actor_org_id=principal.org_id,
        at=at,
        concerns=target.id,
        payload={
            "certificate_id": cert.id,
            "from_org_id": principal.org_id,
            "to_org_id": target.id,
            "face_fen": cert.face_fen,
            "new_identifier": made.identifier,
        },
    )
    return made


def get_certificate(session: Session, principal: Principal, cert_id: str) -> Certificate:
    """A certificate the caller may see; to anyone else it is missing."""
    return access.certificate_for_viewer(SupplyChainRepository(session), principal, cert_id)


def resolve_handle(session: Session, principal: Principal, handle: str) -> Certificate:
    """标识解析: the certificate behind an industrial-internet handle, if the caller may see it."""
    try:
        parse_handle(handle.strip())
    except ValueError as exc:
        raise ValidationFailed(f"handle: {exc}", field="handle") from None
    repo = SupplyChainRepository(session)
    cert = repo.certificate_by_identifier(handle.strip())
    if cert is None or not access.is_visible(repo, principal, cert):
        raise NotFound(f"no certificate with handle {handle.strip()}")
    return cert


def list_certificates(
    session: Session, principal: Principal, *, state: str | None = None
) -> Sequence[Certificate]:
    """The certificates the caller holds (or held)."""
    return SupplyChainRepository(session).held_by(principal.org_id, state=state)
