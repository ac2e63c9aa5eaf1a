"""Statements compiled once and run on the DBAPI connection, for the few measured hot paths.

On SQLite, SQLAlchemy's execution of a statement (the session's connection look-up, the
compiled cache, parameter processing, the result wrapper; the ORM's loading on top for a
read) cost ten to twenty times what SQLite took to answer (benchmarks/RESULTS.md, the
supply-chain certificates' "writer's CPU"). Here a Core statement is compiled once per dialect
into its SQL text, its parameter order and its type processors (dates, instants, JSON, bytes:
the ones SQLAlchemy itself applies), and run through the ``sqlite3`` cursor of the session's
own connection: same transaction, same savepoints, plain tuples back.

Only inside a transaction that has already begun writing through SQLAlchemy (on SQLite, a
``BEGIN IMMEDIATE`` or a first write: the write queue of ``storage.database`` saw it and the
connection holds the file's write turn): ``raw`` answers None before that, and on PostgreSQL,
where callers keep SQLAlchemy's path (``Prepared`` does that for them). Pending ORM changes
are flushed first, as the ORM's autoflush would before a query.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import Delete, Insert, Select, Update

from chanrong.storage.statements import connection

Statement = Select[Any] | Insert | Update | Delete
Processor = Callable[[Any], Any]


_REQUIRED = object()  # a parameter the caller must give


class _Compiled:
    __slots__ = ("_plain_results", "binds", "procs", "results", "sql")

    def __init__(self, stmt: Statement, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        self.sql = compiled.string
        # SQLAlchemy's own per-parameter processors (no tuple-typed parameters here); a
        # private attribute, stable through 2.x: tests/supplychain/test_driver.py reads dates,
        # instants and JSON written both ways and fails if it changes.
        processors = cast(Mapping[str, Processor], compiled._bind_processors)
        names = compiled.positiontup or []
        # Values fixed in the statement (literals, LIMIT) stand unless a caller names them.
        fixed = compiled.construct_params(_check=False)
        for name in names:
            if compiled.binds[name].expanding:
                raise ValueError(f"{name}: an expanding parameter cannot be prepared once")
        # (parameter name, its fixed value) in ``?`` order; the processors apart, by position,
        # only where a type has one (most parameters are strings and integers, left as given).
        self.binds: tuple[tuple[str, Any], ...] = tuple(
            (name, _REQUIRED if compiled.binds[name].required else fixed[name]) for name in names
        )
        self.procs: tuple[tuple[int, Processor], ...] = tuple(
            (i, proc) for i, name in enumerate(names) if (proc := processors.get(name)) is not None
        )
        self.results: tuple[Processor | None, ...] = ()
        if isinstance(stmt, Select):
            self.results = tuple(
                col.type._cached_result_processor(dialect, None) for col in stmt.selected_columns
            )
        self._plain_results = not any(self.results)

    def params(self, values: Mapping[str, Any]) -> list[Any]:
        """The statement's parameters in ``?`` order, converted as SQLAlchemy would."""
        get = values.get
        out = [get(name, fixed) for name, fixed in self.binds]
        if _REQUIRED in out:
            missing = self.binds[out.index(_REQUIRED)][0]
            raise KeyError(f"{missing}: a parameter of the statement was not given")
        for i, proc in self.procs:
            value = out[i]
            if value is not None:
                out[i] = proc(value)
        return out

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        if self._plain_results:
            return tuple(raw)
        return tuple(
            v if proc is None or v is None else proc(v)
            for v, proc in zip(raw, self.results, strict=True)
        )


class Prepared:
    """A Core statement with named ``bindparam``s (no expanding ones), compiled once per
    dialect. ``execute``/``rows``/``executemany`` take the parameters by name."""

    def __init__(self, stmt: Statement) -> None:
        self.stmt = stmt
        self._by_dialect: weakref.WeakKeyDictionary[Dialect, _Compiled]
        self._by_dialect = weakref.WeakKeyDictionary()

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect)
        if found is None:
            found = self._by_dialect.setdefault(dialect, _Compiled(self.stmt, dialect))
        return found

    def execute(self, session: Session, values: Mapping[str, Any]) -> int:
        """Run a write; returns its row count."""
        cur = raw(session)
        if cur is None:
            done = cast(CursorResult[Any], connection(session).execute(self.stmt, dict(values)))
            return int(done.rowcount)
        compiled = self._compiled(session.get_bind().dialect)
        cur.execute(compiled.sql, compiled.params(values))
        return int(cur.rowcount)

    def executemany(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run an INSERT for every row (each a mapping of every parameter)."""
        if not rows:
            return
        cur = raw(session)
        if cur is None:
            connection(session).execute(self.stmt, [dict(r) for r in rows])
            return
        compiled = self._compiled(session.get_bind().dialect)
        cur.executemany(compiled.sql, [compiled.params(r) for r in rows])

    def rows(self, session: Session, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a read; its rows as plain tuples, values converted as SQLAlchemy would."""
        cur = raw(session)
        if cur is None:
            return [tuple(r) for r in connection(session).execute(self.stmt, dict(values))]
        compiled = self._compiled(session.get_bind().dialect)
        cur.execute(compiled.sql, compiled.params(values))
        return [compiled.row(r) for r in cur.fetchall()]


# The cursor is opened once per transaction: looking the connection up through the session
# was itself a fifth of a statement's cost.
_CURSOR = "storage.driver.cursor"


def raw(session: Session) -> Any | None:
    """The DBAPI cursor of ``session``'s connection when it is SQLite inside a transaction
    begun for writing; None otherwise (use SQLAlchemy)."""
    # The identity map's own "anything modified" test: ``Session.dirty`` builds a set of
    # every modified object each time, and this runs before every statement.
    if session.new or session.deleted or session.identity_map.check_modified():
        session.flush()
    # Kept for the session's current transaction only: after a commit the session may hold
    # another pooled connection, and this one may be in someone else's transaction.
    txn = session.get_transaction()
    held = session.info.get(_CURSOR)
    if held is not None:
        if held[0] is txn and held[1].in_transaction:
            return held[2]
        del session.info[_CURSOR]
    if txn is None:
        return None
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return None
    dbapi = conn.connection.dbapi_connection
    if dbapi is None or not dbapi.in_transaction:
        return None
    cur = dbapi.cursor()
    session.info[_CURSOR] = (txn, dbapi, cur)
    return cur
