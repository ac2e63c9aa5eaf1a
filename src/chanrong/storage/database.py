"""Engine and unit of work. Services flush; only the edge commits, through ``unit_of_work``."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

_BUSY_TIMEOUT_S = 30


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers run beside one writer; busy_timeout makes writers queue, not fail.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_S * 1000}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


_WRITES = re.compile(
    r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|BEGIN\s+(IMMEDIATE|EXCLUSIVE))\b",
    re.IGNORECASE,
)
_HOLDS = "chanrong_holds_write_queue"
_queues: dict[str, threading.Lock] = {}
_queues_guard = threading.Lock()


def _write_queue(engine: Engine, path: str) -> None:
    """Make this process's writers to one SQLite file wait their turn on a lock.

    SQLite lets one writer in at a time and makes the others poll: its busy handler sleeps
    1, 2, 5 … up to 100 ms between tries, so under concurrent requests a writer that could
    have started a millisecond later waits tens of milliseconds. Here a connection takes a
    process-wide lock before its transaction's first write and drops it at commit or
    rollback, so the next writer wakes the moment the previous one is done. Writers in other
    processes still meet SQLite's own busy handling.
    """
    with _queues_guard:
        queue = _queues.setdefault(path, threading.Lock())

    def before_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if conn.info.get(_HOLDS) or not _WRITES.match(statement):
            return
        # The lock is not reentrant; a thread writing through two connections at once would
        # deadlock in SQLite anyway, so after the busy timeout it goes on and lets SQLite say so.
        if queue.acquire(timeout=_BUSY_TIMEOUT_S):
            conn.info[_HOLDS] = True

    def release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS, False):
            queue.release()

    event.listen(engine, "before_cursor_execute", before_write)
    event.listen(engine, "commit", lambda conn: release(conn.info))
    event.listen(engine, "rollback", lambda conn: release(conn.info))
    # A connection handed back to the pool mid-transaction is rolled back there.
    event.listen(engine.pool, "checkin", lambda _dbapi, record: release(record.info))


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine configured for chanrong on SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": _BUSY_TIMEOUT_S}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        if parsed.database and parsed.database != ":memory:":
            _write_queue(engine, str(Path(parsed.database).resolve()))
        return engine
    if parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, **kwargs)


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
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1

    def dispose(self) -> None:
        self.engine.dispose()
