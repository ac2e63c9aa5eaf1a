"""Helpers for driving the console over HTTP in tests (signing in, finding the form token)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

HTML = {"Accept": "text/html,application/xhtml+xml"}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The form token a console page embeds."""
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: TestClient, api_key: str) -> TestClient:
    """Sign ``client`` in through the console form with an API key."""
    form = client.get("/console/sign-in", headers=HTML)
    assert form.status_code == 200
    r = client.post(
        "/console/sign-in",
        data={"mode": "api_key", "api_key": api_key, "csrf_token": csrf_of(form.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "chanrong_token" in r.headers["set-cookie"]
    return client


def page_csrf(client: TestClient, path: str = "/console") -> str:
    r = client.get(path, headers=HTML)
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


def session_cookie(client: TestClient) -> str:
    """The access token the console keeps in ``client``'s session cookie."""
    token = client.cookies.get("chanrong_token")
    assert token, "not signed in"
    return token
