"""Ingested invoices billed to a core enterprise become payables, once each."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park


def test_invoices_to_the_core_become_payables_once(
    app_client: TestClient, park: Park, db: Database
) -> None:
    sup, core = park["enterprise"], park["core"]
    today = shanghai_date(utcnow())
    with db.unit_of_work() as s:
        core_uscc = identity.find_organisation(s, core["admin"].org_id).uscc  # type: ignore[union-attr]
        other_uscc = identity.find_organisation(s, park["other_enterprise"]["admin"].org_id).uscc  # type: ignore[union-attr]

        def inv(n: str, buyer: str | None, due_days: int, amount: str) -> dict[str, object]:
            return {
                "invoice_id": n,
                "order_id": f"PO-{n}",
                "buyer_uscc": buyer,
                "buyer_name": "buyer",
                "issue_date": (today - timedelta(days=40)).isoformat(),
                "due_date": (today + timedelta(days=due_days)).isoformat(),
                "amount": amount,
            }

        rows = [
            inv("INV-A", core_uscc, 60, "120000.50"),  # billed to the core, not yet due
            inv("INV-B", core_uscc, -1, "5000.00"),  # already due: no certificate any more
            inv("INV-C", other_uscc, 60, "7000.00"),  # another buyer
        ]
        report = telemetry.import_records(
            s,
            org_id=sup["admin"].org_id,
            kind="invoices",
            rows=enumerate(rows, start=2),
            source="test",
        )
        assert report.ok, report.errors
    url = "/supplychain/payables/from-invoices"
    body = {"core_org_id": core["admin"].org_id}
    r = app_client.post(url, json=body, headers=sup["officer"].headers)
    assert r.status_code == 201, r.text
    made = r.json()
    assert [(p["invoice_ref"], p["contract_ref"], p["amount"]) for p in made] == [
        ("INV-A", "PO-INV-A", "120000.50")
    ]
    assert made[0]["maturity_date"] == (today + timedelta(days=60)).isoformat()
    assert made[0]["state"] == "submitted"
    # Running it again submits nothing new; the core sees the one payable to confirm.
    again = app_client.post(url, json=body, headers=sup["officer"].headers)
    assert again.status_code == 201 and again.json() == []
    listed = app_client.get("/supplychain/payables", headers=core["viewer"].headers).json()
    assert [p["invoice_ref"] for p in listed] == ["INV-A"]
    # Not a core enterprise: the field is named. Not an enterprise officer: refused.
    bad = app_client.post(
        url,
        json={"core_org_id": park["other_enterprise"]["admin"].org_id},
        headers=sup["officer"].headers,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "core_org_id"
    assert app_client.post(url, json=body, headers=sup["viewer"].headers).status_code == 403
    assert (
        app_client.post(url, json=body, headers=park["bank"]["officer"].headers).status_code == 403
    )
