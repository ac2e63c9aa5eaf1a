"""The certificate invariants checked against stored trees (``chanrong scf check``, tests,
benchmarks) and the other platform-wide reads they need. Trusted callers only: these read
every organisation's trees without asking who is looking."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound
from chanrong.supplychain import access, journal
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import CertState, PayableState
from chanrong.supplychain.orm import Payable
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
    overdue = [n for n in nodes if n.state is CertState.OVERDUE]
    if overdue and payable.state != PayableState.OVERDUE.value:
        problems.append(f"{payable_id}: {len(overdue)} overdue certificates but {payable.state}")
    outstanding = sum(n.face_fen for n in nodes if n.state in rules.OUTSTANDING)
    problems += [f"{payable_id}: {p}" for p in journal_violations(repo, payable, outstanding)]
    return problems


def journal_violations(
    repo: SupplyChainRepository, payable: Payable, outstanding_fen: int
) -> list[str]:
    """The payable's journal against its tree: every entry balanced; the holders' claims add
    up to what is outstanding and the core enterprise owes exactly that; cash only moved
    between organisations (it nets to zero). A payable confirmed before the journal existed
    has none and is not checked."""
    by_account = repo.journal_by_account(payable.id)
    if not by_account:
        return []
    problems = journal.entry_violations(repo.session, payable.id)
    claims = sum(v for (_org, acct), v in by_account.items() if acct == "certificate")
    if claims != outstanding_fen:
        problems.append(f"journal claims {claims} fen, outstanding certificates {outstanding_fen}")
    owed = -by_account.get((payable.core_org_id, "certificate_payable"), 0)
    if owed != outstanding_fen:
        problems.append(f"journal: the core owes {owed} fen, outstanding {outstanding_fen}")
    cash = sum(v for (_org, acct), v in by_account.items() if acct == "cash")
    discounts = sum(v for (_org, acct), v in by_account.items() if acct.startswith("discount_"))
    if cash != 0 or discounts != 0:
        problems.append(f"journal: cash nets to {cash} fen and discounts to {discounts}, not 0")
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
