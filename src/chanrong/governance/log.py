"""The verifiable log's entries: appending them (one, many, or a use case's batch) and reading them.

Every append works inside the caller's transaction: it flushes and never commits, so an entry
exists exactly when the change it records does. What proves the log (signed tree heads,
inclusion and consistency proofs, re-verification) is in ``proofs``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.governance import merkle
from chanrong.governance.domain import GrantTerms, canonical_json
from chanrong.governance.orm import LogEntryRow
from chanrong.governance.repository import GovernanceRepository
from chanrong.identity.domain import Principal
from chanrong.jobs import queue as jobs_queue


@dataclass(frozen=True, slots=True)
class LogEntryRef:
    """Where an entry landed in the verifiable log."""

    index: int
    leaf_hash: str  # hex


LogItem = tuple[str, str | None, str, Mapping[str, Any]]  # kind, actor org, subject, payload


@dataclass
class LogBatch:
    """Log entries a use case gathers and appends together when its work is done.

    A decision that reads two datasets and records its outcome would otherwise take the log's
    append lock three times and hold it (with the database write lock on SQLite) while it
    scores; with a batch, ``authorize_read`` queues its access entries here and
    ``append_batch`` writes them with the use case's own entries under one lock at the end.
    Entries that never get appended are lost with the transaction, exactly as an unlogged
    read must be: the caller appends the batch in the same transaction or fails.
    """

    items: list[LogItem] = field(default_factory=list)
    access_rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # Grants between (owner, accessor) read once per use case: one decision does not change them.
    grants: dict[tuple[str, str], list[GrantTerms]] = field(default_factory=dict)

    def add(self, item: LogItem) -> int:
        """Queue one entry; returns its position in the batch."""
        self.items.append(item)
        return len(self.items) - 1


MAX_KIND = 64
MAX_SUBJECT = 200


def append_log(
    session: Session,
    *,
    kind: str,
    actor_org_id: str | None,
    subject: str,
    payload: Mapping[str, Any],
    at: datetime | None = None,
) -> LogEntryRef:
    """Append one entry to the verifiable log in the caller's transaction.

    ``kind`` is a dotted event name (``consent.granted``, ``data.access``, ``loan.decided``);
    ``subject`` names what the entry is about and, by convention, starts with the id of the
    organisation it concerns followed by ``:`` (that organisation may then read the entry).
    Appends are serialised by a lock on the log head, so indices are gap-free under load.
    """
    at = ensure_aware(at) if at else utcnow()
    return append_many(session, [_checked_item(kind, actor_org_id, subject, payload)], at=at)[0]


def _checked_item(
    kind: str, actor_org_id: str | None, subject: str, payload: Mapping[str, Any]
) -> LogItem:
    kind = kind.strip()
    if not kind or len(kind) > MAX_KIND:
        raise ValidationFailed(f"kind: 1 to {MAX_KIND} characters", field="kind")
    if not subject or len(subject) > MAX_SUBJECT:
        raise ValidationFailed(f"subject: 1 to {MAX_SUBJECT} characters", field="subject")
    return (kind, actor_org_id, subject, dict(payload))


def append_batch(
    session: Session, batch: LogBatch, *extra: LogItem, at: datetime | None = None
) -> list[LogEntryRef]:
    """Append a batch's queued entries, then ``extra`` ones, under one lock; records each
    queued read in the owner's access list. Returns the refs in that order."""
    items = [*batch.items, *(_checked_item(*item) for item in extra)]
    refs = append_many(session, items, at=at)
    for position, row in batch.access_rows:
        row["log_index"] = refs[position].index
    GovernanceRepository(session).insert_access([row for _, row in batch.access_rows])
    batch.items, batch.access_rows = [], []
    return refs


def append_many(
    session: Session,
    items: Sequence[tuple[str, str | None, str, Mapping[str, Any]]],
    *,
    at: datetime | None = None,
    ats: Sequence[datetime] | None = None,
) -> list[LogEntryRef]:
    """Append several (kind, actor_org_id, subject, payload) entries under one lock.

    ``ats``, when given, is each entry's own time (one per item, e.g. a group commit's use
    cases, each stamped when it ran); otherwise every entry has ``at``."""
    if not items:
        return []
    at = ensure_aware(at) if at else utcnow()
    if ats is not None and len(ats) != len(items):
        raise ValueError("ats: one time per item")
    repo = GovernanceRepository(session)
    size, frontier_hex = repo.lock_head()
    frontier = [bytes.fromhex(h) for h in frontier_hex]
    rows: list[dict[str, Any]] = []
    nodes: list[tuple[merkle.NodeKey, bytes]] = []
    refs: list[LogEntryRef] = []
    for position, (kind, actor, subject, payload) in enumerate(items):
        if ats is not None:
            at = ensure_aware(ats[position])
        try:
            data = canonical_json(
                {
                    "v": 1,
                    "index": size,
                    "kind": kind,
                    "actor": actor,
                    "subject": subject,
                    "at": at.isoformat(),
                    "payload": payload,
                }
            )
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(f"payload: {exc}", field="payload") from None
        leaf = merkle.leaf_hash(data.encode())
        frontier, completed = merkle.append_leaf(frontier, size, leaf)
        nodes.extend(completed)
        rows.append(
            {
                "index": size,
                "kind": kind,
                "actor_org_id": actor,
                "subject": subject,
                "data": data,
                "leaf_hash": leaf,
                "at": at,
            }
        )
        refs.append(LogEntryRef(index=size, leaf_hash=leaf.hex()))
        size += 1
    repo.insert_entries(rows)
    repo.insert_nodes(nodes)
    repo.write_head(size, [h.hex() for h in frontier], merkle.root_from_frontier(frontier), at)
    # A signed head is due: the worker signs one once appends pause (or a few seconds pass),
    # so heads are made as entries are integrated, never by a reader asking for one.
    jobs_queue.publish(session, jobs_queue.LOG_GROWN, "-")
    session.flush()
    return refs


# --- reading entries ------------------------------------------------------------------------


def _entry_visible(principal: Principal, row: LogEntryRow) -> bool:
    return (
        principal.is_operator
        or row.actor_org_id == principal.org_id
        or row.subject.startswith(f"{principal.org_id}:")
    )


def get_log_entry(session: Session, principal: Principal, index: int) -> LogEntryRow:
    """One entry, for the operator, its actor, or the organisation its subject concerns."""
    row = GovernanceRepository(session).log_entry(index)
    if row is None or not _entry_visible(principal, row):
        raise NotFound(f"log entry {index} not found")
    return row


def list_log_entries(
    session: Session,
    principal: Principal,
    *,
    start: int = 0,
    limit: int = 100,
    kind: str | None = None,
) -> Sequence[LogEntryRow]:
    """Entries from ``start`` in log order, of ``kind`` if given, that the caller may see."""
    if not 1 <= limit <= 1000:
        raise ValidationFailed("limit: 1 to 1000", field="limit")
    return GovernanceRepository(session).log_entries(
        start=start,
        limit=limit,
        kind=kind,
        visible_to=None if principal.is_operator else principal.org_id,
    )
