"""The routers every domain contributes. Add a domain's router here, one line each."""

from __future__ import annotations

from fastapi import APIRouter

from chanrong.api import reference
from chanrong.governance import api as governance_api
from chanrong.identity import api as identity_api

# Routers whose every route requires authentication.
PROTECTED: list[APIRouter] = [
    identity_api.router,
    reference.router,
    *governance_api.routers,
]

# Routers that authenticate by other means (they issue credentials).
PUBLIC: list[APIRouter] = [
    identity_api.public_router,
]
