"""Settlement (兑付): at maturity the core enterprise pays every current holder, the tree
closes, and an enterprise payee's loans are repaid from what it received (回款自动还款)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date
from chanrong.core.errors import Conflict, NotFound
from chanrong.core.ids import new_id
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.lending import service as lending
from chanrong.supplychain import access, journal
from chanrong.supplychain.certificates import CertState, PayableState
from chanrong.supplychain.orm import Settlement
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import Happened, record_many, stamp, writer


def settle_payable(
    session: Session, principal: Principal, payable_id: str, *, now: datetime | None = None
) -> list[Settlement]:
    """At maturity the core enterprise pays every current holder and the tree closes.

    A payable already overdue is settled the same way, late: its overdue certificates are
    paid to whoever holds them now (the bank, or the seller who took it back on recourse).
    Each payment is journalled (core cash → holder cash, the holder's claim closed).
    """
    at = stamp(now)
    repo = writer(session)
    _refuse_if_settled(repo, principal, payable_id)
    payable = access.payable_for_core(repo, principal, payable_id)
    if payable.state not in (PayableState.CONFIRMED.value, PayableState.OVERDUE.value):
        raise Conflict(
            f"the payable is {payable.state}; only a confirmed or overdue payable is settled"
        )
    was = payable.state
    if shanghai_date(at) < payable.maturity_date:
        raise Conflict(f"the payable matures on {payable.maturity_date.isoformat()}")
    live = repo.tree(payable.id, lock_live=True)
    total = sum(c.face_fen for c in live)
    if total != payable.face_fen:
        # The invariants make this impossible; refuse to pay rather than pay the wrong sum.
        raise Conflict(f"live certificates sum to {total} fen, not {payable.face_fen}")
    repo.move_payable(payable, expected=was, new=PayableState.SETTLED.value, settled_at=at)
    late = {c.id for c in live if c.state == CertState.OVERDUE.value}
    # The tree is locked (its rows on PostgreSQL, the database on SQLite): every holder is
    # paid in one statement per table rather than one per certificate.
    repo.close_all(live, new=CertState.SETTLED, at=at)
    out = [
        Settlement(
            id=new_id(),
            payable_id=payable.id,
            certificate_id=cert.id,
            payee_org_id=cert.holder_org_id,
            amount_fen=cert.face_fen,
            settled_at=at,
        )
        for cert in live
    ]
    repo.insert(*out)
    journal.post_many(
        session,
        payable_id=payable.id,
        kind="settlement",
        at=at,
        entries=[
            (
                paid.certificate_id,
                journal.settlement(payable.core_org_id, paid.payee_org_id, paid.amount_fen),
            )
            for paid in out
        ],
    )
    # A settled certificate is a receivable collected through the platform: enterprise
    # payees' loans with an agreed sweep share are repaid from it (回款自动还款).
    enterprises = {
        o.id
        for o in (identity.find_organisation(session, p) for p in {s.payee_org_id for s in out})
        if o is not None and o.kind == OrgKind.ENTERPRISE.value
    }
    # Only payees with a loan that sweeps are asked, in one read for the whole tree (asking
    # for every certificate paid read the payee's loans each time, for nothing).
    enterprises &= lending.sweeping_borrowers(session, sorted(enterprises))
    for paid in out:
        if paid.payee_org_id in enterprises:
            lending.sweep_collection(
                session,
                borrower_org_id=paid.payee_org_id,
                payment_ref=f"scf-settlement:{paid.id}",
                amount_fen=paid.amount_fen,
                paid_on=shanghai_date(at),
            )
    happened = [
        Happened(
            cert,
            kind="certificate.settled",
            actor_org_id=principal.org_id,
            concerns=paid.payee_org_id,
            payload={
                "settlement_id": paid.id,
                "payee_org_id": paid.payee_org_id,
                "amount_fen": paid.amount_fen,
                "late": cert.id in late,
            },
        )
        for cert, paid in zip(live, out, strict=True)
    ]
    happened.append(
        Happened(
            payable,
            kind="payable.settled",
            actor_org_id=principal.org_id,
            payload={
                "payable_id": payable.id,
                "face_fen": payable.face_fen,
                "payees": [
                    {
                        "certificate_id": s.certificate_id,
                        "org_id": s.payee_org_id,
                        "fen": s.amount_fen,
                    }
                    for s in out
                ],
            },
        )
    )
    record_many(repo, happened, at=at)
    return out


def _refuse_if_settled(repo: SupplyChainRepository, principal: Principal, payable_id: str) -> None:
    """Turn a lost settlement race away after one cheap read (the clients of a settlement
    rush all try at once; one wins): the same refusal ``settle_payable`` gives once the
    payable is no longer owed, asked only of the core enterprise's officer, to whom the full
    path would give it too. Anything else goes on to the full checks."""
    seen = repo.payable_state(payable_id)
    if seen is None:
        return
    core, _supplier, state = seen
    if (
        principal.org_id == core
        and principal.has_role(Role.OFFICER)
        and state not in (PayableState.CONFIRMED.value, PayableState.OVERDUE.value)
    ):
        raise Conflict(f"the payable is {state}; only a confirmed or overdue payable is settled")


def settlements_of(session: Session, principal: Principal, payable_id: str) -> list[Settlement]:
    """What was paid for a payable: all of it to the core, each payee its own otherwise."""
    repo = SupplyChainRepository(session)
    payable = repo.payable(payable_id)
    rows = list(repo.settlements(payable_id)) if payable else []
    if payable is None or (
        principal.org_id not in (payable.core_org_id, payable.supplier_org_id)
        and not any(s.payee_org_id == principal.org_id for s in rows)
    ):
        raise NotFound(f"payable {payable_id} not found")
    if principal.org_id == payable.core_org_id:
        return rows
    return [s for s in rows if s.payee_org_id == principal.org_id]
