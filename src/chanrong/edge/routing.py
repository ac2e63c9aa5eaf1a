"""Matching a request to its route without trying every route of the platform.

FastAPI (0.165) keeps each included router as a node and, for every request, asks each node
in turn to try each of its routes, path pattern by path pattern, with bookkeeping in the
request scope per route: with about 450 routes the match alone took about a millisecond of
CPU per request, as much as answering ``/healthz`` itself. Every router of the platform keeps
its routes under one path prefix (``/credit``, ``/console/bank``…), so a router whose prefix
the path does not start with can answer "no match" at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from starlette.routing import Match
from starlette.types import Scope


def route_path(scope: Scope) -> str:
    """The request's path below the application's mount point (``root_path``)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class GatedRouter(APIRouter):
    """One router's routes behind a check of its prefix.

    Include it at the application's root (the prefix checked is the router's own, so it must
    be the start of every path the router serves)."""

    def __init__(self, inner: APIRouter) -> None:
        super().__init__()
        self.gate = inner.prefix
        self.include_router(inner)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """No match at once for a path outside the prefix; otherwise FastAPI's own matching."""
        if self.gate and not route_path(scope).startswith(self.gate):
            return Match.NONE, {}
        return super().matches(scope)


def gated(inner: APIRouter) -> APIRouter:
    """``inner`` behind its prefix check (a router without a prefix is returned as it is)."""
    return GatedRouter(inner) if inner.prefix else inner


# Routers built once per process and shared by every application of the process (see
# ``include_shared``), by name.
_SHARED: dict[str, APIRouter] = {}
_SHARED_LOCK = threading.Lock()


def include_shared(app: FastAPI, name: str, build: Callable[[APIRouter], None]) -> None:
    """Add to ``app`` the routes ``build`` includes in a router, built once per process.

    FastAPI (0.165) resolves every route's dependencies and parameter models for each
    inclusion (about 0.6 s of CPU for the platform's ~450 routes): an application built again
    in the same process (each test of the suite builds one) now reuses the resolved routes.
    They read the application's state per request (``request.app.state``), never the first
    application's; what they cannot see is ``app.dependency_overrides``, which the platform
    does not use (its tests call the real parts)."""
    with _SHARED_LOCK:
        root = _SHARED.get(name)
        if root is None:
            root = APIRouter()
            build(root)
            if root.on_startup or root.on_shutdown:
                raise ValueError(f"{name}: a shared router cannot have start-up handlers")
            _SHARED[name] = root
    app.router.routes.extend(root.routes)
    # What ``include_router`` does after adding routes: the router's caches are rebuilt.
    app.router._mark_routes_changed()
