"""投后管理: a fund sees a portfolio company's indicators and the banks' detectors' alerts
only under the company's live ``investment_monitoring`` grant."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.lending.builders import principal


def _bills(db: Database, org_id: str) -> None:
    """Monthly bills from 2023-01 to 2025-02: output falls to 180 in 2025-02 (baseline 400)."""
    rows: list[tuple[int, dict[str, str]]] = []
    month, n = date(2023, 1, 1), 0
    while month <= date(2025, 2, 1):
        n += 1
        output = 1000 if month.month != 2 else 400
        if month >= date(2025, 1, 1):
            output = 450 if month.month == 1 else 180
        row = {"month": month.isoformat(), "electricity_kwh": "50000", "cost": "40000",
               "output_value": str(output * 100)}  # fmt: skip
        rows.append((n, row))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    with db.unit_of_work() as s:
        telemetry.import_records(s, org_id=org_id, kind="energy_bills", rows=rows, source="test")


def _watch(c: TestClient, h: dict[str, str], fund: str) -> list[dict[str, Any]]:
    r = c.get(f"/funds/{fund}/monitoring?as_of=2025-02-28", headers=h)
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def test_indicators_and_alerts_only_under_a_live_grant(
    app_client: TestClient, db: Database, park: Park
) -> None:
    c, h = app_client, park["bank"]["officer"].headers
    company = park["enterprise"]["officer"]
    _bills(db, company.org_id)
    fund = c.post("/funds", headers=h, json={"name": "VC", "kind": "vc", "vintage": 2022}).json()
    inv = c.post(f"/funds/{fund['id']}/investments", headers=h,
                 json={"date": "2022-05-01", "company_org_id": company.org_id,
                       "amount_yuan": "1000"}).json()  # fmt: skip
    c.post(f"/funds/{fund['id']}/investments", headers=h,
           json={"date": "2022-06-01", "company_name": "平台外企业"})  # fmt: skip
    # No grant: listed as refused, nothing read.
    [w] = _watch(c, h, fund["id"])
    assert (w["granted"], w["refusal"], w["alerts"], w["indicators"]) == (
        False, "no_grant", [], {},
    )  # fmt: skip
    # A grant for another purpose does not do.
    with db.unit_of_work() as s:
        governance.grant_consent(
            s, principal(s, company), grantee_org_id=park["bank"]["admin"].org_id,
            categories=["management"], max_grade=2, purpose="post_loan_monitoring",
            valid_from=None, valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
    [w] = _watch(c, h, fund["id"])
    assert w["granted"] is False and w["refusal"] == "wrong_purpose"
    with db.unit_of_work() as s:
        grant = governance.grant_consent(
            s, principal(s, company), grantee_org_id=park["bank"]["admin"].org_id,
            categories=["management"], max_grade=2, purpose="investment_monitoring",
            valid_from=None, valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        grant_id = grant.id
    [w] = _watch(c, h, fund["id"])
    assert w["granted"] is True and w["investments"] == [inv["id"]]
    assert [(a["kind"], a["severity"]) for a in w["alerts"]] == [("output_drop", "high")]
    assert w["indicators"]["output"][-1] == ["2025-02", 18000.0]
    assert w["profile"] is None  # none computed: absent, not zeros
    with db.unit_of_work() as s:
        access = governance.list_access(s, principal(s, company))
        assert "investment_monitoring" in {a.purpose for a in access}
    # Revoked: refused again.
    with db.unit_of_work() as s:
        governance.revoke_consent(s, principal(s, company), grant_id)
    [w] = _watch(c, h, fund["id"])
    assert w["granted"] is False and w["refusal"] == "revoked" and w["alerts"] == []
    # The company sees each refused attempt of the fund's monitoring in its own list.
    with db.unit_of_work() as s:
        denied = governance.list_denials(s, principal(s, company))
    seen = {(d.accessor_org_id, d.reason, d.route) for d in denied}
    assert (park["bank"]["admin"].org_id, "revoked", "funds: portfolio monitoring") in seen
    assert (park["bank"]["admin"].org_id, "wrong_purpose", "funds: portfolio monitoring") in seen
    # Another organisation cannot watch this fund.
    other = park["other_bank"]["admin"].headers
    r = c.get(f"/funds/{fund['id']}/monitoring?as_of=2025-02-28", headers=other)
    assert r.status_code == 404
