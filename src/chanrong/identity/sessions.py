"""Sessions and password sign-in: the session row every access token names (opened on
sign-in, checked on every use, ended by sign-out), and failed passwords counted per account
and per client address so that guessing is refused (429) for a while. Flushes, never commits:
``chanrong.edge.signin`` owns the transactions (including the one that counts an attempt
before its password is checked)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import TooManyRequests, Unauthenticated
from chanrong.identity import secrets
from chanrong.identity.domain import Caller, Principal, SignInLimits
from chanrong.identity.orm import AuthSession, Organisation
from chanrong.identity.repository import IdentityRepository
from chanrong.identity.service import live_principal, principal_from_columns


def start_session(
    session: Session,
    principal: Principal,
    *,
    expires_at: datetime,
    api_key_id: str | None = None,
    address: str | None = None,
    now: datetime | None = None,
) -> AuthSession:
    """Open a session for a caller who just proved who they are (password or API key).

    Access tokens name the session; it stands until ``expires_at``, sign-out, or the
    revocation of ``api_key_id``. The user's sessions that ended over 30 days ago are
    forgotten here, so the table holds about a month of sign-ins per user."""
    now = now or utcnow()
    repo = IdentityRepository(session)
    repo.prune_sessions(principal.user_id, now - timedelta(days=30))
    row = AuthSession(
        user_id=principal.user_id,
        api_key_id=api_key_id,
        via="api_key" if api_key_id else "password",
        created_at=now,
        expires_at=ensure_aware(expires_at),
        last_address=(address or None) and address[:64],
    )
    repo.add(row)
    return row


def authenticate_session(
    session: Session, *, session_id: str, user_id: str, now: datetime | None = None
) -> Caller:
    """The caller behind an access token's session, read from the database (one statement):
    ``Unauthenticated`` once the session is signed out, expired or unknown, its API key
    revoked or expired, or its user deactivated."""
    row = IdentityRepository(session).session_with_owner(session_id)
    if row is None or row.user_id != user_id:
        raise Unauthenticated("this session does not exist; sign in again")
    now = now or utcnow()
    if row.revoked_at is not None:
        raise Unauthenticated("this session has been signed out; sign in again")
    if row.expires_at <= now:
        raise Unauthenticated("this session has expired; sign in again")
    if row.key_revoked_at is not None:
        raise Unauthenticated("the API key this session was opened with has been revoked")
    if row.key_expires_at is not None and row.key_expires_at <= now:
        raise Unauthenticated("the API key this session was opened with has expired")
    if not row.active:
        raise Unauthenticated("the user behind this credential is not active")
    principal = principal_from_columns(
        row.user_id, row.roles, row.org_id, row.kind, row.institution_type, row.is_core
    )
    return Caller(principal, session_id=session_id, session_expires_at=row.expires_at)


def end_session(session: Session, session_id: str, *, now: datetime | None = None) -> bool:
    """Sign a session out; its tokens are refused from the next request on. False when it was
    already signed out (signing out twice is harmless)."""
    return IdentityRepository(session).end_session(session_id, now or utcnow())


def note_session_address(session: Session, session_id: str, address: str | None) -> None:
    """Remember where a session was last used from (on token renewal, not every request)."""
    IdentityRepository(session).touch_session(session_id, (address or None) and address[:64])


def _account_subject(org_key: str, username: str) -> str:
    # Hashed: people type passwords into the username box, and this table must not keep them.
    digest = hashlib.sha256(f"{org_key}\0{username}".encode()).hexdigest()[:40]
    return f"user:{digest}"


def _address_subject(address: str | None) -> str:
    return f"addr:{(address or 'unknown')[:300]}"


def _resolve_org(repo: IdentityRepository, organisation: str) -> Organisation | None:
    org = repo.org(organisation) or repo.org_by_uscc(organisation.upper())
    return org or repo.org_by_name(organisation)


@dataclass(frozen=True, slots=True)
class PasswordAttempt:
    """A password sign-in under way, already counted (``begin_password_attempt``)."""

    org_id: str | None
    username: str
    account: str
    address: str
    row_ids: tuple[str, ...]
    limits: SignInLimits
    now: datetime


def begin_password_attempt(
    session: Session,
    *,
    organisation: str,
    username: str,
    address: str | None,
    limits: SignInLimits | None = None,
    now: datetime | None = None,
) -> PasswordAttempt:
    """Count a password sign-in against its account and client address *before* the password
    is checked, so that concurrent guesses (40 threads a process, several processes) are all
    counted by the time any of them is judged. The caller commits this before
    ``finish_password_attempt``; a success or a refusal takes the count back."""
    limits = limits or SignInLimits()
    now = now or utcnow()
    repo = IdentityRepository(session)
    org = _resolve_org(repo, organisation)
    # An unknown organisation is counted under what was typed, so a 429 never tells whether
    # the organisation or account exists.
    org_key = org.id if org else f"?{organisation.strip().casefold()}"
    account, addr = _account_subject(org_key, username), _address_subject(address)
    repo.prune_failures(now - timedelta(seconds=limits.window_seconds))
    ids = repo.add_failures([account, addr], now)
    return PasswordAttempt(
        org_id=org.id if org else None,
        username=username,
        account=account,
        address=addr,
        row_ids=tuple(ids),
        limits=limits,
        now=now,
    )


def _refuse_if_locked(repo: IdentityRepository, attempt: PasswordAttempt) -> None:
    window = timedelta(seconds=attempt.limits.window_seconds)
    since = attempt.now - window
    limits = (
        (attempt.account, attempt.limits.per_account),
        (attempt.address, attempt.limits.per_address),
    )
    for subject, limit in limits:
        # Others' attempts, this one left out: the (limit + 1)-th attempt in a window is refused.
        others = [
            at
            for row_id, at in repo.recent_failures(subject, since, limit + 1)
            if row_id not in attempt.row_ids
        ][:limit]
        if len(others) >= limit:
            # A refused attempt is not counted, so the wait announced is the true one: the
            # count falls below the limit when the limit-th newest leaves the window.
            repo.drop_failures(attempt.row_ids)
            wait = max(1, math.ceil((others[-1] + window - attempt.now).total_seconds()))
            raise TooManyRequests(
                f"too many failed sign-ins; try again in {wait} seconds", retry_after=wait
            )


def finish_password_attempt(
    session: Session, attempt: PasswordAttempt, *, password: str
) -> Principal:
    """Judge a counted attempt: ``TooManyRequests`` (before any password is checked, and
    uncounted again) while the account or address is over its limit; ``Unauthenticated`` for
    a wrong password, which stays counted; else the principal, and the account's failures are
    forgotten. Exactly one argon2 verification runs whether or not the organisation and user
    exist (against a dummy hash when not), so the timing does not tell which usernames exist."""
    repo = IdentityRepository(session)
    _refuse_if_locked(repo, attempt)
    user = repo.user_by_name(attempt.org_id, attempt.username) if attempt.org_id else None
    stored = user.password_hash if user is not None else None
    matches = secrets.verify_secret(stored or secrets.dummy_hash(), password)
    if user is None or stored is None or not matches:
        raise Unauthenticated("organisation, username or password is wrong")
    repo.forget_failures(attempt.account)
    repo.drop_failures(attempt.row_ids)
    return live_principal(session, user.id)


def authenticate_password(
    session: Session,
    *,
    organisation: str,
    username: str,
    password: str,
    address: str | None = None,
    limits: SignInLimits | None = None,
    now: datetime | None = None,
) -> Principal:
    """Sign in with organisation (id, USCC or exact name), username and password, counted and
    limited as ``begin_password_attempt`` and ``finish_password_attempt`` describe, in the
    caller's one transaction (for trusted callers; the API and console commit the count
    first, see ``chanrong.edge.signin``)."""
    attempt = begin_password_attempt(
        session,
        organisation=organisation,
        username=username,
        address=address,
        limits=limits,
        now=now,
    )
    return finish_password_attempt(session, attempt, password=password)
