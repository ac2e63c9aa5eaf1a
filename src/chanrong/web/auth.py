"""Console sessions: the access-token cookie, CSRF tokens and the page/action dependencies.

The console is a browser client of the same identity service as the API: the cookie holds an
ordinary access token naming a session, so signing out, a revoked API key, a deactivated user
or an expired token is refused at the next request, exactly as on the API. The cookie is
accepted only by console routes (the JSON API reads the Authorization header alone), and
state-changing forms also carry a CSRF token (and the cookie is ``SameSite=Strict``): two
independent defences, because a single misconfigured proxy can strip one of them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Forbidden, NotFound, Unauthenticated
from chanrong.core.i18n import DEFAULT_LOCALE, normalise_locale
from chanrong.core.settings import Settings
from chanrong.edge import Ctx, SessionDep, call_context
from chanrong.edge.signin import client_address, renewed_token
from chanrong.identity import service as identity
from chanrong.identity import sessions
from chanrong.identity.domain import OrgKind, Role

TOKEN_COOKIE = "chanrong_token"  # noqa: S105 (a cookie name, not a secret)
LANG_COOKIE = "lang"
# Before sign-in there is no token to bind a CSRF token to: a random cookie is mirrored in the
# form instead (double submit), which is enough to stop a cross-site forged sign-in.
PRESESSION_COOKIE = "chanrong_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SIGN_IN_PATH = "/console/sign-in"


class SignInRequired(Unauthenticated):
    """A console page was asked for without a valid session: browsers go to the sign-in page."""


class NotForRole(Forbidden):
    """A console page belongs to another kind of organisation or needs a higher role."""


class CsrfFailed(Forbidden):
    type_slug = "csrf"
    title = "Form expired or forged"


def console_locale(request: Request) -> str:
    """zh-CN unless the user chose English (query or cookie); the browser's language is ignored
    because the platform's working language is Chinese and a switch is one click away."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return normalise_locale(chosen) if chosen else DEFAULT_LOCALE


def csrf_for(token: str, secret: str) -> str:
    """The CSRF token bound to one access token (so it dies with the session)."""
    return hmac.new(secret.encode(), b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


def new_presession_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True, slots=True)
class Page:
    """What every console page needs: the call context, the language and the form token."""

    ctx: Ctx
    locale: str
    csrf: str
    org_name: str
    user_name: str
    # A fresh access token to store in the cookie (a sliding session), or "" to keep the old,
    # and how many seconds it lives.
    renewed_token: str = ""
    renewed_max_age: int = 0

    @property
    def session(self) -> Session:
        return self.ctx.session


def _page(request: Request, session: Session) -> Page:
    token = request.cookies.get(TOKEN_COOKIE, "")
    try:
        ctx = call_context(request, session, token or None)
    except Unauthenticated as exc:
        raise SignInRequired(exc.detail) from None
    settings = ctx.settings
    csrf = csrf_for(token, settings.token_secret)
    principal = ctx.principal
    try:
        org = identity.get_organisation(session, principal, principal.org_id)
        user = identity.get_user(session, principal, principal.user_id)
    except NotFound:
        # A token can outlive its user or organisation record; treat it as signed out.
        raise SignInRequired("your account no longer exists; sign in again") from None
    renewed, max_age = "", 0
    current_expires = _renewal_due(request, token, settings)
    if current_expires is not None and ctx.session_id and ctx.session_expires_at:
        # The session row (checked just now) carries roles and revocation, so a renewed
        # token needs nothing of the old one but its session.
        fresh = renewed_token(
            settings,
            user_id=principal.user_id,
            session_id=ctx.session_id,
            session_ends=ctx.session_expires_at,
            current_expires=current_expires,
            now=utcnow(),
        )
        if fresh is not None:
            renewed, max_age = fresh
            csrf = csrf_for(renewed, settings.token_secret)
            sessions.note_session_address(session, ctx.session_id, client_address(request))
    return Page(
        ctx=ctx,
        locale=console_locale(request),
        csrf=csrf,
        org_name=org.name,
        user_name=user.display_name,
        renewed_token=renewed,
        renewed_max_age=max_age,
    )


def _renewal_due(request: Request, token: str, settings: Settings) -> datetime | None:
    """When the current token expires, if it is due for renewal: on full-page reads once
    half its life has passed. Not on htmx requests or form posts: the page they came from
    holds a CSRF token bound to the current one."""
    if request.method != "GET" or request.headers.get("HX-Request") == "true":
        return None
    try:
        # Already verified by call_context; only its expiry is read here.
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    expires = datetime.fromtimestamp(float(claims.get("exp", 0)), UTC)
    left = (expires - utcnow()).total_seconds()
    return expires if left < settings.jwt_ttl_seconds / 2 else None


def page(request: Request, session: Session = SessionDep) -> Page:
    """Any signed-in console user."""
    return _page(request, session)


def _admitted(p: Page, kinds: tuple[OrgKind, ...], role: Role, what: str) -> Page:
    """``p`` if its caller's organisation is of one of ``kinds`` (any when empty) and holds
    ``role``; otherwise refused, naming ``what`` ("page", "action") was refused."""
    principal = p.ctx.principal
    if kinds and principal.org_kind not in kinds:
        raise NotForRole(f"this {what} is for another kind of organisation")
    if not principal.has_role(role):
        raise NotForRole(f"this needs the {role.value} role")
    return p


def page_for(*kinds: OrgKind, role: Role = Role.VIEWER) -> Callable[..., Page]:
    """A dependency admitting console users of the given organisation kinds and minimum role."""

    def dependency(p: Page = Depends(page)) -> Page:
        return _admitted(p, kinds, role, "page")

    return dependency


async def _submitted_csrf(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def action(request: Request, p: Page = Depends(page)) -> Page:
    """A signed-in user submitting a state-changing form: the CSRF token must match."""
    submitted = await _submitted_csrf(request)
    if not submitted or not hmac.compare_digest(submitted, p.csrf):
        raise CsrfFailed("the form has expired or did not come from this console; reload the page")
    return p


def action_for(*kinds: OrgKind, role: Role = Role.VIEWER) -> Callable[..., Page]:
    """``action`` restricted to organisation kinds and a minimum role."""

    def dependency(p: Page = Depends(action)) -> Page:
        return _admitted(p, kinds, role, "action")

    return dependency


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    """Store the access token where only the browser (not page scripts) can send it."""
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(TOKEN_COOKIE, path="/", samesite="strict", httponly=True)


def safe_next(value: str | None) -> str:
    """Only console paths are valid redirect targets (no open redirect to another site)."""
    if value and value.startswith("/console") and not value.startswith("//") and "\\" not in value:
        return value
    return "/console"
