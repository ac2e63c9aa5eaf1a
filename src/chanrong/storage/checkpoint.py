"""SQLite's WAL checkpoints, moved off the commit path into one thread per process.

By default SQLite checkpoints inside a commit: the commit that grows the write-ahead log past
1,000 pages copies it back into the database file and syncs it before returning. Measured on
the decision route (200 decisions in-process, 2,000 commits): 1–2 % of commits took 10–60 ms
that way, against 0.03 ms for the rest, and every writer queued behind them (the busy handler
sleeps in steps of up to 100 ms). So every connection here turns automatic checkpoints off
(``PRAGMA wal_autocheckpoint=0``) and this thread runs a PASSIVE checkpoint of each database
written to since its last pass, about twice a second, on a connection of its own. A PASSIVE
checkpoint takes no write lock and waits for no reader or writer: commits go on while it copies,
and the next writer restarts the log once everything in it has been copied, so the log stays
bounded as before. The last connection to close still folds the whole log into the file
(an engine's dispose waits for a pass in progress, so it is that last connection).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass, field
from urllib.parse import quote

from sqlalchemy import Engine, event

INTERVAL_S = 0.5


@dataclass
class _Database:
    path: str
    dirty: bool = False
    engines: weakref.WeakSet[Engine] = field(default_factory=weakref.WeakSet)
    # Held for a pass's whole open-checkpoint-close: an engine's dispose waits for it, so
    # once dispose returns no connection of ours is open (see ``watch``).
    lock: threading.Lock = field(default_factory=threading.Lock)


class Checkpointer:
    """One thread checkpointing every SQLite file this process writes to."""

    def __init__(self, interval_s: float = INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._databases: dict[str, _Database] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.passes = 0  # checkpoints run (tests read it)

    def watch(self, engine: Engine, path: str) -> None:
        """Checkpoint ``path`` after ``engine``'s commits, for as long as the engine lives."""
        with self._lock:
            db = self._databases.setdefault(path, _Database(path))
            db.engines.add(engine)

        def committed(_conn: object) -> None:
            db.dirty = True
            self._ensure_thread()

        def disposed(_engine: Engine) -> None:
            # The last connection to close checkpoints the whole log into the file and removes
            # it. Waiting out a pass in progress makes the engine's dispose that last close (or
            # our pass's, before this returns), so the file alone holds everything after a
            # dispose: what copying a migrated template database relies on.
            with db.lock:
                pass

        event.listen(engine, "commit", committed)
        event.listen(engine, "engine_disposed", disposed)

    def unwatch(self, path: str) -> None:
        """Stop checkpointing ``path`` (its commits no longer count)."""
        with self._lock:
            self._databases.pop(path, None)

    def _ensure_thread(self) -> None:
        # Threads do not survive fork: a server's forked processes each start their own.
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, name="chanrong-sqlite-checkpoint", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(self.interval_s)
            self.run_once()

    def run_once(self) -> None:
        """One pass: checkpoint each database written to since the last pass; forget those
        whose engines are gone."""
        with self._lock:
            databases = list(self._databases.values())
        for db in databases:
            if not db.engines:
                self._forget(db)
                continue
            if not db.dirty:
                continue
            db.dirty = False
            self._checkpoint(db)

    def _checkpoint(self, db: _Database) -> None:
        # A connection per pass (about 0.1 ms, twice a second): one kept open would stop the
        # engine's last connection from folding the log into the file when it closes.
        with db.lock:
            try:
                # timeout 0: a PASSIVE checkpoint never waits, and neither does opening;
                # mode=rw: a database removed meanwhile is not created again, empty.
                conn = sqlite3.connect(f"file:{quote(db.path)}?mode=rw", uri=True, timeout=0)
            except sqlite3.Error:
                return  # the file is gone (a test's temporary database)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self.passes += 1
            except sqlite3.Error:
                pass  # busy: another process's checkpoint; the next commit marks it again
            finally:
                conn.close()

    def _forget(self, db: _Database) -> None:
        with self._lock:
            if self._databases.get(db.path) is db and not db.engines:
                del self._databases[db.path]


CHECKPOINTER = Checkpointer()
