"""Credit applications in the console: a bank decides, an officer reviews a referral, the
enterprise sees the decision and the reasons; the decision needs a live grant."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Park
from tests.web.console import HTML, page_csrf, sign_in
from tests.web.credit_builders import grant_for_credit, install_champion, record_profile


def _apply(client: TestClient, ent_org_id: str) -> tuple[int, str, str]:
    token = page_csrf(client, "/console/bank/applications")
    r = client.post(
        "/console/bank/applications",
        data={
            "enterprise_org_id": ent_org_id,
            "product_code": "op-loan",
            "requested_amount": "80000.00",
            "csrf_token": token,
        },
        headers=HTML,
        follow_redirects=False,
    )
    return r.status_code, r.headers.get("location", ""), r.text


def test_officer_approves_a_referred_application(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    install_champion(settings)
    with db.unit_of_work() as s:
        record_profile(s, ent.org_id)
        grant_for_credit(s, identity.authenticate_api_key(s, ent.key), bank.org_id)
    sign_in(app_client, bank.key)
    queue = app_client.get("/console/bank/applications", headers=HTML)
    assert queue.status_code == 200
    assert f'<option value="{ent.org_id}">enterprise</option>' in queue.text
    status, location, _ = _apply(app_client, ent.org_id)
    assert status == 303
    app_id = location.rsplit("/", 1)[1]
    page = app_client.get(location, headers=HTML)
    assert page.status_code == 200
    assert "待人工审批" in page.text
    assert 'id="reasons"' in page.text
    assert "设备开工率" in page.text  # the reason names the characteristic that cost points
    queue = app_client.get("/console/bank/applications", headers=HTML)
    assert 'id="kpi-referred">1<' in queue.text
    assert f'data-application="{app_id}" data-status="referred"' in queue.text

    token = page_csrf(app_client, location)
    r = app_client.post(
        f"/console/bank/applications/{app_id}/review",
        data={"outcome": "approve", "note": "", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 422
    assert "字段 note" in r.text
    r = app_client.post(
        f"/console/bank/applications/{app_id}/review",
        data={"outcome": "approve", "note": "订单稳定，核心企业回款良好", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 200
    assert "已批准该申请" in r.text
    assert 'id="officer-note">订单稳定，核心企业回款良好<' in r.text
    with db.unit_of_work() as s:
        app = credit.get_application(s, identity.authenticate_api_key(s, bank.key), app_id)
        assert app.status == "approved"
        assert app.officer_log_index is not None
        assert app.limit_fen > 0
    # Reviewing again is a conflict; nothing changes.
    r = app_client.post(
        f"/console/bank/applications/{app_id}/review",
        data={"outcome": "decline", "note": "再议", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 409

    # The enterprise sees the decision, the reasons and its score.
    ent_client = TestClient(app_client.app)
    sign_in(ent_client, ent.key)
    mine = ent_client.get("/console/enterprise/finance", headers=HTML)
    assert f'data-application="{app_id}"' in mine.text
    assert "已批准" in mine.text
    prof = ent_client.get("/console/enterprise/profile", headers=HTML)
    assert 'id="score-gauge"' in prof.text
    assert "设备开工率" in prof.text
    # Another bank neither sees it nor can review it.
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["officer"].key)
    assert other.get(f"/console/applications/{app_id}", headers=HTML).status_code == 404
    token = page_csrf(other, "/console/bank/applications")
    r = other.post(
        f"/console/bank/applications/{app_id}/review",
        data={"outcome": "decline", "note": "x", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 404


def test_without_a_grant_the_decision_is_a_knock_out_and_viewers_cannot_apply(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    install_champion(settings)
    with db.unit_of_work() as s:
        record_profile(s, ent.org_id)
    sign_in(app_client, bank.key)
    status, location, _ = _apply(app_client, ent.org_id)
    assert status == 303
    page = app_client.get(location, headers=HTML)
    assert "已拒绝" in page.text
    assert re.search(r"<li>[^<]*授权[^<]*</li>", page.text)  # the knock-out says why
    assert "人工审批" not in page.text.split("</nav>", 1)[1]  # nothing to review
    viewer = TestClient(app_client.app)
    sign_in(viewer, park["bank"]["viewer"].key)
    status, _, _ = _apply(viewer, ent.org_id)
    assert status == 403
