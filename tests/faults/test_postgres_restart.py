"""PostgreSQL restarted under load: while it is down every request fails cleanly (a 503
problem with Retry-After, never a 500 or a hang), and the same server answers again once the
database is back, with no restart of the API.

The test runs its own PostgreSQL cluster (the shared test cluster is not to be restarted)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.storage import migrate
from chanrong.storage.database import Database
from tests.builders import build_park

PGBIN = max(Path("/usr/lib/postgresql").glob("*/bin"), default=None, key=lambda p: p.parent.name)


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://chanrong@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        assert PGBIN is not None
        subprocess.run(
            _as_postgres([str(PGBIN / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args]),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("-l", str(self.data / "server.log"), "-o", opts, "start")

    def stop(self) -> None:
        self.ctl("-m", "fast", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if PGBIN is None:
        pytest.skip("PostgreSQL is not installed (make test installs it)")
    base = Path(tempfile.mkdtemp(prefix="chanrong-pgfault-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    c = Cluster(base / "data", _free_port())
    subprocess.run(
        _as_postgres(
            [
                str(PGBIN / "initdb"),
                "-D",
                str(c.data),
                "-A",
                "trust",
                "-U",
                "chanrong",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    c.start()
    try:
        yield c
    finally:
        subprocess.run(
            _as_postgres([str(PGBIN / "pg_ctl"), "-D", str(c.data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_requests_fail_cleanly_while_postgres_is_down_and_recover_after(
    cluster: Cluster, tmp_path: Path
) -> None:
    migrate.upgrade(cluster.url)
    db = Database(cluster.url)
    with db.unit_of_work() as s:
        park = build_park(s)
    settings = Settings(
        database_url=cluster.url,
        var_dir=tmp_path / "var",
        jwt_secret="test-secret-0123456789abcdef0123456789abcdef",
    )
    bank = park["bank"]["officer"].headers
    seen: Counter[int] = Counter()
    bad: list[str] = []
    stop = threading.Event()
    with TestClient(create_app(settings, db), raise_server_exceptions=False) as client:

        def load() -> None:
            while not stop.is_set():
                r = client.get("/log/heads", headers=bank)
                seen[r.status_code] += 1
                if r.status_code not in (200, 503):
                    bad.append(f"{r.status_code} {r.text[:200]}")
                elif r.status_code == 503:
                    body = r.json()
                    if "Retry-After" not in r.headers or body.get("status") != 503:
                        bad.append(f"503 without Retry-After or problem body: {r.text[:200]}")

        threads = [threading.Thread(target=load, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        _until(lambda: seen[200] >= 20)
        cluster.stop()
        _until(lambda: seen[503] >= 20)
        cluster.start()
        before = seen[200]
        # The same app, untouched: answers come back by themselves.
        _until(lambda: seen[200] >= before + 20)
        stop.set()
        for t in threads:
            t.join(timeout=60)
            assert not t.is_alive(), "a request hung"
    db.dispose()
    assert bad == [], bad[:5]
    assert seen[503] >= 20 and seen[200] >= 40, seen


def _until(done: object, limit_s: float = 120) -> None:
    """Wait for ``done()``; fail (not hang) if it never holds."""
    deadline = time.monotonic() + limit_s
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the expected answers never came"
        time.sleep(0.05)
