"""Routers behind their prefix check answer exactly as FastAPI's own matching would."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.settings import Settings
from chanrong.edge.routing import GatedRouter, gated, route_path
from chanrong.storage.database import Database
from tests.builders import build_park


def _app() -> FastAPI:
    credit = APIRouter(prefix="/credit")
    creditx = APIRouter(prefix="/creditx")  # shares the first letters of /credit's prefix

    @credit.get("/applications/{app_id}")
    def one(app_id: str) -> dict[str, str]:
        return {"router": "credit", "id": app_id}

    @creditx.get("/applications/{app_id}")
    def other(app_id: str) -> dict[str, str]:
        return {"router": "creditx", "id": app_id}

    app = FastAPI()
    app.include_router(gated(credit))
    app.include_router(gated(creditx))
    return app


def test_each_path_reaches_its_own_router() -> None:
    c = TestClient(_app())
    assert c.get("/credit/applications/7").json() == {"router": "credit", "id": "7"}
    assert c.get("/creditx/applications/7").json() == {"router": "creditx", "id": "7"}
    assert c.get("/elsewhere/applications/7").status_code == 404


def test_a_wrong_method_is_still_405_not_404() -> None:
    assert TestClient(_app()).post("/credit/applications/7").status_code == 405


def test_the_gate_reads_the_path_below_the_mount_point() -> None:
    assert route_path({"path": "/api/credit/x", "root_path": "/api"}) == "/credit/x"
    assert route_path({"path": "/credit/x", "root_path": ""}) == "/credit/x"
    # Behind a proxy that strips the mount point the path is already below it.
    assert route_path({"path": "/credit/x", "root_path": "/api"}) == "/credit/x"


def test_a_router_without_prefix_is_not_wrapped() -> None:
    bare = APIRouter()
    assert gated(bare) is bare
    assert isinstance(gated(APIRouter(prefix="/x")), GatedRouter)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_applications_of_one_process_share_routes_and_each_answers_from_its_own_database(
    settings: Settings, db: Database, tmp_path: Path
) -> None:
    """The platform's routes are resolved once per process and shared: a second application
    on another database answers from that database (a key of the first is unknown there),
    its console too, and the first still answers from its own."""
    # A second migrated database, copied before anything is written to the first.
    other_path = tmp_path / "other.db"
    shutil.copyfile(settings.effective_database_url.removeprefix("sqlite:///"), other_path)
    with db.unit_of_work() as s:
        park = build_park(s)
    other_url = f"sqlite:///{other_path}"
    other_db = Database(other_url)
    try:
        with other_db.unit_of_work() as s:
            other_park = build_park(s)
        first = create_app(settings, db)
        second = create_app(settings.model_copy(update={"database_url": other_url}), other_db)
        assert [r for r in first.routes if r in second.routes]  # the same route objects
        me, other_me = park["bank"]["admin"], other_park["bank"]["admin"]
        with TestClient(first) as a, TestClient(second) as b:
            assert a.get("/me", headers=me.headers).json()["org_id"] == me.org_id
            assert b.get("/me", headers=other_me.headers).json()["org_id"] == other_me.org_id
            assert b.get("/me", headers=me.headers).status_code == 401
            assert a.get("/me", headers=other_me.headers).status_code == 401
            assert b.get("/console/sign-in").status_code == 200
    finally:
        other_db.dispose()
