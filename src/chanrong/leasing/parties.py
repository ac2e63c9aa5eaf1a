"""Multi-party leases: every party's e-signature over the contract's hash, and each payment
divided among the parties (清分) and journalled double-entry.

A signature is a leaf of the verifiable log (``lease.signed``) naming the contract, the role
and the SHA-256 of the contract's canonical terms and shares; the contract runs only when the
lessee has accepted and every party has signed that same hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import Conflict, Forbidden, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal, Role
from chanrong.leasing.contracts import all_signed, visible
from chanrong.leasing.orm import (
    LeaseContract,
    LeaseJournalEntry,
    LeaseJournalLine,
    LeaseParty,
    LeasePayment,
)
from chanrong.leasing.repository import LeasingRepository
from chanrong.leasing.settlement import (
    ROLES,
    PartyShare,
    contract_hash,
    journal,
    split,
)


def _shares(parties: Sequence[LeaseParty]) -> list[PartyShare]:
    return [PartyShare(p.role, p.org_id, p.share_bps, p.fixed_fen) for p in parties]


def terms_of(c: LeaseContract) -> dict[str, Any]:
    """The terms every party signs (everything the contract binds, nothing that changes)."""
    return {
        "contract_id": c.id,
        "lessor_org_id": c.lessor_org_id,
        "lessee_org_id": c.lessee_org_id,
        "device_id": c.device_id,
        "unit": c.unit,
        "price_millifen_per_unit": c.price_millifen_per_unit,
        "minimum_fen": c.minimum_fen,
        "max_gap_minutes": c.max_gap_minutes,
        "max_units_per_hour": c.max_units_per_hour,
        "grace_days": c.grace_days,
        "cost_fen": c.cost_fen,
        "design_life_units": c.design_life_units,
        "start_date": c.start_date.isoformat(),
        "end_date": c.end_date.isoformat(),
    }


def hash_of(session: Session, c: LeaseContract) -> str:
    """The contract's canonical hash (terms and shares)."""
    parties = LeasingRepository(session).parties(c.id)
    return contract_hash(terms_of(c), _shares(parties), c.remainder_role or "")


@dataclass(frozen=True, slots=True)
class Parties:
    contract_hash: str
    remainder_role: str
    parties: list[LeaseParty]


def parties_of(session: Session, principal: Principal, contract_id: str) -> Parties | None:
    """A multi-party lease's parties and hash (``None`` for a lessor–lessee lease)."""
    c = visible(session, principal, contract_id)
    if c.remainder_role is None:
        return None
    rows = sorted(LeasingRepository(session).parties(c.id), key=lambda p: ROLES.index(p.role))
    return Parties(hash_of(session, c), c.remainder_role, rows)


def sign_contract(
    session: Session,
    principal: Principal,
    contract_id: str,
    *,
    role: str,
    contract_hash: str,
    now: datetime | None = None,
) -> LeaseContract:
    """A party's officer signs the contract's hash for its role (it must match the terms it
    was shown). The last signature after the lessee's acceptance makes the contract active."""
    c = visible(session, principal, contract_id)
    if c.remainder_role is None:
        raise Conflict(
            "role: a lessor–lessee lease has no parties to sign",
            field="role",
            extra={"reason": "not_multi_party"},
        )
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("signing a lease needs the officer role")
    if c.state not in ("proposed", "accepted"):
        raise Conflict(
            f"lease contract {c.id} is {c.state}: only a proposed or accepted lease is signed",
            field="state",
            extra={"reason": "not_open"},
        )
    party = next((p for p in LeasingRepository(session).parties(c.id) if p.role == role), None)
    if party is None:
        raise ValidationFailed(f"role: one of {', '.join(ROLES)}", field="role")
    if party.org_id != principal.org_id:
        raise Forbidden(f"only the {role} signs for the {role}")
    if party.signed_at is not None:
        raise Conflict(
            f"role: the {role} has signed already", field="role", extra={"reason": "signed"}
        )
    expected = hash_of(session, c)
    if contract_hash != expected:
        raise ValidationFailed(
            "contract_hash: not the hash of this contract's terms and shares",
            field="contract_hash",
        )
    at = now or utcnow()
    ref = governance.append_log(
        session,
        kind="lease.signed",
        actor_org_id=principal.org_id,
        subject=f"{c.lessee_org_id}:lease:{c.id}",
        payload={"contract_id": c.id, "role": role, "contract_hash": expected},
        at=at,
    )
    party.signed_hash = expected
    party.signed_at = at
    party.sign_log_index = ref.index
    session.flush()
    if c.state == "accepted" and all_signed(session, c):
        # The last signature makes it run; it still may not start before that day.
        if c.start_date < shanghai_date(at):
            raise Conflict(
                "start_date: the contract would start before its last signature",
                field="start_date",
                extra={"reason": "start_before_acceptance"},
            )
        c.state = "active"
        session.flush()
        governance.append_log(
            session,
            kind="lease.activated",
            actor_org_id=principal.org_id,
            subject=f"{c.lessee_org_id}:lease:{c.id}",
            payload={"contract_id": c.id, "contract_hash": expected},
            at=at,
        )
    return c


def shares_for(session: Session, c: LeaseContract, amount_fen: int) -> dict[str, int] | None:
    """Each payee role's fen of a payment of ``amount_fen`` (``None``: a two-party lease)."""
    if c.remainder_role is None:
        return None
    return split(amount_fen, _shares(LeasingRepository(session).parties(c.id)), c.remainder_role)


def settle_payment(
    session: Session, c: LeaseContract, payment: LeasePayment
) -> dict[str, int] | None:
    """Divide one payment among the parties and journal it (``None``: a two-party lease)."""
    if c.remainder_role is None:
        return None
    repo = LeasingRepository(session)
    parties = repo.parties(c.id)
    org = {p.role: p.org_id for p in parties}
    shares = split(payment.amount_fen, _shares(parties), c.remainder_role)
    for role, e in journal(payment.amount_fen, shares):
        row = LeaseJournalEntry(payment_id=payment.id, org_id=org[role], role=role, kind=e.kind)
        repo.add(row)
        for p in e.postings:
            repo.add(
                LeaseJournalLine(
                    entry_id=row.id,
                    org_id=org[role],
                    account=p.account.value,
                    debit_fen=p.debit_fen,
                    credit_fen=p.credit_fen,
                )
            )
    return shares


@dataclass(frozen=True, slots=True)
class JournalLine:
    payment_id: str
    role: str
    org_id: str
    kind: str
    account: str
    debit_fen: int
    credit_fen: int


def journal_of(session: Session, principal: Principal, contract_id: str) -> list[JournalLine]:
    """The contract's settlement journal, every party's lines."""
    c = visible(session, principal, contract_id)
    return [
        JournalLine(e.payment_id, e.role, e.org_id, e.kind, ln.account, ln.debit_fen, ln.credit_fen)
        for e, ln in LeasingRepository(session).journal(c.id)
    ]
