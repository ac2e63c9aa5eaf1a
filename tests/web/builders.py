"""Small operating data for console tests, written through the telemetry service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.telemetry import service as telemetry

DAYS = 5


def seed_operating_data(
    session: Session,
    settings: Settings,
    org_id: str,
    *,
    start: datetime = datetime(2026, 3, 1, tzinfo=UTC),
) -> None:
    """Two machines and a meter reporting hourly for five days, three orders, two payments."""
    telemetry.upsert_device(session, org_id=org_id, device_id="cnc-1", kind="cnc")
    telemetry.upsert_device(session, org_id=org_id, device_id="cnc-2", kind="cnc")
    telemetry.upsert_device(session, org_id=org_id, device_id="meter-1", kind="meter_electricity")
    rows: dict[str, list[object]] = {"device_id": [], "metric": [], "ts": [], "value": []}

    def add(device: str, metric: str, ts: datetime, value: float) -> None:
        rows["device_id"].append(device)
        rows["metric"].append(metric)
        rows["ts"].append(ts)
        rows["value"].append(value)

    for hour in range(DAYS * 24 + 1):
        ts = start + timedelta(hours=hour)
        # cnc-1 runs 12 h a day, cnc-2 runs 18 h a day; the meter counts 50 kWh an hour.
        add("cnc-1", "runtime_h", ts, hour * 0.5)
        add("cnc-2", "runtime_h", ts, hour * 0.75)
        add("cnc-1", "output_count", ts, hour * 10.0)
        add("cnc-2", "output_count", ts, hour * 20.0)
        add("meter-1", "energy_kwh", ts, hour * 50.0)
    table = pa.table(
        {
            "device_id": pa.array(rows["device_id"], pa.string()),
            "metric": pa.array(rows["metric"], pa.string()),
            "ts": pa.array(rows["ts"], pa.timestamp("us", tz="UTC")),
            "value": pa.array(rows["value"], pa.float64()),
        }
    )
    telemetry.ingest_points(
        session, telemetry.open_store(settings), org_id=org_id, batches=[table], source="test"
    )
    orders = [
        (1, {"order_id": f"SO-{n}", "buyer_name": "客户", "order_date": d, "amount": a})
        for n, (d, a) in enumerate(
            [
                (date(2026, 1, 5), "1000.00"),
                (date(2026, 2, 6), "2500.50"),
                (date(2026, 2, 9), "99.50"),
            ]
        )
    ]
    report = telemetry.import_records(
        session, org_id=org_id, kind="orders", rows=orders, source="test"
    )
    assert report.ok, report.errors
    payments = [
        (
            1,
            {
                "payment_id": "P-1",
                "invoice_id": "INV-1",
                "paid_date": date(2026, 2, 1),
                "amount": "800.00",
            },
        ),
        (
            2,
            {
                "payment_id": "P-2",
                "invoice_id": "INV-2",
                "paid_date": date(2026, 3, 1),
                "amount": "1200.00",
            },
        ),
    ]
    report = telemetry.import_records(
        session, org_id=org_id, kind="payments", rows=payments, source="test"
    )
    assert report.ok, report.errors
