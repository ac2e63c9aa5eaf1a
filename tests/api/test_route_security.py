"""Every route, enumerated from the app itself: anonymous callers get 401.

A new route that forgets authentication fails this test without anyone listing it here.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from chanrong.api.app import PUBLIC_PATHS


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)


def _walk(routes: list[Any]) -> list[APIRoute]:
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif hasattr(route, "original_router"):  # FastAPI's wrapper for included routers
            out.extend(_walk(route.original_router.routes))
    return out


def _routes(client: TestClient) -> list[tuple[str, str]]:
    out = []
    for route in _walk(client.app.routes):  # type: ignore[attr-defined]
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            out.append((method, route.path))
    return out


def test_every_non_public_route_needs_credentials(app_client: TestClient) -> None:
    routes = _routes(app_client)
    assert len(routes) >= 10
    checked = 0
    for method, path in routes:
        if path in PUBLIC_PATHS:
            continue
        r = app_client.request(method, _concrete(path), json={})
        assert r.status_code == 401, f"{method} {path} answered {r.status_code} without credentials"
        assert r.headers["content-type"] == "application/problem+json"
        checked += 1
    assert checked == len([p for _, p in routes if p not in PUBLIC_PATHS])


def test_garbage_credentials_are_401_everywhere(app_client: TestClient) -> None:
    h = {"Authorization": "Bearer not-a-key"}
    for method, path in _routes(app_client):
        if path in PUBLIC_PATHS:
            continue
        r = app_client.request(method, _concrete(path), json={}, headers=h)
        assert r.status_code == 401, f"{method} {path}"


def test_public_routes_are_only_probes_docs_and_token(app_client: TestClient) -> None:
    assert {
        "/healthz",
        "/readyz",
        "/metrics",
        "/docs",
        "/docs/oauth2-redirect",
        "/openapi.json",
        "/redoc",
        "/auth/token",
        "/console/sign-in",  # the console's sign-in page and language switch
        "/console/lang",
    } == PUBLIC_PATHS
