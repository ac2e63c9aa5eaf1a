"""投后预警: the worker's daily pass stores portfolio alerts (new → acknowledged → closed), the
fund manager sees and handles them in the API and the console, viewing raises nothing, and a
revoked ``investment_monitoring`` grant stops them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.jobs import catalog, runner
from chanrong.storage.database import Database
from tests.builders import Park
from tests.funds.test_monitoring import _bills
from tests.lending.builders import principal
from tests.web.console import HTML, csrf_of, sign_in

JOB = "funds.portfolio_watch"


def _run(db: Database, settings: Settings, day: str) -> list[runner.Outcome]:
    jobs = catalog.load(settings)
    return runner.run_manually(db, settings, jobs, JOB, period=day)


def _alerts(c: TestClient, h: dict[str, str], fund: str, **q: str) -> list[dict[str, Any]]:
    r = c.get(f"/funds/{fund}/alerts", headers=h, params=q)
    assert r.status_code == 200, r.text
    out: list[dict[str, Any]] = r.json()
    return out


def test_worker_stores_alerts_manager_handles_them_and_revocation_stops_them(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    c, h = app_client, park["bank"]["officer"].headers
    company = park["enterprise"]["officer"]
    _bills(db, company.org_id)
    fund = c.post("/funds", headers=h, json={"name": "VC", "kind": "vc", "vintage": 2022}).json()
    c.post(f"/funds/{fund['id']}/investments", headers=h,
           json={"date": "2022-05-01", "company_org_id": company.org_id,
                 "amount_yuan": "1000"})  # fmt: skip
    with db.unit_of_work() as s:
        grant = governance.grant_consent(
            s, principal(s, company), grantee_org_id=park["bank"]["admin"].org_id,
            categories=["management"], max_grade=2, purpose="investment_monitoring",
            valid_from=None, valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        grant_id = grant.id
    # Looking at the portfolio detects on the fly but stores nothing: the worker raises alerts.
    assert c.get(f"/funds/{fund['id']}/monitoring?as_of=2025-02-28", headers=h).status_code == 200
    assert _alerts(c, h, fund["id"]) == []
    out = _run(db, settings, "2025-02-28")
    subject = f"{park['bank']['admin'].org_id}/{fund['id']}"
    assert [(o.subject, o.status) for o in out if o.subject != "*"] == [(subject, "succeeded")]
    [done] = [o for o in out if o.subject == subject]
    assert done.detail is not None and "1 opened" in done.detail
    [a] = _alerts(c, h, fund["id"])
    assert (a["kind"], a["severity"], a["status"], a["company_org_id"]) == (
        "output_drop", "high", "new", company.org_id,
    )  # fmt: skip
    assert a["first_detected_on"] == "2025-02-28" and a["evidence"]["drop"] > 0.5
    # The next day's pass refreshes the same alert rather than opening a second one.
    _run(db, settings, "2025-03-01")
    [again] = _alerts(c, h, fund["id"])
    assert (again["id"], again["last_detected_on"], again["first_detected_on"]) == (
        a["id"], "2025-03-01", "2025-02-28",
    )  # fmt: skip
    # The manager sees it on the fund's monitoring page and acknowledges it there.
    manager = TestClient(app_client.app)
    sign_in(manager, park["bank"]["officer"].key)
    page = f"/console/funds/{fund['id']}/monitoring"
    r = manager.get(page, headers=HTML)
    assert r.status_code == 200
    assert f'data-stored-alert="{a["id"]}" data-status="new"' in r.text and "预警记录" in r.text
    r = manager.post(
        f"/console/funds/{fund['id']}/alerts/{a['id']}",
        data={"action": "acknowledge", "csrf_token": csrf_of(r.text)},
        headers=HTML,
    )
    assert r.status_code == 200 and 'data-status="acknowledged"' in r.text
    assert [x["status"] for x in _alerts(c, h, fund["id"])] == ["acknowledged"]
    r = c.post(f"/funds/{fund['id']}/alerts/{a['id']}/acknowledge", headers=h)
    assert r.status_code == 409  # only a new alert is acknowledged
    en = manager.get(page + "?lang=en", headers=HTML)
    assert "Alert history" in en.text and "acknowledged" in en.text
    # Another organisation neither sees nor moves them.
    other = park["other_bank"]["admin"].headers
    assert c.get(f"/funds/{fund['id']}/alerts", headers=other).status_code == 404
    r = c.post(f"/funds/{fund['id']}/alerts/{a['id']}/close", headers=other)
    assert r.status_code == 404
    assert c.get(f"/funds/{fund['id']}/alerts?status=open", headers=h).status_code == 422
    # The company revokes its grant: the next pass reads nothing, raises nothing and closes
    # the live alert with the refusal, wiping what was read under the grant.
    with db.unit_of_work() as s:
        governance.revoke_consent(s, principal(s, company), grant_id)
    [done] = [o for o in _run(db, settings, "2025-03-02") if o.subject == subject]
    assert done.detail is not None and "1 without grant; 0 opened" in done.detail
    assert "1 stopped by consent" in done.detail
    [closed] = _alerts(c, h, fund["id"])
    assert (closed["id"], closed["status"], closed["closed_reason"], closed["closed_on"]) == (
        a["id"], "closed", "consent_revoked", "2025-03-02",
    )  # fmt: skip
    assert closed["evidence"] == {} and closed["params"] == {}
    _run(db, settings, "2025-03-03")
    assert [x["status"] for x in _alerts(c, h, fund["id"])] == ["closed"]  # none reopened
    r = c.post(f"/funds/{fund['id']}/alerts/{a['id']}/close", headers=h)
    assert r.status_code == 409
    r = manager.get(page, headers=HTML)
    assert "授权终止: revoked" in r.text


def test_a_manual_close_and_a_cleared_kind(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    c, h = app_client, park["bank"]["officer"].headers
    company = park["enterprise"]["officer"]
    _bills(db, company.org_id)
    fund = c.post("/funds", headers=h, json={"name": "VC", "kind": "vc", "vintage": 2022}).json()
    c.post(f"/funds/{fund['id']}/investments", headers=h,
           json={"date": "2022-05-01", "company_org_id": company.org_id})  # fmt: skip
    with db.unit_of_work() as s:
        governance.grant_consent(
            s, principal(s, company), grantee_org_id=park["bank"]["admin"].org_id,
            categories=["management"], max_grade=2, purpose="investment_monitoring",
            valid_from=None, valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )  # fmt: skip
    _run(db, settings, "2025-02-28")
    [a] = _alerts(c, h, fund["id"], status="new")
    # Seen as of a date before the fall, output is normal: the live alert is cleared.
    _run(db, settings, "2024-11-30")
    [cleared] = _alerts(c, h, fund["id"])
    assert (cleared["id"], cleared["status"], cleared["closed_reason"]) == (
        a["id"], "closed", "cleared",
    )  # fmt: skip
    # Detected again: a new alert, which the manager closes by hand.
    _run(db, settings, "2025-03-01")
    [b] = _alerts(c, h, fund["id"], status="new")
    assert b["id"] != a["id"]
    r = c.post(f"/funds/{fund['id']}/alerts/{b['id']}/close", headers=h)
    assert r.status_code == 200 and r.json()["closed_reason"] == "manual"
    assert [x["status"] for x in _alerts(c, h, fund["id"])] == ["closed", "closed"]
