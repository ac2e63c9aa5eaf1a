"""What a console page does when a use case refuses: roll its changes back, then say why.

The request's unit of work commits when the page returns, so a page that answers a
``ChanrongError`` with HTML (rather than letting it propagate) must roll back first, or the
refused use case's flushed half would be committed under an error message.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError
from chanrong.web.auth import Page
from chanrong.web.forms import problem_text
from chanrong.web.render import render


def failed(p: Page, exc: ChanrongError) -> dict[str, Any]:
    """Roll back and give the status and message a form page re-renders itself with:
    ``return _page(request, p, **failed(p, exc))``."""
    p.session.rollback()
    return {"status_code": exc.status, "error": problem_text(exc, p.locale)}


def error_page(request: Request, p: Page, exc: ChanrongError) -> HTMLResponse:
    """Roll back and answer with the console's error page, at the error's status."""
    p.session.rollback()
    return render(
        request,
        "error.html",
        p,
        locale=p.locale,
        status_code=exc.status,
        message=problem_text(exc, p.locale),
    )
