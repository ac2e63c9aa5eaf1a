"""Funds recorded with their calls, distributions and NAVs; figures from the records; who may."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tests.builders import Park


def test_a_fund_recorded_and_its_figures_from_the_records(
    app_client: TestClient, park: Park
) -> None:
    officer = park["bank"]["officer"].headers
    r = app_client.post(
        "/funds",
        headers=officer,
        json={"name": "某市引导基金", "kind": "guide_fund", "vintage": 2021},
    )
    assert r.status_code == 201, r.text
    fund = r.json()["id"]
    none_yet = app_client.get(f"/funds/{fund}/performance", headers=officer)
    assert none_yet.status_code == 422 and none_yet.json()["field"] == "nav"
    for day, amount in [("2021-01-01", "-1000"), ("2022-01-01", "-1000"), ("2023-01-01", "500")]:
        f = app_client.post(
            f"/funds/{fund}/flows",
            headers=officer,
            json={"date": day, "amount_yuan": amount, "lp": "市财政"},
        )
        assert f.status_code == 201, f.text
    n = app_client.post(
        f"/funds/{fund}/navs", headers=officer, json={"date": "2023-01-01", "nav_yuan": "2000"}
    )
    assert n.status_code == 201, n.text
    again = app_client.post(
        f"/funds/{fund}/navs", headers=officer, json={"date": "2023-01-01", "nav_yuan": "1"}
    )
    assert again.status_code == 409
    out = app_client.get(f"/funds/{fund}/performance", headers=park["bank"]["viewer"].headers)
    assert out.status_code == 200, out.text
    body = out.json()
    assert (body["dpi"], body["tvpi"]) == ("0.25", "1.25")
    assert abs(Decimal(body["irr"]) - Decimal("0.1583123952")) < Decimal("1e-9")
    assert [f["name"] for f in app_client.get("/funds", headers=officer).json()] == ["某市引导基金"]
    bad = app_client.post(
        f"/funds/{fund}/flows", headers=officer, json={"date": "2023-02-01", "amount_yuan": "0"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "amount_yuan"
    kind = app_client.post(
        "/funds", headers=officer, json={"name": "x", "kind": "hedge", "vintage": 2021}
    )
    assert kind.status_code == 422 and kind.json()["field"] == "kind"


def test_only_the_recording_organisation_and_its_officers(
    app_client: TestClient, park: Park
) -> None:
    officer = park["bank"]["officer"].headers
    fund = app_client.post(
        "/funds", headers=officer, json={"name": "基金", "kind": "vc", "vintage": 2022}
    ).json()["id"]
    # Another organisation is told the fund does not exist.
    other = park["analyst"]["admin"].headers
    assert app_client.get(f"/funds/{fund}/performance", headers=other).status_code == 404
    assert app_client.get("/funds", headers=other).json() == []
    flow = {"date": "2022-01-01", "amount_yuan": "-1"}
    assert app_client.post(f"/funds/{fund}/flows", headers=other, json=flow).status_code == 404
    viewer = park["bank"]["viewer"].headers
    assert app_client.post(f"/funds/{fund}/flows", headers=viewer, json=flow).status_code == 403
    for role in ("viewer", "admin"):
        h = park["enterprise"][role].headers
        assert app_client.get("/funds", headers=h).status_code == 403
    assert app_client.get("/funds").status_code == 401
