"""Request dependencies: one unit of work per request and the authenticated principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, Unauthenticated
from chanrong.core.i18n import normalise_locale
from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.identity import sessions
from chanrong.identity.domain import Caller, OrgKind, Principal, Role
from chanrong.identity.tokens import read_token
from chanrong.storage.database import Database, commit_and_close, rollback_and_close

_bearer = HTTPBearer(auto_error=False, description="API key or access token")


async def db_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work: committed when the route returns, rolled back on error.

    Async so that opening and closing cost no trip to a worker thread: a session touches the
    database only when the route uses it, and one with nothing left to commit (the route
    committed, or only read and was handed back) closes without I/O. Every hop to the thread
    pool is a wake-up of the event loop and a GIL hand-over, and the decision route made five.
    """
    db: Database = request.app.state.db
    # Commits and rollbacks have threads of their own: a transaction holding the database's
    # write lock must never wait for a thread behind the routes that wait for that lock.
    ends: CapacityLimiter | None = getattr(request.app.state, "commit_limiter", None)
    session = db.sessions()
    try:
        yield session
    except BaseException:
        await to_thread.run_sync(rollback_and_close, session, limiter=ends)
        raise
    if _has_work(session):
        await to_thread.run_sync(commit_and_close, session, limiter=ends)
    else:
        session.close()


def _has_work(session: Session) -> bool:
    return bool(session.in_transaction() or session.new or session.dirty or session.deleted)


# "function" scope: the commit runs when the route returns, before the response is sent, so a
# failed commit becomes an error answer instead of a 2xx for work that was rolled back.
SessionDep: Any = Depends(db_session, scope="function")


@dataclass(frozen=True, slots=True)
class Ctx:
    """Everything a route needs about the call: who, in which transaction, in which language."""

    principal: Principal
    session: Session
    settings: Settings
    locale: str
    request_id: str
    # The session behind an access token (None when the caller sent an API key as is).
    session_id: str | None = None
    session_expires_at: datetime | None = None


def _locale(request: Request) -> str:
    return normalise_locale(
        request.query_params.get("lang")
        or request.cookies.get("lang")
        or request.headers.get("accept-language")
    )


def authenticate(request: Request, session: Session, credentials: str | None) -> Caller:
    """Resolve a credential (an API key, or an access token whose session is then looked up)
    to the caller; one indexed read either way."""
    if not credentials:
        raise Unauthenticated("send 'Authorization: Bearer <API key or access token>'")
    if credentials.startswith("crk_"):
        return Caller(identity.authenticate_api_key(session, credentials))
    settings: Settings = request.app.state.settings
    claims = read_token(credentials, secret=settings.token_secret)
    return sessions.authenticate_session(
        session, session_id=claims.session_id, user_id=claims.user_id
    )


def call_context(request: Request, session: Session, credential: str | None) -> Ctx:
    """Authenticate ``credential`` and build the call's context.

    The JSON API passes only the ``Authorization`` header; the console passes its session
    cookie (and checks CSRF itself). The API never reads the cookie, so a page on another
    site cannot make a signed-in browser call it."""
    caller = authenticate(request, session, credential)
    # End the read that authenticated, handing its connection back to the pool: a route may run
    # later in a worker thread, and a request holding a connection while it waits for a thread
    # let a burst of requests hold every connection while every thread waited for one.
    session.commit()
    request.state.principal = caller.principal
    return Ctx(
        principal=caller.principal,
        session=session,
        settings=request.app.state.settings,
        locale=_locale(request),
        request_id=getattr(request.state, "request_id", ""),
        session_id=caller.session_id,
        session_expires_at=caller.session_expires_at,
    )


async def current(
    request: Request,
    session: Session = SessionDep,
    creds: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> Ctx:
    """The authenticated call context; every non-public route depends on this.

    Async, so authenticating runs on the event loop: it is one indexed read (an API key, or
    an access token's session) after a signature check, and sending it to a worker thread
    cost more than the read: the hop itself, and a GIL hand-over to and from every other
    busy thread of the process around the database call.
    """
    return call_context(request, session, creds.credentials if creds else None)


def require(
    *kinds: OrgKind, role: Role = Role.VIEWER, core: bool | None = None
) -> Callable[..., Coroutine[Any, Any, Ctx]]:
    """A dependency that admits only callers of the given organisation kinds and minimum role."""

    # Async: a check on the principal already in hand needs no worker thread.
    async def dependency(ctx: Ctx = Depends(current)) -> Ctx:
        p = ctx.principal
        if kinds and p.org_kind not in kinds:
            allowed = ", ".join(k.value for k in kinds)
            raise Forbidden(f"this action is for {allowed} organisations")
        if not p.has_role(role):
            raise Forbidden(f"this action needs the {role.value} role")
        if core is True and not p.is_core:
            raise Forbidden("this action is for core enterprises")
        return ctx

    return dependency
