"""Lineage (穿透): a certificate's tree from the root payable through splits, transfers and
financing to settlement, with each step's place in the verifiable log, pruned to what the
caller may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, NotFound
from chanrong.identity.domain import Principal
from chanrong.supplychain import access
from chanrong.supplychain.domain import LineageNode, build_tree
from chanrong.supplychain.orm import (
    Certificate,
    CertificateEvent,
    Financing,
    Payable,
    Settlement,
)
from chanrong.supplychain.repository import SupplyChainRepository


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
    tree = [access.view(c) for c in stored]
    keep = access.visible_in_tree(repo, principal, cert, tree)
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
    repo = SupplyChainRepository(session)
    payable = access.payable_for_party(repo, principal, payable_id)
    roots = [c for c in repo.tree(payable.id) if c.parent_id is None]
    if not roots:
        raise Conflict("the payable has not been confirmed; it has no certificates yet")
    return lineage(session, principal, roots[0].id)
