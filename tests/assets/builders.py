"""Builders for the assets tests: a catalog with a scored dataset read by a bank under
consent, receivables and orders landed through telemetry's door."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry

DATASET = "business.orders"


def catalog_with_reads(db: Database, org_id: str, bank_org_id: str, *, reads: int) -> None:
    """The enterprise's default catalog, ``business.orders`` scored 80, read ``reads`` times
    by the bank under a credit-assessment grant."""
    with db.unit_of_work() as s:
        governance.ensure_default_catalog(s, org_id)
        governance.set_quality_score(s, owner_org_id=org_id, dataset=DATASET, score=80)
        owner = identity.system_principal(s, org_id)
        governance.grant_consent(
            s,
            owner,
            grantee_org_id=bank_org_id,
            categories=["management"],
            max_grade=2,
            purpose="credit_assessment",
            valid_from=None,
            valid_until=utcnow() + timedelta(days=90),
        )
        bank = identity.system_principal(s, bank_org_id)
        for _ in range(reads):
            governance.authorize_read(
                s,
                bank,
                owner_org_id=org_id,
                dataset=DATASET,
                purpose=governance.Purpose.CREDIT_ASSESSMENT,
            )


def land(db: Database, org_id: str, kind: str, rows: list[dict[str, str]]) -> None:
    """Records through the ingestion door (a replaced record keeps its id)."""
    with db.unit_of_work() as s:
        report = telemetry.import_records(
            s, org_id=org_id, kind=kind, source="http", rows=list(enumerate(rows, start=1))
        )
        assert report.ok, report.errors


REVOLVING = {
    "code": "RC-POOL",
    "name": "资产池循环额度",
    "kind": "revolving",
    "method": "interest_only",
    "day_count": "act_365",
    "rate_type": "fixed",
    "fixed_rate": "3.65",
    "max_amount": "5000000",
}


def credit_line(
    client: TestClient,
    bank_headers: dict[str, str],
    borrower_org_id: str,
    *,
    limit: str,
    opened_on: str = "2026-01-01",
) -> str:
    """A revolving credit line on lending (a revolving product first), through lending's API."""
    r = client.post("/lending/products", json=REVOLVING, headers=bank_headers)
    assert r.status_code == 201, r.text
    line = client.post(
        "/lending/lines",
        json={
            "product_id": r.json()["id"],
            "borrower_org_id": borrower_org_id,
            "limit": limit,
            "opened_on": opened_on,
            "expires_on": "2027-12-31",
            "purpose": "working_capital",
        },
        headers=bank_headers,
    )
    assert line.status_code == 201, line.text
    return str(line.json()["id"])


def draw(
    client: TestClient, ent_headers: dict[str, str], line_id: str, *, amount: str, on: str
) -> str:
    """The enterprise draws on the line (a loan disbursed at once); returns the loan id."""
    r = client.post(
        f"/lending/lines/{line_id}/drawdowns",
        json={"amount": amount, "term_months": 6, "on": on},
        headers=ent_headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])
