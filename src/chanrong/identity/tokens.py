"""Short-lived access tokens (JWT, HS256) issued for an API key or a password sign-in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt

from chanrong.core.errors import Unauthenticated
from chanrong.core.ids import new_id
from chanrong.identity.domain import InstitutionType, OrgKind, Principal, Role

ISSUER = "chanrong"


def issue_token(principal: Principal, *, secret: str, ttl_seconds: int, now: datetime) -> str:
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": principal.user_id,
        "org": principal.org_id,
        "kind": principal.org_kind.value,
        "roles": sorted(r.value for r in principal.roles),
        "itype": principal.institution_type.value if principal.institution_type else None,
        "core": principal.is_core,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": new_id(),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> Principal:
    """The principal inside a valid token; expired or forged tokens are ``Unauthenticated``."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("access token has expired; request a new one") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("access token is not valid") from exc
    return Principal(
        user_id=claims["sub"],
        org_id=claims["org"],
        org_kind=OrgKind(claims["kind"]),
        roles=frozenset(Role(r) for r in claims["roles"]),
        institution_type=InstitutionType(claims["itype"]) if claims.get("itype") else None,
        is_core=bool(claims.get("core")),
    )
