"""A fresh, migrated database for one benchmark run, on SQLite or PostgreSQL, removed afterwards.

The benchmark scripts import it as ``from _db import …``: each runs as
``python benchmarks/<name>.py``, which puts this directory first on ``sys.path``.

SQLite lives in a temporary directory; PostgreSQL is a throwaway database created on the
server named by ``CHANRONG_TEST_POSTGRES_URL`` (``eval "$(bash scripts/services.sh start)"``)
and dropped, connections and all, when the run ends, even when it fails.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chanrong.storage import migrate
from chanrong.storage.database import Database

POSTGRES_ENV = "CHANRONG_TEST_POSTGRES_URL"


def postgres_server() -> str:
    """The PostgreSQL server URL from the environment; exits with how to get one if unset."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        sys.exit(f"--backend postgres needs {POSTGRES_ENV} (scripts/services.sh start)")
    return base


def _on_server(server_url: str, statement: str) -> None:
    """Run one statement on the server's own database, outside a transaction (CREATE and
    DROP DATABASE cannot run inside one)."""
    admin_url = make_url(server_url).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(statement))
    finally:
        admin.dispose()


def throwaway_postgres(server_url: str, prefix: str = "chanrong_bench") -> str:
    """Create an empty database ``<prefix>_<random>`` on the server and return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    _on_server(server_url, f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def drop_postgres(server_url: str, url: str) -> None:
    """Drop the database at ``url`` from the server, ending any connection still open to it."""
    _on_server(server_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


@contextmanager
def migrated_url(backend: str, label: str) -> Iterator[str]:
    """The URL of a fresh database at the latest schema, removed afterwards.

    ``backend`` is ``sqlite`` or ``postgres``; ``label`` names the temporary directory and
    file (``chanrong-bench-<label>-…/<label>.db``) or the database (``chanrong_bench_<label>_…``).
    """
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"chanrong-bench-{label}-") as tmp:
            url = f"sqlite:///{Path(tmp) / f'{label}.db'}"
            migrate.upgrade(url)
            yield url
        return
    server = postgres_server()
    url = throwaway_postgres(server, f"chanrong_bench_{label}")
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_postgres(server, url)


@contextmanager
def migrated_database(backend: str, label: str, **engine: Any) -> Iterator[Database]:
    """A :class:`Database` on :func:`migrated_url`; ``engine`` goes to ``Database`` (pool sizes)."""
    with migrated_url(backend, label) as url:
        db = Database(url, **engine)
        try:
            yield db
        finally:
            db.dispose()
