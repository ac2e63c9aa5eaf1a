"""What a console page does when a use case refuses: roll its changes back, then say why.

The request's unit of work commits when the page returns, so a page that answers a
``ChanrongError`` with HTML (rather than letting it propagate) must roll back first, or the
refused use case's flushed half would be committed under an error message. A read refused
for want of consent is then kept for the enterprise whose data it was, in the same unit of
work (after the rollback), as the API's error handler keeps its own.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError, ConsentRequired
from chanrong.governance import service as governance
from chanrong.web.auth import Page
from chanrong.web.forms import problem_text
from chanrong.web.render import render


def _keep_denial(p: Page, exc: ChanrongError, route: str) -> None:
    if isinstance(exc, ConsentRequired):
        governance.record_denial(p.session, p.ctx.principal, exc, route=route)


def failed(p: Page, exc: ChanrongError, route: str) -> dict[str, Any]:
    """Roll back and give the status and message a form page re-renders itself with:
    ``return _page(request, p, **failed(p, exc, request.url.path))``."""
    p.session.rollback()
    _keep_denial(p, exc, route)
    return {"status_code": exc.status, "error": problem_text(exc, p.locale)}


def error_page(request: Request, p: Page, exc: ChanrongError) -> HTMLResponse:
    """Roll back and answer with the console's error page, at the error's status."""
    p.session.rollback()
    _keep_denial(p, exc, request.url.path)
    return render(
        request,
        "error.html",
        p,
        locale=p.locale,
        status_code=exc.status,
        message=problem_text(exc, p.locale),
    )
