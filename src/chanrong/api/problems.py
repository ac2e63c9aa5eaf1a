"""RFC 9457 problem+json answers for every error."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from chanrong.core.errors import ChanrongError, ConsentRequired
from chanrong.governance import service as governance

PROBLEM = "application/problem+json"
log = structlog.get_logger("chanrong.api")


def problem(
    status: int, body: dict[str, Any], request: Request, headers: dict[str, str] | None = None
) -> JSONResponse:
    body.setdefault("instance", request.url.path)
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer", **(headers or {})}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def internal_error(path: str, request_id: str) -> JSONResponse:
    """The answer to an unexpected error: nothing about its cause, only the request id that
    finds its log line (the traceback is logged there, redacted and without locals)."""
    return JSONResponse(
        {
            "type": "https://chanrong.dev/problems/internal",
            "title": "Internal error",
            "status": 500,
            "detail": f"an unexpected error occurred; it has been logged as request {request_id}",
            "instance": path,
            "request_id": request_id,
        },
        status_code=500,
        media_type=PROBLEM,
        headers={"X-Request-ID": request_id},
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def _keep_denial(request: Request, exc: ConsentRequired) -> None:
    """Record a refused read for the enterprise whose data it was, in a transaction of its
    own: the request's transaction has rolled back. A failure here is logged, and the
    caller still gets its 403."""
    principal = request.scope.get("state", {}).get("principal")
    if principal is None:
        return
    try:
        with request.app.state.db.unit_of_work() as session:
            governance.record_denial(session, principal, exc, route=request.url.path)
    except Exception:  # the answer is the refusal whatever happens to its record
        log.exception("denial_not_recorded", path=request.url.path)


def install(app: FastAPI) -> None:
    """Register the handlers that turn exceptions into problem documents."""

    @app.exception_handler(ChanrongError)
    async def _domain(request: Request, exc: ChanrongError) -> JSONResponse:
        if isinstance(exc, ConsentRequired):
            await run_in_threadpool(_keep_denial, request, exc)
        return problem(exc.status, exc.to_problem(), request, exc.headers())

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return problem(
            422,
            {
                "type": "https://chanrong.dev/problems/validation",
                "title": "Invalid input",
                "status": 422,
                "detail": f"{first['field']}: {first['message']}",
                "field": first["field"],
                "errors": errors,
            },
            request,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthenticated"}.get(
            exc.status_code, "http-error"
        )
        return problem(
            exc.status_code,
            {
                "type": f"https://chanrong.dev/problems/{slug}",
                "title": str(exc.detail),
                "status": exc.status_code,
                "detail": str(exc.detail),
            },
            request,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only for errors raised outside the observing middleware (which answers every other
        # unexpected error itself, with the request id): logged once, without locals.
        request_id = str(getattr(request.state, "request_id", "") or "")
        log.error("unhandled_error", path=request.url.path, request_id=request_id, exc_info=exc)
        return internal_error(request.url.path, request_id)
