"""Each bad input the security probe (issue 25) found is a 4xx naming the field, never a 500
or a stored value."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from tests.builders import Park

BIG = str(2**63)


def _problem(r, status: int, field: str) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    body = r.json()
    assert body["field"] == field, body
    assert r.headers["content-type"] == "application/problem+json"
    return body


def test_integers_past_64_bits_in_offsets_and_log_indexes(
    app_client: TestClient, park: Park
) -> None:
    bank = park["bank"]["officer"].headers
    _problem(app_client.get(f"/market/events?offset={BIG}", headers=bank), 422, "offset")
    _problem(app_client.get(f"/market/listings?offset={BIG}", headers=bank), 422, "offset")
    _problem(app_client.get(f"/log/entries/{BIG}", headers=bank), 422, "index")
    _problem(app_client.get(f"/log/entries/{BIG}/proof", headers=bank), 422, "index")
    _problem(app_client.get(f"/log/entries?start={BIG}", headers=bank), 422, "start")
    _problem(app_client.get(f"/log/consistency?old_size={BIG}", headers=bank), 422, "old_size")
    # The largest 64-bit integer is in range, and simply not there.
    assert app_client.get(f"/log/entries/{2**63 - 1}", headers=bank).status_code == 404


def test_amounts_of_1e30_are_refused(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]["officer"].headers
    enterprise = park["enterprise"]["admin"].org_id
    for amount in (1e30, "1e30"):
        r = app_client.post(
            "/credit/applications",
            json={"enterprise_org_id": enterprise, "requested_amount": amount},
            headers=bank,
        )
        _problem(r, 422, "requested_amount")


def test_a_csv_missing_columns_is_422_naming_the_column(app_client: TestClient, park: Park) -> None:
    enterprise = park["enterprise"]["admin"]
    r = app_client.post(
        f"/telemetry/orgs/{enterprise.org_id}/records/orders",
        headers={**enterprise.headers, "Content-Type": "text/csv"},
        content=b"order_id,amount\nSO-1,12.00\n",
    )
    assert _problem(r, 422, "columns")["detail"].startswith("columns: ")
    r = app_client.post(
        "/market/imports/events",
        headers={**park["operator"]["officer"].headers, "Content-Type": "text/csv"},
        content="date,round\n2024-01-01,A轮\n".encode(),
    )
    assert "missing required column" in _problem(r, 422, "company")["detail"]


def test_a_lone_surrogate_in_json_is_refused(app_client: TestClient, park: Park) -> None:
    operator = park["operator"]["admin"].headers
    raw = b'{"name": "bad \\ud800 name", "kind": "analyst"}'
    r = app_client.post(
        "/organisations", content=raw, headers={**operator, "Content-Type": "application/json"}
    )
    assert "surrogate" in _problem(r, 422, "name")["detail"]


@pytest.mark.parametrize("name", ["甲\x00工厂", "甲\u202e厂工", "甲\u2066工厂"])
def test_nul_and_bidi_controls_in_names_are_refused(
    app_client: TestClient, park: Park, name: str
) -> None:
    operator = park["operator"]["admin"].headers
    r = app_client.post("/organisations", json={"name": name, "kind": "analyst"}, headers=operator)
    _problem(r, 422, "name")
    names = [o["name"] for o in app_client.get("/organisations", headers=operator).json()]
    assert name not in names


def test_years_0001_and_9999_are_refused(app_client: TestClient, park: Park) -> None:
    enterprise = park["enterprise"]["admin"]
    url = f"/telemetry/orgs/{enterprise.org_id}/daily"
    for day in ("0001-01-01", "9999-12-31"):
        _problem(app_client.get(f"{url}?start={day}", headers=enterprise.headers), 422, "start")
    r = app_client.post(
        "/credit/applications",
        json={"enterprise_org_id": enterprise.org_id, "as_of": "9999-12-31"},
        headers=park["bank"]["officer"].headers,
    )
    _problem(r, 422, "as_of")


def test_grants_valid_from_9998_or_far_ahead_are_refused(
    app_client: TestClient, park: Park
) -> None:
    officer = park["enterprise"]["officer"].headers
    base = {
        "grantee_org_id": park["bank"]["admin"].org_id,
        "categories": ["production"],
        "max_grade": 2,
        "purpose": "credit_assessment",
    }
    r = app_client.post(
        "/consents",
        json={**base, "valid_from": "9998-01-01T00:00:00Z", "valid_until": "9999-01-01T00:00:00Z"},
        headers=officer,
    )
    _problem(r, 422, "valid_from")
    r = app_client.post(
        "/consents",
        json={**base, "valid_from": "2150-01-01T00:00:00Z", "valid_until": "2151-01-01T00:00:00Z"},
        headers=officer,
    )
    _problem(r, 422, "valid_from")
    assert app_client.get("/consents", headers=officer).json() == []


def test_a_market_report_for_a_year_without_data(app_client: TestClient, park: Park) -> None:
    analyst = park["analyst"]["admin"].headers
    r = app_client.get("/market/report?year=2031", headers=analyst)
    assert (r.status_code, r.json()["events"]) == (200, 0)
    r = app_client.get("/market/report.html?year=2031", headers=analyst)
    assert "2031" in _problem(r, 404, "year")["detail"]


def test_lock_enforcement_with_the_broker_down_is_503_and_leaves_nothing(
    settings: Settings, db: Database, park: Park
) -> None:
    from chanrong.api.app import create_app
    from tests.leasing.test_leasing_flow import _contract, _setup

    # A port nothing listens on: the broker is down.
    app = create_app(settings.model_copy(update={"mqtt_port": 1}), db)
    with TestClient(app) as client:
        _setup(db, settings, park)
        lessor = park["lessor"]["officer"]
        contract = _contract(db, park)  # accepted by the lessee, so only the broker is missing
        r = client.post(
            f"/leasing/contracts/{contract['id']}/bills",
            json={"period": "2026-09"},
            headers=lessor.headers,
        )
        assert r.status_code == 201, r.text
        r = client.post(f"/leasing/contracts/{contract['id']}/enforce", headers=lessor.headers)
        problem = _problem(r, 503, "broker")
        assert r.headers["retry-after"] == str(problem["retry_after"])
        commands = client.get(
            f"/leasing/contracts/{contract['id']}/commands", headers=lessor.headers
        ).json()
        assert commands == []


def test_long_digit_identifiers_are_not_mistaken_for_numbers() -> None:
    from chanrong.api.inputs import check_json

    # A 20-digit e-invoice number and a 23-digit account number are text, not amounts.
    check_json({"invoice_no": "24312000000012345678", "account": "12345678901234567890123"})
    for bad in ("1e30", "99999999999999999999.5"):
        with pytest.raises(ValidationFailed) as refused:
            check_json({"amount": bad})
        assert refused.value.field == "amount"
