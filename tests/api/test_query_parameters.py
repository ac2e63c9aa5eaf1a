"""An unknown query parameter is a 422 naming it, on every API route, never ignored."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from chanrong.api.app import PUBLIC_PATHS
from tests.api.test_route_security import _routes
from tests.builders import Park


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)


def test_a_misspelt_filter_is_refused_with_the_accepted_names(
    app_client: TestClient, park: Park
) -> None:
    headers = park["analyst"]["viewer"].headers
    # /market/events has an ``investor`` filter; the plural is not one of its parameters.
    r = app_client.get("/market/events", params={"investors": "红杉"}, headers=headers)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["field"] == "investors"
    assert "did you mean investor" in body["detail"]
    assert "company_id" in body["detail"] and "province" in body["detail"]

    # Declared parameters and the language switch still pass.
    ok = app_client.get("/market/events", params={"year": 2024, "lang": "en"}, headers=headers)
    assert ok.status_code == 200, ok.text


def test_a_close_match_is_suggested(app_client: TestClient, park: Park) -> None:
    headers = park["analyst"]["viewer"].headers
    r = app_client.get("/market/events", params={"provinse": "浙江"}, headers=headers)
    assert r.status_code == 422
    assert "did you mean province" in r.json()["detail"]


def test_every_get_route_refuses_an_unknown_parameter(app_client: TestClient, park: Park) -> None:
    headers = park["operator"]["admin"].headers
    checked = 0
    for method, path in _routes(app_client):
        if method != "GET" or path in PUBLIC_PATHS or path.startswith("/console"):
            continue
        r = app_client.get(_concrete(path), params={"zz_unknown": "1"}, headers=headers)
        assert r.status_code == 422, (path, r.status_code, r.text)
        assert r.json()["field"] == "zz_unknown", path
        checked += 1
    assert checked > 40
