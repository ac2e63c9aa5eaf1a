"""Group commit: one writer runs many clients' write use cases in one SQLite transaction.

SQLite admits one writer at a time. With one transaction per use case, 32 clients queue for
the write lock one by one and each pays in full for what every write transaction repeats:
``BEGIN IMMEDIATE``, the commit, the lock of the verifiable log's head with its tree nodes,
head row and job event, the look-ups of the same organisations and limit rows. Here clients
hand their use case (a function of a session) to one writer thread and wait; the writer
takes everything queued (up to ``max_batch``), opens one transaction, runs the use cases one
after another, appends all their log entries at once (``writes.DeferredLog``) and commits.
Each use case is validated as before and fails alone, its log entries dropped, its caller
getting its own error, and the rest of the batch commits:

- on SQLite the use cases run without savepoints (opening and releasing one per use case
  through the session was a tenth of the writer's time). A use case refused by its checks
  has written nothing (SQLite's count of changed rows says so, and nothing is pending in
  the session), so the batch goes on. One that fails after it had written anything rolls
  the whole transaction back, and the batch runs again from the start the safe way below:
  so a use case may run twice, and must be a function of its session only;
- otherwise (and in that second run) each use case runs in its own savepoint, rolled back
  when it fails.

A failed commit (or a failed append of the batch's log entries) fails every use case of the
batch that had succeeded (none of it was written).

Use cases see each other's writes in batch order, exactly as if they had committed one after
another; the checks (holder, state, version, exposure limit) run against that state.

The writer takes the database's write turn (``Database.write_turn``'s queue, entered by the
``BEGIN IMMEDIATE`` it issues from its own thread) like any other writer of the file, once per
batch, and hands it back at the commit; it never writes around it. ``committer_for`` gives the
API one shared committer per SQLite file, whose thread ends itself when idle.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chanrong.storage.database import Database, commit_and_close, rollback_and_close
from chanrong.supplychain import access
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import DEFERRED_LOG, DeferredLog

T = TypeVar("T")


@dataclass(eq=False)
class _Call(Generic[T]):
    fn: Callable[[Session], T]
    check: Callable[[Session], object] | None = None
    future: Future[T] = field(default_factory=Future)
    result: T | None = None
    error: BaseException | None = None


class GroupCommitter:
    """A writer thread for one database that commits queued use cases in batches.

    Use as a context manager (the thread stops, after finishing what is queued, at exit)::

        with GroupCommitter(db) as writer:
            certs = writer.run(lambda s: service.split_certificate(s, who, cert_id, [5]))
    """

    def __init__(
        self, db: Database, *, max_batch: int = 64, idle_seconds: float | None = None
    ) -> None:
        """``idle_seconds``: the writer thread ends itself after that long with nothing
        queued, and ``submit`` starts a new one (the API's shared committer); None keeps it
        running until ``close``."""
        if max_batch < 1:
            raise ValueError("max_batch: at least 1")
        self.db = db
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self.batches = 0  # committed or failed transactions, for the benchmark's figures
        self.calls = 0
        self.cpu_seconds = 0.0  # the writer thread's own CPU time spent on batches
        self.reruns = 0  # batches rolled back and run again with a savepoint per use case
        # On SQLite the batch runs without a savepoint per use case (``_attempt``); on
        # PostgreSQL a failed statement aborts the whole transaction, and there is no count
        # of changed rows to tell a use case that wrote from one that did not: savepoints.
        self._unguarded = db.engine.url.get_backend_name() == "sqlite"
        self._queue: queue.SimpleQueue[_Call[Any] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._started = False
        self._guard = threading.Lock()  # starting and idle-stopping the thread
        # Organisations' facts looked up by committed batches (``access.known_orgs``).
        self._orgs: dict[str, Any] = {}

    def __enter__(self) -> GroupCommitter:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the writer thread."""
        with self._guard:
            self._start_locked()

    def _start_locked(self) -> None:
        if not self._started:
            self._started = True
            self._thread = threading.Thread(target=self._loop, name="scf-group-commit", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Finish what is queued and stop the writer thread."""
        with self._guard:
            thread, started = self._thread, self._started
            if started:
                self._queue.put(None)
        if started and thread is not None:
            thread.join()
            with self._guard:
                self._started = False

    def submit(
        self, fn: Callable[[Session], T], *, check: Callable[[Session], object] | None = None
    ) -> Future[T]:
        """Queue ``fn`` for a coming batch; its future resolves once the batch has committed,
        to its result, or to its own error (or the commit's, if the batch could not commit).
        Calls queued before ``start`` go into the first batch, in the order queued. ``fn``
        may be run twice (its batch rolled back and run again with savepoints, when some
        use case in it failed after writing): it must act only through its session.

        ``check``, if given, is a read-only test of ``fn``'s own first checks (it must write
        nothing): run before ``fn``'s savepoint, so a use case that lost its race is refused,
        with the error ``fn`` would have raised, after one read and without a savepoint."""
        call: _Call[T] = _Call(fn, check)
        if self.idle_seconds is None:
            self._queue.put(call)
            return call.future
        # Under the guard: the idle thread decides to end only while holding it and seeing
        # the queue empty, so a call queued here always has a thread to run it.
        with self._guard:
            self._queue.put(call)
            self._start_locked()
        return call.future

    def run(
        self, fn: Callable[[Session], T], *, check: Callable[[Session], object] | None = None
    ) -> T:
        """Run ``fn`` in the next batch and wait for it: ``submit(fn, check=check).result()``."""
        if not self._started and self.idle_seconds is None:
            raise RuntimeError("the group committer is not running")
        return self.submit(fn, check=check).result()

    def run_batch(
        self,
        items: list[tuple[Callable[[Session], Any], Callable[[Session], object] | None]],
        *,
        guard: Callable[[Session], bool] | None = None,
    ) -> list[tuple[Any, BaseException | None]] | None:
        """Run ``items`` (use case, its check) as one batch in the caller's own thread and
        return each one's (result, error): for a caller that is itself the one writer loop
        (``command_link``'s server), which needs no thread hand-off. Not while the writer
        thread runs. Same rules as ``submit``: each fails alone, and may run twice.

        ``guard``, if given, is asked first thing in the batch's write transaction (a read:
        it must write nothing) whether what the batch was admitted on still holds; when it
        says no, the transaction is rolled back before any use case runs and None is
        returned (nothing written, nothing counted)."""
        if self._started:
            raise RuntimeError("run_batch: the writer thread is running; use submit")
        batch = [_Call(fn, check) for fn, check in items]
        cpu = time.thread_time()
        ran = self._commit(batch, guard)
        self.cpu_seconds += time.thread_time() - cpu
        if not ran:
            return None
        return [(call.result, call.error) for call in batch]

    def _next(self) -> _Call[Any] | None:
        """The next queued call; None to stop (``close``, or idle for ``idle_seconds``)."""
        while True:
            try:
                return self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._guard:
                    if self._queue.empty():
                        self._started = False
                        return None

    def _loop(self) -> None:
        while True:
            first = self._next()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            cpu = time.thread_time()
            self._commit(batch)
            self.cpu_seconds += time.thread_time() - cpu
            if stop:
                return

    def _commit(
        self, batch: list[_Call[Any]], guard: Callable[[Session], bool] | None = None
    ) -> bool:
        """Run ``batch``; False when ``guard`` refused it (nothing ran)."""
        if self._unguarded:
            done = self._attempt(batch, savepoints=False, guard=guard)
            if done is not False:
                return done is not None
            # A use case failed after it had written: the whole batch was rolled back, and
            # runs again, each use case in its own savepoint, so that one fails alone.
            self.reruns += 1
            for call in batch:
                call.error, call.result = None, None
        return self._attempt(batch, savepoints=True, guard=guard) is not None

    def _attempt(
        self,
        batch: list[_Call[Any]],
        *,
        savepoints: bool,
        guard: Callable[[Session], bool] | None = None,
    ) -> bool | None:
        """Run and commit ``batch`` in one transaction. Without ``savepoints`` (SQLite), the
        use cases run back to back; one that fails having written nothing (a refusal by its
        checks, the usual failure) fails alone, and one that fails after writing anything
        rolls the whole transaction back: False, nothing resolved, to run it again safely.
        None when ``guard`` refused the batch (rolled back before anything ran)."""
        session = self.db.sessions()
        try:
            repo = SupplyChainRepository(session)
            repo.begin_write()
            if guard is not None and not guard(session):
                rollback_and_close(session)
                return None
            deferred = DeferredLog()
            session.info[DEFERRED_LOG] = deferred
            looked_up = access.known_orgs(session)
            looked_up.update(self._orgs)
            dbapi = None if savepoints else _dbapi(session)
            for call in batch:
                if call.check is not None:
                    try:
                        call.check(session)
                    except Exception as exc:  # refused before writing: nothing to undo
                        call.error, call.result = exc, None
                        continue
                mark = deferred.mark()
                if dbapi is not None:
                    changes = dbapi.total_changes
                    try:
                        call.result = call.fn(session)
                        # Its pending objects written now: a later failure sees only its own.
                        session.flush()
                    except Exception as exc:
                        if not _untouched(session, dbapi, changes, exc):
                            rollback_and_close(session)
                            return False
                        deferred.drop_since(mark)
                        call.error, call.result = exc, None
                    continue
                savepoint = session.begin_nested()
                try:
                    call.result = call.fn(session)
                    savepoint.commit()
                except Exception as exc:  # the use case fails alone; the batch goes on
                    # Also when its flush failed (the savepoint is then inactive but must still
                    # be rolled back, or the session refuses everything after it).
                    savepoint.rollback()
                    deferred.drop_since(mark)
                    call.error, call.result = exc, None
            deferred.append(repo)
            del session.info[DEFERRED_LOG]
        except BaseException as exc:
            rollback_and_close(session)
            self._fail(batch, exc)
            return True
        try:
            commit_and_close(session)
        except BaseException as exc:
            self._fail(batch, exc)
            return True
        self._orgs.update(looked_up)  # read in a transaction that committed
        self.batches += 1
        self.calls += len(batch)
        for call in batch:
            _resolve(call)
        return True

    def _fail(self, batch: list[_Call[Any]], exc: BaseException) -> None:
        """The batch's transaction is gone: every use case in it that had succeeded fails."""
        self.batches += 1
        self.calls += len(batch)
        for call in batch:
            if call.error is None:
                call.error, call.result = exc, None
            _resolve(call)


def _dbapi(session: Session) -> Any:
    """The ``sqlite3`` connection under ``session``'s transaction (begun for writing)."""
    return session.connection().connection.dbapi_connection


def _untouched(session: Session, dbapi: Any, changes: int, exc: Exception) -> bool:
    """Whether a use case that raised ``exc`` left the transaction as it found it: no row
    inserted, updated or deleted since (SQLite's count of changed rows), nothing pending in
    the session, the session still usable, and not a database error (whose statement may
    have been part-way through)."""
    return (
        not isinstance(exc, SQLAlchemyError | sqlite3.Error)
        and session.is_active
        and dbapi.total_changes == changes
        and not (session.new or session.dirty or session.deleted)
    )


def _resolve(call: _Call[Any]) -> None:
    if call.error is not None:
        call.future.set_exception(call.error)
    else:
        call.future.set_result(call.result)


# One committer per SQLite database file, shared by the API's write routes.
_shared: weakref.WeakKeyDictionary[Database, GroupCommitter] = weakref.WeakKeyDictionary()
_shared_guard = threading.Lock()
SHARED_IDLE_SECONDS = 2.0
SHARED_MAX_BATCH = 64


def committer_for(db: Database) -> GroupCommitter | None:
    """The shared committer of an SQLite file (started on first use, its thread ending when
    idle); None for PostgreSQL, whose writers lock rows and commit side by side, and for an
    in-memory SQLite database, whose one connection cannot be shared with a writer thread."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    with _shared_guard:
        writer = _shared.get(db)
        if writer is None:
            writer = GroupCommitter(
                db, max_batch=SHARED_MAX_BATCH, idle_seconds=SHARED_IDLE_SECONDS
            )
            _shared[db] = writer
    return writer
