"""Who may see and act on what in supply-chain finance: parties, holders, banks, officers.

A payable, certificate or financing request that the caller is no party to looks missing
(``NotFound``), never forbidden, so an outsider cannot probe for ids; a party that may see it
but may not do this to it gets ``Forbidden``. Organisations named in a request (the core
enterprise, the recipient, the bank) that are not what the request needs are a 4xx naming the
field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, NotFound, ValidationFailed
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal, Role
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.certificates import CertState, CertView, Origin
from chanrong.supplychain.domain import visible_ids
from chanrong.supplychain.hotpath import AnyCert, AnyFin
from chanrong.supplychain.orm import Certificate, Payable
from chanrong.supplychain.repository import SupplyChainRepository

_Org = TypeVar("_Org")


def principal_for_org(session: Session, org_id: str, *, user_id: str = "system") -> Principal:
    """An officer acting for ``org_id``: for trusted callers (CLI, demo, benchmarks)."""
    return identity.system_principal(session, org_id, user_id=user_id)


# -- the caller ------------------------------------------------------------------------


def require_officer(principal: Principal) -> None:
    """Changing state is an officer's act."""
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def require_enterprise_officer(principal: Principal) -> None:
    """Payables are submitted and certificates held by enterprises, acting through officers."""
    if principal.org_kind is not OrgKind.ENTERPRISE:
        raise Forbidden("this action is for enterprises")
    require_officer(principal)


# -- organisations a request names -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Party:
    """An organisation a request named, once it is known to be what the request needs."""

    id: str
    uscc: str | None


def _must_be(org: _Org | None, fits: Callable[[_Org], bool], *, field: str, what: str) -> _Org:
    """``org`` when it exists and fits; otherwise a 4xx naming the request's field."""
    if org is None or not fits(org):
        raise ValidationFailed(f"{field}: not {what} on the platform", field=field)
    return org


@dataclass(frozen=True, slots=True)
class _OrgFacts:
    """What the checks here read of an organisation."""

    id: str
    kind: str
    is_core: bool
    uscc: str | None
    institution_type: str | None


_ORGS = "supplychain.access.orgs"


def known_orgs(session: Session) -> dict[str, Any]:
    """The organisations' facts this session has looked up (by id). A group committer
    seeds each batch's session with what earlier batches committed having looked up, and
    keeps what the batch adds once it committed: nothing in the platform changes an
    organisation's kind, core flag, USCC or institution type once it exists, nor removes
    one, so facts read in a committed transaction stay true (an organisation not found is
    never remembered: it may be created later)."""
    cache: dict[str, Any] = session.info.setdefault(_ORGS, {})
    return cache


def _org(session: Session, org_id: str) -> _OrgFacts | None:
    """The organisation's facts, looked up once per session (``known_orgs``): a group
    commit's batch names the same few organisations in most of its use cases, and the
    identity map (weak) kept none of them between two use cases, so each look-up was a
    query."""
    cache: dict[str, _OrgFacts] = known_orgs(session)
    facts = cache.get(org_id)
    if facts is None:
        org = identity.find_organisation(session, org_id)
        if org is None:
            return None
        facts = cache[org_id] = _OrgFacts(
            org.id, org.kind, bool(org.is_core), org.uscc, org.institution_type
        )
    return facts


def core_enterprise(session: Session, org_id: str, *, field: str = "core_org_id") -> Party:
    """A core enterprise (with its USCC, which its suppliers' invoices name)."""
    org = _must_be(
        _org(session, org_id),
        lambda o: o.kind == OrgKind.ENTERPRISE.value and o.is_core and o.uscc is not None,
        field=field,
        what="a core enterprise",
    )
    return Party(id=org.id, uscc=org.uscc)


def enterprise(session: Session, org_id: str, *, field: str) -> Party:
    """Any enterprise on the platform."""
    org = _must_be(
        _org(session, org_id),
        lambda o: o.kind == OrgKind.ENTERPRISE.value,
        field=field,
        what="an enterprise",
    )
    return Party(id=org.id, uscc=org.uscc)


def bank(session: Session, org_id: str, *, field: str = "bank_org_id") -> Party:
    """A bank (not an insurer or lessor): only banks discount certificates."""
    org = _must_be(
        _org(session, org_id),
        lambda o: o.institution_type == InstitutionType.BANK.value,
        field=field,
        what="a bank",
    )
    return Party(id=org.id, uscc=org.uscc)


# -- payables and financing requests -------------------------------------------------------


def payable_for_party(
    repo: SupplyChainRepository, principal: Principal, payable_id: str, *, lock: bool = False
) -> Payable:
    """The payable, when the caller is its supplier or its core enterprise."""
    payable = repo.payable(payable_id, lock=lock)
    if payable is None or principal.org_id not in (payable.core_org_id, payable.supplier_org_id):
        raise NotFound(f"payable {payable_id} not found")
    return payable


def payable_for_core(repo: SupplyChainRepository, principal: Principal, payable_id: str) -> Payable:
    """The payable, locked, when the caller is its core enterprise; others see nothing."""
    payable = payable_for_party(repo, principal, payable_id, lock=True)
    if principal.org_id != payable.core_org_id:
        raise Forbidden("only the core enterprise that owes this payable can decide on it")
    require_officer(principal)
    return payable


def financing_for_party(
    repo: SupplyChainRepository, principal: Principal, financing_id: str, *, lock: bool = False
) -> AnyFin:
    """The financing request, when the caller asked for it or is the bank asked (a plain
    ``FinRow`` inside an SQLite write transaction: ``repository.financing_row``)."""
    fin = repo.financing_row(financing_id, lock=lock)
    if fin is None or principal.org_id not in (fin.bank_org_id, fin.requester_org_id):
        raise NotFound(f"financing request {financing_id} not found")
    return fin


def financing_for_bank(
    repo: SupplyChainRepository, principal: Principal, financing_id: str
) -> AnyFin:
    """The financing request, locked, when the caller is the bank it was offered to."""
    fin = financing_for_party(repo, principal, financing_id, lock=True)
    if (
        principal.org_id != fin.bank_org_id
        or principal.institution_type is not InstitutionType.BANK
    ):
        raise Forbidden("only the bank the certificate was offered to can quote or decline")
    require_officer(principal)
    return fin


# -- certificates --------------------------------------------------------------------------


def view(cert: AnyCert) -> CertView:
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


def visible_in_tree(
    repo: SupplyChainRepository, principal: Principal, cert: AnyCert, tree: Sequence[CertView]
) -> set[str]:
    """The ids of ``cert``'s tree (given as ``tree``) that the caller may see."""
    offered = repo.offered_ids(principal.org_id, [c.id for c in tree])
    return visible_ids(tree, principal.org_id, issuer_org_id=cert.core_org_id, offered_ids=offered)


def is_visible(repo: SupplyChainRepository, principal: Principal, cert: AnyCert) -> bool:
    """Whether the caller may see ``cert`` (its issuer and holder always may)."""
    if principal.org_id in (cert.core_org_id, cert.holder_org_id):
        return True
    tree = [view(c) for c in repo.tree(cert.payable_id)]
    return cert.id in visible_in_tree(repo, principal, cert, tree)


def certificate_for_viewer(
    repo: SupplyChainRepository, principal: Principal, cert_id: str, *, lock: bool = False
) -> Certificate:
    """The certificate, when the caller may see it."""
    cert = repo.certificate(cert_id, lock=lock)
    if cert is None or not is_visible(repo, principal, cert):
        raise NotFound(f"certificate {cert_id} not found")
    return cert


def certificate_to_act_on(
    repo: SupplyChainRepository, principal: Principal, cert_id: str, today: date
) -> AnyCert:
    """The certificate, locked, after checking the caller holds it and may act on it now.

    On SQLite a plain ``CertRow`` read on the DBAPI cursor (the write lock holds every row):
    a lost race (no longer live, no longer the caller's) is refused after one cheap read."""
    cert = repo.certificate_row(cert_id, lock=True)
    if cert is None or not is_visible(repo, principal, cert):
        raise NotFound(f"certificate {cert_id} not found")
    require_enterprise_officer(principal)
    rules.check_can_act(view(cert), principal.org_id, today)
    return cert
