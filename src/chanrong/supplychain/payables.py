"""Payables (应付账款): a supplier submits what a core enterprise owes it; the core confirms
(确权, issuing the root certificate to the supplier) or rejects it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.identity.domain import Principal
from chanrong.supplychain import access, journal
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import CertState, Origin, PayableState
from chanrong.supplychain.identifiers import DEFAULT_PREFIX, root_handle, serial_from_id
from chanrong.supplychain.orm import Certificate, Payable
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import record, stamp, writer
from chanrong.telemetry import service as telemetry


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
    access.require_enterprise_officer(principal)
    at = stamp(now)
    rules.require_positive_fen(amount_fen, field="amount")
    rules.check_maturity(maturity_date, shanghai_date(at))
    contract_ref, invoice_ref = contract_ref.strip(), invoice_ref.strip()
    if not contract_ref:
        raise ValidationFailed("contract_ref: must not be empty", field="contract_ref")
    if not invoice_ref:
        raise ValidationFailed("invoice_ref: must not be empty", field="invoice_ref")
    core = access.core_enterprise(session, core_org_id)
    if core.id == principal.org_id:
        raise ValidationFailed(
            "core_org_id: a payable is owed to someone else", field="core_org_id"
        )
    repo = writer(session)
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
    record(
        repo,
        payable,
        kind="payable.submitted",
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
    access.require_enterprise_officer(principal)
    at = stamp(now)
    core = access.core_enterprise(session, core_org_id)
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


def confirm_payable(
    session: Session, principal: Principal, payable_id: str, *, now: datetime | None = None
) -> Certificate:
    """应付账款确权: the core enterprise confirms and the supplier receives the root certificate."""
    at = stamp(now)
    repo = writer(session)
    payable = access.payable_for_core(repo, principal, payable_id)
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
    journal.post(
        session,
        payable_id=payable.id,
        certificate_id=root.id,
        kind="issue",
        at=at,
        lines=journal.issue(payable.core_org_id, payable.supplier_org_id, payable.face_fen),
    )
    record(
        repo,
        root,
        kind="payable.confirmed",
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
    at = stamp(now)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason: say why the payable is rejected", field="reason")
    repo = writer(session)
    payable = access.payable_for_core(repo, principal, payable_id)
    if payable.state != PayableState.SUBMITTED.value:
        raise Conflict(f"the payable is already {payable.state}")
    repo.move_payable(
        payable,
        expected=PayableState.SUBMITTED.value,
        new=PayableState.REJECTED.value,
        decided_at=at,
        reject_reason=reason[:500],
    )
    record(
        repo,
        payable,
        kind="payable.rejected",
        actor_org_id=principal.org_id,
        at=at,
        concerns=payable.supplier_org_id,
        payload={"payable_id": payable.id, "reason": reason[:500]},
    )
    return payable


def get_payable(session: Session, principal: Principal, payable_id: str) -> Payable:
    """A payable seen by its supplier or its core enterprise; to anyone else it is missing."""
    return access.payable_for_party(SupplyChainRepository(session), principal, payable_id)


def list_payables(
    session: Session, principal: Principal, *, state: str | None = None
) -> Sequence[Payable]:
    """Payables the caller submitted or owes."""
    return SupplyChainRepository(session).payables_of(principal.org_id, state=state)
