"""Every governance query."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from chanrong.governance.merkle import NodeKey
from chanrong.governance.orm import (
    AccessDenialRow,
    AccessRecordRow,
    CatalogEntry,
    ClassificationChange,
    ConsentGrant,
    LogEntryRow,
    LogHeadRow,
    LogNodeRow,
    SignedTreeHeadRow,
)
from chanrong.storage.driver import Prepared
from chanrong.storage.statements import AnyRow, connection, table_of

HEAD_ID = 1
_ENTRIES = table_of(LogEntryRow)
_NODES = table_of(LogNodeRow)
_HEAD = table_of(LogHeadRow)
_CATALOG = table_of(CatalogEntry)
_GRANTS = table_of(ConsentGrant)
# Every append writes these: prepared once and run on the DBAPI cursor on SQLite
# (``storage.driver``), after ``lock_head``'s UPDATE, which goes through SQLAlchemy so the
# database's write queue sees the transaction's first write. Rows, hashes and head are the
# same as SQLAlchemy wrote them (tests/governance).
_INSERT_ENTRIES = Prepared(insert(_ENTRIES))
_INSERT_NODES = Prepared(insert(_NODES))
_INSERT_ACCESS = insert(table_of(AccessRecordRow))

_ENTRY = select(CatalogEntry).where(
    CatalogEntry.owner_org_id == bindparam("owner"), CatalogEntry.name == bindparam("name")
)
# What every policy check and log append runs, as Core statements built once: building a
# statement and its cache key, and the ORM's execution around it, cost more than SQLite took
# to answer.
_CLASSIFICATION = select(_CATALOG.c.category, _CATALOG.c.grade).where(
    _CATALOG.c.owner_org_id == bindparam("owner"), _CATALOG.c.name == bindparam("name")
)
_GRANT_TERMS = (
    select(
        _GRANTS.c.id,
        _GRANTS.c.owner_org_id,
        _GRANTS.c.grantee_org_id,
        _GRANTS.c.categories,
        _GRANTS.c.dataset_scope,
        _GRANTS.c.max_grade,
        _GRANTS.c.purpose,
        _GRANTS.c.valid_from,
        _GRANTS.c.valid_until,
        _GRANTS.c.revoked_at,
    )
    .where(
        _GRANTS.c.owner_org_id == bindparam("owner"),
        _GRANTS.c.grantee_org_id == bindparam("grantee"),
    )
    .order_by(_GRANTS.c.created_at, _GRANTS.c.id)
)
_LOCK_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(size=_HEAD.c.size)
    .returning(_HEAD.c.size, _HEAD.c.frontier)
)
_WRITE_HEAD = Prepared(
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(
        size=bindparam("size"),
        frontier=bindparam("frontier", type_=_HEAD.c.frontier.type),
        root_hash=bindparam("root", type_=_HEAD.c.root_hash.type),
        updated_at=bindparam("at", type_=_HEAD.c.updated_at.type),
    )
)


class GovernanceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, obj: CatalogEntry | ClassificationChange | ConsentGrant | AccessRecordRow
    ) -> None:
        self.session.add(obj)
        self.session.flush()

    def insert_access(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert access records (column → value) past the unit of work: a hot path."""
        if rows:
            connection(self.session).execute(_INSERT_ACCESS, rows)

    # --- catalog ----------------------------------------------------------------------------

    def entry(self, owner_org_id: str, name: str) -> CatalogEntry | None:
        return self.session.scalars(_ENTRY, {"owner": owner_org_id, "name": name}).one_or_none()

    def classification(self, owner_org_id: str, name: str) -> tuple[str, int] | None:
        """(category, grade) of an enterprise's catalog entry, or None when it has none."""
        row = (
            connection(self.session)
            .execute(_CLASSIFICATION, {"owner": owner_org_id, "name": name})
            .one_or_none()
        )
        return None if row is None else (str(row.category), int(row.grade))

    def entry_by_id(self, entry_id: str) -> CatalogEntry | None:
        return self.session.get(CatalogEntry, entry_id)

    def entries(self, owner_org_id: str | None = None) -> Sequence[CatalogEntry]:
        stmt = select(CatalogEntry).order_by(CatalogEntry.owner_org_id, CatalogEntry.name)
        if owner_org_id is not None:
            stmt = stmt.where(CatalogEntry.owner_org_id == owner_org_id)
        return self.session.scalars(stmt).all()

    def changes(self, entry_id: str) -> Sequence[ClassificationChange]:
        return self.session.scalars(
            select(ClassificationChange)
            .where(ClassificationChange.entry_id == entry_id)
            .order_by(ClassificationChange.log_index)
        ).all()

    # --- consent ----------------------------------------------------------------------------

    def grant(self, grant_id: str) -> ConsentGrant | None:
        return self.session.get(ConsentGrant, grant_id)

    def grant_terms_between(self, owner_org_id: str, grantee_org_id: str) -> Sequence[AnyRow]:
        """Every grant from owner to grantee, oldest first, as the columns the policy check
        reads: id, owner_org_id, grantee_org_id, categories, dataset_scope, max_grade, purpose,
        valid_from, valid_until, revoked_at."""
        return (
            connection(self.session)
            .execute(_GRANT_TERMS, {"owner": owner_org_id, "grantee": grantee_org_id})
            .all()
        )

    def grants(
        self, *, owner_org_id: str | None = None, grantee_org_id: str | None = None
    ) -> Sequence[ConsentGrant]:
        stmt = select(ConsentGrant).order_by(ConsentGrant.created_at, ConsentGrant.id)
        if owner_org_id is not None:
            stmt = stmt.where(ConsentGrant.owner_org_id == owner_org_id)
        if grantee_org_id is not None:
            stmt = stmt.where(ConsentGrant.grantee_org_id == grantee_org_id)
        return self.session.scalars(stmt).all()

    # --- access list ------------------------------------------------------------------------

    def accesses(
        self, owner_org_id: str, *, since: datetime | None = None, limit: int = 500
    ) -> Sequence[AccessRecordRow]:
        stmt = (
            select(AccessRecordRow)
            .where(AccessRecordRow.owner_org_id == owner_org_id)
            .order_by(AccessRecordRow.log_index.desc())
            .limit(limit)
        )
        if since is not None:
            stmt = stmt.where(AccessRecordRow.at >= since)
        return self.session.scalars(stmt).all()

    def denials(self, owner_org_id: str, *, limit: int = 500) -> Sequence[AccessDenialRow]:
        """Refused attempts on ``owner_org_id``'s data, newest first."""
        stmt = (
            select(AccessDenialRow)
            .where(AccessDenialRow.owner_org_id == owner_org_id)
            .order_by(AccessDenialRow.at.desc(), AccessDenialRow.id.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def iter_access(self, batch: int = 5000) -> Iterator[AccessRecordRow]:
        """Every access record in log order, a batch at a time (for verification)."""
        last = -(2**62)
        while True:
            rows = self.session.scalars(
                select(AccessRecordRow)
                .where(AccessRecordRow.log_index > last)
                .order_by(AccessRecordRow.log_index)
                .limit(batch)
            ).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].log_index

    # --- the log ----------------------------------------------------------------------------

    def lock_head(self) -> tuple[int, list[str]]:
        """Take the append lock and read the head: (size, frontier as hex).

        A no-op UPDATE takes the row lock on PostgreSQL and the database write lock on SQLite,
        so concurrent appenders queue here; RETURNING hands back the row as it is once the lock
        is held (PostgreSQL re-reads the latest committed version after waiting).
        """
        row = connection(self.session).execute(_LOCK_HEAD).one()
        return int(row.size), list(row.frontier)

    def read_head(self) -> tuple[int, list[str], bytes]:
        row = self.session.execute(
            select(LogHeadRow.size, LogHeadRow.frontier, LogHeadRow.root_hash).where(
                LogHeadRow.id == HEAD_ID
            )
        ).one()
        return int(row.size), list(row.frontier), bytes(row.root_hash)

    def write_head(self, size: int, frontier: list[str], root: bytes, at: datetime) -> None:
        _WRITE_HEAD.execute(
            self.session, {"size": size, "frontier": frontier, "root": root, "at": at}
        )

    def insert_entries(self, rows: list[dict[str, Any]]) -> None:
        # Not the ORM's bulk path: it cost more than hashing the entries.
        _INSERT_ENTRIES.executemany(self.session, rows)

    def insert_nodes(self, nodes: list[tuple[NodeKey, bytes]]) -> None:
        if nodes:
            _INSERT_NODES.executemany(
                self.session, [{"level": lv, "idx": idx, "hash": h} for (lv, idx), h in nodes]
            )

    def log_entry(self, index: int) -> LogEntryRow | None:
        return self.session.get(LogEntryRow, index)

    def log_entries(
        self,
        *,
        start: int = 0,
        limit: int = 100,
        kind: str | None = None,
        visible_to: str | None = None,
    ) -> Sequence[LogEntryRow]:
        stmt = (
            select(LogEntryRow)
            .where(LogEntryRow.index >= start)
            .order_by(LogEntryRow.index)
            .limit(limit)
        )
        if kind:
            stmt = stmt.where(LogEntryRow.kind == kind)
        if visible_to is not None:
            stmt = stmt.where(
                (LogEntryRow.actor_org_id == visible_to)
                | LogEntryRow.subject.startswith(f"{visible_to}:")
            )
        return self.session.scalars(stmt).all()

    def node_hashes(self, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
        """Hashes of perfect subtrees: leaves from the entries, higher levels from the nodes.

        Two queries whatever the number of keys, so a proof costs two round trips.
        """
        leaves: list[int] = []
        inner: dict[int, list[int]] = {}
        for level, idx in keys:
            if level == 0:
                leaves.append(idx)
            else:
                inner.setdefault(level, []).append(idx)
        out: dict[NodeKey, bytes] = {}
        if leaves:
            found = self.session.execute(
                select(LogEntryRow.index, LogEntryRow.leaf_hash).where(
                    LogEntryRow.index.in_(leaves)
                )
            )
            out.update({(0, int(i)): bytes(h) for i, h in found})
        if inner:
            # One (level = ? AND idx IN …) term per level: both SQLite and PostgreSQL then use
            # the primary key for each term; a row-value IN makes SQLite scan the whole table.
            rows = self.session.execute(
                select(LogNodeRow.level, LogNodeRow.idx, LogNodeRow.hash).where(
                    or_(
                        *(
                            and_(LogNodeRow.level == level, LogNodeRow.idx.in_(idxs))
                            for level, idxs in inner.items()
                        )
                    )
                )
            )
            out.update({(int(lv), int(i)): bytes(h) for lv, i, h in rows})
        return out

    def iter_entries(
        self, batch: int = 5000
    ) -> Iterator[tuple[int, str, str, str | None, str, bytes]]:
        """(index, data, kind, actor, subject, leaf_hash) in index order, a batch at a time."""
        last = -1
        while True:
            rows = self.session.execute(
                select(
                    LogEntryRow.index,
                    LogEntryRow.data,
                    LogEntryRow.kind,
                    LogEntryRow.actor_org_id,
                    LogEntryRow.subject,
                    LogEntryRow.leaf_hash,
                )
                .where(LogEntryRow.index > last)
                .order_by(LogEntryRow.index)
                .limit(batch)
            ).all()
            if not rows:
                return
            for r in rows:
                yield int(r[0]), r[1], r[2], r[3], r[4], bytes(r[5])
            last = int(rows[-1][0])

    def iter_nodes(self, batch: int = 10000) -> Iterator[tuple[int, int, bytes]]:
        """(level, idx, hash) ordered by level then idx, a level and a key range at a time."""
        level = 1
        while True:
            last = -1
            seen = False
            while True:
                rows = self.session.execute(
                    select(LogNodeRow.idx, LogNodeRow.hash)
                    .where(LogNodeRow.level == level, LogNodeRow.idx > last)
                    .order_by(LogNodeRow.idx)
                    .limit(batch)
                ).all()
                if not rows:
                    break
                seen = True
                for idx, h in rows:
                    yield level, int(idx), bytes(h)
                last = int(rows[-1][0])
            # Levels fill from the bottom up, so the first empty one ends the tree; a stray row
            # above it is still found by the count check in the audit.
            if not seen and not self._any_node_above(level):
                return
            level += 1

    def _any_node_above(self, level: int) -> bool:
        return (
            self.session.execute(
                select(LogNodeRow.level).where(LogNodeRow.level > level).limit(1)
            ).first()
            is not None
        )

    def add_tree_head(self, row: SignedTreeHeadRow) -> None:
        self.session.add(row)
        self.session.flush()

    def latest_tree_head(self) -> SignedTreeHeadRow | None:
        return self.session.scalars(
            select(SignedTreeHeadRow)
            .order_by(SignedTreeHeadRow.size.desc(), SignedTreeHeadRow.timestamp_ms.desc())
            .limit(1)
        ).first()

    def tree_heads(self) -> Sequence[SignedTreeHeadRow]:
        return self.session.scalars(
            select(SignedTreeHeadRow).order_by(
                SignedTreeHeadRow.size, SignedTreeHeadRow.timestamp_ms
            )
        ).all()
