"""One ingestion door: whatever the source (HTTP uploads of points and records, a file import,
an MQTT or Sparkplug B flush, an OPC UA flush), the arrival is recorded as one batch of the
same shape, with what was taken, what was refused and why, and the duplicates; and data that
landed is announced for its enterprise."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from chanrong.core.events import DomainEvent
from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from chanrong.telemetry import connectors, service
from chanrong.telemetry.adapters.mqtt import Arrival
from chanrong.telemetry.repository import TelemetryRepository
from tests.builders import Park
from tests.telemetry.builders import T0, assert_batch_shape, points
from tests.telemetry.test_api_telemetry import BAD_ORDERS_CSV, ORDERS_CSV, _url


def _batch(app_client: TestClient, park: Park, batch_id: str) -> dict[str, Any]:
    officer = park["enterprise"]["officer"].headers
    r = app_client.get(_url(park, f"/batches/{batch_id}"), headers=officer)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = assert_batch_shape(r.json())
    return out


def test_every_door_records_the_same_batch(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    org_id = park["enterprise"]["admin"].org_id
    officer = park["enterprise"]["officer"].headers
    seen: dict[str, dict[str, Any]] = {}

    # HTTP, points: taken, with two readings repeating another's key.
    body = {
        "points": [
            {"device_id": "cnc-1", "metric": "power_kw", "ts": "2026-03-02T00:00:00Z", "value": 5},
            {"device_id": "cnc-1", "metric": "power_kw", "ts": "2026-03-02T00:15:00Z", "value": 6},
            {"device_id": "cnc-1", "metric": "power_kw", "ts": "2026-03-02T00:00:00Z", "value": 5},
            {"device_id": "cnc-1", "metric": "power_kw", "ts": "2026-03-02T00:15:00Z", "value": 7},
        ]
    }
    r = app_client.post(_url(park, "/points"), json=body, headers=officer)
    assert r.status_code == 201, r.text
    answered = r.json()
    seen["http points"] = _batch(app_client, park, answered["batch_id"])
    assert seen["http points"]["rows_duplicate"] == 2
    # The answer carries the same counts as the batch it recorded.
    for key in ("status", "rows_received", "rows_accepted", "rows_rejected", "rows_duplicate"):
        assert answered[key] == seen["http points"][key], key

    # HTTP, points: refused as a whole; the refusal is kept, with its reason.
    csv = "device_id,metric,ts,value\nd,power_kw,2026-03-02T00:00:00Z,1\nd,power_kw,yesterday,2\n"
    r = app_client.post(
        _url(park, "/points"), content=csv, headers={**officer, "Content-Type": "text/csv"}
    )
    assert r.status_code == 422
    assert r.json()["field"] == "body"
    seen["http refused"] = _batch(app_client, park, r.json()["batch_id"])
    assert seen["http refused"]["rejected_by_reason"] == {"body": 1}
    assert seen["http refused"]["errors"][0]["row"] is None

    # HTTP, records: refused row by row, then taken, then taken again (all duplicates).
    csv_headers = {**officer, "Content-Type": "text/csv"}
    r = app_client.post(_url(park, "/records/orders"), content=BAD_ORDERS_CSV, headers=csv_headers)
    assert r.status_code == 422
    seen["http records refused"] = _batch(app_client, park, r.json()["batch_id"])
    assert seen["http records refused"]["rejected_by_reason"] == {
        "amount": 1,
        "buyer_uscc": 1,
        "order_date": 1,
        "order_id": 1,
        "refused_with_batch": 1,
    }
    for again in (False, True):
        r = app_client.post(_url(park, "/records/orders"), content=ORDERS_CSV, headers=csv_headers)
        assert r.status_code == 201, r.text
        seen[f"http records{' again' if again else ''}"] = _batch(
            app_client, park, r.json()["batch_id"]
        )
    assert seen["http records"]["rows_duplicate"] == 0
    assert seen["http records again"]["rows_duplicate"] == 2

    # The streaming doors, as the MQTT worker and the OPC UA connector hand their flushes over.
    store = service.open_store(settings)
    landed: list[DomainEvent] = []
    land = connectors.landing(db, store, on_landed=landed.append)
    readings = points("press-1", "power_kw", [1.0, 2.0, 3.0])
    stored = land(
        [
            Arrival(org_id, "mqtt", readings, {"body": 1, "points[4].value": 2}),
            Arrival(org_id, "sparkplug", points("gw-1", "power_kw", [4.0]), {"name": 1}),
        ]
    )
    assert stored == 4
    sink = connectors.opcua_sink(
        db, store, org_id=org_id, units={"power_kw": "W"}, on_landed=landed.append
    )
    sink(points("press-2", "power_kw", [2000.0, 3000.0]), {"value": 1})
    sink(pa.Table.from_batches([], schema=readings.schema), {"value": 2})  # nothing readable

    with db.unit_of_work() as session:
        streamed = [
            b.id
            for b in TelemetryRepository(session).batches(org_id)
            if b.source in ("mqtt", "sparkplug", "opcua")
        ]
    for batch_id in reversed(streamed):
        b = _batch(app_client, park, batch_id)
        seen[f"{b['source']} {b['status']}"] = b
    assert set(seen) == {
        "http points",
        "http refused",
        "http records refused",
        "http records",
        "http records again",
        "mqtt partial",
        "sparkplug partial",
        "opcua partial",
        "opcua rejected",
    }
    assert seen["mqtt partial"]["rejected_by_reason"] == {"body": 1, "points.value": 2}
    assert seen["mqtt partial"]["rows_received"] == 6
    assert seen["sparkplug partial"]["rows_accepted"] == 1
    assert seen["opcua rejected"]["rows_received"] == 2
    # The same record, whatever the door.
    assert len({frozenset(b) for b in seen.values()}) == 1
    assert {b["kind"] for b in seen.values()} == {"telemetry", "orders"}

    # Data landed, for this enterprise, from each flush that stored something.
    assert [(e.kind, e.subject, e.payload["source"]) for e in landed] == [
        (service.DATA_LANDED, org_id, "mqtt"),
        (service.DATA_LANDED, org_id, "sparkplug"),
        (service.DATA_LANDED, org_id, "opcua"),
    ]
    assert landed[2].payload["rows_accepted"] == 2
    assert landed[2].payload["days"] == [T0.date().isoformat()]
    got = store.query(org_id, devices=["press-2"]).column("value").to_pylist()
    assert got == [2.0, 3.0]  # W → kW on the way in, as the mapping said


def test_a_refused_arrival_stores_nothing_and_says_why(db: Database, settings: Settings) -> None:
    from tests.builders import add_org

    with db.unit_of_work() as session:
        org_id = add_org(session, "enterprise")
    store = service.open_store(settings)
    bad = points("press-1", "power_kw", [1.0, float("nan"), 3.0])
    # Caught inside the unit of work, which then commits the refusal.
    with db.unit_of_work() as session, pytest.raises(service.IngestRejected) as caught:
        service.ingest_points(session, store, org_id=org_id, batches=[bad], source="file")
    assert caught.value.field == "value"
    refused = caught.value.report
    assert store.count(org_id) == 0
    assert (refused.status, refused.rows_received, refused.rejected_by_reason) == (
        "rejected",
        3,
        {"value": 3},
    )
    assert refused.event is None  # nothing landed
    with db.unit_of_work() as session:
        kept = TelemetryRepository(session).batch(org_id, refused.batch_id)
        assert kept is not None
        assert_batch_shape(kept)
