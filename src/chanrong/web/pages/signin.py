"""Sign-in, sign-out, the language switch and the home page."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chanrong.core.errors import TooManyRequests, Unauthenticated
from chanrong.core.i18n import normalise_locale, t
from chanrong.edge import SessionDep
from chanrong.edge.signin import open_session, password_sign_in
from chanrong.identity import service as identity
from chanrong.identity import sessions
from chanrong.identity.domain import Principal
from chanrong.web import summary
from chanrong.web.auth import (
    LANG_COOKIE,
    PRESESSION_COOKIE,
    SIGN_IN_PATH,
    Page,
    action,
    clear_session_cookie,
    console_locale,
    new_presession_token,
    page,
    safe_next,
    set_session_cookie,
)
from chanrong.web.render import render

public_router = APIRouter(include_in_schema=False)
router = APIRouter(prefix="/console", include_in_schema=False)

# The public console paths (added to the app's PUBLIC_PATHS): everything else needs a session.
PUBLIC_CONSOLE_PATHS = frozenset({SIGN_IN_PATH, "/console/lang"})


def _sign_in_page(
    request: Request,
    *,
    error: str = "",
    status_code: int = 200,
    organisation: str = "",
    username: str = "",
    next_path: str = "/console",
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    token = request.cookies.get(PRESESSION_COOKIE) or new_presession_token()
    response = render(
        request,
        "signin.html",
        None,
        locale=console_locale(request),
        status_code=status_code,
        presession=token,
        error=error,
        organisation=organisation,
        username=username,
        next=safe_next(next_path),
        headers=dict(headers) if headers else None,
    )
    response.set_cookie(
        PRESESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path=SIGN_IN_PATH,
    )
    return response


@public_router.get(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/console", expired: bool = False) -> HTMLResponse:
    """The public sign-in page."""
    locale = console_locale(request)
    error = t("web.signin.expired", locale) if expired else ""
    return _sign_in_page(request, error=error, next_path=next)


@public_router.post(SIGN_IN_PATH, response_class=HTMLResponse)
def sign_in(
    request: Request,
    session: Session = SessionDep,
    mode: Annotated[str, Form()] = "",
    api_key: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/console",
) -> Response:
    """Exchange an API key or a password for an access token held in a SameSite cookie."""
    locale = console_locale(request)
    expected = request.cookies.get(PRESESSION_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _sign_in_page(request, error=t("web.error.csrf", locale), status_code=403)
    keep: dict[str, Any] = {"organisation": organisation, "username": username, "next_path": next}
    try:
        signed_in = _authenticate(request, session, mode, api_key, organisation, username, password)
    except TooManyRequests as exc:
        message = t("web.signin.locked", locale, seconds=exc.retry_after)
        return _sign_in_page(request, error=message, status_code=429, headers=exc.headers(), **keep)
    except Unauthenticated as exc:
        session.rollback()
        message = t("web.signin.failed", locale, detail=exc.detail)
        return _sign_in_page(request, error=message, status_code=401, **keep)
    if signed_in is None:
        return _sign_in_page(
            request, error=t("web.signin.missing", locale), status_code=422, **keep
        )
    principal, key_id = signed_in
    token, max_age = open_session(request, session, principal, api_key_id=key_id, console=True)
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(response, request, token, max_age)
    response.delete_cookie(PRESESSION_COOKIE, path=SIGN_IN_PATH)
    return response


def _authenticate(
    request: Request,
    session: Session,
    mode: str,
    api_key: str,
    organisation: str,
    username: str,
    password: str,
) -> tuple[Principal, str | None] | None:
    if mode != "password" and api_key.strip():
        return identity.verify_api_key(session, api_key.strip())
    if organisation.strip() and username.strip() and password:
        principal = password_sign_in(
            request,
            session,
            organisation=organisation.strip(),
            username=username.strip(),
            password=password,
        )
        return principal, None
    return None


@public_router.get("/console/lang")
def switch_language(to: str = "zh-CN", next: str = "/console") -> RedirectResponse:
    """Remember the chosen language in a cookie and go back to the page."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        LANG_COOKIE, normalise_locale(to), max_age=365 * 24 * 3600, samesite="lax", path="/"
    )
    return response


@router.post("/sign-out")
def sign_out(p: Page = Depends(action)) -> RedirectResponse:
    """End the console session: its row is marked signed out, so the cookie's token (or a
    copy of it) is refused from the next request on, and the cookie is dropped."""
    if p.ctx.session_id is not None:
        sessions.end_session(p.session, p.ctx.session_id)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    clear_session_cookie(response)
    return response


@router.get("", response_class=HTMLResponse)
def home(request: Request, p: Page = Depends(page)) -> HTMLResponse:
    """The signed-in user's overview: who they are and the sections of their role."""
    roles = ", ".join(t(f"web.role.{r.value}", p.locale) for r in sorted(p.ctx.principal.roles))
    figures = summary.figures(p.session, p.ctx.principal)
    return render(request, "home.html", p, locale=p.locale, roles=roles, figures=figures)
