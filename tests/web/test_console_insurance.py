"""The insurer's console (book, risk map, alerts, claims, pricing model) and the enterprise's
safety alerts, in Chinese and English; other roles are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.insurance import risk
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.insurance.builders import PROFILE_DAY, insured_book
from tests.web.console import HTML, sign_in


def test_the_insurer_walks_its_book_risk_map_alert_claims_and_model(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    ids = insured_book(db, settings, ent, insurer)
    c = sign_in(app_client, insurer.key)
    r = c.get("/console/insurer/book", headers=HTML)
    assert (
        r.status_code == 200 and "保单簿" in r.text and f'data-policy="{ids["policy"]}"' in r.text
    )
    assert 'href="/console/insurer/portfolio"' in r.text  # the insurer's own menu
    assert "model v1" in r.text  # priced by the claims-fitted model, re-rated
    r = c.get(f"/console/insurer/policies/{ids['policy']}", headers=HTML)
    assert r.status_code == 200 and "CL-1" in r.text and "¥8,800.50" in r.text
    assert (
        "premium_written" in r.text
        and "claim_paid" in r.text
        and "expected_claims_per_kh:" in r.text
    )
    # Its state and each instalment's (nothing paid: the first is past its grace).
    assert 'data-state="bound"' in r.text and "已承保" in r.text
    assert 'data-instalment="1" data-state="missed"' in r.text
    r = c.get("/console/insurer/portfolio", headers=HTML)
    assert r.status_code == 200 and 'data-factor="fault_burst"' in r.text
    assert 'data-figure="score"' in r.text and "故障频发" in r.text
    r = c.get("/console/insurer/alerts", headers=HTML)
    assert r.status_code == 200 and f'href="/console/insurer/alerts/{ids["alert"]}"' in r.text
    assert "推送给我的预警" in r.text and 'data-state="delivered"' in r.text
    r = c.get(f"/console/insurer/alerts/{ids['alert']}?lang=en", headers=HTML)
    assert r.status_code == 200 and "Burst of faults" in r.text
    assert "Find the cause of this week" in r.text
    r = c.get("/console/insurer/claims?lang=en", headers=HTML)
    assert r.status_code == 200 and 'data-claim="CL-1"' in r.text and "Claims" in r.text
    r = c.get("/console/insurer/pricing?lang=en", headers=HTML)
    assert r.status_code == 200 and 'id="model-version">v1<' in r.text
    assert 'data-metric="spearman_truth"' in r.text and 'data-handset="auc"' in r.text
    assert "Calibration by decile" in r.text


def test_the_enterprise_sees_its_safety_alerts_with_what_to_check(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_book(db, settings, ent, insurer)
    c = sign_in(app_client, ent.key)
    r = c.get("/console/enterprise/safety", headers=HTML)
    assert r.status_code == 200 and "安全预警" in r.text and 'data-check="fault_burst"' in r.text
    assert "查明近一周故障原因" in r.text and 'href="/console/enterprise/safety"' in r.text
    # Its insurer was told (under the grant), and the enterprise sees that it was.
    assert 'id="sent"' in r.text and 'data-state="delivered"' in r.text
    r = c.get("/console/enterprise/safety?lang=en", headers=HTML)
    assert "Check cooling, ventilation" in r.text and "Whether your insurer was told" in r.text
    assert 'id="sites"' not in r.text  # no sites placed: one profile
    with db.unit_of_work() as s:
        officer = identity.authenticate_api_key(s, ent.key)
        risk.place_device(s, officer, "cnc-bad", "B车间")
        risk.compute_profile(s, telemetry.open_store(settings), ent.org_id, PROFILE_DAY)
    r = c.get("/console/enterprise/safety", headers=HTML)
    assert 'data-site="B车间"' in r.text and 'data-site="-"' in r.text and "各厂区风险" in r.text
    assert c.get("/console/insurer/book", headers=HTML).status_code == 403


def test_other_institutions_cannot_open_the_insurer_pages(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    anon = app_client.get("/console/insurer/book", headers=HTML, follow_redirects=False)
    assert anon.status_code in (303, 401)
    bank = sign_in(app_client, park["bank"]["officer"].key)
    for path in ("book", "portfolio", "alerts", "claims", "pricing"):
        assert bank.get(f"/console/insurer/{path}", headers=HTML).status_code == 403
    insurer = sign_in(app_client, park["insurer"]["officer"].key)
    empty = insurer.get("/console/insurer/pricing", headers=HTML)
    assert empty.status_code == 200 and 'id="no-model"' in empty.text
