"""Request bodies capped while they stream in, before any route reads them whole.

A body declared larger than its route's cap (``Content-Length``) is refused before a byte
of it is read; a chunked body is counted as it arrives and refused at the first chunk past
the cap. Either way the answer is a 413 problem naming the limit, sent from here, and
whatever the route then tries to answer is dropped: FastAPI turns any error while reading a
JSON body into its own 400, so raising alone would not reach the client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chanrong.core.errors import PayloadTooLarge

MiB = 1024 * 1024

# Routes that take files get their own caps; every other body (JSON) the default.
DEFAULT_MAX_BODY = 16 * MiB
ROUTE_LIMITS: tuple[tuple[re.Pattern[str], int], ...] = (
    # Telemetry points stream to disk; the route caps a JSON upload at 64 MiB itself.
    (re.compile(r"^/telemetry/orgs/[^/]+/points$"), 2 * 1024 * MiB),
    (re.compile(r"^/telemetry/orgs/[^/]+/records/[^/]+$"), 64 * MiB),
    (re.compile(r"^/market/imports/[^/]+$"), 20 * MiB),
)


def _problem(path: str, limit: int) -> tuple[Message, Message]:
    exc = PayloadTooLarge(
        f"body: larger than the limit of {limit} bytes for this route",
        field="body",
        extra={"limit": "max_body_bytes", "max": limit},
    )
    body = json.dumps({**exc.to_problem(), "instance": path}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            # The rest of the body is not read: the connection cannot be reused.
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class _Refused(Exception):
    """Raised into the route once the 413 has been sent; swallowed by the middleware."""


class BodyLimit:
    """Plain ASGI middleware enforcing each route's body cap."""

    def __init__(
        self,
        app: ASGIApp,
        default: int = DEFAULT_MAX_BODY,
        routes: Sequence[tuple[re.Pattern[str], int]] = ROUTE_LIMITS,
    ) -> None:
        self.app = app
        self.default = default
        self.routes = routes

    def _limit(self, path: str) -> int:
        for pattern, limit in self.routes:
            if pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = self._limit(path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            for message in _problem(path, limit):
                await send(message)
            return
        received = 0
        started = False
        refused = False

        async def send_unless_refused(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def capped(message_source: Receive = receive) -> Message:
            nonlocal received, refused
            message = await message_source()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not refused:
                        refused = True
                        for answer in _problem(path, limit):
                            await send(answer)
                    raise _Refused
            return message

        try:
            await self.app(scope, capped, send_unless_refused)
        except Exception:
            if not refused:
                raise


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def install(app: FastAPI, default: int = DEFAULT_MAX_BODY) -> None:
    """Cap every request body of ``app`` (per route, see ``ROUTE_LIMITS``)."""
    app.add_middleware(BodyLimit, default=default)
