"""Attach the console to the API application: routers, static assets, browser-aware errors."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.edge.routing import gated, include_shared

# Importing the catalogs registers the console's words; each area keeps its own.
from chanrong.web import (  # noqa: F401
    assets_messages,
    credit_messages,
    federated_messages,
    funds_messages,
    guarantee_messages,
    insurance_messages,
    leasing_messages,
    lending_messages,
    market_messages,
    messages,
    supplychain_messages,
    trade_messages,
)
from chanrong.web.auth import (
    SIGN_IN_PATH,
    CsrfFailed,
    NotForRole,
    SignInRequired,
    clear_session_cookie,
    console_locale,
)
from chanrong.web.pages import (
    analyst,
    applications,
    assets,
    bank,
    certificates,
    consents,
    contracts,
    enterprise,
    federated,
    funds,
    guarantee,
    insurance,
    jobs,
    leasing,
    loans,
    log_entry,
    models,
    offers,
    operator,
    organisation,
    signin,
    trade,
)
from chanrong.web.render import render

STATIC_DIR = Path(__file__).parent / "static"
CONSOLE_PATH = "/console"
PUBLIC_CONSOLE_PATHS = signin.PUBLIC_CONSOLE_PATHS

ROUTERS = (
    signin.public_router,
    signin.router,
    organisation.router,
    enterprise.router,
    consents.router,
    loans.router,
    applications.router,
    offers.router,
    certificates.router,
    log_entry.router,
    bank.router,
    models.router,
    operator.router,
    jobs.router,
    analyst.router,
    guarantee.router,
    assets.router,
    contracts.router,
    leasing.router,
    federated.router,
    funds.router,
    insurance.router,
    trade.router,
)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _problem(request: Request, exc: ChanrongError) -> JSONResponse:
    body = exc.to_problem()
    body.setdefault("instance", request.url.path)
    return JSONResponse(
        body, status_code=exc.status, media_type="application/problem+json", headers=exc.headers()
    )


def _console_routes(root: APIRouter) -> None:
    for router in ROUTERS:
        root.include_router(gated(router))


def install(app: FastAPI) -> None:
    """Serve the console under ``/console`` and its assets under ``/static``."""
    include_shared(app, "console", _console_routes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        # Browsers are sent to the sign-in page; API-style callers get the usual 401 problem.
        if request.headers.get("HX-Request") == "true":
            response: Response = Response(status_code=204, headers={"HX-Redirect": SIGN_IN_PATH})
        elif _wants_html(request):
            target = request.url.path if request.method == "GET" else CONSOLE_PATH
            had_cookie = "chanrong_token" in request.cookies
            query = f"?next={quote(target)}" + ("&expired=1" if had_cookie else "")
            response = RedirectResponse(SIGN_IN_PATH + query, status_code=303)
        else:
            return _problem(request, exc)
        clear_session_cookie(response)
        return response

    async def _refused(request: Request, exc: ChanrongError) -> Response:
        if not _wants_html(request):
            return _problem(request, exc)
        locale = console_locale(request)
        key = "web.error.csrf" if isinstance(exc, CsrfFailed) else "web.error.not_for_role"
        return render(
            request,
            "error.html",
            None,
            locale=locale,
            status_code=exc.status,
            message=t(key, locale),
        )

    app.add_exception_handler(NotForRole, _refused)  # type: ignore[arg-type]
    app.add_exception_handler(CsrfFailed, _refused)  # type: ignore[arg-type]
