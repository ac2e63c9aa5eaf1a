"""The API description declares the problem responses every route can give.

FastAPI describes only the success answer and its own 422 (as ``application/json``, in its
own shape). Clients and schema fuzzers read the description to know what can come back, so
each operation also lists the RFC 9457 problem documents the platform answers with: the
authentication and authorisation refusals on protected routes, conflicts and body limits on
writes, and the 500/503 that any route may give.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI

from chanrong.api.problems import PROBLEM

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string", "description": "The input the problem is about"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "request_id": {"type": "string"},
    },
}

DESCRIPTIONS = {
    401: "Not authenticated: no, an unknown, an expired or a revoked credential",
    403: "Authenticated, but this organisation or role may not do this (or no consent covers it)",
    404: "No such resource visible to this organisation",
    409: "Conflicts with the resource's current state",
    413: "The body is larger than this route accepts",
    422: "Invalid input: the field is named",
    429: "Too many failed attempts; retry after the time given",
    500: "An unexpected error; the request id finds its log line",
    503: "The data or a service it needs is unavailable for now; retry later",
}
WRITES = frozenset({"post", "put", "patch", "delete"})
WITH_BODY = frozenset({"post", "put", "patch"})


def statuses(method: str, public: bool) -> list[int]:
    """The problem statuses an operation declares."""
    out = [422, 500, 503]
    if method in WITH_BODY:
        out.append(413)
    if public:
        return out
    out += [401, 403, 404]
    if method in WRITES:
        out.append(409)
    return sorted(out)


def declare(app: FastAPI, public_paths: Collection[str], sign_in: Collection[str]) -> None:
    """Make ``app.openapi()`` list the problem responses of every operation; the public
    ``sign_in`` routes refuse a wrong credential (401) and throttle failures (429)."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"$ref": "#/components/schemas/Problem"}
        for path, item in schema.get("paths", {}).items():
            for method, op in item.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                codes = statuses(method, path in public_paths)
                if path in sign_in:
                    codes += [401, 429]
                responses = op.setdefault("responses", {})
                for code in codes:
                    # Replaces FastAPI's own 422 too: ours is a problem document.
                    responses[str(code)] = {
                        "description": DESCRIPTIONS[code],
                        "content": {PROBLEM: {"schema": ref}},
                    }
        schema["components"]["schemas"].pop("HTTPValidationError", None)
        schema["components"]["schemas"].pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
