"""The guarantee API walked by each party, with the denials of everyone else."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Member, Park, add_member, add_org
from tests.lending.builders import active_loan, principal


def _setup(db: Database, park: Park) -> tuple[dict[str, Member], str]:
    with db.unit_of_work() as s:
        org = add_org(s, "financial_institution", institution_type="guarantor", name="担保甲")
        g = {r: add_member(s, org, r) for r in ("admin", "officer", "viewer")}
        bank = principal(s, park["bank"]["officer"])
        loan = active_loan(
            s,
            bank,
            principal(s, park["enterprise"]["officer"]),
            amount="100000.00",
            start=date(2025, 1, 10),
        )
        return g, loan.id


def test_guarantee_claim_recovery_walk_and_denials(
    app_client: TestClient, db: Database, park: Park
) -> None:
    guar, loan_id = _setup(db, park)
    gov, bank, ent = park["analyst"]["officer"], park["bank"]["officer"], park["enterprise"]
    other_bank = park["other_bank"]["officer"]
    c = app_client
    scheme = {
        "preset": "pingshan-pool",
        "code": "ps",
        "starts_on": "2025-01-01",
        "ends_on": "2027-12-31",
        "sharer_orgs": {"pool": gov.org_id},
    }
    for who in (bank, guar["officer"], ent["admin"], park["analyst"]["viewer"]):
        r = c.post("/guarantee/schemes", json=scheme, headers=who.headers)
        assert r.status_code == 403, r.text
    r = c.post("/guarantee/schemes", json={**scheme, "colour": 1}, headers=gov.headers)
    assert (r.status_code, r.json()["field"]) == (422, "colour")
    r = c.post("/guarantee/schemes", json={**scheme, "preset": "x"}, headers=gov.headers)
    assert (r.status_code, r.json()["field"]) == (422, "preset")
    r = c.post("/guarantee/schemes", json=scheme, headers=gov.headers)
    assert r.status_code == 201, r.text
    assert r.json()["definition"]["sharers"][0]["loss_rate_stop"] == "0.025"

    ask = {"loan_id": loan_id, "guarantor_org_id": guar["officer"].org_id, "scheme": "ps"}
    assert c.post("/guarantee/guarantees", json=ask, headers=other_bank.headers).status_code == 404
    assert (
        c.post("/guarantee/guarantees", json=ask, headers=guar["officer"].headers).status_code
        == 403
    )
    bad = {**ask, "guarantor_org_id": park["insurer"]["officer"].org_id}
    r = c.post("/guarantee/guarantees", json=bad, headers=bank.headers)
    assert (r.status_code, r.json()["field"]) == (422, "guarantor_org_id")
    r = c.post("/guarantee/guarantees", json=ask, headers=bank.headers)
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    assert r.json()["status"] == "requested"

    for who in (bank, guar["viewer"], ent["officer"]):
        assert c.post(f"/guarantee/guarantees/{gid}/accept", headers=who.headers).status_code == 403
    r = c.post(f"/guarantee/guarantees/{gid}/accept", headers=guar["officer"].headers)
    assert (r.status_code, r.json()["status"]) == (200, "active")

    r = c.post(
        f"/guarantee/guarantees/{gid}/fees", json={"through": "2025-02-10"}, headers=bank.headers
    )
    assert r.status_code == 403
    r = c.post(
        f"/guarantee/guarantees/{gid}/fees",
        json={"through": "2025-02-10"},
        headers=guar["officer"].headers,
    )
    assert [f["amount"] for f in r.json()] == ["84.93"]

    # Not in default yet: 409 naming the loan, nothing written.
    r = c.post(
        f"/guarantee/guarantees/{gid}/claim", json={"on": "2025-02-20"}, headers=bank.headers
    )
    assert (r.status_code, r.json()["field"], r.json()["reason"]) == (409, "loan", "not_in_default")
    with db.unit_of_work() as s:
        lending.close_books(s, principal(s, bank), as_of=date(2025, 6, 30))
    for who, code in ((guar["officer"], 403), (other_bank, 404), (park["bank"]["viewer"], 403)):
        r = c.post(
            f"/guarantee/guarantees/{gid}/claim", json={"on": "2025-06-30"}, headers=who.headers
        )
        assert r.status_code == code, (who, r.text)
    r = c.post(
        f"/guarantee/guarantees/{gid}/claim", json={"on": "2025-06-30"}, headers=bank.headers
    )
    assert r.status_code == 201, r.text
    claim = r.json()
    assert (claim["unpaid"], claim["bank"], claim["compensation"], claim["guarantor"]) == (
        "100000.00",
        "20000.00",
        "80000.00",
        "79830.14",
    )
    assert claim["sharers"] == {"pool": "169.86"}
    r = c.post(
        f"/guarantee/guarantees/{gid}/claim", json={"on": "2025-06-30"}, headers=bank.headers
    )
    assert r.status_code == 409

    url = f"/guarantee/claims/{claim['id']}/recoveries"
    assert (
        c.post(url, json={"amount": "10.00", "on": "2025-09-01"}, headers=bank.headers).status_code
        == 403
    )
    r = c.post(url, json={"amount": 1.5, "on": "2025-09-01"}, headers=guar["officer"].headers)
    assert (r.status_code, r.json()["field"]) == (422, "amount")
    r = c.post(
        url, json={"amount": "100000.01", "on": "2025-09-01"}, headers=guar["officer"].headers
    )
    assert (r.status_code, r.json()["field"]) == (422, "amount")
    r = c.post(
        url, json={"amount": "10000.00", "on": "2025-09-01"}, headers=guar["officer"].headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["shares"] == {"bank": "2000.00", "guarantor": "7983.01", "pool": "16.99"}

    r = c.get("/guarantee/schemes/ps", headers=gov.headers)
    body = r.json()
    assert (body["claims"], body["loss_rate"], body["breaker_tripped"]) == (1, "1.000000", True)
    assert body["losses"] == {"bank": "20000.00", "guarantor": "79830.14", "pool": "169.86"}
    assert c.get("/guarantee/schemes/ps", headers=ent["officer"].headers).status_code == 403
    # The borrower sees its guarantee; another enterprise does not know it exists.
    assert c.get(f"/guarantee/guarantees/{gid}", headers=ent["viewer"].headers).status_code == 200
    other = park["other_enterprise"]["officer"]
    assert c.get(f"/guarantee/guarantees/{gid}", headers=other.headers).status_code == 404
    book = c.get("/guarantee/guarantees", headers=guar["viewer"].headers).json()
    assert [(g["id"], g["status"], g["claim"]["unpaid"]) for g in book] == [
        (gid, "claimed", "100000.00")
    ]
    # The claim is a leaf the bank can read in the verifiable log.
    r = c.get(f"/log/entries/{claim['log_index']}", headers=bank.headers)
    assert (r.status_code, r.json()["kind"]) == (200, "guarantee.claim.paid")


def test_subsidy_programme_api(app_client: TestClient, db: Database, park: Park) -> None:
    gov = park["analyst"]["officer"]
    body = {
        "name": "绿色贴息",
        "mode": "rate",
        "value": "1.0",
        "eligibility": {"industries": ["C"]},
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "budget": "500.00",
    }
    for who in (park["bank"]["officer"], park["enterprise"]["admin"], park["analyst"]["viewer"]):
        assert (
            app_client.post("/guarantee/programmes", json=body, headers=who.headers).status_code
            == 403
        )
    r = app_client.post(
        "/guarantee/programmes", json={**body, "budget": "1.001"}, headers=gov.headers
    )
    assert (r.status_code, r.json()["field"]) == (422, "budget")
    r = app_client.post("/guarantee/programmes", json=body, headers=gov.headers)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert (
        app_client.get(
            f"/guarantee/programmes/{pid}", headers=park["bank"]["officer"].headers
        ).status_code
        == 404
    )
    r = app_client.post(
        f"/guarantee/programmes/{pid}/pay",
        json={"period": "2025-02"},
        headers=park["analyst"]["viewer"].headers,
    )
    assert r.status_code == 403
    r = app_client.get("/guarantee/programmes", headers=gov.headers)
    assert [(p["name"], p["budget"], p["spent"]) for p in r.json()] == [
        ("绿色贴息", "500.00", "0.00")
    ]
