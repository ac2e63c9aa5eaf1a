"""Engine and unit of work. Services flush; only the edge commits, through ``unit_of_work``."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from chanrong.core.errors import ServiceUnavailable
from chanrong.storage.checkpoint import CHECKPOINTER

_BUSY_TIMEOUT_S = 30


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside one writer; busy_timeout makes writers queue, not fail.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA synchronous=NORMAL")
    # Checkpoints run in a thread of their own (storage.checkpoint), not inside a commit.
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


_WRITES = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|BEGIN\s+(IMMEDIATE|EXCLUSIVE))\b",
    re.IGNORECASE,
)
_HOLDS = "chanrong_holds_write_queue"


class _WriteQueue:
    """Writers to one SQLite file, in this process and others, waiting their turn.

    SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps
    1, 2, 5 … up to 100 ms between tries, so under concurrent requests a writer that could
    have started a millisecond later waited tens of milliseconds (and with two worker
    processes the decision route saturated at a third of its single-process rate). A
    connection takes this queue before its transaction's first write and leaves it at commit
    or rollback: threads of one process queue on a lock, and one thread per process at a time
    takes an advisory ``flock`` on a file beside the database, tried every few hundred
    microseconds. The kernel drops the file lock if a process dies holding it.
    """

    def __init__(self, path: str) -> None:
        self._threads = threading.Lock()
        self._file = f"{path}-writer.lock"
        self._fd: int | None = None
        self._pid = 0

    def _descriptor(self) -> int:
        # An inherited descriptor shares its lock with the parent: each process opens its own.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._file, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def try_acquire(self) -> bool:
        """Take the turn to write if it is free now; never waits."""
        if not self._threads.acquire(blocking=False):
            return False
        try:
            fcntl.flock(self._descriptor(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._threads.release()
            return False
        return True

    def acquire(self) -> bool:
        """Wait for the turn to write, up to the busy timeout; False if it never came (the
        write then goes ahead and SQLite reports the lock it cannot get)."""
        deadline = time.monotonic() + _BUSY_TIMEOUT_S
        if not self._threads.acquire(timeout=_BUSY_TIMEOUT_S):
            return False
        fd = self._descriptor()
        pause = 0.0002
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._threads.release()
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


# Each SQLite file engine's write queue, for ``Database.write_turn``.
_engine_queues: weakref.WeakKeyDictionary[Engine, _WriteQueue] = weakref.WeakKeyDictionary()


def _on_event_loop() -> bool:
    """True in a thread that is running an asyncio event loop (a request's async code)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


_queues: dict[str, _WriteQueue] = {}
_queues_guard = threading.Lock()


def _write_queue(engine: Engine, path: str) -> None:
    """Put this engine's writers in the write queue of its database file."""
    with _queues_guard:
        queue = _queues.setdefault(path, _WriteQueue(path))

    def before_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.info.get(_HOLDS) or not _WRITES.match(statement):
            return
        if _on_event_loop():
            # Waiting here would stop the event loop, and with it the commits of the requests
            # (in worker threads) that hold the turn: each would wait for the other for the
            # whole busy timeout. A route that writes on the event loop takes its turn first
            # with ``Database.write_turn``; any other is refused while the turn is taken.
            if not queue.try_acquire():
                raise ServiceUnavailable(
                    "the database is busy writing; try again shortly", retry_after=1
                )
            conn.info[_HOLDS] = True
            return
        # Not reentrant: a thread writing through two connections at once would deadlock in
        # SQLite anyway, so after the busy timeout it goes on and lets SQLite say so.
        if queue.acquire():
            conn.info[_HOLDS] = True

    def release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS, False):
            queue.release()

    _engine_queues[engine] = queue
    event.listen(engine, "before_cursor_execute", before_write)
    event.listen(engine, "commit", lambda conn: release(conn.info))
    event.listen(engine, "rollback", lambda conn: release(conn.info))
    # A connection handed back to the pool mid-transaction is rolled back there.
    event.listen(engine.pool, "checkin", lambda _dbapi, record: release(record.info))


def _json_loads(text: str | bytes) -> Any:
    """JSON columns parsed by orjson (a third of the CPU of a page of applications went to
    the standard parser); what orjson refuses and the standard module reads (NaN, integers
    beyond 64 bits, written by earlier versions with ``json.dumps``) falls back to it."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for chanrong on SQLite or PostgreSQL."""
    parsed = make_url(url)
    kwargs.setdefault("json_deserializer", _json_loads)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_S}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if parsed.database and parsed.database != ":memory:":
            path = str(Path(parsed.database).resolve())
            _write_queue(engine, path)
            CHECKPOINTER.watch(engine, path)
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def pool_options(url: str, *, size: int, timeout: float) -> dict[str, Any]:
    """Engine arguments bounding the connection pool: ``size`` kept open, none beyond it,
    and a wait of at most ``timeout`` seconds for one (then SQLAlchemy's TimeoutError, which
    the API answers 503). Nothing for an in-memory SQLite database, which has one connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"):
        return {}
    return {"pool_size": size, "max_overflow": 0, "pool_timeout": timeout}


def commit_and_close(session: Session) -> None:
    """End a unit of work: commit it, or roll it back if the commit fails; close either way."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def rollback_and_close(session: Session) -> None:
    """Abandon a unit of work: roll it back and close the session, even if the rollback fails."""
    try:
        session.rollback()
    finally:
        session.close()


class Database:
    """One database: its engine and the sessions cut from it."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work commits as a whole when the block ends, or rolls back on error."""
        session = self.sessions()
        try:
            yield session
        except BaseException:
            rollback_and_close(session)
            raise
        commit_and_close(session)

    async def write_turn(self, session: Session) -> None:
        """Wait, without blocking the event loop, for the turn to write to an SQLite file, and
        hold it for ``session``'s transaction (released at its commit or rollback).

        For a route that writes on the event loop (the decision route): a write there that
        found the turn taken would otherwise have to stop the loop until it came. Elsewhere
        (PostgreSQL, memory) nothing is queued and this returns at once."""
        queue = _engine_queues.get(self.engine)
        if queue is None:
            return
        conn = session.connection()
        if conn.info.get(_HOLDS):
            return
        deadline = time.monotonic() + _BUSY_TIMEOUT_S
        pause = 0.0002
        while not queue.try_acquire():
            if time.monotonic() >= deadline:
                raise ServiceUnavailable(
                    "the database is busy writing; try again shortly", retry_after=1
                )
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.002)
        conn.info[_HOLDS] = True

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def dispose(self) -> None:
        self.engine.dispose()
