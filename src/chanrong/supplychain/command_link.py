"""Certificate commands from other processes to the one writer of an SQLite file.

SQLite has one writer at a time, and one writer process committing many clients' use cases
per transaction is its fastest shape (``group_commit``). Clients in the writer's own process
share its interpreter lock, though: their reads, their waiting and their thread switches come
out of the writer's core. Here the clients live in other processes, read what they need from
the database file themselves (WAL readers never block the writer), and send their writes as
commands (``commands``: named ops with plain JSON arguments; no pickle) over a local socket.

``CommandServer`` listens on a Unix socket (``multiprocessing.connection``: length-prefixed
frames, and a client must prove the shared ``authkey`` by HMAC before it is heard). Its one
loop waits on every connection, reads one command from each that has one, runs them all as
one group-commit batch in its own thread (``GroupCommitter.run_batch``: each fails alone, the
rest commit in one transaction), and answers each on its connection. A command that is not
one (bad JSON, unknown op or key, a mistyped value) is answered at once with the field named,
and never reaches the database.

The shared key only admits a process to the socket; each command acts as the user whose API
key it carries, and is checked as the HTTP routes check a request (``commands.authorise``:
the key verified as the API verifies it, the user a member of the organisation named in
``as``, with the kind of organisation and role the same write's route asks). Every batch is
authorised afresh. When each key it carries was verified for an earlier batch under
identity's stamp as last read (a value every write of an organisation, a user or a key
replaces, ``commands.KnownKeys``), it is authorised from those keys with no read, their
expiry checked against the clock, and its own write transaction reads the stamp first and
runs nothing if it changed; otherwise (and then) it is authorised in one short read before
its write transaction, each distinct key verified against its rows. A revoked or expired
key, a deactivated user, a role or membership taken away refuses every command of each
batch authorised after it committed. A refused command is answered with the field named
(``api_key`` or ``as``) and never enters the batch's transaction; the rest of the batch goes
on.

A client that goes away (closed, killed) only loses its connection: a command the server had
read runs whole or not at all with its batch, its answer is dropped, and a frame cut short is
never parsed. ``CommandClient`` is one connection, for one thread at a time.

The loop reads a frame whole once it has started: a client that stopped half-way through
sending one (alive, but stuck) would hold it up. Frames are a few hundred bytes, written in
one ``send`` by ``CommandClient``; the clients are processes holding the key, not strangers.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing import Pipe
from multiprocessing.connection import Client, Connection, Listener
from types import TracebackType
from typing import Any

import structlog
from sqlalchemy import Connection as DbConnection
from sqlalchemy.orm import Session

from chanrong.core.clock import Clock, SystemClock
from chanrong.core.errors import ChanrongError
from chanrong.identity.domain import Principal
from chanrong.storage.database import Database
from chanrong.supplychain import commands
from chanrong.supplychain.group_commit import GroupCommitter

log = structlog.get_logger("chanrong.supplychain")

MAX_COMMAND_BYTES = 64 * 1024  # a command is a few hundred bytes; a longer frame is refused


class CommandServer:
    """Runs certificate commands from local clients, many per transaction.

    ::

        with CommandServer(db, "/run/chanrong/scf.sock", authkey=key) as server:
            ...  # clients connect with CommandClient(path, key)

    ``committer`` counts the batches, calls and the writing CPU time (``GroupCommitter``);
    ``auth_cpu_seconds`` is the loop's CPU time spent authorising the batches' users,
    ``denied`` how many commands that refused, and ``known`` the keys verified so far
    (``hits``: taken from there while identity's rows were unchanged).
    """

    def __init__(
        self,
        db: Database,
        address: str,
        *,
        authkey: bytes,
        max_batch: int = 64,
        clock: Clock | None = None,
    ) -> None:
        """Listen on the Unix socket ``address`` (created here; removed by ``close``).
        ``clock`` tells the time keys are checked for expiry at (the system's when None)."""
        if not authkey:
            raise ValueError("authkey: a shared key is required")
        self.address = address
        self.max_batch = max_batch
        self.db = db
        self.committer = GroupCommitter(db, max_batch=max_batch)
        self.commands = 0  # commands read, refused ones included
        self.denied = 0  # commands refused by ``commands.authorise``
        self.auth_cpu_seconds = 0.0
        # The authorising reads' own connection, held by the loop for the server's life: one
        # checked out of the pool for every batch (a ping first, on PostgreSQL) came to as
        # much as the reads. Each batch's reads end with a rollback, so the next sees every
        # commit since (a revocation included).
        self._reader_conn: DbConnection | None = None
        self._reader: Session | None = None
        self.known = commands.KnownKeys()
        self.stale = 0  # batches authorised from kept keys whose stamp had changed by the write
        self.clock: Clock = clock or SystemClock()
        self._listener = Listener(address, family="AF_UNIX", authkey=authkey)
        self._wake_in, self._wake_out = _pipe()
        self._arrived: list[Connection] = []  # accepted, not yet waited on by the loop
        self._arrived_lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> CommandServer:
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
        """Accept clients and run their commands, each in its own thread, until ``close``."""
        for target, name in ((self._accept, "scf-command-accept"), (self._loop, "scf-command")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def close(self) -> None:
        """Stop accepting, finish the batch in hand, close every connection."""
        self._stopping.set()
        self._wake_out.send_bytes(b"")
        # ``accept`` does not return when its socket is closed under it: a plain connection
        # (failing the key's challenge) wakes it to see the stop.
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as poke:
            poke.connect(self.address)
        for t in self._threads:
            t.join()
        self._listener.close()
        with self._arrived_lock:
            for conn in self._arrived:
                conn.close()
        self._drop_reader()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn = self._listener.accept()  # the key's challenge answered, or refused
            except Exception as exc:  # a failed challenge (or the poke of close)
                if not self._stopping.is_set():
                    log.warning("scf command client refused", error=type(exc).__name__)
                continue
            with self._arrived_lock:
                self._arrived.append(conn)
            self._wake_out.send_bytes(b"")

    def _loop(self) -> None:
        # One selector kept across rounds, each connection registered once (``wait`` would
        # build a selector and register every connection again for every round).
        selector = selectors.DefaultSelector()
        selector.register(self._wake_in, selectors.EVENT_READ)
        conns: dict[int, Connection] = {}
        try:
            while not self._stopping.is_set():
                pending: list[tuple[Connection, commands.Command]] = []
                for key, _ in selector.select():
                    conn = key.fileobj
                    assert isinstance(conn, Connection)
                    if conn is self._wake_in:
                        self._drain_wake(selector, conns)
                        continue
                    cmd = self._read(conn, selector, conns)
                    if cmd is not None:
                        pending.append((conn, cmd))
                for at in range(0, len(pending), self.max_batch):
                    self._run(pending[at : at + self.max_batch], selector, conns)
        finally:
            selector.close()
            for conn in conns.values():
                conn.close()

    def _drain_wake(self, selector: selectors.BaseSelector, conns: dict[int, Connection]) -> None:
        while self._wake_in.poll():
            self._wake_in.recv_bytes()
        with self._arrived_lock:
            for conn in self._arrived:
                conns[id(conn)] = conn
                selector.register(conn, selectors.EVENT_READ)
            self._arrived.clear()

    def _read(
        self, conn: Connection, selector: selectors.BaseSelector, conns: dict[int, Connection]
    ) -> commands.Command | None:
        """The command waiting on ``conn``; None when it was refused (answered) or the
        client went away (dropped)."""
        try:
            raw = conn.recv_bytes(MAX_COMMAND_BYTES)
        except (EOFError, OSError):  # closed, killed, or a frame too long: gone
            _drop(conn, selector, conns)
            return None
        self.commands += 1
        try:
            return commands.parse(raw)
        except ChanrongError as exc:
            self._send(conn, commands.refusal(exc), selector, conns)
            return None

    def _run(
        self,
        batch: list[tuple[Connection, commands.Command]],
        selector: selectors.BaseSelector,
        conns: dict[int, Connection],
    ) -> None:
        replies = self.execute([cmd for _, cmd in batch])
        for (conn, _), reply in zip(batch, replies, strict=True):
            self._send(conn, reply, selector, conns)

    def execute(self, batch: Sequence[commands.Command]) -> list[bytes]:
        """Authorise parsed commands and run those admitted as one group-commit batch; the
        reply to each, in order. The loop's own step (not while the server runs: one writer).

        When every key of the batch was verified before, under identity's current stamp as
        last read, the batch is authorised from those keys without a read, and its write
        transaction first checks that the stamp is still that (``commands.still_at``); when
        it is not (identity changed since), nothing has run: the batch is authorised again
        from the rows, in a read of its own, and run after it."""
        fresh = False
        while True:
            cpu = time.thread_time()
            verdicts, stamp = self._authorise(batch, fresh=fresh)
            self.auth_cpu_seconds += time.thread_time() - cpu
            admitted = [
                (at, cmd, verdict)
                for at, (cmd, verdict) in enumerate(zip(batch, verdicts, strict=True))
                if isinstance(verdict, Principal)
            ]
            if not admitted:
                outcomes: list[tuple[Any, BaseException | None]] = []
                break
            guard = None if fresh or stamp is None else self._still_at(stamp)
            ran = self.committer.run_batch(
                [cmd.use_case(who) for _, cmd, who in admitted], guard=guard
            )
            if ran is not None:
                outcomes = ran
                break
            self.stale += 1
            fresh = True
        replies: list[bytes] = [b""] * len(batch)
        for at, verdict in enumerate(verdicts):
            if not isinstance(verdict, Principal):
                self.denied += 1
                replies[at] = commands.refusal(verdict)
        for (at, cmd, _), (result, error) in zip(admitted, outcomes, strict=True):
            if error is None:
                replies[at] = commands.answer(cmd.op, result)
            else:
                if not isinstance(error, ChanrongError):
                    log.error("scf command failed", op=cmd.op, error=type(error).__name__)
                replies[at] = commands.refusal(error)
        return replies

    def _authorise(
        self, batch: Sequence[commands.Command], *, fresh: bool
    ) -> tuple[Sequence[Principal | BaseException], str | None]:
        """Each command's verdict, and the identity stamp it holds under (None when there is
        no stamp: then it was read just now, for this batch). Unless ``fresh``, from the keys
        verified before when the batch has no other (no read); else ``commands.authorise``
        in a read of its own, ended before the batch's write transaction begins. When that
        read fails (the database gone), nobody is admitted and the connection is dropped, to
        be made again for the next batch."""
        now = self.clock.now()
        if not fresh:
            kept = commands.authorise_kept(batch, self.known, now=now)
            if kept is not None:
                return kept, self.known.stamp
        try:
            if self._reader is None:
                self._reader_conn = self.db.engine.connect()
                self._reader = self.db.sessions(bind=self._reader_conn)
            return commands.authorise(self._reader, batch, self.known, now=now), self.known.stamp
        except Exception as exc:
            log.error("scf command authorisation failed", error=type(exc).__name__)
            self.known.clear()  # a new connection starts from what its own reads say
            self._drop_reader()
            return [exc] * len(batch), None
        finally:
            if self._reader is not None:
                self._reader.close()  # ends the read; the connection stays with the loop

    def _still_at(self, stamp: str) -> Callable[[Session], bool]:
        """The batch's guard: identity's stamp, read in its write transaction, is ``stamp``
        (its CPU time counted with the authorising)."""

        def guard(session: Session) -> bool:
            cpu = time.thread_time()
            try:
                return commands.stamp_is(session, stamp)
            finally:
                self.auth_cpu_seconds += time.thread_time() - cpu

        return guard

    def _drop_reader(self) -> None:
        session, conn = self._reader, self._reader_conn
        self._reader = self._reader_conn = None
        with contextlib.suppress(Exception):  # already broken is fine: it is let go
            if session is not None:
                session.close()
            if conn is not None:
                conn.close()

    def _send(
        self,
        conn: Connection,
        reply: bytes,
        selector: selectors.BaseSelector,
        conns: dict[int, Connection],
    ) -> None:
        if conn.closed:  # dropped earlier in this round
            return
        try:
            conn.send_bytes(reply)
        except OSError:  # the client went away after sending: its command stands or not
            _drop(conn, selector, conns)


def _drop(conn: Connection, selector: selectors.BaseSelector, conns: dict[int, Connection]) -> None:
    if conns.pop(id(conn), None) is not None:
        selector.unregister(conn)
    conn.close()


def _pipe() -> tuple[Connection, Connection]:
    """A one-way pipe (read end, write end) that wakes the loop's ``wait``."""
    return Pipe(duplex=False)


class CommandClient:
    """One connection to a ``CommandServer``; for one thread at a time.

    ::

        with CommandClient(path, key) as link:
            children = link.call(
                "split", holder_org_id, api_key=officer_key, cert_id=c, parts_fen=[300, 200]
            )
    """

    def __init__(self, address: str, authkey: bytes) -> None:
        self._conn = Client(address, family="AF_UNIX", authkey=authkey)

    def __enter__(self) -> CommandClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def call(self, op: str, org_id: str | None = None, *, api_key: str, **args: Any) -> Any:
        """Run one command as the user of ``api_key`` acting for ``org_id`` and return its
        result (plain JSON values), or raise its error as the ``ChanrongError`` its answer
        names (``commands.outcome``). ``at=`` a datetime sets the moment it happens."""
        return self.send(commands.encode(op, org_id, api_key=api_key, **args))

    def send(self, raw: bytes) -> Any:
        """Send a command's bytes as they are and return its outcome (``call`` encodes)."""
        self._conn.send_bytes(raw)
        return commands.outcome(self._conn.recv_bytes())

    def close(self) -> None:
        """Close the connection (the server drops it)."""
        self._conn.close()
