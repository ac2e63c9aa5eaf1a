"""After maturity: a certificate unpaid at the end of its maturity day becomes overdue (the
worker marks it, once per day and certificate); its holder, the core enterprise that owes it
and a seller who financed it with recourse see it; the financing bank turns back to the
seller when the financing was agreed with recourse (追索), journalled double-entry; and a later
payment by the core enterprise settles whatever is outstanding (``settlement``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.errors import Conflict, Forbidden, NotFound
from chanrong.identity.domain import InstitutionType, Principal
from chanrong.supplychain import access, journal
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import CertState, Origin, PayableState
from chanrong.supplychain.hotpath import AnyCert
from chanrong.supplychain.orm import Certificate
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import child, record, stamp, writer


def matured_unpaid(session: Session, day: date) -> list[str]:
    """Live certificates that matured on or before ``day``: what the worker marks overdue."""
    return list(SupplyChainRepository(session).live_matured(day))


def mark_overdue(session: Session, cert_id: str, *, day: date, now: datetime | None = None) -> bool:
    """Mark one certificate unpaid at the end of ``day`` overdue (trusted: the worker).

    Its payable becomes overdue with it; each is logged for the holder and the core
    enterprise to see. Idempotent: a certificate already overdue, settled or not yet
    matured is left alone and False is answered.
    """
    at = stamp(now)
    repo = writer(session)
    # On SQLite a plain row read on the cursor, not read again below (never an older copy
    # from an earlier use case of a group commit's batch, as the identity map could hold).
    found = repo.certificate_row(cert_id, lock=not repo.locks_rows)
    if found is None:
        raise NotFound(f"certificate {cert_id} not found")
    # Locks in the order every use case takes them (payable, then certificate), so marking
    # cannot deadlock against a settlement of the same tree on PostgreSQL.
    payable = repo.payable(found.payable_id, lock=True)
    assert payable is not None  # a foreign key
    # Re-read under the row lock on PostgreSQL; on SQLite the write lock taken before the
    # first read holds every row still.
    cert: AnyCert | None = repo.certificate(cert_id, lock=True) if repo.locks_rows else found
    assert cert is not None
    if cert.state != CertState.LIVE.value or not rules.is_overdue_on(cert.maturity_date, day):
        return False
    if not repo.mark_overdue(cert, day=day, at=at):
        return False
    if payable.state == PayableState.CONFIRMED.value:
        repo.move_payable(
            payable, expected=PayableState.CONFIRMED.value, new=PayableState.OVERDUE.value
        )
        record(
            repo,
            payable,
            kind="payable.overdue",
            actor_org_id=payable.core_org_id,
            at=at,
            payload={"payable_id": payable.id, "maturity_date": payable.maturity_date.isoformat()},
        )
    record(
        repo,
        cert,
        kind="certificate.overdue",
        actor_org_id=cert.core_org_id,
        concerns=cert.holder_org_id,
        at=at,
        payload={
            "certificate_id": cert.id,
            "holder_org_id": cert.holder_org_id,
            "face_fen": cert.face_fen,
            "maturity_date": cert.maturity_date.isoformat(),
            "overdue_since": day.isoformat(),
        },
    )
    return True


def overdue_certificates(session: Session, principal: Principal) -> Sequence[Certificate]:
    """Overdue certificates the caller holds, owes, or financed with a bank (the seller)."""
    return SupplyChainRepository(session).overdue_for(principal.org_id)


def execute_recourse(
    session: Session, principal: Principal, cert_id: str, *, now: datetime | None = None
) -> AnyCert:
    """追索: the bank holding an overdue certificate it financed with recourse is repaid the
    face value by the seller, who holds the (still overdue) claim on the core enterprise again.

    Refused (409) when the financing was agreed without recourse: the bank then bears the
    core enterprise's risk and is paid when the core enterprise pays. Journalled: seller cash
    → bank cash, the claim back from bank to seller.
    """
    at = stamp(now)
    repo = writer(session)
    cert = access.certificate_for_viewer(repo, principal, cert_id, lock=True)
    if principal.institution_type is not InstitutionType.BANK or cert.holder_org_id != (
        principal.org_id
    ):
        raise Forbidden("only the bank holding the certificate can turn back to the seller")
    access.require_officer(principal)
    if cert.state != CertState.OVERDUE.value:
        raise Conflict(f"the certificate is {cert.state}; recourse needs an overdue certificate")
    fin = repo.financing_of_bank_certificate(cert.id)
    if fin is None:
        raise Conflict("the bank did not finance this certificate; there is no one to turn to")
    if not fin.recourse:
        raise Conflict(
            "the financing was agreed without recourse: the claim is on the core enterprise only"
        )
    seller = fin.requester_org_id
    repo.consume(
        cert, actor_org_id=principal.org_id, new=CertState.RECOURSED, at=at, was=CertState.OVERDUE
    )
    back = child(cert, 1, holder=seller, face=cert.face_fen, origin=Origin.RECOURSE, at=at)
    back.state = CertState.OVERDUE.value
    back.overdue_since = cert.overdue_since or shanghai_date(at)
    repo.insert(back)
    journal.post(
        session,
        payable_id=cert.payable_id,
        certificate_id=back.id,
        kind="recourse",
        at=at,
        lines=journal.transfer(
            seller, principal.org_id, cert.face_fen, claim_from=principal.org_id, claim_to=seller
        ),
    )
    record(
        repo,
        cert,
        kind="certificate.recourse",
        actor_org_id=principal.org_id,
        concerns=seller,
        at=at,
        payload={
            "financing_id": fin.id,
            "certificate_id": cert.id,
            "seller_org_id": seller,
            "amount_fen": cert.face_fen,
            "new_identifier": back.identifier,
        },
    )
    return back
