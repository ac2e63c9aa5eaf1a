"""Financing (融资) of a held certificate: the holder asks a bank, the bank quotes a discount
rate on the core enterprise's credit or declines, the holder accepts and the bank holds the
certificate to maturity."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.errors import Conflict, Forbidden
from chanrong.core.ids import new_id
from chanrong.identity.domain import Principal
from chanrong.supplychain import access, journal, limits
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import CertState, DayCount, FinancingState, Origin
from chanrong.supplychain.hotpath import AnyCert, AnyFin
from chanrong.supplychain.orm import Certificate, Financing
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import child, record, stamp, writer


def _offered(repo: SupplyChainRepository, fin: AnyFin) -> AnyCert:
    """The certificate a financing request is about (a foreign key: it always exists)."""
    cert = repo.certificate_row(fin.certificate_id)
    assert cert is not None
    return cert


def request_financing(
    session: Session,
    principal: Principal,
    cert_id: str,
    *,
    bank_org_id: str,
    now: datetime | None = None,
) -> Financing:
    """The holder offers a certificate to a bank for discounting (sharing it with that bank)."""
    at = stamp(now)
    repo = writer(session)
    cert = access.certificate_to_act_on(repo, principal, cert_id, shanghai_date(at))
    bank = access.bank(session, bank_org_id)
    if repo.has_open_request(cert.id, bank.id):
        raise Conflict("this certificate is already offered to that bank", field="bank_org_id")
    fin = Financing(
        id=new_id(),
        version=1,
        recourse=False,
        certificate_id=cert.id,
        requester_org_id=principal.org_id,
        bank_org_id=bank.id,
        state=FinancingState.REQUESTED.value,
        requested_at=at,
    )
    repo.insert(fin)
    record(
        repo,
        cert,
        kind="financing.requested",
        actor_org_id=principal.org_id,
        at=at,
        concerns=bank.id,
        payload={"financing_id": fin.id, "bank_org_id": bank.id, "face_fen": cert.face_fen},
    )
    return fin


def quote_financing(
    session: Session,
    principal: Principal,
    financing_id: str,
    *,
    annual_rate_percent: Decimal,
    day_count: DayCount,
    recourse: bool = False,
    now: datetime | None = None,
) -> AnyFin:
    """The bank quotes a discount rate on the core enterprise's credit, with or without
    recourse to the seller should the core enterprise not pay at maturity.

    A quote the bank's exposure limit on that core enterprise could not take is refused
    here already (and checked again at acceptance, when it counts)."""
    at = stamp(now)
    rules.check_rate(annual_rate_percent)
    repo = writer(session)
    fin = access.financing_for_bank(repo, principal, financing_id)
    if fin.state != FinancingState.REQUESTED.value:
        raise Conflict(f"the financing request is already {fin.state}")
    cert = _offered(repo, fin)
    days = rules.days_between(shanghai_date(at), cert.maturity_date)
    discount = rules.discount_fen(cert.face_fen, annual_rate_percent, days, day_count)
    limits.check_room(repo, fin.bank_org_id, cert.core_org_id, cert.face_fen)
    repo.move_financing(
        fin,
        expected=FinancingState.REQUESTED,
        new=FinancingState.QUOTED,
        annual_rate_percent=annual_rate_percent,
        day_count=day_count.value,
        recourse=recourse,
        days=days,
        discount_fen=discount,
        proceeds_fen=cert.face_fen - discount,
        quoted_at=at,
    )
    record(
        repo,
        cert,
        kind="financing.quoted",
        actor_org_id=principal.org_id,
        at=at,
        concerns=fin.requester_org_id,
        payload={
            "financing_id": fin.id,
            "annual_rate_percent": str(annual_rate_percent),
            "day_count": day_count.value,
            "days": days,
            "discount_fen": discount,
            "recourse": recourse,
        },
    )
    return fin


def decline_financing(
    session: Session, principal: Principal, financing_id: str, *, now: datetime | None = None
) -> AnyFin:
    """The bank declines to finance."""
    at = stamp(now)
    repo = writer(session)
    fin = access.financing_for_bank(repo, principal, financing_id)
    if fin.state not in (FinancingState.REQUESTED.value, FinancingState.QUOTED.value):
        raise Conflict(f"the financing request is already {fin.state}")
    repo.move_financing(
        fin, expected=FinancingState(fin.state), new=FinancingState.DECLINED, decided_at=at
    )
    record(
        repo,
        _offered(repo, fin),
        kind="financing.declined",
        actor_org_id=principal.org_id,
        at=at,
        concerns=fin.requester_org_id,
        payload={"financing_id": fin.id},
    )
    return fin


def accept_financing(
    session: Session, principal: Principal, financing_id: str, *, now: datetime | None = None
) -> AnyFin:
    """The holder accepts the quote: the bank now holds the certificate and pays the proceeds.

    The discount is reckoned on the day of acceptance at the quoted rate, so a quote accepted
    a day later costs one day less.
    """
    at = stamp(now)
    today = shanghai_date(at)
    repo = writer(session)
    fin = access.financing_for_party(repo, principal, financing_id)
    if principal.org_id != fin.requester_org_id:
        raise Forbidden("only the holder who asked for financing can accept the quote")
    # Locks are always taken certificate first, then financing (as ``consume`` does when it
    # cancels open requests); the other order deadlocks against a concurrent transfer.
    cert = access.certificate_to_act_on(repo, principal, fin.certificate_id, today)
    if repo.locks_rows:
        # Re-read under the row lock (PostgreSQL); on SQLite the write lock taken before
        # the first read already holds every row still.
        locked = repo.financing(financing_id, lock=True)
        assert locked is not None
        fin = locked
    if fin.state != FinancingState.QUOTED.value:
        raise Conflict(f"the financing request is {fin.state}, not quoted")
    assert fin.annual_rate_percent is not None and fin.day_count is not None
    days = rules.days_between(today, cert.maturity_date)
    discount = rules.discount_fen(
        cert.face_fen, Decimal(fin.annual_rate_percent), days, DayCount(fin.day_count)
    )
    # Under the write lock (the limit row locked on PostgreSQL): two acceptances cannot
    # both fit into the last of the headroom.
    limits.check_room(repo, fin.bank_org_id, cert.core_org_id, cert.face_fen, lock=True)
    repo.consume(
        cert, actor_org_id=principal.org_id, new=CertState.FINANCED, at=at, keep_financing=fin.id
    )
    bank_cert = child(
        cert, 1, holder=fin.bank_org_id, face=cert.face_fen, origin=Origin.FINANCING, at=at
    )
    repo.insert(bank_cert)
    repo.move_financing(
        fin,
        expected=FinancingState.QUOTED,
        new=FinancingState.ACCEPTED,
        days=days,
        discount_fen=discount,
        proceeds_fen=cert.face_fen - discount,
        bank_certificate_id=bank_cert.id,
        decided_at=at,
    )
    journal.post(
        session,
        payable_id=cert.payable_id,
        certificate_id=bank_cert.id,
        kind="financing",
        at=at,
        lines=journal.financing(fin.bank_org_id, principal.org_id, cert.face_fen, discount),
    )
    record(
        repo,
        cert,
        kind="certificate.financed",
        actor_org_id=principal.org_id,
        at=at,
        concerns=fin.bank_org_id,
        payload={
            "financing_id": fin.id,
            "bank_org_id": fin.bank_org_id,
            "face_fen": cert.face_fen,
            "annual_rate_percent": str(fin.annual_rate_percent),
            "day_count": fin.day_count,
            "days": days,
            "discount_fen": discount,
            "proceeds_fen": cert.face_fen - discount,
            "recourse": fin.recourse,
            "new_identifier": bank_cert.identifier,
        },
    )
    return fin


def list_financings(
    session: Session, principal: Principal, *, state: str | None = None
) -> Sequence[Financing]:
    """Financing requests the caller made or (as a bank) received."""
    return SupplyChainRepository(session).financings_of(principal.org_id, state=state)


def certificates_of(session: Session, fins: Sequence[AnyFin]) -> dict[str, Certificate]:
    """The certificates financing requests are about (the caller already sees the requests)."""
    repo = SupplyChainRepository(session)
    out = {}
    for cert_id in {f.certificate_id for f in fins}:
        cert = repo.certificate(cert_id)
        if cert is not None:
            out[cert_id] = cert
    return out


def get_financing(session: Session, principal: Principal, financing_id: str) -> AnyFin:
    """A financing request seen by the holder who made it or the bank asked."""
    return access.financing_for_party(SupplyChainRepository(session), principal, financing_id)
