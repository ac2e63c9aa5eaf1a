"""The caller's own organisation: its record, its users and API keys (identity)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.identity import service as identity
from chanrong.identity.domain import Role
from chanrong.web.auth import Page, action, page
from chanrong.web.failures import failed
from chanrong.web.render import page_view

router = APIRouter(prefix="/console/organisation", include_in_schema=False)


def _context(p: Page) -> dict[str, Any]:
    principal = p.ctx.principal
    org = identity.get_organisation(p.session, principal, principal.org_id)
    users = identity.list_users(p.session, principal, principal.org_id)
    is_admin = principal.has_role(Role.ADMIN)
    keys = identity.list_keys(p.session, principal, principal.org_id) if is_admin else []
    names = {u.id: u.username for u in users}
    return {"org": org, "users": users, "keys": keys, "user_names": names, "is_admin": is_admin}


_page = page_view("organisation.html", _context)


@router.get("", response_class=HTMLResponse)
def organisation(request: Request, p: Page = Depends(page)) -> HTMLResponse:
    """The organisation's record, users and (for admins) every API key."""
    return _page(request, p)


@router.post("/users", response_class=HTMLResponse)
def add_user(
    request: Request,
    p: Page = Depends(action),
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
    password: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """An admin adds a user; bad input re-renders the form naming the field."""
    principal = p.ctx.principal
    try:
        identity.require_org_admin(principal, principal.org_id)
        identity.create_user(
            p.session,
            org_id=principal.org_id,
            username=username,
            display_name=display_name or None,
            roles=roles or [],
            password=password or None,
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(
        request, p, status_code=201, ok=t("web.org.user.added", p.locale, username=username)
    )


@router.post("/keys", response_class=HTMLResponse)
def issue_key(
    request: Request, p: Page = Depends(action), name: Annotated[str, Form()] = "console"
) -> HTMLResponse:
    """Issue an API key for the signed-in user; the raw key is shown once."""
    try:
        _, raw = identity.issue_key_for(
            p.session, p.ctx.principal, p.ctx.principal.user_id, name=name or "console"
        )
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, status_code=201, new_key=raw)


@router.post("/keys/{key_id}/revoke", response_class=HTMLResponse)
def revoke_key(request: Request, key_id: str, p: Page = Depends(action)) -> HTMLResponse:
    """Revoke a key (one's own, or any of the organisation's for an admin)."""
    try:
        identity.revoke_key(p.session, p.ctx.principal, key_id)
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p)
