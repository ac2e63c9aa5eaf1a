"""The store's shared DuckDB: each use gets its own connection, in UTC, and a forked child
opens its own database rather than use its parent's."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pytest

from chanrong.telemetry import duck


def test_a_connection_is_in_utc_and_its_registrations_stay_with_it() -> None:
    with duck.connection() as a, duck.connection() as b:
        assert a.sql("SELECT current_setting('TimeZone')").fetchall()[0] == ("UTC",)
        a.register("mine", pa.table({"x": [1, 2, 3]}))
        assert a.sql("SELECT sum(x) FROM mine").fetchall()[0] == (6,)
        names = {r[0] for r in b.sql("SELECT view_name FROM duckdb_views()").fetchall()}
        assert "mine" not in names


def test_connections_are_one_database_not_one_each() -> None:
    with duck.connection() as a, duck.connection() as b:
        a.sql("CREATE TEMP TABLE t AS SELECT 1 AS x")
        db_a = a.sql("SELECT current_database()").fetchall()[0]
        assert db_a == b.sql("SELECT current_database()").fetchall()[0]
    first = duck._shared()
    second = duck._shared()
    try:
        # Same process, same database: both see one catalog of databases.
        dbs = first.sql("SELECT count(*) FROM duckdb_databases()").fetchall()[0]
        assert dbs == second.sql("SELECT count(*) FROM duckdb_databases()").fetchall()[0]
    finally:
        first.close()
        second.close()


def test_threads_query_at_once() -> None:
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(20):
                with duck.connection() as con:
                    assert con.sql(f"SELECT {i} + 1").fetchall()[0] == (i + 1,)
        except BaseException as exc:  # pragma: no cover (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_another_process_opens_its_own_database(monkeypatch: pytest.MonkeyPatch) -> None:
    with duck.connection() as con:  # this process's database exists
        con.sql("SELECT 1").fetchall()
    assert duck._database is not None
    before = duck._database[1]
    # What a forked child sees: the module's state, under another process id.
    monkeypatch.setattr(duck.os, "getpid", lambda: -1)
    with duck.connection() as con:
        assert con.sql("SELECT 41 + 1").fetchall() == [(42,)]
    assert duck._database[0] == -1 and duck._database[1] is not before


def test_the_thread_count_applies_to_the_open_database_and_a_new_one() -> None:
    def threads() -> int:
        with duck.connection() as con:
            return int(con.sql("SELECT current_setting('threads')").fetchall()[0][0])

    try:
        duck.use_threads(1)
        assert threads() == 1
        duck.use_threads(2)
        assert threads() == 2
    finally:
        duck.use_threads(None)
    default = threads()
    assert default >= 1
    duck.use_threads(1)
    try:
        duck._database = None  # the next query opens the database afresh
        assert threads() == 1
    finally:
        duck.use_threads(None)
    assert threads() == default


def test_the_api_runs_its_queries_on_the_configured_threads(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from chanrong.api.app import create_app
    from chanrong.core.settings import Settings
    from chanrong.storage import migrate

    url = f"sqlite:///{tmp_path / 'a.db'}"
    migrate.upgrade(url)
    s = Settings(database_url=url, var_dir=tmp_path, telemetry_request_threads=1)
    try:
        with TestClient(create_app(s)), duck.connection() as con:
            assert con.sql("SELECT current_setting('threads')").fetchall() == [(1,)]
    finally:
        duck.use_threads(None)
