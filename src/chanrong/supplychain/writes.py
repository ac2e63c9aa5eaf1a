"""The steps every supply-chain write use case shares.

A write use case opens the repository for writing (``begin_write``: the write lock up front on
SQLite, row locks as it reads on PostgreSQL), reckons with one timestamp, mints the child
certificates its consumption makes, and appends what happened to the verifiable log, keeping
the entry's position beside the tree (``record``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.ids import new_id
from chanrong.governance import service as governance
from chanrong.supplychain import hotpath
from chanrong.supplychain.certificates import CertState, Origin
from chanrong.supplychain.hotpath import AnyCert, CertRow
from chanrong.supplychain.identifiers import child_handle
from chanrong.supplychain.orm import CertificateEvent, Payable
from chanrong.supplychain.repository import SupplyChainRepository

LOG_KIND = "supplychain"
# Session key under which a group commit (``group_commit``) collects the batch's log entries.
DEFERRED_LOG = "supplychain.deferred_log"


class DeferredLog:
    """The log entries of a batch of use cases run in one transaction, appended together
    at the batch's end: one lock of the log head, one INSERT of the entries, their tree
    nodes, the head and the events, instead of all of that per use case.

    ``mark`` / ``drop_since`` let the group commit forget what a failed use case recorded
    (rolled back; its entries must not reach the log). The events are kept as plain column
    values (no use case reads them back, and building a mapped object per event cost more
    than its INSERT); ``append`` fills in their ``log_index`` and ``leaf_hash``.
    """

    def __init__(self) -> None:
        self.items: list[tuple[datetime, tuple[str, str, str, dict[str, Any]], dict[str, Any]]]
        self.items = []

    def mark(self) -> int:
        """The position to drop back to should the next use case fail."""
        return len(self.items)

    def drop_since(self, mark: int) -> None:
        """Forget what was recorded since ``mark`` (a failed use case)."""
        del self.items[mark:]

    def append(self, repo: SupplyChainRepository) -> None:
        """Append every collected entry to the log, in the order recorded, in one append
        (each entry with its own use case's time: one hash-chain step each, one INSERT of
        them all), and insert the events with their log positions."""
        if not self.items:
            return
        refs = governance.append_many(
            repo.session, [x[1] for x in self.items], ats=[x[0] for x in self.items]
        )
        for (_, _, event), ref in zip(self.items, refs, strict=True):
            event["log_index"], event["leaf_hash"] = ref.index, ref.leaf_hash
        hotpath.insert_values(repo.session, CertificateEvent, [x[2] for x in self.items])
        self.items = []


def stamp(now: datetime | None) -> datetime:
    """The use case's one timestamp: ``now`` when given (tests, the demo), else the clock."""
    return ensure_aware(now) if now is not None else utcnow()


def writer(session: Session) -> SupplyChainRepository:
    """The repository, with the write lock taken before anything is read (inside a group
    commit the writer took it for the whole batch already)."""
    repo = SupplyChainRepository(session)
    if DEFERRED_LOG not in session.info:
        repo.begin_write()
    return repo


def child(
    parent: AnyCert, position: int, *, holder: str, face: int, origin: Origin, at: datetime
) -> CertRow:
    """A live certificate made by consuming ``parent`` (its ``position``-th child), as a
    plain ``CertRow`` with every column's value (``repository.insert`` writes it as a
    certificate): building the mapped object cost more than its INSERT."""
    return CertRow(
        id=new_id(),
        identifier=child_handle(parent.identifier, position),
        payable_id=parent.payable_id,
        parent_id=parent.id,
        core_org_id=parent.core_org_id,
        holder_org_id=holder,
        face_fen=face,
        maturity_date=parent.maturity_date,
        origin=origin.value,
        state=CertState.LIVE.value,
        version=1,
        created_at=at,
        closed_at=None,
        overdue_since=None,
    )


def record(
    repo: SupplyChainRepository,
    about: Payable | AnyCert,
    *,
    kind: str,
    actor_org_id: str,
    at: datetime,
    payload: dict[str, Any],
    concerns: str | None = None,
) -> CertificateEvent | None:
    """Append what happened to a payable or one of its certificates to the verifiable log,
    and keep the entry's position beside the tree. The event, or None inside a group
    commit (its event is written with the batch's log append).

    The log's subject convention is ``<org id>:<what>``: besides the actor, the organisation
    the entry concerns (``concerns``: the new holder, the bank asked, the payee) may read it;
    the handle after the colon names the payable or certificate.
    """
    deferred = repo.session.info.get(DEFERRED_LOG)
    if deferred is not None:
        _defer(deferred, about, kind, actor_org_id, at, payload, concerns)
        return None
    if isinstance(about, Payable):
        payable_id, certificate_id = about.id, None
    else:
        payable_id, certificate_id = about.payable_id, about.id
    ref = governance.append_log(
        repo.session,
        kind=f"{LOG_KIND}.{kind}",
        actor_org_id=actor_org_id,
        subject=f"{concerns or actor_org_id or 'platform'}:{about.identifier}"[:200],
        payload=payload,
        at=at,
    )
    event = CertificateEvent(
        id=new_id(),
        payable_id=payable_id,
        certificate_id=certificate_id,
        kind=kind,
        actor_org_id=actor_org_id,
        at=at,
        log_index=ref.index,
        leaf_hash=ref.leaf_hash,
        payload=payload,
    )
    repo.insert(event)
    return event


def _defer(
    deferred: DeferredLog,
    about: Payable | AnyCert,
    kind: str,
    actor_org_id: str,
    at: datetime,
    payload: dict[str, Any],
    concerns: str | None,
) -> None:
    """``record`` inside a group commit: the entry waits for the batch's one append."""
    if isinstance(about, Payable):
        payable_id, certificate_id = about.id, None
    else:
        payable_id, certificate_id = about.payable_id, about.id
    subject = f"{concerns or actor_org_id or 'platform'}:{about.identifier}"[:200]
    event = {
        "id": new_id(),
        "payable_id": payable_id,
        "certificate_id": certificate_id,
        "kind": kind,
        "actor_org_id": actor_org_id,
        "at": at,
        "log_index": None,
        "leaf_hash": None,
        "payload": payload,
    }
    deferred.items.append((at, (f"{LOG_KIND}.{kind}", actor_org_id, subject, payload), event))


@dataclass(frozen=True, slots=True)
class Happened:
    """One thing to append with ``record_many``: the arguments of ``record``."""

    about: Payable | AnyCert
    kind: str
    actor_org_id: str
    payload: dict[str, Any]
    concerns: str | None = None


def record_many(
    repo: SupplyChainRepository, items: Sequence[Happened], *, at: datetime
) -> list[CertificateEvent]:
    """``record`` for several things that happened in one use case (a settlement pays every
    holder): one append of all their log entries under one lock, one INSERT of the events.
    Inside a group commit, none (the events are written with the batch's log append)."""
    if not items:
        return []
    deferred = repo.session.info.get(DEFERRED_LOG)
    if deferred is not None:
        for x in items:
            _defer(deferred, x.about, x.kind, x.actor_org_id, at, x.payload, x.concerns)
        return []
    refs = governance.append_many(
        repo.session,
        [
            (
                f"{LOG_KIND}.{x.kind}",
                x.actor_org_id,
                f"{x.concerns or x.actor_org_id or 'platform'}:{x.about.identifier}"[:200],
                x.payload,
            )
            for x in items
        ],
        at=at,
    )
    events = []
    for x, ref in zip(items, refs, strict=True):
        if isinstance(x.about, Payable):
            payable_id, certificate_id = x.about.id, None
        else:
            payable_id, certificate_id = x.about.payable_id, x.about.id
        events.append(
            CertificateEvent(
                id=new_id(),
                payable_id=payable_id,
                certificate_id=certificate_id,
                kind=x.kind,
                actor_org_id=x.actor_org_id,
                at=at,
                log_index=ref.index,
                leaf_hash=ref.leaf_hash,
                payload=x.payload,
            )
        )
    repo.insert(*events)
    return events
