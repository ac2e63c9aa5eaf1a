"""The routers every domain contributes. Add a domain's router here, one line each."""

from __future__ import annotations

from fastapi import APIRouter

from chanrong.api import reference
from chanrong.assets import api as assets_api
from chanrong.carbon import api as carbon_api
from chanrong.credit import api as credit_api
from chanrong.federated import api as federated_api
from chanrong.funds import api as funds_api
from chanrong.governance import api as governance_api
from chanrong.guarantee import api as guarantee_api
from chanrong.identity import api as identity_api
from chanrong.insurance import api as insurance_api
from chanrong.leasing import api as leasing_api
from chanrong.lending import api as lending_api
from chanrong.market import api as market_api
from chanrong.supplychain import api as supplychain_api
from chanrong.supplychain import guaranteed_trade_api, trade_api
from chanrong.telemetry import api as telemetry_api

# Routers whose every route requires authentication. Requests are matched against them in
# this order, route by route, so the decision route (the one under load) comes first; the
# prefixes do not overlap, so the order changes nothing else.
PROTECTED: list[APIRouter] = [
    credit_api.router,
    identity_api.router,
    reference.router,
    lending_api.router,
    market_api.router,
    *governance_api.routers,
    supplychain_api.router,
    telemetry_api.router,
    carbon_api.router,
    leasing_api.router,
    insurance_api.router,
    guarantee_api.router,
    assets_api.router,
    funds_api.router,
    federated_api.router,
    trade_api.router,
    guaranteed_trade_api.router,
]

# Routers that authenticate by other means (they issue credentials).
PUBLIC: list[APIRouter] = [
    identity_api.public_router,
]
