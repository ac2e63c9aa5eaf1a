"""Core statements on a session's own connection, for the few measured hot paths.

``Session.execute`` runs every statement through the ORM's execution machinery (compile state,
identity map, result adaptation, the bind lookup) even when it reads plain columns; on a credit
decision that came to several times what SQLite took to answer. Repositories on such a path
build their statements once against the tables and run them here: same transaction, same
events (the SQLite write queue sees every write), plain rows back.
"""

from __future__ import annotations

from typing import Any, TypeAlias, cast

from sqlalchemy import Connection, Row, Table
from sqlalchemy.orm import Session

from chanrong.storage.base import Base

# A result row of any columns, read by name (``row.grade``).
AnyRow: TypeAlias = Row[*tuple[Any, ...]]


def table_of(entity: type[Base]) -> Table:
    """The Core table behind a mapped class."""
    return cast(Table, entity.__table__)


def connection(session: Session) -> Connection:
    """The session's connection in its current transaction.

    Pending ORM changes are flushed first, as the ORM's autoflush would before a query, so a
    statement run here sees everything the use case wrote so far.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()
