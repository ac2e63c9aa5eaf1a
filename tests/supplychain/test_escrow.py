"""Escrow over HTTP: the buyer's money for an order is held by an agent bank, released on
confirmed delivery by a second officer (the approver's own release is refused), or split by
the agent after a dispute; each role's denials and the journal to the fen."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park
from tests.supplychain.trade_builders import add_guarantor, contract


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert r.json()["field"] == field, r.json()


def _order(db: Database, park: Park, contract_id: str, ref: str, qty: int) -> str:
    with db.unit_of_work() as s:
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        return service.place_order(
            s, buyer, contract_id, reference=ref, quantity=qty, ordered_on=date(2026, 11, 1)
        ).id


def _deliver(db: Database, park: Park, order_id: str, qty: int, received: int) -> None:
    with db.unit_of_work() as s:
        seller = service.principal_for_org(s, park["enterprise"]["admin"].org_id)
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        d = service.record_shipment(
            s,
            seller,
            order_id,
            reference=f"DN-{order_id[:6]}",
            quantity=qty,
            shipped_on=date(2026, 11, 5),
        )
        service.record_receipt(
            s,
            buyer,
            d.id,
            received_quantity=received,
            received_on=date(2026, 11, 6),
            receipt_reference="GRN",
        )


def _cash(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        assert service.trade_violations(s) == []
        return {o: v for (o, a), v in service.trade_balances(s).items() if a == "cash" and v}


def test_money_stays_held_until_the_whole_order_is_received(
    app_client: TestClient, park: Park, db: Database
) -> None:
    c, p = app_client, park
    seller, buyer, bank = p["enterprise"], p["core"], p["bank"]
    with db.unit_of_work() as s:
        add_guarantor(s, p)
        cid = contract(s, p, unit_price_fen=10_000).id  # ¥100 a unit
    oid = _order(db, p, cid, "PO-E1", 100)
    url = f"/trade/orders/{oid}/escrows"
    body = {"agent_org_id": bank["admin"].org_id, "amount": "10000.00"}
    _problem(c.post(url, json=body), 401)
    _problem(c.post(url, json=body, headers=seller["officer"].headers), 403)
    _problem(c.post(url, json=body, headers=buyer["viewer"].headers), 403)
    _problem(c.post(url, json=body, headers=p["other_enterprise"]["officer"].headers), 404)
    _problem(c.post(url, json=body, headers=bank["officer"].headers), 403)
    _problem(
        c.post(url, json={**body, "amount": "10000.01"}, headers=buyer["officer"].headers),
        422,
        "amount",
    )
    _problem(
        c.post(
            url,
            json={**body, "agent_org_id": p["guarantor"]["admin"].org_id},
            headers=buyer["officer"].headers,
        ),
        422,
        "agent_org_id",
    )
    r = c.post(url, json=body, headers=buyer["officer"].headers)
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    assert _cash(db) == {buyer["admin"].org_id: -1_000_000, bank["admin"].org_id: 1_000_000}

    approve = f"/trade/escrows/{eid}/approve"
    _problem(c.post(approve, headers=bank["officer"].headers), 409, "order_id")  # not delivered
    _deliver(db, p, oid, 100, 90)
    # Receipts of 90 of the 100 ordered do not confirm the delivery: the money stays held.
    _problem(c.post(approve, headers=bank["officer"].headers), 409, "order_id")
    _problem(c.post(approve, headers=p["other_bank"]["officer"].headers), 404)
    _problem(c.post(approve, headers=bank["viewer"].headers), 403)
    _problem(c.post(approve, headers=seller["officer"].headers), 403)
    assert (
        c.get(f"/trade/escrows/{eid}", headers=seller["viewer"].headers).json()["state"] == "held"
    )


def test_four_eyes_release_and_a_dispute_split(
    app_client: TestClient, park: Park, db: Database
) -> None:
    c, p = app_client, park
    seller, buyer, bank = p["enterprise"], p["core"], p["bank"]
    with db.unit_of_work() as s:
        cid = contract(s, p, unit_price_fen=10_000).id
    oid = _order(db, p, cid, "PO-1", 100)
    eid = c.post(
        f"/trade/orders/{oid}/escrows",
        json={"agent_org_id": bank["admin"].org_id, "amount": "10000.00"},
        headers=buyer["officer"].headers,
    ).json()["id"]
    _deliver(db, p, oid, 100, 100)
    approve, release = f"/trade/escrows/{eid}/approve", f"/trade/escrows/{eid}/release"
    _problem(c.post(release, headers=bank["officer"].headers), 409, "state")
    r = c.post(approve, headers=bank["officer"].headers)
    assert r.status_code == 200 and r.json()["state"] == "approved"
    assert r.json()["approved_by_user_id"] == bank["officer"].user_id
    # The approver may not release; another officer of the agent does.
    r = c.post(release, headers=bank["officer"].headers)
    _problem(r, 403)
    assert "approved" in r.json()["detail"]
    _problem(c.post(release, headers=bank["viewer"].headers), 403)
    r = c.post(release, headers=bank["admin"].headers)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["to_seller"], r.json()["released_by_user_id"]) == (
        "released",
        "10000.00",
        bank["admin"].user_id,
    )
    _problem(
        c.post(
            f"/trade/escrows/{eid}/dispute",
            json={"reason": "late"},
            headers=buyer["officer"].headers,
        ),
        409,
        "state",
    )
    assert _cash(db) == {seller["admin"].org_id: 1_000_000, buyer["admin"].org_id: -1_000_000}

    # A second order: the buyer disputes the quality; the agent splits 600 / 400.
    oid = _order(db, p, cid, "PO-2", 100)
    eid = c.post(
        f"/trade/orders/{oid}/escrows",
        json={"agent_org_id": bank["admin"].org_id, "amount": "1000.00"},
        headers=buyer["officer"].headers,
    ).json()["id"]
    dispute = f"/trade/escrows/{eid}/dispute"
    _problem(c.post(dispute, json={"reason": ""}, headers=buyer["officer"].headers), 422, "reason")
    _problem(c.post(dispute, json={"reason": "x"}, headers=bank["officer"].headers), 403)
    _problem(
        c.post(dispute, json={"reason": "x"}, headers=p["other_enterprise"]["officer"].headers), 404
    )
    r = c.post(dispute, json={"reason": "40 castings porous"}, headers=buyer["officer"].headers)
    assert (r.json()["state"], r.json()["dispute_reason"]) == ("disputed", "40 castings porous")
    _deliver(db, p, oid, 100, 100)
    _problem(c.post(f"/trade/escrows/{eid}/approve", headers=bank["officer"].headers), 409, "state")
    resolve = f"/trade/escrows/{eid}/resolve"
    _problem(
        c.post(resolve, json={"to_seller": "1000.01", "note": "n"}, headers=bank["admin"].headers),
        422,
        "to_seller",
    )
    _problem(
        c.post(
            resolve, json={"to_seller": "600.00", "note": "n"}, headers=seller["officer"].headers
        ),
        403,
    )
    r = c.post(
        resolve,
        json={"to_seller": "600.00", "note": "60 good castings paid"},
        headers=bank["admin"].headers,
    )
    assert (r.json()["state"], r.json()["to_seller"], r.json()["refund"]) == (
        "approved",
        "600.00",
        "400.00",
    )
    _problem(c.post(f"/trade/escrows/{eid}/release", headers=bank["admin"].headers), 403)
    assert (
        c.post(f"/trade/escrows/{eid}/release", headers=bank["officer"].headers).status_code == 200
    )
    assert _cash(db) == {seller["admin"].org_id: 1_060_000, buyer["admin"].org_id: -1_060_000}
    listed = c.get("/trade/escrows", headers=bank["viewer"].headers).json()
    assert [e["state"] for e in listed] == ["released", "released"]
    assert c.get("/trade/escrows", headers=p["other_bank"]["officer"].headers).json() == []
