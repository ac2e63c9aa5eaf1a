"""Admission: a bounded number of requests in work per process, the rest shed with a 503.

Past capacity an unbounded server queues: every request waits behind all the others, each
answer comes later than its caller still waits for, and the backlog takes minutes to drain
after the burst (issue #25 measured 48 minutes). Here at most ``limit`` requests are worked on
at once; one more waits for a place at most ``queue_seconds``, then is answered
``503 Service Unavailable`` with ``Retry-After`` straight from here, touching neither the
database nor a thread. The queue therefore never holds more than what arrives in
``queue_seconds``, and the server is back to normal answers as soon as arrivals fall under
capacity. Probes (``/healthz``, ``/readyz``) and ``/metrics`` are never queued, so an
overloaded process is seen as alive and its shedding can be watched.
"""

from __future__ import annotations

import asyncio
import json
import weakref

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chanrong.core.errors import ServiceUnavailable

EXEMPT = frozenset({"/healthz", "/readyz", "/metrics"})
RETRY_AFTER_SECONDS = 1


def _shed_messages(path: str, limit: int) -> tuple[Message, Message]:
    exc = ServiceUnavailable(
        f"the server is at capacity ({limit} requests in work); retry after "
        f"{RETRY_AFTER_SECONDS} s",
        retry_after=RETRY_AFTER_SECONDS,
    )
    body = json.dumps({**exc.to_problem(), "instance": path}).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class Admission:
    """Plain ASGI middleware: a semaphore of ``limit`` places, waited for at most
    ``queue_seconds``."""

    def __init__(self, app: ASGIApp, limit: int, queue_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.queue_seconds = queue_seconds
        # One semaphore per event loop: an asyncio primitive belongs to the loop that first
        # waits on it, and tests run one app on several loops in turn.
        self._places: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._places = weakref.WeakKeyDictionary()

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        places = self._places.get(loop)
        if places is None:
            places = self._places[loop] = asyncio.Semaphore(self.limit)
        return places

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        places = self._semaphore()
        if places.locked():
            try:
                # A place given at the moment the wait times out is handed back by
                # ``Semaphore.acquire`` itself when the cancellation reaches it.
                async with asyncio.timeout(self.queue_seconds):
                    await places.acquire()
            except TimeoutError:
                for message in _shed_messages(scope["path"], self.limit):
                    await send(message)
                return
        else:
            await places.acquire()  # a free place: taken without yielding
        try:
            await self.app(scope, receive, send)
        finally:
            places.release()


def install(app: FastAPI, limit: int, queue_seconds: float) -> None:
    """Admit at most ``limit`` concurrent requests to ``app``; shed what waits longer than
    ``queue_seconds`` for a place."""
    app.add_middleware(Admission, limit=limit, queue_seconds=queue_seconds)
