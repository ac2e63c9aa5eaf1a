"""保付 over HTTP: a guarantor guarantees a confirmed statement for a fee; the buyer pays and
the guarantee is released, or the seller calls, the guarantor pays out and is repaid on the
recourse schedule. Each role's denials, the journal to the fen, and the log's leaves."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chanrong.core.errors import Conflict
from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park
from tests.supplychain.trade_builders import add_guarantor, confirmed_statement


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert r.json()["field"] == field, r.json()


@pytest.fixture
def gpark(db: Database, park: Park) -> Park:
    with db.unit_of_work() as s:
        add_guarantor(s, park)
    return park


def _cash(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return {org: v for (org, acc), v in service.trade_balances(s).items() if acc == "cash"}


def test_the_buyer_pays_and_the_guarantee_is_released(
    app_client: TestClient, gpark: Park, db: Database
) -> None:
    c, p = app_client, gpark
    seller, buyer, guarantor = p["enterprise"], p["core"], p["guarantor"]
    with db.unit_of_work() as s:
        sid = confirmed_statement(s, p, amount_fen=10_000_000)
        open_sid = confirmed_statement(s, p, reference="HT-2")
    url = f"/trade/statements/{sid}/payment-guarantees"
    body = {"guarantor_org_id": guarantor["admin"].org_id}
    _problem(c.post(url, json=body), 401)
    _problem(c.post(url, json=body, headers=p["other_enterprise"]["officer"].headers), 404)
    _problem(c.post(url, json=body, headers=seller["viewer"].headers), 403)
    _problem(c.post(url, json=body, headers=guarantor["officer"].headers), 403)
    _problem(
        c.post(
            url,
            json={"guarantor_org_id": p["insurer"]["admin"].org_id},
            headers=seller["officer"].headers,
        ),
        422,
        "guarantor_org_id",
    )
    _problem(
        c.post(url, json={**body, "extra": 1}, headers=seller["officer"].headers), 422, "extra"
    )
    r = c.post(url, json=body, headers=seller["officer"].headers)
    assert r.status_code == 201, r.text
    g = r.json()
    assert (g["state"], g["amount"], g["fee_payer_org_id"]) == (
        "requested",
        "100000.00",
        seller["admin"].org_id,
    )
    _problem(c.post(url, json=body, headers=buyer["officer"].headers), 409, "statement_id")
    del open_sid

    accept = f"/trade/payment-guarantees/{g['id']}/accept"
    _problem(
        c.post(
            accept, json={"fee_rate_percent": "0.5"}, headers=p["other_bank"]["officer"].headers
        ),
        404,
    )
    _problem(
        c.post(accept, json={"fee_rate_percent": "0.5"}, headers=guarantor["viewer"].headers), 403
    )
    _problem(
        c.post(accept, json={"fee_rate_percent": "0.5"}, headers=seller["officer"].headers), 403
    )
    _problem(
        c.post(accept, json={"fee_rate_percent": "11"}, headers=guarantor["officer"].headers),
        422,
        "fee_rate_percent",
    )
    _problem(
        c.post(accept, json={"fee_rate_percent": "lots"}, headers=guarantor["officer"].headers),
        422,
        "fee_rate_percent",
    )
    r = c.post(accept, json={"fee_rate_percent": "0.5"}, headers=guarantor["officer"].headers)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["fee"]) == ("active", "500.00")
    _problem(
        c.post(accept, json={"fee_rate_percent": "0.5"}, headers=guarantor["officer"].headers),
        409,
        "state",
    )
    # The buyer pays at maturity: the guarantee ends unused, the journal moves the money.
    r = c.post(f"/supplychain/statements/{sid}/paid", headers=buyer["officer"].headers)
    assert r.status_code == 200, r.text
    got = c.get(f"/trade/payment-guarantees/{g['id']}", headers=seller["viewer"].headers).json()
    assert got["state"] == "released"
    _problem(
        c.post(f"/trade/payment-guarantees/{g['id']}/call", headers=seller["officer"].headers),
        409,
        "state",
    )
    assert _cash(db) == {
        seller["admin"].org_id: 10_000_000 - 50_000,
        buyer["admin"].org_id: -10_000_000,
        guarantor["admin"].org_id: 50_000,
    }
    with db.unit_of_work() as s:
        assert service.trade_violations(s) == []
        non_cash = {k: v for k, v in service.trade_balances(s).items() if v and k[1] != "cash"}
        assert non_cash == {
            (seller["admin"].org_id, "guarantee_fee_expense"): 50_000,
            (guarantor["admin"].org_id, "guarantee_fee_income"): -50_000,
        }
        entries = service.trade_entries(s, g["id"])
        assert [e.kind for e in entries] == ["fee", "obligation", "buyer_paid"]
        assert all(e.log_index is not None for e in entries)
    assert [
        x["id"]
        for x in c.get("/trade/payment-guarantees", headers=guarantor["viewer"].headers).json()
    ] == [g["id"]]
    assert (
        c.get("/trade/payment-guarantees", headers=p["other_enterprise"]["officer"].headers).json()
        == []
    )
    _problem(
        c.get(f"/trade/payment-guarantees/{g['id']}", headers=p["bank"]["officer"].headers), 404
    )


def test_unpaid_at_maturity_the_guarantor_pays_and_is_repaid_on_schedule(
    app_client: TestClient, gpark: Park, db: Database
) -> None:
    c, p = app_client, gpark
    seller, buyer, guarantor = p["enterprise"], p["core"], p["guarantor"]
    with db.unit_of_work() as s:
        sid = confirmed_statement(
            s, p, amount_fen=10_000_001, end=date(2025, 9, 30), payment_days=30
        )
    # The buyer asks (and pays the fee); the guarantor accepts at 1 %.
    r = c.post(
        f"/trade/statements/{sid}/payment-guarantees",
        json={"guarantor_org_id": guarantor["admin"].org_id},
        headers=buyer["officer"].headers,
    )
    gid = r.json()["id"]
    c.post(
        f"/trade/payment-guarantees/{gid}/accept",
        json={"fee_rate_percent": "1"},
        headers=guarantor["officer"].headers,
    )
    with db.unit_of_work() as s:  # on the due day itself the buyer still has time
        seller_p = service.principal_for_org(s, seller["officer"].org_id)
        with pytest.raises(Conflict) as early:
            service.call_payment_guarantee(
                s, seller_p, gid, now=datetime(2025, 10, 30, 8, tzinfo=UTC)
            )
        assert early.value.field == "due_on"
    call = f"/trade/payment-guarantees/{gid}/call"
    _problem(c.post(call, headers=buyer["officer"].headers), 403)
    _problem(c.post(call, headers=seller["viewer"].headers), 403)
    pay_out = f"/trade/payment-guarantees/{gid}/pay-out"
    _problem(c.post(pay_out, json={}, headers=guarantor["officer"].headers), 409, "state")
    r = c.post(call, headers=seller["officer"].headers)
    assert r.status_code == 200 and r.json()["state"] == "called"
    _problem(
        c.post(pay_out, json={"instalments": 0}, headers=guarantor["officer"].headers),
        422,
        "instalments",
    )
    _problem(
        c.post(pay_out, json={"first_due_on": "2020-01-01"}, headers=guarantor["officer"].headers),
        422,
        "first_due_on",
    )
    _problem(c.post(pay_out, json={}, headers=p["insurer"]["officer"].headers), 403)
    _problem(c.post(pay_out, json={}, headers=seller["officer"].headers), 403)
    r = c.post(
        pay_out,
        json={"instalments": 3, "first_due_on": "2030-01-10"},
        headers=guarantor["officer"].headers,
    )
    assert r.status_code == 201, r.text
    claim = r.json()["recourse"]
    assert [(i["due_on"], i["amount"]) for i in claim["instalments"]] == [
        ("2030-01-10", "33333.33"),
        ("2030-02-09", "33333.33"),
        ("2030-03-11", "33333.35"),
    ]
    # Paid by the guarantor: the buyer now owes the guarantor, not the statement.
    _problem(
        c.post(f"/supplychain/statements/{sid}/paid", headers=buyer["officer"].headers),
        409,
        "statement_id",
    )
    repay = f"/trade/recourse-claims/{claim['id']}/repayments"
    _problem(c.post(repay, json={"amount": "1.00"}, headers=seller["officer"].headers), 404)
    _problem(c.post(repay, json={"amount": "1.00"}, headers=guarantor["officer"].headers), 403)
    _problem(
        c.post(repay, json={"amount": "100000.02"}, headers=buyer["officer"].headers), 422, "amount"
    )
    _problem(
        c.post(repay, json={"amount": "0.001"}, headers=buyer["officer"].headers), 422, "amount"
    )
    r = c.post(repay, json={"amount": "40000.00"}, headers=buyer["officer"].headers)
    assert r.status_code == 201, r.text
    rec = r.json()["recourse"]
    assert [i["paid"] for i in rec["instalments"]] == ["33333.33", "6666.67", "0.00"]
    assert (rec["outstanding"], rec["state"]) == ("60000.01", "open")
    r = c.post(repay, json={"amount": "60000.01"}, headers=buyer["officer"].headers)
    assert r.json()["recourse"]["state"] == "settled"
    _problem(c.post(repay, json={"amount": "1.00"}, headers=buyer["officer"].headers), 409)
    # To the fen: the seller got the whole amount, the guarantor its fee back with the loss
    # recovered, the buyer paid the amount and the fee.
    fee = 100_000
    assert _cash(db) == {
        seller["admin"].org_id: 10_000_001,
        buyer["admin"].org_id: -10_000_001 - fee,
        guarantor["admin"].org_id: fee,
    }
    with db.unit_of_work() as s:
        assert service.trade_violations(s) == []
        recourse = {
            (o, a): v
            for (o, a), v in service.trade_balances(s).items()
            if a.startswith(("recourse", "trade_"))
        }
        assert set(recourse.values()) == {0}
        assert [e.kind for e in service.trade_entries(s, gid)] == [
            "fee",
            "obligation",
            "guarantor_paid",
            "recourse_repaid",
            "recourse_repaid",
        ]
        me = service.principal_for_org(s, guarantor["admin"].org_id)
        kinds = [
            e.kind
            for e in governance.list_log_entries(s, me, limit=1000)
            if ".guarantee." in e.kind or ".recourse." in e.kind
        ]
    assert kinds == [
        "supplychain.guarantee.requested",
        "supplychain.guarantee.accepted",
        "supplychain.guarantee.called",
        "supplychain.guarantee.paid_out",
        "supplychain.recourse.opened",
        "supplychain.recourse.repaid",
        "supplychain.recourse.repaid",
    ]


def test_a_declined_request_charges_nothing(
    app_client: TestClient, gpark: Park, db: Database
) -> None:
    c, p = app_client, gpark
    with db.unit_of_work() as s:
        sid = confirmed_statement(s, p)
    r = c.post(
        f"/trade/statements/{sid}/payment-guarantees",
        json={"guarantor_org_id": p["bank"]["admin"].org_id},
        headers=p["enterprise"]["officer"].headers,
    )
    gid = r.json()["id"]
    decline = f"/trade/payment-guarantees/{gid}/decline"
    _problem(
        c.post(decline, json={"reason": ""}, headers=p["bank"]["officer"].headers), 422, "reason"
    )
    r = c.post(
        decline, json={"reason": "buyer outside our appetite"}, headers=p["bank"]["officer"].headers
    )
    assert (r.json()["state"], r.json()["decline_reason"]) == (
        "declined",
        "buyer outside our appetite",
    )
    assert _cash(db) == {}
    # Declined, the statement may be offered to another guarantor.
    r = c.post(
        f"/trade/statements/{sid}/payment-guarantees",
        json={"guarantor_org_id": p["guarantor"]["admin"].org_id},
        headers=p["enterprise"]["officer"].headers,
    )
    assert r.status_code == 201
