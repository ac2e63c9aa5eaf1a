from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import Park


def test_health_ready_metrics_and_docs(app_client: TestClient, park: Park) -> None:
    assert app_client.get("/healthz").json() == {"status": "ok"}
    ready = app_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "schema": "ok"}
    app_client.get("/me", headers=park["bank"]["viewer"].headers)
    metrics = app_client.get("/metrics").text
    assert 'chanrong_http_requests_total{method="GET",route="/me",status="200"} 1.0' in metrics
    assert "chanrong_telemetry_read_cache_hits_total" in metrics
    assert "chanrong_telemetry_read_cache_bytes" in metrics
    spec = app_client.get("/openapi.json").json()
    assert "/organisations" in spec["paths"]
    assert app_client.get("/docs").status_code == 200


def test_request_id_is_echoed(app_client: TestClient) -> None:
    r = app_client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


def test_unknown_route_is_problem_json(app_client: TestClient) -> None:
    r = app_client.get("/no/such/thing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_reference_routes(app_client: TestClient, park: Park) -> None:
    h = park["analyst"]["viewer"].headers
    ok = app_client.get("/reference/uscc/91310000631696382C", headers=h)
    assert ok.status_code == 200
    assert ok.json()["region_code"] == "310000"
    bad = app_client.get("/reference/uscc/91310000631696382D", headers=h)
    assert bad.status_code == 422
    assert bad.json()["rule"] == "check_digit"
    assert app_client.get("/reference/industries/C18", headers=h).json()["name_zh"] == (
        "纺织服装、服饰业"
    )
    assert app_client.get("/reference/regions/330500", headers=h).json()["name_en"] == "Huzhou"
