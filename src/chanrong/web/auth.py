"""Console sessions: the access-token cookie, CSRF tokens and the page/action dependencies.

The console is a browser client of the same identity service as the API: the cookie holds an
ordinary access token, so a revoked user or an expired token is refused exactly as on the API.
State-changing forms also carry a CSRF token (and the cookie is ``SameSite=Strict``): two
independent defences, because a single misconfigured proxy can strip one of them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import jwt
from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Forbidden, NotFound, Unauthenticated
from chanrong.core.i18n import DEFAULT_LOCALE, normalise_locale
from chanrong.core.settings import Settings
from chanrong.edge import Ctx, SessionDep, call_context
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Role
from chanrong.identity.tokens import issue_token

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
    # A fresh access token to store in the cookie (a sliding session), or "" to keep the old.
    renewed_token: str = ""

    @property
    def session(self) -> Session:
        return self.ctx.session


def _page(request: Request, session: Session) -> Page:
    try:
        ctx = call_context(request, session, None)
    except Unauthenticated as exc:
        raise SignInRequired(exc.detail) from None
    token = request.cookies.get(TOKEN_COOKIE, "")
    csrf = csrf_for(token, ctx.settings.jwt_secret)
    principal = ctx.principal
    try:
        org = identity.get_organisation(session, principal, principal.org_id)
        user = identity.get_user(session, principal, principal.user_id)
    except NotFound:
        # A token can outlive its user or organisation record; treat it as signed out.
        raise SignInRequired("your account no longer exists; sign in again") from None
    if not user.active:
        raise SignInRequired("your account has been deactivated")
    renewed = ""
    if _due_for_renewal(request, token, ctx.settings):
        # Re-read roles from the database rather than copy them from the old token, so a
        # sliding session never outlives a change of roles.
        fresh = identity.principal_of(user, org)
        renewed = issue_token(
            fresh,
            secret=ctx.settings.jwt_secret,
            ttl_seconds=ctx.settings.jwt_ttl_seconds,
            now=utcnow(),
        )
        csrf = csrf_for(renewed, ctx.settings.jwt_secret)
    return Page(
        ctx=ctx,
        locale=console_locale(request),
        csrf=csrf,
        org_name=org.name,
        user_name=user.display_name,
        renewed_token=renewed,
    )


def _due_for_renewal(request: Request, token: str, settings: Settings) -> bool:
    """Renew on full-page reads once half the token's life has passed. Not on htmx requests
    or form posts: the page they came from holds a CSRF token bound to the current one."""
    if request.method != "GET" or request.headers.get("HX-Request") == "true":
        return False
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    left = float(claims.get("exp", 0)) - utcnow().timestamp()
    return left < settings.jwt_ttl_seconds / 2


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
