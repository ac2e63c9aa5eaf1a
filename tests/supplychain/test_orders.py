"""Orders → deliveries with evidence → invoices → a statement the buyer answers line by line,
over HTTP: the quantities that fit, the seller's production counters as evidence, each side's
denials, and every step in the verifiable log."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park
from tests.supplychain.trade_builders import contract, production_counter


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert r.json()["field"] == field, r.json()


def test_orders_deliveries_invoices_feed_a_statement(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    c = app_client
    seller, buyer, other = park["enterprise"], park["core"], park["other_enterprise"]
    with db.unit_of_work() as s:
        cid = contract(s, park).id
        production_counter(
            s, settings, seller["admin"].org_id, device="press-1", day=date(2026, 11, 3), made=520
        )
    orders = f"/supplychain/contracts/{cid}/orders"
    body = {"reference": "PO-1", "quantity": 700, "ordered_on": "2026-11-01"}
    _problem(c.post(orders, json=body), 401)
    _problem(c.post(orders, json=body, headers=seller["officer"].headers), 403)  # the seller
    _problem(c.post(orders, json=body, headers=buyer["viewer"].headers), 403)
    _problem(c.post(orders, json=body, headers=other["officer"].headers), 404)
    _problem(c.post(orders, json=body, headers=park["bank"]["officer"].headers), 403)
    _problem(
        c.post(orders, json={**body, "quantity": 0}, headers=buyer["officer"].headers),
        422,
        "quantity",
    )
    _problem(
        c.post(orders, json={**body, "quantity": 1001}, headers=buyer["officer"].headers),
        422,
        "quantity",
    )
    _problem(
        c.post(orders, json={**body, "deliver_by": "2026-10-01"}, headers=buyer["officer"].headers),
        422,
        "deliver_by",
    )
    _problem(
        c.post(orders, json={**body, "colour": "red"}, headers=buyer["officer"].headers),
        422,
        "colour",
    )
    r = c.post(orders, json=body, headers=buyer["officer"].headers)
    assert r.status_code == 201, r.text
    order = r.json()
    r = c.post(
        orders,
        json={**body, "reference": "PO-2", "quantity": 400},
        headers=buyer["officer"].headers,
    )
    _problem(r, 422, "quantity")
    assert "300 left" in r.json()["detail"]
    _problem(
        c.post(orders, json={**body, "quantity": 10}, headers=buyer["officer"].headers),
        409,
        "reference",
    )

    ship = f"/supplychain/orders/{order['id']}/deliveries"
    first = {
        "reference": "DN-1",
        "quantity": 500,
        "shipped_on": "2026-11-04",
        "devices": ["press-1"],
        "produced_from": "2026-11-03",
        "produced_to": "2026-11-03",
    }
    _problem(c.post(ship, json=first, headers=buyer["officer"].headers), 403)  # the buyer
    _problem(c.post(ship, json=first, headers=other["officer"].headers), 404)
    _problem(
        c.post(ship, json={**first, "devices": ["lathe-9"]}, headers=seller["officer"].headers),
        422,
        "devices.0",
    )
    _problem(
        c.post(ship, json={**first, "produced_to": None}, headers=seller["officer"].headers),
        422,
        "produced_from",
    )
    _problem(
        c.post(ship, json={**first, "quantity": 701}, headers=seller["officer"].headers),
        422,
        "quantity",
    )
    r = c.post(ship, json=first, headers=seller["officer"].headers)
    assert r.status_code == 201, r.text
    d1 = r.json()
    assert (d1["produced_count"], d1["flags"]) == (520, [])
    # A second lot with no device evidence, and a third the counters do not cover.
    d2 = c.post(
        ship,
        json={"reference": "DN-2", "quantity": 100, "shipped_on": "2026-11-10"},
        headers=seller["officer"].headers,
    ).json()
    assert d2["produced_count"] is None and d2["flags"] == []
    r = c.post(
        ship,
        json={
            **first,
            "reference": "DN-3",
            "quantity": 100,
            "produced_from": "2026-11-05",
            "produced_to": "2026-11-06",
        },
        headers=seller["officer"].headers,
    )
    assert r.json()["produced_count"] == 0
    assert r.json()["flags"] == ["production_below_shipped"]
    d3 = r.json()

    receipt = "/supplychain/deliveries/{}/receipt"
    grn = {"received_quantity": 500, "received_on": "2026-11-05", "receipt_reference": "GRN-1101"}
    _problem(c.post(receipt.format(d1["id"]), json=grn, headers=seller["officer"].headers), 403)
    _problem(c.post(receipt.format(d1["id"]), json=grn, headers=other["officer"].headers), 404)
    _problem(
        c.post(
            receipt.format(d1["id"]),
            json={**grn, "received_quantity": 501},
            headers=buyer["officer"].headers,
        ),
        422,
        "received_quantity",
    )
    _problem(
        c.post(
            receipt.format(d1["id"]),
            json={**grn, "received_on": "2026-11-01"},
            headers=buyer["officer"].headers,
        ),
        422,
        "received_on",
    )
    assert (
        c.post(receipt.format(d1["id"]), json=grn, headers=buyer["officer"].headers).status_code
        == 200
    )
    _problem(c.post(receipt.format(d1["id"]), json=grn, headers=buyer["officer"].headers), 409)
    short = {
        "received_quantity": 80,
        "received_on": "2026-11-11",
        "receipt_reference": "GRN-1115",
        "note": "20 pcs missing",
    }
    got = c.post(receipt.format(d2["id"]), json=short, headers=buyer["officer"].headers).json()
    assert got["flags"] == ["short_received"]

    invoice = "/supplychain/deliveries/{}/invoice"
    inv = {"number": "INV-1", "issued_on": "2026-11-06"}
    _problem(
        c.post(invoice.format(d3["id"]), json=inv, headers=seller["officer"].headers),
        409,
        "delivery_id",
    )
    _problem(c.post(invoice.format(d1["id"]), json=inv, headers=buyer["officer"].headers), 403)
    _problem(
        c.post(
            invoice.format(d1["id"]),
            json={**inv, "issued_on": "2026-11-02"},
            headers=seller["officer"].headers,
        ),
        422,
        "issued_on",
    )
    r = c.post(invoice.format(d1["id"]), json=inv, headers=seller["officer"].headers)
    assert r.status_code == 201 and r.json()["amount"] == "60250.00"
    _problem(
        c.post(
            invoice.format(d1["id"]),
            json={**inv, "number": "INV-9"},
            headers=seller["officer"].headers,
        ),
        409,
        "delivery_id",
    )
    _problem(
        c.post(invoice.format(d2["id"]), json=inv, headers=seller["officer"].headers), 409, "number"
    )
    # The short delivery is billed for what was received: 80 × 120.50.
    r = c.post(
        invoice.format(d2["id"]),
        json={"number": "INV-2", "issued_on": "2026-11-12"},
        headers=seller["officer"].headers,
    )
    assert r.json()["amount"] == "9640.00"

    from_inv = f"/supplychain/contracts/{cid}/statements/from-invoices"
    period = {"period_start": "2026-11-01", "period_end": "2026-11-30"}
    _problem(c.post(from_inv, json=period, headers=buyer["officer"].headers), 403)
    _problem(
        c.post(
            from_inv,
            json={"period_start": "2026-12-01", "period_end": "2026-12-31"},
            headers=seller["officer"].headers,
        ),
        422,
        "period_start",
    )
    r = c.post(from_inv, json=period, headers=seller["officer"].headers)
    assert r.status_code == 201, r.text
    st = r.json()
    assert st["total"] == "69890.00"
    assert [(x["reference"], x["description"]) for x in st["lines"]] == [
        ("INV-1", "DN-1 · GRN-1101 · 500/500 · counters +520"),
        ("INV-2", "DN-2 · GRN-1115 · 80/100"),
    ]
    # Put on a statement once: nothing of the period is left for another.
    _problem(c.post(from_inv, json=period, headers=seller["officer"].headers), 422, "period_start")
    ev = c.get(
        f"/supplychain/statements/{st['id']}/evidence", headers=buyer["viewer"].headers
    ).json()
    by_line = {e["line_id"]: e for e in ev}
    line1, line2 = (x["id"] for x in st["lines"])
    assert by_line[line1]["delivery"]["produced_devices"] == ["press-1"]
    assert by_line[line2]["delivery"]["receipt_note"] == "20 pcs missing"
    _problem(
        c.get(f"/supplychain/statements/{st['id']}/evidence", headers=other["officer"].headers), 404
    )
    listed = c.get(orders, headers=seller["viewer"].headers).json()
    assert [(o["reference"], o["shipped"], o["received"], len(o["invoices"])) for o in listed] == [
        ("PO-1", 700, 580, 2)
    ]

    answer = "/supplychain/statement-lines/{}/answer"
    assert (
        c.post(
            answer.format(line1), json={"confirm": True}, headers=buyer["officer"].headers
        ).json()["state"]
        == "open"
    )
    done = c.post(
        answer.format(line2), json={"confirm": True}, headers=buyer["officer"].headers
    ).json()
    assert done["state"] == "confirmed"

    with db.unit_of_work() as s:
        me = service.principal_for_org(s, seller["admin"].org_id)
        kinds = [
            e.kind
            for e in governance.list_log_entries(s, me, limit=1000)
            if e.kind.startswith("supplychain.")
        ]
    assert kinds == [
        "supplychain.contract.created",
        "supplychain.order.placed",
        "supplychain.delivery.shipped",
        "supplychain.delivery.shipped",
        "supplychain.delivery.shipped",
        "supplychain.delivery.received",
        "supplychain.delivery.received",
        "supplychain.invoice.issued",
        "supplychain.invoice.issued",
        "supplychain.statement.issued",
        "supplychain.statement.line_confirmed",
        "supplychain.statement.line_confirmed",
    ]
