"""Password guessing is rate-limited per account and per client address (kept in the database,
so every worker process sees the same counts), and a sign-in costs one argon2 verification
whether or not the account exists. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.clock import utcnow
from chanrong.core.errors import TooManyRequests, Unauthenticated
from chanrong.core.settings import Settings
from chanrong.identity import secrets as identity_secrets
from chanrong.identity import service as identity
from chanrong.identity import sessions
from chanrong.identity.domain import SignInLimits
from chanrong.storage.database import Database
from tests.builders import Park, add_member, add_org
from tests.web.console import HTML, csrf_of

RIGHT = "correct horse battery"


@pytest.fixture
def account(db: Database) -> dict[str, str]:
    """An enterprise user who signs in with a password."""
    with db.unit_of_work() as s:
        org_id = add_org(s, "enterprise", name="丙公司")
        member = add_member(s, org_id, "officer", password=RIGHT)
        username = next(
            u.username for u in identity.list_users_unchecked(s, org_id) if u.id == member.user_id
        )
    return {"organisation": "丙公司", "username": username, "org_id": org_id}


def _attempt(client: TestClient, account: dict[str, str], password: str) -> Any:
    body = {"organisation": account["organisation"], "username": account["username"]}
    return client.post("/auth/token", json={**body, "password": password})


def test_five_failures_lock_the_account_even_for_the_right_password(
    app_client: TestClient, account: dict[str, str], db: Database
) -> None:
    for i in range(5):
        r = _attempt(app_client, account, f"guess-{i}")
        assert r.status_code == 401, (i, r.text)
    r = _attempt(app_client, account, RIGHT)
    assert r.status_code == 429
    assert r.headers["content-type"] == "application/problem+json"
    retry = int(r.headers["retry-after"])
    assert 880 <= retry <= 900
    assert r.json()["retry_after"] == retry
    assert r.json()["type"].endswith("/too-many-requests")
    # Still locked for the next attempt, and the console's form is locked the same way.
    assert _attempt(app_client, account, RIGHT).status_code == 429
    form = app_client.get("/console/sign-in", headers=HTML)
    data = {
        "mode": "password",
        "organisation": account["organisation"],
        "username": account["username"],
        "password": RIGHT,
        "csrf_token": csrf_of(form.text),
    }
    r = app_client.post("/console/sign-in", data=data, headers=HTML, follow_redirects=False)
    assert r.status_code == 429
    assert "retry-after" in r.headers
    assert "登录失败次数过多" in r.text
    assert "chanrong_token" not in r.headers.get("set-cookie", "")
    # Once the window has passed the right password works again (and only then).
    limits = SignInLimits()
    with db.unit_of_work() as s:
        with pytest.raises(TooManyRequests):
            sessions.authenticate_password(
                s,
                organisation=account["organisation"],
                username=account["username"],
                password=RIGHT,
                address="testclient",
                limits=limits,
                now=utcnow() + timedelta(seconds=limits.window_seconds - 30),
            )
        principal = sessions.authenticate_password(
            s,
            organisation=account["organisation"],
            username=account["username"],
            password=RIGHT,
            address="testclient",
            limits=limits,
            now=utcnow() + timedelta(seconds=limits.window_seconds + 1),
        )
    assert principal.org_id == account["org_id"]


def test_unknown_accounts_lock_exactly_like_known_ones(
    app_client: TestClient, account: dict[str, str]
) -> None:
    # A 429 must not tell a guesser which usernames exist.
    ghost = {**account, "username": "nobody-here"}
    for _ in range(5):
        assert _attempt(app_client, ghost, "whatever").status_code == 401
    assert _attempt(app_client, ghost, "whatever").status_code == 429
    # Another account is not affected by the ghost's lock.
    assert _attempt(app_client, account, RIGHT).status_code == 200


def test_a_success_clears_the_accounts_failures(
    app_client: TestClient, account: dict[str, str]
) -> None:
    for _ in range(4):
        assert _attempt(app_client, account, "nope-nope").status_code == 401
    assert _attempt(app_client, account, RIGHT).status_code == 200
    for _ in range(4):
        assert _attempt(app_client, account, "nope-nope").status_code == 401
    assert _attempt(app_client, account, RIGHT).status_code == 200


@pytest.fixture
def strict_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """An app allowing 3 failures per client address."""
    strict = settings.model_copy(update={"signin_max_failures_per_address": 3})
    with TestClient(create_app(strict, db), raise_server_exceptions=False) as client:
        yield client


def test_failures_from_one_address_lock_every_account_from_it(
    strict_client: TestClient, account: dict[str, str]
) -> None:
    # Spraying one password over many usernames is caught by the address count.
    for name in ("a-user", "b-user", "c-user"):
        assert (
            _attempt(strict_client, {**account, "username": name}, "Spring2025").status_code == 401
        )
    r = _attempt(strict_client, account, RIGHT)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


class _CountingHasher:
    """argon2's own hasher, counting verifications (each one still runs for real)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.verified = 0

    def verify(self, stored: str, secret: str) -> bool:
        self.verified += 1
        return bool(self.real.verify(stored, secret))

    def hash(self, secret: str) -> str:
        return str(self.real.hash(secret))


def test_every_sign_in_pays_one_verification_whether_the_account_exists_or_not(
    app_client: TestClient,
    account: dict[str, str],
    park: Park,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counting = _CountingHasher(identity_secrets._hasher)
    monkeypatch.setattr(identity_secrets, "_hasher", counting)
    with db.unit_of_work() as s:
        keyonly = next(
            u.username
            for u in identity.list_users_unchecked(s, park["bank"]["admin"].org_id)
            if u.id == park["bank"]["admin"].user_id
        )
    cases = [
        ("wrong password", account, "not-it-at-all", 401),
        ("unknown user", {**account, "username": "ghost"}, "not-it-at-all", 401),
        ("unknown organisation", {**account, "organisation": "无此公司"}, "x" * 12, 401),
        ("user without a password", {"organisation": "bank", "username": keyonly}, "x" * 12, 401),
        ("right password", account, RIGHT, 200),
    ]
    for what, who, password, status in cases:
        before = counting.verified
        r = _attempt(app_client, who, password)
        assert r.status_code == status, (what, r.text)
        assert counting.verified - before == 1, what
    # A locked account costs no verification at all.
    for _ in range(5):
        _attempt(app_client, account, "bad-bad-bad")
    before = counting.verified
    assert _attempt(app_client, account, RIGHT).status_code == 429
    assert counting.verified == before


def test_concurrent_guesses_are_counted_before_any_is_judged(
    account: dict[str, str], db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Eight guesses in flight at once (threads or worker processes): each is counted and
    committed before its password is checked, so no more than the limit are ever verified."""
    counting = _CountingHasher(identity_secrets._hasher)
    monkeypatch.setattr(identity_secrets, "_hasher", counting)
    attempts = []
    for i in range(8):
        with db.unit_of_work() as s:
            attempts.append(
                sessions.begin_password_attempt(
                    s,
                    organisation=account["organisation"],
                    username=account["username"],
                    address=f"10.0.0.{i}",
                )
            )
    outcomes = []
    for attempt in attempts:
        with db.unit_of_work() as s:
            try:
                sessions.finish_password_attempt(s, attempt, password="in-flight guess")
            except TooManyRequests:
                outcomes.append(429)
            except Unauthenticated:
                outcomes.append(401)
    assert outcomes.count(401) == counting.verified
    assert counting.verified <= 5
    assert outcomes.count(429) >= 3
