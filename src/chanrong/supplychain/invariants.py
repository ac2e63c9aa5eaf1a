"""The certificate invariants checked against stored trees (``chanrong scf check``, tests,
benchmarks) and the other platform-wide reads they need. Trusted callers only: these read
every organisation's trees without asking who is looking."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound
from chanrong.supplychain import access
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import PayableState
from chanrong.supplychain.repository import SupplyChainRepository


def tree_violations(session: Session, payable_id: str) -> list[str]:
    """Every invariant the stored tree of a payable breaks (empty when sound)."""
    repo = SupplyChainRepository(session)
    payable = repo.payable(payable_id)
    if payable is None:
        raise NotFound(f"payable {payable_id} not found")
    nodes = [access.view(c) for c in repo.tree(payable_id)]
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
