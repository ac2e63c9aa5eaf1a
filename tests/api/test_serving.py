"""`chanrong serve`: sockets with Nagle's algorithm off, and several workers each listening on
the shared port (SO_REUSEPORT), answering, and all stopping on SIGTERM."""

from __future__ import annotations

import gc
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from chanrong.api.serving import listeners, listening_socket, served_app
from chanrong.core.settings import get_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_accepted_connections_have_nodelay() -> None:
    server = listening_socket("127.0.0.1", 0, reuse_port=False)
    server.listen()
    port = server.getsockname()[1]
    assert server.proto == socket.IPPROTO_TCP
    with socket.create_connection(("127.0.0.1", port)):
        conn, _ = server.accept()
        # Inherited from the listening socket: without it, a response's body waits for the
        # client's delayed ACK (40 ms).
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
        conn.close()
    server.close()


def _serve_two_workers(
    tmp_path: Path, port: int, *, by_setting: bool = False
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CHANRONG_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "CHANRONG_VAR_DIR": str(tmp_path),
        "CHANRONG_JWT_SECRET": "serve-test-" + "x" * 40,
        "CHANRONG_LOG_LEVEL": "WARNING",
    }
    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if by_setting:
        env["CHANRONG_API_WORKERS"] = "2"
    else:
        args += ["--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "chanrong.cli.main", *args], env=env, start_new_session=True
    )
    deadline = time.monotonic() + 90
    while listeners(port) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, "serve exited early"
        time.sleep(0.2)
    return proc


def test_two_workers_listen_answer_and_stop(tmp_path: Path) -> None:
    port = _free_port()
    proc = _serve_two_workers(tmp_path, port)
    try:
        assert listeners(port) == 2
        # Fresh connections each time, so both workers' sockets get some.
        for _ in range(20):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json() == {
                "status": "ok"
            }
        r = httpx.get(f"http://127.0.0.1:{port}/credit/applications", timeout=10)
        assert r.status_code == 401
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert listeners(port) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_number_of_processes_comes_from_the_settings(tmp_path: Path) -> None:
    port = _free_port()
    proc = _serve_two_workers(tmp_path, port, by_setting=True)
    try:
        assert listeners(port) == 2
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_by_default_one_process_per_usable_core() -> None:
    from chanrong.core.settings import Settings

    cores = len(os.sched_getaffinity(0))
    assert Settings(api_workers=0).effective_api_workers == max(1, min(8, cores))
    assert Settings(api_workers=3).effective_api_workers == 3


def test_workers_stop_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    """SIGKILL runs no handler in the supervisor: the kernel's parent-death signal stops the
    workers, so none is left serving the port."""
    port = _free_port()
    proc = _serve_two_workers(tmp_path, port)
    try:
        assert listeners(port) == 2
        workers = [
            int(pid)
            for pid in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        ]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 30
        while listeners(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert listeners(port) == 0
        # A worker closes its socket first and exits a moment later (longer on a loaded
        # machine): wait for each to be gone, or a zombie awaiting init's wait.
        while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in workers if _running(pid)] == []
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "zombie" not in status.read_text()
    except FileNotFoundError:
        return False


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_served_app_freezes_its_startup_heap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A serving process's imports are frozen out of the collector (a full collection over them
    # paused a worker for 200 ms); objects made afterwards are still collected.
    monkeypatch.setenv("CHANRONG_DATABASE_URL", f"sqlite:///{tmp_path / 'frozen.db'}")
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CHANRONG_JWT_SECRET", "freeze-test-" + "x" * 40)
    get_settings.cache_clear()
    before = gc.get_freeze_count()
    try:
        app = served_app()
        assert isinstance(app, FastAPI)
        assert gc.get_freeze_count() > before + 10_000
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        get_settings.cache_clear()
