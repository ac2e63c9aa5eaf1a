"""The store's DuckDB: one in-memory database per process, a connection of it per query.

Opening a DuckDB database costs about 15 ms of CPU (its catalog, settings and functions are
built each time); a connection to one already open costs well under a millisecond. The daily
telemetry read opened one per request, which made that one read half the CPU of the API's
mixed load. Each use still gets a connection of its own: a registered Arrow table, a setting
or a temporary object stays with that connection and goes with it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

_lock = threading.Lock()
# The database and the process that opened it: a forked child must not use its parent's.
_database: tuple[int, duckdb.DuckDBPyConnection] | None = None
_threads: int | None = None  # None: DuckDB's default (one per core)


def _shared() -> duckdb.DuckDBPyConnection:
    global _database
    pid = os.getpid()
    with _lock:
        if _database is None or _database[0] != pid:
            config: dict[str, str | bool | int | float | list[str]] = (
                {"threads": _threads} if _threads else {}
            )
            _database = (pid, duckdb.connect(config=config))
        return _database[1].cursor()


def use_threads(threads: int | None) -> None:
    """Run this process's queries on ``threads`` threads each (None or 0: one per core)."""
    global _threads
    _threads = threads or None
    with _lock:
        if _database is not None and _database[0] == os.getpid():
            con = _database[1].cursor()
            try:
                if _threads:
                    con.sql(f"SET GLOBAL threads = {int(_threads)}")
                else:
                    con.sql("RESET GLOBAL threads")
            finally:
                con.close()


@contextmanager
def connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of this process's DuckDB, with UTC as its time zone, closed at the end."""
    con = _shared()
    try:
        con.sql("SET TimeZone = 'UTC'")
        yield con
    finally:
        con.close()
