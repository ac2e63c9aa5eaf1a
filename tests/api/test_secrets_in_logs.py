"""No secret reaches the logs: the whole API is driven over real HTTP (uvicorn, as `chanrong
serve` runs it) through successes and failures, bad input, sign-in lockouts, console sign-in
and sign-out, and routes made to fail with secrets in their exception and their locals, while
every log line (structlog, the standard library, uvicorn's loggers, httpx's) is captured;
none may contain a key, password, token, cookie or the signing secret.

Also: an unexpected error is a 500 problem+json carrying a request id that is in its log line,
and is counted in /metrics."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from sqlalchemy.engine import make_url

from chanrong.api.app import create_app
from chanrong.core.logs import configure_logging
from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from tests.builders import Park, add_member, add_org

PASSWORD = "Correct-Horse-Battery-9"
WRONG = "Wrong-Guess-Staple-7"


@dataclass
class Live:
    base: str
    stream: io.StringIO
    secrets: set[str] = field(default_factory=set)

    def keep(self, *values: str | None) -> None:
        """Remember values that must never be logged."""
        self.secrets.update(v for v in values if v)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _add_failing_routes(app: FastAPI) -> None:
    async def boom(request: Request) -> None:
        # Locals a pretty traceback would print, and an error message quoting credentials.
        authorization = request.headers.get("authorization")
        signing_secret = request.app.state.settings.token_secret
        cookie = request.headers.get("cookie")
        assert signing_secret and authorization
        raise RuntimeError(
            f"upstream refused: Authorization: {authorization}; cookie: {cookie}; "
            f"password={request.query_params.get('password')!r}"
        )

    def boom_sync(request: Request, body: dict[str, str]) -> None:
        logging.getLogger("thirdparty.client").warning(
            "calling out with headers %r and body %r", dict(request.headers), body
        )
        raise ValueError(f"could not use {body!r}")

    app.add_api_route("/test/boom", boom, methods=["GET"])
    app.add_api_route("/test/boom-sync", boom_sync, methods=["POST"])


@pytest.fixture(params=[False, True], ids=["console-lines", "json-lines"])
def live(request: pytest.FixtureRequest, settings: Settings, db: Database) -> Iterator[Live]:
    stream = io.StringIO()
    configure_logging(settings, json=request.param, level="DEBUG", stream=stream)
    app = create_app(settings, db)
    _add_failing_routes(app)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, log_level="debug")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    live = Live(f"http://127.0.0.1:{port}", stream)
    live.keep(settings.token_secret, make_url(settings.effective_database_url).password)
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        configure_logging(json=False, level="WARNING")


def _exercise(live: Live, park: Park, account: dict[str, str]) -> dict[str, str]:
    """Drive the API through its paths; returns what the 500 answered."""
    for org in park.members.values():
        for member in org.values():
            live.keep(member.key)
    live.keep(PASSWORD, WRONG, "s3cret-pass-in-a-bad-body", "api-key-in-a-body-0123456789")
    bank = park["bank"]["officer"]
    with httpx.Client(base_url=live.base, timeout=30) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/me", headers=bank.headers).status_code == 200
        assert (
            c.get("/me", headers={"Authorization": "Bearer crk_000000000000_nope"}).status_code
            == 401
        )
        wrong_key = bank.key[:-6] + "AAAAAA"
        live.keep(wrong_key)
        assert c.get("/me", headers={"Authorization": f"Bearer {wrong_key}"}).status_code == 401
        # Tokens: from a key and from a password; used, signed out, refused.
        r = c.post("/auth/token", json={"api_key": bank.key})
        token = r.json()["access_token"]
        live.keep(token)
        r = c.post("/auth/token", json={**account, "password": PASSWORD})
        assert r.status_code == 200, r.text
        live.keep(r.json()["access_token"])
        auth = {"Authorization": f"Bearer {token}"}
        assert c.get("/me", headers=auth).status_code == 200
        assert c.post("/auth/sign-out", headers=auth).status_code == 204
        assert c.get("/me", headers=auth).status_code == 401
        # Password guessing up to the lockout.
        statuses = [
            c.post("/auth/token", json={**account, "password": WRONG}).status_code for _ in range(6)
        ]
        assert statuses == [401] * 5 + [429]
        # Bad input with a password in it.
        admin = park["enterprise"]["admin"]
        r = c.post(
            f"/organisations/{admin.org_id}/users",
            json={"username": "x", "roles": ["king"], "password": "s3cret-pass-in-a-bad-body"},
            headers=admin.headers,
        )
        assert r.status_code == 422
        assert (
            c.post(
                "/auth/token", content=b"{not json", headers={"content-type": "application/json"}
            ).status_code
            == 422
        )
    # The console: sign in with a key, read a page, sign out.
    with httpx.Client(base_url=live.base, timeout=30, follow_redirects=True) as browser:
        html = {"Accept": "text/html"}
        form = browser.get("/console/sign-in", headers=html)
        presession = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert presession
        live.keep(presession.group(1))
        r = browser.post(
            "/console/sign-in",
            data={"mode": "api_key", "api_key": admin.key, "csrf_token": presession.group(1)},
            headers=html,
        )
        assert r.status_code == 200, r.text  # followed the redirect to the console
        cookie = browser.cookies.get("chanrong_token")
        live.keep(cookie)
        page = browser.get("/console", headers=html)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        live.keep(csrf.group(1))
        browser.post("/console/sign-out", data={"csrf_token": csrf.group(1)}, headers=html)
        # Unexpected errors, with credentials in the request, the message and the locals.
        r = browser.get(
            "/test/boom",
            params={"password": PASSWORD},
            headers={**bank.headers, "Cookie": f"chanrong_token={cookie}"},
        )
        assert r.status_code == 500
        problem = {**r.json(), "header_id": r.headers["x-request-id"]}
        r = browser.post(
            "/test/boom-sync",
            json={"api_key": "api-key-in-a-body-0123456789", "password": PASSWORD},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 500
        metrics = browser.get("/metrics").text
    problem["metrics"] = metrics
    return problem


@pytest.fixture
def account(db: Database) -> dict[str, str]:
    with db.unit_of_work() as s:
        org_id = add_org(s, "enterprise", name="丁公司")
        member = add_member(s, org_id, "admin", password=PASSWORD)
        from chanrong.identity import service as identity

        user = next(u for u in identity.list_users_unchecked(s, org_id) if u.id == member.user_id)
        return {"organisation": "丁公司", "username": user.username}


def test_no_secret_reaches_the_logs(live: Live, park: Park, account: dict[str, str]) -> None:
    problem = _exercise(live, park, account)
    # Let the server finish writing the last access lines.
    time.sleep(0.2)
    out = live.stream.getvalue()
    # Everything was captured: our access log, uvicorn's own loggers, a foreign logger and
    # the unexpected errors with their tracebacks.
    assert "GET /healthz HTTP/1.1" in out  # uvicorn.access
    assert "Application startup complete" in out  # uvicorn.error
    assert "thirdparty.client" in out
    assert out.count("unhandled_error") >= 2
    assert ("exc_type" if out.lstrip().startswith("{") else "Traceback") in out
    assert "upstream refused" in out
    leaked = sorted(s for s in live.secrets if s in out)
    assert not leaked, f"{len(leaked)} secrets in the log, e.g. {leaked[0][:12]}…"
    # No local variables of the failing frames.
    assert "signing_secret =" not in out and "'signing_secret'" not in out

    # The 500 answer: problem+json with the request id, which is in the error's log line.
    assert problem["type"].endswith("/internal")
    assert problem["status"] == 500
    request_id = problem["request_id"]
    assert request_id == problem["header_id"]
    assert request_id in problem["detail"]
    error_lines = [line for line in out.splitlines() if "unhandled_error" in line]
    assert any(request_id in line for line in error_lines)
    if out.lstrip().startswith("{"):
        first = json.loads(next(line for line in error_lines if request_id in line))
        assert first["level"] == "error"
        assert first["path"] == "/test/boom"
    # … and counted.
    assert (
        'chanrong_http_unhandled_errors_total{method="GET",route="/test/boom"} 1.0'
        in problem["metrics"]
    )
    assert (
        'chanrong_http_requests_total{method="GET",route="/test/boom",status="500"} 1.0'
        in problem["metrics"]
    )
