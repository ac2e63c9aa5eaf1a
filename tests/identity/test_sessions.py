"""Access tokens are checked against the database on every use, on SQLite and PostgreSQL:
forged tokens, signed-out sessions, revoked keys, missing sessions and deactivated users are
refused at the next request."""

from __future__ import annotations

import secrets as pysecrets
from datetime import UTC, datetime, timedelta

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import update

from chanrong.core.ids import new_id
from chanrong.core.settings import Settings
from chanrong.identity.orm import AuthSession, User
from chanrong.identity.tokens import issue_token
from chanrong.storage.database import Database
from tests.builders import Park

# The signing secret this project once published as its default (README and settings.py).
OLD_PUBLISHED_DEFAULT = "chanrong-dev-secret-change-me-in-production-0123456789"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token_for(client: TestClient, api_key: str) -> str:
    r = client.post("/auth/token", json={"api_key": api_key})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _claims(token: str) -> dict[str, str]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def _forge(secret: str, *, user_id: str, session_id: str) -> str:
    now = datetime.now(UTC)
    return issue_token(
        user_id=user_id,
        session_id=session_id,
        secret=secret,
        now=now,
        expires_at=now + timedelta(minutes=15),
    )


def test_a_token_works_until_its_session_is_signed_out(app_client: TestClient, park: Park) -> None:
    token = _token_for(app_client, park["bank"]["officer"].key)
    assert app_client.get("/me", headers=_bearer(token)).status_code == 200
    r = app_client.post("/auth/sign-out", headers=_bearer(token))
    assert r.status_code == 204
    r = app_client.get("/me", headers=_bearer(token))
    assert r.status_code == 401
    assert "signed out" in r.json()["detail"]
    # Signing out again with the dead token is refused like any other call.
    assert app_client.post("/auth/sign-out", headers=_bearer(token)).status_code == 401
    # The key itself still works, and a new token of it too.
    assert app_client.get("/me", headers=park["bank"]["officer"].headers).status_code == 200
    assert (
        app_client.get(
            "/me", headers=_bearer(_token_for(app_client, park["bank"]["officer"].key))
        ).status_code
        == 200
    )


def test_sign_out_with_an_api_key_says_to_revoke_it(app_client: TestClient, park: Park) -> None:
    r = app_client.post("/auth/sign-out", headers=park["bank"]["officer"].headers)
    assert r.status_code == 409
    assert r.json()["field"] == "Authorization"
    assert "revoke" in r.json()["detail"]


def test_a_revoked_keys_tokens_stop_at_once(app_client: TestClient, park: Park) -> None:
    admin = park["enterprise"]["admin"]
    token = _token_for(app_client, admin.key)
    assert app_client.get("/me", headers=_bearer(token)).json()["user_id"] == admin.user_id
    keys = app_client.get(f"/organisations/{admin.org_id}/api-keys", headers=admin.headers).json()
    mine = next(k for k in keys if k["user_id"] == admin.user_id)
    # Revoked with the token itself: the next request with it is refused.
    r = app_client.post(f"/api-keys/{mine['id']}/revoke", headers=_bearer(token))
    assert r.status_code == 200
    r = app_client.get("/me", headers=_bearer(token))
    assert r.status_code == 401
    assert "revoked" in r.json()["detail"]
    assert app_client.post("/auth/token", json={"api_key": admin.key}).status_code == 401


def test_tokens_signed_with_another_secret_are_refused(
    app_client: TestClient, park: Park, settings: Settings
) -> None:
    member = park["operator"]["admin"]
    real = _token_for(app_client, member.key)
    sid = _claims(real)["sid"]
    assert settings.token_secret != OLD_PUBLISHED_DEFAULT
    # Right user and a live session: only the signature is wrong.
    for secret in (OLD_PUBLISHED_DEFAULT, pysecrets.token_urlsafe(48)):
        forged = _forge(secret, user_id=member.user_id, session_id=sid)
        r = app_client.get("/me", headers=_bearer(forged))
        assert r.status_code == 401, secret
        assert r.json()["detail"] == "access token is not valid"
        assert app_client.get("/organisations", headers=_bearer(forged)).status_code == 401
    # An unsigned token ("alg": "none") too.
    unsigned = jwt.encode(_claims(real), key=None, algorithm="none")
    assert app_client.get("/me", headers=_bearer(unsigned)).status_code == 401
    assert app_client.get("/me", headers=_bearer(real)).status_code == 200


def test_a_token_whose_session_is_missing_is_refused(
    app_client: TestClient, park: Park, settings: Settings
) -> None:
    member = park["bank"]["admin"]
    # Signed with the real secret, but naming no session row.
    token = _forge(settings.token_secret, user_id=member.user_id, session_id=new_id())
    r = app_client.get("/me", headers=_bearer(token))
    assert r.status_code == 401
    assert "does not exist" in r.json()["detail"]
    # A real session presented for another user is refused the same way.
    other = park["bank"]["viewer"]
    sid = _claims(_token_for(app_client, other.key))["sid"]
    token = _forge(settings.token_secret, user_id=member.user_id, session_id=sid)
    assert app_client.get("/me", headers=_bearer(token)).status_code == 401
    # Tokens of the old format (roles in the claims, no session) are not accepted either.
    now = datetime.now(UTC)
    old_style = jwt.encode(
        {
            "iss": "chanrong",
            "sub": member.user_id,
            "org": member.org_id,
            "kind": "financial_institution",
            "roles": ["admin"],
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=5)).timestamp()),
        },
        settings.token_secret,
        algorithm="HS256",
    )
    assert app_client.get("/me", headers=_bearer(old_style)).status_code == 401


def test_an_expired_session_or_deactivated_user_is_refused(
    app_client: TestClient, park: Park, db: Database
) -> None:
    member = park["analyst"]["viewer"]
    token = _token_for(app_client, member.key)
    sid = _claims(token)["sid"]
    with db.unit_of_work() as s:
        s.execute(
            update(AuthSession)
            .where(AuthSession.id == sid)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    r = app_client.get("/me", headers=_bearer(token))
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]
    token = _token_for(app_client, member.key)
    assert app_client.get("/me", headers=_bearer(token)).status_code == 200
    with db.unit_of_work() as s:
        s.execute(update(User).where(User.id == member.user_id).values(active=False))
    r = app_client.get("/me", headers=_bearer(token))
    assert r.status_code == 401
    assert "not active" in r.json()["detail"]


def test_roles_come_from_the_database_not_the_token(
    app_client: TestClient, park: Park, db: Database
) -> None:
    member = park["enterprise"]["officer"]
    token = _token_for(app_client, member.key)
    assert app_client.get("/me", headers=_bearer(token)).json()["roles"] == ["officer"]
    with db.unit_of_work() as s:
        s.execute(update(User).where(User.id == member.user_id).values(roles=["viewer"]))
    assert app_client.get("/me", headers=_bearer(token)).json()["roles"] == ["viewer"]


def test_sessions_record_how_and_where_they_were_opened(
    app_client: TestClient, park: Park, db: Database
) -> None:
    member = park["lessor"]["officer"]
    token = _token_for(app_client, member.key)
    with db.unit_of_work() as s:
        row = s.get(AuthSession, _claims(token)["sid"])
        assert row is not None
        assert row.user_id == member.user_id
        assert row.via == "api_key"
        assert row.api_key_id is not None
        assert row.last_address == "testclient"
        assert row.revoked_at is None
        life = (row.expires_at - row.created_at).total_seconds()
    assert abs(life - 900) <= 1
