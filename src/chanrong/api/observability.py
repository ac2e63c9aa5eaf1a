"""Request ids, access logs and Prometheus metrics."""

from __future__ import annotations

import time

import structlog
from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chanrong.core.ids import new_id

log = structlog.get_logger("chanrong.access")


class Metrics:
    """The app's own registry, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "chanrong_http_requests_total",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "chanrong_http_request_seconds",
            "HTTP request latency by route template.",
            ["route", "method"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _Observe:
    """Request ids, the access log line and metrics, as plain ASGI middleware.

    Starlette's ``BaseHTTPMiddleware`` (what ``@app.middleware`` builds) runs every request
    through an extra task and memory streams; on the decision route that was a measurable
    share of each request, so this wraps ``send`` instead.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        raw_id = headers.get(b"x-request-id")
        request_id = raw_id.decode("latin-1") if raw_id else new_id()
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            template = getattr(scope.get("route"), "path", "<unmatched>")
            method = scope["method"]
            self.metrics.requests.labels(template, method, str(status)).inc()
            self.metrics.latency.labels(template, method).observe(elapsed)
            principal = scope["state"].get("principal")
            log.info(
                "request",
                method=method,
                path=scope["path"],
                status=status,
                ms=round(elapsed * 1000, 2),
                request_id=request_id,
                org=principal.org_id if principal else None,
            )


def install(app: FastAPI, metrics: Metrics) -> None:
    """Add request ids, access logs and metrics to every HTTP request of ``app``."""
    app.add_middleware(_Observe, metrics=metrics)
