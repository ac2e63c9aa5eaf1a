"""Inserting mapped rows without the unit of work, for the few paths where it is the cost."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Insert, Table, insert, inspect
from sqlalchemy.orm import Session

from chanrong.storage.base import Base
from chanrong.storage.statements import connection

_inserts: dict[Table, Insert] = {}


def insert_rows(session: Session, rows: Iterable[Base]) -> None:
    """Insert mapped objects with one Core INSERT per table and set of attributes.

    For hot paths that build rows and never change them in the same transaction: flushing
    them through the session's unit of work cost more than everything else in a credit
    decision's log append. Attributes left unset take their column defaults in the database
    (the object does not learn them, so set what the caller reads back); the objects stay
    outside the session.
    """
    groups: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
    for row in rows:
        state = inspect(row)
        table = state.mapper.local_table
        assert isinstance(table, Table)
        values = {
            attr.columns[0].key: state.dict[attr.key]
            for attr in state.mapper.column_attrs
            if attr.key in state.dict
        }
        groups.setdefault((table, tuple(values)), []).append(values)
    if not groups:
        return
    conn = connection(session)
    for (table, _keys), batch in groups.items():
        stmt = _inserts.get(table)
        if stmt is None:
            # Built once per table: a statement's cache key is computed on first use and kept.
            stmt = _inserts.setdefault(table, insert(table))
        conn.execute(stmt, batch)
