"""POST /funds/performance: the hand-worked example over HTTP, errors naming fields, roles."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.builders import Park

BODY = {
    "flows": [
        {"date": "2021-01-01", "amount_yuan": "-1000"},
        {"date": "2022-01-01", "amount_yuan": "-1000"},
        {"date": "2023-01-01", "amount_yuan": "500"},
    ],
    "nav_yuan": "2000",
    "nav_date": "2023-01-01",
    "index": [
        {"date": "2021-01-01", "level": "100"},
        {"date": "2022-01-01", "level": "110"},
        {"date": "2023-01-01", "level": "121"},
    ],
}


def test_figures_over_http(app_client: TestClient, park: Park) -> None:
    r = app_client.post("/funds/performance", headers=park["bank"]["viewer"].headers, json=BODY)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["paid_in_yuan"], out["dpi"], out["rvpi"], out["tvpi"]) == (
        "2000.00", "0.25", "1", "1.25",
    )  # fmt: skip
    assert abs(Decimal(out["irr"]) - Decimal("0.1583123952")) < Decimal("1e-9")
    assert abs(Decimal(out["ks_pme"]) - Decimal(2500) / Decimal(2310)) < Decimal("1e-20")
    assert abs(Decimal(out["direct_alpha"]) - Decimal("0.0530112683")) < Decimal("1e-9")


def test_no_rate_and_bad_input_are_422_naming_the_field(app_client: TestClient, park: Park) -> None:
    h = park["analyst"]["viewer"].headers
    no_root = {
        "flows": [
            {"date": "2021-01-01", "amount_yuan": "-100"},
            {"date": "2022-01-01", "amount_yuan": "100"},
            {"date": "2023-01-01", "amount_yuan": "-100"},
        ],
        "nav_yuan": "0",
        "nav_date": "2023-01-01",
    }
    r = app_client.post("/funds/performance", headers=h, json=no_root)
    assert r.status_code == 422 and r.json()["field"] == "irr", r.text
    assert "did not converge" in r.json()["detail"]
    cents = {**BODY, "nav_yuan": "1.001"}
    r = app_client.post("/funds/performance", headers=h, json=cents)
    assert r.status_code == 422 and r.json()["field"] == "nav_yuan"
    gap = {**BODY, "index": BODY["index"][:2]}  # type: ignore[index]
    r = app_client.post("/funds/performance", headers=h, json=gap)
    assert r.status_code == 422 and r.json()["field"] == "index"


def test_enterprises_and_anonymous_callers_are_refused(app_client: TestClient, park: Park) -> None:
    for role in ("viewer", "admin"):
        r = app_client.post(
            "/funds/performance", headers=park["enterprise"][role].headers, json=BODY
        )
        assert r.status_code == 403
    assert app_client.post("/funds/performance", json=BODY).status_code == 401
