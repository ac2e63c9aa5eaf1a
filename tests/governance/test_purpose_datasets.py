"""Purpose × dataset: each purpose reads only the datasets it names, the enterprise sees the
table when it grants; and each kind of institution writes only on its business's routes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chanrong.core.errors import ConsentRequired
from chanrong.governance import service as governance
from chanrong.governance.domain import PURPOSE_DATASETS, Purpose
from chanrong.storage.database import Database
from tests.builders import Park
from tests.governance.builders import grant, principal
from tests.web.console import HTML, sign_in


def test_an_insurance_grant_does_not_reach_the_credit_profile(db: Database, park: Park) -> None:
    owner = park["enterprise"]["officer"]
    insurer = park["insurer"]["officer"]
    with db.unit_of_work() as s:
        grant(
            s,
            owner,
            insurer.org_id,
            categories=("production", "external"),
            max_grade=2,
            purpose="insurance_pricing",
        )
    with db.unit_of_work() as s:
        who = principal(s, insurer)
        ok = governance.authorize_read(
            s, who, owner_org_id=owner.org_id, dataset="telemetry.equipment",
            purpose=Purpose.INSURANCE_PRICING,
        )  # fmt: skip
        assert ok.grant_id is not None
        for dataset in ("derived.profile", "derived.score"):
            with pytest.raises(ConsentRequired) as refused:
                governance.authorize_read(
                    s, who, owner_org_id=owner.org_id, dataset=dataset,
                    purpose=Purpose.INSURANCE_PRICING, aggregate=True,
                )  # fmt: skip
            assert refused.value.extra["reason"] == "dataset_not_for_purpose"
            assert refused.value.field == "purpose"


def test_the_enterprise_sees_the_table_when_it_grants(app_client: TestClient, park: Park) -> None:
    officer = park["enterprise"]["officer"].headers
    table = app_client.get("/consents/purposes", headers=officer).json()
    by_purpose = {row["purpose"]: [d["name"] for d in row["datasets"]] for row in table}
    assert set(by_purpose) == {p.value for p in Purpose}
    assert "derived.profile" not in by_purpose["insurance_pricing"]
    assert "telemetry.equipment" in by_purpose["insurance_pricing"]
    assert by_purpose["leasing_billing"] == sorted(PURPOSE_DATASETS[Purpose.LEASING_BILLING])
    r = app_client.post(
        "/consents",
        json={
            "grantee_org_id": park["insurer"]["admin"].org_id,
            "categories": ["production", "external"],
            "max_grade": 2,
            "purpose": "insurance_pricing",
            "valid_until": "2030-01-01T00:00:00Z",
        },
        headers=officer,
    )
    assert r.status_code == 201, r.text
    assert r.json()["datasets"] == [
        "derived.carbon",
        "derived.equipment_quality",
        "derived.safety_risk",
        "telemetry.energy",
        "telemetry.equipment",
    ]


@pytest.mark.parametrize("who", ["insurer", "lessor"])
def test_insurers_and_lessors_cannot_file_credit_applications(
    app_client: TestClient, park: Park, who: str
) -> None:
    body = {"enterprise_org_id": park["enterprise"]["admin"].org_id}
    r = app_client.post("/credit/applications", json=body, headers=park[who]["officer"].headers)
    assert r.status_code == 403, r.text
    assert r.json()["institution_types"] == ["bank"]
    assert who in r.json()["detail"]
    r = app_client.post("/lending/loans", json={}, headers=park[who]["officer"].headers)
    assert r.status_code == 403, r.text
    # A bank passes this check (and meets the route's own: no grant, so no decision).
    r = app_client.post("/credit/applications", json=body, headers=park["bank"]["officer"].headers)
    assert r.status_code != 403 or r.json()["type"].endswith("/consent-required"), r.text


def test_a_bank_cannot_quote_insurance_nor_bill_a_lease(app_client: TestClient, park: Park) -> None:
    bank = park["bank"]["officer"].headers
    for path in ("/insurance/quotes", "/leasing/contracts"):
        r = app_client.post(path, json={}, headers=bank)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["institution_types"] in (["insurer"], ["lessor"])


def test_a_refusal_naming_no_real_enterprise_is_refused_and_kept_nowhere(
    db: Database, park: Park
) -> None:
    # Found by schema fuzzing: a guessed enterprise id made keeping the denial fail on the
    # foreign key (logged as an error on every such request).
    what = {"dataset": "derived.equipment_quality", "reason": "purpose_required"}
    refusal = ConsentRequired("no grant", extra={"owner_org_id": "no-such-enterprise", **what})
    with db.unit_of_work() as s:
        bank = principal(s, park["bank"]["officer"])
        assert governance.record_denial(s, bank, refusal, route="/x") is None
        owner = park["enterprise"]["admin"].org_id
        real = ConsentRequired("no grant", extra={"owner_org_id": owner, **what})
        assert governance.record_denial(s, bank, real, route="/x") is not None


def test_refused_attempts_are_shown_to_the_enterprise(app_client: TestClient, park: Park) -> None:
    owner = park["enterprise"]["admin"]
    bank = park["bank"]["officer"]
    r = app_client.get(
        f"/telemetry/orgs/{owner.org_id}/points?purpose=credit_assessment", headers=bank.headers
    )
    assert r.status_code == 403, r.text
    denied = app_client.get("/governance/access/denied", headers=owner.headers).json()
    assert [(d["accessor_org_id"], d["reason"], d["purpose"]) for d in denied] == [
        (bank.org_id, "no_grant", "credit_assessment")
    ]
    assert denied[0]["dataset"] == "telemetry.equipment"
    assert denied[0]["route"].endswith("/points")
    # Only the enterprise (and the operator) see its list; the bank does not.
    other = app_client.get(
        f"/governance/access/denied?owner_org_id={owner.org_id}", headers=bank.headers
    )
    assert other.status_code == 404
    assert app_client.get("/governance/access/denied", headers=bank.headers).json() == []
    # The console's access page lists it too, in both languages.
    sign_in(app_client, owner.key)
    for lang, text in (("zh-CN", "该企业未向贵机构授权"), ("en", "has not granted")):
        page = app_client.get(f"/console/enterprise/access?lang={lang}", headers=HTML)
        assert page.status_code == 200, page.text
        assert 'id="denied-list"' in page.text
        assert text in page.text


def test_the_grant_form_shows_the_purpose_table(app_client: TestClient, park: Park) -> None:
    sign_in(app_client, park["enterprise"]["officer"].key)
    for lang, label in (
        ("zh-CN", "各用途可读取的数据集"),
        ("en", "Datasets each purpose may read"),
    ):
        page = app_client.get(f"/console/enterprise/consents?lang={lang}", headers=HTML)
        assert page.status_code == 200, page.text
        table = page.text[page.text.index('id="purpose-datasets"') :]
        assert label in page.text
        insurance = table[table.index(
            "保险定价" if lang == "zh-CN" else "Insurance pricing"
        ) :].split("</tr>")[0]  # fmt: skip
        assert "telemetry.equipment" in insurance and "derived.profile" not in insurance


def test_a_console_page_refused_for_want_of_consent_is_shown_to_the_enterprise(
    app_client: TestClient, park: Park
) -> None:
    # The bank's profile page catches each refusal to show the panel as refused; before, those
    # refusals were never kept, so the enterprise could not see attempts made from the console.
    owner = park["enterprise"]["admin"]
    bank = park["bank"]["officer"]
    sign_in(app_client, bank.key)
    page = app_client.get(f"/console/bank/enterprises/{owner.org_id}", headers=HTML)
    assert page.status_code == 403, page.text
    app_client.cookies.clear()
    denied = app_client.get("/governance/access/denied", headers=owner.headers).json()
    routes = {d["route"] for d in denied}
    assert routes == {f"/console/bank/enterprises/{owner.org_id}"}, denied
    assert {d["accessor_org_id"] for d in denied} == {bank.org_id}
    assert "derived.profile" in {d["dataset"] for d in denied}
