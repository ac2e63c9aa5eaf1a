"""Consents in the console: an enterprise grants and revokes; the bank's view follows the grant.

The bank's view of an enterprise goes through the telemetry service, so the governance policy
check (and its access log) applies exactly as on the API.
"""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.storage.database import Database
from tests.builders import Park
from tests.web.builders import seed_operating_data
from tests.web.console import HTML, page_csrf, sign_in


def _grant(client: TestClient, bank_org_id: str, **overrides: object) -> tuple[int, str]:
    token = page_csrf(client, "/console/enterprise/consents")
    body = {
        "grantee_org_id": bank_org_id,
        "purpose": "credit_assessment",
        "categories": ["production", "management"],
        "max_grade": "2",
        "valid_until": "2099-12-31",
        "csrf_token": token,
        **overrides,
    }
    r = client.post("/console/enterprise/consents", data=body, headers=HTML)
    return r.status_code, r.text


def test_enterprise_grants_bank_sees_charts_then_revoke_cuts_access(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    with db.unit_of_work() as s:
        seed_operating_data(s, settings, ent.org_id)
    bank_client = TestClient(app_client.app)
    sign_in(bank_client, bank.key)
    profile = f"/console/bank/enterprises/{ent.org_id}"
    # Before any grant the bank sees nothing, not even the enterprise's name.
    r = bank_client.get(profile, headers=HTML)
    assert r.status_code == 403
    assert "没有对贵机构的有效数据授权" in r.text
    assert "企业画像：" not in r.text

    sign_in(app_client, ent.key)
    status, html = _grant(app_client, bank.org_id)
    assert status == 201, html
    assert "已授权 bank" in html
    grants = re.findall(r'data-grant="([^"]+)"', html)
    assert len(grants) == 1

    listing = bank_client.get("/console/bank/enterprises", headers=HTML)
    assert listing.status_code == 200
    assert (
        f'href="/console/bank/enterprises/{ent.org_id}?purpose=credit_assessment"' in listing.text
    )
    r = bank_client.get(profile, headers=HTML)
    assert r.status_code == 200
    for chart in (
        "chart-utilisation",
        "chart-output",
        "chart-energy",
        "chart-orders",
        "chart-payments",
    ):
        assert f'id="{chart}"' in r.text, chart
    # Utilisation: (12 h + 18 h) / 2 / 24 = 62.5 % on full days; orders summed per month in yuan.
    assert "62.5" in r.text
    assert "2600.0" in r.text  # February orders: 2500.50 + 99.50

    # The enterprise sees the bank's reads in its access list.
    access = app_client.get("/console/enterprise/access", headers=HTML)
    assert access.status_code == 200
    assert access.text.count("<td>bank</td>") >= 3
    assert "telemetry.equipment" in access.text
    assert "business.orders" in access.text
    assert 'id="access-who"' in access.text and 'id="access-datasets"' in access.text
    # Each read links to its log entry, whose inclusion proof checks out against the root.
    index = re.findall(r'href="/console/log/(\d+)"', access.text)[0]
    entry = app_client.get(f"/console/log/{index}", headers=HTML)
    assert entry.status_code == 200
    assert 'id="proof-result">已验证' in entry.text
    assert "data.access" in entry.text
    # An organisation that is no party to the entry cannot open it.
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["officer"].key)
    assert other.get(f"/console/log/{index}", headers=HTML).status_code == 404

    token = page_csrf(app_client, "/console/enterprise/consents")
    r = app_client.post(
        f"/console/enterprise/consents/{grants[0]}/revoke",
        data={"csrf_token": token},
        headers={**HTML, "HX-Request": "true"},
    )
    assert r.status_code == 200
    assert "已撤销对 bank 的授权" in r.text
    assert "<html" not in r.text  # htmx gets only the grants section
    r = bank_client.get(profile, headers=HTML)
    assert r.status_code == 403
    assert 'id="chart-utilisation"' not in r.text


def test_partial_grant_shows_only_the_covered_panels(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent, bank = park["enterprise"]["admin"], park["bank"]["officer"]
    with db.unit_of_work() as s:
        seed_operating_data(s, settings, ent.org_id)
    sign_in(app_client, ent.key)
    status, _ = _grant(app_client, bank.org_id, categories=["management"])
    assert status == 201
    bank_client = TestClient(app_client.app)
    sign_in(bank_client, bank.key)
    r = bank_client.get(f"/console/bank/enterprises/{ent.org_id}", headers=HTML)
    assert r.status_code == 200
    assert 'id="chart-orders"' in r.text
    assert 'id="chart-utilisation"' not in r.text
    # Utilisation, output and energy (production) and the credit profile (external) are refused.
    assert r.text.count("没有对贵机构的有效数据授权") == 4


def test_grant_form_errors_name_the_field_and_grant_nothing(
    app_client: TestClient, park: Park
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    sign_in(app_client, ent.key)
    cases = [
        ({"valid_until": "31/12/2099"}, "valid_until"),
        ({"valid_until": "2001-01-01"}, "valid_until"),
        ({"categories": []}, "categories"),
        ({"max_grade": "7"}, "max_grade"),
        ({"purpose": "gossip"}, "purpose"),
        ({"grantee_org_id": park["other_enterprise"]["admin"].org_id}, "grantee_org_id"),
    ]
    for overrides, field in cases:
        status, html = _grant(app_client, bank.org_id, **overrides)
        assert status == 422, (overrides, status)
        assert f"字段 {field}" in html, (overrides, html[:400])
    r = app_client.get("/console/enterprise/consents", headers=HTML)
    assert "data-grant=" not in r.text


def test_viewers_and_other_organisations_cannot_grant_or_revoke(
    app_client: TestClient, park: Park
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    sign_in(app_client, ent.key)
    status, html = _grant(app_client, bank.org_id)
    assert status == 201
    grant_id = re.findall(r'data-grant="([^"]+)"', html)[0]
    viewer = TestClient(app_client.app)
    sign_in(viewer, park["enterprise"]["viewer"].key)
    page = viewer.get("/console/enterprise/consents", headers=HTML)
    assert "只有企业的管理员或经办可以授权和撤销" in page.text
    token = page_csrf(viewer, "/console/enterprise/consents")
    r = viewer.post(
        f"/console/enterprise/consents/{grant_id}/revoke", data={"csrf_token": token}, headers=HTML
    )
    assert r.status_code == 403
    other = TestClient(app_client.app)
    sign_in(other, park["other_enterprise"]["officer"].key)
    token = page_csrf(other, "/console/enterprise/consents")
    r = other.post(
        f"/console/enterprise/consents/{grant_id}/revoke", data={"csrf_token": token}, headers=HTML
    )
    assert r.status_code == 404  # another enterprise's grant looks missing
    # The grant is still live for the bank.
    listing = TestClient(app_client.app)
    sign_in(listing, bank.key)
    assert "state-live" in listing.get("/console/bank/enterprises", headers=HTML).text


def test_bank_sees_the_credit_profile_and_carbon_grade_when_granted(
    app_client: TestClient, park: Park, db: Database
) -> None:
    from chanrong.identity import service as identity
    from tests.web.credit_builders import grant_for_credit, record_profile

    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    with db.unit_of_work() as s:
        record_profile(s, ent.org_id, utilisation=0.7)
        grant_for_credit(s, identity.authenticate_api_key(s, ent.key), bank.org_id)
    sign_in(app_client, bank.key)
    r = app_client.get(f"/console/bank/enterprises/{ent.org_id}", headers=HTML)
    assert r.status_code == 200
    assert 'id="features"' in r.text
    assert "设备开工率" in r.text and ">0.7<" in r.text
    assert 'id="carbon-grade">—<' in r.text  # granted, but no assessment yet
    assert "未授权" not in r.text


def test_unknown_purpose_is_a_clear_error(app_client: TestClient, park: Park) -> None:
    sign_in(app_client, park["bank"]["officer"].key)
    ent = park["enterprise"]["admin"].org_id
    r = app_client.get(f"/console/bank/enterprises/{ent}?purpose=gossip", headers=HTML)
    assert r.status_code == 422
    assert "字段 purpose" in r.text


def test_a_grant_can_be_narrowed_to_chosen_datasets(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    with db.unit_of_work() as s:
        seed_operating_data(s, settings, ent.org_id)
        governance.ensure_default_catalog(s, ent.org_id)
    sign_in(app_client, ent.key)
    page = app_client.get("/console/enterprise/consents", headers=HTML).text
    # The enterprise's own datasets are offered, none chosen beforehand.
    assert 'name="datasets" value="telemetry.equipment"' in page
    assert 'value="telemetry.equipment" checked' not in page

    status, html = _grant(app_client, bank.org_id, datasets=["telemetry.equipment"])
    assert status == 201, html
    scope = re.findall(r'class="grant-scope">([^<]*)<', html)
    assert scope == ["telemetry.equipment"]
    # One outside the chosen categories is refused, naming the field, and nothing is granted.
    status, html = _grant(app_client, bank.org_id, datasets=["derived.profile"])
    assert status == 422, html
    assert "datasets" in html
    assert len(re.findall(r'data-grant="([^"]+)"', html)) == 1
    # Without a choice the grant covers every dataset of its categories, and says so.
    status, html = _grant(app_client, bank.org_id)
    assert status == 201
    assert "所选数据域的全部数据集" in html
