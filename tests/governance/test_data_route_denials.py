"""Every enterprise-data route, enumerated from the app, refuses a bank without a matching grant.

Routes mark themselves with ``governance.routing.data_route`` (an OpenAPI extension). For each
one, a bank with no grant, an expired grant, a revoked grant, a grant for another purpose, or
a grant below the data's grade is refused with 403 consent-required; a bank with a live,
matching grant gets through and the enterprise sees that read in its access list. A marked
route that forgets the check fails here (shown by ``test_a_route_without_the_check_fails``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.edge import Ctx, current
from chanrong.governance import service as governance
from chanrong.governance.domain import DEFAULT_CATALOG, Grade
from chanrong.governance.routing import DATA_ROUTE_KEY, data_route
from chanrong.storage.database import Database
from tests.api.test_route_security import _walk
from tests.builders import Member, Park, add_member, add_org
from tests.governance.builders import grant, principal

DEFAULT_DATASET = "telemetry.equipment"  # fills a "{dataset}" path parameter
OWNER_PARAMS = {"org_id", "owner_org_id", "enterprise_id", "uscc"}
# Reads with an organisation in the path that serve no enterprise data, and why.
NOT_ENTERPRISE_DATA = {
    ("GET", "/organisations/{org_id}"): "identity record; other organisations get 404",
    ("GET", "/organisations/{org_id}/users"): "identity record; other organisations get 404",
    ("GET", "/organisations/{org_id}/api-keys"): "identity record; admins of the org only",
    ("GET", "/telemetry/orgs/{org_id}/batches/{batch_id}"): "the uploader's own ingestion receipt",
    ("GET", "/insurance/enterprises/{org_id}/safety-risk"): (
        "insurers only, read under the insurance_pricing purpose the service fixes itself, so "
        "the bank-shaped table does not fit; tests/insurance/test_policies_and_risk.py covers "
        "no grant, a live grant and a bank's 403"
    ),
    ("GET", "/insurance/enterprises/{org_id}/sites"): (
        "the enterprise itself, or insurers only under the insurance_pricing purpose the service "
        "fixes itself (the same governed read as the safety-risk profile)"
    ),
    ("GET", "/console/bank/enterprises/{org_id}"): (
        "HTML page: each panel reads through the policy check and says when a grant does not "
        "cover it, so the page itself answers 200 (tests/e2e covers the consent journey)"
    ),
}
# Data routes that check in their service but are not marked yet: the table covers them too.
# (Prefer marking the route with governance.routing.data_route.)
REGISTERED: dict[tuple[str, str], str] = {
    ("GET", "/telemetry/orgs/{org_id}/points"): "telemetry.equipment",
    ("GET", "/telemetry/orgs/{org_id}/daily"): "telemetry.equipment",
    ("GET", "/telemetry/orgs/{org_id}/devices"): "telemetry.equipment",
    ("GET", "/telemetry/orgs/{org_id}/records/{kind}"): "business.orders",
    ("GET", "/telemetry/orgs/{org_id}/quality"): "derived.quality",
}
PATH_VALUES = {"kind": "orders"}  # other path parameters the table fills in


@dataclass(frozen=True)
class DataRoute:
    method: str
    path: str
    dataset: str
    owner_param: str

    def url(self, owner: str) -> str:
        def fill(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == self.owner_param:
                return owner
            if name == "dataset":
                return self.dataset
            if name in PATH_VALUES:
                return PATH_VALUES[name]
            return "00000000-0000-0000-0000-000000000000"

        return re.sub(r"\{([^}:]+)(?::[^}]*)?\}", fill, self.path)


def data_routes(client: TestClient) -> list[DataRoute]:
    out = []
    for route in _walk(client.app.routes):  # type: ignore[attr-defined]
        spec = (route.openapi_extra or {}).get(DATA_ROUTE_KEY)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            if spec is not None:
                dataset = spec["dataset"]
                dataset = DEFAULT_DATASET if dataset.startswith("{") else dataset
                out.append(DataRoute(method, route.path, dataset, spec["owner_param"]))
            elif (method, route.path) in REGISTERED:
                out.append(DataRoute(method, route.path, REGISTERED[method, route.path], "org_id"))
    return out


def _new_bank(db: Database) -> Member:
    with db.unit_of_work() as s:
        org_id = add_org(s, "financial_institution")
        return add_member(s, org_id, "officer")


def _scenarios(
    db: Database, owner: Member, dataset: str
) -> list[tuple[str, Member, str | None, str]]:
    """(name, bank, purpose asked for, expected refusal reason)."""
    spec = DEFAULT_CATALOG[dataset]
    cat, grade = spec.category.value, int(spec.grade)
    now = utcnow()
    out: list[tuple[str, Member, str | None, str]] = []
    out.append(("no grant", _new_bank(db), "credit_assessment", "no_grant"))
    bank = _new_bank(db)
    with db.unit_of_work() as s:
        grant(s, owner, bank.org_id, categories=(cat,), max_grade=3, days=30,
              now=now - timedelta(days=40))  # fmt: skip
    out.append(("expired grant", bank, "credit_assessment", "expired"))
    bank = _new_bank(db)
    with db.unit_of_work() as s:
        g = grant(s, owner, bank.org_id, categories=(cat,), max_grade=3)
        governance.revoke_consent(s, principal(s, owner), g.id, reason="test")
    out.append(("revoked grant", bank, "credit_assessment", "revoked"))
    bank = _new_bank(db)
    with db.unit_of_work() as s:
        grant(s, owner, bank.org_id, categories=(cat,), max_grade=3, purpose="insurance_pricing")
    out.append(("wrong purpose", bank, "credit_assessment", "wrong_purpose"))
    bank = _new_bank(db)
    with db.unit_of_work() as s:
        if grade > 1:
            grant(s, owner, bank.org_id, categories=(cat,), max_grade=grade - 1)
            reason = "grade_above_grant"
        else:
            others = tuple(c.value for c in type(spec.category) if c is not spec.category)
            grant(s, owner, bank.org_id, categories=others, max_grade=3)
            reason = "category_not_granted"
    out.append(("grade above grant", bank, "credit_assessment", reason))
    out.append(("no purpose given", bank, None, "purpose_required"))
    return out


def check_denials(client: TestClient, db: Database, park: Park) -> list[str]:
    """Every failure of the denial table over every marked route (empty when all is well)."""
    owner = park["enterprise"]["officer"]
    failures = []
    for route in data_routes(client):
        for name, bank, purpose, reason in _scenarios(db, owner, route.dataset):
            params = {"purpose": purpose} if purpose else {}
            r = client.request(
                route.method, route.url(owner.org_id), params=params, headers=bank.headers
            )
            body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
            if r.status_code != 403 or not str(body.get("type", "")).endswith("/consent-required"):
                failures.append(f"{route.method} {route.path} [{name}]: answered {r.status_code}")
            elif body.get("reason") != reason:
                failures.append(
                    f"{route.method} {route.path} [{name}]: reason {body.get('reason')}"
                )
    return failures


def test_every_data_route_refuses_without_a_live_matching_grant(
    app_client: TestClient, db: Database, park: Park
) -> None:
    routes = data_routes(app_client)
    assert len(routes) >= 2, "governance's own data routes are missing"
    assert check_denials(app_client, db, park) == []


def test_every_data_route_admits_a_matching_grant_and_the_enterprise_sees_it(
    app_client: TestClient, db: Database, park: Park
) -> None:
    owner = park["enterprise"]["officer"]
    for route in data_routes(app_client):
        spec = DEFAULT_CATALOG[route.dataset]
        bank = _new_bank(db)
        with db.unit_of_work() as s:
            g = grant(
                s, owner, bank.org_id, categories=(spec.category.value,), max_grade=int(spec.grade)
            )
        r = app_client.request(
            route.method, route.url(owner.org_id), params={"purpose": "credit_assessment"},
            headers=bank.headers,
        )  # fmt: skip
        assert r.status_code != 403, f"{route.method} {route.path}: {r.text}"
        if r.status_code != 200:
            continue  # refused for another reason (e.g. an unknown record): nothing was read
        seen = app_client.get("/governance/access", headers=park["enterprise"]["viewer"].headers)
        mine = [
            a
            for a in seen.json()
            if a["accessor_org_id"] == bank.org_id and a["dataset"] == route.dataset
        ]
        assert mine, f"{route.method} {route.path}: the access is not in the enterprise's list"
        assert mine[0]["purpose"] == "credit_assessment"
        assert mine[0]["grant_id"] == g.id
        assert mine[0]["grade"] == int(spec.grade)


def test_a_route_without_the_check_fails_the_table(
    settings: Settings, db: Database, park: Park
) -> None:
    leaky = APIRouter()

    @leaky.get("/leaky/{org_id}/orders", openapi_extra=data_route("business.orders"))
    def leaky_orders(org_id: str, ctx: Ctx = Depends(current)) -> dict[str, Any]:
        return {"org_id": org_id, "orders": []}  # forgot enterprise_read(...)

    app = create_app(settings, db)
    app.include_router(leaky)
    with TestClient(app, raise_server_exceptions=False) as client:
        failures = check_denials(client, db, park)
    assert failures and all(f.startswith("GET /leaky/{org_id}/orders") for f in failures)
    assert len(failures) == 6  # every scenario let the bank through


def test_routes_naming_an_organisation_are_marked_or_explained(app_client: TestClient) -> None:
    """A new read taking an enterprise in its path must declare whether it serves its data."""
    unmarked = []
    for route in _walk(app_client.app.routes):  # type: ignore[attr-defined]
        params = set(re.findall(r"\{([^}:]+)", route.path))
        if not params & OWNER_PARAMS or DATA_ROUTE_KEY in (route.openapi_extra or {}):
            continue
        if (
            "GET" in route.methods
            and ("GET", route.path) not in NOT_ENTERPRISE_DATA | REGISTERED.keys()
        ):
            unmarked.append(f"GET {route.path}")
    assert unmarked == [], (
        "mark these with governance.routing.data_route(...) and guard them with "
        f"enterprise_read(...), or list them in NOT_ENTERPRISE_DATA with a reason: {unmarked}"
    )


def test_grade_three_leaves_only_as_aggregates(db: Database, park: Park) -> None:
    from chanrong.core.errors import ConsentRequired

    owner = park["enterprise"]["officer"]
    bank = park["bank"]["officer"]
    with db.unit_of_work() as s:
        grant(s, owner, bank.org_id, categories=("external",), max_grade=3)
    with db.unit_of_work() as s:
        who = principal(s, bank)
        with pytest.raises(ConsentRequired) as refused:
            governance.authorize_read(
                s,
                who,
                owner_org_id=owner.org_id,
                dataset="derived.score",
                purpose=governance.Purpose.CREDIT_ASSESSMENT,
            )
        assert refused.value.extra["reason"] == "grade_3_aggregate_only"
        rec = governance.authorize_read(
            s, who, owner_org_id=owner.org_id, dataset="derived.score",
            purpose=governance.Purpose.CREDIT_ASSESSMENT, aggregate=True,
        )  # fmt: skip
        assert rec.grade is Grade.THREE and rec.aggregate and rec.log is not None


def test_owner_reads_freely_and_operator_only_aggregates(db: Database, park: Park) -> None:
    from chanrong.core.errors import ConsentRequired

    owner = park["enterprise"]["viewer"]
    credit = governance.Purpose.CREDIT_ASSESSMENT
    with db.unit_of_work() as s:
        own = governance.authorize_read(
            s,
            principal(s, owner),
            owner_org_id=owner.org_id,
            dataset="business.orders",
            purpose=None,
        )
        assert own.own and own.log is None
        op = principal(s, park["operator"]["viewer"])
        with pytest.raises(ConsentRequired) as refused:
            governance.authorize_read(
                s, op, owner_org_id=owner.org_id, dataset="business.orders", purpose=None
            )
        assert refused.value.extra["reason"] == "grade_3_aggregate_only"
        agg = governance.authorize_read(
            s,
            op,
            owner_org_id=owner.org_id,
            dataset="business.orders",
            purpose=None,
            aggregate=True,
        )
        assert agg.log is not None and agg.grant_id is None
        bank = principal(s, park["bank"]["officer"])
        with pytest.raises(ConsentRequired) as unknown:
            governance.authorize_read(
                s, bank, owner_org_id=owner.org_id, dataset="no.such.dataset", purpose=credit
            )
        assert unknown.value.extra["reason"] == "unknown_dataset"
