"""Routers behind their prefix check answer exactly as FastAPI's own matching would."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from chanrong.edge.routing import GatedRouter, gated, route_path


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
