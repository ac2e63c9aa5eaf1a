"""Idempotency-Key handling for POSTs that create things."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse

from chanrong.core.errors import ValidationFailed
from chanrong.edge.context import Ctx, current
from chanrong.storage import idempotency as store


class Idempotency:
    """Per-request helper: ``replay()`` the first result, or ``save()`` this one.

    The stored result is written in the same transaction as what it created, so either
    both exist or neither does.
    """

    def __init__(self, ctx: Ctx, key: str | None, method: str, path: str, body: Any) -> None:
        self.ctx = ctx
        self.key = key
        self.method = method
        self.path = path
        self.fingerprint = store.request_fingerprint(method, path, body)

    def replay(self) -> JSONResponse | None:
        if not self.key:
            return None
        rec = store.find_replay(
            self.ctx.session, self.ctx.principal.org_id, self.key, self.fingerprint
        )
        if rec is None:
            return None
        return JSONResponse(
            rec.response, status_code=rec.status_code, headers={"Idempotent-Replayed": "true"}
        )

    def save(self, status_code: int, payload: Any, *, stored: Any = None) -> JSONResponse:
        """Remember ``stored`` (default: ``payload``) under the key and answer ``payload``.

        Pass a redacted ``stored`` when the answer holds a secret that must not be kept.
        """
        if self.key:
            store.remember(
                self.ctx.session,
                org_id=self.ctx.principal.org_id,
                key=self.key,
                method=self.method,
                path=self.path,
                fingerprint=self.fingerprint,
                status_code=status_code,
                response=payload if stored is None else stored,
            )
        return JSONResponse(payload, status_code=status_code)


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw:
        return None
    try:
        return await request.json()
    except ValueError:
        return raw.decode("utf-8", "replace")


async def idempotency(
    request: Request,
    ctx: Ctx = Depends(current),
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Idempotency:
    """Dependency giving the route its ``Idempotency`` helper."""
    if idempotency_key is not None and not (1 <= len(idempotency_key) <= 200):
        raise ValidationFailed("Idempotency-Key: 1 to 200 characters", field="Idempotency-Key")
    body = await _body(request)
    return Idempotency(ctx, idempotency_key, request.method, request.url.path, body)
