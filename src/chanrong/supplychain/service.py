"""Supply-chain finance use cases. Services flush, never commit: the edge owns the transaction.

Every write use case takes its locks first (``SupplyChainRepository.begin_write`` and rows
``FOR UPDATE``), checks the rules of ``certificates`` against what it read, changes state
with conditional updates, and appends what happened to the verifiable log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, shanghai_date, utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal, Role
from chanrong.lending import service as lending
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import (
    CertState,
    CertView,
    DayCount,
    FinancingState,
    Origin,
    PayableState,
)
from chanrong.supplychain.domain import LineageNode, build_tree, visible_ids
from chanrong.supplychain.identifiers import (
    DEFAULT_PREFIX,
    child_handle,
    parse_handle,
    root_handle,
    serial_from_id,
)
from chanrong.supplychain.orm import (
    Certificate,
    CertificateEvent,
    Financing,
    Payable,
    Settlement,
)
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.telemetry import service as telemetry

LOG_KIND = "supplychain"
DATASET = "derived.certificates"


# -- helpers ---------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return ensure_aware(now) if now is not None else utcnow()


def _require_officer(principal: Principal) -> None:
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def _require_enterprise(principal: Principal) -> None:
    if principal.org_kind is not OrgKind.ENTERPRISE:
        raise Forbidden("this action is for enterprises")


def view(cert: Certificate) -> CertView:
    """The rule-level facts of a stored certificate."""
    return CertView(
        id=cert.id,
        parent_id=cert.parent_id,
        holder_org_id=cert.holder_org_id,
        face_fen=cert.face_fen,
        state=CertState(cert.state),
        origin=Origin(cert.origin),
        maturity=cert.maturity_date,
    )


def _record(
    repo: SupplyChainRepository,
    *,
    kind: str,
    payable_id: str,
    subject: str,
    actor_org_id: str | None,
    at: datetime,
    payload: dict[str, Any],
    certificate_id: str | None = None,
    concerns: str | None = None,
) -> CertificateEvent:
    """Append to the verifiable log and keep the entry's position beside the tree.

    The log's subject convention is ``<org id>:<what>``: besides the actor, the organisation
    the entry concerns (``concerns``: the new holder, the bank asked, the payee) may read it;
    the handle after the colon names the certificate.
    """
    ref = governance.append_log(
        repo.session,
        kind=f"{LOG_KIND}.{kind}",
        actor_org_id=actor_org_id,
        subject=f"{concerns or actor_org_id or 'platform'}:{subject}"[:200],
        payload=payload,
        at=at,
    )
    event = CertificateEvent(
        payable_id=payable_id,
        certificate_id=certificate_id,
        kind=kind,
        actor_org_id=actor_org_id,
        at=at,
        log_index=ref.index,
        leaf_hash=ref.leaf_hash,
        payload=payload,
    )
    repo.add(event)
    return event


def principal_for_org(session: Session, org_id: str, *, user_id: str = "system") -> Principal:
    """An officer acting for ``org_id``: for trusted callers (CLI, demo, benchmarks)."""
    return identity.system_principal(session, org_id, user_id=user_id)


# -- payables --------------------------------------------------------------------------


def submit_payable(
    session: Session,
    principal: Principal,
    *,
    core_org_id: str,
    amount_fen: int,
    maturity_date: date,
    contract_ref: str,
    invoice_ref: str,
    now: datetime | None = None,
    prefix: str = DEFAULT_PREFIX,
) -> Payable:
    """A supplier asks the core enterprise it invoiced to confirm what it owes."""
    _require_enterprise(principal)
    _require_officer(principal)
    at = _now(now)
    rules.require_positive_fen(amount_fen, field="amount")
    rules.check_maturity(maturity_date, shanghai_date(at))
    contract_ref, invoice_ref = contract_ref.strip(), invoice_ref.strip()
    if not contract_ref:
        raise ValidationFailed("contract_ref: must not be empty", field="contract_ref")
    if not invoice_ref:
        raise ValidationFailed("invoice_ref: must not be empty", field="invoice_ref")
    core = identity.find_organisation(session, core_org_id)
    if core is None or core.kind != OrgKind.ENTERPRISE.value or not core.is_core:
        raise ValidationFailed(
            "core_org_id: not a core enterprise on the platform", field="core_org_id"
        )
    if core.id == principal.org_id:
        raise ValidationFailed(
            "core_org_id: a payable is owed to someone else", field="core_org_id"
        )
    repo = SupplyChainRepository(session)
    repo.begin_write()
    if repo.payable_by_invoice(principal.org_id, invoice_ref) is not None:
        raise Conflict(
            f"invoice_ref: invoice {invoice_ref} is already a payable", field="invoice_ref"
        )
    payable_id = new_id()
    payable = Payable(
        id=payable_id,
        identifier=root_handle(prefix, shanghai_date(at), serial_from_id(payable_id)),
        supplier_org_id=principal.org_id,
        core_org_id=core.id,
        face_fen=amount_fen,
        maturity_date=maturity_date,
        contract_ref=contract_ref,
        invoice_ref=invoice_ref,
        state=PayableState.SUBMITTED.value,
        submitted_at=at,
    )
    repo.add(payable)
    _record(
        repo,
        kind="payable.submitted",
        payable_id=payable.id,
        subject=payable.identifier,
        actor_org_id=principal.org_id,
        at=at,
        concerns=core.id,
        payload={
            "payable_id": payable.id,
            "core_org_id": core.id,
            "face_fen": amount_fen,
            "maturity_date": maturity_date.isoformat(),
            "contract_ref": contract_ref,
            "invoice_ref": invoice_ref,
        },
    )
    return payable


def payables_from_invoices(
    session: Session,
    principal: Principal,
    *,
    core_org_id: str,
    issued_from: date | None = None,
    issued_before: date | None = None,
    now: datetime | None = None,
) -> list[Payable]:
    """Submit the caller's ingested invoices to a core enterprise as payables to confirm.

    Reads the supplier's own business invoices (from MQTT/HTTP/file ingestion in the
    telemetry domain), keeps those billed to the core enterprise's USCC that are still to
    fall due, and submits each not already submitted: invoice id as the invoice reference,
    the order id as the contract reference, the invoice's due date as maturity.
    """
    _require_enterprise(principal)
    _require_officer(principal)
    at = _now(now)
    core = identity.find_organisation(session, core_org_id)
    if core is None or not core.is_core or core.uscc is None:
        raise ValidationFailed(
            "core_org_id: not a core enterprise on the platform", field="core_org_id"
        )
    rows = telemetry.records(
        session,
        principal,
        org_id=principal.org_id,
        kind="invoices",
        start=issued_from,
        end=issued_before,
    )
    repo = SupplyChainRepository(session)
    today = shanghai_date(at)
    out = []
    for inv in rows:
        if inv.buyer_uscc != core.uscc or inv.due_date <= today or inv.amount_fen <= 0:
            continue
        if repo.payable_by_invoice(principal.org_id, inv.invoice_id) is not None:
            continue
        out.append(
            submit_payable(
                session,
                principal,
                core_org_id=core.id,
                amount_fen=inv.amount_fen,
                maturity_date=inv.due_date,
                contract_ref=(inv.order_id or inv.invoice_id)[:100],
                invoice_ref=inv.invoice_id[:100],
                now=at,
            )
        )
    return out


def _payable_for_core(
    repo: SupplyChainRepository, principal: Principal, payable_id: str
) -> Payable:
    """The payable, locked, when the caller is its core enterprise; others see nothing."""
    payable = repo.payable(payable_id, lock=True)
    if payable is None or principal.org_id not in (payable.core_org_id, payable.supplier_org_id):
        raise NotFound(f"payable {payable_id} not found")
    if principal.org_id != payable.core_org_id:
        raise Forbidden("only the core enterprise that owes this payable can decide on it")
    _require_officer(principal)
    return payable


def confirm_payable(
    session: Session, principal: Principal, payable_id: str, *, now: datetime | None = None
) -> Certificate:
    """应付账款确权: the core enterprise confirms and the supplier receives the root certificate."""
    at = _now(now)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    payable = _payable_for_core(repo, principal, payable_id)
    if payable.state != PayableState.SUBMITTED.value:
        raise Conflict(f"the payable is already {payable.state}")
    if shanghai_date(at) >= payable.maturity_date:
        raise Conflict("the payable has matured; it can no longer be confirmed")
    repo.move_payable(
        payable,
        expected=PayableState.SUBMITTED.value,
        new=PayableState.CONFIRMED.value,
        decided_at=at,
    )
    root = Certificate(
        identifier=payable.identifier,
        payable_id=payable.id,
        parent_id=None,
        core_org_id=payable.core_org_id,
        holder_org_id=payable.supplier_org_id,
        face_fen=payable.face_fen,
        maturity_date=payable.maturity_date,
        origin=Origin.ISSUE.value,
        state=CertState.LIVE.value,
        created_at=at,
    )
    repo.add(root)
    _record(
        repo,
        kind="payable.confirmed",
        payable_id=payable.id,
        certificate_id=root.id,
        subject=root.identifier,
        actor_org_id=principal.org_id,
        at=at,
        concerns=root.holder_org_id,
        payload={
            "payable_id": payable.id,
            "certificate_id": root.id,
            "holder_org_id": root.holder_org_id,
            "face_fen": root.face_fen,
            "maturity_date": payable.maturity_date.isoformat(),
        },
    )
    return root


def reject_payable(
    session: Session,
    principal: Principal,
    payable_id: str,
    *,
    reason: str,
    now: datetime | None = None,
) -> Payable:
    """The core enterprise refuses to confirm (wrong amount, disputed delivery …)."""
    at = _now(now)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason: say why the payable is rejected", field="reason")
    repo = SupplyChainRepository(session)
    repo.begin_write()
    payable = _payable_for_core(repo, principal, payable_id)
    if payable.state != PayableState.SUBMITTED.value:
        raise Conflict(f"the payable is already {payable.state}")
    repo.move_payable(
        payable,
        expected=PayableState.SUBMITTED.value,
        new=PayableState.REJECTED.value,
        decided_at=at,
        reject_reason=reason[:500],
    )
    _record(
        repo,
        kind="payable.rejected",
        payable_id=payable.id,
        subject=payable.identifier,
        actor_org_id=principal.org_id,
        at=at,
        concerns=payable.supplier_org_id,
        payload={"payable_id": payable.id, "reason": reason[:500]},
    )
    return payable


def get_payable(session: Session, principal: Principal, payable_id: str) -> Payable:
    """A payable seen by its supplier or its core enterprise; to anyone else it is missing."""
    payable = SupplyChainRepository(session).payable(payable_id)
    if payable is None or principal.org_id not in (payable.core_org_id, payable.supplier_org_id):
        raise NotFound(f"payable {payable_id} not found")
    return payable


def list_payables(
    session: Session, principal: Principal, *, state: str | None = None
) -> Sequence[Payable]:
    """Payables the caller submitted or owes."""
    return SupplyChainRepository(session).payables_of(principal.org_id, state=state)


# -- certificates ----------------------------------------------------------------------


def _visible(repo: SupplyChainRepository, principal: Principal, cert: Certificate) -> bool:
    if principal.org_id in (cert.core_org_id, cert.holder_org_id):
        return True
    tree = [view(c) for c in repo.tree(cert.payable_id)]
    offered = repo.offered_ids(principal.org_id, [c.id for c in tree])
    ids = visible_ids(tree, principal.org_id, issuer_org_id=cert.core_org_id, offered_ids=offered)
    return cert.id in ids


def _certificate_to_act_on(
    repo: SupplyChainRepository, principal: Principal, cert_id: str, today: date
) -> Certificate:
    """The certificate, locked, after checking the caller holds it and may act on it now."""
    cert = repo.certificate(cert_id, lock=True)
    if cert is None or not _visible(repo, principal, cert):
        raise NotFound(f"certificate {cert_id} not found")
    _require_enterprise(principal)
    _require_officer(principal)
    rules.check_can_act(view(cert), principal.org_id, today)
    return cert


def _child(
    parent: Certificate, position: int, *, holder: str, face: int, origin: Origin, at: datetime
) -> Certificate:
    return Certificate(
        identifier=child_handle(parent.identifier, position),
        payable_id=parent.payable_id,
        parent_id=parent.id,
        core_org_id=parent.core_org_id,
        holder_org_id=holder,
        face_fen=face,
        maturity_date=parent.maturity_date,
        origin=origin.value,
        state=CertState.LIVE.value,
        created_at=at,
    )


def split_certificate(
    session: Session,
    principal: Principal,
    cert_id: str,
    parts_fen: Sequence[int],
    *,
    now: datetime | None = None,
) -> list[Certificate]:
    """Split a held certificate into parts (a remainder stays with the holder as a last part)."""
    at = _now(now)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    cert = _certificate_to_act_on(repo, principal, cert_id, shanghai_date(at))
    planned = rules.plan_split(cert.face_fen, list(parts_fen))
    repo.consume(cert, actor_org_id=principal.org_id, new=CertState.SPLIT, at=at)
    children = [
        _child(cert, i, holder=cert.holder_org_id, face=face, origin=Origin.SPLIT, at=at)
        for i, face in enumerate(planned, start=1)
    ]
    repo.add(*children)
    _record(
        repo,
        kind="certificate.split",
        payable_id=cert.payable_id,
        certificate_id=cert.id,
        subject=cert.identifier,
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
) -> Certificate:
    """Transfer a whole held certificate to another enterprise (its own supplier)."""
    at = _now(now)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    cert = _certificate_to_act_on(repo, principal, cert_id, shanghai_date(at))
    target = identity.find_organisation(session, to_org_id)
    if target is None or target.kind != OrgKind.ENTERPRISE.value:
        raise ValidationFailed("to_org_id: not an enterprise on the platform", field="to_org_id")
    if target.id == principal.org_id:
        raise ValidationFailed("to_org_id: cannot transfer to yourself", field="to_org_id")
    if target.id == cert.core_org_id:
        raise ValidationFailed(
            "to_org_id: the core enterprise cannot hold its own payable", field="to_org_id"
        )
    repo.consume(cert, actor_org_id=principal.org_id, new=CertState.TRANSFERRED, at=at)
    child = _child(cert, 1, holder=target.id, face=cert.face_fen, origin=Origin.TRANSFER, at=at)
    repo.add(child)
    _record(
        repo,
        kind="certificate.transferred",
        payable_id=cert.payable_id,
        certificate_id=cert.id,
        subject=cert.identifier,
        actor_org_id=principal.org_id,
        at=at,
        concerns=target.id,
        payload={
            "certificate_id": cert.id,
            "from_org_id": principal.org_id,
            "to_org_id": target.id,
            "face_fen": cert.face_fen,
            "new_identifier": child.identifier,
        },
    )
    return child


def get_certificate(session: Session, principal: Principal, cert_id: str) -> Certificate:
    repo = SupplyChainRepository(session)
    cert = repo.certificate(cert_id)
    if cert is None or not _visible(repo, principal, cert):
        raise NotFound(f"certificate {cert_id} not found")
    return cert


def resolve_handle(session: Session, principal: Principal, handle: str) -> Certificate:
    """标识解析: the certificate behind an industrial-internet handle, if the caller may see it."""
    try:
        parse_handle(handle.strip())
    except ValueError as exc:
        raise ValidationFailed(f"handle: {exc}", field="handle") from None
    repo = SupplyChainRepository(session)
    cert = repo.certificate_by_identifier(handle.strip())
    if cert is None or not _visible(repo, principal, cert):
        raise NotFound(f"no certificate with handle {handle.strip()}")
    return cert


def list_certificates(
    session: Session, principal: Principal, *, state: str | None = None
) -> Sequence[Certificate]:
    """The certificates the caller holds (or held)."""
    return SupplyChainRepository(session).held_by(principal.org_id, state=state)


@dataclass
class Lineage:
    """A certificate's tree as the caller may see it, with its events, financing, settlement."""

    payable: Payable
    root: LineageNode
    certificates: dict[str, Certificate]
    events: list[CertificateEvent] = field(default_factory=list)
    financings: list[Financing] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)


def lineage(session: Session, principal: Principal, cert_id: str) -> Lineage:
    """Root payable → splits → transfers → financing, pruned to what the caller may see."""
    repo = SupplyChainRepository(session)
    cert = repo.certificate(cert_id)
    if cert is None:
        raise NotFound(f"certificate {cert_id} not found")
    stored = repo.tree(cert.payable_id)
    tree = [view(c) for c in stored]
    offered = repo.offered_ids(principal.org_id, [c.id for c in tree])
    keep = visible_ids(tree, principal.org_id, issuer_org_id=cert.core_org_id, offered_ids=offered)
    if cert.id not in keep:
        raise NotFound(f"certificate {cert_id} not found")
    root = build_tree(tree, keep)
    payable = repo.payable(cert.payable_id)
    assert root is not None and payable is not None
    # Payable-level events (submitted, settled) belong to everyone who sees the root.
    events = [
        e for e in repo.events(payable.id) if e.certificate_id is None or e.certificate_id in keep
    ]
    fins = [f for f in repo.financings_for(sorted(keep))]
    if principal.org_id != payable.core_org_id:
        fins = [f for f in fins if principal.org_id in (f.requester_org_id, f.bank_org_id)]
    settlements = [s for s in repo.settlements(payable.id) if s.certificate_id in keep]
    return Lineage(
        payable=payable,
        root=root,
        certificates={c.id: c for c in stored if c.id in keep},
        events=events,
        financings=fins,
        settlements=settlements,
    )


def payable_tree(session: Session, principal: Principal, payable_id: str) -> Lineage:
    """The whole tree of a payable as the caller may see it (from its root)."""
    payable = get_payable(session, principal, payable_id)
    repo = SupplyChainRepository(session)
    roots = [c for c in repo.tree(payable.id) if c.parent_id is None]
    if not roots:
        raise Conflict("the payable has not been confirmed; it has no certificates yet")
    return lineage(session, principal, roots[0].id)


# -- financing -------------------------------------------------------------------------


def request_financing(
    session: Session,
    principal: Principal,
    cert_id: str,
    *,
    bank_org_id: str,
    now: datetime | None = None,
) -> Financing:
    """The holder offers a certificate to a bank for discounting (sharing it with that bank)."""
    at = _now(now)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    cert = _certificate_to_act_on(repo, principal, cert_id, shanghai_date(at))
    bank = identity.find_organisation(session, bank_org_id)
    if bank is None or bank.institution_type != InstitutionType.BANK.value:
        raise ValidationFailed("bank_org_id: not a bank on the platform", field="bank_org_id")
    if repo.open_request(cert.id, bank.id) is not None:
        raise Conflict("this certificate is already offered to that bank", field="bank_org_id")
    fin = Financing(
        certificate_id=cert.id,
        requester_org_id=principal.org_id,
        bank_org_id=bank.id,
        state=FinancingState.REQUESTED.value,
        requested_at=at,
    )
    repo.add(fin)
    _record(
        repo,
        kind="financing.requested",
        payable_id=cert.payable_id,
        certificate_id=cert.id,
        subject=cert.identifier,
        actor_org_id=principal.org_id,
        at=at,
        concerns=bank.id,
        payload={"financing_id": fin.id, "bank_org_id": bank.id, "face_fen": cert.face_fen},
    )
    return fin


def _financing_for_bank(
    repo: SupplyChainRepository, principal: Principal, financing_id: str
) -> Financing:
    fin = repo.financing(financing_id, lock=True)
    if fin is None or principal.org_id not in (fin.bank_org_id, fin.requester_org_id):
        raise NotFound(f"financing request {financing_id} not found")
    if (
        principal.org_id != fin.bank_org_id
        or principal.institution_type is not InstitutionType.BANK
    ):
        raise Forbidden("only the bank the certificate was offered to can quote or decline")
    _require_officer(principal)
    return fin


def quote_financing(
    session: Session,
    principal: Principal,
    financing_id: str,
    *,
    annual_rate_percent: Decimal,
    day_count: DayCount,
    now: datetime | None = None,
) -> Financing:
    """The bank quotes a discount rate on the core enterprise's credit."""
    at = _now(now)
    rules.check_rate(annual_rate_percent)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    fin = _financing_for_bank(repo, principal, financing_id)
    if fin.state != FinancingState.REQUESTED.value:
        raise Conflict(f"the financing request is already {fin.state}")
    cert = repo.certificate(fin.certificate_id)
    assert cert is not None
    days = rules.days_between(shanghai_date(at), cert.maturity_date)
    discount = rules.discount_fen(cert.face_fen, annual_rate_percent, days, day_count)
    repo.move_financing(
        fin,
        expected=FinancingState.REQUESTED,
        new=FinancingState.QUOTED,
        annual_rate_percent=annual_rate_percent,
        day_count=day_count.value,
        days=days,
        discount_fen=discount,
        proceeds_fen=cert.face_fen - discount,
        quoted_at=at,
    )
    _record(
        repo,
        kind="financing.quoted",
        payable_id=cert.payable_id,
        certificate_id=cert.id,
        subject=cert.identifier,
        actor_org_id=principal.org_id,
        at=at,
        concerns=fin.requester_org_id,
        payload={
            "financing_id": fin.id,
            "annual_rate_percent": str(annual_rate_percent),
            "day_count": day_count.value,
            "days": days,
            "discount_fen": discount,
        },
    )
    return fin


def decline_financing(
    session: Session, principal: Principal, financing_id: str, *, now: datetime | None = None
) -> Financing:
    """The bank declines to finance."""
    at = _now(now)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    fin = _financing_for_bank(repo, principal, financing_id)
    if fin.state not in (FinancingState.REQUESTED.value, FinancingState.QUOTED.value):
        raise Conflict(f"the financing request is already {fin.state}")
    repo.move_financing(
        fin, expected=FinancingState(fin.state), new=FinancingState.DECLINED, decided_at=at
    )
    cert = repo.certificate(fin.certificate_id)
    assert cert is not None
    _record(
        repo,
        kind="financing.declined",
        payable_id=cert.payable_id,
        certificate_id=cert.id,
        subject=cert.identifier,
        actor_org_id=principal.org_id,
        at=at,
        concerns=fin.requester_org_id,
        payload={"financing_id": fin.id},
    )
    return fin


def accept_financing(
    session: Session, principal: Principal, financing_id: str, *, now: datetime | None = None
) -> Financing:
    """The holder accepts the quote: the bank now holds the certificate and pays the proceeds.

    The discount is reckoned on the day of acceptance at the quoted rate, so a quote accepted
    a day later costs one day less.
    """
    at = _now(now)
    today = shanghai_date(at)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    fin = repo.financing(financing_id)
    if fin is None or principal.org_id not in (fin.bank_org_id, fin.requester_org_id):
        raise NotFound(f"financing request {financing_id} not found")
    if principal.org_id != fin.requester_org_id:
        raise Forbidden("only the holder who asked for financing can accept the quote")
    # Locks are always taken certificate first, then financing (as ``consume`` does when it
    # cancels open requests); the other order deadlocks against a concurrent transfer.
    cert = _certificate_to_act_on(repo, principal, fin.certificate_id, today)
    fin = repo.financing(financing_id, lock=True)
    assert fin is not None
    if fin.state != FinancingState.QUOTED.value:
        raise Conflict(f"the financing request is {fin.state}, not quoted")
    assert fin.annual_rate_percent is not None and fin.day_count is not None
    days = rules.days_between(today, cert.maturity_date)
    discount = rules.discount_fen(
        cert.face_fen, Decimal(fin.annual_rate_percent), days, DayCount(fin.day_count)
    )
    repo.consume(
        cert, actor_org_id=principal.org_id, new=CertState.FINANCED, at=at, keep_financing=fin.id
    )
    bank_cert = _child(
        cert, 1, holder=fin.bank_org_id, face=cert.face_fen, origin=Origin.FINANCING, at=at
    )
    repo.add(bank_cert)
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
    _record(
        repo,
        kind="certificate.financed",
        payable_id=cert.payable_id,
        certificate_id=cert.id,
        subject=cert.identifier,
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
            "new_identifier": bank_cert.identifier,
        },
    )
    return fin


def list_financings(
    session: Session, principal: Principal, *, state: str | None = None
) -> Sequence[Financing]:
    """Financing requests the caller made or (as a bank) received."""
    return SupplyChainRepository(session).financings_of(principal.org_id, state=state)


def certificates_of(session: Session, fins: Sequence[Financing]) -> dict[str, Certificate]:
    """The certificates financing requests are about (the caller already sees the requests)."""
    repo = SupplyChainRepository(session)
    out = {}
    for cert_id in {f.certificate_id for f in fins}:
        cert = repo.certificate(cert_id)
        if cert is not None:
            out[cert_id] = cert
    return out


def get_financing(session: Session, principal: Principal, financing_id: str) -> Financing:
    fin = SupplyChainRepository(session).financing(financing_id)
    if fin is None or principal.org_id not in (fin.bank_org_id, fin.requester_org_id):
        raise NotFound(f"financing request {financing_id} not found")
    return fin


# -- settlement ------------------------------------------------------------------------


def settle_payable(
    session: Session, principal: Principal, payable_id: str, *, now: datetime | None = None
) -> list[Settlement]:
    """At maturity the core enterprise pays every current holder and the tree closes."""
    at = _now(now)
    repo = SupplyChainRepository(session)
    repo.begin_write()
    payable = _payable_for_core(repo, principal, payable_id)
    if payable.state != PayableState.CONFIRMED.value:
        raise Conflict(f"the payable is {payable.state}; only a confirmed payable is settled")
    if shanghai_date(at) < payable.maturity_date:
        raise Conflict(f"the payable matures on {payable.maturity_date.isoformat()}")
    live = repo.tree(payable.id, lock_live=True)
    total = sum(c.face_fen for c in live)
    if total != payable.face_fen:
        # The invariants make this impossible; refuse to pay rather than pay the wrong sum.
        raise Conflict(f"live certificates sum to {total} fen, not {payable.face_fen}")
    repo.move_payable(
        payable,
        expected=PayableState.CONFIRMED.value,
        new=PayableState.SETTLED.value,
        settled_at=at,
    )
    out = []
    for cert in live:
        repo.consume(cert, actor_org_id=cert.holder_org_id, new=CertState.SETTLED, at=at)
        out.append(
            Settlement(
                payable_id=payable.id,
                certificate_id=cert.id,
                payee_org_id=cert.holder_org_id,
                amount_fen=cert.face_fen,
                settled_at=at,
            )
        )
    repo.add(*out)
    # A settled certificate is a receivable collected through the platform: enterprise
    # payees' loans with an agreed sweep share are repaid from it (回款自动还款).
    enterprises = {
        o.id
        for o in (identity.find_organisation(session, p) for p in {s.payee_org_id for s in out})
        if o is not None and o.kind == OrgKind.ENTERPRISE.value
    }
    for paid in out:
        if paid.payee_org_id in enterprises:
            lending.sweep_collection(
                session,
                borrower_org_id=paid.payee_org_id,
                payment_ref=f"scf-settlement:{paid.id}",
                amount_fen=paid.amount_fen,
                paid_on=shanghai_date(at),
            )
    for paid in out:
        _record(
            repo,
            kind="certificate.settled",
            payable_id=payable.id,
            certificate_id=paid.certificate_id,
            subject=next(c.identifier for c in live if c.id == paid.certificate_id),
            actor_org_id=principal.org_id,
            concerns=paid.payee_org_id,
            at=at,
            payload={
                "settlement_id": paid.id,
                "payee_org_id": paid.payee_org_id,
                "amount_fen": paid.amount_fen,
            },
        )
    _record(
        repo,
        kind="payable.settled",
        payable_id=payable.id,
        subject=payable.identifier,
        actor_org_id=principal.org_id,
        at=at,
        payload={
            "payable_id": payable.id,
            "face_fen": payable.face_fen,
            "payees": [
                {"certificate_id": s.certificate_id, "org_id": s.payee_org_id, "fen": s.amount_fen}
                for s in out
            ],
        },
    )
    return out


def settlements_of(session: Session, principal: Principal, payable_id: str) -> list[Settlement]:
    """What was paid for a payable: all of it to the core, each payee its own otherwise."""
    payable = SupplyChainRepository(session).payable(payable_id)
    rows = list(SupplyChainRepository(session).settlements(payable_id)) if payable else []
    if payable is None or (
        principal.org_id not in (payable.core_org_id, payable.supplier_org_id)
        and not any(s.payee_org_id == principal.org_id for s in rows)
    ):
        raise NotFound(f"payable {payable_id} not found")
    if principal.org_id == payable.core_org_id:
        return rows
    return [s for s in rows if s.payee_org_id == principal.org_id]


# -- invariants (for tests, benchmarks, operators) -------------------------------------


def tree_violations(session: Session, payable_id: str) -> list[str]:
    """Every invariant the stored tree of a payable breaks (empty when sound)."""
    repo = SupplyChainRepository(session)
    payable = repo.payable(payable_id)
    if payable is None:
        raise NotFound(f"payable {payable_id} not found")
    nodes = [view(c) for c in repo.tree(payable_id)]
    if payable.state in (PayableState.SUBMITTED.value, PayableState.REJECTED.value):
        return [f"{payable_id}: {payable.state} but has certificates"] if nodes else []
    problems = rules.tree_violations(payable.face_fen, nodes)
    if payable.state == PayableState.SETTLED.value:
        problems += rules.settled_tree_violations(nodes)
        paid = sum(s.amount_fen for s in repo.settlements(payable_id))
        if paid != payable.face_fen:
            problems.append(f"{payable_id}: settled {paid} fen of {payable.face_fen}")
    return problems


def live_certificates(session: Session, payable_ids: Sequence[str]) -> list[tuple[str, str, int]]:
    """(id, holder org id, face fen) of every live certificate of these payables (trusted)."""
    return list(SupplyChainRepository(session).live_in(payable_ids))


def payable_ids(session: Session) -> list[str]:
    """Every payable on the platform (trusted callers: the operator's checks)."""
    return list(SupplyChainRepository(session).all_payable_ids())


def all_violations(session: Session) -> list[str]:
    """Invariant violations across every payable on the platform."""
    out: list[str] = []
    for pid in payable_ids(session):
        out.extend(tree_violations(session, pid))
    return out
