"""How the certificate routes run their write use case: through the database's group committer.

On an SQLite file the routes hand their use case to the shared group committer
(``service.committer_for``): its one writer thread runs every request's use case queued at that
moment in one transaction (``group_commit``), and the request awaits its own result on the
event loop without holding a worker thread. A use case that fails (a lost race, a broken
rule, a field refused) fails alone, with the same error, so the same 4xx naming the field; the
rest of its batch commits. On PostgreSQL (rows locked as read, writers side by side) and on an
in-memory database the use case runs in the request's own unit of work, in a worker thread, as
before.

Idempotency keys are honoured inside the use case's transaction: the stored first answer is
looked up by the writer (which sees every earlier request's commit, in order), and the answer
is stored with what it created, so either both exist or neither does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from chanrong.edge import Ctx, Idempotency
from chanrong.storage import idempotency as store
from chanrong.storage.database import Database
from chanrong.supplychain import service

T = TypeVar("T")


async def write(request: Request, ctx: Ctx, fn: Callable[[Session], T]) -> T:
    """Run the write use case ``fn`` (a function of a session) and return its result, or
    raise its error. Through the group committer on an SQLite file; else in the request's
    unit of work (committed by the request's session dependency when the route returns)."""
    db: Database = request.app.state.db
    # ``app.state.scf_group_commit = False`` keeps every request in its own unit of work
    # (the benchmark's per-op rows compare the two in one process).
    on = getattr(request.app.state, "scf_group_commit", True)
    writer = service.committer_for(db) if on else None
    if writer is None:
        return await run_in_threadpool(fn, ctx.session)
    return await asyncio.wrap_future(writer.submit(fn))


async def write_idempotent(
    request: Request,
    ctx: Ctx,
    idem: Idempotency,
    status_code: int,
    fn: Callable[[Session], Any],
) -> JSONResponse:
    """``write`` for a route that creates something under an optional Idempotency-Key:
    ``fn`` returns the JSON answer; a repeated key answers the first request's stored answer
    (``Idempotent-Replayed: true``) without running ``fn`` again."""

    def use_case(session: Session) -> tuple[int, Any, bool]:
        if idem.key:
            rec = store.find_replay(session, ctx.principal.org_id, idem.key, idem.fingerprint)
            if rec is not None:
                return rec.status_code, rec.response, True
        payload = fn(session)
        if idem.key:
            store.remember(
                session,
                org_id=ctx.principal.org_id,
                key=idem.key,
                method=idem.method,
                path=idem.path,
                fingerprint=idem.fingerprint,
                status_code=status_code,
                response=payload,
            )
        return status_code, payload, False

    status, payload, replayed = await write(request, ctx, use_case)
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return JSONResponse(payload, status_code=status, headers=headers)
