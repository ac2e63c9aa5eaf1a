"""Quote → bind → schedule → re-rating → claims, and the safety-risk profile under consent."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.demo.insurance_pricing import evaluate, simulated_book
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.insurance import calibration, risk
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.insurance.builders import PROFILE_DAY, grant_insurer, insured_fleet

QUOTE = {"base_premium": "20000.00", "start": "2026-09-01", "end": "2027-09-01"}


def _balanced(journal: list[dict]) -> bool:  # type: ignore[type-arg]
    by_entry: dict[str, int] = {}
    for line in journal:
        by_entry[line["entry_id"]] = (
            by_entry.get(line["entry_id"], 0) + line["debit_fen"] - line["credit_fen"]
        )
    return all(v == 0 for v in by_entry.values())


def test_a_policy_from_quote_to_claim(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    grant_insurer(db, ent, insurer.org_id)
    q = app_client.post(
        "/insurance/quotes", json={**QUOTE, "org_id": ent.org_id}, headers=insurer.headers
    )
    assert q.status_code == 201, q.text
    quote = q.json()
    # Only the insured binds the quote it received.
    url = f"/insurance/quotes/{quote['id']}/bind"
    assert app_client.post(url, json={"instalments": 4}, headers=insurer.headers).status_code == 403
    other = park["other_enterprise"]["admin"].headers
    assert app_client.post(url, json={"instalments": 4}, headers=other).status_code == 404
    bad = app_client.post(url, json={"instalments": 5}, headers=ent.headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "instalments")
    r = app_client.post(url, json={"instalments": 4}, headers=ent.headers)
    assert r.status_code == 201, r.text
    detail = r.json()
    policy = detail["policy"]
    assert sum(i["amount_fen"] for i in detail["schedule"]) == quote["premium_fen"]
    assert [i["due_date"] for i in detail["schedule"]] == [
        "2026-09-01", "2026-12-01", "2027-03-01", "2027-06-01",
    ]  # fmt: skip
    assert _balanced(detail["journal"]) and detail["journal"][0]["kind"] == "premium_written"
    assert app_client.post(url, json={"instalments": 4}, headers=ent.headers).status_code == 409

    assert quote["pricing"] == "prior" and policy["factors"]["pricing"] == "prior"
    # Mid-term the insurer's first claims-fitted model replaces the prior: re-rating from the
    # last 30 days of live data says so, with every factor that moved.
    ev = evaluate(simulated_book(20, seed=5))
    with db.unit_of_work() as s:
        calibration.register(
            s,
            identity.authenticate_api_key(s, insurer.key),
            model=ev.model.to_json(),
            validation=ev.to_json(),
            exposures=ev.train_rows,
            claims=ev.train_claims,
        )
    purl = f"/insurance/policies/{policy['id']}"
    assert (
        app_client.post(f"{purl}/rerate", json={"as_of": "2026-09-21"}, headers=ent.headers)
    ).status_code == 403
    out = app_client.post(f"{purl}/rerate", json={"as_of": "2027-10-01"}, headers=insurer.headers)
    assert (out.status_code, out.json()["field"]) == (422, "as_of")
    rr = app_client.post(f"{purl}/rerate", json={"as_of": "2026-09-21"}, headers=insurer.headers)
    assert rr.status_code == 201, rr.text
    rating = rr.json()
    moved = {x["factor"]: (x["old"], x["new"]) for x in rating["reasons"]}
    assert moved["pricing"] == ("prior", "model v1")
    assert moved.get("multiplier", (None, None))[1] == rating["new_multiplier"]
    assert (rating["delta_fen"] != 0) == (rating["old_multiplier"] != rating["new_multiplier"])
    after = app_client.get(purl, headers=ent.headers).json()
    assert after["policy"]["premium_fen"] == quote["premium_fen"] + rating["delta_fen"]
    assert sum(i["amount_fen"] for i in after["schedule"]) == after["policy"]["premium_fen"]
    assert after["schedule"][0]["amount_fen"] == detail["schedule"][0]["amount_fen"]  # was due
    assert _balanced(after["journal"])

    # A claim paid on the policy lands as the insured's claims record and in the ledger.
    claim = {
        "claim_id": "CL-1",
        "loss_date": "2026-09-18",
        "cause": "breakdown",
        "amount": "8800.50",
        "device_id": "cnc-bad",
    }
    assert app_client.post(f"{purl}/claims", json=claim, headers=ent.headers).status_code == 403
    c = app_client.post(f"{purl}/claims", json=claim, headers=insurer.headers)
    assert c.status_code == 201, c.text
    assert c.json()["amount_fen"] == 880_050
    again = app_client.post(f"{purl}/claims", json=claim, headers=insurer.headers)
    assert again.status_code == 409
    late = app_client.post(
        f"{purl}/claims", json={**claim, "claim_id": "CL-2", "loss_date": "2028-01-01"},
        headers=insurer.headers,
    )  # fmt: skip
    assert (late.status_code, late.json()["field"]) == (422, "loss_date")
    nodev = app_client.post(
        f"{purl}/claims", json={**claim, "claim_id": "CL-3", "device_id": None},
        headers=insurer.headers,
    )  # fmt: skip
    assert (nodev.status_code, nodev.json()["field"]) == (422, "device_id")
    for who in (ent, insurer):
        listed = app_client.get(f"{purl}/claims", headers=who.headers).json()
        assert [x["claim_id"] for x in listed] == ["CL-1"]
    final = app_client.get(purl, headers=insurer.headers).json()
    assert any(j["kind"] == "claim_paid" for j in final["journal"]) and _balanced(final["journal"])
    assert app_client.get(purl, headers=other).status_code == 404

    # Too few claims to fit: the hand-set index stays the prior.
    fit = app_client.post(
        "/insurance/models/fit",
        json={"start": "2026-09-01", "end": "2026-09-21"},
        headers=insurer.headers,
    )
    assert (fit.status_code, fit.json()["field"]) == (422, "claims")
    assert app_client.get("/insurance/models", headers=ent.headers).status_code == 403


def test_safety_alerts_reach_the_enterprise_and_its_insurer_only_under_consent(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    with db.unit_of_work() as s:
        row = risk.compute_profile(s, telemetry.open_store(settings), ent.org_id, PROFILE_DAY)
        assert row.band in ("elevated", "high")
    with db.unit_of_work() as s:  # the job reruns the same day: replaced, not duplicated
        risk.compute_profile(s, telemetry.open_store(settings), ent.org_id, PROFILE_DAY)
    url = f"/insurance/enterprises/{ent.org_id}/safety-risk"
    own = app_client.get(url, headers=ent.headers)
    assert own.status_code == 200, own.text
    found = {(a["code"], a["subject"]) for a in own.json()["alerts"]}
    assert {
        ("fault_burst", "cnc-bad"),
        ("overload", "cnc-bad"),
        ("out_of_hours", "cnc-bad"),
        ("high_temperature", "cnc-bad"),
    } <= found
    assert not any(subject == "cnc-good" for _, subject in found)
    assert len(own.json()["alerts"]) == len(found)
    # The insurer: refused without a grant, and the portfolio says so.
    denied = app_client.get(url, headers=insurer.headers)
    assert denied.status_code == 403 and denied.json()["type"].endswith("/consent-required")
    assert app_client.get(url, headers=park["bank"]["officer"].headers).status_code == 403
    assert app_client.get(url, headers=park["other_enterprise"]["admin"].headers).status_code == 403
    grant_id = grant_insurer(db, ent, insurer.org_id)
    q = app_client.post(
        "/insurance/quotes", json={**QUOTE, "org_id": ent.org_id}, headers=insurer.headers
    )
    assert q.status_code == 201
    seen = app_client.get(url, headers=insurer.headers)
    assert seen.status_code == 200 and len(seen.json()["alerts"]) == len(found)
    book = app_client.get("/insurance/portfolio", headers=insurer.headers).json()
    assert [(r["org_id"], r["consented"]) for r in book] == [(ent.org_id, True)]
    assert book[0]["risk"]["score"] == own.json()["score"]
    assert app_client.get("/insurance/portfolio", headers=ent.headers).status_code == 403
    with db.unit_of_work() as s:
        governance.revoke_consent(s, identity.authenticate_api_key(s, ent.key), grant_id)
    assert app_client.get(url, headers=insurer.headers).status_code == 403
    book = app_client.get("/insurance/portfolio", headers=insurer.headers).json()
    assert [(r["org_id"], r["consented"], r["risk"]) for r in book] == [(ent.org_id, False, None)]
    assert app_client.get(url).status_code == 401
    assert date.fromisoformat(own.json()["day"]) == PROFILE_DAY


def test_the_insurer_lists_its_own_claims_without_a_grant_on_the_insureds_records(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    from datetime import UTC, datetime, timedelta

    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    with db.unit_of_work() as s:  # machines only: no management data (claims records)
        governance.grant_consent(
            s,
            identity.authenticate_api_key(s, ent.key),
            grantee_org_id=insurer.org_id,
            categories=["production", "external"],
            max_grade=2,
            purpose="insurance_pricing",
            valid_from=None,
            valid_until=datetime.now(UTC) + timedelta(days=30),
        )
    q = app_client.post(
        "/insurance/quotes", json={**QUOTE, "org_id": ent.org_id}, headers=insurer.headers
    ).json()
    p = app_client.post(
        f"/insurance/quotes/{q['id']}/bind", json={"instalments": 1}, headers=ent.headers
    ).json()["policy"]
    purl = f"/insurance/policies/{p['id']}/claims"
    claim = {"claim_id": "CL-9", "loss_date": "2026-10-01", "cause": "smoke", "amount": "10.00",
             "site": "Plant 1"}  # fmt: skip
    assert app_client.post(purl, json=claim, headers=insurer.headers).status_code == 201
    listed = app_client.get(purl, headers=insurer.headers)
    assert listed.status_code == 200 and [c["site"] for c in listed.json()] == ["Plant 1"]
    # The insured's claims records as such stay behind the grant.
    records = app_client.get(
        f"/telemetry/orgs/{ent.org_id}/records/claims?purpose=insurance_pricing",
        headers=insurer.headers,
    )
    assert records.status_code == 403
