"""Upload limits over HTTP: bodies capped while they stream, spreadsheets bounded, each
refusal a 413 problem naming its limit."""

from __future__ import annotations

import io
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.builders import Park

MiB = 1024 * 1024


def _stream(
    app: FastAPI, path: str, headers: dict[str, str], chunks: int, chunk: bytes
) -> tuple[int, dict[str, Any], int]:
    """POST ``chunks`` × ``chunk`` without a Content-Length (chunked), straight into the
    ASGI app; the answer's status and body and how many chunks the server pulled."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled >= chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    anyio.run(app, scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    import json

    return start["status"], json.loads(body), pulled


def test_a_chunked_50_mb_import_is_refused_before_it_is_read_whole(
    app_client: TestClient, park: Park
) -> None:
    app = app_client.app
    assert isinstance(app, FastAPI)
    headers = {**park["operator"]["officer"].headers, "content-type": "text/csv"}
    status, problem, pulled = _stream(app, "/market/imports/events", headers, 50, b"x" * MiB)
    assert status == 413
    assert problem["type"].endswith("/payload-too-large")
    assert (problem["field"], problem["limit"], problem["max"]) == (
        "body",
        "max_body_bytes",
        20 * MiB,
    )
    # Refused at the first chunk past 20 MiB: 29 of the 50 chunks never left the client.
    assert pulled == 21


def test_a_json_route_refuses_a_chunked_body_past_the_default_cap(
    app_client: TestClient, park: Park
) -> None:
    app = app_client.app
    assert isinstance(app, FastAPI)
    headers = {**park["enterprise"]["admin"].headers, "content-type": "application/json"}
    status, problem, pulled = _stream(app, "/consents", headers, 40, b" " * MiB)
    assert status == 413, problem
    assert problem["max"] == 16 * MiB
    assert pulled == 17


def test_a_declared_length_past_the_cap_is_refused_unread(
    app_client: TestClient, park: Park
) -> None:
    headers = {**park["operator"]["officer"].headers, "Content-Type": "text/csv"}
    r = app_client.post("/market/imports/events", headers=headers, content=b"x" * (20 * MiB + 1))
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["limit"] == "max_body_bytes"
    assert r.headers["x-request-id"]


def _xlsx_bomb() -> bytes:
    """A valid workbook (header row) with 70 MiB of zeros packed beside it."""
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["order_id", "buyer_name", "order_date", "amount"])
    plain = io.BytesIO()
    wb.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/media/pad.bin", b"\0" * (70 * MiB), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_zip_bomb_xlsx_is_refused_on_both_import_routes(
    app_client: TestClient, park: Park
) -> None:
    bomb = _xlsx_bomb()
    assert len(bomb) < MiB
    enterprise = park["enterprise"]["admin"]
    r = app_client.post(
        f"/telemetry/orgs/{enterprise.org_id}/records/orders?filename=o.xlsx",
        headers={**enterprise.headers, "Content-Type": XLSX},
        content=bomb,
    )
    assert r.status_code == 413, r.text
    assert (r.json()["field"], r.json()["limit"]) == ("file", "max_unzipped_bytes")
    r = app_client.post(
        "/market/imports/events?filename=e.xlsx",
        headers={**park["operator"]["officer"].headers, "Content-Type": XLSX},
        content=bomb,
    )
    assert r.status_code == 413, r.text
    assert r.json()["limit"] == "max_unzipped_bytes"


def test_too_many_csv_rows_and_a_long_field_are_named(app_client: TestClient, park: Park) -> None:
    enterprise = park["enterprise"]["admin"]
    url = f"/telemetry/orgs/{enterprise.org_id}/records/orders"
    headers = {**enterprise.headers, "Content-Type": "text/csv"}
    rows = "order_id,buyer_name,order_date,amount\n" + "\n" * 100_001
    r = app_client.post(url, headers=headers, content=rows.encode())
    assert r.status_code == 413, r.text
    assert r.json()["limit"] == "max_rows"
    long = (
        "order_id,buyer_name,order_date,amount\nSO-1," + "x" * (128 * 1024 + 1) + ",2026-01-01,1\n"
    )
    r = app_client.post(url, headers=headers, content=long.encode())
    assert r.status_code == 413, r.text
    assert (r.json()["field"], r.json()["limit"]) == ("file", "max_field_chars")
    r = app_client.post(
        "/market/imports/events",
        headers={**park["operator"]["officer"].headers, "Content-Type": "text/csv"},
        content=("date,company,round,amount\n2024-01-01," + "y" * 140_000 + ",A轮,1亿\n").encode(),
    )
    assert r.status_code == 413, r.text
    assert r.json()["limit"] == "max_field_chars"
