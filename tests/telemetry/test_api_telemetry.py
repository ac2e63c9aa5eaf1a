"""The /telemetry routes: uploads in four formats, own data only, consent for readers,
bad input named by field, all-or-nothing business records, quality over the API."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from chanrong.telemetry.store import TelemetryStore
from tests.builders import Park
from tests.governance.builders import grant
from tests.telemetry.builders import T0, points


def _url(park: Park, path: str, org: str = "enterprise") -> str:
    return f"/telemetry/orgs/{park[org]['admin'].org_id}{path}"


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _arrow_stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        for batch in table.to_batches(max_chunksize=10):
            writer.write_batch(batch)
    return sink.getvalue().to_pybytes()


def test_enterprise_uploads_in_every_format_and_reads_back(
    app_client: TestClient, park: Park
) -> None:
    officer = park["enterprise"]["officer"].headers
    body = {
        "points": [
            {"device_id": "cnc-1", "metric": "power_kw", "ts": "2026-03-02T00:00:00Z", "value": 5},
            {"device_id": "cnc-1", "metric": "power_kw", "ts": "2026-03-02T00:15:00Z", "value": 6},
        ]
    }
    r = app_client.post(_url(park, "/points"), json=body, headers=officer)
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 2
    assert r.json()["days"] == ["2026-03-02"]

    csv = "device_id,metric,ts,value\ncnc-2,power_kw,2026-03-02T00:00:00Z,7.5\n"
    r = app_client.post(
        _url(park, "/points"), content=csv, headers={**officer, "Content-Type": "text/csv"}
    )
    assert r.status_code == 201, r.text
    parquet = _parquet(points("cnc-3", "power_kw", [1.0, 2.0, 3.0]))
    r = app_client.post(
        _url(park, "/points?filename=cnc3.parquet"),
        content=parquet,
        headers={**officer, "Content-Type": "application/vnd.apache.parquet"},
    )
    assert r.status_code == 201, r.text
    arrow = _arrow_stream(points("cnc-4", "power_kw", list(range(25))))
    r = app_client.post(
        _url(park, "/points"),
        content=arrow,
        headers={**officer, "Content-Type": "application/vnd.apache.arrow.stream"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 25

    r = app_client.get(_url(park, "/points?device=cnc-1&device=cnc-2"), headers=officer)
    assert r.status_code == 200
    got = [(p["device_id"], p["ts"], p["value"]) for p in r.json()["points"]]
    assert got == [
        ("cnc-1", "2026-03-02T00:00:00+00:00", 5.0),
        ("cnc-1", "2026-03-02T00:15:00+00:00", 6.0),
        ("cnc-2", "2026-03-02T00:00:00+00:00", 7.5),
    ]
    r = app_client.get(_url(park, "/points?format=parquet&device=cnc-4"), headers=officer)
    assert r.status_code == 200
    assert pq.read_table(io.BytesIO(r.content)).column("value").to_pylist() == list(
        map(float, range(25))
    )
    r = app_client.get(_url(park, "/daily?device=cnc-3"), headers=officer)
    assert r.json()["rows"][0]["n"] == 3
    assert r.json()["rows"][0]["max"] == 3.0


def test_only_the_enterprise_itself_may_upload(app_client: TestClient, park: Park) -> None:
    body = {
        "points": [
            {"device_id": "d", "metric": "power_kw", "ts": "2026-03-02T00:00:00Z", "value": 1}
        ]
    }
    for who in (
        park["bank"]["admin"],
        park["other_enterprise"]["admin"],
        park["operator"]["admin"],
    ):
        r = app_client.post(_url(park, "/points"), json=body, headers=who.headers)
        assert r.status_code == 403, r.text
    r = app_client.post(
        _url(park, "/points"), json=body, headers=park["enterprise"]["viewer"].headers
    )
    assert r.status_code == 403
    assert "officer" in r.json()["detail"]
    r = app_client.post(_url(park, "/points"), json=body)
    assert r.status_code == 401
    r = app_client.get(_url(park, "/points"), headers=park["enterprise"]["viewer"].headers)
    assert r.json()["count"] == 0


def test_bad_uploads_name_the_field_and_store_nothing(
    app_client: TestClient, park: Park, settings: object
) -> None:
    officer = park["enterprise"]["officer"].headers
    naive = {
        "points": [
            {"device_id": "d", "metric": "power_kw", "ts": "2026-03-02T00:00:00", "value": 1}
        ]
    }
    r = app_client.post(_url(park, "/points"), json=naive, headers=officer)
    assert r.status_code == 422
    assert r.json()["field"] == "points.0.ts"
    nan = (
        '{"points": [{"device_id": "d", "metric": "power_kw",'
        ' "ts": "2026-03-02T00:00:00Z", "value": "x"}]}'
    )
    r = app_client.post(
        _url(park, "/points"), content=nan, headers={**officer, "Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["field"] == "points.0.value"
    csv = "device_id,metric,ts,value\nd,power_kw,2026-03-02T00:00:00Z,1\nd,power_kw,yesterday,2\n"
    r = app_client.post(
        _url(park, "/points"), content=csv, headers={**officer, "Content-Type": "text/csv"}
    )
    assert r.status_code == 422
    assert r.json()["field"] == "body"
    r = app_client.post(
        _url(park, "/points"), content=b"\x00\x01", headers={**officer, "Content-Type": "image/png"}
    )
    assert r.status_code == 422
    assert r.json()["field"] == "Content-Type"
    store = TelemetryStore(settings.effective_telemetry_dir)  # type: ignore[attr-defined]
    assert store.count(park["enterprise"]["admin"].org_id) == 0


def test_readers_need_a_live_grant(app_client: TestClient, park: Park, db: Database) -> None:
    officer = park["enterprise"]["officer"].headers
    body = {
        "points": [
            {"device_id": "d", "metric": "power_kw", "ts": "2026-03-02T00:00:00Z", "value": 1}
        ]
    }
    assert app_client.post(_url(park, "/points"), json=body, headers=officer).status_code == 201
    bank = park["bank"]["officer"].headers
    path = _url(park, "/points?purpose=credit_assessment")
    r = app_client.get(path, headers=bank)
    assert r.status_code == 403
    assert r.json()["type"].endswith("consent-required")
    with db.unit_of_work() as session:
        grant(session, park["enterprise"]["officer"], park["bank"]["admin"].org_id)
    r = app_client.get(path, headers=bank)
    assert r.status_code == 200, r.text
    assert r.json()["count"] == 1
    # The grant is for credit assessment only, and for this bank only.
    r = app_client.get(_url(park, "/points?purpose=insurance_pricing"), headers=bank)
    assert r.status_code == 403
    r = app_client.get(path, headers=park["other_bank"]["officer"].headers)
    assert r.status_code == 403
    r = app_client.get(_url(park, "/points?purpose=nonsense"), headers=bank)
    assert r.status_code == 422
    assert r.json()["field"] == "purpose"


def test_devices_and_metric_units(app_client: TestClient, park: Park) -> None:
    officer = park["enterprise"]["officer"].headers
    r = app_client.post(
        _url(park, "/devices"),
        json={
            "device_id": "press-1",
            "kind": "press",
            "rated_kw": 30,
            "identifier": "88.608.8889/P-1",
        },
        headers=officer,
    )
    assert r.status_code == 201, r.text
    r = app_client.post(
        _url(park, "/devices"), json={"device_id": "x", "kind": "rocket"}, headers=officer
    )
    assert r.status_code == 422
    assert r.json()["field"] == "kind"
    r = app_client.get(_url(park, "/devices"), headers=park["enterprise"]["viewer"].headers)
    assert [d["device_id"] for d in r.json()] == ["press-1"]
    r = app_client.get(_url(park, "/devices"), headers=park["bank"]["officer"].headers)
    assert r.status_code == 403

    r = app_client.put(_url(park, "/metrics/energy_kwh"), json={"unit": "m3"}, headers=officer)
    assert r.status_code == 422
    assert r.json()["field"] == "unit"
    r = app_client.put(_url(park, "/metrics/energy_kwh"), json={"unit": "MWh"}, headers=officer)
    assert r.status_code == 200
    body = {
        "points": [
            {"device_id": "m", "metric": "energy_kwh", "ts": "2026-03-02T00:00:00Z", "value": 1.25}
        ]
    }
    app_client.post(_url(park, "/points"), json=body, headers=officer)
    r = app_client.get(_url(park, "/points?metric=energy_kwh"), headers=officer)
    assert r.json()["points"][0]["value"] == 1250.0


ORDERS_CSV = """order_id,buyer_uscc,buyer_name,order_date,amount
SO-1,,宁波精工,2026-03-01,1200.50
SO-2,91310000631696382C,宝钢,2026-03-02,"98,000.00"
"""

BAD_ORDERS_CSV = """order_id,buyer_uscc,buyer_name,order_date,amount
SO-1,,宁波精工,2026-03-01,1200.50
SO-2,91310000631696382X,宝钢,2026-03-02,100
SO-3,,客户,2026-13-01,100
SO-4,,客户,2026-03-04,12.345
SO-1,,重复,2026-03-05,1
"""


def test_business_records_all_or_nothing(app_client: TestClient, park: Park) -> None:
    officer = park["enterprise"]["officer"].headers
    csv_headers = {**officer, "Content-Type": "text/csv"}
    r = app_client.post(
        _url(park, "/records/orders?filename=bad.csv"), content=BAD_ORDERS_CSV, headers=csv_headers
    )
    assert r.status_code == 422
    body = r.json()
    # A problem document: ``status`` is the HTTP status, the batch's own is ``batch_status``.
    assert (body["status"], body["batch_status"]) == (422, "rejected")
    assert body["rows_received"] == 5
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (3, "buyer_uscc"),
        (4, "order_date"),
        (5, "amount"),
        (6, "order_id"),
    ]
    assert "repeats row 2" in body["errors"][3]["reason"]
    assert app_client.get(_url(park, "/records/orders"), headers=officer).json()["count"] == 0
    batch = app_client.get(_url(park, f"/batches/{body['batch_id']}"), headers=officer).json()
    assert batch["status"] == "rejected"
    assert len(batch["errors"]) == 4

    r = app_client.post(_url(park, "/records/orders"), content=ORDERS_CSV, headers=csv_headers)
    assert r.status_code == 201, r.text
    recs = app_client.get(_url(park, "/records/orders"), headers=officer).json()["records"]
    assert [(o["order_id"], o["amount"]) for o in recs] == [
        ("SO-1", "1200.50"),
        ("SO-2", "98000.00"),
    ]
    # Re-importing updates the same records instead of adding more.
    r = app_client.post(_url(park, "/records/orders"), content=ORDERS_CSV, headers=csv_headers)
    assert app_client.get(_url(park, "/records/orders"), headers=officer).json()["count"] == 2

    r = app_client.post(
        _url(park, "/records/invoices"),
        json={
            "records": [
                {
                    "invoice_id": "INV-1",
                    "order_id": "SO-1",
                    "buyer_name": "宁波精工",
                    "issue_date": "2026-03-05",
                    "due_date": "2026-03-01",
                    "amount": 100.10,
                }
            ]
        },
        headers=officer,
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"row": 1, "column": "due_date", "reason": "is before issue_date"}
    ]
    r = app_client.post(
        _url(park, "/records/orders"), content=ORDERS_CSV, headers=park["bank"]["officer"].headers
    )
    assert r.status_code == 403
    r = app_client.get(_url(park, "/records/orders"), headers=park["bank"]["officer"].headers)
    assert r.status_code == 403
    r = app_client.get(_url(park, "/records/rockets"), headers=officer)
    assert r.status_code == 422
    assert r.json()["field"] == "kind"


def test_quality_scores_over_the_api(app_client: TestClient, park: Park) -> None:
    officer = park["enterprise"]["officer"].headers
    values = [10.0] * 96
    values[5] = 99_999.0  # out of range for power_kw
    table = points("cnc-1", "power_kw", values).filter(
        pa.array([i not in (40, 41) for i in range(96)])
    )
    r = app_client.post(
        _url(park, "/points"),
        content=_parquet(table),
        headers={**officer, "Content-Type": "application/vnd.apache.parquet"},
    )
    assert r.status_code == 201
    day = T0.date().isoformat()
    r = app_client.post(_url(park, f"/quality/compute?day={day}"), headers=officer)
    assert r.status_code == 200, r.text
    r = app_client.get(_url(park, "/quality?scope=device"), headers=officer)
    [device] = r.json()
    assert device["subject"] == "cnc-1"
    rules = {x["rule"]: (x["count"], x["checked"]) for x in device["reasons"]}
    assert rules["gap"] == (2, 96)
    assert rules["out_of_range"] == (1, 94)
    assert float(device["score"]) < 100
    r = app_client.get(_url(park, "/quality?scope=enterprise"), headers=officer)
    assert len(r.json()) == 1
    r = app_client.get(_url(park, "/quality?scope=galaxy"), headers=officer)
    assert r.status_code == 422
    r = app_client.get(
        _url(park, "/quality?purpose=credit_assessment"), headers=park["bank"]["officer"].headers
    )
    assert r.status_code == 403
    r = app_client.post(
        _url(park, f"/quality/compute?day={day}"), headers=park["bank"]["admin"].headers
    )
    assert r.status_code == 403


def test_a_large_parquet_upload_is_read_in_pieces(
    app_client: TestClient, park: Park, settings: object
) -> None:
    from tests.telemetry.builders import many_points

    table = many_points(300_000, devices=50)  # 6,000 minutes: five days
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=40_000)
    assert pq.ParquetFile(io.BytesIO(sink.getvalue())).num_row_groups == 8
    officer = park["enterprise"]["officer"].headers
    r = app_client.post(
        _url(park, "/points"),
        content=sink.getvalue(),
        headers={**officer, "Content-Type": "application/vnd.apache.parquet"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["points"] == 300_000
    assert len(r.json()["days"]) == 5
    store = TelemetryStore(settings.effective_telemetry_dir)  # type: ignore[attr-defined]
    assert store.count(park["enterprise"]["admin"].org_id) == 300_000


def test_a_parquet_upload_without_a_metric_column_is_refused_naming_it(
    app_client: TestClient, park: Park, settings: object
) -> None:
    # Names are read as dictionaries only when the file has them: one without the column
    # still gets the field named, not a reader's KeyError.
    officer = park["enterprise"]["officer"].headers
    table = points("cnc-1", "power_kw", [1.0, 2.0]).drop_columns(["metric"])
    r = app_client.post(
        _url(park, "/points"),
        content=_parquet(table),
        headers={**officer, "Content-Type": "application/vnd.apache.parquet"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "metric"
    store = TelemetryStore(settings.effective_telemetry_dir)  # type: ignore[attr-defined]
    assert store.count(park["enterprise"]["admin"].org_id) == 0


def test_excel_records_over_http(app_client: TestClient, park: Park) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["payment_id", "invoice_id", "paid_date", "amount"])
    ws.append(["P-1", "I-1", "2026-03-05", "1130.10"])
    ws.append(["P-2", "I-2", "not a day", "5"])
    body = io.BytesIO()
    wb.save(body)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    officer = park["enterprise"]["officer"].headers
    r = app_client.post(
        _url(park, "/records/payments?filename=pay.xlsx"),
        content=body.getvalue(),
        headers={**officer, "Content-Type": xlsx},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [
        {"row": 3, "column": "paid_date", "reason": "'not a day' is not a date (use YYYY-MM-DD)"}
    ]
    ws.delete_rows(3)
    body = io.BytesIO()
    wb.save(body)
    r = app_client.post(
        _url(park, "/records/payments?filename=pay.xlsx"),
        content=body.getvalue(),
        headers={**officer, "Content-Type": xlsx},
    )
    assert r.status_code == 201, r.text
    got = app_client.get(_url(park, "/records/payments"), headers=officer).json()["records"]
    assert [(p["payment_id"], p["amount"], p["paid_date"]) for p in got] == [
        ("P-1", "1130.10", "2026-03-05")
    ]
