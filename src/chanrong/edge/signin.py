"""Signing in, shared by ``POST /auth/token`` and the console's sign-in form: the session
behind every access token, and failed passwords counted so that guessing is rate-limited.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import TooManyRequests
from chanrong.core.settings import Settings
from chanrong.identity import sessions
from chanrong.identity.domain import Principal, SignInLimits
from chanrong.identity.tokens import issue_token


def client_address(request: Request) -> str | None:
    """The client's address as the server saw it (uvicorn applies X-Forwarded-For only from
    the proxies it trusts, loopback by default)."""
    return request.client.host if request.client else None


def sign_in_limits(settings: Settings) -> SignInLimits:
    return SignInLimits(
        per_account=settings.signin_max_failures,
        per_address=settings.signin_max_failures_per_address,
        window_seconds=settings.signin_window_seconds,
    )


def password_sign_in(
    request: Request, session: Session, *, organisation: str, username: str, password: str
) -> Principal:
    """Check a password sign-in, counted as a failure unless it succeeds.

    The count is committed here, at the edge, before the password is checked, because a
    wrong password raises ``Unauthenticated``, which rolls the request's transaction back:
    without this a guesser's attempts would never be counted. A locked account or address is
    ``TooManyRequests`` (429, Retry-After) and is not counted."""
    settings: Settings = request.app.state.settings
    limits = sign_in_limits(settings)
    address = client_address(request)
    attempt = sessions.begin_password_attempt(
        session, organisation=organisation, username=username, address=address, limits=limits
    )
    # Committed before the password is checked: every process sees this attempt counted
    # while it is judged, so a burst of concurrent guesses cannot all slip under the limit.
    session.commit()
    try:
        return sessions.finish_password_attempt(session, attempt, password=password)
    except TooManyRequests:
        session.commit()  # the refused attempt is taken back out of the count
        raise


def open_session(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    api_key_id: str | None = None,
    console: bool = False,
) -> tuple[str, int]:
    """Start a session for ``principal`` and return its first access token and lifetime (s).

    A console session slides (its token is renewed while pages are read) up to
    ``session_max_seconds``; a session opened through ``POST /auth/token`` ends with its one
    token."""
    settings: Settings = request.app.state.settings
    now = utcnow()
    ttl = timedelta(seconds=settings.jwt_ttl_seconds)
    ends = now + (timedelta(seconds=settings.session_max_seconds) if console else ttl)
    row = sessions.start_session(
        session,
        principal,
        expires_at=ends,
        api_key_id=api_key_id,
        address=client_address(request),
        now=now,
    )
    expires = min(now + ttl, ends)
    token = issue_token(
        user_id=principal.user_id,
        session_id=row.id,
        secret=settings.token_secret,
        now=now,
        expires_at=expires,
    )
    return token, int((expires - now).total_seconds())


def renewed_token(
    settings: Settings,
    *,
    user_id: str,
    session_id: str,
    session_ends: datetime,
    current_expires: datetime,
    now: datetime,
) -> tuple[str, int] | None:
    """A fresh token for a sliding session, or None when it would end no later than the
    current one (the session's own end is near: then the user signs in again)."""
    expires = min(now + timedelta(seconds=settings.jwt_ttl_seconds), session_ends)
    if expires <= current_expires + timedelta(seconds=1):
        return None
    token = issue_token(
        user_id=user_id,
        session_id=session_id,
        secret=settings.token_secret,
        now=now,
        expires_at=expires,
    )
    return token, int((expires - now).total_seconds())
