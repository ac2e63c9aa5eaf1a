"""The composition root of the HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from chanrong.api import admission, limits, observability, openapi_problems, problems
from chanrong.api.business import business_routes
from chanrong.api.inputs import sane_inputs
from chanrong.api.queries import known_query_parameters
from chanrong.api.routers import PROTECTED, PUBLIC
from chanrong.core.logs import register_url_password
from chanrong.core.settings import Settings, get_settings
from chanrong.edge.routing import gated, include_shared
from chanrong.federated import joint_scoring
from chanrong.storage import migrate
from chanrong.storage.database import Database, pool_options
from chanrong.telemetry import service as telemetry
from chanrong.web import mount as console

# Routes that answer without credentials: infrastructure probes and the API description.
PUBLIC_PATHS = frozenset(
    {
        "/healthz",
        "/readyz",
        "/metrics",
        "/docs",
        "/docs/oauth2-redirect",
        "/openapi.json",
        "/redoc",
        "/auth/token",
    }
    # The console's sign-in page and language switch (every other console page needs a session).
    | console.PUBLIC_CONSOLE_PATHS
)


def _api_routes(root: APIRouter) -> None:
    """Every API router, behind its prefix check, with the checks every route runs."""
    # An unknown query parameter is refused on every API route, never ignored.
    # Nor is an out-of-range integer or a control character in any parameter or JSON body.
    strict = [Depends(known_query_parameters), Depends(sane_inputs)]
    for router in PUBLIC:
        root.include_router(gated(router), dependencies=strict)
    # Banks, insurers and lessors each write only on the routes of their business.
    protected = [*strict, Depends(business_routes)]
    for router in PROTECTED:
        root.include_router(gated(router), dependencies=protected)


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: the environment) and an optional database."""
    settings = settings or get_settings()
    # Resolved now, not at the first request: a refused secret stops start-up in plain words,
    # and the installation's generated one is created (once, shared by every worker) here.
    _ = settings.token_secret
    register_url_password(settings.effective_database_url)
    db = db or Database(
        settings.effective_database_url,
        **pool_options(
            settings.effective_database_url,
            size=settings.effective_db_pool_size,
            timeout=settings.db_pool_timeout_seconds,
        ),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        # Commits and rollbacks at the end of requests: one thread per admitted request, apart
        # from the routes' threads (see ``edge.context.db_session``).
        _app.state.commit_limiter = CapacityLimiter(settings.api_concurrency)
        telemetry.serve_requests(settings)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="chanrong 产融 API",
        version="0.1.0",
        description=(
            "Industrial operating data as trusted evidence for finance. "
            "Authenticate with `Authorization: Bearer <API key or access token>`."
        ),
    )
    app.state.settings = settings
    app.state.db = db
    # Credit's joint-model port, implemented by federated (None unless configured).
    app.state.joint_scorer = joint_scoring.scorer_for(settings)
    metrics = observability.Metrics()
    app.state.metrics = metrics
    problems.install(app)
    # Inside the body limit and the observer: a shed request is still counted and has an id.
    admission.install(app, settings.api_concurrency, settings.api_queue_seconds)
    # Inside the observer, so a refused body still gets a request id and is counted.
    limits.install(app)
    observability.install(app, metrics)

    # Resolved once per process (see ``include_shared``).
    include_shared(app, "api", _api_routes)
    console.install(app)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"])
    def readyz(request: Request) -> JSONResponse:
        """Readiness: the database answers and its schema is current."""
        database: Database = request.app.state.db
        checks: dict[str, str] = {}
        try:
            database.ping()
            checks["database"] = "ok"
            current = migrate.is_current(database.engine)
            checks["schema"] = "ok" if current else "migrations pending"
        except Exception as exc:  # readiness reports failures, it does not raise them
            checks["database"] = f"error: {type(exc).__name__}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    def metrics_route() -> Response:
        return metrics.render()

    openapi_problems.declare(app, PUBLIC_PATHS, sign_in={"/auth/token"})
    return app
