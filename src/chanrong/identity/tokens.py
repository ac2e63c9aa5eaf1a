"""Short-lived access tokens (JWT, HS256), each naming the session it belongs to.

A token proves only which session it was issued for; who the caller is (user, organisation,
roles) and whether the session still stands are read from the database on every use
(``service.authenticate_session``), so signing out, revoking the API key the session came
from, or deactivating the user ends access at the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt

from chanrong.core.errors import Unauthenticated
from chanrong.core.ids import new_id

ISSUER = "chanrong"


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What a valid token says: the user, the session and when the token ends."""

    user_id: str
    session_id: str
    expires_at: datetime


def issue_token(
    *, user_id: str, session_id: str, secret: str, now: datetime, expires_at: datetime
) -> str:
    """A token for ``session_id`` valid from ``now`` until ``expires_at``."""
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": user_id,
        "sid": session_id,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": new_id(),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> TokenClaims:
    """The claims of a token signed with ``secret`` and not expired, else ``Unauthenticated``.

    Only HS256 is accepted (no ``none``, no algorithm chosen by the token)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("access token has expired; request a new one") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("access token is not valid") from exc
    sub, sid = claims["sub"], claims["sid"]
    if not isinstance(sub, str) or not isinstance(sid, str):
        raise Unauthenticated("access token is not valid")
    return TokenClaims(
        user_id=sub, session_id=sid, expires_at=datetime.fromtimestamp(claims["exp"], UTC)
    )
