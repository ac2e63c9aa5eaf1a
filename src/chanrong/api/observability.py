"""Request ids, access logs and Prometheus metrics."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import structlog
from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chanrong.api.problems import internal_error
from chanrong.core.ids import new_id
from chanrong.telemetry import service as telemetry

log = structlog.get_logger("chanrong.access")
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,100}")


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
        self.unhandled = Counter(
            "chanrong_http_unhandled_errors_total",
            "Unexpected errors (answered 500) by route template and method.",
            ["route", "method"],
            registry=self.registry,
        )

        self.registry.register(_ReadCacheCollector())

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class _ReadCacheCollector(Collector):
    """The telemetry read cache of this process (``telemetry.read_cache_stats``): how often the
    daily and series reads were answered from memory, and what it holds."""

    def collect(self) -> Iterator[Metric]:
        stats = telemetry.read_cache_stats()
        for name, value, doc in (
            ("hits", stats.hits, "Aggregate reads answered from memory."),
            ("misses", stats.misses, "Aggregate reads that scanned the store."),
            ("evictions", stats.evictions, "Results dropped to stay within the bound."),
        ):
            yield CounterMetricFamily(f"chanrong_telemetry_read_cache_{name}", doc, value=value)
        yield GaugeMetricFamily(
            "chanrong_telemetry_read_cache_bytes", "Bytes of results held.", value=stats.bytes
        )


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
        # A caller's own request id is kept only when it is a plain token: it goes into log
        # lines and headers.
        request_id = (
            raw_id.decode("ascii") if raw_id and _REQUEST_ID.fullmatch(raw_id) else new_id()
        )
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = False
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here rather than by Starlette's outermost handler, so the answer
            # carries the request id and the server does not log the traceback a second time.
            status = 500
            template = getattr(scope.get("route"), "path", "<unmatched>")
            self.metrics.unhandled.labels(template, scope["method"]).inc()
            log.exception(
                "unhandled_error",
                method=scope["method"],
                path=scope["path"],
                request_id=request_id,
            )
            if not started:
                await internal_error(scope["path"], request_id)(scope, receive, send)
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
