"""A consent grant may name the datasets it covers: the policy check then refuses every other
dataset of its categories (``dataset_not_granted``), and the names are checked when granted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from chanrong.governance.domain import Category, Grade, GrantTerms, Purpose, Refusal, check_grant
from tests.builders import Park

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _terms(datasets: frozenset[str] | None) -> GrantTerms:
    return GrantTerms(
        grant_id="g",
        owner_org_id="ent",
        grantee_org_id="bank",
        categories=frozenset({Category.MANAGEMENT}),
        max_grade=Grade.TWO,
        purpose=Purpose.CREDIT_ASSESSMENT,
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=1),
        datasets=datasets,
    )


@pytest.mark.parametrize(
    ("scope", "dataset", "expected"),
    [
        (None, "business.invoices", None),
        (frozenset({"business.orders"}), "business.orders", None),
        (frozenset({"business.orders"}), "business.invoices", Refusal.DATASET),
        (frozenset({"business.orders"}), None, Refusal.DATASET),
    ],
)
def test_a_named_list_narrows_the_grant(
    scope: frozenset[str] | None, dataset: str | None, expected: Refusal | None
) -> None:
    got = check_grant(
        _terms(scope),
        category=Category.MANAGEMENT,
        grade=Grade.TWO,
        purpose=Purpose.CREDIT_ASSESSMENT,
        aggregate=False,
        now=NOW,
        dataset=dataset,
    )
    assert got == expected


def test_granting_named_datasets_checks_them_and_reads_obey(
    app_client: TestClient, park: Park
) -> None:
    c = app_client
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {
        "grantee_org_id": bank.org_id,
        "categories": ["management"],
        "max_grade": 2,
        "purpose": "credit_assessment",
        "valid_until": until,
    }
    for datasets, says in [
        ([], "datasets"),
        (["business.nonesuch"], "not in the catalog"),
        (["telemetry.energy"], "not a granted category"),
    ]:
        r = c.post("/consents", headers=ent.headers, json={**body, "datasets": datasets})
        assert r.status_code == 422 and r.json()["field"] == "datasets", r.text
        assert says in r.text
    r = c.post(
        "/consents",
        headers=ent.headers,
        json={**body, "max_grade": 1, "datasets": ["business.orders"]},
    )
    assert r.status_code == 422 and "above max_grade" in r.json()["detail"], r.text
    r = c.post("/consents", headers=ent.headers, json={**body, "datasets": ["business.orders"]})
    assert r.status_code == 201, r.text
    assert (r.json()["dataset_scope"], r.json()["datasets"]) == (
        ["business.orders"],
        ["business.orders"],
    )
    # The log entry of the grant records the list, so the enterprise can prove what it gave.
    entry = c.get(f"/log/entries/{r.json()['log_index']}", headers=ent.headers)
    assert entry.status_code == 200, entry.text
    assert json.loads(entry.json()["data"])["payload"]["datasets"] == ["business.orders"]
    direct = f"/telemetry/orgs/{ent.org_id}/records/"
    params = {"purpose": "credit_assessment"}
    assert c.get(direct + "orders", headers=bank.headers, params=params).status_code == 200
    r = c.get(direct + "invoices", headers=bank.headers, params=params)
    assert r.status_code == 403 and r.json()["reason"] == "dataset_not_granted"
    # A grant without a list still covers its categories whole.
    assert c.post("/consents", headers=ent.headers, json=body).status_code == 201
    assert c.get(direct + "invoices", headers=bank.headers, params=params).status_code == 200
