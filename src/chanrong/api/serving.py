"""Running the API under uvicorn: one process, or several that share the port.

uvicorn's own ``--workers`` mode had two faults that cost a decision request most of its
latency budget here, so several workers are run this way instead:

- it binds the shared socket as ``socket.socket(family)``, protocol number 0, and asyncio only
  sets TCP_NODELAY on sockets that say IPPROTO_TCP; responses leave as a header write and a
  body write, so the body waited for the client's delayed ACK, 40 ms on every POST answer;
- all workers accept from one socket, and the busiest one kept winning: on two cores one
  worker ran at 100 % while the other idled.

Here each worker binds its own socket with SO_REUSEPORT, so the kernel spreads connections
over the workers, and every socket says IPPROTO_TCP and has TCP_NODELAY set; a worker also
stops when its supervisor dies, however it died.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import socket
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import uvicorn

if TYPE_CHECKING:
    from fastapi import FastAPI

APP = "chanrong.api.serving:served_app"


def served_app() -> FastAPI:
    """The API as a serving process runs it: built, then its start-up heap frozen.

    Importing the platform leaves some 360,000 long-lived objects (pandas, scikit-learn,
    LightGBM, SQLAlchemy's mappers), and every full collection walked all of them: a 210 ms
    pause once every few thousand requests, which alone broke the decision route's p99.
    Frozen objects are left out of collections; what requests create is collected as before.
    Tests build many apps in one process and do not freeze.
    """
    # Imported here: the supervising process of several workers never builds an app itself.
    from chanrong.api.app import create_app
    from chanrong.core.logs import configure_logging

    # Each worker is a fresh interpreter (spawned): it configures logging itself, before
    # anything can log.
    configure_logging()
    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` with Nagle's algorithm off."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Accepted connections inherit it from the listening socket on Linux.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def listeners(port: int) -> int:
    """How many sockets listen on TCP ``port`` on this machine (Linux ``/proc``): with several
    workers each binds its own, so this says when all of them are up."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def _config(log_level: str) -> uvicorn.Config:
    # log_config=None: uvicorn installs no handlers of its own; its loggers propagate to the
    # one redacting handler of ``chanrong.core.logs``.
    return uvicorn.Config(APP, factory=True, log_level=log_level, log_config=None)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def exit_with_parent(parent_pid: int) -> None:
    """Have the kernel send this process SIGTERM when ``parent_pid`` (its parent) dies.

    A supervisor stopped by SIGKILL or a crash runs no handler, and its workers would go on
    serving the port with nobody to stop them; a restarted supervisor then shares the port with
    orphans running old code. Linux only; elsewhere nothing happens.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            return
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # it died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _worker(host: str, port: int, log_level: str, parent_pid: int) -> None:
    exit_with_parent(parent_pid)
    sock = listening_socket(host, port, reuse_port=True)
    uvicorn.Server(_config(log_level)).run(sockets=[sock])


def serve(*, host: str, port: int, workers: int = 1, log_level: str = "info") -> None:
    """Serve the API on ``host:port`` with ``workers`` processes (blocks until stopped).

    With several workers, SIGINT or SIGTERM stops them all; if one dies the others are
    stopped too, so whatever supervises this process sees the failure and restarts it.
    """
    if workers <= 1:
        sock = listening_socket(host, port, reuse_port=False)
        uvicorn.Server(_config(log_level)).run(sockets=[sock])
        return
    # Bind once here first: a port already taken fails now, in plain words, not in N children.
    listening_socket(host, port, reuse_port=True).close()
    spawn = multiprocessing.get_context("spawn")
    procs = [
        spawn.Process(
            target=_worker, args=(host, port, log_level, os.getpid()), name=f"chanrong-api-{i}"
        )
        for i in range(workers)
    ]

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for p in procs:
            if p.is_alive():
                p.terminate()

    previous: dict[int, Any] = {
        sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        for p in procs:
            p.start()
        while any(p.is_alive() for p in procs):
            for p in procs:
                p.join(timeout=0.5)
                if p.exitcode not in (None, 0, -signal.SIGTERM):
                    stop(signal.SIGTERM, None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
