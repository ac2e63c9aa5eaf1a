"""Safety alerts pushed by the worker: into the insured's inbox with what to check, into the
insurer's under the insurance grant, and withheld (kept, with why) once the grant is gone."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.insurance import notices, policies
from chanrong.insurance import service as insurance
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.insurance.builders import grant_insurer, insured_fleet


def test_alerts_reach_the_insured_and_the_insurer_only_under_consent(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    grant_id = grant_insurer(db, ent, insurer.org_id)
    with db.unit_of_work() as s:
        q = insurance.quote(
            s,
            identity.authenticate_api_key(s, insurer.key),
            telemetry.open_store(settings),
            org_id=ent.org_id,
            base_premium="5000",
            start=date(2026, 9, 1),
            end=date(2027, 9, 1),
        )
        policies.bind(s, identity.authenticate_api_key(s, ent.key), q.id, instalments=1)
    jobs = catalog.load(settings)
    out = run_manually(
        db, settings, jobs, "insurance.safety_profile", subject=ent.org_id, period="2026-09-20"
    )
    assert out[0].status == "succeeded", out[0].error
    assert out[0].detail is not None and out[0].detail.endswith("delivered, 0 withheld")

    mine = app_client.get("/insurance/notifications", headers=ent.headers).json()
    theirs = app_client.get("/insurance/notifications", headers=insurer.headers).json()
    burst = next(n for n in mine if n["code"] == "fault_burst")
    assert burst["subject"] == "cnc-bad" and burst["audience"] == "insured"
    assert "repair" in burst["check"]["en"] and "检修" in burst["check"]["zh-CN"]
    told = next(n for n in theirs if n["code"] == "fault_burst")
    assert (told["org_id"], told["state"], told["audience"]) == (ent.org_id, "delivered", "insurer")
    assert {n["code"] for n in theirs} == {n["code"] for n in mine}
    # Reading: only the recipient; unread lists shrink.
    url = f"/insurance/notifications/{told['id']}/read"
    other = park["other_enterprise"]["admin"].headers
    assert app_client.post(url, headers=other).status_code == 404
    assert app_client.post(url, headers=ent.headers).status_code == 404
    assert app_client.post(url, headers=insurer.headers).json()["state"] == "read"
    unread = app_client.get(
        "/insurance/notifications", params={"unread": True}, headers=insurer.headers
    ).json()
    assert told["id"] not in {n["id"] for n in unread} and len(unread) == len(theirs) - 1
    # Recomputing the same day adds no second notice.
    with db.unit_of_work() as s:
        day = date.fromisoformat(burst["day"])
        assert notices.queue(s, ent.org_id, notices.day_alerts(s, ent.org_id, day)) == 0

    # The enterprise withdraws its grant: the next day's alerts reach it, not the insurer.
    with db.unit_of_work() as s:
        governance.revoke_consent(s, identity.authenticate_api_key(s, ent.key), grant_id)
    out = run_manually(
        db, settings, jobs, "insurance.safety_profile", subject=ent.org_id, period="2026-09-21"
    )
    assert out[0].status == "succeeded", out[0].error
    after = app_client.get("/insurance/notifications", headers=insurer.headers).json()
    assert {n["day"] for n in after} == {burst["day"]}  # nothing of the new day
    sent = app_client.get("/insurance/notifications/sent", headers=ent.headers).json()
    withheld = [n for n in sent if n["state"] == "withheld"]
    assert withheld and all(n["recipient_org_id"] == insurer.org_id for n in withheld)
    assert all(n["reason"].startswith("no consent") for n in withheld)
    assert all(n["day"] == "2026-09-22" for n in withheld)
    mine = app_client.get("/insurance/notifications", headers=ent.headers).json()
    assert "2026-09-22" in {n["day"] for n in mine}
