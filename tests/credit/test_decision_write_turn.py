"""The decision route reads and scores before it takes SQLite's turn to write: while another
writer (another server process, the worker) holds the turn, a decision's reads go ahead, and
only its log append and insert wait. Taken before the scoring, the turn serialised every
process's decisions (issue #18)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.test_api_decisions import AS_OF, _ready


def test_a_decision_reads_while_another_writer_holds_the_turn(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("the write turn is SQLite's (PostgreSQL writers do not queue for a file)")
    _ready(db, settings, park)
    order: list[str] = []
    profile_read = threading.Event()

    def seen(_conn: Any, _cur: Any, statement: str, *_args: Any) -> None:
        if "credit_profiles" in statement and statement.lstrip().upper().startswith("SELECT"):
            if not profile_read.is_set():
                order.append("decision read its profile")
            profile_read.set()

    # Another writer on the same file, through its own engine (as another process would be).
    other = Database(db.url)
    holder = other.sessions()
    holder.execute(text("CREATE TABLE IF NOT EXISTS turn_holder (n INTEGER)"))

    def hold_until_read() -> None:
        # Released when the decision has read, or after 30 s if it never reads first.
        profile_read.wait(30)
        order.append("other writer committed")
        holder.commit()

    releaser = threading.Thread(target=hold_until_read)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        releaser.start()
        r = app_client.post(
            "/credit/applications",
            json={"enterprise_org_id": park["enterprise"]["officer"].org_id, "as_of": AS_OF},
            headers=park["bank"]["officer"].headers,
        )
        releaser.join()
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
        holder.close()
        other.dispose()
    assert r.status_code == 201, r.text
    assert order == ["decision read its profile", "other writer committed"]


def test_the_decision_route_never_hops_to_a_thread_for_a_dependency() -> None:
    """FastAPI runs a plain-function dependency in a worker thread: one on the decision route
    costs a GIL hand-over per decision (#18: p99 ~25 → ~90 ms at 200 decisions/s)."""
    import inspect

    from fastapi.dependencies.models import Dependant
    from fastapi.routing import APIRoute

    from chanrong.api.business import business_routes
    from chanrong.api.inputs import sane_inputs
    from chanrong.api.queries import known_query_parameters
    from chanrong.credit.api import router

    [route] = [
        r
        for r in router.routes
        if isinstance(r, APIRoute)
        and r.path == "/credit/applications"
        and "POST" in (r.methods or ())
    ]

    def is_async(call: object) -> bool:
        # A callable object (the bearer scheme) is awaited when its ``__call__`` is async.
        target = call if inspect.isroutine(call) else type(call).__call__  # type: ignore[operator]
        return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)

    def sync_calls(dep: Dependant) -> list[str]:
        found = [
            getattr(d.call, "__qualname__", repr(d.call))
            for d in dep.dependencies
            if d.call is not None and not is_async(d.call)
        ]
        for d in dep.dependencies:
            found += sync_calls(d)
        return found

    assert route.dependant.dependencies, "the route's dependencies were not found"
    assert sync_calls(route.dependant) == []
    # The dependencies every protected route gets from the application (api.app).
    assert all(is_async(f) for f in (known_query_parameters, sane_inputs, business_routes))
