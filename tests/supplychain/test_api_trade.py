"""Trade contracts and reconciliation over HTTP: payment terms flagged at creation, the seller
issues a statement, the buyer confirms or disputes each line; each route's denials."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert r.json()["field"] == field, r.json()


def _contract(c: TestClient, park: Park, **over: Any) -> Any:
    body = {
        "counterparty_org_id": park["core"]["admin"].org_id,
        "we_are": "seller",
        "reference": "HT-2026-07",
        "goods": "铸件 castings",
        "quantity": 1000,
        "unit_price": "120.50",
        "delivery_terms": "FCA seller's works, monthly lots",
        "payment_days": 90,
        "pay_when_paid": True,
    }
    body.update(over)
    return c.post(
        "/supplychain/contracts", json=body, headers=park["enterprise"]["officer"].headers
    )


def test_contract_statement_confirm_and_dispute(
    app_client: TestClient, park: Park, db: Database
) -> None:
    c = app_client
    sup, core, other = park["enterprise"], park["core"], park["other_enterprise"]
    _problem(c.post("/supplychain/contracts", json={}), 401)
    _problem(
        c.post("/supplychain/contracts", json={}, headers=park["bank"]["officer"].headers), 403
    )
    _problem(c.post("/supplychain/contracts", json={}, headers=sup["viewer"].headers), 403)
    _problem(_contract(c, park, we_are="broker"), 422, "we_are")
    _problem(_contract(c, park, quantity=0), 422, "quantity")
    _problem(_contract(c, park, unit_price="1.234"), 422, "unit_price")
    _problem(_contract(c, park, payment_days=400), 422, "payment_days")
    _problem(
        _contract(c, park, counterparty_org_id=park["bank"]["admin"].org_id),
        422,
        "counterparty_org_id",
    )
    _problem(
        _contract(c, park, counterparty_org_id=sup["admin"].org_id), 422, "counterparty_org_id"
    )
    _problem(_contract(c, park, surprise=1), 422, "surprise")
    r = _contract(c, park)
    assert r.status_code == 201, r.text
    contract = r.json()
    # A large buyer (the core enterprise) paying an SME in 90 days, pay-when-paid: flagged.
    assert contract["flags"] == ["sme_payment_over_60_days", "pay_when_paid_clause"]
    assert contract["amount"] == "120500.00"
    fair = _contract(c, park, payment_days=60, pay_when_paid=False, reference="HT-2")
    assert fair.json()["flags"] == []
    cid = contract["id"]
    assert {
        x["id"] for x in c.get("/supplychain/contracts", headers=core["viewer"].headers).json()
    } >= {cid}
    _problem(c.get(f"/supplychain/contracts/{cid}", headers=other["officer"].headers), 404)
    assert c.get("/supplychain/contracts", headers=other["officer"].headers).json() == []

    url = f"/supplychain/contracts/{cid}/statements"
    st_body = {
        "period_start": "2026-11-01",
        "period_end": "2026-11-30",
        "lines": [
            {"reference": "GRN-1101", "description": "lot 1, 500 pcs", "amount": "60250.00"},
            {"reference": "GRN-1115", "description": "lot 2, 500 pcs", "amount": "60250.00"},
        ],
    }
    _problem(c.post(url, json=st_body, headers=core["officer"].headers), 403)  # the buyer
    _problem(c.post(url, json=st_body, headers=other["officer"].headers), 404)
    _problem(
        c.post(url, json={**st_body, "lines": []}, headers=sup["officer"].headers), 422, "lines"
    )
    _problem(
        c.post(url, json={**st_body, "period_end": "2026-10-01"}, headers=sup["officer"].headers),
        422,
        "period_end",
    )
    bad_line = {**st_body, "lines": [{"reference": "X", "description": "y", "amount": "0"}]}
    _problem(c.post(url, json=bad_line, headers=sup["officer"].headers), 422, "lines.0.amount")
    r = c.post(url, json=st_body, headers=sup["officer"].headers)
    assert r.status_code == 201, r.text
    st = r.json()
    assert (st["state"], st["total"]) == ("open", "120500.00")
    first, second = (x["id"] for x in st["lines"])

    answer = "/supplychain/statement-lines/{}/answer"
    _problem(
        c.post(answer.format(first), json={"confirm": True}, headers=sup["officer"].headers), 403
    )
    _problem(
        c.post(answer.format(first), json={"confirm": True}, headers=core["viewer"].headers), 403
    )
    _problem(
        c.post(answer.format(first), json={"confirm": True}, headers=other["officer"].headers), 404
    )
    _problem(
        c.post(answer.format(first), json={"confirm": "perhaps"}, headers=core["officer"].headers),
        422,
        "confirm",
    )
    _problem(
        c.post(answer.format(second), json={"confirm": False}, headers=core["officer"].headers),
        422,
        "reason",
    )
    r = c.post(answer.format(first), json={"confirm": True}, headers=core["officer"].headers)
    assert r.status_code == 200 and r.json()["state"] == "open"
    _problem(
        c.post(
            answer.format(first),
            json={"confirm": False, "reason": "late"},
            headers=core["officer"].headers,
        ),
        409,
    )
    r = c.post(
        answer.format(second),
        json={"confirm": False, "reason": "20 pcs short on receipt"},
        headers=core["officer"].headers,
    )
    assert r.status_code == 200
    st = r.json()
    assert st["state"] == "disputed"
    assert [(x["state"], x["dispute_reason"]) for x in st["lines"]] == [
        ("confirmed", None),
        ("disputed", "20 pcs short on receipt"),
    ]
    seen = c.get(f"/supplychain/statements/{st['id']}", headers=sup["viewer"].headers).json()
    assert seen["state"] == "disputed"
    _problem(c.get(f"/supplychain/statements/{st['id']}", headers=other["officer"].headers), 404)
    # Each step is a leaf of the verifiable log, readable by the other party.
    with db.unit_of_work() as s:
        seller = service.principal_for_org(s, sup["admin"].org_id)
        kinds = [
            e.kind
            for e in governance.list_log_entries(s, seller, limit=1000)
            if e.kind.startswith("supplychain.contract")
            or e.kind.startswith("supplychain.statement")
        ]
    assert kinds == [
        "supplychain.contract.created",
        "supplychain.contract.created",
        "supplychain.statement.issued",
        "supplychain.statement.line_confirmed",
        "supplychain.statement.line_disputed",
    ]
