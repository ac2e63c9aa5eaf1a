"""Test fixtures: real databases (SQLite and PostgreSQL) built by the migrations.

Each test gets its own database, copied from a template migrated once per backend and worker:
a file copy for SQLite, ``CREATE DATABASE … TEMPLATE`` for PostgreSQL. Commits are real.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("CHANRONG_ARGON2_PROFILE", "test")
# Rich sizes its console when chanrong.cli is imported; a wide one keeps CLI output on one line.
os.environ.setdefault("COLUMNS", "200")

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from chanrong.api.app import create_app
from chanrong.core.settings import Settings, get_settings
from chanrong.storage import migrate
from chanrong.storage.database import Database
from tests.builders import Park, build_park

PG_URL = os.environ.get("CHANRONG_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ["sqlite", "postgres"]


def _pg_admin_url() -> str:
    return make_url(PG_URL).set(drivername="postgresql+psycopg").render_as_string(False)


_PG_VERSION: list[int] = []


def _pg_version(conn: Connection) -> int:
    """The server's version number (150000 for 15.0), asked once per worker."""
    if not _PG_VERSION:
        _PG_VERSION.append(int(conn.execute(text("SHOW server_version_num")).scalar_one()))
    return _PG_VERSION[0]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def mqtt_port() -> int:
    """The loopback Mosquitto broker started by `make test` (scripts/services.sh).

    Tests that subscribe with wildcards are marked ``mqtt`` and run in a session of their own,
    one after another (see the Makefile): they would otherwise count each other's messages."""
    port = int(os.environ.get("CHANRONG_TEST_MQTT_PORT", "0") or 0)
    if port:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return port
        except OSError:
            pass
    if IN_CI:
        pytest.fail("Mosquitto is not running: run the suite through `make test`")
    pytest.skip('Mosquitto not available (eval "$(bash scripts/services.sh start)")')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_URL:
        if IN_CI:
            pytest.fail("CHANRONG_TEST_POSTGRES_URL is not set: run the suite through `make test`")
        pytest.skip("PostgreSQL not available (run through `make test`)")
    name = f"chanrong_tpl_{_worker()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_pg_admin_url()).set(database=name).render_as_string(False)
    migrate.upgrade(url)
    # A template must have no open connections when it is copied.
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, fully migrated database on each backend."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "test.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("pg_template")
    name = f"chanrong_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        # A file copy of the small template (PostgreSQL 15+): about a third faster than
        # the default WAL-logged copy, once for each of the suite's PostgreSQL tests.
        strategy = " STRATEGY = FILE_COPY" if _pg_version(c) >= 150000 else ""
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"{strategy}'))
    yield make_url(_pg_admin_url()).set(database=name).render_as_string(False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        var_dir=tmp_path / "var",
        jwt_secret="test-secret-0123456789abcdef0123456789abcdef",
    )


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    app = create_app(settings, db)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def park(db: Database) -> Park:
    """One organisation of each kind, each with an admin/officer/viewer and their API keys."""
    with db.unit_of_work() as session:
        return build_park(session)


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty var directory and embedded SQLite for a CLI test (wide output for tables)."""
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()
