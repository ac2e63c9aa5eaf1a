"""Order financing's production-capacity check: worked by hand on the pure rule, then through
the routes with the seller's own output counters read from telemetry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from chanrong.assets.capacity import capacity
from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.assets.builders import land
from tests.builders import Park
from tests.telemetry.builders import points

ON = date(2026, 6, 11)
START = date(2026, 5, 12)


def test_capacity_worked_by_hand() -> None:
    # 10 days with readings, 1,000 units in all: 100/day; 20 days to delivery → 2,000 units;
    # 500 already committed to earlier pledged orders → 1,500 free against 3,000 ordered: 50 %.
    days = {date(2026, 6, d): Decimal(100) for d in range(1, 11)}
    c = capacity(
        days,
        window_start=START,
        window_end=ON,
        on=ON,
        delivery=date(2026, 7, 1),
        ordered=Decimal(3000),
        committed=Decimal(500),
    )
    assert c.evidence and c.days_with_readings == 10 and c.produced == 1000
    assert c.daily_rate == 100 and c.days_to_delivery == 20 and c.can_produce == 2000
    assert c.share == Decimal("0.5")
    assert "100.00/day × 20 day(s)" in c.explain() and "50.0 % eligible" in c.explain()
    # Enough capacity: capped at the whole order.
    more = capacity(days, window_start=START, window_end=ON, on=ON,
                    delivery=date(2026, 7, 1), ordered=Decimal(100))  # fmt: skip
    assert more.share == 1
    # Committed beyond capacity: nothing.
    none = capacity(days, window_start=START, window_end=ON, on=ON,
                    delivery=date(2026, 7, 1), ordered=Decimal(100),
                    committed=Decimal(5000))  # fmt: skip
    assert none.share == 0
    # Days outside the window do not count; too few days: no evidence, nothing eligible.
    thin = capacity({date(2026, 6, 1): Decimal(10_000), date(2026, 4, 1): Decimal(1)},
                    window_start=START, window_end=ON, on=ON,
                    delivery=date(2026, 7, 1), ordered=Decimal(1))  # fmt: skip
    assert not thin.evidence and thin.share == 0 and "no capacity evidence" in thin.explain()


def test_capacity_refuses_bad_input() -> None:
    with pytest.raises(ValidationFailed) as err:
        capacity({}, window_start=START, window_end=ON, on=ON, delivery=ON, ordered=Decimal(1))
    assert err.value.field == "delivery_date"
    with pytest.raises(ValidationFailed) as err:
        capacity({}, window_start=START, window_end=ON, on=ON,
                 delivery=date(2026, 7, 1), ordered=Decimal(0))  # fmt: skip
    assert err.value.field == "quantity"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_order_lends_what_the_seller_can_make(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    # Two machines count 60 units a day each (5 every two hours) for ten days.
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    stamps = [t0 + timedelta(hours=2 * i) for i in range(12 * 10 + 1)]
    with db.unit_of_work() as s:
        for dev in ("press-1", "press-2"):
            telemetry.upsert_device(s, org_id=ent.org_id, device_id=dev, kind="press", rated_kw=5)
        telemetry.ingest_points(
            s,
            telemetry.open_store(settings),
            org_id=ent.org_id,
            source="http",
            batches=[
                points(dev, "output_count", [5.0 * i for i in range(len(stamps))], stamps=stamps)
                for dev in ("press-1", "press-2")
            ],
        )
    land(
        db,
        ent.org_id,
        "orders",
        [
            {
                "order_id": "PO-1",
                "buyer_name": "甲",
                "order_date": "2026-06-08",
                "amount": "100000",
            },
            {"order_id": "PO-2", "buyer_name": "乙", "order_date": "2026-06-09", "amount": "50000"},
        ],
    )
    pool = app_client.post(
        "/assets/pools", json={"enterprise_org_id": ent.org_id, "limit": "500000"},
        headers=bank.headers,
    ).json()  # fmt: skip
    url = f"/assets/pools/{pool['id']}/pledges"
    order = {"asset_type": "order", "asset_ref": "PO-1", "on": ON.isoformat()}
    r = app_client.post(url, json=order, headers=ent.headers)
    assert r.status_code == 422 and r.json()["field"] == "quantity"
    r = app_client.post(url, json={**order, "quantity": "2400"}, headers=ent.headers)
    assert r.status_code == 422 and r.json()["field"] == "delivery_date"
    r = app_client.post(
        url, json={**order, "quantity": "2400", "delivery_date": "2026-06-21"}, headers=ent.headers
    )
    assert r.status_code == 201, r.text
    cap = r.json()["capacity"]
    assert cap["evidence"] and cap["days_to_delivery"] == 10
    rate = Decimal(cap["daily_rate"])
    assert 0 < Decimal(cap["produced"]) <= 2 * 60 * 10  # two machines, 60 a day, ten days
    assert rate * cap["days_with_readings"] == pytest.approx(Decimal(cap["produced"]), abs=1)
    share = Decimal(cap["share"])
    assert share == (rate * 10 / 2400).quantize(Decimal("0.0001"))
    assert 0 < share < 1  # about 120/day × 10 days against 2,400 ordered: half
    # The second order, due the same day, finds the first's units committed: nothing left.
    r = app_client.post(
        url,
        json={**order, "asset_ref": "PO-2", "quantity": "600", "delivery_date": "2026-06-21"},
        headers=ent.headers,
    )
    assert r.status_code == 201, r.text
    assert Decimal(r.json()["capacity"]["share"]) == 0
    assert Decimal(r.json()["capacity"]["committed"]) == 2400
    rv = app_client.post(
        f"/assets/pools/{pool['id']}/revalue", json={"as_of": ON.isoformat()},
        headers=bank.headers,
    ).json()  # fmt: skip
    lines = {ln["key"].rsplit(":", 1)[1]: ln for ln in rv["lines"]}
    assert lines["PO-1"]["value_fen"] == int(Decimal(10_000_000) * share)
    assert lines["PO-2"]["value_fen"] == 0
    assert "day(s) to delivery" in lines["PO-1"]["capacity"]
