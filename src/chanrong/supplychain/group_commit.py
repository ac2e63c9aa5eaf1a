"""Group commit: one writer runs many clients' write use cases in one SQLite transaction.

SQLite admits one writer at a time. With one transaction per use case, 32 clients queue for
the write lock one by one and each pays in full for what every write transaction repeats:
``BEGIN IMMEDIATE``, the commit, the lock of the verifiable log's head with its tree nodes,
head row and job event, the look-ups of the same organisations and limit rows. Here clients
hand their use case (a function of a session) to one writer thread and wait; the writer
takes everything queued (up to ``max_batch``), opens one transaction, runs each use case in
its own savepoint, appends all their log entries at once (``writes.DeferredLog``) and
commits. Each use case is validated as before and fails alone: its savepoint is rolled back,
its log entries dropped, its caller gets its own error, and the rest of the batch commits. A
failed commit (or a failed append of the batch's log entries) fails every use case of the
batch that had succeeded (none of it was written).

Use cases see each other's writes in batch order, exactly as if they had committed one after
another; the checks (holder, state, version, exposure limit) run against that state.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from chanrong.storage.database import Database, commit_and_close, rollback_and_close
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import DEFERRED_LOG, DeferredLog

T = TypeVar("T")


@dataclass(eq=False)
class _Call(Generic[T]):
    fn: Callable[[Session], T]
    future: Future[T] = field(default_factory=Future)
    result: T | None = None
    error: BaseException | None = None


class GroupCommitter:
    """A writer thread for one database that commits queued use cases in batches.

    Use as a context manager (the thread stops, after finishing what is queued, at exit)::

        with GroupCommitter(db) as writer:
            certs = writer.run(lambda s: service.split_certificate(s, who, cert_id, [5]))
    """

    def __init__(self, db: Database, *, max_batch: int = 64) -> None:
        if max_batch < 1:
            raise ValueError("max_batch: at least 1")
        self.db = db
        self.max_batch = max_batch
        self.batches = 0  # committed or failed transactions, for the benchmark's figures
        self.calls = 0
        self._queue: queue.SimpleQueue[_Call[Any] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="scf-group-commit", daemon=True)
        self._started = False

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
        if not self._started:
            self._started = True
            self._thread.start()

    def close(self) -> None:
        """Finish what is queued and stop the writer thread."""
        if self._started:
            self._queue.put(None)
            self._thread.join()
            self._started = False

    def submit(self, fn: Callable[[Session], T]) -> Future[T]:
        """Queue ``fn`` for a coming batch; its future resolves once the batch has committed,
        to its result, or to its own error (or the commit's, if the batch could not commit).
        Calls queued before ``start`` go into the first batch, in the order queued."""
        call: _Call[T] = _Call(fn)
        self._queue.put(call)
        return call.future

    def run(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in the next batch and wait for it: ``submit(fn).result()``."""
        if not self._started:
            raise RuntimeError("the group committer is not running")
        return self.submit(fn).result()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
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
            self._commit(batch)
            if stop:
                return

    def _commit(self, batch: list[_Call[Any]]) -> None:
        session = self.db.sessions()
        try:
            repo = SupplyChainRepository(session)
            repo.begin_write()
            deferred = DeferredLog()
            session.info[DEFERRED_LOG] = deferred
            for call in batch:
                mark = deferred.mark()
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
            return
        try:
            commit_and_close(session)
        except BaseException as exc:
            self._fail(batch, exc)
            return
        self.batches += 1
        self.calls += len(batch)
        for call in batch:
            _resolve(call)

    def _fail(self, batch: list[_Call[Any]], exc: BaseException) -> None:
        """The batch's transaction is gone: every use case in it that had succeeded fails."""
        self.batches += 1
        self.calls += len(batch)
        for call in batch:
            if call.error is None:
                call.error, call.result = exc, None
            _resolve(call)


def _resolve(call: _Call[Any]) -> None:
    if call.error is not None:
        call.future.set_exception(call.error)
    else:
        call.future.set_result(call.result)
