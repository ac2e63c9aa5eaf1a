"""The platform operator's pages: park activity as aggregates, the catalog, the log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance import keys
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Park
from tests.web.builders import seed_operating_data
from tests.web.console import HTML, page_csrf, sign_in


def test_park_overview_counts_online_enterprises_and_points(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent = park["enterprise"]["admin"]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    with db.unit_of_work() as s:
        seed_operating_data(s, settings, ent.org_id, start=today - timedelta(days=3))
    sign_in(app_client, park["operator"]["viewer"].key)
    r = app_client.get("/console/operator/park", headers=HTML)
    assert r.status_code == 200
    assert 'id="kpi-enterprises">3<' in r.text
    assert 'id="kpi-online">1<' in r.text
    # 5 series × 24 points on each full day; today's (UTC) day has 24 points per series.
    assert 'id="kpi-points">120<' in r.text
    assert 'id="ingestion-chart"' in r.text
    # The operator's reads were aggregates, checked and logged: the enterprise can see them.
    ent_client = TestClient(app_client.app)
    sign_in(ent_client, ent.key)
    access = ent_client.get("/console/enterprise/access", headers=HTML).text
    assert "平台运营（汇总）" in access
    assert "<td>是</td>" in access  # aggregate: yes


def test_catalog_confirm_and_override_with_reason(
    app_client: TestClient, park: Park, db: Database
) -> None:
    ent = park["enterprise"]["admin"]
    with db.unit_of_work() as s:
        entries = {e.name: e.id for e in governance.ensure_default_catalog(s, ent.org_id)}
    sign_in(app_client, park["operator"]["officer"].key)
    page = app_client.get("/console/operator/catalog", headers=HTML)
    assert page.status_code == 200
    assert "telemetry.equipment" in page.text
    assert "待确认" in page.text
    token = page_csrf(app_client, "/console/operator/catalog")
    orders = entries["business.orders"]
    # Changing the grade without a reason is refused, naming the field; nothing changes.
    r = app_client.post(
        f"/console/operator/catalog/{orders}/classify",
        data={"category": "management", "grade": "3", "reason": "", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 422
    assert "字段 reason" in r.text
    r = app_client.post(
        f"/console/operator/catalog/{orders}/classify",
        data={
            "category": "management",
            "grade": "3",
            "reason": "订单含大客户价格",
            "csrf_token": token,
        },
        headers=HTML,
    )
    assert r.status_code == 200
    assert "已保存 business.orders 的分类分级" in r.text
    with db.unit_of_work() as s:
        principal = identity.authenticate_api_key(s, park["operator"]["admin"].key)
        history = governance.catalog_history(s, principal, orders)
        assert [h.action for h in history][-1] == "overridden"
        assert history[-1].new_grade == 3
        assert history[-1].reason == "订单含大客户价格"


def test_catalog_actions_need_an_operator_officer(
    app_client: TestClient, park: Park, db: Database
) -> None:
    ent = park["enterprise"]["admin"]
    with db.unit_of_work() as s:
        entry_id = governance.ensure_default_catalog(s, ent.org_id)[0].id
    sign_in(app_client, park["operator"]["viewer"].key)
    token = page_csrf(app_client, "/console/operator/catalog")
    r = app_client.post(
        f"/console/operator/catalog/{entry_id}/classify",
        data={"csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 403
    other = TestClient(app_client.app)
    sign_in(other, ent.key)
    assert other.get("/console/operator/catalog", headers=HTML).status_code == 403


def test_log_page_shows_size_root_signed_head_and_entries(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    sign_in(app_client, ent.key)
    token = page_csrf(app_client, "/console/enterprise/consents")
    app_client.post(
        "/console/enterprise/consents",
        data={
            "grantee_org_id": bank.org_id,
            "purpose": "credit_assessment",
            "categories": ["production"],
            "max_grade": "2",
            "valid_until": "2099-01-01",
            "csrf_token": token,
        },
        headers=HTML,
    )
    with db.unit_of_work() as s:
        head = governance.sign_tree_head(s, keys.load_or_create(settings.var_dir))
        root = governance.current_root(s)
    op = TestClient(app_client.app)
    sign_in(op, park["operator"]["viewer"].key)
    r = op.get("/console/operator/log", headers=HTML)
    assert r.status_code == 200
    assert f'id="log-size">{root.size}<' in r.text
    assert root.root.hex() in r.text
    assert head.signature in r.text
    assert "consent.granted" in r.text
